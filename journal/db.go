package journal

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	dto "github.com/prometheus/client_model/go"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// Options configures Open. The zero value of each field picks its default.
type Options struct {
	// Partitions is the partition count P (default 16). It is recorded when
	// the database is created; opening it later with another non-zero count
	// is an error.
	Partitions int
	// Retention is how long a closed run keeps its history (default 7 days).
	Retention time.Duration
	// SweepInterval is how often expired runs are removed (default 1 min).
	SweepInterval time.Duration
	// MaxBatchBytes bounds the encoded events of one Append (default 4 MiB).
	MaxBatchBytes int
	// Logger receives Pebble's and the sweeper's messages (default: discard).
	Logger *slog.Logger
}

const (
	defaultPartitions    = 16
	defaultRetention     = 7 * 24 * time.Hour
	defaultSweepInterval = time.Minute
	defaultMaxBatchBytes = 4 << 20
	// memTableBytes is the size of each Pebble memtable.
	memTableBytes = 32 << 20
	// blockCacheBytes is the memory for cached sstable blocks. Pebble
	// counts its memtables against the block cache's capacity: one
	// filling, one flushing, and one kept for reuse, so the cache is made
	// that much larger. Sized at the blocks alone, it held no blocks at
	// all once a second memtable existed, and every read went to the
	// files (the idle scenario's cache hit rate was 20%).
	blockCacheBytes   = 64 << 20
	memTablesReserved = 3
	// maxGroup bounds how many appends share one Pebble batch and fsync.
	maxGroup = 1024
	// maxSyncsInFlight bounds the groups applied and waiting for their fsync.
	maxSyncsInFlight = 16
)

// DB is the local Journal: one Pebble database per node.
type DB struct {
	pebble     *pebble.DB
	partitions int
	opts       Options

	appends chan *appendOp
	// syncs carries groups applied to Pebble from the committer to the
	// syncer, which waits for their fsync.
	syncs chan pendingSync
	// done is closed by Close; the committer and sweeper stop on it.
	done      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
	// mu guards closed against Append racing Close.
	mu     sync.RWMutex
	closed bool
	// writeMu serializes the committer's groups with the retention sweep,
	// which reads state (the current-run pointer) that commits change.
	writeMu sync.Mutex

	appended, events, commits, visibilityReads atomic.Int64

	// schema caches the types of custom search attributes.
	schema schemaCache
	// metas caches the metadata of runs written lately (guarded by writeMu).
	metas *metaCache
	// scratch is the memory stage reuses (guarded by writeMu).
	scratch stageScratch
}

// Stats counts the journal's work since Open.
type Stats struct {
	// Appends is the number of successful Append calls.
	Appends int64
	// Events is the number of events they wrote.
	Events int64
	// VisibilityReads is the number of runs read to answer ListRuns and
	// CountRuns: the candidates their indexes found.
	VisibilityReads int64
	// Commits is the number of synced Pebble commits they shared: one per
	// group the committer gathered.
	Commits int64
	// Fsyncs is the number of times Pebble synced its write-ahead log. One
	// fsync can cover several commits: those applied while the one before
	// was in flight.
	Fsyncs int64
	// FsyncTime is the time those fsyncs took, summed.
	FsyncTime time.Duration
}

// Stats returns the journal's counters.
func (db *DB) Stats() Stats {
	st := Stats{Appends: db.appended.Load(), Events: db.events.Load(), Commits: db.commits.Load(),
		VisibilityReads: db.visibilityReads.Load()}
	var m dto.Metric
	if h := db.pebble.Metrics().LogWriter.FsyncLatency; h != nil && h.Write(&m) == nil {
		st.Fsyncs = int64(m.GetHistogram().GetSampleCount())
		st.FsyncTime = time.Duration(m.GetHistogram().GetSampleSum()) // Pebble observes nanoseconds
	}
	return st
}

var _ Journal = (*DB)(nil)

