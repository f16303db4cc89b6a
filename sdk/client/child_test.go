package client_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/grainflow/grainflow/cluster"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/enums"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// Square is a child workflow: it squares n, fails for negative n, and
// waits for a "go" signal first when asked to.
func Square(ctx workflow.Context, n int, waitForGo bool) (int, error) {
	if waitForGo {
		workflow.GetSignalChannel(ctx, "go").Receive(ctx, nil)
	}
	if n < 0 {
		return 0, temporal.NewNonRetryableApplicationError("negative input", "Negative", nil)
	}
	return n * n, nil
}

// SumOfSquares runs one child per number, on IDs that hash to different
// partitions, and adds their results.
func SumOfSquares(ctx workflow.Context, ns []int) (int, error) {
	var futures []workflow.ChildWorkflowFuture
	for i, n := range ns {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: fmt.Sprintf("%s-sq-%d", workflow.GetInfo(ctx).WorkflowExecution.ID, i)})
		futures = append(futures, workflow.ExecuteChildWorkflow(cctx, Square, n, false))
	}
	sum := 0
	for _, f := range futures {
		var v int
		if err := f.Get(ctx, &v); err != nil {
			return 0, err
		}
		sum += v
	}
	return sum, nil
}

// SignalingParent starts a child that waits for "go", checks that it
// started, signals it and returns its result.
func SignalingParent(ctx workflow.Context) (string, error) {
	f := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: "signaled-child"}), Square, 7, true)
	var exec workflow.Execution
	if err := f.GetChildWorkflowExecution().Get(ctx, &exec); err != nil {
		return "", err
	}
	if err := f.SignalChildWorkflow(ctx, "go", nil).Get(ctx, nil); err != nil {
		return "", err
	}
	var v int
	if err := f.Get(ctx, &v); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s=%d", exec.ID, v), nil
}

// Leaver starts a child that waits for a signal forever and returns at
// once; the child's parent close policy decides what happens to it.
func Leaver(ctx workflow.Context, childID string, policy enums.ParentClosePolicy) error {
	f := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: childID, ParentClosePolicy: policy}), Square, 1, true)
	return f.GetChildWorkflowExecution().Get(ctx, nil)
}

// CancelingParent starts a child that waits forever, cancels it and
// reports what the child's future said.
func CancelingParent(ctx workflow.Context) (string, error) {
	cctx, cancel := workflow.WithCancel(ctx)
	cctx = workflow.WithChildOptions(cctx, workflow.ChildWorkflowOptions{WorkflowID: "canceled-child", WaitForCancellation: true})
	f := workflow.ExecuteChildWorkflow(cctx, Counter, 0)
	if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		return "", err
	}
	cancel()
	err := f.Get(ctx, nil)
	var childErr *temporal.ChildWorkflowExecutionError
	var canceled *temporal.CanceledError
	if errors.As(err, &childErr) && errors.As(err, &canceled) {
		return "child canceled", nil
	}
	return "", fmt.Errorf("unexpected child outcome: %v", err)
}

// ExternalCaller signals and then cancels a workflow it did not start.
func ExternalCaller(ctx workflow.Context, target string) error {
	if err := workflow.SignalExternalWorkflow(ctx, target, "", "add", 5).Get(ctx, nil); err != nil {
		return err
	}
	if err := workflow.RequestCancelExternalWorkflow(ctx, target, "").Get(ctx, nil); err != nil {
		return err
	}
	// A workflow that does not exist: the future fails.
	return workflow.SignalExternalWorkflow(ctx, "nobody", "", "add", 1).Get(ctx, nil)
}

// ReuseStep is one child ReusingParent starts: its workflow ID, its ID
// reuse policy, and whether it fails.
type ReuseStep struct {
	ID     string
	Policy enums.WorkflowIdReusePolicy
	Fail   bool
}

