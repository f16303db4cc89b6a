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

// CountdownReport is what the last run of a Countdown chain returns.
type CountdownReport struct {
	WorkflowID, RunID string
	Notes             []string
	HistoryLength     int
	// FirstRunID is the run ID the parent saw the child start with.
	FirstRunID string
	// ContinuedRunID is the run the last run continued from.
	ContinuedRunID string
}

// Countdown sleeps an hour per run and continues as new until n is zero.
// Its last run reports its IDs, the "note" signals that reached the chain
// (unconsumed ones are carried from run to run) and its history length.
func Countdown(ctx workflow.Context, n int) (CountdownReport, error) {
	if err := workflow.Sleep(ctx, time.Hour); err != nil {
		return CountdownReport{}, err
	}
	if n > 0 {
		return CountdownReport{}, workflow.NewContinueAsNewError(ctx, Countdown, n-1)
	}
	info := workflow.GetInfo(ctx)
	report := CountdownReport{WorkflowID: info.WorkflowExecution.ID, RunID: info.WorkflowExecution.RunID,
		ContinuedRunID: info.ContinuedExecutionRunID}
	var note string
	for workflow.GetSignalChannel(ctx, "note").ReceiveAsync(&note) {
		report.Notes = append(report.Notes, note)
	}
	report.HistoryLength = info.GetCurrentHistoryLength()
	return report, nil
}

// CountdownParent runs a Countdown child of n, signals it a note while its
// first run sleeps, and returns the child's report.
func CountdownParent(ctx workflow.Context, n int) (CountdownReport, error) {
	child := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: "countdown"}), Countdown, n)
	var first workflow.Execution
	if err := child.GetChildWorkflowExecution().Get(ctx, &first); err != nil {
		return CountdownReport{}, err
	}
	if err := workflow.SignalExternalWorkflow(ctx, "countdown", "", "note", "hi").Get(ctx, nil); err != nil {
		return CountdownReport{}, err
	}
	var report CountdownReport
	err := child.Get(ctx, &report)
	report.FirstRunID = first.RunID
	return report, err
}

// runCountdownParent runs CountdownParent(n) in a new environment and
// returns its report and how much virtual time it took.
func runCountdownParent(t *testing.T, n int) (CountdownReport, time.Duration) {
	t.Helper()
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(Countdown)
	start := env.Now()
	env.ExecuteWorkflow(CountdownParent, n)
	require.True(t, env.IsWorkflowCompleted(), "%v", env.GetWorkflowError())
	var report CountdownReport
	require.NoError(t, env.GetWorkflowResult(&report))
	return report, env.Now().Sub(start)
}

// A child that continues as new is followed to its last run, whose result
// the parent gets, as on a node and in Temporal.
func TestChildContinueAsNewIsFollowed(t *testing.T) {
	report, took := runCountdownParent(t, 2)
	require.Equal(t, 3*time.Hour, took, "three runs of an hour each")
	require.Equal(t, "countdown", report.WorkflowID, "every run keeps the child's workflow ID")
	require.NotEqual(t, report.FirstRunID, report.RunID, "the last run is a new run")
	require.Equal(t, []string{"hi"}, report.Notes, "a signal the first run did not consume reaches the last one")

	single, _ := runCountdownParent(t, 0)
	require.Equal(t, single.HistoryLength, report.HistoryLength, "each run starts a fresh history")
	require.Empty(t, single.ContinuedRunID, "a first run continues no run")
	second, _ := runCountdownParent(t, 1)
	require.Equal(t, second.FirstRunID, second.ContinuedRunID, "the second run continues the first")
}

// Hopper continues as new into Reminder.
func Hopper(ctx workflow.Context, who string) (string, error) {
	return "", workflow.NewContinueAsNewError(ctx, Reminder, who)
}

// A child continuing as new into a workflow mocked with OnWorkflow is
// answered by the mock.
func TestChildContinueAsNewIntoAMockedWorkflow(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(Hopper)
	env.OnWorkflow(Reminder, mock.Anything, "hop").Return("mocked hop", nil).Once()
	env.ExecuteWorkflow(func(ctx workflow.Context) (string, error) {
		var out string
		err := workflow.ExecuteChildWorkflow(ctx, Hopper, "hop").Get(ctx, &out)
		return out, err
	})
	var out string
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, "mocked hop", out)
	env.AssertExpectations(t)
}