// Open opens or creates the journal in dir.
func Open(dir string, opts Options) (*DB, error) {
	if opts.Partitions < 0 || opts.Partitions > 1<<16 {
		return nil, fmt.Errorf("journal: partition count %d out of range [1, 65536]", opts.Partitions)
	}
	if opts.Retention <= 0 {
		opts.Retention = defaultRetention
	}
	if opts.SweepInterval <= 0 {
		opts.SweepInterval = defaultSweepInterval
	}
	if opts.MaxBatchBytes <= 0 {
		opts.MaxBatchBytes = defaultMaxBatchBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	cache := pebble.NewCache(blockCacheBytes + memTablesReserved*memTableBytes)
	defer cache.Unref()
	popts := &pebble.Options{
		FormatMajorVersion: pebble.FormatNewest,
		Cache:              cache,
		MemTableSize:       memTableBytes,
		Logger:             pebbleLogger{opts.Logger},
	}
	// Most point reads miss: the first append of every run and the
	// activation of every new workflow look for keys that do not exist yet.
	// Bloom filters (all levels inherit L0's) let a miss skip the sstables.
	popts.Levels[0].FilterPolicy = bloom.FilterPolicy(10)
	pdb, err := pebble.Open(dir, popts)
	if err != nil {
		return nil, fmt.Errorf("journal: open pebble at %s: %w", dir, err)
	}
	p, err := recordPartitions(pdb, opts.Partitions)
	if err != nil {
		_ = pdb.Close()
		return nil, fmt.Errorf("journal: %s: %w", dir, err)
	}
	db := &DB{
		pebble:     pdb,
		partitions: p,
		opts:       opts,
		appends:    make(chan *appendOp, maxGroup),
		syncs:      make(chan pendingSync, maxSyncsInFlight),
		done:       make(chan struct{}),
		metas:      newMetaCache(metaCacheSize),
	}
	db.wg.Add(3)
	go db.commitLoop()
	go db.syncLoop()
	go db.sweepLoop()
	return db, nil
}

// recordPartitions returns the partition count stored in the database,
// storing want (or the default) and the journal format if the database is
// new, and checking the format if it is not.
func recordPartitions(pdb *pebble.DB, want int) (int, error) {
	v, closer, err := pdb.Get(partitionsKey)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		if want == 0 {
			want = defaultPartitions
		}
		b := pdb.NewBatch()
		defer b.Close()
		_ = b.Set(partitionsKey, binary.BigEndian.AppendUint32(nil, uint32(want)), nil)
		_ = b.Set(formatKey, binary.BigEndian.AppendUint32(nil, journalFormat), nil)
		if err := b.Commit(pebble.Sync); err != nil {
			return 0, fmt.Errorf("record partition count: %w", err)
		}
		return want, nil
	case err != nil:
		return 0, fmt.Errorf("read partition count: %w", err)
	}
	defer closer.Close()
	if len(v) != 4 {
		return 0, fmt.Errorf("%w: partition count record has %d bytes", ErrCorrupt, len(v))
	}
	if err := checkFormat(pdb); err != nil {
		return 0, err
	}
	have := int(binary.BigEndian.Uint32(v))
	if want != 0 && want != have {
		return 0, fmt.Errorf("journal was created with %d partitions, cannot open it with %d", have, want)
	}
	return have, nil
}

// journalFormat is the version of the key layout and records (keys.go)
// that this build writes and reads. Format 1, before the format record
// existed, stored each event under its own key; format 2 stores each
// append's events as one record.
const journalFormat = 2

// checkFormat refuses a database written in another journal format: its
// records would not decode, or worse, decode as something else.
func checkFormat(pdb *pebble.DB) error {
	v, closer, err := pdb.Get(formatKey)
	if errors.Is(err, pebble.ErrNotFound) {
		return fmt.Errorf("it was written in journal format 1, which this build does not read (it reads format %d)", journalFormat)
	}
	if err != nil {
		return fmt.Errorf("read journal format: %w", err)
	}
	defer closer.Close()
	if len(v) != 4 {
		return fmt.Errorf("%w: journal format record has %d bytes", ErrCorrupt, len(v))
	}
	if have := binary.BigEndian.Uint32(v); have != journalFormat {
		return fmt.Errorf("it was written in journal format %d, which this build does not read (it reads format %d)", have, journalFormat)
	}
	return nil
}

// Partitions implements Journal.
func (db *DB) Partitions() int { return db.partitions }