// ReusingParent runs a Square child per step, one after another, and
// reports how each ended: "completed", "failed" or "already started".
func ReusingParent(ctx workflow.Context, steps []ReuseStep) ([]string, error) {
	var outcomes []string
	for _, s := range steps {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: s.ID, WorkflowIDReusePolicy: s.Policy})
		n := 2
		if s.Fail {
			n = -1
		}
		err := workflow.ExecuteChildWorkflow(cctx, Square, n, false).Get(ctx, nil)
		var already *temporal.ChildWorkflowExecutionAlreadyStartedError
		var childErr *temporal.ChildWorkflowExecutionError
		switch {
		case err == nil:
			outcomes = append(outcomes, "completed")
		case errors.As(err, &already) && errors.As(err, &childErr) && childErr.WorkflowID() == s.ID:
			outcomes = append(outcomes, "already started")
		case errors.As(err, &childErr):
			outcomes = append(outcomes, "failed")
		default:
			return nil, err
		}
	}
	return outcomes, nil
}

// ReplacingParent starts a child that waits for "go", then a second child
// with the same ID and the TERMINATE_IF_RUNNING reuse policy (as in
// Temporal's child-workflow sample), and reports how both ended.
func ReplacingParent(ctx workflow.Context, childID string) (string, error) {
	opts := workflow.ChildWorkflowOptions{WorkflowID: childID}
	first := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts), Square, 3, true)
	if err := first.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		return "", err
	}
	opts.WorkflowIDReusePolicy = enums.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING
	second := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts), Square, 4, false)
	if err := second.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		return "", err
	}
	var terminated *temporal.TerminatedError
	if err := first.Get(ctx, nil); !errors.As(err, &terminated) {
		return "", fmt.Errorf("first child: %v, want it terminated", err)
	}
	var v int
	if err := second.Get(ctx, &v); err != nil {
		return "", err
	}
	return fmt.Sprintf("first terminated, second returned %d", v), nil
}

func setupChildren(t *testing.T) client.Client {
	node, err := cluster.Open(cluster.Options{DataDir: t.TempDir(), Partitions: 8})
	require.NoError(t, err)
	c, err := client.Dial(client.Options{Node: node})
	require.NoError(t, err)
	w := worker.New(c, "q", worker.Options{})
	for _, wf := range []any{Counter, Square, SumOfSquares, SignalingParent, Leaver, CancelingParent, ExternalCaller, ReusingParent, ReplacingParent} {
		w.RegisterWorkflow(wf)
	}
	require.NoError(t, w.Start())
	t.Cleanup(func() { w.Stop(); c.Close(); _ = node.Close() })
	return c
}

func runWorkflow(t *testing.T, c client.Client, id string, wf any, args ...any) client.WorkflowRun {
	t.Helper()
	run, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: id, TaskQueue: "q"}, wf, args...)
	require.NoError(t, err)
	return run
}

