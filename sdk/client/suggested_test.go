package client_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// GrowUntilSuggested receives "blob" signals until the runtime suggests
// continuing as new, then continues as new; the next run returns how many
// signals its predecessor received.
func GrowUntilSuggested(ctx workflow.Context, received int) (int, error) {
	if received > 0 {
		return received, nil
	}
	blobs := workflow.GetSignalChannel(ctx, "blob")
	for !workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
		var blob string
		blobs.Receive(ctx, &blob)
		received++
	}
	return 0, workflow.NewContinueAsNewError(ctx, GrowUntilSuggested, received)
}

// TestContinueAsNewSuggestedOnANode: signals of almost 1 MiB cross the 4 MiB
// suggestion after the fifth; the node restarts in between, so the run is
// replayed from the journal and must see the same history sizes.
func TestContinueAsNewSuggestedOnANode(t *testing.T) {
	dir := t.TempDir()
	open := func() (client.Client, func()) {
		return openNode(t, dir, "q", func(w worker.Worker) { w.RegisterWorkflow(GrowUntilSuggested) })
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Just under 1 MiB with its event: four stay under 4 MiB, five do not.
	blob := strings.Repeat("x", 1<<20-4096)
	signal := func(c client.Client) {
		if err := c.SignalWorkflow(ctx, "grow", "", "blob", blob); err != nil {
			t.Fatal(err)
		}
	}

	c, closeNode := open()
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "grow", TaskQueue: "q"}, GrowUntilSuggested, 0); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		signal(c)
	}
	closeNode()

	c, closeNode = open()
	defer closeNode()
	signal(c)
	run := c.GetWorkflow(ctx, "grow", "")
	desc, err := c.DescribeWorkflowExecution(ctx, "grow", "")
	if err != nil {
		t.Fatal(err)
	}
	if desc.TaskFailure != nil {
		t.Fatalf("the replayed run's task failed: %v", desc.TaskFailure)
	}
	signal(c)
	var received int
	if err := run.Get(ctx, &received); err != nil || received != 5 {
		t.Fatalf("the next run returned %d, %v; want 5 (signals of almost 1 MiB, suggested past 4 MiB)", received, err)
	}
}
