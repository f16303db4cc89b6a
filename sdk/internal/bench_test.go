package internal

import (
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// loopWorkflow runs activity "Step" n times, one after the other.
func loopWorkflow(ctx Context, n int) error {
	ctx = WithActivityOptions(ctx, ActivityOptions{StartToCloseTimeout: time.Minute})
	for range n {
		if err := ExecuteActivity(ctx, "Step").Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

// recordLoop drives loopWorkflow live for n activities and returns its
// history (about 3n events).
func recordLoop(b *testing.B, n int) []*journalpb.Event {
	b.Helper()
	e := NewExecution(ExecutionOptions{Namespace: "default", WorkflowID: "w", RunID: "r", Registry: newTestRegistry(loopWorkflow)})
	defer e.Close()
	dc := GetDefaultDataConverter()
	input, _ := dc.ToPayloads(n)
	now := time.Unix(1_700_000_000, 0)
	var history []*journalpb.Event
	next := &journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionStarted{WorkflowExecutionStarted: &journalpb.WorkflowExecutionStarted{
		WorkflowType: testWorkflowType, TaskQueue: "q", Input: input, Attempt: 1}}}
	for next != nil {
		next.EventId, next.Time = int64(len(history))+1, timestamppb.New(now)
		history = append(history, next)
		out, err := e.Decide([]*journalpb.Event{next}, now)
		if err != nil {
			b.Fatal(err)
		}
		history = append(history, out...)
		next = nil
		for _, ev := range out {
			if ev.GetActivityTaskScheduled() != nil {
				next = &journalpb.Event{Attributes: &journalpb.Event_ActivityTaskCompleted{ActivityTaskCompleted: &journalpb.ActivityTaskCompleted{
					ScheduledEventId: ev.GetEventId(), Attempt: 1}}}
			}
		}
	}
	return history
}

// BenchmarkReplay1000Events rebuilds a workflow from a history of about
// 1,000 events: what re-activating a passivated workflow costs.
func BenchmarkReplay1000Events(b *testing.B) {
	history := recordLoop(b, 333)
	reg := newTestRegistry(loopWorkflow)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		e := NewExecution(ExecutionOptions{Namespace: "default", WorkflowID: "w", RunID: "r", Registry: reg})
		if err := e.Replay(history); err != nil {
			b.Fatal(err)
		}
		e.Close()
	}
	b.ReportMetric(float64(len(history)*b.N)/b.Elapsed().Seconds(), "events/s")
}

// countSignals receives "add" signals forever.
func countSignals(ctx Context) error {
	ch := GetSignalChannel(ctx, "add")
	for n := 0; ; {
		var one int
		ch.Receive(ctx, &one)
		n += one
	}
}

// BenchmarkDecideSignal is the workflow task of one signal to a workflow
// blocked receiving it: deliver, resume the coroutine, receive and decode,
// block again, and return the task-completed event.
func BenchmarkDecideSignal(b *testing.B) {
	e := NewExecution(ExecutionOptions{Namespace: "default", WorkflowID: "w", RunID: "r", Registry: newTestRegistry(countSignals)})
	defer e.Close()
	now := time.Unix(1_700_000_000, 0)
	ts := timestamppb.New(now)
	started := &journalpb.Event{EventId: 1, Time: ts, Attributes: &journalpb.Event_WorkflowExecutionStarted{
		WorkflowExecutionStarted: &journalpb.WorkflowExecutionStarted{WorkflowType: testWorkflowType, TaskQueue: "q", Attempt: 1}}}
	out, err := e.Decide([]*journalpb.Event{started}, now)
	if err != nil {
		b.Fatal(err)
	}
	next := int64(1 + len(out) + 1)
	one, _ := GetDefaultDataConverter().ToPayloads(1)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		signal := &journalpb.Event{EventId: next, Time: ts, Attributes: &journalpb.Event_WorkflowExecutionSignaled{
			WorkflowExecutionSignaled: &journalpb.WorkflowExecutionSignaled{SignalName: "add", Input: one}}}
		out, err := e.Decide([]*journalpb.Event{signal}, now)
		if err != nil {
			b.Fatal(err)
		}
		next += 1 + int64(len(out))
	}
}

// BenchmarkPayloadRoundTrip encodes and decodes a small struct with the
// default converter.
func BenchmarkPayloadRoundTrip(b *testing.B) {
	type order struct {
		ID     string
		Items  []string
		Amount int64
	}
	dc := GetDefaultDataConverter()
	in := order{ID: "order-42", Items: []string{"book", "pen"}, Amount: 1299}
	b.ReportAllocs()
	for range b.N {
		p, err := dc.ToPayloads(in)
		if err != nil {
			b.Fatal(err)
		}
		var out order
		if err := dc.FromPayloads(p, &out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPayloadRoundTripString encodes and decodes a short string, the
// most common argument and result, with the default converter.
func BenchmarkPayloadRoundTripString(b *testing.B) {
	dc := GetDefaultDataConverter()
	b.ReportAllocs()
	for range b.N {
		p, err := dc.ToPayloads("order-42")
		if err != nil {
			b.Fatal(err)
		}
		var out string
		if err := dc.FromPayloads(p, &out); err != nil {
			b.Fatal(err)
		}
	}
}
