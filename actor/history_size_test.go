package actor_test

import (
	"context"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/grainflow/grainflow/actor"

	internal "github.com/grainflow/grainflow/sdk/internalbindings"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// historyView is what the workflow saw of its history at one task.
type historyView struct{ Length, Size int }

// SizeWatcher records the history's length and size at the start of each of
// four tasks: the first, and those after each of three activities.
func SizeWatcher(ctx workflow.Context) ([]historyView, error) {
	ctx = workflow.WithActivityOptions(ctx, shortActivity)
	look := func(views []historyView) []historyView {
		info := workflow.GetInfo(ctx)
		return append(views, historyView{info.GetCurrentHistoryLength(), info.GetCurrentHistorySize()})
	}
	views := look(nil)
	for range 3 {
		if err := workflow.ExecuteActivity(ctx, Greet, "x").Get(ctx, nil); err != nil {
			return nil, err
		}
		views = look(views)
	}
	return views, nil
}

// TestHistorySizeMatchesTheJournal: on an engine, the size the workflow sees
// is the encoded size of the events the journal holds, task after task.
func TestHistorySizeMatchesTheJournal(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{})
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(SizeWatcher)
	reg.RegisterActivity(Greet)
	n.startWorker(reg)
	n.start("sizes", SizeWatcher)
	var views []historyView
	if err := n.result("sizes", &views); err != nil {
		t.Fatal(err)
	}
	events, err := n.engine.GetHistory(context.Background(), "", "sizes", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(views) != 4 {
		t.Fatalf("the workflow looked %d times, want 4", len(views))
	}
	for i, v := range views {
		want := 0
		for _, ev := range events[:v.Length] {
			want += proto.Size(ev)
		}
		if v.Size != want || (i > 0 && v.Length <= views[i-1].Length) {
			t.Fatalf("task %d saw %d events of %d bytes; the journal's first %d events have %d bytes (views %v)",
				i, v.Length, v.Size, v.Length, want, views)
		}
	}
}
