package client_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/grainflow/grainflow/cluster"
	"github.com/grainflow/grainflow/sdk/activity"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// Counter sums the "add" signals it receives until it is canceled, and
// answers the "total" query.
func Counter(ctx workflow.Context, start int) (int, error) {
	total := start
	if err := workflow.SetQueryHandler(ctx, "total", func() (int, error) { return total, nil }); err != nil {
		return 0, err
	}
	adds := workflow.GetSignalChannel(ctx, "add")
	for {
		var n int
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(adds, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, &n) })
		sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) {})
		sel.Select(ctx)
		if ctx.Err() != nil {
			return total, ctx.Err()
		}
		total += n
	}
}

func setup(t *testing.T) client.Client {
	node, err := cluster.Open(cluster.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(client.Options{Node: node})
	if err != nil {
		t.Fatal(err)
	}
	w := worker.New(c, "q", worker.Options{})
	w.RegisterWorkflow(Counter)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Stop(); c.Close(); _ = node.Close() })
	return c
}

func total(t *testing.T, c client.Client, id string) int {
	t.Helper()
	v, err := c.QueryWorkflow(context.Background(), id, "", "total")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := v.Get(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSignalWithStartQueryCancel(t *testing.T) {
	c := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := client.StartWorkflowOptions{TaskQueue: "q"}
	run, err := c.SignalWithStartWorkflow(ctx, "counter", "add", 5, opts, Counter, 100)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.SignalWithStartWorkflow(ctx, "counter", "add", 7, opts, Counter, 100)
	if err != nil || again.GetRunID() != run.GetRunID() {
		t.Fatalf("second SignalWithStart started another run: %v, %v", again, err)
	}
	if n := total(t, c, "counter"); n != 112 {
		t.Fatalf("total %d, want 112", n)
	}
	if err := c.CancelWorkflow(ctx, "counter", ""); err != nil {
		t.Fatal(err)
	}
	err = run.Get(ctx, nil)
	var wfErr *temporal.WorkflowExecutionError
	if !errors.As(err, &wfErr) || !temporal.IsCanceledError(err) {
		t.Fatalf("canceled run: %v", err)
	}
	desc, err := c.DescribeWorkflowExecution(ctx, "counter", "")
	if err != nil || desc.Meta.GetStatus().String() != "WORKFLOW_STATUS_CANCELED" || desc.Meta.GetCloseTime() == nil ||
		desc.Meta.GetCloseTime().AsTime().Before(desc.Meta.GetStartTime().AsTime()) {
		t.Fatalf("describe: %v, %v", desc, err)
	}
	it := c.GetWorkflowHistory(ctx, "counter", "", false, client.HistoryEventFilterTypeAllEvent)
	var n int
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		n++
		if ev.GetEventId() != int64(n) {
			t.Fatalf("event %d has ID %d", n, ev.GetEventId())
		}
	}
	if int64(n) != desc.HistoryLength {
		t.Fatalf("iterated %d events, describe says %d", n, desc.HistoryLength)
	}
}

func TestTerminateAndAlreadyStarted(t *testing.T) {
	c := setup(t)
	ctx := context.Background()
	opts := client.StartWorkflowOptions{ID: "c", TaskQueue: "q"}
	run, err := c.ExecuteWorkflow(ctx, opts, Counter, 0)
	if err != nil {
		t.Fatal(err)
	}
	// As in Temporal: a second start returns the running workflow...
	same, err := c.ExecuteWorkflow(ctx, opts, Counter, 0)
	if err != nil || same.GetRunID() != run.GetRunID() {
		t.Fatalf("second start: %v, %v", same, err)
	}
	// ...unless the caller asks for the error.
	opts.WorkflowExecutionErrorWhenAlreadyStarted = true
	var started *client.WorkflowExecutionAlreadyStartedError
	if _, err := c.ExecuteWorkflow(ctx, opts, Counter, 0); !errors.As(err, &started) {
		t.Fatalf("want WorkflowExecutionAlreadyStartedError, got %v", err)
	}
	if err := c.TerminateWorkflow(ctx, "c", "", "test over"); err != nil {
		t.Fatal(err)
	}
	if err := run.Get(ctx, nil); !temporal.IsTerminatedError(err) {
		t.Fatalf("terminated run: %v", err)
	}
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: "q"}, "NoSuchWorkflow"); err == nil {
		t.Fatal("starting an unregistered workflow type succeeded")
	}
}

