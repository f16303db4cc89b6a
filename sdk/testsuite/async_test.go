package testsuite_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/grainflow/grainflow/sdk/activity"
	"github.com/grainflow/grainflow/sdk/converter"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// AskHuman hands its task token to someone who completes it later.
func AskHuman(context.Context, string) (string, error) { return "", activity.ErrResultPending }

func askHumanWorkflow(ctx workflow.Context) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Hour})
	var answer string
	err := workflow.ExecuteActivity(ctx, AskHuman, "approve?").Get(ctx, &answer)
	return answer, err
}

// An activity that returned ErrResultPending stays open until the test
// completes it with CompleteActivity and its task token.
func TestCompleteActivityCompletesAPendingActivity(t *testing.T) {
	for _, tc := range []struct {
		name   string
		result any
		err    error
		check  func(t *testing.T, env *testsuite.TestWorkflowEnvironment)
	}{
		{"result", "yes", nil, func(t *testing.T, env *testsuite.TestWorkflowEnvironment) {
			var answer string
			require.NoError(t, env.GetWorkflowResult(&answer))
			require.Equal(t, "yes", answer)
		}},
		{"failure", nil, errors.New("no one answered"), func(t *testing.T, env *testsuite.TestWorkflowEnvironment) {
			var activityErr *temporal.ActivityError
			require.ErrorAs(t, env.GetWorkflowError(), &activityErr)
			require.ErrorContains(t, env.GetWorkflowError(), "no one answered")
		}},
		{"canceled", nil, temporal.NewCanceledError("withdrawn"), func(t *testing.T, env *testsuite.TestWorkflowEnvironment) {
			var canceled *temporal.CanceledError
			require.ErrorAs(t, env.GetWorkflowError(), &canceled)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ts testsuite.WorkflowTestSuite
			env := ts.NewTestWorkflowEnvironment()
			env.RegisterActivity(AskHuman)
			var token []byte
			var pendingErr error
			env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
				token = info.TaskToken
			})
			env.SetOnActivityCompletedListener(func(_ *activity.Info, _ converter.EncodedValue, err error) {
				if pendingErr == nil {
					pendingErr = err
				}
			})
			env.RegisterDelayedCallback(func() {
				require.NoError(t, env.CompleteActivity(token, tc.result, tc.err))
			}, time.Minute)

			env.ExecuteWorkflow(askHumanWorkflow)

			require.True(t, env.IsWorkflowCompleted())
			require.ErrorIs(t, pendingErr, activity.ErrResultPending)
			tc.check(t, env)
		})
	}
}

func TestCompleteActivityRejectsBadTokens(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	require.Error(t, env.CompleteActivity(nil, "x", nil))
	require.Error(t, env.CompleteActivity([]byte("no-separator"), "x", nil))
}
