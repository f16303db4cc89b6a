package worker_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/grainflow/grainflow/cluster"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

type depKey struct{}

// ReadDependency returns the value the worker's background context carries.
func ReadDependency(ctx context.Context) (string, error) {
	v, _ := ctx.Value(depKey{}).(string)
	return v, nil
}

// cancelWaiter's WaitForCancel activity closes started once it runs, so
// that the test cancels the background context while an attempt is in
// flight.
type cancelWaiter struct{ started chan struct{} }

// WaitForCancel blocks until its context ends and returns the context's error.
func (w *cancelWaiter) WaitForCancel(ctx context.Context) error {
	close(w.started)
	<-ctx.Done()
	return ctx.Err()
}

// CallActivity runs the named activity once, without retries.
func CallActivity(ctx workflow.Context, name string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	var out string
	err := workflow.ExecuteActivity(ctx, name).Get(ctx, &out)
	return out, err
}

func TestBackgroundActivityContext(t *testing.T) {
	node, err := cluster.Open(cluster.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(client.Options{Node: node})
	if err != nil {
		t.Fatal(err)
	}
	bg, cancelBG := context.WithCancelCause(context.WithValue(context.Background(), depKey{}, "db-handle"))
	defer cancelBG(nil)
	w := worker.New(c, "bg", worker.Options{BackgroundActivityContext: bg})
	w.RegisterWorkflow(CallActivity)
	w.RegisterActivity(ReadDependency)
	waiter := &cancelWaiter{started: make(chan struct{})}
	w.RegisterActivity(waiter)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Stop(); c.Close(); _ = node.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "value", TaskQueue: "bg"}, CallActivity, "ReadDependency")
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := run.Get(ctx, &got); err != nil || got != "db-handle" {
		t.Fatalf("activity saw %q, %v; want the background context's value", got, err)
	}

	// Canceling the background context cancels a running activity's
	// context; the attempt fails (it is not a canceled activity).
	run, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "cancel", TaskQueue: "bg"}, CallActivity, "WaitForCancel")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-waiter.started:
	case <-ctx.Done():
		t.Fatal("the activity did not start")
	}
	cancelBG(errors.New("shutting down the dependencies"))
	err = run.Get(ctx, nil)
	var actErr *temporal.ActivityError
	if !errors.As(err, &actErr) || temporal.IsCanceledError(err) || !temporal.IsApplicationError(err) {
		t.Fatalf("workflow returned %v (%s); want an activity failure that is not a cancellation", err, fmt.Sprintf("%T", errors.Unwrap(err)))
	}
}