// FlakyWorkflow fails its first two attempts.
func FlakyWorkflow(ctx workflow.Context, key string) (int32, error) {
	attempt := workflow.GetInfo(ctx).Attempt
	if attempt < 3 {
		return 0, temporal.NewApplicationError("not yet", "NotYet")
	}
	return attempt, nil
}

func TestWorkflowRetryPolicy(t *testing.T) {
	node, err := cluster.Open(cluster.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := client.Dial(client.Options{Node: node})
	w := worker.New(c, "q", worker.Options{})
	w.RegisterWorkflow(FlakyWorkflow)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Stop(); _ = node.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "retry", TaskQueue: "q",
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 20 * time.Millisecond, MaximumAttempts: 5}}, FlakyWorkflow, "k")
	if err != nil {
		t.Fatal(err)
	}
	var attempt int32
	if err := run.Get(ctx, &attempt); err != nil || attempt != 3 {
		t.Fatalf("result attempt %d, %v; want success on attempt 3", attempt, err)
	}
	first, err := c.DescribeWorkflowExecution(ctx, "retry", run.GetRunID())
	if err != nil || first.Meta.GetStatus().String() != "WORKFLOW_STATUS_FAILED" {
		t.Fatalf("first run: %v, %v", first, err)
	}
	latest, err := c.DescribeWorkflowExecution(ctx, "retry", "")
	if err != nil || latest.Meta.GetStatus().String() != "WORKFLOW_STATUS_COMPLETED" || latest.Meta.GetRunId() == run.GetRunID() {
		t.Fatalf("latest run: %v, %v", latest, err)
	}

	// With MaximumAttempts 2 the retries run out: Get returns the last failure.
	run, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "retry-out", TaskQueue: "q",
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 20 * time.Millisecond, MaximumAttempts: 2}}, FlakyWorkflow, "k")
	if err != nil {
		t.Fatal(err)
	}
	var appErr *temporal.ApplicationError
	if err := run.Get(ctx, nil); !errors.As(err, &appErr) || appErr.Type() != "NotYet" {
		t.Fatalf("exhausted retries: %v", err)
	}
}

// Accumulator adds "add" signals to total and continues as new after every
// three, until total reaches target.
func Accumulator(ctx workflow.Context, total, target int) (int, error) {
	ch := workflow.GetSignalChannel(ctx, "add")
	for range 3 {
		if total >= target {
			return total, nil
		}
		var n int
		ch.Receive(ctx, &n)
		total += n
	}
	return 0, workflow.NewContinueAsNewError(ctx, Accumulator, total, target)
}

func TestContinueAsNewLosesNoSignal(t *testing.T) {
	node, err := cluster.Open(cluster.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := client.Dial(client.Options{Node: node})
	w := worker.New(c, "q", worker.Options{})
	w.RegisterWorkflow(Accumulator)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Stop(); _ = node.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "acc", TaskQueue: "q"}, Accumulator, 0, 28)
	if err != nil {
		t.Fatal(err)
	}
	// Signals race with the runs closing: every one must land in some run.
	for i := 1; i <= 7; i++ {
		if err := c.SignalWorkflow(ctx, "acc", "", "add", i); err != nil {
			t.Fatal(err)
		}
	}
	var total int
	if err := run.Get(ctx, &total); err != nil || total != 28 {
		t.Fatalf("total %d, %v; want 28 (1+…+7)", total, err)
	}
	first, err := c.DescribeWorkflowExecution(ctx, "acc", run.GetRunID())
	if err != nil || first.Meta.GetStatus().String() != "WORKFLOW_STATUS_CONTINUED_AS_NEW" {
		t.Fatalf("first run: %v, %v", first, err)
	}
}

