package journal

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/visibility"
)

// rawMeta returns the run's metadata record as stored in Pebble, without
// the next event ID fix-up the readers apply.
func rawMeta(t *testing.T, db *DB, r RunKey) []byte {
	t.Helper()
	v, closer, err := db.pebble.Get(runKey(db.PartitionOf(r.Namespace, r.WorkflowID), r))
	if err != nil {
		t.Fatalf("read the metadata record of %s: %v", r.WorkflowID, err)
	}
	defer closer.Close()
	return bytes.Clone(v)
}

// storedMeta decodes rawMeta.
func storedMeta(t *testing.T, db *DB, r RunKey) *journalpb.WorkflowMeta {
	t.Helper()
	meta := &journalpb.WorkflowMeta{}
	if err := proto.Unmarshal(rawMeta(t, db, r), meta); err != nil {
		t.Fatalf("decode the metadata record of %s: %v", r.WorkflowID, err)
	}
	return meta
}

func reopen(t *testing.T, db *DB, dir string) *DB {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return openTest(t, dir, Options{})
}

// TestAppendsThatOnlyAddEventsLeaveTheMetaRecord: signals, and appends that
// change only timers or the wake flag, write no metadata record.
func TestAppendsThatOnlyAddEventsLeaveTheMetaRecord(t *testing.T) {
	db := openTest(t, t.TempDir(), Options{})
	r := run("wf")
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{started(1)}})
	before := rawMeta(t, db, r)
	wake := true
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{signaled(2, "a")}})
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{signaled(3, "b"), signaled(4, "c")}})
	mustAppend(t, db, &AppendRequest{Run: r, AddTimers: []Timer{{Run: r, ID: "timer/1", FireAt: t0}}, Wake: &wake})
	if after := rawMeta(t, db, r); !bytes.Equal(after, before) {
		t.Fatalf("appends of signals, a timer and the wake flag rewrote the metadata record:\n%x\nwas\n%x", after, before)
	}
}

// TestNextEventIDComesFromTheLastEvent: when the metadata record lags the
// history, Run, Current, List and ListRuns report the next event ID after
// the last event, and the committer expects it, both from the state it
// keeps and after a reopen, when it has none.
func TestNextEventIDComesFromTheLastEvent(t *testing.T) {
	dir := t.TempDir()
	db := openTest(t, dir, Options{})
	ctx := context.Background()
	r := run("wf")
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{started(1)}})
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{signaled(2, "a")}})
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{signaled(3, "b"), signaled(4, "c")}})
	if stored := storedMeta(t, db, r).GetNextEventId(); stored != 2 {
		t.Fatalf("the metadata record has next event ID %d, want 2 (as the start left it)", stored)
	}

	expect := func(db *DB, want int64) {
		t.Helper()
		check := func(what string, meta *journalpb.WorkflowMeta, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if meta.GetNextEventId() != want || meta.GetWorkflowType() != "Order" {
				t.Fatalf("%s = %v, want next event ID %d", what, meta, want)
			}
		}
		meta, err := db.Run(ctx, r)
		check("Run", meta, err)
		meta, err = db.Current(ctx, r.Namespace, r.WorkflowID)
		check("Current", meta, err)
		metas, err := db.List(ctx, r.Namespace, "", 0)
		if len(metas) != 1 {
			t.Fatalf("List = %v, %v; want one run", metas, err)
		}
		check("List", metas[0], err)
		metas, _, err = db.ListRuns(ctx, ListRequest{Namespace: r.Namespace, Query: "WorkflowId = 'wf'"})
		if len(metas) != 1 {
			t.Fatalf("ListRuns = %v, %v; want one run", metas, err)
		}
		check("ListRuns", metas[0], err)
	}
	rejectsAllBut5 := func(db *DB, when string) {
		t.Helper()
		for _, id := range []int64{4, 6} {
			err := db.Append(ctx, &AppendRequest{Run: r, Events: []*journalpb.Event{signaled(id, "x")}})
			if !errors.Is(err, ErrOutOfSequence) {
				t.Fatalf("append of event %d %s: %v, want ErrOutOfSequence", id, when, err)
			}
		}
	}
	expect(db, 5)
	rejectsAllBut5(db, "with the run's state cached")
	db = reopen(t, db, dir)
	expect(db, 5)
	rejectsAllBut5(db, "after a reopen")
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{signaled(5, "d")}})
	expect(db, 6)
	db = reopen(t, db, dir)
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{completed(6)},
		Status: journalpb.WorkflowStatus_WORKFLOW_STATUS_COMPLETED})
	expect(db, 7)
	if stored := storedMeta(t, db, r).GetNextEventId(); stored != 7 {
		t.Fatalf("the close wrote next event ID %d, want 7", stored)
	}
}

