package actor_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/grainflow/grainflow/actor"
	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/sdk/activity"
	"github.com/grainflow/grainflow/sdk/converter"
	internal "github.com/grainflow/grainflow/sdk/internalbindings"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// WaitWorkflow waits for a "go" signal or a timer, whichever comes first,
// and answers the "state" query meanwhile.
func WaitWorkflow(ctx workflow.Context, timeout time.Duration) (string, error) {
	state := "waiting"
	if err := workflow.SetQueryHandler(ctx, "state", func() (string, error) { return state, nil }); err != nil {
		return "", err
	}
	var got string
	timerFired := false
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(workflow.GetSignalChannel(ctx, "go"), func(c workflow.ReceiveChannel, more bool) { c.Receive(ctx, &got) })
	sel.AddFuture(workflow.NewTimer(ctx, timeout), func(workflow.Future) { timerFired = true })
	sel.Select(ctx)
	if timerFired {
		state = "timed out"
	} else {
		state = "signaled " + got
	}
	return state, nil
}

func waitRegistry() *internal.Registry {
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(WaitWorkflow)
	return reg
}

func payload(t *testing.T, v any) *journalpb.Payloads {
	p, err := converter.GetDefaultDataConverter().ToPayloads(v)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPassivatedWorkflowWakesOnSignalAndQuery(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{IdleTimeout: 20 * time.Millisecond})
	n.startWorker(waitRegistry())
	n.start("w", WaitWorkflow, time.Hour)
	n.waitPassivated()
	ctx := context.Background()
	if err := n.engine.SignalWorkflow(ctx, "", "w", "", "go", payload(t, "now")); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := n.result("w", &got); err != nil || got != "signaled now" {
		t.Fatalf("result %q, %v", got, err)
	}
	// A closed, passivated workflow still answers queries by replaying.
	n.waitPassivated()
	res, err := n.engine.QueryWorkflow(ctx, "", "w", "", "state", nil)
	if err != nil {
		t.Fatal(err)
	}
	var state string
	_ = converter.GetDefaultDataConverter().FromPayloads(res, &state)
	if state != "signaled now" {
		t.Fatalf("query after close = %q", state)
	}
}

func TestPassivatedWorkflowWakesOnTimer(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{IdleTimeout: 20 * time.Millisecond})
	n.startWorker(waitRegistry())
	n.start("w", WaitWorkflow, time.Second)
	n.waitPassivated() // the timer, not a live actor, has to wake it
	var got string
	if err := n.result("w", &got); err != nil || got != "timed out" {
		t.Fatalf("result %q, %v", got, err)
	}
	if k := n.kinds("w"); !strings.Contains(k, "TimerStarted") || !strings.Contains(k, "TimerFired") {
		t.Fatalf("history %s", k)
	}
}

// Timers started further out than the ones already waiting leave the
// timer services asleep: none of them is due sooner than what a service
// sleeps for, so none is worth a scan of the index.
func TestLaterTimersDoNotWakeTheTimerService(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{})
	n.startWorker(waitRegistry())
	const workflows = 50
	before := n.engine.Stats().TimerScans
	for i := range workflows {
		n.start(fmt.Sprintf("w-%d", i), WaitWorkflow, time.Hour)
	}
	for i := range workflows {
		id := fmt.Sprintf("w-%d", i)
		eventually(t, id+" to start its timer", func() bool { return strings.Contains(n.kinds(id), "TimerStarted") })
	}
	// Each of the 4 services also scans once a second on its own.
	if scans := n.engine.Stats().TimerScans - before; scans > 20 {
		t.Fatalf("%d scans of the timer index for %d timers an hour out", scans, workflows)
	}
}

// A timer due before the floor of its partition's timer service (the
// first timer the service found, where its next pass starts reading) still
// fires: adding it lowers the floor.
func TestTimerBeforeTheFloorFires(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{})
	n.startWorker(waitRegistry())
	late, soon := "late", ""
	for i := 0; soon == ""; i++ { // another workflow of the same partition
		if id := fmt.Sprintf("soon-%d", i); n.journal.PartitionOf("default", id) == n.journal.PartitionOf("default", late) {
			soon = id
		}
	}
	n.start(late, WaitWorkflow, time.Hour)
	eventually(t, "the late timer", func() bool { return strings.Contains(n.kinds(late), "TimerStarted") })
	time.Sleep(1100 * time.Millisecond) // a pass has found it: the floor is an hour out
	n.start(soon, WaitWorkflow, 50*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := n.engine.WaitForClose(ctx, "", soon, ""); err != nil {
		t.Fatalf("the timer due before the floor did not fire: %v", err)
	}
}

