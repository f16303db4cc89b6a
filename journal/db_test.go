package journal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/grainflow/grainflow/journal/journalpb"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func openTest(t *testing.T, dir string, opts Options) *DB {
	t.Helper()
	db, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func started(id int64) *journalpb.Event {
	return &journalpb.Event{EventId: id, Time: timestamppb.New(t0), Attributes: &journalpb.Event_WorkflowExecutionStarted{
		WorkflowExecutionStarted: &journalpb.WorkflowExecutionStarted{WorkflowType: "Order", TaskQueue: "q"}}}
}

func signaled(id int64, name string) *journalpb.Event {
	return &journalpb.Event{EventId: id, Time: timestamppb.New(t0.Add(time.Duration(id) * time.Second)), Attributes: &journalpb.Event_WorkflowExecutionSignaled{
		WorkflowExecutionSignaled: &journalpb.WorkflowExecutionSignaled{SignalName: name}}}
}

func completed(id int64) *journalpb.Event {
	return &journalpb.Event{EventId: id, Time: timestamppb.New(t0.Add(time.Hour)), Attributes: &journalpb.Event_WorkflowExecutionCompleted{
		WorkflowExecutionCompleted: &journalpb.WorkflowExecutionCompleted{}}}
}

func run(wf string) RunKey { return RunKey{Namespace: "default", WorkflowID: wf, RunID: "r1"} }

func mustAppend(t *testing.T, db *DB, req *AppendRequest) {
	t.Helper()
	if err := db.Append(context.Background(), req); err != nil {
		t.Fatalf("Append: %v", err)
	}
}

func TestAppendAndReadBack(t *testing.T) {
	db := openTest(t, t.TempDir(), Options{})
	r := run("wf-1")
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{started(1), signaled(2, "a")}})
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{signaled(3, "b")}})

	events, err := db.History(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 || events[0].GetWorkflowExecutionStarted() == nil || events[2].GetWorkflowExecutionSignaled().GetSignalName() != "b" {
		t.Fatalf("history = %v", events)
	}
	meta, err := db.Current(context.Background(), "default", "wf-1")
	if err != nil {
		t.Fatal(err)
	}
	if meta.GetNextEventId() != 4 || meta.GetStatus() != journalpb.WorkflowStatus_WORKFLOW_STATUS_RUNNING ||
		meta.GetWorkflowType() != "Order" || meta.GetRunId() != "r1" || !meta.GetStartTime().AsTime().Equal(t0) {
		t.Fatalf("meta = %v", meta)
	}
}

func TestAppendRejectsBadSequenceAndWritesNothing(t *testing.T) {
	db := openTest(t, t.TempDir(), Options{})
	r := run("wf")
	ctx := context.Background()
	if err := db.Append(ctx, &AppendRequest{Run: r, Events: []*journalpb.Event{signaled(1, "x")}}); !errors.Is(err, ErrOutOfSequence) {
		t.Fatalf("new run without start: %v", err)
	}
	if _, err := db.Current(ctx, "default", "wf"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a rejected start left a run behind: %v", err)
	}
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{started(1)}})
	for _, bad := range [][]*journalpb.Event{
		{signaled(3, "gap")},
		{signaled(1, "dup")},
		{signaled(2, "a"), signaled(4, "gap inside")},
	} {
		if err := db.Append(ctx, &AppendRequest{Run: r, Events: bad}); !errors.Is(err, ErrOutOfSequence) {
			t.Fatalf("append %v: got %v, want ErrOutOfSequence", bad, err)
		}
	}
	events, _ := db.History(ctx, r)
	if len(events) != 1 {
		t.Fatalf("rejected appends wrote events: %d", len(events))
	}
}

