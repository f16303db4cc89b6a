package testsuite_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/grainflow/grainflow/journal/journalpb"
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

	env.ExecuteWorkflow(greetWith(workflow.ActivityOptions{ScheduleToCloseTimeout: time.Hour}))

	require.True(t, env.IsWorkflowCompleted())
	var activityErr *temporal.ActivityError
	require.ErrorAs(t, env.GetWorkflowError(), &activityErr)
	require.Equal(t, journalpb.RetryState_RETRY_STATE_TIMEOUT, activityErr.RetryState())
	require.LessOrEqual(t, env.Now().Sub(start), time.Hour)
}

// Under a policy with unlimited attempts and no schedule-to-close timeout,
// an activity that always fails would be retried forever: the environment
// stops it once it has kept failing for the test timeout, and says why.
func TestEndlessRetriesStopAtTheTestTimeout(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	// Shorter than the default (3 s), and long enough that no single
	// attempt trips the wait for running activities first.
	env.SetTestTimeout(500 * time.Millisecond)
	env.OnActivity(Greet, mock.Anything, mock.Anything).Return("", errors.New("always"))

	env.ExecuteWorkflow(greetWith(workflow.ActivityOptions{StartToCloseTimeout: time.Minute}))

	require.False(t, env.IsWorkflowCompleted())
	err := env.GetWorkflowError()
	require.ErrorContains(t, err, "test timeout: activity Greet (ID 1) of workflow default-test-workflow-id kept failing")
	require.ErrorContains(t, err, "last failure: always")
}
