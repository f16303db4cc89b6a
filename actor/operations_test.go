package actor_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grainflow/grainflow/actor"
	"github.com/grainflow/grainflow/journal"
	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/sdk/activity"
	"github.com/grainflow/grainflow/sdk/converter"
	internal "github.com/grainflow/grainflow/sdk/internalbindings"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// rejecting fails with a non-retryable error, or with an error whose type
// the retry policy lists as non-retryable.
type rejecting struct{ calls atomic.Int32 }

func (r *rejecting) RejectHard(ctx context.Context) error {
	r.calls.Add(1)
	return temporal.NewNonRetryableApplicationError("bad input", "BadInput", nil)
}

func (r *rejecting) RejectListed(ctx context.Context) error {
	r.calls.Add(1)
	return temporal.NewApplicationError("listed", "Fatal")
}

func RejectWorkflow(ctx workflow.Context, name string) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 5 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 10 * time.Millisecond, NonRetryableErrorTypes: []string{"Fatal"}}})
	return workflow.ExecuteActivity(ctx, name).Get(ctx, nil)
}

func TestNonRetryableFailuresAreNotRetried(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{})
	r := &rejecting{}
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(RejectWorkflow)
	reg.RegisterActivity(r)
	n.startWorker(reg)
	for _, c := range []struct{ activity, errType string }{{"RejectHard", "BadInput"}, {"RejectListed", "Fatal"}} {
		r.calls.Store(0)
		n.start(c.activity, RejectWorkflow, c.activity)
		err := n.result(c.activity, nil)
		var actErr *temporal.ActivityError
		var appErr *temporal.ApplicationError
		if !errors.As(err, &actErr) || actErr.RetryState() != journalpb.RetryState_RETRY_STATE_NON_RETRYABLE_FAILURE ||
			!errors.As(err, &appErr) || appErr.Type() != c.errType {
			t.Fatalf("%s: workflow error %v", c.activity, err)
		}
		if got := r.calls.Load(); got != 1 {
			t.Fatalf("%s ran %d times, want 1", c.activity, got)
		}
		want := "WorkflowExecutionStarted WorkflowTaskCompleted ActivityTaskScheduled ActivityTaskFailed WorkflowTaskCompleted WorkflowExecutionFailed"
		if k := n.kinds(c.activity); k != want {
			t.Fatalf("%s history\n got %s\nwant %s", c.activity, k, want)
		}
	}
}

// described fails its first attempt after a heartbeat, then heartbeats
// and waits to be released.
type described struct{ release chan struct{} }

func (d *described) Described(ctx context.Context) error {
	if activity.GetInfo(ctx).Attempt == 1 {
		activity.RecordHeartbeat(ctx, "first")
		return errors.New("first attempt fails")
	}
	activity.RecordHeartbeat(ctx, "working")
	select {
	case <-d.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func DescribedWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, shortActivity)
	return workflow.ExecuteActivity(ctx, "Described").Get(ctx, nil)
}

