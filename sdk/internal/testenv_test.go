package internal

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grainflow/grainflow/journal/journalpb"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// This file is the tests' driver: it plays the workflow actor's part,
// numbering input events, calling Decide and keeping the history.

const (
	testWorkflowType = "wf"
	testTaskQueue    = "tq"
)

var testStart = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

type testEnv struct {
	t       *testing.T
	opts    ExecutionOptions
	e       *Execution
	history []*journalpb.Event
	now     time.Time
}

// newTestEnv registers wf as testWorkflowType and returns a driver around a
// new Execution. The test fails if goroutines are left behind.
func newTestEnv(t *testing.T, wf any, configure ...func(*ExecutionOptions)) *testEnv {
	t.Helper()
	checkNoGoroutineLeak(t)
	opts := ExecutionOptions{
		Namespace:       "default",
		WorkflowID:      "wf-id",
		RunID:           "run-1",
		Registry:        newTestRegistry(wf),
		DeadlockTimeout: 30 * time.Second,
	}
	for _, c := range configure {
		c(&opts)
	}
	te := &testEnv{t: t, opts: opts, now: testStart}
	te.e = te.newExecution()
	return te
}

func newTestRegistry(wf any) *Registry {
	r := NewRegistry()
	r.RegisterWorkflowWithOptions(wf, RegisterWorkflowOptions{Name: testWorkflowType})
	return r
}

// newExecution returns an Execution with the env's options, closed when the
// test ends.
func (te *testEnv) newExecution() *Execution {
	e := NewExecution(te.opts)
	te.t.Cleanup(e.Close)
	return e
}

// checkNoGoroutineLeak fails the test if, once the test's cleanups have run,
// more goroutines exist than when it started. Goroutines exit
// asynchronously, so it waits for the count to settle. Coroutine runners
// waiting for their next coroutine are not counted: they end on their own.
func checkNoGoroutineLeak(t *testing.T) {
	working := func() int { return runtime.NumGoroutine() - int(idleRunners.Load()) }
	before := working()
	t.Cleanup(func() {
		deadline := time.Now().Add(10 * time.Second)
		for working() > before && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if n := working(); n > before {
			buf := make([]byte, 1<<20)
			t.Errorf("%d goroutines leaked:\n%s", n-before, buf[:runtime.Stack(buf, true)])
		}
	})
}

// tryDecide numbers inputs as the actor would and runs Decide. On success
// the inputs and the returned events join the history, and the clock moves
// on by a second.
func (te *testEnv) tryDecide(inputs ...*journalpb.Event) ([]*journalpb.Event, error) {
	te.t.Helper()
	for _, in := range inputs {
		in.EventId = int64(len(te.history)) + 1
		in.Time = timestamppb.New(te.now)
		te.history = append(te.history, in)
	}
	out, err := te.e.Decide(inputs, te.now)
	if err != nil {
		return nil, err
	}
	te.history = append(te.history, out...)
	te.now = te.now.Add(time.Second)
	return out, nil
}

// decide is tryDecide that fails the test on error and returns only the
// commands (the events after WorkflowTaskCompleted).
func (te *testEnv) decide(inputs ...*journalpb.Event) []*journalpb.Event {
	te.t.Helper()
	out, err := te.tryDecide(inputs...)
	if err != nil {
		te.t.Fatalf("Decide: %v", err)
	}
	if len(out) == 0 {
		return nil
	}
	wtc := out[0]
	if wtc.GetWorkflowTaskCompleted() == nil || wtc.GetEventId() != int64(len(te.history)-len(out)+1) {
		te.t.Fatalf("Decide returned %s as its first event, want WorkflowTaskCompleted with the next ID", describeEvent(wtc))
	}
	for i, ev := range out {
		if ev.GetEventId() != wtc.GetEventId()+int64(i) || !ev.GetTime().AsTime().Equal(wtc.GetTime().AsTime()) {
			te.t.Fatalf("event %d of Decide has ID %d and time %v, want ID %d and time %v",
				i, ev.GetEventId(), ev.GetTime().AsTime(), wtc.GetEventId()+int64(i), wtc.GetTime().AsTime())
		}
	}
	return out[1:]
}

// start delivers WorkflowExecutionStarted with args and returns the
// commands of the first task.
func (te *testEnv) start(args ...any) []*journalpb.Event {
	te.t.Helper()
	return te.decide(startedEvent(te.t, args...))
}

func startedEvent(t *testing.T, args ...any) *journalpb.Event {
	return &journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionStarted{
		WorkflowExecutionStarted: &journalpb.WorkflowExecutionStarted{
			WorkflowType: testWorkflowType,
			TaskQueue:    testTaskQueue,
			Input:        encode(t, args...),
			Attempt:      1,
		},
	}}
}

func encode(t *testing.T, values ...any) *journalpb.Payloads {
	t.Helper()
	if len(values) == 0 {
		return nil
	}
	p, err := GetDefaultDataConverter().ToPayloads(values...)
	if err != nil {
		t.Fatalf("encoding %v: %v", values, err)
	}
	return p
}

func decode[T any](t *testing.T, p *journalpb.Payloads) T {
	t.Helper()
	var v T
	if err := GetDefaultDataConverter().FromPayloads(p, &v); err != nil {
		t.Fatalf("decoding %v: %v", p, err)
	}
	return v
}

