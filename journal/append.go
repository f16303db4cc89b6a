package journal

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// appendOp is one queued Append waiting for the committer.
type appendOp struct {
	ctx context.Context
	req *AppendRequest
	// err is the outcome, set by the committer and the syncer before it is
	// sent on done.
	err  error
	done chan error
}

// appendOps recycles appendOps with their done channels. An op is free
// again once its caller has received the outcome: whoever sends it never
// touches the op afterwards.
var appendOps = sync.Pool{New: func() any { return &appendOp{done: make(chan error, 1)} }}

// Append implements Journal. Requests are checked on the caller's goroutine
// as far as they can be without reading state, then queued; the committer
// merges everything queued into one Pebble batch and one synced commit.
func (db *DB) Append(ctx context.Context, req *AppendRequest) error {
	if err := checkRequest(req); err != nil {
		return err
	}
	op := appendOps.Get().(*appendOp)
	op.ctx, op.req = ctx, req
	// Once queued, wait for the outcome even if ctx ends: the committer may
	// already be writing the request, and the caller must know whether it did.
	err := db.enqueue(op)
	if err == nil {
		err = <-op.done
	}
	*op = appendOp{done: op.done} // keeps no request alive in the pool
	appendOps.Put(op)
	return err
}

// enqueue queues op for the committer unless the journal is closed or ctx
// ends first.
func (db *DB) enqueue(op *appendOp) error {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.closed {
		return ErrClosed
	}
	select {
	case db.appends <- op:
		return nil
	case <-op.ctx.Done():
		return op.ctx.Err()
	}
}