// PartitionOf implements Journal: FNV-1a of namespace and workflow ID.
func (db *DB) PartitionOf(namespace, workflowID string) int {
	h := fnv.New32a()
	h.Write([]byte(namespace))
	h.Write([]byte{0})
	h.Write([]byte(workflowID))
	return int(h.Sum32() % uint32(db.partitions))
}

// Close stops the committer and sweeper and closes Pebble. Appends that are
// queued or arrive later fail with ErrClosed.
func (db *DB) Close() error {
	var err error
	db.closeOnce.Do(func() {
		db.mu.Lock()
		db.closed = true
		db.mu.Unlock()
		close(db.done)
		db.wg.Wait()
		err = db.pebble.Close()
	})
	return err
}

// get reads and decodes one protobuf value; ErrNotFound if absent.
func (db *DB) get(key []byte, msg decodable) error {
	v, closer, err := db.pebble.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("journal: read %q: %w", key, err)
	}
	defer closer.Close()
	if err := msg.UnmarshalVT(v); err != nil {
		return fmt.Errorf("%w: key %q: %v", ErrCorrupt, key, err)
	}
	return nil
}

// raiseNextEventID raises meta's next event ID to one past the ID of the
// run's last event, if that is higher. An append that changes nothing in
// the metadata but the next event ID does not rewrite the metadata record
// (see changesMeta), so the record's next_event_id may lag the history,
// while the last event key, which every append with events writes, does
// not. iter must be bounded to the run's event keys, which start with
// prefix; raiseNextEventID repositions it.
func raiseNextEventID(meta *journalpb.WorkflowMeta, iter *pebble.Iterator, prefix []byte) error {
	if !iter.Last() {
		if err := iter.Error(); err != nil {
			return fmt.Errorf("journal: read the last event of workflow %s run %s: %w", meta.GetWorkflowId(), meta.GetRunId(), err)
		}
		return nil // no events yet
	}
	last, err := eventKeyID(iter.Key(), len(prefix))
	if err != nil {
		return fmt.Errorf("%w: workflow %s run %s: %v", ErrCorrupt, meta.GetWorkflowId(), meta.GetRunId(), err)
	}
	if next := last + 1; next > meta.NextEventId {
		meta.NextEventId = next
	}
	return nil
}

// eventKeyID returns the event ID that ends an event key whose run prefix
// is prefixLen bytes long: the ID of the last event of its record.
func eventKeyID(key []byte, prefixLen int) (int64, error) {
	if len(key) != prefixLen+8 {
		return 0, fmt.Errorf("event key %q does not end in an 8-byte event ID", key)
	}
	return int64(binary.BigEndian.Uint64(key[prefixLen:])), nil
}

// decodeRecord decodes the events record stored under key (whose run
// prefix is prefixLen bytes long), adds its events to h and returns the ID
// of the last. It checks what the committer guarantees of a record: it
// holds at least one event, and their IDs run without a gap up to the one
// its key names.
func decodeRecord(h *journalpb.History, key, value []byte, prefixLen int) (int64, error) {
	lastID, err := eventKeyID(key, prefixLen)
	if err != nil {
		return 0, err
	}
	before := len(h.Events)
	if err := h.UnmarshalVT(value); err != nil {
		return 0, fmt.Errorf("record of the events up to %d: %v", lastID, err)
	}
	added := h.Events[before:]
	if len(added) == 0 {
		return 0, fmt.Errorf("record of the events up to %d holds none", lastID)
	}
	for i, ev := range added {
		if want := lastID - int64(len(added)-1-i); ev.GetEventId() != want {
			return 0, fmt.Errorf("record of the events up to %d: event %d of %d carries ID %d, not %d",
				lastID, i+1, len(added), ev.GetEventId(), want)
		}
	}
	return lastID, nil
}