// The result and description of a closed, passivated workflow come from
// the journal: asking for them does not bring the workflow back into
// memory, and the description is the one its actor gave.
func TestClosedPassivatedRunAnswersWithoutActivation(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{IdleTimeout: 20 * time.Millisecond})
	n.startWorker(waitRegistry())
	runID := n.start("w", WaitWorkflow, time.Millisecond)
	var got string
	if err := n.result("w", &got); err != nil || got != "timed out" {
		t.Fatalf("result %q, %v", got, err)
	}
	ctx := context.Background()
	byActor, err := n.engine.DescribeWorkflow(ctx, "", "w", "")
	if err != nil {
		t.Fatal(err)
	}
	n.waitPassivated()
	for _, id := range []string{"", runID} {
		if err := n.result("w", &got); err != nil || got != "timed out" {
			t.Fatalf("result after passivation %q, %v", got, err)
		}
		desc, err := n.engine.DescribeWorkflow(ctx, "", "w", id)
		if err != nil || !proto.Equal(desc.Meta, byActor.Meta) || desc.HistoryLength != byActor.HistoryLength ||
			desc.TaskFailure != nil || len(desc.PendingActivities)+len(desc.PendingTimers) != 0 {
			t.Fatalf("description of run %q after passivation %+v, %v; the actor gave %+v", id, desc, err, byActor)
		}
	}
	if active := n.engine.ActiveWorkflows(); active != 0 {
		t.Fatalf("%d workflows in memory after asking about a closed run", active)
	}
}

func TestTimerFiresAfterRestart(t *testing.T) {
	dir := t.TempDir()
	n := newNode(t, dir, actor.EngineOptions{})
	n.startWorker(waitRegistry())
	n.start("w", WaitWorkflow, 500*time.Millisecond)
	n.close()
	time.Sleep(600 * time.Millisecond) // the timer falls due while the node is down

	n = newNode(t, dir, actor.EngineOptions{})
	n.startWorker(waitRegistry())
	var got string
	if err := n.result("w", &got); err != nil || got != "timed out" {
		t.Fatalf("result %q, %v", got, err)
	}
}

// slowActivities counts executions of each activity call.
type slowActivities struct {
	started, finished atomic.Int32
	release           chan struct{}
}

func (s *slowActivities) Slow(ctx context.Context, i int) (int, error) {
	s.started.Add(1)
	select {
	case <-s.release:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	s.finished.Add(1)
	return i * 10, nil
}

func TwoStepWorkflow(ctx workflow.Context) (int, error) {
	ctx = workflow.WithActivityOptions(ctx, shortActivity)
	sum := 0
	for i := 1; i <= 2; i++ {
		var v int
		if err := workflow.ExecuteActivity(ctx, "Slow", i).Get(ctx, &v); err != nil {
			return 0, err
		}
		sum += v
	}
	return sum, nil
}

func TestUnfinishedActivityRunsAgainAfterRestartCompletedOneDoesNot(t *testing.T) {
	dir := t.TempDir()
	first := &slowActivities{release: make(chan struct{}, 1)}
	first.release <- struct{}{} // step 1 completes, step 2 blocks
	n := newNode(t, dir, actor.EngineOptions{})
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(TwoStepWorkflow)
	reg.RegisterActivity(first)
	n.startWorker(reg)
	n.start("two", TwoStepWorkflow)
	eventually(t, "step 2 to start", func() bool { return first.started.Load() == 2 })
	n.close()

	second := &slowActivities{release: make(chan struct{})}
	close(second.release)
	n = newNode(t, dir, actor.EngineOptions{})
	reg = internal.NewRegistry()
	reg.RegisterWorkflow(TwoStepWorkflow)
	reg.RegisterActivity(second)
	n.startWorker(reg)
	var sum int
	if err := n.result("two", &sum); err != nil || sum != 30 {
		t.Fatalf("result %d, %v", sum, err)
	}
	if got := second.started.Load(); got != 1 {
		t.Fatalf("after restart %d activity executions, want 1 (only the unfinished step)", got)
	}
}

func TestSignalQueryCancelTerminate(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{})
	n.startWorker(waitRegistry())
	ctx := context.Background()

	var nf *actor.NotFoundError
	if err := n.engine.SignalWorkflow(ctx, "", "missing", "", "go", nil); !errors.As(err, &nf) {
		t.Fatalf("signal to a missing workflow: %v", err)
	}

	n.start("c", WaitWorkflow, time.Hour)
	if err := n.engine.CancelWorkflow(ctx, "", "c", "", "test"); err != nil {
		t.Fatal(err)
	}
	// WaitWorkflow ignores cancellation of its selector's timer... the timer
	// future fails with CanceledError, so the selector returns: it completes.
	var got string
	if err := n.result("c", &got); err != nil {
		t.Fatalf("canceled workflow: %v", err)
	}

	n.start("t", WaitWorkflow, time.Hour)
	if err := n.engine.TerminateWorkflow(ctx, "", "t", "", "enough", nil); err != nil {
		t.Fatal(err)
	}
	ev, err := n.engine.WaitForClose(ctx, "", "t", "")
	if err != nil || ev.GetWorkflowExecutionTerminated().GetReason() != "enough" {
		t.Fatalf("terminated close event %v, %v", ev, err)
	}
	if err := n.engine.SignalWorkflow(ctx, "", "t", "", "go", payload(t, "late")); !errors.As(err, &nf) {
		t.Fatalf("signal to a closed run: %v", err)
	}
	desc, err := n.engine.DescribeWorkflow(ctx, "", "t", "")
	if err != nil || desc.Meta.GetStatus() != journalpb.WorkflowStatus_WORKFLOW_STATUS_TERMINATED || len(desc.PendingTimers) != 0 {
		t.Fatalf("describe terminated: %+v, %v", desc, err)
	}
}