// checkRequest validates what can be validated without reading the database.
func checkRequest(req *AppendRequest) error {
	if req == nil {
		return fmt.Errorf("journal: nil append request")
	}
	if err := validRun(req.Run); err != nil {
		return err
	}
	for i, e := range req.Events {
		if e == nil || e.GetAttributes() == nil {
			return fmt.Errorf("journal: workflow %s run %s: event %d of the batch has no attributes", req.Run.WorkflowID, req.Run.RunID, i)
		}
		if i > 0 && e.GetEventId() != req.Events[i-1].GetEventId()+1 {
			return fmt.Errorf("%w: workflow %s run %s: event ID %d follows %d",
				ErrOutOfSequence, req.Run.WorkflowID, req.Run.RunID, e.GetEventId(), req.Events[i-1].GetEventId())
		}
	}
	for _, timers := range [...][]Timer{req.AddTimers, req.DeleteTimers} {
		for _, t := range timers {
			if t.Run != req.Run {
				return fmt.Errorf("journal: timer %s belongs to run %v, not %v", t.ID, t.Run, req.Run)
			}
			if err := validName("timer ID", t.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// commitLoop is the single committer: it takes every queued append, stages
// the valid ones into one batch and commits it with a sync.
func (db *DB) commitLoop() {
	defer db.wg.Done()
	defer close(db.syncs) // the syncer answers what is in flight, then ends
	// Both are reused from group to group: a group is gathered into group
	// and handed to the syncer as a copy of its exact size.
	group := make([]*appendOp, 0, maxGroup)
	staged := make(map[string]runState) // run key -> state after the staged appends
	for {
		clear(group) // let answered appends be collected
		group = group[:0]
		select {
		case <-db.done:
			db.failQueued()
			return
		case op := <-db.appends:
			group = append(group, op)
		}
	gather:
		for len(group) < maxGroup {
			select {
			case op := <-db.appends:
				group = append(group, op)
			default:
				break gather
			}
		}
		db.commitGroup(group, staged)
		clear(staged)
	}
}

// failQueued answers the appends still queued at Close.
func (db *DB) failQueued() {
	for {
		select {
		case op := <-db.appends:
			op.done <- ErrClosed
		default:
			return
		}
	}
}

// commitGroup stages each append of the group on top of the ones before it
// (staged, empty on entry, collects the runs' new states) and applies the
// batch to Pebble in staging order; the syncer waits for its fsync and
// answers the callers. The next group is staged while this one's
// fsync is in flight: the WAL keeps the groups in order, so a later group is
// never durable without the earlier ones.
//
// ApplyNoSyncWait is marked experimental in Pebble (CockroachDB pipelines
// its raft log writes with it). Measured here it raises seq3 throughput by
// about a fifth over a blocking Commit(pebble.Sync) (bench/RESULTS.md); if
// it ever misbehaves, Commit(pebble.Sync) in place of ApplyNoSyncWait plus
// SyncWait is the drop-in fallback.
func (db *DB) commitGroup(group []*appendOp, staged map[string]runState) {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	batch := db.pebble.NewBatch()
	anyStaged := false
	for _, op := range group {
		if op.err = op.ctx.Err(); op.err != nil {
			continue
		}
		op.err = db.stage(batch, staged, op.req)
		anyStaged = anyStaged || op.err == nil
	}
	if !anyStaged {
		_ = batch.Close()
		answer(group)
		return
	}
	if err := db.pebble.ApplyNoSyncWait(batch, pebble.Sync); err != nil {
		_ = batch.Close()
		failStaged(group, fmt.Errorf("journal: commit: %w", err))
		answer(group)
		return
	}
	for _, st := range staged {
		db.metas.put(st)
	}
	db.syncs <- pendingSync{batch: batch, group: slices.Clone(group)}
}

// pendingSync is a group applied to Pebble and waiting for its fsync.
type pendingSync struct {
	batch *pebble.Batch
	group []*appendOp
}

// syncLoop waits, in order, for each applied group's fsync and only then
// answers its callers.
func (db *DB) syncLoop() {
	defer db.wg.Done()
	for p := range db.syncs {
		err := p.batch.SyncWait()
		_ = p.batch.Close()
		if err != nil {
			failStaged(p.group, fmt.Errorf("journal: sync: %w", err))
		} else {
			db.commits.Add(1)
			for _, op := range p.group {
				if op.err == nil {
					db.appended.Add(1)
					db.events.Add(int64(len(op.req.Events)))
				}
			}
		}
		answer(p.group)
	}
}

// failStaged gives err to every append of a group that was staged.
func failStaged(group []*appendOp, err error) {
	for _, op := range group {
		if op.err == nil {
			op.err = err
		}
	}
}

// answer sends each append of the group its outcome.
func answer(group []*appendOp) {
	for _, op := range group {
		op.done <- op.err
	}
}

// maxScratchValues bounds the capacity of stageScratch.values kept from one
// append to the next; appends are typically a few kilobytes.
const maxScratchValues = 1 << 20

// stageScratch is memory stage reuses from append to append: Pebble's
// Batch copies every key and value it is given, so none of them needs to
// outlive its Set.
type stageScratch struct {
	runKey []byte // the run key of the append being staged
	key    []byte // every other key, one at a time
	values []byte // the append's encoded events record, then its metadata
	// record wraps the append's events for encoding them as one record.
	record journalpb.History
}

// stage validates req against the committed state and the appends staged
// before it, then adds its writes to batch. On error it adds nothing.
func (db *DB) stage(batch *pebble.Batch, staged map[string]runState, req *AppendRequest) error {
	s := &db.scratch
	p := db.PartitionOf(req.Run.Namespace, req.Run.WorkflowID)
	s.runKey = appendRunKey(s.runKey[:0], p, req.Run)
	st, found, err := db.stagedRun(staged, s.runKey, p, req.Run)
	if err != nil {
		return err
	}
	isNew := !found
	if isNew {
		meta, err := newRunMeta(req)
		if err != nil {
			return err
		}
		st = runState{key: string(s.runKey), meta: meta, next: meta.NextEventId}
	} else if err := checkContinuation(st, req); err != nil {
		return err
	}

	// Encode everything before writing anything, so a failure leaves the batch untouched.
	if cap(s.values) > maxScratchValues {
		s.values = nil // let the buffer of an unusually large append go
	}
	s.values = s.values[:0]
	if len(req.Events) > 0 {
		s.record.Events = req.Events
		s.values, err = appendEncoded(s.values, &s.record)
		s.record.Events = nil
		if err != nil {
			return fmt.Errorf("journal: encode events %d to %d of workflow %s: %w",
				req.Events[0].GetEventId(), req.Events[len(req.Events)-1].GetEventId(), req.Run.WorkflowID, err)
		}
	}
	eventsEnd := len(s.values)
	if eventsEnd > db.opts.MaxBatchBytes {
		return fmt.Errorf("journal: workflow %s run %s: %d bytes of events exceed the %d-byte limit of one append",
			req.Run.WorkflowID, req.Run.RunID, eventsEnd, db.opts.MaxBatchBytes)
	}
	// The record changes when the append creates the run, sets its status
	// or its events set search attributes or memo; Pebble gets it only
	// then. Otherwise the new state shares the record, and readers take the
	// next event ID from the run's last event key (raiseNextEventID).
	writeMeta := isNew || req.Status != journalpb.WorkflowStatus_WORKFLOW_STATUS_UNSPECIFIED || changesMeta(req.Events)
	var before *journalpb.WorkflowMeta // the record before this append; nil for a new run
	if writeMeta && !isNew {
		before, st.meta = st.meta, copyMeta(st.meta) // before stays as the cache and staged have it
	}
	st.next += int64(len(req.Events))
	var setAttributes map[string]*journalpb.Payload
	indexed, closing := false, false
	if writeMeta {
		meta := st.meta
		meta.NextEventId = st.next
		setAttributes, indexed = applyVisibility(meta, req.Events)
		if req.Status != journalpb.WorkflowStatus_WORKFLOW_STATUS_UNSPECIFIED {
			closing = isClosed(req.Status)
			meta.Status = req.Status
			if closing {
				meta.CloseTime = timestamppb.New(closeTime(req))
			}
			indexed = true
		}
	}
	var vis *visibilityChange
	if indexed {
		if vis, err = db.planVisibility(before, st.meta, setAttributes); err != nil {
			return err
		}
	}
	metaStart := len(s.values)
	if writeMeta {
		if s.values, err = appendEncoded(s.values, st.meta); err != nil {
			return fmt.Errorf("journal: encode metadata of workflow %s: %w", req.Run.WorkflowID, err)
		}
	}
	metaEnd := len(s.values)
	if isNew {
		s.values = append(s.values, req.Run.RunID...) // the value of the current-run key
	}

	if n := len(req.Events); n > 0 {
		s.key = appendEventKey(s.key[:0], p, req.Run, req.Events[n-1].GetEventId())
		_ = batch.Set(s.key, s.values[:eventsEnd], nil)
	}
	if writeMeta {
		_ = batch.Set(s.runKey, s.values[metaStart:metaEnd], nil)
	}
	if isNew {
		s.key = appendCurrentKey(s.key[:0], req.Run.Namespace, req.Run.WorkflowID)
		_ = batch.Set(s.key, s.values[metaEnd:], nil)
	}
	if vis != nil {
		s.key = vis.write(batch, s.key)
	}
	for _, t := range req.DeleteTimers {
		s.key = appendTimerKey(s.key[:0], p, t)
		_ = batch.Delete(s.key, nil)
	}
	for _, t := range req.AddTimers {
		s.key = appendTimerKey(s.key[:0], p, t)
		_ = batch.Set(s.key, nil, nil)
	}
	if closing {
		s.key = appendRetentionKey(s.key[:0], st.meta.CloseTime.AsTime(), p, req.Run)
		_ = batch.Set(s.key, nil, nil)
	}
	switch wake := req.Wake != nil && *req.Wake; {
	case wake:
		s.key = appendWakeKey(s.key[:0], p, req.Run)
		_ = batch.Set(s.key, nil, nil)
	case req.Wake != nil || closing: // cleared, or closed without a run to follow
		s.key = appendWakeKey(s.key[:0], p, req.Run)
		_ = batch.Delete(s.key, nil)
	}
	staged[st.key] = st
	return nil
}

// stagedRun returns the state of run (in partition p, with run key rk) as
// the staged appends left it, or as committed; found is false if the run
// does not exist.
func (db *DB) stagedRun(staged map[string]runState, rk []byte, p int, run RunKey) (st runState, found bool, err error) {
	if st, ok := staged[string(rk)]; ok {
		return st, true, nil
	}
	if st, ok := db.metas.get(string(rk)); ok {
		return st, true, nil
	}
	meta := &journalpb.WorkflowMeta{}
	switch err := db.get(rk, meta); {
	case err == ErrNotFound:
		return runState{}, false, nil
	case err != nil:
		return runState{}, false, err
	}
	// The Get and this read see the same state: the committer is the only
	// writer, and every batch it applied is visible (ApplyNoSyncWait).
	events := eventPrefix(p, run)
	iter, err := db.pebble.NewIter(&pebble.IterOptions{LowerBound: events, UpperBound: prefixEnd(events)})
	if err != nil {
		return runState{}, false, fmt.Errorf("journal: read the last event of workflow %s run %s: %w", run.WorkflowID, run.RunID, err)
	}
	defer iter.Close()
	if err := raiseNextEventID(meta, iter, events); err != nil {
		return runState{}, false, err
	}
	return runState{key: string(rk), meta: meta, next: meta.NextEventId}, true, nil
}

// changesMeta reports whether events may change a field of the run's
// metadata other than the next event ID, that is, whether applyVisibility
// may change anything: a start sets the search attributes, memo and
// execution time, an upsert the search attributes, a properties change the
// memo. An append for which it is false, and that neither creates the run
// nor sets its status, leaves the metadata record as it was.
func changesMeta(events []*journalpb.Event) bool {
	for _, ev := range events {
		switch ev.GetAttributes().(type) {
		case *journalpb.Event_WorkflowExecutionStarted,
			*journalpb.Event_UpsertWorkflowSearchAttributes,
			*journalpb.Event_WorkflowPropertiesModified:
			return true
		}
	}
	return false
}

// copyMeta returns a copy of m for an append to change. It shares m's
// timestamps and maps, which is safe because their changes replace them:
// stage and applyVisibility assign new timestamps, and applyVisibility
// merges into a copy of a map. That makes it much cheaper than proto.Clone,
// which would copy every search attribute and memo entry of the run.
func copyMeta(m *journalpb.WorkflowMeta) *journalpb.WorkflowMeta {
	c := &journalpb.WorkflowMeta{
		Namespace:        m.Namespace,
		WorkflowId:       m.WorkflowId,
		RunId:            m.RunId,
		WorkflowType:     m.WorkflowType,
		TaskQueue:        m.TaskQueue,
		Status:           m.Status,
		StartTime:        m.StartTime,
		CloseTime:        m.CloseTime,
		NextEventId:      m.NextEventId,
		SearchAttributes: m.SearchAttributes,
		Memo:             m.Memo,
		ExecutionTime:    m.ExecutionTime,
	}
	if unknown := m.ProtoReflect().GetUnknown(); len(unknown) > 0 {
		c.ProtoReflect().SetUnknown(unknown) // fields of a newer version, kept as proto.Clone would
	}
	return c
}

// newRunMeta checks that req starts a run and returns the run's first metadata.
func newRunMeta(req *AppendRequest) (*journalpb.WorkflowMeta, error) {
	if len(req.Events) == 0 {
		return nil, fmt.Errorf("%w: workflow %s run %s", ErrNotFound, req.Run.WorkflowID, req.Run.RunID)
	}
	first := req.Events[0]
	started := first.GetWorkflowExecutionStarted()
	if started == nil || first.GetEventId() != 1 {
		return nil, fmt.Errorf("%w: workflow %s run %s does not exist, so its first event must be WorkflowExecutionStarted with ID 1 (got ID %d)",
			ErrOutOfSequence, req.Run.WorkflowID, req.Run.RunID, first.GetEventId())
	}
	return &journalpb.WorkflowMeta{
		Namespace:    req.Run.Namespace,
		WorkflowId:   req.Run.WorkflowID,
		RunId:        req.Run.RunID,
		WorkflowType: started.GetWorkflowType(),
		TaskQueue:    started.GetTaskQueue(),
		Status:       journalpb.WorkflowStatus_WORKFLOW_STATUS_RUNNING,
		StartTime:    first.GetTime(),
		NextEventId:  1,
	}, nil
}

// checkContinuation checks req against an existing run's state. A closed
// run only accepts clean-up: deleting timers and clearing the wake flag.
func checkContinuation(st runState, req *AppendRequest) error {
	meta := st.meta
	if isClosed(meta.GetStatus()) {
		cleanup := len(req.Events) == 0 && len(req.AddTimers) == 0 &&
			req.Status == journalpb.WorkflowStatus_WORKFLOW_STATUS_UNSPECIFIED && (req.Wake == nil || !*req.Wake)
		if !cleanup {
			return fmt.Errorf("%w: workflow %s run %s is %s",
				ErrRunClosed, req.Run.WorkflowID, req.Run.RunID, meta.GetStatus())
		}
		return nil
	}
	if len(req.Events) > 0 && req.Events[0].GetEventId() != st.next {
		return fmt.Errorf("%w: workflow %s run %s: first event ID %d, expected %d",
			ErrOutOfSequence, req.Run.WorkflowID, req.Run.RunID, req.Events[0].GetEventId(), st.next)
	}
	return nil
}

func isClosed(s journalpb.WorkflowStatus) bool {
	return s != journalpb.WorkflowStatus_WORKFLOW_STATUS_UNSPECIFIED && s != journalpb.WorkflowStatus_WORKFLOW_STATUS_RUNNING
}

// closeTime is the time of the last event of a closing append, or now.
func closeTime(req *AppendRequest) time.Time {
	if n := len(req.Events); n > 0 && req.Events[n-1].GetTime() != nil {
		return req.Events[n-1].GetTime().AsTime()
	}
	return time.Now()
}