func TestClosedRunRejectsAppends(t *testing.T) {
	db := openTest(t, t.TempDir(), Options{})
	r := run("wf")
	ctx := context.Background()
	timer := Timer{Run: r, ID: "timer/1", FireAt: t0.Add(time.Minute)}
	wake := true
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{started(1)}, AddTimers: []Timer{timer}, Wake: &wake})
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{completed(2)}, Status: journalpb.WorkflowStatus_WORKFLOW_STATUS_COMPLETED})

	if err := db.Append(ctx, &AppendRequest{Run: r, Events: []*journalpb.Event{signaled(3, "late")}}); !errors.Is(err, ErrRunClosed) {
		t.Fatalf("append after close: %v", err)
	}
	meta, _ := db.Run(ctx, r)
	if meta.GetStatus() != journalpb.WorkflowStatus_WORKFLOW_STATUS_COMPLETED || !meta.GetCloseTime().AsTime().Equal(t0.Add(time.Hour)) {
		t.Fatalf("meta after close = %v", meta)
	}
	if runs, _ := db.WakeRuns(ctx, db.PartitionOf("default", "wf")); len(runs) != 0 {
		t.Fatalf("closing did not clear the wake flag: %v", runs)
	}
	// A close that asks to stay woken (a next run follows) keeps the flag.
	other := run("followed")
	mustAppend(t, db, &AppendRequest{Run: other, Events: []*journalpb.Event{started(1), completed(2)},
		Status: journalpb.WorkflowStatus_WORKFLOW_STATUS_CONTINUED_AS_NEW, Wake: &wake})
	if runs, _ := db.WakeRuns(ctx, db.PartitionOf("default", "followed")); len(runs) != 1 {
		t.Fatalf("a close with Wake=true cleared the flag: %v", runs)
	}
	// Clean-up of a closed run's timers is allowed.
	mustAppend(t, db, &AppendRequest{Run: r, DeleteTimers: []Timer{timer}})
	if due, _, _ := db.DueTimers(ctx, TimerScan{Partition: db.PartitionOf("default", "wf"), Now: t0.Add(time.Hour)}); len(due) != 0 {
		t.Fatalf("timer not deleted: %v", due)
	}
}

func TestPartitionCountIsFixed(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{Partitions: 8})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	if _, err := Open(dir, Options{Partitions: 16}); err == nil {
		t.Fatal("reopening with another partition count succeeded")
	}
	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Partitions() != 8 {
		t.Fatalf("Partitions() = %d, want the recorded 8", db.Partitions())
	}
}

func TestWorkflowIDPrefixesDoNotMix(t *testing.T) {
	db := openTest(t, t.TempDir(), Options{Partitions: 1})
	mustAppend(t, db, &AppendRequest{Run: run("wf-1"), Events: []*journalpb.Event{started(1)}})
	mustAppend(t, db, &AppendRequest{Run: run("wf-10"), Events: []*journalpb.Event{started(1), signaled(2, "x")}})
	events, err := db.History(context.Background(), run("wf-1"))
	if err != nil || len(events) != 1 {
		t.Fatalf("wf-1 history = %v, %v; want 1 event", events, err)
	}
}

func TestDueTimersAndWake(t *testing.T) {
	db := openTest(t, t.TempDir(), Options{Partitions: 1})
	ctx := context.Background()
	r := run("wf")
	wake := true
	timers := []Timer{
		{Run: r, ID: "timer/2", FireAt: t0.Add(2 * time.Second)},
		{Run: r, ID: "timer/1", FireAt: t0.Add(1 * time.Second)},
		{Run: r, ID: "timer/3", FireAt: t0.Add(3 * time.Second)},
	}
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{started(1)}, AddTimers: timers, Wake: &wake})

	due, next, err := db.DueTimers(ctx, TimerScan{Now: t0.Add(2 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 2 || due[0].ID != "timer/1" || due[1].ID != "timer/2" || due[0].Run != r || !due[0].FireAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("due = %+v", due)
	}
	if !next.Equal(t0.Add(3 * time.Second)) {
		t.Fatalf("next = %v", next)
	}
	if due, next, _ := db.DueTimers(ctx, TimerScan{Now: t0.Add(time.Hour), Limit: 1}); len(due) != 1 || !next.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("limit 1: due = %v next = %v", due, next)
	}
	// From skips the timers before it; a timer firing exactly at From is read.
	if due, _, _ := db.DueTimers(ctx, TimerScan{From: t0.Add(2 * time.Second), Now: t0.Add(time.Hour)}); len(due) != 2 || due[0].ID != "timer/2" {
		t.Fatalf("from the second timer: due = %v", due)
	}
	// After takes the place of From.
	if due, _, _ := db.DueTimers(ctx, TimerScan{From: t0.Add(3 * time.Second), After: &timers[1], Now: t0.Add(time.Hour)}); len(due) != 2 || due[0].ID != "timer/2" {
		t.Fatalf("after the first timer, From later: due = %v", due)
	}
	runs, err := db.WakeRuns(ctx, 0)
	if err != nil || len(runs) != 1 || runs[0] != r {
		t.Fatalf("WakeRuns = %v, %v", runs, err)
	}
	clear := false
	mustAppend(t, db, &AppendRequest{Run: r, DeleteTimers: timers[:2], Wake: &clear})
	if due, _, _ := db.DueTimers(ctx, TimerScan{Now: t0.Add(time.Hour)}); len(due) != 1 || due[0].ID != "timer/3" {
		t.Fatalf("after delete: %v", due)
	}
	if runs, _ := db.WakeRuns(ctx, 0); len(runs) != 0 {
		t.Fatalf("wake not cleared: %v", runs)
	}
}

