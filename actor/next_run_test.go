package actor_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/grainflow/grainflow/actor"
	"github.com/grainflow/grainflow/journal"
	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/sdk/converter"
	internal "github.com/grainflow/grainflow/sdk/internalbindings"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// Echoing returns its input once it has a "go" signal.
func Echoing(ctx workflow.Context, s string) (string, error) {
	var suffix string
	workflow.GetSignalChannel(ctx, "go").Receive(ctx, &suffix)
	return s + suffix, nil
}

// TestFollowerStartsAfterACrashBetweenRuns: a run closed by continue-as-new
// whose follower was never started (the node died between the two
// appends) gets its follower, with the carried signal, when the node
// comes back.
func TestFollowerStartsAfterACrashBetweenRuns(t *testing.T) {
	dc := converter.GetDefaultDataConverter()
	input, _ := dc.ToPayloads("next")
	signal, _ := dc.ToPayloads("!")
	now := timestamppb.New(time.Now())
	wake := true
	n := nodeOnJournal(t, &journal.AppendRequest{
		Run: journal.RunKey{Namespace: "default", WorkflowID: "echo", RunID: "old"},
		Events: []*journalpb.Event{
			{EventId: 1, Time: now, Attributes: &journalpb.Event_WorkflowExecutionStarted{WorkflowExecutionStarted: &journalpb.WorkflowExecutionStarted{
				WorkflowType: "Echoing", TaskQueue: "q", Attempt: 1}}},
			{EventId: 2, Time: now, Attributes: &journalpb.Event_WorkflowTaskCompleted{WorkflowTaskCompleted: &journalpb.WorkflowTaskCompleted{}}},
			{EventId: 3, Time: now, Attributes: &journalpb.Event_WorkflowExecutionContinuedAsNew{WorkflowExecutionContinuedAsNew: &journalpb.WorkflowExecutionContinuedAsNew{
				NewExecutionRunId: "new", WorkflowType: "Echoing", TaskQueue: "q", Input: input,
				CarriedSignals: []*journalpb.WorkflowExecutionSignaled{{SignalName: "go", Input: signal}}}}},
		},
		Status: journalpb.WorkflowStatus_WORKFLOW_STATUS_CONTINUED_AS_NEW,
		Wake:   &wake,
	})
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(Echoing)
	n.startWorker(reg)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var closeEvent *journalpb.Event
	eventually(t, "the follower to complete", func() bool {
		var err error
		closeEvent, err = n.engine.WaitForClose(ctx, "", "echo", "new")
		return err == nil
	})
	var got string
	if err := dc.FromPayloads(closeEvent.GetWorkflowExecutionCompleted().GetResult(), &got); err != nil || got != "next!" {
		t.Fatalf("follower result %q, %v; want next! (input plus the carried signal)", got, err)
	}
}

// Greeting returns a greeting at once.
func Greeting(ctx workflow.Context, name string) (string, error) { return "hello " + name, nil }

// TestBackoffTimerRunsTheCodeWhenItFires: the code of a run that waits for
// its backoff runs when the workflow/backoff timer fires, whatever the
// clock says about the start event. The timer is computed from an instant
// taken just before the start event is stamped, so it may fire a moment
// before start time + backoff; a code that then stayed asleep had its timer
// deleted and never ran. Here the gap is an hour, so the test does not
// depend on hitting that moment.
func TestBackoffTimerRunsTheCodeWhenItFires(t *testing.T) {
	dc := converter.GetDefaultDataConverter()
	input, _ := dc.ToPayloads("world")
	run := journal.RunKey{Namespace: "default", WorkflowID: "greet", RunID: "retry"}
	n := nodeOnJournal(t, &journal.AppendRequest{
		Run: run,
		Events: []*journalpb.Event{{EventId: 1, Time: timestamppb.New(time.Now()), Attributes: &journalpb.Event_WorkflowExecutionStarted{
			WorkflowExecutionStarted: &journalpb.WorkflowExecutionStarted{
				WorkflowType: "Greeting", TaskQueue: "q", Attempt: 2, Input: input,
				FirstWorkflowTaskBackoff: durationpb.New(time.Hour)}}}},
		AddTimers: []journal.Timer{{Run: run, ID: "workflow/backoff", FireAt: time.Now()}},
		Status:    journalpb.WorkflowStatus_WORKFLOW_STATUS_RUNNING,
	})
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(Greeting)
	n.startWorker(reg)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	closeEvent, err := n.engine.WaitForClose(ctx, "", "greet", "retry")
	if err != nil {
		t.Fatalf("the run did not close after its backoff timer fired: %v\nhistory: %s", err, n.kinds("greet"))
	}
	var got string
	if err := dc.FromPayloads(closeEvent.GetWorkflowExecutionCompleted().GetResult(), &got); err != nil || got != "hello world" {
		t.Fatalf("result %q, %v; want hello world", got, err)
	}
}

// nodeOnJournal writes req to a new journal, as a node that crashed would
// have left it, and opens a node on it.
func nodeOnJournal(t *testing.T, req *journal.AppendRequest) *testNode {
	t.Helper()
	dir := t.TempDir()
	j, err := journal.Open(dir, journal.Options{Partitions: 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Append(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	return newNode(t, dir, actor.EngineOptions{})
}