// The policies, shortened for the tests below.
const (
	reuseAny        = journalpb.WorkflowIdReusePolicy_WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE
	reuseFailedOnly = journalpb.WorkflowIdReusePolicy_WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY
	reuseNever      = journalpb.WorkflowIdReusePolicy_WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE
	reuseTerminate  = journalpb.WorkflowIdReusePolicy_WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING
	conflictFail    = journalpb.WorkflowIdConflictPolicy_WORKFLOW_ID_CONFLICT_POLICY_FAIL
	conflictUse     = journalpb.WorkflowIdConflictPolicy_WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING
	conflictReplace = journalpb.WorkflowIdConflictPolicy_WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING
)

// idRequest starts WaitWorkflow (waiting an hour for its "go" signal) as
// workflow "id" with the given policies.
func idRequest(t *testing.T, reuse journalpb.WorkflowIdReusePolicy, conflict journalpb.WorkflowIdConflictPolicy) *actor.StartWorkflowRequest {
	return &actor.StartWorkflowRequest{WorkflowID: "id", WorkflowType: "WaitWorkflow", TaskQueue: "q",
		Input: payload(t, time.Hour), IDReusePolicy: reuse, IDConflictPolicy: conflict}
}

func TestIDReuseAndConflictPolicies(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{})
	n.startWorker(waitRegistry())
	ctx := context.Background()
	first, err := n.engine.StartWorkflow(ctx, idRequest(t, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	var started *actor.WorkflowExecutionAlreadyStartedError
	for _, conflict := range []journalpb.WorkflowIdConflictPolicy{0, conflictFail} {
		if _, err := n.engine.StartWorkflow(ctx, idRequest(t, 0, conflict)); !errors.As(err, &started) || started.RunID != first {
			t.Fatalf("second start while open, conflict policy %v: %v", conflict, err)
		}
	}
	if run, err := n.engine.StartWorkflow(ctx, idRequest(t, 0, conflictUse)); err != nil || run != first {
		t.Fatalf("UseExisting gave %s, %v", run, err)
	}
	replaced, err := n.engine.StartWorkflow(ctx, idRequest(t, 0, conflictReplace))
	if err != nil || replaced == first {
		t.Fatalf("TerminateExisting gave %s, %v", replaced, err)
	}
	if ev, _ := n.engine.WaitForClose(ctx, "", "id", first); ev.GetWorkflowExecutionTerminated() == nil {
		t.Fatalf("first run closed with %v, want terminated", ev)
	}
	_ = n.engine.SignalWorkflow(ctx, "", "id", "", "go", payload(t, "x"))
	if _, err := n.engine.WaitForClose(ctx, "", "id", replaced); err != nil {
		t.Fatal(err)
	}
	if _, err := n.engine.StartWorkflow(ctx, idRequest(t, reuseNever, 0)); !errors.As(err, &started) || started.RunID != replaced {
		t.Fatalf("RejectDuplicate: %v", err)
	}
	if _, err := n.engine.StartWorkflow(ctx, idRequest(t, reuseFailedOnly, 0)); !errors.As(err, &started) {
		t.Fatalf("AllowDuplicateFailedOnly after a completed run: %v", err)
	}
	third, err := n.engine.StartWorkflow(ctx, idRequest(t, reuseAny, 0))
	if err != nil {
		t.Fatalf("AllowDuplicate: %v", err)
	}
	if err := n.engine.TerminateWorkflow(ctx, "", "id", "", "make it a failed run", nil); err != nil {
		t.Fatal(err)
	}
	if fourth, err := n.engine.StartWorkflow(ctx, idRequest(t, reuseFailedOnly, 0)); err != nil || fourth == third {
		t.Fatalf("AllowDuplicateFailedOnly after a terminated run gave %s, %v", fourth, err)
	}
}

func TestTerminateIfRunningReusePolicy(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{})
	n.startWorker(waitRegistry())
	ctx := context.Background()
	first, err := n.engine.StartWorkflow(ctx, idRequest(t, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	// Combined with a conflict policy it is refused, and the open run stays.
	if _, err := n.engine.StartWorkflow(ctx, idRequest(t, reuseTerminate, conflictUse)); err == nil ||
		!strings.Contains(err.Error(), "WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING cannot be combined") {
		t.Fatalf("TerminateIfRunning with UseExisting: %v", err)
	}
	if desc, err := n.engine.DescribeWorkflow(ctx, "", "id", ""); err != nil || desc.Meta.GetRunId() != first ||
		desc.Meta.GetStatus() != journalpb.WorkflowStatus_WORKFLOW_STATUS_RUNNING {
		t.Fatalf("refused start changed the workflow: %+v, %v", desc, err)
	}
	// Alone it terminates the open run and starts another...
	second, err := n.engine.StartWorkflow(ctx, idRequest(t, reuseTerminate, 0))
	if err != nil || second == first {
		t.Fatalf("TerminateIfRunning over an open run gave %s, %v", second, err)
	}
	if ev, _ := n.engine.WaitForClose(ctx, "", "id", first); ev.GetWorkflowExecutionTerminated() == nil {
		t.Fatalf("first run closed with %v, want terminated", ev)
	}
	// ...and with no open run it allows the ID's reuse.
	_ = n.engine.SignalWorkflow(ctx, "", "id", "", "go", payload(t, "x"))
	if ev, _ := n.engine.WaitForClose(ctx, "", "id", second); ev.GetWorkflowExecutionCompleted() == nil {
		t.Fatalf("second run closed with %v, want completed", ev)
	}
	if third, err := n.engine.StartWorkflow(ctx, idRequest(t, reuseTerminate, 0)); err != nil || third == second {
		t.Fatalf("TerminateIfRunning after a completed run gave %s, %v", third, err)
	}
}

func TestBadStartsWriteNothing(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{MaxPayloadBytes: 1024})
	n.startWorker(waitRegistry())
	ctx := context.Background()
	var unknown *internal.UnknownTypeError
	_, err := n.engine.StartWorkflow(ctx, &actor.StartWorkflowRequest{WorkflowID: "u", WorkflowType: "NoSuchWorkflow", TaskQueue: "q"})
	if !errors.As(err, &unknown) {
		t.Fatalf("unknown type: %v", err)
	}
	var tooLarge *actor.PayloadTooLargeError
	_, err = n.engine.StartWorkflow(ctx, &actor.StartWorkflowRequest{WorkflowID: "big", WorkflowType: "WaitWorkflow", TaskQueue: "q",
		Input: payload(t, strings.Repeat("x", 2048))})
	if !errors.As(err, &tooLarge) {
		t.Fatalf("oversize input: %v", err)
	}
	for _, req := range []*actor.StartWorkflowRequest{idRequest(t, 9, 0), idRequest(t, 0, 9)} {
		if _, err := n.engine.StartWorkflow(ctx, req); err == nil || !strings.Contains(err.Error(), "unknown workflow ID") {
			t.Fatalf("policies %v and %v: %v", req.IDReusePolicy, req.IDConflictPolicy, err)
		}
	}
	list, err := n.engine.ListWorkflows(ctx, "", "", 0)
	if err != nil || len(list) != 0 {
		t.Fatalf("bad starts left workflows behind: %v, %v", list, err)
	}
}

func ChangingWorkflowV1(ctx workflow.Context) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, shortActivity)
	var s string
	if err := workflow.ExecuteActivity(ctx, "Greet", "a").Get(ctx, &s); err != nil {
		return "", err
	}
	workflow.GetSignalChannel(ctx, "go").Receive(ctx, nil)
	return s, nil
}