func TestListPaginates(t *testing.T) {
	db := openTest(t, t.TempDir(), Options{})
	for i := range 5 {
		mustAppend(t, db, &AppendRequest{Run: run(fmt.Sprintf("wf-%d", i)), Events: []*journalpb.Event{started(1)}})
	}
	mustAppend(t, db, &AppendRequest{Run: RunKey{Namespace: "other", WorkflowID: "x", RunID: "r"}, Events: []*journalpb.Event{started(1)}})
	var ids []string
	after := ""
	for {
		page, err := db.List(context.Background(), "default", after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, m := range page {
			ids = append(ids, m.GetWorkflowId())
		}
		after = page[len(page)-1].GetWorkflowId()
	}
	if fmt.Sprint(ids) != "[wf-0 wf-1 wf-2 wf-3 wf-4]" {
		t.Fatalf("listed %v", ids)
	}
}

func TestRetentionSweep(t *testing.T) {
	db := openTest(t, t.TempDir(), Options{Retention: 24 * time.Hour})
	ctx := context.Background()
	closedRun, openRun := run("closed"), run("open")
	mustAppend(t, db, &AppendRequest{Run: closedRun, Events: []*journalpb.Event{started(1), completed(2)}, Status: journalpb.WorkflowStatus_WORKFLOW_STATUS_COMPLETED})
	mustAppend(t, db, &AppendRequest{Run: openRun, Events: []*journalpb.Event{started(1)}})

	if n, err := db.Sweep(t0.Add(2 * time.Hour)); err != nil || n != 0 {
		t.Fatalf("sweep inside retention removed %d, %v", n, err)
	}
	if n, err := db.Sweep(t0.Add(26 * time.Hour)); err != nil || n != 1 {
		t.Fatalf("sweep after retention removed %d, %v; want 1", n, err)
	}
	if _, err := db.History(ctx, closedRun); !errors.Is(err, ErrNotFound) {
		t.Fatalf("history of swept run: %v", err)
	}
	if _, err := db.Current(ctx, "default", "closed"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("current of swept workflow: %v", err)
	}
	if events, err := db.History(ctx, openRun); err != nil || len(events) != 1 {
		t.Fatalf("open run was touched: %v %v", events, err)
	}
}

func TestCorruptEventIsAnError(t *testing.T) {
	dir := t.TempDir()
	db := openTest(t, dir, Options{})
	r := run("wf")
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{started(1)}})
	// Overwrite the event with bytes that are not a protobuf message.
	key := appendEventKey(nil, db.PartitionOf(r.Namespace, r.WorkflowID), r, 1)
	if err := db.pebble.Set(key, []byte{0xff, 0xff, 0xff}, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if _, err := db.History(context.Background(), r); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("History of a corrupt record: %v, want ErrCorrupt", err)
	}
}