// History implements Journal.
func (db *DB) History(ctx context.Context, run RunKey) ([]*journalpb.Event, error) {
	if err := validRun(run); err != nil {
		return nil, err
	}
	p := db.PartitionOf(run.Namespace, run.WorkflowID)
	prefix := eventPrefix(p, run)
	iter, err := db.pebble.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return nil, fmt.Errorf("journal: read history of %s/%s: %w", run.WorkflowID, run.RunID, err)
	}
	defer iter.Close()
	var h journalpb.History // each record's events are added to h.Events
	for iter.First(); iter.Valid(); iter.Next() {
		before := len(h.Events)
		lastID, err := decodeRecord(&h, iter.Key(), iter.Value(), len(prefix))
		if err == nil && lastID != int64(len(h.Events)) {
			err = fmt.Errorf("the record of the events up to %d does not follow event %d", lastID, before)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: workflow %s run %s: %v", ErrCorrupt, run.WorkflowID, run.RunID, err)
		}
	}
	if err := iter.Error(); err != nil {
		return nil, fmt.Errorf("journal: read history of %s/%s: %w", run.WorkflowID, run.RunID, err)
	}
	events := h.Events
	if len(events) == 0 {
		if _, err := db.Run(ctx, run); err != nil {
			return nil, err
		}
	}
	return events, nil
}

// LastEvent implements Journal: it decodes only the run's last record.
func (db *DB) LastEvent(ctx context.Context, run RunKey) (*journalpb.Event, error) {
	if err := validRun(run); err != nil {
		return nil, err
	}
	prefix := eventPrefix(db.PartitionOf(run.Namespace, run.WorkflowID), run)
	iter, v, err := db.readEdge(ctx, prefix, true, run, "the last event")
	if err != nil {
		return nil, err
	}
	if iter == nil {
		return nil, fmt.Errorf("%w: workflow %s run %s has no events", ErrNotFound, run.WorkflowID, run.RunID)
	}
	defer iter.Close()
	var h journalpb.History
	if _, err := decodeRecord(&h, iter.Key(), v, len(prefix)); err != nil {
		return nil, fmt.Errorf("%w: workflow %s run %s: %v", ErrCorrupt, run.WorkflowID, run.RunID, err)
	}
	return h.Events[len(h.Events)-1], nil
}

// Run implements Journal. It reads the metadata record and then the run's
// last event key (see raiseNextEventID) through one iterator, so that both
// come from the same moment even while appends commit.
func (db *DB) Run(ctx context.Context, run RunKey) (*journalpb.WorkflowMeta, error) {
	if err := validRun(run); err != nil {
		return nil, err
	}
	p := db.PartitionOf(run.Namespace, run.WorkflowID)
	rk := runKey(p, run)
	iter, v, err := db.readEdge(ctx, rk, false, run, "metadata")
	if err != nil {
		return nil, err
	}
	if iter == nil {
		return nil, fmt.Errorf("%w: workflow %s run %s", ErrNotFound, run.WorkflowID, run.RunID)
	}
	defer iter.Close()
	meta := &journalpb.WorkflowMeta{}
	if err := meta.UnmarshalVT(v); err != nil {
		return nil, fmt.Errorf("%w: key %q: %v", ErrCorrupt, rk, err)
	}
	events := eventPrefix(p, run)
	iter.SetBounds(events, prefixEnd(events)) // the same view, another range
	if err := raiseNextEventID(meta, iter, events); err != nil {
		return nil, err
	}
	return meta, nil
}

// readEdge opens an iterator over the keys that start with prefix and
// reads the first of them, or with last the last: it returns the iterator,
// positioned there for the caller to close (or move on with), and that
// key's value; or a nil iterator if no key starts with prefix. what names
// the read of run in errors.
func (db *DB) readEdge(ctx context.Context, prefix []byte, last bool, run RunKey, what string) (*pebble.Iterator, []byte, error) {
	failed := func(err error) error {
		return fmt.Errorf("journal: read %s of workflow %s run %s: %w", what, run.WorkflowID, run.RunID, err)
	}
	iter, err := db.pebble.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return nil, nil, failed(err)
	}
	var found bool
	if last {
		found = iter.Last()
	} else {
		found = iter.First()
	}
	var v []byte
	if found {
		v, err = iter.ValueAndErr()
	} else {
		err = iter.Error()
	}
	if err != nil || !found {
		_ = iter.Close()
		if err != nil {
			return nil, nil, failed(err)
		}
		return nil, nil, nil
	}
	return iter, v, nil
}