// ChangingWorkflowV2 schedules a different activity first: not replayable
// over V1's history.
func ChangingWorkflowV2(ctx workflow.Context) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, shortActivity)
	var s string
	if err := workflow.ExecuteActivity(ctx, "Other", "a").Get(ctx, &s); err != nil {
		return "", err
	}
	return s, nil
}

func TestNonDeterminismBlocksAndResumesAfterFix(t *testing.T) {
	dir := t.TempDir()
	register := func(wf any) *internal.Registry {
		reg := internal.NewRegistry()
		reg.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "Changing"})
		reg.RegisterActivity(Greet)
		reg.RegisterActivityWithOptions(Greet, activity.RegisterOptions{Name: "Other"})
		return reg
	}
	n := newNode(t, dir, actor.EngineOptions{})
	n.startWorker(register(ChangingWorkflowV1))
	ctx := context.Background()
	if _, err := n.engine.StartWorkflow(ctx, &actor.StartWorkflowRequest{WorkflowID: "nd", WorkflowType: "Changing", TaskQueue: "q"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the activity to complete", func() bool { return strings.Contains(n.kinds("nd"), "ActivityTaskCompleted") })
	before := n.kinds("nd")
	n.close()

	// Deploy incompatible code: the workflow blocks, history unchanged.
	n = newNode(t, dir, actor.EngineOptions{})
	n.startWorker(register(ChangingWorkflowV2))
	if err := n.engine.SignalWorkflow(ctx, "", "nd", "", "go", nil); err != nil {
		t.Fatal(err) // signals are still accepted and kept
	}
	desc, err := n.engine.DescribeWorkflow(ctx, "", "nd", "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errString(desc.TaskFailure), "non-deterministic") {
		t.Fatalf("describe shows task failure %v", desc.TaskFailure)
	}
	if after := n.kinds("nd"); after != before+" WorkflowExecutionSignaled" {
		t.Fatalf("history changed beyond the signal:\n%s\n%s", before, after)
	}
	n.close()

	// Fix the code: it resumes and sees the signal.
	n = newNode(t, dir, actor.EngineOptions{})
	n.startWorker(register(ChangingWorkflowV1))
	var got string
	if err := n.result("nd", &got); err != nil || got != "hello a" {
		t.Fatalf("after fix: %q, %v", got, err)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func Hang(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

func TimeoutWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 50 * time.Millisecond,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Millisecond, MaximumAttempts: 2}})
	return workflow.ExecuteActivity(ctx, Hang).Get(ctx, nil)
}

