package testsuite_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/grainflow/grainflow/sdk/activity"
	"github.com/grainflow/grainflow/sdk/converter"
	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// goroutineID returns the ID of the calling goroutine, read from the header
// of its stack trace ("goroutine 7 [running]:").
func goroutineID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	return strings.Fields(string(buf))[1]
}

// Heartbeater heartbeats twice and returns.
func Heartbeater(ctx context.Context) error {
	activity.RecordHeartbeat(ctx, 1)
	activity.RecordHeartbeat(ctx, 2)
	return nil
}

// Every listener runs on the goroutine that called ExecuteWorkflow, as in
// Temporal, so that it can use the test's variables without locks.
func TestListenersRunOnTheTestGoroutine(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterActivity(Heartbeater)
	env.OnActivity(Greet, mock.Anything, mock.Anything).Return("hi", nil)
	env.OnActivity(Shout, mock.Anything, mock.Anything).After(time.Hour).Return("HI", nil)

	calls := map[string][]string{} // listener -> goroutines it ran on
	record := func(listener string) { calls[listener] = append(calls[listener], goroutineID()) }
	env.SetOnActivityStartedListener(func(*activity.Info, context.Context, converter.EncodedValues) { record("started") })
	env.SetOnActivityCompletedListener(func(*activity.Info, converter.EncodedValue, error) { record("completed") })
	env.SetOnActivityHeartbeatListener(func(*activity.Info, converter.EncodedValues) { record("heartbeat") })
	env.SetOnActivityCanceledListener(func(*activity.Info) { record("canceled") })
	env.SetOnTimerScheduledListener(func(string, time.Duration) { record("timer scheduled") })
	env.SetOnTimerFiredListener(func(string) { record("timer fired") })
	env.SetOnTimerCanceledListener(func(string) { record("timer canceled") })

	test := goroutineID()
	env.ExecuteWorkflow(func(ctx workflow.Context) error {
		ctx = workflow.WithActivityOptions(ctx, activityOptions)
		if err := workflow.ExecuteActivity(ctx, Heartbeater).Get(ctx, nil); err != nil {
			return err
		}
		if err := workflow.ExecuteActivity(ctx, Greet, "ann").Get(ctx, nil); err != nil {
			return err
		}
		if err := workflow.Sleep(ctx, time.Minute); err != nil {
			return err
		}
		// Shout answers after an hour: the timer wins and both are canceled.
		actx, cancelActivity := workflow.WithCancel(ctx)
		tctx, cancelTimer := workflow.WithCancel(ctx)
		shout := workflow.ExecuteActivity(actx, Shout, "hi")
		timer := workflow.NewTimer(tctx, 2*time.Hour)
		workflow.NewSelector(ctx).AddFuture(workflow.NewTimer(ctx, time.Minute), func(workflow.Future) {}).Select(ctx)
		cancelActivity()
		cancelTimer()
		_ = shout.Get(ctx, nil)
		_ = timer.Get(ctx, nil)
		return nil
	})

	require.NoError(t, env.GetWorkflowError())
	// One heartbeat: the second comes within the throttle interval of the
	// first and is dropped when the activity completes, as in Temporal.
	want := map[string]int{"started": 3, "completed": 2, "heartbeat": 1, "canceled": 1,
		"timer scheduled": 3, "timer fired": 2, "timer canceled": 1}
	for listener, n := range want {
		require.Len(t, calls[listener], n, listener)
		for _, g := range calls[listener] {
			require.Equal(t, test, g, "%s listener ran on goroutine %s, not the test's %s", listener, g, test)
		}
	}
}

// When the test timeout stops the environment, attempts still running are
// canceled, so that they can end (an attempt also waits on its context for
// its started listener to run on the environment's goroutine).
func TestTestTimeoutCancelsRunningAttempts(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.SetTestTimeout(100 * time.Millisecond)
	ended := make(chan error, 1)
	waiter := func(ctx context.Context) error {
		<-ctx.Done()
		ended <- ctx.Err()
		return ctx.Err()
	}
	env.RegisterActivityWithOptions(waiter, activity.RegisterOptions{Name: "Waiter"})

	env.ExecuteWorkflow(func(ctx workflow.Context) error {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Hour})
		return workflow.ExecuteActivity(ctx, "Waiter").Get(ctx, nil)
	})

	require.False(t, env.IsWorkflowCompleted())
	require.ErrorContains(t, env.GetWorkflowError(), "test timeout")
	select {
	case err := <-ended:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(10 * time.Second):
		t.Fatal("the attempt still runs after ExecuteWorkflow returned")
	}
}