// Collector sums the ints signaled on "add" until "done" is signaled.
func Collector(ctx workflow.Context) (int, error) {
	sum, done := 0, false
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(workflow.GetSignalChannel(ctx, "add"), func(c workflow.ReceiveChannel, _ bool) {
		var n int
		c.Receive(ctx, &n)
		sum += n
	})
	sel.AddReceive(workflow.GetSignalChannel(ctx, "done"), func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		done = true
	})
	for !done {
		sel.Select(ctx)
	}
	return sum, nil
}

// CollectorParent runs a Collector child and then waits a day.
func CollectorParent(ctx workflow.Context) (int, error) {
	var sum int
	err := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: "collector"}), Collector).Get(ctx, &sum)
	if err != nil {
		return 0, err
	}
	return sum, workflow.Sleep(ctx, 24*time.Hour)
}

// SignalWorkflowByID reaches a running child by its ID, and fails for an
// ID that is unknown or whose workflow has closed.
func TestSignalWorkflowByIDReachesAChild(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(Collector)
	var sendErrs []error
	send := func(id, name string, arg any) { sendErrs = append(sendErrs, env.SignalWorkflowByID(id, name, arg)) }
	env.RegisterDelayedCallback(func() {
		send("collector", "add", 2)
		send("collector", "add", 3)
		send("collector", "done", nil)
	}, time.Minute)
	var unknownErr, closedErr error
	env.RegisterDelayedCallback(func() {
		unknownErr = env.SignalWorkflowByID("nobody", "add", 1)
		closedErr = env.SignalWorkflowByID("collector", "add", 1)
	}, time.Hour)

	env.ExecuteWorkflow(CollectorParent)

	var sum int
	require.NoError(t, env.GetWorkflowResult(&sum))
	require.Equal(t, 5, sum)
	require.Equal(t, []error{nil, nil, nil}, sendErrs)
	require.ErrorContains(t, unknownErr, `no workflow "nobody"`)
	require.ErrorContains(t, closedErr, `workflow "collector" already closed`)
}

// A child that continued as new is signaled by its ID in its current run.
func TestSignalWorkflowByIDReachesAContinuedChild(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(Countdown)
	var sendErr error
	env.RegisterDelayedCallback(func() { sendErr = env.SignalWorkflowByID("countdown", "note", "late") }, 90*time.Minute)

	env.ExecuteWorkflow(CountdownParent, 2)

	var report CountdownReport
	require.NoError(t, env.GetWorkflowResult(&report))
	require.NoError(t, sendErr)
	require.Equal(t, []string{"hi", "late"}, report.Notes)
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

// Flaky fails until its attempt reaches succeedAt, then reports the attempt.
func Flaky(ctx workflow.Context, succeedAt int) (int, error) {
	if attempt := int(workflow.GetInfo(ctx).Attempt); attempt < succeedAt {
		return 0, temporal.NewApplicationError(fmt.Sprintf("attempt %d fails", attempt), "Flaky")
	}
	return int(workflow.GetInfo(ctx).Attempt), nil
}

// RetriedChild runs Flaky as a child under a retry policy of maxAttempts
// and reports the attempt that succeeded and the virtual time it took.
func RetriedChild(ctx workflow.Context, succeedAt, maxAttempts int) (string, error) {
	opts := workflow.ChildWorkflowOptions{WorkflowID: "flaky", RetryPolicy: &temporal.RetryPolicy{
		InitialInterval: time.Minute, BackoffCoefficient: 2, MaximumAttempts: int32(maxAttempts)}}
	start := workflow.Now(ctx)
	var attempt int
	if err := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts), Flaky, succeedAt).Get(ctx, &attempt); err != nil {
		return "", err
	}
	return fmt.Sprintf("attempt %d after %v", attempt, workflow.Now(ctx).Sub(start)), nil
}

// A child with a retry policy is retried as on a node: the parent sees only
// the last attempt, and the backoffs pass on the virtual clock.
func TestChildRetriedByItsPolicy(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(Flaky)
	env.ExecuteWorkflow(RetriedChild, 3, 5)
	var got string
	require.NoError(t, env.GetWorkflowResult(&got))
	require.Equal(t, "attempt 3 after 3m0s", got) // backoffs of 1 and 2 minutes

	// Out of attempts: the parent gets the last attempt's failure.
	env = ts.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(Flaky)
	env.ExecuteWorkflow(RetriedChild, 3, 2)
	err := env.GetWorkflowError()
	var childErr *temporal.ChildWorkflowExecutionError
	require.ErrorAs(t, err, &childErr)
	require.ErrorContains(t, err, "attempt 2 fails")
}