func TestStartToCloseTimeoutRetriesThenFails(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{})
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(TimeoutWorkflow)
	reg.RegisterActivity(Hang)
	n.startWorker(reg)
	n.start("to", TimeoutWorkflow)
	err := n.result("to", nil)
	var timeout *temporal.TimeoutError
	if !errors.As(err, &timeout) || timeout.TimeoutType() != temporal.TimeoutTypeStartToClose {
		t.Fatalf("workflow error %v, want a start-to-close timeout", err)
	}
	if k := n.kinds("to"); !strings.Contains(k, "ActivityTaskAttemptFailed ActivityTaskTimedOut") {
		t.Fatalf("history %s", k)
	}
}

// TestClosedWorkflowLeavesMemorySoon: a run that closed passivates a
// second after its last message instead of after the idle timeout (an hour
// here), and once reloaded
// from the journal it reports nothing pending: its close deleted the timer
// it was waiting on.
func TestClosedWorkflowLeavesMemorySoon(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{IdleTimeout: time.Hour})
	n.startWorker(waitRegistry())
	n.start("w", WaitWorkflow, time.Hour)
	ctx := context.Background()
	if err := n.engine.TerminateWorkflow(ctx, "", "w", "", "done with it", nil); err != nil {
		t.Fatal(err)
	}
	n.waitPassivated()
	desc, err := n.engine.DescribeWorkflow(ctx, "", "w", "")
	if err != nil {
		t.Fatal(err)
	}
	if desc.Meta.GetStatus() != journalpb.WorkflowStatus_WORKFLOW_STATUS_TERMINATED || len(desc.PendingTimers) != 0 || len(desc.PendingActivities) != 0 {
		t.Fatalf("describe after reload: status %s, timers %v, activities %v; want terminated with nothing pending",
			desc.Meta.GetStatus(), desc.PendingTimers, desc.PendingActivities)
	}
}