func TestChildWorkflowsAcrossPartitions(t *testing.T) {
	c := setupChildren(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var sum int
	require.NoError(t, runWorkflow(t, c, "sum", SumOfSquares, []int{1, 2, 3, 4, 5, 6}).Get(ctx, &sum))
	require.Equal(t, 91, sum)

	// The children are workflows of their own, with the parent recorded.
	var sq int
	require.NoError(t, c.GetWorkflow(ctx, "sum-sq-3", "").Get(ctx, &sq))
	require.Equal(t, 16, sq)
}

func TestChildFailureReachesTheClientAsChildWorkflowExecutionError(t *testing.T) {
	c := setupChildren(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := runWorkflow(t, c, "neg", SumOfSquares, []int{2, -1}).Get(ctx, nil)
	var childErr *temporal.ChildWorkflowExecutionError
	require.ErrorAs(t, err, &childErr)
	require.Equal(t, "neg-sq-1", childErr.WorkflowID())
	require.Equal(t, "Square", childErr.WorkflowType())
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, "Negative", appErr.Type())
}

func TestSignalChildWorkflow(t *testing.T) {
	c := setupChildren(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out string
	require.NoError(t, runWorkflow(t, c, "signaler", SignalingParent).Get(ctx, &out))
	require.Equal(t, "signaled-child=49", out)
}

func TestChildAlreadyStarted(t *testing.T) {
	c := setupChildren(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	runWorkflow(t, c, "taken", Counter, 0)
	err := runWorkflow(t, c, "p-taken", Leaver, "taken", enums.PARENT_CLOSE_POLICY_ABANDON).Get(ctx, nil)
	var already *temporal.ChildWorkflowExecutionAlreadyStartedError
	require.ErrorAs(t, err, &already)
}

func TestChildWorkflowIDReusePolicy(t *testing.T) {
	c := setupChildren(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// A workflow the client ran, closed before the parent starts.
	require.NoError(t, runWorkflow(t, c, "solo", Square, 5, false).Get(ctx, nil))
	steps := []ReuseStep{
		{ID: "solo", Policy: enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE},
		{ID: "solo", Policy: enums.WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED},
		{ID: "solo", Policy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE},
		{ID: "done", Policy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY},
		{ID: "done", Policy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY},
		{ID: "bad", Policy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY, Fail: true},
		{ID: "bad", Policy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY},
	}
	var outcomes []string
	require.NoError(t, runWorkflow(t, c, "reuser", ReusingParent, steps).Get(ctx, &outcomes))
	require.Equal(t, []string{
		"already started", // REJECT_DUPLICATE after the client's run
		"completed",       // unspecified: allow duplicate
		"completed",
		"completed",       // the first run with the ID
		"already started", // FAILED_ONLY after a completed run
		"failed",
		"completed", // FAILED_ONLY after a failed run
	}, outcomes)
	// Refused starts recorded no run.
	for id, runs := range map[string]int64{"solo": 3, "done": 1, "bad": 2} {
		count, err := c.CountWorkflow(ctx, &client.CountWorkflowExecutionsRequest{Query: "WorkflowId = '" + id + "'"})
		require.NoError(t, err)
		require.Equal(t, runs, count.Count, id)
	}
}

func TestChildTerminateIfRunning(t *testing.T) {
	c := setupChildren(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out string
	require.NoError(t, runWorkflow(t, c, "replacer", ReplacingParent, "replaced-child").Get(ctx, &out))
	require.Equal(t, "first terminated, second returned 16", out)
}

func TestParentClosePolicies(t *testing.T) {
	c := setupChildren(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, runWorkflow(t, c, "p-term", Leaver, "c-term", enums.PARENT_CLOSE_POLICY_TERMINATE).Get(ctx, nil))
	require.NoError(t, runWorkflow(t, c, "p-cancel", Leaver, "c-cancel", enums.PARENT_CLOSE_POLICY_REQUEST_CANCEL).Get(ctx, nil))
	require.NoError(t, runWorkflow(t, c, "p-abandon", Leaver, "c-abandon", enums.PARENT_CLOSE_POLICY_ABANDON).Get(ctx, nil))

	var terminated *temporal.TerminatedError
	require.ErrorAs(t, c.GetWorkflow(ctx, "c-term", "").Get(ctx, nil), &terminated)
	// Square ignores cancellation while it waits for "go": the request is
	// recorded and the child keeps running, like the abandoned one.
	for _, id := range []string{"c-cancel", "c-abandon"} {
		desc, err := c.DescribeWorkflowExecution(ctx, id, "")
		require.NoError(t, err)
		require.Equal(t, "WORKFLOW_STATUS_RUNNING", desc.Meta.GetStatus().String(), id)
	}
	history := c.GetWorkflowHistory(ctx, "c-cancel", "", false, 0)
	canceled := false
	for history.HasNext() {
		ev, err := history.Next()
		require.NoError(t, err)
		canceled = canceled || ev.GetWorkflowExecutionCancelRequested() != nil
	}
	require.True(t, canceled, "c-cancel got no cancel request")
}

func TestCancelChild(t *testing.T) {
	c := setupChildren(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out string
	require.NoError(t, runWorkflow(t, c, "canceler", CancelingParent).Get(ctx, &out))
	require.Equal(t, "child canceled", out)
}

func TestSignalAndCancelExternalWorkflow(t *testing.T) {
	c := setupChildren(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	target := runWorkflow(t, c, "target", Counter, 10)
	err := runWorkflow(t, c, "caller", ExternalCaller, "target").Get(ctx, nil)
	require.ErrorContains(t, err, "nobody")

	err = target.Get(ctx, nil)
	var canceled *temporal.CanceledError
	require.ErrorAs(t, err, &canceled)
	require.Equal(t, 15, total(t, c, "target"))
}
