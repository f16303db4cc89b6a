package actor_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/grainflow/grainflow/actor"
	internal "github.com/grainflow/grainflow/sdk/internalbindings"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// RandomWorkflow draws a random number through SideEffect, waits for a
// signal, and returns the number.
func RandomWorkflow(ctx workflow.Context) (int64, error) {
	var n int64
	if err := workflow.SideEffect(ctx, func(workflow.Context) any { return rand.Int64() }).Get(&n); err != nil {
		return 0, err
	}
	workflow.GetSignalChannel(ctx, "go").Receive(ctx, nil)
	return n, nil
}

func TestSideEffectValueSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	reg := func() *internal.Registry {
		r := internal.NewRegistry()
		r.RegisterWorkflow(RandomWorkflow)
		return r
	}
	n := newNode(t, dir, actor.EngineOptions{})
	n.startWorker(reg())
	n.start("rand", RandomWorkflow)
	events, err := n.engine.GetHistory(context.Background(), "", "rand", "")
	if err != nil {
		t.Fatal(err)
	}
	var recorded int64
	for _, ev := range events {
		if m := ev.GetMarkerRecorded(); m != nil {
			if err := n.decodeInto(m.GetDetails()["data"], &recorded); err != nil {
				t.Fatal(err)
			}
		}
	}
	n.close()

	// After a restart the workflow is replayed: the function must not draw
	// a new number.
	n = newNode(t, dir, actor.EngineOptions{})
	n.startWorker(reg())
	if err := n.engine.SignalWorkflow(context.Background(), "", "rand", "", "go", nil); err != nil {
		t.Fatal(err)
	}
	var got int64
	if err := n.result("rand", &got); err != nil || got != recorded {
		t.Fatalf("result %d, %v; want the recorded %d", got, err, recorded)
	}
}
