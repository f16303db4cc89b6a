package worker_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grainflow/grainflow/cluster"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

func Greet(ctx context.Context, name string) (string, error) { return "hello " + name, nil }
func Wave(ctx context.Context, name string) (string, error)  { return "hi " + name, nil }

var greetOptions = workflow.ActivityOptions{StartToCloseTimeout: time.Minute}

// GreeterV1 greets once.
func GreeterV1(ctx workflow.Context, name string) (string, error) {
	var s string
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, greetOptions), Greet, name).Get(ctx, &s)
	return s, err
}

// GreeterV2Breaking waves instead: runs recorded by V1 cannot replay.
func GreeterV2Breaking(ctx workflow.Context, name string) (string, error) {
	var s string
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, greetOptions), Wave, name).Get(ctx, &s)
	return s, err
}

// GreeterV2Versioned waves only in runs that start after the change.
func GreeterV2Versioned(ctx workflow.Context, name string) (string, error) {
	activity := any(Greet)
	if workflow.GetVersion(ctx, "wave", workflow.DefaultVersion, 1) == 1 {
		activity = Wave
	}
	var s string
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, greetOptions), activity, name).Get(ctx, &s)
	return s, err
}

// recordHistory runs GreeterV1 on a node and exports its history as JSON.
func recordHistory(t *testing.T) string {
	node, err := cluster.Open(cluster.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	c, _ := client.Dial(client.Options{Node: node})
	w := worker.New(c, "q", worker.Options{})
	w.RegisterWorkflowWithOptions(GreeterV1, worker.RegisterWorkflowOptions{Name: "Greeter"})
	w.RegisterActivity(Greet)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "greet", TaskQueue: "q"}, "Greeter", "ann")
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "greet.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := client.WriteHistoryJSON(f, c.GetWorkflowHistory(ctx, "greet", "", false, client.HistoryEventFilterTypeAllEvent)); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReplayerChecksCompatibility(t *testing.T) {
	path := recordHistory(t)
	replay := func(wf any) error {
		r := worker.NewWorkflowReplayer()
		r.RegisterWorkflowWithOptions(wf, worker.RegisterWorkflowOptions{Name: "Greeter"})
		return r.ReplayWorkflowHistoryFromJSONFile(nil, path)
	}
	if err := replay(GreeterV1); err != nil {
		t.Fatalf("the recording code does not replay its own history: %v", err)
	}
	if err := replay(GreeterV2Breaking); err == nil || !strings.Contains(err.Error(), "non-deterministic") {
		t.Fatalf("a breaking change replayed: %v", err)
	}
	if err := replay(GreeterV2Versioned); err != nil {
		t.Fatalf("a versioned change does not replay an old history: %v", err)
	}
	if err := worker.NewWorkflowReplayer().ReplayWorkflowHistoryFromJSONFile(nil, filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Fatal("a missing file replayed")
	}
}