func activityCompleted(t *testing.T, scheduled *journalpb.Event, result any) *journalpb.Event {
	return &journalpb.Event{Attributes: &journalpb.Event_ActivityTaskCompleted{
		ActivityTaskCompleted: &journalpb.ActivityTaskCompleted{ScheduledEventId: scheduled.GetEventId(), Result: encode(t, result), Attempt: 1},
	}}
}

func activityFailed(scheduled *journalpb.Event, err error) *journalpb.Event {
	return &journalpb.Event{Attributes: &journalpb.Event_ActivityTaskFailed{
		ActivityTaskFailed: &journalpb.ActivityTaskFailed{
			ScheduledEventId: scheduled.GetEventId(),
			Failure:          ConvertErrorToFailure(err, GetDefaultDataConverter()),
			RetryState:       journalpb.RetryState_RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED,
			Attempt:          3,
		},
	}}
}

func activityCanceled(scheduled *journalpb.Event) *journalpb.Event {
	return &journalpb.Event{Attributes: &journalpb.Event_ActivityTaskCanceled{
		ActivityTaskCanceled: &journalpb.ActivityTaskCanceled{ScheduledEventId: scheduled.GetEventId()},
	}}
}

func timerFired(started *journalpb.Event) *journalpb.Event {
	return &journalpb.Event{Attributes: &journalpb.Event_TimerFired{
		TimerFired: &journalpb.TimerFired{StartedEventId: started.GetEventId(), TimerId: started.GetTimerStarted().GetTimerId()},
	}}
}

func signaled(t *testing.T, name string, value any) *journalpb.Event {
	return &journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionSignaled{
		WorkflowExecutionSignaled: &journalpb.WorkflowExecutionSignaled{SignalName: name, Input: encode(t, value)},
	}}
}

func cancelRequested() *journalpb.Event {
	return &journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionCancelRequested{
		WorkflowExecutionCancelRequested: &journalpb.WorkflowExecutionCancelRequested{Cause: "test"},
	}}
}

// describe lists events the way error messages name them.
func describe(events []*journalpb.Event) []string {
	out := make([]string, len(events))
	for i, ev := range events {
		out[i] = describeEvent(ev)
	}
	return out
}

func wantCommands(t *testing.T, got []*journalpb.Event, want ...string) {
	t.Helper()
	if g := describe(got); !slices.Equal(g, want) {
		t.Fatalf("commands:\n  got  %s\n  want %s", strings.Join(g, "\n       "), strings.Join(want, "\n       "))
	}
}

func scheduled(seq int64, activityType string) string {
	return fmt.Sprintf("ActivityTaskScheduled(seq=%d, activity_type=%q)", seq, activityType)
}

func timerStarted(seq int64) string {
	return fmt.Sprintf("TimerStarted(seq=%d, timer_id=\"%d\")", seq, seq)
}

// query runs a query on e and decodes its result.
func query[T any](t *testing.T, e *Execution, queryType string, args ...any) T {
	t.Helper()
	p, err := e.Query(queryType, encode(t, args...))
	if err != nil {
		t.Fatalf("query %q: %v", queryType, err)
	}
	return decode[T](t, p)
}

// checkReplayOfEveryTask replays the history up to each workflow task in a
// fresh Execution, runs that task with Decide, and checks that it returns
// exactly the recorded events: replay rebuilds the same state as the live
// run at every point.
func (te *testEnv) checkReplayOfEveryTask() {
	te.t.Helper()
	inputsStart := 0
	for i, ev := range te.history {
		if ev.GetWorkflowTaskCompleted() == nil {
			continue
		}
		end := i + 1
		for end < len(te.history) && isCommandEvent(te.history[end]) {
			end++
		}
		e := te.newExecution()
		if err := e.Replay(te.history[:inputsStart]); err != nil {
			te.t.Fatalf("replaying events 1-%d: %v", inputsStart, err)
		}
		out, err := e.Decide(te.history[inputsStart:i], ev.GetTime().AsTime())
		if err != nil {
			te.t.Fatalf("deciding after replay of events 1-%d: %v", inputsStart, err)
		}
		if recorded := te.history[i:end]; !eventsEqual(out, recorded) {
			te.t.Fatalf("after replay of events 1-%d, Decide returned\n  %s\nbut the live run recorded\n  %s",
				inputsStart, strings.Join(describe(out), "\n  "), strings.Join(describe(recorded), "\n  "))
		}
		e.Close()
		inputsStart = end
	}
}

func eventsEqual(a, b []*journalpb.Event) bool {
	return slices.EqualFunc(a, b, func(x, y *journalpb.Event) bool { return proto.Equal(x, y) })
}

// replayAll replays the whole history in a fresh Execution and checks that
// a following task produces no command.
func (te *testEnv) replayAll() *Execution {
	te.t.Helper()
	e := te.newExecution()
	if err := e.Replay(te.history); err != nil {
		te.t.Fatalf("Replay: %v", err)
	}
	if !e.Closed() {
		out, err := e.Decide(nil, te.now)
		if err != nil {
			te.t.Fatalf("Decide after Replay: %v", err)
		}
		if len(out) != 1 {
			te.t.Fatalf("Decide after a full replay produced commands: %v", describe(out[1:]))
		}
	}
	return e
}
