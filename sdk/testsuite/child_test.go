package testsuite_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

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
