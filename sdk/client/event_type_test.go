package client_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/enums"
)

// TestHistoryEventTypes: Temporal-shaped history code (filter and event
// type enums) reads a canceled run's history on a node.
func TestHistoryEventTypes(t *testing.T) {
	c := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := c.SignalWithStartWorkflow(ctx, "typed", "add", 1, client.StartWorkflowOptions{TaskQueue: "q"}, Counter, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CancelWorkflow(ctx, "typed", ""); err != nil {
		t.Fatal(err)
	}
	_ = run.Get(ctx, nil)

	var types []enums.EventType
	it := c.GetWorkflowHistory(ctx, "typed", "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, ev.GetEventType())
	}
	for _, want := range []enums.EventType{enums.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, enums.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
		enums.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, enums.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED} {
		if !slices.Contains(types, want) {
			t.Errorf("history %v has no %v", types, want)
		}
	}
	if types[0] != enums.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED || types[len(types)-1] != enums.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED {
		t.Errorf("history %v does not run from started to canceled", types)
	}

	closeIt := c.GetWorkflowHistory(ctx, "typed", "", false, enums.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
	ev, err := closeIt.Next()
	if err != nil || ev.GetEventType() != enums.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED || closeIt.HasNext() {
		t.Fatalf("close filter: %v, %v", ev, err)
	}
}