// Current implements Journal.
func (db *DB) Current(ctx context.Context, namespace, workflowID string) (*journalpb.WorkflowMeta, error) {
	runID, err := db.currentRunID(namespace, workflowID)
	if err != nil {
		return nil, err
	}
	return db.Run(ctx, RunKey{Namespace: namespace, WorkflowID: workflowID, RunID: runID})
}

func (db *DB) currentRunID(namespace, workflowID string) (string, error) {
	v, closer, err := db.pebble.Get(currentKey(namespace, workflowID))
	if errors.Is(err, pebble.ErrNotFound) {
		return "", workflowNotFound{workflowID}
	}
	if err != nil {
		return "", fmt.Errorf("journal: read current run of %s: %w", workflowID, err)
	}
	defer closer.Close()
	return string(v), nil
}

// workflowNotFound is ErrNotFound for a workflow ID without runs. Every new
// workflow's activation asks for its current run, so the message is only
// formatted when it is printed.
type workflowNotFound struct{ workflowID string }

func (e workflowNotFound) Error() string { return ErrNotFound.Error() + ": workflow " + e.workflowID }
func (e workflowNotFound) Unwrap() error { return ErrNotFound }

// List implements Journal.
func (db *DB) List(ctx context.Context, namespace, afterWorkflowID string, limit int) ([]*journalpb.WorkflowMeta, error) {
	prefix := currentPrefix(namespace)
	lower := prefix
	if afterWorkflowID != "" {
		lower = prefixEnd(currentKey(namespace, afterWorkflowID))
	}
	iter, err := db.pebble.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: lower, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return nil, fmt.Errorf("journal: list namespace %s: %w", namespace, err)
	}
	defer iter.Close()
	var out []*journalpb.WorkflowMeta
	for iter.First(); iter.Valid() && (limit <= 0 || len(out) < limit); iter.Next() {
		k := iter.Key()
		workflowID := string(k[len(prefix) : len(k)-1])
		meta, err := db.Run(ctx, RunKey{Namespace: namespace, WorkflowID: workflowID, RunID: string(iter.Value())})
		if errors.Is(err, ErrNotFound) {
			continue // swept between the two reads
		}
		if err != nil {
			return nil, err
		}
		out = append(out, meta)
	}
	return out, iter.Error()
}

// DueTimers implements Journal.
func (db *DB) DueTimers(ctx context.Context, scan TimerScan) ([]Timer, time.Time, error) {
	prefix := timerPrefix(scan.Partition)
	lower := prefix
	switch {
	case scan.After != nil:
		// The smallest key greater than after's: its key followed by a zero byte.
		lower = append(appendTimerKey(nil, scan.Partition, *scan.After), 0)
	case !scan.From.IsZero():
		lower = appendTime(slices.Clip(prefix), scan.From)
	}
	iter, err := db.pebble.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: lower, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("journal: scan timers of partition %d: %w", scan.Partition, err)
	}
	defer iter.Close()
	var due []Timer
	for iter.First(); iter.Valid(); iter.Next() {
		t, err := decodeTimerKey(iter.Key())
		if err != nil {
			return nil, time.Time{}, err
		}
		if t.FireAt.After(scan.Now) {
			return due, t.FireAt, nil
		}
		if scan.Limit > 0 && len(due) == scan.Limit {
			return due, t.FireAt, nil
		}
		due = append(due, t)
	}
	return due, time.Time{}, iter.Error()
}

// WakeRuns implements Journal.
func (db *DB) WakeRuns(ctx context.Context, partition int) ([]RunKey, error) {
	prefix := wakePrefix(partition)
	iter, err := db.pebble.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return nil, fmt.Errorf("journal: scan wake index of partition %d: %w", partition, err)
	}
	defer iter.Close()
	var runs []RunKey
	for iter.First(); iter.Valid(); iter.Next() {
		run, err := decodeRunSuffix(iter.Key()[len(prefix):])
		if err != nil {
			return nil, err
		}
		runs = append(runs, run)
	}
	return runs, iter.Error()
}

// pebbleLogger sends Pebble's messages to slog at debug level (errors at
// error level) instead of stderr.
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	p.l.Debug(fmt.Sprintf(format, args...), "component", "pebble")
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...), "component", "pebble")
}

func (p pebbleLogger) Fatalf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...), "component", "pebble")
	panic(fmt.Sprintf(format, args...))
}
