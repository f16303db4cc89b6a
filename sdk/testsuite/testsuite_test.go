package testsuite_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"

	"github.com/grainflow/grainflow/sdk/activity"
	"github.com/grainflow/grainflow/sdk/converter"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// The workflows and activities under test.

func Greet(_ context.Context, name string) (string, error) { return "hello " + name, nil }

func Shout(_ context.Context, s string) (string, error) { return strings.ToUpper(s), nil }

func Charge(_ context.Context, amount int) error { return nil }

var activityOptions = workflow.ActivityOptions{StartToCloseTimeout: time.Minute}

func GreetingWorkflow(ctx workflow.Context, name string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, activityOptions)
	var greeting, shouted string
	if err := workflow.ExecuteActivity(ctx, Greet, name).Get(ctx, &greeting); err != nil {
		return "", err
	}
	if err := workflow.ExecuteActivity(ctx, Shout, greeting).Get(ctx, &shouted); err != nil {
		return "", err
	}
	return shouted, nil
}

// ApprovalWorkflow waits for an approval signal for up to seven days and
// answers a "state" query meanwhile.
func ApprovalWorkflow(ctx workflow.Context, amount int) (string, error) {
	state := "waiting"
	if err := workflow.SetQueryHandler(ctx, "state", func() (string, error) { return state, nil }); err != nil {
		return "", err
	}
	var approved bool
	timedOut := false
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(workflow.GetSignalChannel(ctx, "approve"), func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, &approved) })
	sel.AddFuture(workflow.NewTimer(ctx, 7*24*time.Hour), func(workflow.Future) { timedOut = true })
	sel.Select(ctx)
	if timedOut || !approved {
		state = "rejected"
		return state, nil
	}
	state = "charging"
	ctx = workflow.WithActivityOptions(ctx, activityOptions)
	if err := workflow.ExecuteActivity(ctx, Charge, amount).Get(ctx, nil); err != nil {
		return "", err
	}
	state = "approved"
	return state, nil
}

func TestRealActivitiesRun(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterActivity(Greet)
	env.RegisterActivity(Shout)

	env.ExecuteWorkflow(GreetingWorkflow, "ann")

	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var result string
	require.NoError(t, env.GetWorkflowResult(&result))
	require.Equal(t, "HELLO ANN", result)
}

func TestMockedActivitiesReturnValuesOrRunFunctions(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.OnActivity(Greet, mock.Anything, "ann").Return("hi ann", nil).Once()
	env.OnActivity(Shout, mock.Anything, mock.Anything).Return(func(_ context.Context, s string) (string, error) {
		return s + "!", nil
	})

	env.ExecuteWorkflow(GreetingWorkflow, "ann")

	var result string
	require.NoError(t, env.GetWorkflowResult(&result))
	require.Equal(t, "hi ann!", result)
	env.AssertExpectations(t)
	env.AssertActivityNumberOfCalls(t, "Greet", 1)
	env.AssertActivityCalled(t, "Shout", mock.Anything, "hi ann")
}

// recordingT collects what an assertion reports.
type recordingT struct{ errors []string }

func (r *recordingT) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recordingT) Logf(format string, args ...any) { r.Errorf(format, args...) }
func (r *recordingT) FailNow()                        {}

func TestAssertExpectationsReportsMissedAndForbiddenCalls(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.OnActivity(Greet, mock.Anything, mock.Anything).Return("hi", nil)
	env.OnActivity(Shout, mock.Anything, mock.Anything).Return("never", nil).Never()
	env.OnActivity(Charge, mock.Anything, mock.Anything).Return(nil) // expected, never called

	env.ExecuteWorkflow(GreetingWorkflow, "ann")

	// Shout was called although marked Never: the attempt fails for good.
	var activityErr *temporal.ActivityError
	require.ErrorAs(t, env.GetWorkflowError(), &activityErr)
	require.Contains(t, env.GetWorkflowError().Error(), "marked Never")

	var rt recordingT
	require.False(t, env.AssertExpectations(&rt))
	joined := strings.Join(rt.errors, "\n")
	require.Contains(t, joined, "Charge")
	require.Contains(t, joined, "marked Never")
}

func TestSevenDayTimerFiresOnTheVirtualClock(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	var scheduled []time.Duration
	var fired int
	env.SetOnTimerScheduledListener(func(_ string, d time.Duration) { scheduled = append(scheduled, d) })
	env.SetOnTimerFiredListener(func(string) { fired++ })

	env.ExecuteWorkflow(ApprovalWorkflow, 100)

	var result string
	require.NoError(t, env.GetWorkflowResult(&result))
	require.Equal(t, "rejected", result)
	require.Equal(t, []time.Duration{7 * 24 * time.Hour}, scheduled)
	require.Equal(t, 1, fired)
	require.Equal(t, start.Add(7*24*time.Hour), env.Now())
}

