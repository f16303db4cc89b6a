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

	"github.com/grainflow/grainflow/actor"
	"github.com/grainflow/grainflow/journal"
	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/sdk/activity"
	"github.com/grainflow/grainflow/sdk/converter"
	internal "github.com/grainflow/grainflow/sdk/internalbindings"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// testNode is an engine over a real Pebble journal in a temp dir.
type testNode struct {
	t       *testing.T
	dir     string
	journal *journal.DB
	engine  *actor.Engine
}

func newNode(t *testing.T, dir string, opts actor.EngineOptions) *testNode {
	t.Helper()
	j, err := journal.Open(dir, journal.Options{Partitions: 4})
	if err != nil {
		t.Fatal(err)
	}
	e, err := actor.NewEngine(j, opts)
	if err != nil {
		t.Fatal(err)
	}
	n := &testNode{t: t, dir: dir, journal: j, engine: e}
	t.Cleanup(n.close)
	return n
}

func (n *testNode) close() {
	if n.engine != nil {
		_ = n.engine.Close()
		_ = n.journal.Close()
		n.engine = nil
	}
}

func (n *testNode) startWorker(reg *internal.Registry) {
	n.t.Helper()
	if _, err := n.engine.StartWorker("q", reg, actor.WorkerOptions{MaxConcurrentActivityExecutionSize: 8}); err != nil {
		n.t.Fatal(err)
	}
}

func (n *testNode) start(id string, wf any, args ...any) string {
	n.t.Helper()
	input, err := converter.GetDefaultDataConverter().ToPayloads(args...)
	if err != nil {
		n.t.Fatal(err)
	}
	runID, err := n.engine.StartWorkflow(context.Background(), &actor.StartWorkflowRequest{
		WorkflowID: id, WorkflowType: internal.FunctionName(wf), TaskQueue: "q", Input: input})
	if err != nil {
		n.t.Fatalf("start %s: %v", id, err)
	}
	return runID
}

// result waits for the run to close and decodes its result or returns its failure.
func (n *testNode) result(id string, out any) error {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ev, err := n.engine.WaitForClose(ctx, "", id, "")
	if err != nil {
		n.t.Fatalf("wait for %s: %v", id, err)
	}
	switch x := ev.GetAttributes().(type) {
	case *journalpb.Event_WorkflowExecutionCompleted:
		if out != nil {
			return converter.GetDefaultDataConverter().FromPayloads(x.WorkflowExecutionCompleted.GetResult(), out)
		}
		return nil
	case *journalpb.Event_WorkflowExecutionFailed:
		return internal.ConvertFailureToError(x.WorkflowExecutionFailed.GetFailure(), nil)
	default:
		return fmt.Errorf("closed with %T", x)
	}
}

func (n *testNode) kinds(id string) string {
	n.t.Helper()
	events, err := n.engine.GetHistory(context.Background(), "", id, "")
	if err != nil {
		n.t.Fatal(err)
	}
	var kinds []string
	for i, ev := range events {
		if ev.GetEventId() != int64(i+1) {
			n.t.Fatalf("event %d has ID %d", i+1, ev.GetEventId())
		}
		k := fmt.Sprintf("%T", ev.GetAttributes())
		kinds = append(kinds, strings.TrimPrefix(k, "*journalpb.Event_"))
	}
	return strings.Join(kinds, " ")
}

// waitPassivated waits until no workflow actor is in memory.
func (n *testNode) waitPassivated() {
	n.t.Helper()
	eventually(n.t, "workflows to passivate", func() bool { return n.engine.ActiveWorkflows() == 0 })
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var shortActivity = workflow.ActivityOptions{StartToCloseTimeout: 5 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: 10 * time.Millisecond, MaximumAttempts: 5}}

func Greet(ctx context.Context, name string) (string, error) { return "hello " + name, nil }

func SequenceWorkflow(ctx workflow.Context, name string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, shortActivity)
	var out []string
	for i := range 3 {
		var s string
		if err := workflow.ExecuteActivity(ctx, Greet, fmt.Sprintf("%s-%d", name, i)).Get(ctx, &s); err != nil {
			return "", err
		}
		out = append(out, s)
	}
	return strings.Join(out, ","), nil
}

func TestSequentialActivities(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{})
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(SequenceWorkflow)
	reg.RegisterActivity(Greet)
	n.startWorker(reg)
	n.start("seq", SequenceWorkflow, "ann")
	var got string
	if err := n.result("seq", &got); err != nil {
		t.Fatal(err)
	}
	if got != "hello ann-0,hello ann-1,hello ann-2" {
		t.Fatalf("result %q", got)
	}
	want := "WorkflowExecutionStarted WorkflowTaskCompleted ActivityTaskScheduled " +
		"ActivityTaskCompleted WorkflowTaskCompleted ActivityTaskScheduled " +
		"ActivityTaskCompleted WorkflowTaskCompleted ActivityTaskScheduled " +
		"ActivityTaskCompleted WorkflowTaskCompleted WorkflowExecutionCompleted"
	if k := n.kinds("seq"); k != want {
		t.Fatalf("history\n got %s\nwant %s", k, want)
	}
}

type flaky struct {
	calls    atomic.Int32
	failures int32
	attempts []int32
	details  []string
	mu       sync.Mutex
}

func (f *flaky) Flaky(ctx context.Context) (string, error) {
	info := activity.GetInfo(ctx)
	var last string
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &last)
	}
	f.mu.Lock()
	f.attempts = append(f.attempts, info.Attempt)
	f.details = append(f.details, last)
	f.mu.Unlock()
	activity.RecordHeartbeat(ctx, fmt.Sprintf("progress-%d", info.Attempt))
	if f.calls.Add(1) <= f.failures {
		return "", errors.New("transient")
	}
	return "ok", nil
}

func FlakyWorkflow(ctx workflow.Context) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, shortActivity)
	var s string
	err := workflow.ExecuteActivity(ctx, "Flaky").Get(ctx, &s)
	return s, err
}

func TestRetriesCarryAttemptAndHeartbeat(t *testing.T) {
	n := newNode(t, t.TempDir(), actor.EngineOptions{})
	f := &flaky{failures: 2}
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(FlakyWorkflow)
	reg.RegisterActivity(f)
	n.startWorker(reg)
	n.start("flaky", FlakyWorkflow)
	var got string
	if err := n.result("flaky", &got); err != nil || got != "ok" {
		t.Fatalf("result %q, %v", got, err)
	}
	if fmt.Sprint(f.attempts) != "[1 2 3]" || fmt.Sprint(f.details) != "[ progress-1 progress-2]" {
		t.Fatalf("attempts %v, heartbeat details seen %q", f.attempts, f.details)
	}
	want := "WorkflowExecutionStarted WorkflowTaskCompleted ActivityTaskScheduled " +
		"ActivityTaskAttemptFailed ActivityTaskAttemptFailed ActivityTaskCompleted WorkflowTaskCompleted WorkflowExecutionCompleted"
	if k := n.kinds("flaky"); k != want {
		t.Fatalf("history\n got %s\nwant %s", k, want)
	}
}

func (n *testNode) decodeInto(p *journalpb.Payloads, out any) error {
	return converter.GetDefaultDataConverter().FromPayloads(p, out)
}
