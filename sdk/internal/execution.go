package internal

import (
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/visibility"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// ExecutionOptions configure an Execution.
type ExecutionOptions struct {
	// Namespace, WorkflowID and RunID identify the run (see GetInfo).
	Namespace, WorkflowID, RunID string
	// Registry holds the workflow functions. Required.
	Registry *Registry
	// DataConverter encodes arguments, results, signals and queries.
	// Default: GetDefaultDataConverter().
	DataConverter DataConverter
	// Logger receives workflow code's logs (workflow.GetLogger); nothing is
	// logged while replaying. Default: discard.
	Logger Logger
	// DeadlockTimeout is how long workflow code may run without yielding
	// before the task fails with a *DeadlockError. Default: 1s.
	DeadlockTimeout time.Duration
	// FailWorkflowOnPanic turns a panic in workflow code into a failed
	// workflow (a WorkflowExecutionFailed command carrying a PanicError)
	// instead of a failed workflow task (*WorkflowTaskPanicError), which
	// leaves the workflow blocked until the code is fixed.
	FailWorkflowOnPanic bool
	// UpdateCompleted, if set, is told each update handler's return as it
	// happens (not while replaying), with the handler's own result value;
	// the test environment reports it to UpdateCallbacks.Complete.
	UpdateCompleted func(updateID string, result any, err error)
	// Upserted, if set, is told of each call of UpsertTypedSearchAttributes
	// (method "UpsertTypedSearchAttributes", arg the SearchAttributes built
	// from the updates), UpsertSearchAttributes (arg the map) and UpsertMemo
	// (arg the map), valid or not, on the workflow code's goroutine and not
	// while replaying; the test environment answers it from the mocks set
	// with OnUpsert*. A panic in it is a panic of the workflow code.
	Upserted func(method string, arg any)
}

// Execution runs one workflow run's code deterministically. It holds the
// workflow's in-memory state: the coroutines, pending activities and
// timers, signal channels and query handlers.
//
// The owner feeds it history. Replay rebuilds the state from recorded
// events; Decide delivers new input events, runs the code, and returns the
// events to append: a WorkflowTaskCompleted followed by the commands the
// code produced. Any error from Replay or Decide fails the workflow task
// and leaves the Execution unusable: Close it and replay a new one later.
//
// An Execution is not safe for concurrent use; Close it when done so that
// no goroutine of its coroutines is left behind.
type Execution struct {
	opts   ExecutionOptions
	dc     DataConverter
	logger Logger
	d      *dispatcher

	// info is set by the WorkflowExecutionStarted event.
	info    *WorkflowInfo
	rootCtx *cancelCtx

	now       time.Time
	replaying bool
	// readOnly names the handlers running while they must not change the
	// workflow ("query handlers", "update validators"), or is "".
	readOnly string
	// cancelRequested is set by WorkflowExecutionCancelRequested.
	cancelRequested bool

	// lastEventID is the ID of the last event in the history so far.
	lastEventID int64
	// historyBytes is the encoded size of the history's events (the sum of
	// their sizes) but for those in uncounted; historySize adds them when
	// asked, for GetCurrentHistorySize and the continue-as-new suggestion.
	// Like lastEventID the history only changes between workflow tasks.
	historyBytes int64
	// uncounted are the events the last Decide returned, not yet counted in
	// historyBytes. The next Decide counts them, when the owner has
	// recorded them (an owner whose append failed replaces the Execution),
	// so the events of a run's last task are never sized unless asked for.
	uncounted []*journalpb.Event
	// seq is the last command sequence number handed out.
	seq int64
	// pending are input events not yet delivered to the code.
	pending []*journalpb.Event
	// commands are the commands of the workflow task being run.
	commands []*command
	// recordedMarkers are, while a recorded task is replayed, its
	// MarkerRecorded events by sequence number: SideEffect returns their
	// values instead of running its function again.
	recordedMarkers map[int64]*journalpb.MarkerRecorded
	// lastCompletionResult is the previous cron run's result, if any.
	lastCompletionResult *journalpb.Payloads
	// The maps from here to updateHandlers are nil until lazymap.Set adds
	// their first entry.
	//
	// versions are the versions GetVersion chose (or found recorded), by
	// change ID.
	versions map[string]Version
	// mutableValues are the latest values MutableSideEffect returned, by ID.
	mutableValues map[string]*journalpb.Payloads
	// activities and timers in flight, by the event ID of their command.
	activities map[int64]*activityState
	timers     map[int64]*timerState
	// children in flight by the event ID of their start command, and
	// signals and cancel requests to other workflows by their command's.
	children  map[int64]*childState
	externals map[int64]*externalState

	signals       map[string]*channelImpl
	queryHandlers map[string]*queryHandler
	// updateHandlers are the registered update handlers by name, and
	// runningUpdates the accepted updates whose handlers have not returned.
	updateHandlers map[string]*updateHandler
	runningUpdates []*runningUpdate
	// searchAttributes and memo are the run's current ones: those it
	// started with and its upserts.
	searchAttributes map[string]*journalpb.Payload
	memo             map[string]*journalpb.Payload
	channelCount     int

	// closed is set once a close event is part of the history.
	closed bool
	// failure is the error that made the Execution unusable.
	failure error
}

// NewExecution returns an Execution with no history.
func NewExecution(opts ExecutionOptions) *Execution {
	e := &Execution{
		opts:   opts,
		dc:     opts.DataConverter,
		logger: opts.Logger,
		d:      newDispatcher(opts.DeadlockTimeout),
		// The maps of activities, timers, signals and the rest are
		// made on first use: most workflows use few of them.
	}
	if e.dc == nil {
		e.dc = GetDefaultDataConverter()
	}
	if e.logger == nil {
		e.logger = discardLogger{}
	}
	return e
}

// discardLogger drops everything.
type discardLogger struct{}

func (discardLogger) Debug(string, ...any) {}
func (discardLogger) Info(string, ...any)  {}
func (discardLogger) Warn(string, ...any)  {}
func (discardLogger) Error(string, ...any) {}

// NonDeterminismError fails a workflow task when the workflow code does
// not produce the commands recorded in its history: the code changed in a
// way that is not compatible with runs already in progress.
type NonDeterminismError struct {
	// EventID is the ID of the history event where code and history part.
	EventID int64
	// EventType is that event's kind (for example "ActivityTaskScheduled"),
	// or "" when the history ends there.
	EventType string
	// Command describes the command the code produced there, or is "" when
	// the code produced none.
	Command string
	// Message explains the mismatch.
	Message string
}

func (e *NonDeterminismError) Error() string {
	return "non-deterministic workflow code: " + e.Message
}

// WorkflowTaskPanicError fails a workflow task when workflow code panics
// (and FailWorkflowOnPanic is off). The workflow stays open, blocked, until
// fixed code replays it.
type WorkflowTaskPanicError struct {
	// Value is what the code panicked with.
	Value any
	// StackTrace is the panicking coroutine's stack.
	StackTrace string
}

func (e *WorkflowTaskPanicError) Error() string {
	return fmt.Sprintf("workflow code panicked: %v", e.Value)
}

// errExecutionClosed is returned by Decide after the workflow closed.
var errExecutionClosed = errors.New("workflow execution is closed: no more workflow tasks")

// errExecutionStopped is the failure of an Execution after Close.
var errExecutionStopped = errors.New("workflow execution was closed")

// Closed reports whether the history contains a close event (completed,
// failed, canceled, terminated or timed out).
func (e *Execution) Closed() bool { return e.closed }

// Close stops the coroutines of the Execution and waits for their
// goroutines to exit. The Execution cannot be used afterwards.
func (e *Execution) Close() {
	e.d.close()
	if e.failure == nil {
		e.failure = errExecutionStopped
	}
}

// usable returns the error that made the Execution unusable, if any.
func (e *Execution) usable() error {
	if e.failure != nil {
		return fmt.Errorf("workflow execution is unusable after an earlier failure: %w", e.failure)
	}
	return nil
}

// fail makes err the Execution's failure and returns it.
func (e *Execution) fail(err error) error {
	e.failure = err
	return err
}

// Replay rebuilds the workflow's state from recorded history: events with
// consecutive IDs, continuing the history already given (the first call
// starts at event 1). Input events are held until the next
// WorkflowTaskCompleted; then they are delivered, the code runs with Now set
// to that event's time, and the commands it produces must equal the command
// events that follow, or Replay returns a *NonDeterminismError. Inputs after
// the last WorkflowTaskCompleted stay pending for the next Decide.
func (e *Execution) Replay(history []*journalpb.Event) error {
	if err := e.usable(); err != nil {
		return err
	}
	e.replaying = true
	defer func() { e.replaying = false }()
	for i := 0; i < len(history); {
		ev := history[i]
		if err := e.checkNextID(ev); err != nil {
			return e.fail(err)
		}
		switch {
		case ev.GetWorkflowTaskCompleted() != nil:
			end := i + 1
			for end < len(history) && isCommandEvent(history[end]) {
				end++
			}
			if err := e.replayTask(ev, history[i+1:end], eventAt(history, end)); err != nil {
				return e.fail(err)
			}
			i = end
		case isCommandEvent(ev):
			return e.fail(fmt.Errorf("replay: history event %d (%s) is a command but no WorkflowTaskCompleted precedes it",
				ev.GetEventId(), eventKind(ev)))
		default:
			if err := e.acceptInput(ev); err != nil {
				return e.fail(err)
			}
			i++
		}
	}
	return nil
}

// replayTask runs the code for one recorded workflow task and checks its
// commands against the recorded ones. next is the event after them (nil at
// the end of the history), for error messages.
func (e *Execution) replayTask(wtc *journalpb.Event, recorded []*journalpb.Event, next *journalpb.Event) error {
	if e.closed {
		return fmt.Errorf("replay: history event %d (WorkflowTaskCompleted) follows the close of the workflow", wtc.GetEventId())
	}
	for i, ev := range recorded {
		if want := wtc.GetEventId() + int64(i) + 1; ev.GetEventId() != want {
			return fmt.Errorf("history event %d (%s) does not follow event %d: event IDs must be consecutive",
				ev.GetEventId(), eventKind(ev), want-1)
		}
	}
	e.recordedMarkers = make(map[int64]*journalpb.MarkerRecorded)
	for _, ev := range recorded {
		if m := ev.GetMarkerRecorded(); m != nil {
			e.recordedMarkers[m.GetSeq()] = m
		}
	}
	defer func() { e.recordedMarkers = nil }()
	// While the code runs, the history ends before the task, as in Decide.
	cmds, err := e.runTask(wtc.GetTime().AsTime())
	if err != nil {
		return err
	}
	if err := matchCommands(cmds, recorded, wtc.GetEventId(), next); err != nil {
		return err
	}
	e.lastEventID = wtc.GetEventId() + int64(len(recorded))
	e.historyBytes += int64(wtc.SizeVT())
	for _, ev := range recorded {
		e.historyBytes += int64(ev.SizeVT())
	}
	for i, c := range cmds {
		c.record(recorded[i])
	}
	return nil
}

func eventAt(history []*journalpb.Event, i int) *journalpb.Event {
	if i < len(history) {
		return history[i]
	}
	return nil
}

// checkNextID checks that ev continues the history without a gap.
func (e *Execution) checkNextID(ev *journalpb.Event) error {
	if ev.GetEventId() != e.lastEventID+1 {
		return fmt.Errorf("history event %d (%s) does not follow event %d: event IDs must be consecutive",
			ev.GetEventId(), eventKind(ev), e.lastEventID)
	}
	return nil
}

// acceptInput records an input event to deliver with the next task.
func (e *Execution) acceptInput(ev *journalpb.Event) error {
	if e.closed {
		return fmt.Errorf("history event %d (%s) follows the close of the workflow", ev.GetEventId(), eventKind(ev))
	}
	switch ev.GetAttributes().(type) {
	case *journalpb.Event_WorkflowExecutionTerminated, *journalpb.Event_WorkflowExecutionTimedOut:
		e.closed = true
	case nil:
		return fmt.Errorf("history event %d has no attributes", ev.GetEventId())
	}
	e.pending = append(e.pending, ev)
	e.lastEventID = ev.GetEventId()
	e.historyBytes += int64(ev.SizeVT())
	return nil
}

// historySize returns the encoded size of the history so far, counting the
// events not yet counted.
func (e *Execution) historySize() int64 {
	for _, ev := range e.uncounted {
		e.historyBytes += int64(ev.SizeVT())
	}
	clear(e.uncounted)
	e.uncounted = e.uncounted[:0]
	return e.historyBytes
}

// taskCompleted is a WorkflowTaskCompleted event in one allocation instead
// of three (the event, its oneof wrapper and the attributes): every
// workflow task appends one.
type taskCompleted struct {
	event journalpb.Event
	oneof journalpb.Event_WorkflowTaskCompleted
	attrs journalpb.WorkflowTaskCompleted
	// time is the task's time, which its commands share.
	time timestamppb.Timestamp
	// events holds Decide's result when the task has at most one command.
	events [2]*journalpb.Event
}

// Decide delivers inputs (new input events whose IDs continue the history)
// and any inputs still pending from Replay, runs the workflow code with Now
// set to now until every coroutine is blocked, and returns the events to
// append after inputs: a WorkflowTaskCompleted (time now) followed by the
// command events the code produced, in program order, with IDs and times
// set. Decide returns nothing when inputs close the workflow
// (WorkflowExecutionTerminated or TimedOut), and an error when the workflow
// is already closed.
//
// An error fails the workflow task: *NonDeterminismError, *DeadlockError,
// *WorkflowTaskPanicError, *UnknownTypeError, or an error about bad input.
// The Execution is unusable afterwards.
func (e *Execution) Decide(inputs []*journalpb.Event, now time.Time) ([]*journalpb.Event, error) {
	if err := e.usable(); err != nil {
		return nil, err
	}
	if e.closed {
		return nil, errExecutionClosed
	}
	e.historySize() // the previous task's events, recorded by now
	for _, ev := range inputs {
		if isCommandEvent(ev) || ev.GetWorkflowTaskCompleted() != nil {
			return nil, e.fail(fmt.Errorf("Decide: input event %d is a %s, which only the runtime produces",
				ev.GetEventId(), eventKind(ev)))
		}
		if err := e.checkNextID(ev); err != nil {
			return nil, e.fail(err)
		}
		if err := e.acceptInput(ev); err != nil {
			return nil, e.fail(err)
		}
	}
	if e.closed {
		return nil, nil
	}
	cmds, err := e.runTask(now)
	if err != nil {
		return nil, e.fail(err)
	}
	e.lastEventID++
	done := &taskCompleted{}
	done.time.Seconds, done.time.Nanos = now.Unix(), int32(now.Nanosecond()) // as timestamppb.New
	ts := &done.time
	done.oneof.WorkflowTaskCompleted = &done.attrs
	done.event.EventId, done.event.Time, done.event.Attributes = e.lastEventID, ts, &done.oneof
	out := done.events[:1]
	if len(cmds) >= len(done.events) {
		out = make([]*journalpb.Event, 1, 1+len(cmds))
	}
	out[0] = &done.event
	for _, c := range cmds {
		e.lastEventID++
		c.event.EventId = e.lastEventID
		c.event.Time = ts
		c.record(c.event)
		out = append(out, c.event)
	}
	e.uncounted = append(e.uncounted, out...)
	return out, nil
}

// runTask delivers the pending inputs and runs the code until every
// coroutine is blocked (or the workflow function returned), and returns the
// commands produced.
func (e *Execution) runTask(now time.Time) ([]*command, error) {
	e.now = now
	e.commands = nil
	inputs := e.pending
	e.pending = nil
	for _, ev := range inputs {
		if err := e.deliver(ev); err != nil {
			return nil, err
		}
	}
	if e.pending == nil { // delivering accepted no inputs: keep the array
		clear(inputs)
		e.pending = inputs[:0]
	}
	if e.info == nil {
		return nil, errors.New("workflow task without a WorkflowExecutionStarted event")
	}
	if err := e.d.executeUntilAllBlocked(); err != nil {
		return nil, err
	}
	if p := e.d.panicked; p != nil {
		if !e.opts.FailWorkflowOnPanic {
			return nil, &WorkflowTaskPanicError{Value: p.value, StackTrace: p.stackTrace}
		}
		e.addCloseCommand(e.failed(NewPanicError(p.value, p.stackTrace)))
	}
	cmds := e.commands
	e.commands = nil
	return cmds, nil
}

// startWorkflow handles WorkflowExecutionStarted: it finds the workflow
// function, decodes its arguments and creates the root coroutine.
func (e *Execution) startWorkflow(ev *journalpb.Event) error {
	attrs := ev.GetWorkflowExecutionStarted()
	if e.info != nil {
		return fmt.Errorf("history event %d: a second WorkflowExecutionStarted", ev.GetEventId())
	}
	if e.opts.Registry == nil {
		return errors.New("ExecutionOptions.Registry is nil")
	}
	fn, ok := e.opts.Registry.Workflow(attrs.GetWorkflowType())
	if !ok {
		return &UnknownTypeError{Kind: "workflow", Name: attrs.GetWorkflowType(), Known: e.opts.Registry.WorkflowTypes()}
	}
	fnValue := reflect.ValueOf(fn)
	fnType := fnValue.Type()
	first := 0
	if fnType.NumIn() > 0 && fnType.In(0) == contextType {
		first = 1
	}
	args, err := decodeArgs(fnType, first, attrs.GetInput(), e.dc)
	if err != nil {
		return fmt.Errorf("workflow %q: %w", attrs.GetWorkflowType(), err)
	}

	e.lastCompletionResult = attrs.GetLastCompletionResult()
	visibility.Merge(&e.searchAttributes, attrs.GetSearchAttributes())
	visibility.Merge(&e.memo, attrs.GetMemo())
	e.info = &WorkflowInfo{
		WorkflowExecution:        WorkflowExecution{ID: e.opts.WorkflowID, RunID: e.opts.RunID},
		OriginalRunID:            attrs.GetOriginalExecutionRunId(),
		FirstRunID:               attrs.GetFirstExecutionRunId(),
		ContinuedExecutionRunID:  attrs.GetContinuedExecutionRunId(),
		WorkflowType:             WorkflowType{Name: attrs.GetWorkflowType()},
		TaskQueueName:            attrs.GetTaskQueue(),
		WorkflowExecutionTimeout: attrs.GetWorkflowExecutionTimeout().AsDuration(),
		WorkflowRunTimeout:       attrs.GetWorkflowRunTimeout().AsDuration(),
		WorkflowTaskTimeout:      attrs.GetWorkflowTaskTimeout().AsDuration(),
		Namespace:                e.opts.Namespace,
		Attempt:                  max(attrs.GetAttempt(), 1),
		WorkflowStartTime:        ev.GetTime().AsTime(),
		RetryPolicy:              RetryPolicyFromProto(attrs.GetRetryPolicy()),
		CronSchedule:             attrs.GetCronSchedule(),
		e:                        e,
	}
	if parent := attrs.GetParent(); parent != nil {
		e.info.ParentWorkflowNamespace = parent.GetNamespace()
		e.info.ParentWorkflowExecution = &WorkflowExecution{ID: parent.GetWorkflowId(), RunID: parent.GetRunId()}
		if parent.GetRootWorkflowId() != "" { // empty in children recorded before roots were
			e.info.RootWorkflowExecution = &WorkflowExecution{ID: parent.GetRootWorkflowId(), RunID: parent.GetRootRunId()}
		}
	}
	e.visibilityChanged()
	if e.info.OriginalRunID == "" {
		e.info.OriginalRunID = e.opts.RunID
	}
	if e.info.FirstRunID == "" {
		e.info.FirstRunID = e.opts.RunID
	}
	e.rootCtx, _ = newCancelCtx(&valueCtx{Context: baseCtx{}, key: executionKey{}, val: e})
	if first == 1 {
		args = append([]reflect.Value{reflect.ValueOf(Context(e.rootCtx))}, args...)
	}
	e.d.newCoroutine("root", func() {
		var results []reflect.Value
		if fnType.IsVariadic() {
			results = fnValue.CallSlice(args)
		} else {
			results = fnValue.Call(args)
		}
		e.workflowReturned(results)
	})
	return nil
}

// workflowReturned turns the workflow function's return values into the
// close command and stops the coroutines.
func (e *Execution) workflowReturned(results []reflect.Value) {
	e.d.halted = true
	e.warnUnfinishedUpdates()
	var err error
	if n := len(results); n > 0 && results[n-1].Type() == errorType {
		err, _ = results[n-1].Interface().(error)
		results = results[:n-1]
	}
	if err == nil {
		e.addCloseCommand(e.completed(results))
		return
	}
	// Declared only here: errors.As makes them escape to the heap.
	var canceled *CanceledError
	var can *ContinueAsNewError
	switch {
	case errors.As(err, &can):
		e.addCloseCommand(e.continuedAsNew(can))
	case e.cancelRequested && errors.As(err, &canceled):
		e.addCloseCommand(&journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionCanceled{WorkflowExecutionCanceled: &journalpb.WorkflowExecutionCanceled{
			Details: ConvertErrorToFailure(canceled, e.dc).GetCanceled().GetDetails(),
		}}})
	default:
		e.addCloseCommand(e.failed(err))
	}
}