// panicOnceCalls counts the tasks of PanicOnceWorkflow.
var panicOnceCalls atomic.Int32

// PanicOnceWorkflow's first task panics; the retried one waits for "go".
func PanicOnceWorkflow(ctx workflow.Context) error {
	if panicOnceCalls.Add(1) == 1 {
		panic("first task")
	}
	workflow.GetSignalChannel(ctx, "go").Receive(ctx, nil)
	return nil
}

// TestIdleActorPassivatesOnceItMay: an actor that is idle but may not
// passivate yet (its failed task waits for a retry) passivates once the
// retry has run, instead of staying in memory for good.
func TestIdleActorPassivatesOnceItMay(t *testing.T) {
	panicOnceCalls.Store(0)
	n := newNode(t, t.TempDir(), actor.EngineOptions{IdleTimeout: 20 * time.Millisecond})
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(PanicOnceWorkflow)
	n.startWorker(reg)
	n.start("p", PanicOnceWorkflow)
	eventually(t, "the retried task", func() bool { return panicOnceCalls.Load() >= 2 })
	if f := n.engine.Stats().WorkflowTaskFailures; f != 1 {
		t.Errorf("%d workflow task failures counted, want the one panic", f)
	}
	n.waitPassivated()
	if err := n.engine.SignalWorkflow(context.Background(), "", "p", "", "go", nil); err != nil {
		t.Fatal(err)
	}
	if err := n.result("p", nil); err != nil {
		t.Fatal(err)
	}
}

// CounterWorkflow returns once it has received n "add" signals.
func CounterWorkflow(ctx workflow.Context, n int) (int, error) {
	ch := workflow.GetSignalChannel(ctx, "add")
	for i := 0; i < n; i++ {
		ch.Receive(ctx, nil)
	}
	return n, nil
}

// TestShortIdleTimeoutUnderLoad: with an idle timeout shorter than an
// append, idle checks keep arriving while actors handle signals (under the
// race detector this caught protoactor's receive timeout writing the actor
// context from its timer goroutine), and actors passivate and reactivate
// between signals; every signal is still counted once.
func TestShortIdleTimeoutUnderLoad(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{IdleTimeout: time.Millisecond})
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(CounterWorkflow)
	n.startWorker(reg)
	const workflows, signals = 8, 30
	for i := range workflows {
		n.start(fmt.Sprint("c", i), CounterWorkflow, signals)
	}
	var wg sync.WaitGroup
	errs := make(chan error, workflows)
	for i := range workflows {
		wg.Go(func() {
			for range signals {
				if err := n.engine.SignalWorkflow(context.Background(), "", fmt.Sprint("c", i), "", "add", nil); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i := range workflows {
		id := fmt.Sprint("c", i)
		var got int
		if err := n.result(id, &got); err != nil || got != signals {
			t.Fatalf("%s: result %d, %v", id, got, err)
		}
		if k := n.kinds(id); strings.Count(k, "WorkflowExecutionSignaled") != signals {
			t.Fatalf("%s: history %s", id, k)
		}
	}
}

// TestGoneCloseWaiterDoesNotPinTheWorkflow: a caller that stopped waiting
// for the close (its context ended) no longer keeps the workflow in memory.
func TestGoneCloseWaiterDoesNotPinTheWorkflow(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{IdleTimeout: 20 * time.Millisecond})
	n.startWorker(waitRegistry())
	n.start("w", WaitWorkflow, time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := n.engine.WaitForClose(ctx, "", "w", ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait for close: %v, want the deadline", err)
	}
	n.waitPassivated()
}
