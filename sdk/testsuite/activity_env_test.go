package testsuite_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/grainflow/grainflow/sdk/activity"
	"github.com/grainflow/grainflow/sdk/converter"
	"github.com/grainflow/grainflow/sdk/enums"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// An activity run by the activity environment has ten minutes, as in
// Temporal, whatever the test timeout.
func TestActivityEnvironmentGivesTenMinutes(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	env.SetTestTimeout(10 * time.Millisecond)
	v, err := env.ExecuteActivity(func(ctx context.Context) (time.Duration, error) {
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return 0, ctx.Err()
		}
		deadline, _ := ctx.Deadline()
		info := activity.GetInfo(ctx)
		require.Equal(t, 10*time.Minute, info.StartToCloseTimeout)
		require.Equal(t, deadline, info.Deadline)
		return time.Until(deadline), nil
	})
	require.NoError(t, err)
	var left time.Duration
	require.NoError(t, v.Get(&left))
	require.Greater(t, left, 9*time.Minute)
}

// beats counts quickly, heartbeating each number.
func beats(ctx context.Context, fail bool) error {
	for i := 1; i <= 3; i++ {
		activity.RecordHeartbeat(ctx, i)
	}
	if fail {
		return errors.New("failed after heartbeating")
	}
	return nil
}

// Heartbeats reach the listener throttled as in Temporal: the first at
// once, the latest of those within the interval when the activity fails
// (a successful activity drops it).
func TestActivityEnvironmentThrottlesHeartbeats(t *testing.T) {
	for _, tc := range []struct {
		fail bool
		want []int
	}{{false, []int{1}}, {true, []int{1, 3}}} {
		var ts testsuite.WorkflowTestSuite
		env := ts.NewTestActivityEnvironment()
		var got []int
		env.SetOnActivityHeartbeatListener(func(_ *activity.Info, details converter.EncodedValues) {
			var n int
			require.NoError(t, details.Get(&n))
			got = append(got, n)
		})
		_, err := env.ExecuteActivity(beats, tc.fail)
		require.Equal(t, tc.fail, err != nil)
		require.Equal(t, tc.want, got)
	}
}

// In the workflow environment the interval is 80% of the heartbeat
// timeout: the latest heartbeat held back is reported when it ends, while
// the activity still runs.
func TestWorkflowEnvironmentThrottlesHeartbeats(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	var got []int
	lastReported := make(chan struct{})
	env.SetOnActivityHeartbeatListener(func(_ *activity.Info, details converter.EncodedValues) {
		var n int
		require.NoError(t, details.Get(&n))
		got = append(got, n)
		if n == 3 {
			close(lastReported)
		}
	})
	heldBeats := func(ctx context.Context) error {
		for i := 1; i <= 3; i++ {
			activity.RecordHeartbeat(ctx, i)
		}
		select { // 3 is reported once the 1.6 s interval ends, before the 2 s heartbeat timeout
		case <-lastReported:
			return nil
		case <-time.After(5 * time.Second):
			return errors.New("the held-back heartbeat was not reported")
		}
	}
	env.RegisterActivityWithOptions(heldBeats, activity.RegisterOptions{Name: "HeldBeats"})
	env.SetTestTimeout(10 * time.Second)
	env.ExecuteWorkflow(func(ctx workflow.Context) error {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute, HeartbeatTimeout: 2 * time.Second,
			RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1}})
		return workflow.ExecuteActivity(ctx, "HeldBeats").Get(ctx, nil)
	})
	require.NoError(t, env.GetWorkflowError())
	require.Equal(t, []int{1, 3}, got)
}

// An attempt that stops heartbeating times out after its heartbeat
// timeout (wall-clock time, as the activity runs for real), is retried by
// its policy with the last heartbeat's details, and the workflow sees a
// heartbeat TimeoutError carrying them.
func TestWorkflowEnvironmentEnforcesHeartbeatTimeouts(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	var resumedFrom []int
	stalls := func(ctx context.Context) error {
		from := 0
		if activity.HasHeartbeatDetails(ctx) {
			require.NoError(t, activity.GetHeartbeatDetails(ctx, &from))
		}
		resumedFrom = append(resumedFrom, from)
		activity.RecordHeartbeat(ctx, from+10)
		<-ctx.Done() // stalls: no more heartbeats
		return ctx.Err()
	}
	env.RegisterActivityWithOptions(stalls, activity.RegisterOptions{Name: "Stalls"})
	env.ExecuteWorkflow(func(ctx workflow.Context) error {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute, HeartbeatTimeout: 200 * time.Millisecond,
			RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 2}})
		return workflow.ExecuteActivity(ctx, "Stalls").Get(ctx, nil)
	})
	err := env.GetWorkflowError()
	var timeoutErr *temporal.TimeoutError
	require.ErrorAs(t, err, &timeoutErr)
	require.Equal(t, enums.TIMEOUT_TYPE_HEARTBEAT, timeoutErr.TimeoutType())
	var last int
	require.NoError(t, timeoutErr.LastHeartbeatDetails(&last))
	require.Equal(t, 20, last)
	require.Equal(t, []int{0, 10}, resumedFrom, "the retry resumes from the first attempt's heartbeat")
}