// completed is the close event of a workflow function that returned
// results (its error excluded) and no error; if the result does not
// encode, the workflow fails instead.
func (e *Execution) completed(results []reflect.Value) *journalpb.Event {
	var result *journalpb.Payloads
	if len(results) > 0 {
		var err error
		if result, err = e.dc.ToPayloads(results[0].Interface()); err != nil {
			return e.failed(fmt.Errorf("encoding the workflow result: %w", err))
		}
	}
	return &journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionCompleted{WorkflowExecutionCompleted: &journalpb.WorkflowExecutionCompleted{
		Result: result,
	}}}
}

// failed is the close event of a workflow that failed with err.
func (e *Execution) failed(err error) *journalpb.Event {
	return &journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionFailed{WorkflowExecutionFailed: &journalpb.WorkflowExecutionFailed{
		Failure: ConvertErrorToFailure(err, e.dc),
	}}}
}

// Query runs the handler registered for queryType on the workflow's
// current state, which it must not change, and returns its encoded result.
// The built-in "__stack_trace" query returns where each coroutine is
// blocked. Queries work on closed workflows too.
func (e *Execution) Query(queryType string, args *journalpb.Payloads) (result *journalpb.Payloads, err error) {
	if err := e.usable(); err != nil {
		return nil, err
	}
	if e.info == nil {
		return nil, errors.New("query: the workflow has not started yet")
	}
	if queryType == QueryTypeStackTrace {
		return e.dc.ToPayloads(e.d.stackTraces())
	}
	h, ok := e.queryHandlers[queryType]
	if !ok {
		return nil, fmt.Errorf("unknown query type %q; known query types: %v", queryType, e.knownQueryTypes())
	}
	if p := e.readOnlyCall("query handlers", func() { result, err = h.call(args, e.dc) }); p != nil {
		return nil, fmt.Errorf("query %q: handler panicked: %v", queryType, p)
	}
	if err != nil {
		return nil, fmt.Errorf("query %q: %w", queryType, err)
	}
	return result, nil
}

// readOnlyCall runs fn, a query handler or an update validator, which must
// not change the workflow, and returns what it panicked with, if anything.
// Calls that would change the workflow panic before they do, except for
// taking a command sequence number, which is given back.
func (e *Execution) readOnlyCall(handlers string, fn func()) (panicked any) {
	e.readOnly = handlers
	seq := e.seq
	defer func() {
		e.readOnly = ""
		if panicked = recover(); panicked != nil {
			e.seq = seq
		}
	}()
	fn()
	return nil
}

// readOnlyViolation is the panic of workflow calls that would change the
// workflow when made from a query handler or an update validator.
type readOnlyViolation struct {
	handlers, op string
}

func (v readOnlyViolation) String() string {
	return v.handlers + " must not change the workflow, but one called " + v.op
}

// mustBeInTask panics if op, which changes the workflow, is called from a
// query handler or an update validator.
func (e *Execution) mustBeInTask(op string) {
	if e.readOnly != "" {
		panic(readOnlyViolation{handlers: e.readOnly, op: op})
	}
}
