package actor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grainflow/grainflow/actor"
	"github.com/grainflow/grainflow/sdk/activity"
	"github.com/grainflow/grainflow/sdk/enums"
	internal "github.com/grainflow/grainflow/sdk/internalbindings"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// lockedBuffer is a log destination that engine goroutines and the test
// can share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// IntrospectingActivity logs an entry and returns its task token.
func IntrospectingActivity(ctx context.Context) (string, error) {
	activity.GetLogger(ctx).Info("activity running")
	return string(activity.GetInfo(ctx).TaskToken), nil
}

func IntrospectingWorkflow(ctx workflow.Context) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	var token string
	err := workflow.ExecuteActivity(ctx, IntrospectingActivity).Get(ctx, &token)
	return token, err
}

// The logger and the task token, which the engine builds only when an
// activity asks, identify the attempt.
func TestActivityLoggerAndTaskToken(t *testing.T) {
	var logs lockedBuffer
	n := newNode(t, t.TempDir(), actor.EngineOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(IntrospectingWorkflow)
	reg.RegisterActivity(IntrospectingActivity)
	n.startWorker(reg)
	n.start("intro", IntrospectingWorkflow)
	var token string
	if err := n.result("intro", &token); err != nil {
		t.Fatal(err)
	}
	const entry = `msg="activity running" workflow_id=intro activity_id=1 activity_type=IntrospectingActivity attempt=1`
	if !strings.Contains(logs.String(), entry) {
		t.Errorf("logs lack %q:\n%s", entry, logs.String())
	}
	var fields struct {
		Namespace, WorkflowID, RunID, TaskQueue string
		ScheduledEventID                        int64
		Attempt                                 int32
	}
	if err := json.Unmarshal([]byte(token), &fields); err != nil {
		t.Fatalf("task token %q: %v", token, err)
	}
	if fields.WorkflowID != "intro" || fields.RunID == "" || fields.TaskQueue != "q" || fields.ScheduledEventID == 0 || fields.Attempt != 1 {
		t.Errorf("task token %q", token)
	}
}

// stubborn's Stubborn activity ignores its context: it returns only once
// release is closed.
type stubborn struct{ release chan struct{} }

func (s *stubborn) Stubborn(context.Context) (string, error) {
	<-s.release
	return "late", nil
}

func QuickActivity(context.Context) (string, error) { return "quick", nil }

// OverrunWorkflow runs an activity that overruns its start-to-close
// timeout, then one more.
func OverrunWorkflow(ctx workflow.Context) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 100 * time.Millisecond,
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1}})
	err := workflow.ExecuteActivity(ctx, "Stubborn").Get(ctx, nil)
	var timeout *temporal.TimeoutError
	if !errors.As(err, &timeout) || timeout.TimeoutType() != enums.TIMEOUT_TYPE_START_TO_CLOSE {
		return "", fmt.Errorf("stubborn activity: %v, want a start-to-close timeout", err)
	}
	var s string
	err = workflow.ExecuteActivity(ctx, QuickActivity).Get(ctx, &s)
	return s, err
}

// An activity that ignores its context is reported at its deadline, the
// slot it holds goes to the next activity (the pool here has one), and
// what it returns when it finally does is dropped.
func TestOverrunningActivityIsReportedAndGivesUpItsSlot(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{})
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(OverrunWorkflow)
	s := &stubborn{release: make(chan struct{})}
	reg.RegisterActivity(s)
	reg.RegisterActivity(QuickActivity)
	if _, err := n.engine.StartWorker("q", reg, actor.WorkerOptions{MaxConcurrentActivityExecutionSize: 1}); err != nil {
		t.Fatal(err)
	}
	n.start("overrun", OverrunWorkflow)
	var result string
	err := n.result("overrun", &result)
	close(s.release) // only now: the quick activity ran while the stubborn one still held its goroutine
	if err != nil || result != "quick" {
		t.Fatalf("result %q, %v; want quick", result, err)
	}
	const want = "WorkflowExecutionStarted WorkflowTaskCompleted ActivityTaskScheduled " +
		"ActivityTaskTimedOut WorkflowTaskCompleted ActivityTaskScheduled " +
		"ActivityTaskCompleted WorkflowTaskCompleted WorkflowExecutionCompleted"
	if got := n.kinds("overrun"); got != want {
		t.Errorf("history:\n  got  %s\n  want %s", got, want)
	}
}

// holdout's Holdout activity ignores its context: it says when it has
// started and returns only once release is closed.
type holdout struct{ started, release chan struct{} }

func (h *holdout) Holdout(context.Context) error {
	close(h.started)
	<-h.release
	return nil
}

// HoldoutWorkflow runs Holdout with a deadline far away.
func HoldoutWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Hour})
	return workflow.ExecuteActivity(ctx, "Holdout").Get(ctx, nil)
}

// Stopping a worker ends its attempts' contexts. One whose function
// ignores that is given up on after the overrun grace, like one past its
// deadline, so the stop does not wait out the worker's stop timeout for a
// function that may never return.
func TestStoppingWorkerGivesUpOnActivityIgnoringItsContext(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{})
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(HoldoutWorkflow)
	h := &holdout{started: make(chan struct{}), release: make(chan struct{})}
	reg.RegisterActivity(h)
	const stopTimeout = 20 * time.Second
	stop, err := n.engine.StartWorker("q", reg, actor.WorkerOptions{StopTimeout: stopTimeout})
	if err != nil {
		t.Fatal(err)
	}
	defer close(h.release)
	n.start("holdout", HoldoutWorkflow)
	select {
	case <-h.started:
	case <-time.After(10 * time.Second):
		t.Fatal("the activity did not start")
	}
	begun := time.Now()
	stop()
	if took := time.Since(begun); took >= stopTimeout/2 {
		t.Fatalf("stopping the worker took %v: it waited for the function instead of giving up on it", took)
	}
}
