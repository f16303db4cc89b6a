package testsuite_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/enums"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// Reminder waits a day, then returns a reminder text.
func Reminder(ctx workflow.Context, who string) (string, error) {
	if err := workflow.Sleep(ctx, 24*time.Hour); err != nil {
		return "", err
	}
	return "remember, " + who, nil
}

// Reminders runs one Reminder child per name and joins their texts.
func Reminders(ctx workflow.Context, names []string) ([]string, error) {
	var futures []workflow.ChildWorkflowFuture
	for _, n := range names {
		futures = append(futures, workflow.ExecuteChildWorkflow(
			workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: "reminder-" + n}), Reminder, n))
	}
	var out []string
	for _, f := range futures {
		var s string
		if err := f.Get(ctx, &s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func TestChildWorkflowsRunInTheEnvironment(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	start := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	env.RegisterWorkflow(Reminder)

	env.ExecuteWorkflow(Reminders, []string{"ann", "bob"})

	var out []string
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, []string{"remember, ann", "remember, bob"}, out)
	require.Equal(t, start.Add(24*time.Hour), env.Now(), "children's timers run on the shared virtual clock")
}

func TestMockedChildWorkflow(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.OnWorkflow(Reminder, mock.Anything, "ann").Return("mocked ann", nil).Once()
	env.OnWorkflow(Reminder, mock.Anything, "bob").Return("", temporal.NewNonRetryableApplicationError("no bob", "Missing", nil))

	env.ExecuteWorkflow(Reminders, []string{"ann", "bob"})

	err := env.GetWorkflowError()
	var childErr *temporal.ChildWorkflowExecutionError
	require.ErrorAs(t, err, &childErr)
	require.Equal(t, "reminder-bob", childErr.WorkflowID())
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, "Missing", appErr.Type())
	env.AssertExpectations(t)
	env.AssertWorkflowNumberOfCalls(t, "Reminder", 2)
}

// Pinger signals its parent's "pong" channel from a child it starts, via
// SignalExternalWorkflow, and cancels a sibling with RequestCancelExternalWorkflow.
func Pinger(ctx workflow.Context) (string, error) {
	sleeper := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: "sleeper"}), Reminder, "zed")
	if err := sleeper.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		return "", err
	}
	if err := workflow.RequestCancelExternalWorkflow(ctx, "sleeper", "").Get(ctx, nil); err != nil {
		return "", err
	}
	err := sleeper.Get(ctx, nil)
	var canceled *temporal.CanceledError
	if !errors.As(err, &canceled) {
		return "", fmt.Errorf("sleeper: %v", err)
	}
	if err := workflow.SignalExternalWorkflow(ctx, "nobody", "", "x", 1).Get(ctx, nil); err == nil {
		return "", errors.New("signal to a missing workflow succeeded")
	}
	return "sleeper canceled", nil
}

func TestExternalCancelAndSignal(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(Reminder)
	env.ExecuteWorkflow(Pinger)
	var out string
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, "sleeper canceled", out)
}

// CancelsAndLeaves starts an activity, cancels it a minute later and
// returns in the same workflow task.
func CancelsAndLeaves(ctx workflow.Context) error {
	actx, cancel := workflow.WithCancel(workflow.WithActivityOptions(ctx, activityOptions))
	workflow.ExecuteActivity(actx, Greet, "slow")
	if err := workflow.Sleep(ctx, time.Minute); err != nil {
		return err
	}
	cancel()
	return nil
}

// WaitsForLeaver runs CancelsAndLeaves as a child and goes on afterwards.
func WaitsForLeaver(ctx workflow.Context) error {
	if err := workflow.ExecuteChildWorkflow(ctx, CancelsAndLeaves).Get(ctx, nil); err != nil {
		return err
	}
	return workflow.Sleep(ctx, time.Minute)
}

// A child that cancels a waiting activity as it closes must not leave the
// activity's cancellation queued for its closed run.
func TestChildClosingWithACanceledActivity(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(CancelsAndLeaves)
	env.OnActivity(Greet, mock.Anything, "slow").After(time.Hour).Return("late", nil)
	start := env.Now()
	env.ExecuteWorkflow(WaitsForLeaver)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	require.Equal(t, start.Add(2*time.Minute), env.Now())
}

// Halver halves n, failing for odd n.
func Halver(ctx workflow.Context, n int) (int, error) {
	if n%2 != 0 {
		return 0, temporal.NewNonRetryableApplicationError("odd input", "Odd", nil)
	}
	return n / 2, nil
}

// ReuseStep is one child ReusingParent starts: its workflow ID, its ID
// reuse policy, and its input (odd inputs fail).
type ReuseStep struct {
	ID     string
	Policy enums.WorkflowIdReusePolicy
	N      int
}

// ReusingParent runs a Halver child per step, one after another, and
// reports how each ended: "completed", "failed" or "already started".
func ReusingParent(ctx workflow.Context, steps []ReuseStep) ([]string, error) {
	var outcomes []string
	for _, s := range steps {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: s.ID, WorkflowIDReusePolicy: s.Policy})
		err := workflow.ExecuteChildWorkflow(cctx, Halver, s.N).Get(ctx, nil)
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

