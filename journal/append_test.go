package journal

import (
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/visibility"
)

// TestCopyMetaCopiesEveryField fails when WorkflowMeta gains a field that
// copyMeta does not copy.
func TestCopyMetaCopiesEveryField(t *testing.T) {
	m := &journalpb.WorkflowMeta{}
	r := m.ProtoReflect()
	fields := r.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		switch {
		case fd.IsMap():
			r.Mutable(fd).Map().Set(protoreflect.ValueOfString("k").MapKey(), protoreflect.ValueOfMessage((&journalpb.Payload{Data: []byte("v")}).ProtoReflect()))
		case fd.Kind() == protoreflect.MessageKind:
			r.Mutable(fd).Message().Set(fd.Message().Fields().Get(0), protoreflect.ValueOfInt64(int64(i+1)))
		case fd.Kind() == protoreflect.StringKind:
			r.Set(fd, protoreflect.ValueOfString(string(fd.Name())))
		case fd.Kind() == protoreflect.EnumKind:
			r.Set(fd, protoreflect.ValueOfEnum(1))
		case fd.Kind() == protoreflect.Int64Kind:
			r.Set(fd, protoreflect.ValueOfInt64(int64(i+1)))
		default:
			t.Fatalf("field %s of kind %s: teach this test to set it", fd.Name(), fd.Kind())
		}
	}
	r.SetUnknown(protoreflect.RawFields{0xf8, 0x07, 0x01}) // field 127, varint 1
	if c := copyMeta(m); !proto.Equal(c, m) {
		t.Fatalf("copyMeta(%v) = %v", m, c)
	}
}

// TestAppendLeavesTheCachedMetaUnchanged: an append changes a copy of the
// run's metadata, never the one the cache holds, even where the copy shares
// its maps.
func TestAppendLeavesTheCachedMetaUnchanged(t *testing.T) {
	db := openTest(t, t.TempDir(), Options{})
	r := run("wf")
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{started(1)}})
	keyword := func(s string) map[string]*journalpb.Payload {
		return map[string]*journalpb.Payload{"Customer": attr(t, visibility.KeywordValue(s))}
	}
	upsert := func(id int64, s string) *journalpb.Event {
		return &journalpb.Event{EventId: id, Attributes: &journalpb.Event_UpsertWorkflowSearchAttributes{
			UpsertWorkflowSearchAttributes: &journalpb.UpsertWorkflowSearchAttributes{SearchAttributes: keyword(s)}}}
	}
	memo := func(id int64, s string) *journalpb.Event {
		return &journalpb.Event{EventId: id, Attributes: &journalpb.Event_WorkflowPropertiesModified{
			WorkflowPropertiesModified: &journalpb.WorkflowPropertiesModified{UpsertedMemo: keyword(s)}}}
	}
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{upsert(2, "ann"), memo(3, "ann")}})
	key := string(runKey(db.PartitionOf(r.Namespace, r.WorkflowID), r))
	db.writeMu.Lock()
	st, ok := db.metas.get(key)
	db.writeMu.Unlock()
	if !ok {
		t.Fatal("the run's metadata is not cached")
	}
	cached := st.meta
	want := proto.Clone(cached)
	mustAppend(t, db, &AppendRequest{Run: r, Events: []*journalpb.Event{upsert(4, "bob"), memo(5, "bob")},
		Status: journalpb.WorkflowStatus_WORKFLOW_STATUS_COMPLETED})
	if !proto.Equal(cached, want) {
		t.Fatalf("the cached metadata changed under a later append:\n%v\nwant\n%v", cached, want)
	}
}