func TestDescribeShowsPendingActivitiesAndTimers(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{})
	d := &described{release: make(chan struct{})}
	reg := waitRegistry()
	reg.RegisterWorkflow(DescribedWorkflow)
	reg.RegisterActivity(d)
	n.startWorker(reg)
	ctx := context.Background()

	n.start("d", DescribedWorkflow)
	var pending actor.PendingActivity
	eventually(t, "the second attempt to heartbeat", func() bool {
		desc, err := n.engine.DescribeWorkflow(ctx, "", "d", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(desc.PendingActivities) != 1 {
			return false
		}
		pending = desc.PendingActivities[0]
		return pending.Attempt == 2 && !pending.LastHeartbeatTime.IsZero()
	})
	var details string
	if err := converter.GetDefaultDataConverter().FromPayloads(pending.HeartbeatDetails, &details); err != nil || details != "working" {
		t.Fatalf("heartbeat details %q, %v", details, err)
	}
	if pending.ActivityType != "Described" || !pending.Running || !strings.Contains(pending.LastFailure.GetMessage(), "first attempt fails") {
		t.Fatalf("pending activity %+v", pending)
	}
	close(d.release)
	if err := n.result("d", nil); err != nil {
		t.Fatal(err)
	}

	n.start("w", WaitWorkflow, time.Hour)
	desc, err := n.engine.DescribeWorkflow(ctx, "", "w", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(desc.PendingTimers) != 1 || !desc.PendingTimers[0].FireTime.After(time.Now()) || len(desc.PendingActivities) != 0 {
		t.Fatalf("describe: timers %+v, activities %+v", desc.PendingTimers, desc.PendingActivities)
	}
}

func TestSignalWithStart(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{})
	n.startWorker(waitRegistry())
	ctx := context.Background()
	req := func(id string) *actor.StartWorkflowRequest {
		return &actor.StartWorkflowRequest{WorkflowID: id, WorkflowType: "WaitWorkflow", TaskQueue: "q", Input: payload(t, time.Hour)}
	}

	// No run: the signal is the new run's first input.
	if _, err := n.engine.SignalWithStartWorkflow(ctx, req("new"), "go", payload(t, "first")); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := n.result("new", &got); err != nil || got != "signaled first" {
		t.Fatalf("result %q, %v", got, err)
	}
	if k := n.kinds("new"); !strings.HasPrefix(k, "WorkflowExecutionStarted WorkflowExecutionSignaled WorkflowTaskCompleted") {
		t.Fatalf("history %s", k)
	}

	// An open run: it is only signaled.
	runID := n.start("open", WaitWorkflow, time.Hour)
	if again, err := n.engine.SignalWithStartWorkflow(ctx, req("open"), "go", payload(t, "later")); err != nil || again != runID {
		t.Fatalf("signal-with-start on an open run gave %s, %v; want %s", again, err, runID)
	}
	if err := n.result("open", &got); err != nil || got != "signaled later" {
		t.Fatalf("result %q, %v", got, err)
	}

	// The conflict policy FAIL is refused, and changes nothing.
	runID = n.start("conflict", WaitWorkflow, time.Hour)
	failing := req("conflict")
	failing.IDConflictPolicy = journalpb.WorkflowIdConflictPolicy_WORKFLOW_ID_CONFLICT_POLICY_FAIL
	if _, err := n.engine.SignalWithStartWorkflow(ctx, failing, "go", payload(t, "refused")); err == nil || !strings.Contains(err.Error(), "conflict policy") {
		t.Fatalf("signal-with-start with the FAIL conflict policy: %v", err)
	}
	if k := n.kinds("conflict"); strings.Contains(k, "Signaled") {
		t.Fatalf("a refused signal-with-start was recorded: %s", k)
	}
	// TERMINATE_EXISTING ends the open run and starts a new one with the signal.
	replacing := req("conflict")
	replacing.IDConflictPolicy = journalpb.WorkflowIdConflictPolicy_WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING
	newRunID, err := n.engine.SignalWithStartWorkflow(ctx, replacing, "go", payload(t, "afresh"))
	if err != nil || newRunID == runID {
		t.Fatalf("signal-with-start with TERMINATE_EXISTING gave run %s (the open run was %s), %v", newRunID, runID, err)
	}
	if ev, err := n.engine.WaitForClose(ctx, "", "conflict", runID); err != nil || ev.GetWorkflowExecutionTerminated() == nil {
		t.Fatalf("the open run closed with %v, %v; want terminated", ev, err)
	}
	if err := n.result("conflict", &got); err != nil || got != "signaled afresh" {
		t.Fatalf("new run's result %q, %v", got, err)
	}
}