// TestMetaChangesAreWritten: a start, a search attribute upsert, a memo
// change and a status change each rewrite the metadata record, with the
// next event ID of the moment, and survive a reopen.
func TestMetaChangesAreWritten(t *testing.T) {
	dir := t.TempDir()
	db := openTest(t, dir, Options{})
	ctx := context.Background()
	r := run("wf")
	keyword := func(s string) map[string]*journalpb.Payload {
		return map[string]*journalpb.Payload{"Customer": attr(t, visibility.KeywordValue(s))}
	}
	customer := func(m map[string]*journalpb.Payload) string {
		v, err := visibility.DecodePayload(m["Customer"])
		if err != nil {
			return err.Error()
		}
		return v.Interface().(string)
	}
	written := func(what string, next int64) *journalpb.WorkflowMeta {
		t.Helper()
		meta := storedMeta(t, db, r)
		if meta.GetNextEventId() != next {
			t.Fatalf("after %s the metadata record has next event ID %d, want %d: it was not rewritten", what, meta.GetNextEventId(), next)
		}
		return meta
	}

	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{started(1), signaled(2, "a")}})
	written("the start", 3)
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{signaled(3, "b"), {EventId: 4,
		Attributes: &journalpb.Event_UpsertWorkflowSearchAttributes{UpsertWorkflowSearchAttributes: &journalpb.UpsertWorkflowSearchAttributes{
			SearchAttributes: keyword("ann")}}}}})
	if got := customer(written("an upsert", 5).GetSearchAttributes()); got != "ann" {
		t.Fatalf("after the upsert the record has Customer %q", got)
	}
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{{EventId: 5,
		Attributes: &journalpb.Event_WorkflowPropertiesModified{WorkflowPropertiesModified: &journalpb.WorkflowPropertiesModified{
			UpsertedMemo: keyword("bob")}}}}})
	if got := customer(written("a memo change", 6).GetMemo()); got != "bob" {
		t.Fatalf("after the memo change the record has memo Customer %q", got)
	}
	// A status on an append without events, then a close.
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{signaled(6, "c")}})
	mustAppend(t, db, &AppendRequest{Run: r, Status: journalpb.WorkflowStatus_WORKFLOW_STATUS_RUNNING})
	written("a status", 7)
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{completed(7)},
		Status: journalpb.WorkflowStatus_WORKFLOW_STATUS_COMPLETED})
	written("the close", 8)

	db = reopen(t, db, dir)
	meta, err := db.Run(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if meta.GetStatus() != journalpb.WorkflowStatus_WORKFLOW_STATUS_COMPLETED || !meta.GetCloseTime().AsTime().Equal(t0.Add(time.Hour)) ||
		customer(meta.GetSearchAttributes()) != "ann" || customer(meta.GetMemo()) != "bob" || meta.GetNextEventId() != 8 {
		t.Fatalf("after reopening: %v", meta)
	}
}

// TestChangesMetaMatchesApplyVisibility fails when an event type starts or
// stops changing the run's metadata in applyVisibility without changesMeta
// following: such a change would reach the cache but not Pebble.
func TestChangesMetaMatchesApplyVisibility(t *testing.T) {
	base := &journalpb.WorkflowMeta{Namespace: "default", WorkflowId: "wf", RunId: "r1", NextEventId: 2}
	oneof := (&journalpb.Event{}).ProtoReflect().Descriptor().Oneofs().ByName("attributes")
	for i := range oneof.Fields().Len() {
		fd := oneof.Fields().Get(i)
		ev := &journalpb.Event{EventId: 2, Time: timestamppb.New(t0)}
		fill(ev.ProtoReflect().Mutable(fd).Message(), 0)
		meta := copyMeta(base)
		applyVisibility(meta, []*journalpb.Event{ev})
		if changed := !proto.Equal(meta, base); changed != changesMeta([]*journalpb.Event{ev}) {
			t.Errorf("%s: applyVisibility changes the metadata: %v, changesMeta says %v", fd.Name(), changed, !changed)
		}
	}
}

// fill sets every field of m (the first member of each oneof) to a
// non-zero value, nesting messages up to a few levels deep.
func fill(m protoreflect.Message, depth int) {
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if o := fd.ContainingOneof(); o != nil && !o.IsSynthetic() && m.WhichOneof(o) != nil {
			continue
		}
		switch {
		case fd.IsMap():
			v := m.Mutable(fd).Map().NewValue()
			if fd.MapValue().Message() != nil {
				fill(v.Message(), depth+1)
			} else {
				v = nonZero(fd.MapValue())
			}
			m.Mutable(fd).Map().Set(nonZero(fd.MapKey()).MapKey(), v)
		case fd.IsList():
			l := m.Mutable(fd).List()
			v := l.NewElement()
			if fd.Message() != nil {
				fill(v.Message(), depth+1)
			} else {
				v = nonZero(fd)
			}
			l.Append(v)
		case fd.Message() != nil:
			if depth < 3 {
				fill(m.Mutable(fd).Message(), depth+1)
			}
		default:
			m.Set(fd, nonZero(fd))
		}
	}
}

// nonZero returns a non-zero value of a scalar field's kind.
func nonZero(fd protoreflect.FieldDescriptor) protoreflect.Value {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(true)
	case protoreflect.EnumKind:
		return protoreflect.ValueOfEnum(1)
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(1)
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(1)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(1)
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(1)
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(1)
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(1)
	case protoreflect.StringKind:
		return protoreflect.ValueOfString("x")
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes([]byte("x"))
	}
	panic("nonZero: field " + string(fd.FullName()) + " of kind " + fd.Kind().String())
}
