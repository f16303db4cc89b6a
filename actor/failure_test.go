package actor_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grainflow/grainflow/actor"
	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/sdk/activity"
	internal "github.com/grainflow/grainflow/sdk/internalbindings"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/workflow"
)

func PanickingWorkflow(ctx workflow.Context) error {
	workflow.GetSignalChannel(ctx, "go").Receive(ctx, nil)
	panic("bad code")
}

// describeAfterGo starts wf as id on a new node with opts and a worker,
// sends it the "go" signal (a failing task runs then) and describes it.
func describeAfterGo(t *testing.T, opts actor.EngineOptions, id string, wf any) (*testNode, *actor.WorkflowDescription) {
	t.Helper()
	n := newNode(t, t.TempDir(), opts)
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(wf)
	n.startWorker(reg)
	n.start(id, wf)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.engine.SignalWorkflow(ctx, "", id, "", "go", nil); err != nil {
		t.Fatal(err)
	}
	desc, err := n.engine.DescribeWorkflow(ctx, "", id, "")
	if err != nil {
		t.Fatal(err)
	}
	return n, desc
}

func TestWorkflowPanicBlocksByDefault(t *testing.T) {
	n, desc := describeAfterGo(t, actor.EngineOptions{}, "p", PanickingWorkflow)
	var panicErr *internal.WorkflowTaskPanicError
	if !errors.As(desc.TaskFailure, &panicErr) || panicErr.Value != "bad code" || !strings.Contains(panicErr.StackTrace, "PanickingWorkflow") {
		t.Fatalf("task failure %v", desc.TaskFailure)
	}
	if desc.Meta.GetStatus() != journalpb.WorkflowStatus_WORKFLOW_STATUS_RUNNING {
		t.Fatalf("status %s, want the workflow kept open", desc.Meta.GetStatus())
	}
	// The node still serves other workflows.
	n.start("p2", PanickingWorkflow)
}

func TestWorkflowPanicFailsWithPolicy(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{})
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(PanickingWorkflow)
	if _, err := n.engine.StartWorker("q", reg, actor.WorkerOptions{FailWorkflowOnPanic: true}); err != nil {
		t.Fatal(err)
	}
	n.start("p", PanickingWorkflow)
	if err := n.engine.SignalWorkflow(context.Background(), "", "p", "", "go", nil); err != nil {
		t.Fatal(err)
	}
	err := n.result("p", nil)
	var panicErr *temporal.PanicError
	if !errors.As(err, &panicErr) || !strings.Contains(panicErr.StackTrace(), "PanickingWorkflow") {
		t.Fatalf("workflow error %v", err)
	}
}

// spinning holds SpinningWorkflow in its busy loop.
var spinning atomic.Bool

// SpinningWorkflow never yields once signaled, while spinning holds: the
// deadlock timeout's case. Released, it blocks in the workflow API again.
func SpinningWorkflow(ctx workflow.Context) error {
	workflow.GetSignalChannel(ctx, "go").Receive(ctx, nil)
	for spinning.Load() {
	}
	workflow.GetSignalChannel(ctx, "never").Receive(ctx, nil)
	return nil
}

// A workflow whose code does not yield fails its task with a
// DeadlockError; its actor goes on answering (describe, terminate), and
// the goroutine left spinning unwinds once the code blocks again (the
// package's leak check).
func TestDeadlockedWorkflowStaysManageable(t *testing.T) {
	spinning.Store(true)
	defer spinning.Store(false)
	n, desc := describeAfterGo(t, actor.EngineOptions{DeadlockTimeout: 100 * time.Millisecond}, "spin", SpinningWorkflow)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var deadlock *internal.DeadlockError
	if !errors.As(desc.TaskFailure, &deadlock) || deadlock.Coroutine != "root" {
		t.Fatalf("task failure %v, want a DeadlockError of the root coroutine", desc.TaskFailure)
	}
	if err := n.engine.TerminateWorkflow(ctx, "", "spin", "", "stuck", nil); err != nil {
		t.Fatal(err)
	}
	closed, err := n.engine.WaitForClose(ctx, "", "spin", "")
	if err != nil || closed.GetWorkflowExecutionTerminated() == nil {
		t.Fatalf("closed with %v (%v), want terminated", closed, err)
	}
	spinning.Store(false)
	n.close()
}

func SilentActivity(ctx context.Context) error {
	if !activity.HasHeartbeatDetails(ctx) {
		activity.RecordHeartbeat(ctx, "started")
	}
	<-ctx.Done() // stops heartbeating
	return ctx.Err()
}

func HeartbeatWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute, HeartbeatTimeout: 50 * time.Millisecond,
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1}})
	return workflow.ExecuteActivity(ctx, SilentActivity).Get(ctx, nil)
}

func TestHeartbeatTimeout(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{})
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(HeartbeatWorkflow)
	reg.RegisterActivity(SilentActivity)
	n.startWorker(reg)
	n.start("hb", HeartbeatWorkflow)
	err := n.result("hb", nil)
	var timeout *temporal.TimeoutError
	var details string
	if !errors.As(err, &timeout) || timeout.TimeoutType() != temporal.TimeoutTypeHeartbeat {
		t.Fatalf("workflow error %v, want a heartbeat timeout", err)
	}
	if err := timeout.LastHeartbeatDetails(&details); err != nil || details != "started" {
		t.Fatalf("last heartbeat details %q, %v", details, err)
	}
}

func CancelActivityWorkflow(ctx workflow.Context) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute, WaitForCancellation: true})
	actCtx, cancel := workflow.WithCancel(ctx)
	f := workflow.ExecuteActivity(actCtx, Hang)
	workflow.GetSignalChannel(ctx, "stop").Receive(ctx, nil)
	cancel()
	err := f.Get(ctx, nil)
	if temporal.IsCanceledError(err) {
		return "activity canceled", nil
	}
	return "", err
}

func TestActivityCancellation(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{})
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(CancelActivityWorkflow)
	reg.RegisterActivity(Hang)
	n.startWorker(reg)
	n.start("ca", CancelActivityWorkflow)
	if err := n.engine.SignalWorkflow(context.Background(), "", "ca", "", "stop", nil); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := n.result("ca", &got); err != nil || got != "activity canceled" {
		t.Fatalf("result %q, %v", got, err)
	}
	if k := n.kinds("ca"); !strings.Contains(k, "ActivityTaskCancelRequested") || !strings.Contains(k, "ActivityTaskCanceled") {
		t.Fatalf("history %s", k)
	}
}

func Huge(ctx context.Context) (string, error) { return strings.Repeat("x", 4096), nil }

func HugeWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, shortActivity)
	return workflow.ExecuteActivity(ctx, Huge).Get(ctx, nil)
}

func TestOversizeActivityResultFailsTheActivity(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{MaxPayloadBytes: 1024})
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(HugeWorkflow)
	reg.RegisterActivity(Huge)
	n.startWorker(reg)
	n.start("huge", HugeWorkflow)
	err := n.result("huge", nil)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != "PayloadTooLarge" || !appErr.NonRetryable() {
		t.Fatalf("workflow error %v, want a non-retryable PayloadTooLarge", err)
	}
}