func TestRunTimeoutClosesTheRun(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{})
	n.startWorker(waitRegistry())
	ctx := context.Background()
	if _, err := n.engine.StartWorkflow(ctx, &actor.StartWorkflowRequest{WorkflowID: "rt", WorkflowType: "WaitWorkflow",
		TaskQueue: "q", Input: payload(t, time.Hour), WorkflowRunTimeout: 200 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	ev, err := n.engine.WaitForClose(ctx, "", "rt", "")
	if err != nil || ev.GetWorkflowExecutionTimedOut() == nil {
		t.Fatalf("close event %v, %v", ev, err)
	}
	desc, err := n.engine.DescribeWorkflow(ctx, "", "rt", "")
	if err != nil || desc.Meta.GetStatus() != journalpb.WorkflowStatus_WORKFLOW_STATUS_TIMED_OUT || len(desc.PendingTimers) != 0 {
		t.Fatalf("describe %+v, %v", desc, err)
	}
	// The user timer's journal entry went with the close.
	due, _, err := n.journal.DueTimers(ctx, journal.TimerScan{Partition: n.journal.PartitionOf("default", "rt"), Now: time.Now().Add(2 * time.Hour), Limit: 100})
	if err != nil || len(due) != 0 {
		t.Fatalf("timers left after the run closed: %v, %v", due, err)
	}
}

func TestCloseReleasesCallers(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{})
	n.startWorker(waitRegistry())
	n.start("w", WaitWorkflow, time.Hour)
	waited := make(chan error, 1)
	go func() {
		_, err := n.engine.WaitForClose(context.Background(), "", "w", "")
		waited <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the wait reach the workflow actor
	n.close()
	select {
	case err := <-waited:
		if err == nil {
			t.Fatal("WaitForClose returned no error for an open run after Close")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("WaitForClose still blocked after the engine closed")
	}
}

func VersionedV1(ctx workflow.Context) (string, error) {
	workflow.GetSignalChannel(ctx, "go").Receive(ctx, nil)
	return "v1", nil
}

func VersionedV2(ctx workflow.Context) (string, error) {
	workflow.GetSignalChannel(ctx, "go").Receive(ctx, nil)
	return "v2", nil
}

func TestRestartedWorkerRunsItsOwnCode(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{})
	register := func(wf any) *internal.Registry {
		reg := internal.NewRegistry()
		reg.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "Versioned"})
		return reg
	}
	stop, err := n.engine.StartWorker("q", register(VersionedV1), actor.WorkerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := n.engine.StartWorkflow(ctx, &actor.StartWorkflowRequest{WorkflowID: "v", WorkflowType: "Versioned", TaskQueue: "q"}); err != nil {
		t.Fatal(err)
	}
	stop()
	n.startWorker(register(VersionedV2))
	if err := n.engine.SignalWorkflow(ctx, "", "v", "", "go", nil); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := n.result("v", &got); err != nil || got != "v2" {
		t.Fatalf("result %q, %v; want the restarted worker's code to finish the run", got, err)
	}
}

// brokenCode makes FragileWorkflow panic after its signal until a test
// "deploys the fix" by clearing it.
var brokenCode atomic.Bool

func FragileWorkflow(ctx workflow.Context) (string, error) {
	timer := workflow.NewTimer(ctx, 200*time.Millisecond)
	workflow.GetSignalChannel(ctx, "go").Receive(ctx, nil)
	if brokenCode.Load() {
		panic("broken until fixed")
	}
	if err := timer.Get(ctx, nil); err != nil {
		return "", err
	}
	return "done", nil
}

func TestTimerDueDuringTaskFailureFiresAfterRecovery(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{})
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(FragileWorkflow)
	n.startWorker(reg)
	brokenCode.Store(true)
	t.Cleanup(func() { brokenCode.Store(false) })
	n.start("f", FragileWorkflow)
	ctx := context.Background()
	if err := n.engine.SignalWorkflow(ctx, "", "f", "", "go", nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the task to fail", func() bool {
		desc, err := n.engine.DescribeWorkflow(ctx, "", "f", "")
		return err == nil && desc.TaskFailure != nil
	})
	time.Sleep(400 * time.Millisecond) // the timer falls due while the code cannot run
	brokenCode.Store(false)            // the retried task now succeeds
	var got string
	if err := n.result("f", &got); err != nil || got != "done" {
		t.Fatalf("result %q, %v", got, err)
	}
}

