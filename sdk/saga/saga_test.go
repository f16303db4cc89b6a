package saga_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/grainflow/grainflow/cluster"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/saga"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// steps records which steps ran and which were undone, in order.
type steps struct {
	mu       sync.Mutex
	log      []string
	failUndo string // an undo that fails
}

func (s *steps) record(what string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, what)
}

func (s *steps) Do(ctx context.Context, name string) error {
	if name == "boom" {
		return temporal.NewNonRetryableApplicationError("step failed", "StepFailed", nil)
	}
	s.record("do " + name)
	return nil
}

func (s *steps) Undo(ctx context.Context, name string) error {
	if name == s.failUndo {
		return temporal.NewNonRetryableApplicationError("undo failed", "UndoFailed", nil)
	}
	s.record("undo " + name)
	return nil
}

// Trip books a, b, then fails on boom and compensates.
func Trip(ctx workflow.Context, options saga.Options) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1}})
	s := saga.New(options)
	for _, step := range []string{"a", "b", "boom"} {
		if err := workflow.ExecuteActivity(ctx, "Do", step).Get(ctx, nil); err != nil {
			return errors.Join(err, s.Compensate(ctx))
		}
		s.AddCompensation(ctx, "Undo", step)
	}
	return nil
}

func runTrip(t *testing.T, options saga.Options, failUndo string) ([]string, error) {
	node, err := cluster.Open(cluster.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	c, _ := client.Dial(client.Options{Node: node})
	st := &steps{failUndo: failUndo}
	w := worker.New(c, "q", worker.Options{})
	w.RegisterWorkflow(Trip)
	w.RegisterActivity(st)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: "q"}, Trip, options)
	if err != nil {
		t.Fatal(err)
	}
	err = run.Get(ctx, nil)
	return st.log, err
}

func TestSequentialCompensationRunsInReverse(t *testing.T) {
	log, err := runTrip(t, saga.Options{}, "")
	if err == nil {
		t.Fatal("the failed trip returned no error")
	}
	if got := fmt.Sprint(log); got != "[do a do b undo b undo a]" {
		t.Fatalf("log %s", got)
	}
}

func TestSequentialCompensationStopsAtAFailureUnlessToldToContinue(t *testing.T) {
	log, _ := runTrip(t, saga.Options{}, "b")
	if got := fmt.Sprint(log); got != "[do a do b]" {
		t.Fatalf("log %s: undo a ran after undo b failed", got)
	}
	log, err := runTrip(t, saga.Options{ContinueWithError: true}, "b")
	if got := fmt.Sprint(log); got != "[do a do b undo a]" {
		t.Fatalf("log %s", got)
	}
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		t.Fatalf("error %v", err)
	}
}

func TestParallelCompensationRunsAll(t *testing.T) {
	log, _ := runTrip(t, saga.Options{ParallelCompensation: true}, "")
	undone := log[2:]
	sort.Strings(undone)
	if len(log) != 4 || fmt.Sprint(undone) != "[undo a undo b]" {
		t.Fatalf("log %v", log)
	}
}