func TestSignalFromADelayedCallbackAndQueries(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.OnActivity(Charge, mock.Anything, 100).Return(nil).Once()
	var stateBefore string
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow("state")
		require.NoError(t, err)
		require.NoError(t, v.Get(&stateBefore))
		env.SignalWorkflow("approve", true)
	}, 2*24*time.Hour)
	var timerCanceled int
	env.SetOnTimerCanceledListener(func(string) { timerCanceled++ })

	env.ExecuteWorkflow(ApprovalWorkflow, 100)

	var result string
	require.NoError(t, env.GetWorkflowResult(&result))
	require.Equal(t, "approved", result)
	require.Equal(t, "waiting", stateBefore)
	env.AssertExpectations(t)

	// Queries work after the workflow closed, too.
	v, err := env.QueryWorkflow("state")
	require.NoError(t, err)
	var after string
	require.NoError(t, v.Get(&after))
	require.Equal(t, "approved", after)
	_, err = env.QueryWorkflow("nope")
	require.ErrorContains(t, err, "unknown query type")
}

// A workflow that waits for a signal no one sends times out at the end of
// the default run timeout (ten years of virtual time), as in Temporal,
// instead of leaving the environment blocked.
func TestWorkflowWaitingForeverTimesOut(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	start := env.Now()
	var runTimeout time.Duration
	env.ExecuteWorkflow(func(ctx workflow.Context) error {
		runTimeout = workflow.GetInfo(ctx).WorkflowRunTimeout
		workflow.GetSignalChannel(ctx, "never").Receive(ctx, nil)
		return nil
	})
	require.True(t, env.IsWorkflowCompleted())
	err := env.GetWorkflowError()
	var execErr *temporal.WorkflowExecutionError
	require.ErrorAs(t, err, &execErr)
	require.ErrorIs(t, err, workflow.ErrDeadlineExceeded)
	var timeoutErr *temporal.TimeoutError
	require.ErrorAs(t, err, &timeoutErr)
	require.Equal(t, 10*365*24*time.Hour, runTimeout)
	require.Equal(t, 10*365*24*time.Hour, env.Now().Sub(start))
}

func TestCancelWorkflow(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterDelayedCallback(env.CancelWorkflow, time.Hour)
	env.ExecuteWorkflow(func(ctx workflow.Context) error {
		return workflow.Sleep(ctx, 24*time.Hour)
	})
	require.True(t, env.IsWorkflowCompleted())
	var canceled *temporal.CanceledError
	require.ErrorAs(t, env.GetWorkflowError(), &canceled)
}

func TestActivityRetriesWithBackoffOnTheVirtualClock(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	env.OnActivity(Greet, mock.Anything, "ann").Return("", errors.New("flaky")).Twice()
	env.OnActivity(Greet, mock.Anything, "ann").Return("hi", nil).Once()
	env.OnActivity(Shout, mock.Anything, "hi").Return("HI", nil)
	var attempts []int32
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		if info.ActivityType.Name == "Greet" {
			attempts = append(attempts, info.Attempt)
		}
	})

	env.ExecuteWorkflow(GreetingWorkflow, "ann")

	var result string
	require.NoError(t, env.GetWorkflowResult(&result))
	require.Equal(t, "HI", result)
	require.Equal(t, []int32{1, 2, 3}, attempts)
	// The test environment's default policy: 1 s of backoff, twice (its
	// maximum interval is the initial interval), on the virtual clock.
	require.Equal(t, start.Add(2*time.Second), env.Now())
}

func TestNonRetryableActivityErrorFailsTheWorkflow(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.OnActivity(Greet, mock.Anything, mock.Anything).
		Return("", temporal.NewNonRetryableApplicationError("no such person", "NotFound", nil))

	env.ExecuteWorkflow(GreetingWorkflow, "zed")

	err := env.GetWorkflowError()
	var activityErr *temporal.ActivityError
	require.ErrorAs(t, err, &activityErr)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, "NotFound", appErr.Type())
	env.AssertActivityNumberOfCalls(t, "Greet", 1)
}

func TestPanicFailsTheWorkflow(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.ExecuteWorkflow(func(ctx workflow.Context) error { panic("boom") })
	var panicErr *temporal.PanicError
	require.ErrorAs(t, env.GetWorkflowError(), &panicErr)
	require.Contains(t, panicErr.Error(), "boom")
}

func TestMockAfterDelaysOnTheVirtualClock(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.OnActivity(Greet, mock.Anything, mock.Anything).Return("slow", nil).After(10 * time.Minute)
	env.ExecuteWorkflow(func(ctx workflow.Context) (string, error) {
		ctx = workflow.WithActivityOptions(ctx, activityOptions)
		winner := ""
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(workflow.ExecuteActivity(ctx, Greet, "x"), func(workflow.Future) { winner = "activity" })
		sel.AddFuture(workflow.NewTimer(ctx, 5*time.Minute), func(workflow.Future) { winner = "timer" })
		sel.Select(ctx)
		return winner, nil
	})
	var winner string
	require.NoError(t, env.GetWorkflowResult(&winner))
	require.Equal(t, "timer", winner)
}