// The outcomes of reuseSteps, as on a node (sdk/client's
// TestChildWorkflowIDReusePolicy).
var (
	reuseSteps = []ReuseStep{
		{ID: "parent", Policy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE, N: 2},
		{ID: "once", Policy: enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE, N: 2},
		{ID: "once", Policy: enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE, N: 2},
		{ID: "once", Policy: enums.WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED, N: 2},
		{ID: "done", Policy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY, N: 2},
		{ID: "done", Policy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY, N: 2},
		{ID: "bad", Policy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY, N: 1},
		{ID: "bad", Policy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY, N: 2},
	}
	reuseOutcomes = []string{
		"already started", // the parent's own ID, still running
		"completed",
		"already started", // REJECT_DUPLICATE after a closed run
		"completed",       // unspecified: allow duplicate
		"completed",
		"already started", // FAILED_ONLY after a completed run
		"failed",
		"completed", // FAILED_ONLY after a failed run
	}
)

func TestChildWorkflowIDReusePolicy(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "parent"})
	env.RegisterWorkflow(Halver)
	env.ExecuteWorkflow(ReusingParent, reuseSteps)
	var outcomes []string
	require.NoError(t, env.GetWorkflowResult(&outcomes))
	require.Equal(t, reuseOutcomes, outcomes)
}

func TestMockedChildWorkflowIDReusePolicy(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "parent"})
	env.OnWorkflow(Halver, mock.Anything, 2).Return(1, nil)
	env.OnWorkflow(Halver, mock.Anything, 1).Return(0, errors.New("odd input"))
	env.ExecuteWorkflow(ReusingParent, reuseSteps)
	var outcomes []string
	require.NoError(t, env.GetWorkflowResult(&outcomes))
	require.Equal(t, reuseOutcomes, outcomes)
}

// ReplacingParent starts a Reminder child, then another with the same ID
// and the TERMINATE_IF_RUNNING reuse policy, and reports how both ended.
func ReplacingParent(ctx workflow.Context) (string, error) {
	opts := workflow.ChildWorkflowOptions{WorkflowID: "reminder"}
	first := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts), Reminder, "ann")
	if err := first.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		return "", err
	}
	opts.WorkflowIDReusePolicy = enums.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING
	second := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts), Reminder, "bob")
	if err := second.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		return "", err
	}
	var terminated *temporal.TerminatedError
	if err := first.Get(ctx, nil); !errors.As(err, &terminated) {
		return "", fmt.Errorf("first child: %v, want it terminated", err)
	}
	var s string
	err := second.Get(ctx, &s)
	return s, err
}

func TestChildTerminateIfRunning(t *testing.T) {
	for _, mocked := range []bool{false, true} {
		var ts testsuite.WorkflowTestSuite
		env := ts.NewTestWorkflowEnvironment()
		env.RegisterWorkflow(Reminder)
		if mocked {
			env.OnWorkflow(Reminder, mock.Anything, "ann").After(time.Hour).Return("mocked ann", nil)
			env.OnWorkflow(Reminder, mock.Anything, "bob").After(time.Hour).Return("mocked bob", nil)
		}
		env.ExecuteWorkflow(ReplacingParent)
		var s string
		require.NoError(t, env.GetWorkflowResult(&s), "mocked: %v", mocked)
		require.Contains(t, s, "bob", "mocked: %v", mocked)
	}
}

// BadPolicyParent starts a child with a reuse policy that does not exist.
func BadPolicyParent(ctx workflow.Context) error {
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowIDReusePolicy: 9})
	return workflow.ExecuteChildWorkflow(cctx, Halver, 2).Get(ctx, nil)
}

func TestChildWithAnUnknownReusePolicyFails(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(Halver)
	env.ExecuteWorkflow(BadPolicyParent)
	require.ErrorContains(t, env.GetWorkflowError(), "unknown workflow ID reuse policy 9")
}

// QueueOf returns the task queue its run was started on.
func QueueOf(ctx workflow.Context) (string, error) { return workflow.GetInfo(ctx).TaskQueueName, nil }

// TimedChildParent runs a child that reports its task queue, then a
// Reminder child (a day's sleep) with an execution timeout of an hour.
func TimedChildParent(ctx workflow.Context) (string, error) {
	var queue string
	if err := workflow.ExecuteChildWorkflow(ctx, QueueOf).Get(ctx, &queue); err != nil {
		return "", err
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowExecutionTimeout: time.Hour})
	err := workflow.ExecuteChildWorkflow(cctx, Reminder, "ann").Get(ctx, nil)
	var timeout *temporal.TimeoutError
	if !errors.As(err, &timeout) {
		return "", fmt.Errorf("timed child: %v, want a timeout", err)
	}
	return queue, nil
}

// A child runs with the options it was started with: the parent's task
// queue by default, and its execution timeout.
func TestChildRunsWithItsOptions(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	start := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{TaskQueue: "reminders"})
	env.RegisterWorkflow(QueueOf)
	env.RegisterWorkflow(Reminder)
	env.ExecuteWorkflow(TimedChildParent)
	var queue string
	require.NoError(t, env.GetWorkflowResult(&queue))
	require.Equal(t, "reminders", queue)
	require.Equal(t, start.Add(time.Hour), env.Now())
}
