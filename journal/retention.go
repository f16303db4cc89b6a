package journal

import (
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// sweepLoop removes expired runs every SweepInterval until Close.
func (db *DB) sweepLoop() {
	defer db.wg.Done()
	ticker := time.NewTicker(db.opts.SweepInterval)
	defer ticker.Stop()
	for {
		select {
		case <-db.done:
			return
		case now := <-ticker.C:
			if n, err := db.Sweep(now); err != nil {
				db.opts.Logger.Error("journal: retention sweep failed", "error", err)
			} else if n > 0 {
				db.opts.Logger.Debug("journal: retention sweep", "removed_runs", n)
			}
		}
	}
}

// Sweep removes every run that closed more than Retention before now: its
// history (one range delete), its metadata, and the workflow's current-run
// pointer if it still names that run. It returns how many runs it removed.
func (db *DB) Sweep(now time.Time) (int, error) {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	lower := []byte{tagRetention}
	upper := appendTime([]byte{tagRetention}, now.Add(-db.opts.Retention))
	iter, err := db.pebble.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return 0, fmt.Errorf("journal: sweep: %w", err)
	}
	defer iter.Close()
	batch := db.pebble.NewBatch()
	defer batch.Close()
	removed := 0
	var indexKey []byte // reused: the batch copies keys
	for iter.First(); iter.Valid(); iter.Next() {
		k := iter.Key()
		const head = 1 + 8 + 2
		if len(k) < head {
			return removed, fmt.Errorf("%w: short retention key %q", ErrCorrupt, k)
		}
		p := int(k[9])<<8 | int(k[10])
		run, err := decodeRunSuffix(k[head:])
		if err != nil {
			return removed, err
		}
		meta := &journalpb.WorkflowMeta{}
		switch err := db.get(runKey(p, run), meta); {
		case err == nil:
			entries := indexOf(meta)
			indexKey = entries.keys(indexKey, run, func(key []byte) { _ = batch.Delete(key, nil) })
		case !errors.Is(err, ErrNotFound):
			return removed, err
		}
		prefix := eventPrefix(p, run)
		_ = batch.DeleteRange(prefix, prefixEnd(prefix), nil)
		_ = batch.Delete(runKey(p, run), nil)
		if current, err := db.currentRunID(run.Namespace, run.WorkflowID); err == nil && current == run.RunID {
			_ = batch.Delete(currentKey(run.Namespace, run.WorkflowID), nil)
		}
		_ = batch.Delete(k, nil)
		removed++
	}
	if err := iter.Error(); err != nil {
		return 0, fmt.Errorf("journal: sweep: %w", err)
	}
	if removed == 0 {
		return 0, nil
	}
	if err := batch.Commit(pebble.Sync); err != nil {
		return 0, fmt.Errorf("journal: sweep commit: %w", err)
	}
	return removed, nil
}
