package testsuite_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/grainflow/grainflow/sdk/activity"
	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// While an activity runs, the virtual clock is not skipped ahead, but a
// pending timer still fires once its duration has passed in wall-clock
// time, as in Temporal's test environment: here the timer starts the
// activity that releases the one the workflow waits on.
func TestTimerFiresInWallClockTimeWhileAnActivityRuns(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.SetTestTimeout(2 * time.Second)
	released := make(chan struct{})
	waitForRelease := func(ctx context.Context) error {
		select {
		case <-released:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	release := func(context.Context) error { close(released); return nil }
	env.RegisterActivityWithOptions(waitForRelease, activity.RegisterOptions{Name: "WaitForRelease"})
	env.RegisterActivityWithOptions(release, activity.RegisterOptions{Name: "Release"})
	start, wallStart := env.Now(), time.Now()

	env.ExecuteWorkflow(func(ctx workflow.Context) error {
		ctx = workflow.WithActivityOptions(ctx, activityOptions)
		workflow.Go(ctx, func(ctx workflow.Context) {
			if workflow.Sleep(ctx, 300*time.Millisecond) == nil {
				_ = workflow.ExecuteActivity(ctx, "Release").Get(ctx, nil)
			}
		})
		return workflow.ExecuteActivity(ctx, "WaitForRelease").Get(ctx, nil)
	})

	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	require.GreaterOrEqual(t, time.Since(wallStart), 300*time.Millisecond)
	require.Equal(t, 300*time.Millisecond, env.Now().Sub(start))
}