// tokens receives the task tokens of PendingActivity attempts.
var tokens = make(chan []byte, 4)

func PendingActivity(ctx context.Context) (string, error) {
	tokens <- activity.GetInfo(ctx).TaskToken
	return "", activity.ErrResultPending
}

func AsyncWorkflow(ctx workflow.Context) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute, ActivityID: "approval"})
	var first, second string
	if err := workflow.ExecuteActivity(ctx, PendingActivity).Get(ctx, &first); err != nil {
		return "", err
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute, ActivityID: "second"})
	if err := workflow.ExecuteActivity(ctx, PendingActivity).Get(ctx, &second); err != nil {
		return "", err
	}
	return first + " " + second, nil
}

func TestAsyncActivityCompletion(t *testing.T) {
	node, err := cluster.Open(cluster.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := client.Dial(client.Options{Node: node})
	w := worker.New(c, "q", worker.Options{})
	w.RegisterWorkflow(AsyncWorkflow)
	w.RegisterActivity(PendingActivity)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Stop(); _ = node.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "async", TaskQueue: "q"}, AsyncWorkflow)
	if err != nil {
		t.Fatal(err)
	}
	token := <-tokens
	if err := c.CompleteActivity(ctx, token, "approved", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.CompleteActivity(ctx, token, "again", nil); err == nil {
		t.Fatal("completing the same attempt twice succeeded")
	}
	<-tokens
	if err := c.CompleteActivityByID(ctx, "", "async", "", "second", "by id", nil); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := run.Get(ctx, &got); err != nil || got != "approved by id" {
		t.Fatalf("result %q, %v", got, err)
	}
	if err := c.CompleteActivity(ctx, []byte("garbage"), nil, nil); err == nil {
		t.Fatal("a malformed token was accepted")
	}
}

// CronCounter returns one more than the previous run's result.
func CronCounter(ctx workflow.Context) (int, error) {
	last := 0
	if workflow.HasLastCompletionResult(ctx) {
		if err := workflow.GetLastCompletionResult(ctx, &last); err != nil {
			return 0, err
		}
	}
	return last + 1, nil
}

func TestCronScheduleRepeatsWithTheLastResult(t *testing.T) {
	node, err := cluster.Open(cluster.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := client.Dial(client.Options{Node: node})
	w := worker.New(c, "q", worker.Options{})
	w.RegisterWorkflow(CronCounter)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Stop(); _ = node.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "cron", TaskQueue: "q", CronSchedule: "not a schedule"}, CronCounter); err == nil {
		t.Fatal("a malformed cron schedule was accepted")
	}
	first, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "cron", TaskQueue: "q", CronSchedule: "@every 1s"}, CronCounter)
	if err != nil {
		t.Fatal(err)
	}
	// Each run completes with one more than the last; wait for the third.
	runID := first.GetRunID()
	for n := 1; n <= 3; n++ {
		var got int
		if err := c.GetWorkflow(ctx, "cron", runID).Get(ctx, &got); err != nil || got != n {
			t.Fatalf("run %d returned %d, %v", n, got, err)
		}
		events, err := c.GetWorkflowHistory(ctx, "cron", runID, false, client.HistoryEventFilterTypeCloseEvent).Next()
		if err != nil {
			t.Fatal(err)
		}
		runID = events.GetWorkflowExecutionCompleted().GetNewExecutionRunId()
		if runID == "" {
			t.Fatalf("run %d names no next run", n)
		}
	}
	if err := c.TerminateWorkflow(ctx, "cron", "", "enough"); err != nil {
		t.Fatal(err)
	}
}

