package testsuite_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/sdk/activity"
	"github.com/grainflow/grainflow/sdk/converter"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// greetWith runs Greet("x") with the given activity options.
func greetWith(opts workflow.ActivityOptions) func(workflow.Context) error {
	return func(ctx workflow.Context) error {
		return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), Greet, "x").Get(ctx, nil)
	}
}

// An activity that always fails is retried on the virtual clock until its
// schedule-to-close timeout ends the retries.
func TestScheduleToCloseEndsRetriesOnTheVirtualClock(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	start := env.Now()
	env.OnActivity(Greet, mock.Anything, mock.Anything).Return("", errors.New("always"))

	// Enough attempts that the timeout, not the attempts, ends the retries.
	env.ExecuteWorkflow(greetWith(workflow.ActivityOptions{ScheduleToCloseTimeout: time.Hour,
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: math.MaxInt32, MaximumInterval: 10 * time.Minute}}))

	require.True(t, env.IsWorkflowCompleted())
	var activityErr *temporal.ActivityError
	require.ErrorAs(t, env.GetWorkflowError(), &activityErr)
	require.Equal(t, journalpb.RetryState_RETRY_STATE_TIMEOUT, activityErr.RetryState())
	require.LessOrEqual(t, env.Now().Sub(start), time.Hour)
}

// Under a policy with (practically) unlimited attempts and no
// schedule-to-close timeout, an activity that always fails would be retried
// for ever: the environment stops it once it has kept failing for the test
// timeout, and says why. (A policy that leaves MaximumAttempts at 0 gets
// the test environment's bound of 10, as in Temporal.)
func TestEndlessRetriesStopAtTheTestTimeout(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	// Shorter than the default (3 s), and long enough that no single
	// attempt trips the wait for running activities first.
	env.SetTestTimeout(500 * time.Millisecond)
	env.OnActivity(Greet, mock.Anything, mock.Anything).Return("", errors.New("always"))

	env.ExecuteWorkflow(greetWith(workflow.ActivityOptions{StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: math.MaxInt32}}))

	require.False(t, env.IsWorkflowCompleted())
	err := env.GetWorkflowError()
	require.ErrorContains(t, err, "test timeout: activity Greet (ID 1) of workflow default-test-workflow-id kept failing")
	require.ErrorContains(t, err, "last failure: always")
}

// Without a retry policy in the activity options, the test environment
// retries as Temporal's does: at most 10 attempts, one second apart (the
// maximum interval is the initial interval), and the activity sees that
// policy in its info.
func TestDefaultRetryPolicyIsBounded(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	start := env.Now()
	var policy *temporal.RetryPolicy
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		policy = info.RetryPolicy
	})
	env.OnActivity(Greet, mock.Anything, mock.Anything).Return("", errors.New("always"))

	env.ExecuteWorkflow(greetWith(activityOptions))

	require.True(t, env.IsWorkflowCompleted())
	var activityErr *temporal.ActivityError
	require.ErrorAs(t, env.GetWorkflowError(), &activityErr)
	require.Equal(t, journalpb.RetryState_RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED, activityErr.RetryState())
	env.AssertNumberOfCalls(t, "Greet", 10)
	require.Equal(t, 9*time.Second, env.Now().Sub(start))
	require.Equal(t, &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Second, MaximumAttempts: 10}, policy)
}

// The fields an explicit retry policy sets are kept; the environment only
// fills those it leaves unset (here the maximum interval, which becomes
// the initial interval, as in Temporal).
func TestExplicitRetryPolicyIsKept(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	start := env.Now()
	env.OnActivity(Greet, mock.Anything, mock.Anything).Return("", errors.New("always"))

	env.ExecuteWorkflow(greetWith(workflow.ActivityOptions{StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 2 * time.Second, BackoffCoefficient: 3, MaximumAttempts: 4}}))

	var activityErr *temporal.ActivityError
	require.ErrorAs(t, env.GetWorkflowError(), &activityErr)
	require.Equal(t, journalpb.RetryState_RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED, activityErr.RetryState())
	env.AssertNumberOfCalls(t, "Greet", 4)
	require.Equal(t, 6*time.Second, env.Now().Sub(start))
}