func TestRunTimeout(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.SetWorkflowRunTimeout(time.Hour)
	env.ExecuteWorkflow(func(ctx workflow.Context) error { return workflow.Sleep(ctx, 2*time.Hour) })
	var timeoutErr *temporal.TimeoutError
	require.ErrorAs(t, env.GetWorkflowError(), &timeoutErr)
}

func TestContinueAsNewIsReportedAsTheError(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	var counter func(ctx workflow.Context, n int) error
	counter = func(ctx workflow.Context, n int) error {
		return workflow.NewContinueAsNewError(ctx, counter, n+1)
	}
	env.ExecuteWorkflow(counter, 1)
	require.True(t, env.IsWorkflowCompleted())
	require.True(t, workflow.IsContinueAsNewError(env.GetWorkflowError()))
}

func TestCanceledActivityReportsToTheListener(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	var started atomic.Bool
	// The activity runs for real and blocks until canceled; while it runs
	// the virtual clock stands still, so it tells the workflow to cancel it.
	blocking := func(ctx context.Context) error {
		started.Store(true)
		env.SignalWorkflow("stop", nil)
		<-ctx.Done()
		return ctx.Err()
	}
	env.RegisterActivityWithOptions(blocking, activity.RegisterOptions{Name: "Blocking"})
	canceled := 0
	env.SetOnActivityCanceledListener(func(*activity.Info) { canceled++ })
	env.ExecuteWorkflow(func(ctx workflow.Context) (string, error) {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute, WaitForCancellation: true})
		actCtx, cancel := workflow.WithCancel(ctx)
		f := workflow.ExecuteActivity(actCtx, "Blocking")
		workflow.GetSignalChannel(ctx, "stop").Receive(ctx, nil)
		cancel()
		err := f.Get(ctx, nil)
		var canceledErr *temporal.CanceledError
		if errors.As(err, &canceledErr) {
			return "canceled", nil
		}
		return "", err
	})
	var result string
	require.NoError(t, env.GetWorkflowResult(&result))
	require.Equal(t, "canceled", result)
	require.Equal(t, 1, canceled)
	require.True(t, started.Load())
}

func TestActivityEnvironment(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	var beats []int
	env.SetOnActivityHeartbeatListener(func(_ *activity.Info, details converter.EncodedValues) {
		var n int
		require.NoError(t, details.Get(&n))
		beats = append(beats, n)
	})
	env.SetHeartbeatDetails(2)
	count := func(ctx context.Context, to int) (string, error) {
		from := 0
		if activity.HasHeartbeatDetails(ctx) {
			if err := activity.GetHeartbeatDetails(ctx, &from); err != nil {
				return "", err
			}
		}
		for i := from + 1; i <= to; i++ {
			activity.RecordHeartbeat(ctx, i)
		}
		return fmt.Sprintf("%s counted %d..%d", activity.GetInfo(ctx).ActivityType.Name, from+1, to), nil
	}
	env.RegisterActivityWithOptions(count, activity.RegisterOptions{Name: "Count"})

	v, err := env.ExecuteActivity("Count", 4)
	require.NoError(t, err)
	var out string
	require.NoError(t, v.Get(&out))
	require.Equal(t, "Count counted 3..4", out)
	// Heartbeats are throttled as in Temporal: 4 came within 30 s of 3 and
	// is dropped when the activity completes.
	require.Equal(t, []int{3}, beats)

	_, err = env.ExecuteActivity(func(context.Context) error {
		return temporal.NewApplicationError("bad input", "Validation")
	})
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, "Validation", appErr.Type())

	_, err = env.ExecuteActivity("Missing")
	require.ErrorContains(t, err, "Missing")
}

// The Temporal idiom: a testify suite embedding WorkflowTestSuite.

type approvalSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	env *testsuite.TestWorkflowEnvironment
}

func (s *approvalSuite) SetupTest() { s.env = s.NewTestWorkflowEnvironment() }

func (s *approvalSuite) AfterTest(_, _ string) { s.env.AssertExpectations(s.T()) }

func (s *approvalSuite) TestRejectedAfterSevenDays() {
	s.env.OnActivity(Charge, mock.Anything, mock.Anything).Return(nil).Never()
	s.env.ExecuteWorkflow(ApprovalWorkflow, 5)
	s.True(s.env.IsWorkflowCompleted())
	var result string
	s.NoError(s.env.GetWorkflowResult(&result))
	s.Equal("rejected", result)
}

func (s *approvalSuite) TestApprovedCharges() {
	s.env.OnActivity(Charge, mock.Anything, 5).Return(nil).Once()
	s.env.RegisterDelayedCallback(func() { s.env.SignalWorkflow("approve", true) }, time.Hour)
	s.env.ExecuteWorkflow(ApprovalWorkflow, 5)
	var result string
	s.NoError(s.env.GetWorkflowResult(&result))
	s.Equal("approved", result)
}

func TestApprovalSuite(t *testing.T) { suite.Run(t, new(approvalSuite)) }