func TestEachAppendIsOneRecord(t *testing.T) {
	db := openTest(t, t.TempDir(), Options{})
	r := run("wf")
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{started(1), signaled(2, "a"), signaled(3, "b")}})
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{signaled(4, "c")}})
	prefix := eventPrefix(db.PartitionOf(r.Namespace, r.WorkflowID), r)
	iter, err := db.pebble.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	var keys [][]byte
	for iter.First(); iter.Valid(); iter.Next() {
		keys = append(keys, slices.Clone(iter.Key()))
	}
	if err := iter.Close(); err != nil {
		t.Fatal(err)
	}
	want := [][]byte{appendEventKey(nil, db.PartitionOf(r.Namespace, r.WorkflowID), r, 3), appendEventKey(nil, db.PartitionOf(r.Namespace, r.WorkflowID), r, 4)}
	if !slices.EqualFunc(keys, want, bytes.Equal) {
		t.Fatalf("event keys %q, want one per append, named by its last event: %q", keys, want)
	}
	events, err := db.History(context.Background(), r)
	if err != nil || len(events) != 4 || events[3].GetWorkflowExecutionSignaled().GetSignalName() != "c" {
		t.Fatalf("History: %v %v", events, err)
	}
}

func TestRecordNotMatchingItsKeyIsCorrupt(t *testing.T) {
	cases := map[string]struct {
		key    int64
		events []*journalpb.Event
	}{
		"empty record":            {key: 2},
		"gap before the record":   {key: 3, events: []*journalpb.Event{signaled(3, "a")}},
		"key past its last event": {key: 3, events: []*journalpb.Event{signaled(2, "a")}},
		"events out of order":     {key: 3, events: []*journalpb.Event{signaled(3, "a"), signaled(2, "b")}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			db := openTest(t, t.TempDir(), Options{})
			r := run("wf")
			mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{started(1)}})
			value, err := (&journalpb.History{Events: c.events}).MarshalVT()
			if err != nil {
				t.Fatal(err)
			}
			key := appendEventKey(nil, db.PartitionOf(r.Namespace, r.WorkflowID), r, c.key)
			if err := db.pebble.Set(key, value, pebble.Sync); err != nil {
				t.Fatal(err)
			}
			if _, err := db.History(context.Background(), r); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("History: %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestOpenRefusesAnotherJournalFormat(t *testing.T) {
	for name, format := range map[string][]byte{"format 1 (no format record)": nil, "format 3": {0, 0, 0, 3}} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			db, err := Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if format == nil {
				err = db.pebble.Delete(formatKey, pebble.Sync)
			} else {
				err = db.pebble.Set(formatKey, format, pebble.Sync)
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			db, err = Open(dir, Options{})
			if err == nil {
				_ = db.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), "journal format") || !strings.Contains(err.Error(), dir) {
				t.Fatalf("Open: %v, want an error naming the directory and the journal format", err)
			}
		})
	}
}