func AlwaysFails(ctx context.Context) error { return errors.New("always") }

func CancelRetryWorkflow(ctx workflow.Context) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute, WaitForCancellation: true,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Hour}})
	actCtx, cancel := workflow.WithCancel(ctx)
	f := workflow.ExecuteActivity(actCtx, AlwaysFails)
	workflow.GetSignalChannel(ctx, "stop").Receive(ctx, nil)
	cancel()
	if err := f.Get(ctx, nil); !temporal.IsCanceledError(err) {
		return "", err
	}
	return "canceled", nil
}

func TestCancelActivityWaitingForRetry(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{})
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(CancelRetryWorkflow)
	reg.RegisterActivity(AlwaysFails)
	n.startWorker(reg)
	n.start("cr", CancelRetryWorkflow)
	ctx := context.Background()
	eventually(t, "the first attempt to fail", func() bool { return strings.Contains(n.kinds("cr"), "ActivityTaskAttemptFailed") })
	if err := n.engine.SignalWorkflow(ctx, "", "cr", "", "stop", nil); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := n.result("cr", &got); err != nil || got != "canceled" {
		t.Fatalf("result %q, %v", got, err)
	}
	want := "WorkflowExecutionStarted WorkflowTaskCompleted ActivityTaskScheduled ActivityTaskAttemptFailed " +
		"WorkflowExecutionSignaled WorkflowTaskCompleted ActivityTaskCancelRequested " +
		"ActivityTaskCanceled WorkflowTaskCompleted WorkflowExecutionCompleted"
	if k := n.kinds("cr"); k != want {
		t.Fatalf("history\n got %s\nwant %s", k, want)
	}
	due, _, err := n.journal.DueTimers(ctx, journal.TimerScan{Partition: n.journal.PartitionOf("default", "cr"), Now: time.Now().Add(2 * time.Hour), Limit: 100})
	if err != nil || len(due) != 0 {
		t.Fatalf("retry timer left after cancellation: %v, %v", due, err)
	}
}

// failingJournal is the real journal with one append made to fail on
// demand: the first one that records an activity completion.
type failingJournal struct {
	journal.Journal
	armed atomic.Bool
}

func (j *failingJournal) Append(ctx context.Context, req *journal.AppendRequest) error {
	for _, ev := range req.Events {
		if ev.GetActivityTaskCompleted() != nil && j.armed.CompareAndSwap(true, false) {
			return errors.New("injected append failure")
		}
	}
	return j.Journal.Append(ctx, req)
}

func TestFailedAppendIsRecoveredFromTheJournal(t *testing.T) {
	db, err := journal.Open(t.TempDir(), journal.Options{Partitions: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	j := &failingJournal{Journal: db}
	j.armed.Store(true)
	e, err := actor.NewEngine(j, actor.EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(SequenceWorkflow)
	reg.RegisterActivity(Greet)
	if _, err := e.StartWorker("q", reg, actor.WorkerOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	input, _ := converter.GetDefaultDataConverter().ToPayloads("bo")
	if _, err := e.StartWorkflow(ctx, &actor.StartWorkflowRequest{WorkflowID: "s", WorkflowType: "SequenceWorkflow", TaskQueue: "q", Input: input}); err != nil {
		t.Fatal(err)
	}
	ev, err := e.WaitForClose(ctx, "", "s", "")
	if err != nil || ev.GetWorkflowExecutionCompleted() == nil {
		t.Fatalf("close event %v, %v", ev, err)
	}
	if j.armed.Load() {
		t.Fatal("the injected failure never happened")
	}
	history, err := e.GetHistory(ctx, "", "s", "")
	if err != nil {
		t.Fatal(err)
	}
	completed := 0
	for _, ev := range history {
		if ev.GetActivityTaskCompleted() != nil {
			completed++
		}
	}
	if completed != 3 {
		t.Fatalf("%d activity completions recorded, want 3", completed)
	}
}