func TestStartDelay(t *testing.T) {
	c := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const delay = 300 * time.Millisecond
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "delayed", TaskQueue: "q", StartDelay: delay}, Counter, 1)
	if err != nil {
		t.Fatal(err)
	}
	// A signal during the delay is recorded at once and handled by the
	// first workflow task.
	if err := c.SignalWorkflow(ctx, "delayed", "", "add", 2); err != nil {
		t.Fatal(err)
	}
	if err := c.CancelWorkflow(ctx, "delayed", ""); err != nil {
		t.Fatal(err)
	}
	var got int
	var canceled *temporal.CanceledError
	if err := run.Get(ctx, &got); !errors.As(err, &canceled) {
		t.Fatalf("Get: %v, want a canceled error", err)
	}
	history := c.GetWorkflowHistory(ctx, "delayed", "", false, 0)
	var started, firstTask time.Time
	signaledBeforeCode := false
	for history.HasNext() {
		ev, err := history.Next()
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case ev.GetWorkflowExecutionStarted() != nil:
			started = ev.GetTime().AsTime()
		case ev.GetWorkflowExecutionSignaled() != nil && firstTask.IsZero():
			signaledBeforeCode = true
		case ev.GetWorkflowTaskCompleted() != nil && firstTask.IsZero():
			firstTask = ev.GetTime().AsTime()
		}
	}
	if !signaledBeforeCode {
		t.Fatal("the signal sent during the delay is not recorded before the first workflow task")
	}
	if firstTask.Sub(started) < delay {
		t.Fatalf("the code first ran %v after the start, before the %v delay", firstTask.Sub(started), delay)
	}

	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "negative", TaskQueue: "q", StartDelay: -time.Second}, Counter, 1); err == nil {
		t.Fatal("a negative start delay was accepted")
	}
}

// Chained continues as new once and returns the run it continued from.
func Chained(ctx workflow.Context, first bool) (string, error) {
	if first {
		if prev := workflow.GetInfo(ctx).ContinuedExecutionRunID; prev != "" {
			return "", fmt.Errorf("a first run continues %s", prev)
		}
		return "", workflow.NewContinueAsNewError(ctx, Chained, false)
	}
	return workflow.GetInfo(ctx).ContinuedExecutionRunID, nil
}

func TestContinuedExecutionRunID(t *testing.T) {
	c, stop := openNode(t, t.TempDir(), "q", func(w worker.Worker) { w.RegisterWorkflow(Chained) })
	t.Cleanup(stop)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "chained", TaskQueue: "q"}, Chained, true)
	if err != nil {
		t.Fatal(err)
	}
	var continued string
	if err := run.Get(ctx, &continued); err != nil || continued != run.GetRunID() {
		t.Fatalf("second run continued %q, %v; want the first run %s", continued, err, run.GetRunID())
	}
}

// RootReporter reports its root execution ("none" without one), then what
// its descendants report, down depth generations of children.
func RootReporter(ctx workflow.Context, depth int) ([]string, error) {
	out := []string{"none"}
	if root := workflow.GetInfo(ctx).RootWorkflowExecution; root != nil {
		out[0] = root.ID + "/" + root.RunID
	}
	if depth == 0 {
		return out, nil
	}
	var below []string
	opts := workflow.ChildWorkflowOptions{WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID + "-child"}
	err := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts), RootReporter, depth-1).Get(ctx, &below)
	return append(out, below...), err
}

func TestRootWorkflowExecution(t *testing.T) {
	c, stop := openNode(t, t.TempDir(), "q", func(w worker.Worker) { w.RegisterWorkflow(RootReporter) })
	t.Cleanup(stop)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "root", TaskQueue: "q"}, RootReporter, 2)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	root := "root/" + run.GetRunID()
	if err := run.Get(ctx, &got); err != nil || !slices.Equal(got, []string{"none", root, root}) {
		t.Fatalf("roots %q, %v; want none for the root, then %s for its child and grandchild", got, err, root)
	}
}
