package journalpb

import (
	"strings"
	"testing"
)

// TestEveryEventHasAType: each attribute of the Event oneof maps to its own
// type (a child close by its close event), so a new attribute without a
// mapping fails here.
func TestEveryEventHasAType(t *testing.T) {
	seen := map[EventType]string{}
	oneof := (&Event{}).ProtoReflect().Descriptor().Oneofs().ByName("attributes")
	fields := oneof.Fields()
	for i := range fields.Len() {
		f := fields.Get(i)
		ev := &Event{}
		m := ev.ProtoReflect()
		m.Set(f, m.NewField(f))
		if f.Name() == "child_workflow_execution_closed" {
			ev.GetChildWorkflowExecutionClosed().CloseEvent = &Event{Attributes: &Event_WorkflowExecutionFailed{WorkflowExecutionFailed: &WorkflowExecutionFailed{}}}
		}
		typ := ev.GetEventType()
		if typ == EventType_EVENT_TYPE_UNSPECIFIED || strings.HasPrefix(typ.String(), "EventType(") {
			t.Errorf("%s has type %v", f.Name(), typ)
			continue
		}
		if other, ok := seen[typ]; ok {
			t.Errorf("%s and %s both have type %v", f.Name(), other, typ)
		}
		seen[typ] = string(f.Name())
		// The type's name is the attribute's name, upper-cased, with a
		// prefix (child closes name their kind of close).
		want := "EVENT_TYPE_" + strings.ToUpper(string(f.Name()))
		if f.Name() == "child_workflow_execution_closed" {
			want = "EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED"
		}
		if typ.String() != want {
			t.Errorf("%s has type %v, want %s", f.Name(), typ, want)
		}
	}
	if (&Event{}).GetEventType() != EventType_EVENT_TYPE_UNSPECIFIED {
		t.Error("an event without attributes has a type")
	}
}
