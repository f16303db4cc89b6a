package actor_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

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

func unregisteredDouble(ctx context.Context, n int) (int, error) { return 2 * n, nil }

// LocalWorkflow doubles its input with an unregistered local activity.
func LocalWorkflow(ctx workflow.Context, n int) (int, error) {
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: time.Minute})
	var out int
	err := workflow.ExecuteLocalActivity(ctx, unregisteredDouble, n).Get(ctx, &out)
	return out, err
}

func TestLocalActivityNeedsNoRegistration(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{})
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(LocalWorkflow)
	n.startWorker(reg)
	n.start("local", LocalWorkflow, 21)
	var got int
	if err := n.result("local", &got); err != nil || got != 42 {
		t.Fatalf("result %d, %v", got, err)
	}
}
