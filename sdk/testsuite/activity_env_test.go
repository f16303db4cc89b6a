package testsuite_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/grainflow/grainflow/sdk/activity"
	"github.com/grainflow/grainflow/sdk/converter"
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
// timeout: heartbeats held back are reported when it ends.
func TestWorkflowEnvironmentThrottlesHeartbeats(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	var mu sync.Mutex
	var got []int
	env.SetOnActivityHeartbeatListener(func(_ *activity.Info, details converter.EncodedValues) {
		var n int
		require.NoError(t, details.Get(&n))
		mu.Lock()
		got = append(got, n)
		mu.Unlock()
	})
	slowBeats := func(ctx context.Context) error {
		for i := 1; i <= 3; i++ {
			activity.RecordHeartbeat(ctx, i)
		}
		time.Sleep(230 * time.Millisecond) // the 200 ms interval ends meanwhile
		return nil
	}
	env.RegisterActivityWithOptions(slowBeats, activity.RegisterOptions{Name: "SlowBeats"})
	env.ExecuteWorkflow(func(ctx workflow.Context) error {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute, HeartbeatTimeout: 250 * time.Millisecond})
		return workflow.ExecuteActivity(ctx, "SlowBeats").Get(ctx, nil)
	})
	require.NoError(t, env.GetWorkflowError())
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []int{1, 3}, got)
}