func TestConcurrentAppendsAreDurableAndOrdered(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const workflows, perWorkflow = 32, 20
	var wg sync.WaitGroup
	errs := make(chan error, workflows)
	for w := range workflows {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := run(fmt.Sprintf("wf-%d", w))
			if err := db.Append(context.Background(), &AppendRequest{Run: r, Events: []*journalpb.Event{started(1)}}); err != nil {
				errs <- err
				return
			}
			for i := int64(2); i <= perWorkflow; i++ {
				if err := db.Append(context.Background(), &AppendRequest{Run: r, Events: []*journalpb.Event{signaled(i, "s")}}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Every commit is synced, an fsync covers one commit or more, and
	// takes some time, but not seconds (as it would read if the units of
	// Pebble's histogram were taken wrongly).
	if st := db.Stats(); st.Appends != workflows*perWorkflow || st.Events != workflows*perWorkflow || st.Commits < 1 || st.Commits > st.Appends ||
		st.Fsyncs < 1 || st.Fsyncs > st.Commits+1 || st.FsyncTime <= 0 || st.FsyncTime/time.Duration(st.Fsyncs) > time.Second {
		t.Fatalf("stats %+v", st)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openTest(t, dir, Options{})
	for w := range workflows {
		events, err := db.History(context.Background(), run(fmt.Sprintf("wf-%d", w)))
		if err != nil || len(events) != perWorkflow {
			t.Fatalf("wf-%d after reopen: %d events, %v", w, len(events), err)
		}
		for i, e := range events {
			if e.GetEventId() != int64(i+1) {
				t.Fatalf("wf-%d event %d has ID %d", w, i, e.GetEventId())
			}
		}
	}
}

func TestClosedJournalRejectsAppends(t *testing.T) {
	db, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	if err := db.Append(context.Background(), &AppendRequest{Run: run("wf"), Events: []*journalpb.Event{started(1)}}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close: %v", err)
	}
}

func TestRejectsNULInIDs(t *testing.T) {
	db := openTest(t, t.TempDir(), Options{})
	err := db.Append(context.Background(), &AppendRequest{Run: RunKey{Namespace: "default", WorkflowID: "a\x00b", RunID: "r"}, Events: []*journalpb.Event{started(1)}})
	if err == nil {
		t.Fatal("a workflow ID with a NUL byte was accepted")
	}
}

// Pebble counts its memtables against the block cache. Once a second
// memtable exists, reads must still be cached.
func TestBlockCacheHoldsBlocksBesideTheMemtables(t *testing.T) {
	db := openTest(t, t.TempDir(), Options{})
	value := make([]byte, 1000)
	key := func(i int) []byte { return fmt.Appendf(nil, "zz-test-%08d", i) }
	const keys = 40 << 10 // 40 MiB of values: more than one memtable
	for i := range keys {
		if err := db.pebble.Set(key(i), value, pebble.NoSync); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.pebble.Flush(); err != nil {
		t.Fatal(err)
	}
	read := func() {
		for i := 0; i < keys; i += keys / 100 {
			_, closer, err := db.pebble.Get(key(i))
			if err != nil {
				t.Fatal(err)
			}
			_ = closer.Close()
		}
	}
	read()
	before := db.pebble.Metrics().BlockCache
	read()
	after := db.pebble.Metrics().BlockCache
	if hits := after.Hits - before.Hits; hits < 100 || after.Count == 0 {
		t.Fatalf("reading the same 100 keys again: %d cache hits, %d blocks cached (memtables %d, %d bytes)",
			hits, after.Count, db.pebble.Metrics().MemTable.Count, db.pebble.Metrics().MemTable.Size)
	}
}

func TestLastEventReadsTheLastRecord(t *testing.T) {
	db := openTest(t, t.TempDir(), Options{})
	ctx := context.Background()
	r := run("wf")
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{started(1), signaled(2, "a")}})
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{signaled(3, "b"), completed(4)}})
	last, err := db.LastEvent(ctx, r)
	if err != nil || last.GetEventId() != 4 || last.GetWorkflowExecutionCompleted() == nil {
		t.Fatalf("LastEvent = %v, %v; want the completion, event 4", last, err)
	}
	if _, err := db.LastEvent(ctx, run("nope")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("LastEvent of an unknown run: %v, want ErrNotFound", err)
	}
	// A record that does not end at the ID its key names is corrupt.
	key := appendEventKey(nil, db.PartitionOf(r.Namespace, r.WorkflowID), r, 5)
	value, _ := (&journalpb.History{Events: []*journalpb.Event{signaled(6, "c")}}).MarshalVT()
	if err := db.pebble.Set(key, value, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if _, err := db.LastEvent(ctx, r); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("LastEvent of a mismatched record: %v, want ErrCorrupt", err)
	}
}

func TestCurrentOfAnUnknownWorkflowNamesIt(t *testing.T) {
	db := openTest(t, t.TempDir(), Options{})
	_, err := db.Current(context.Background(), "default", "order-77")
	if !errors.Is(err, ErrNotFound) || err.Error() != "journal: not found: workflow order-77" {
		t.Fatalf("Current of an unknown workflow: %v, want ErrNotFound naming order-77", err)
	}
}
