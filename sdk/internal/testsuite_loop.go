package internal

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// virtualEvent is something due on the test environment's virtual clock: a
// timer, a delayed callback, an activity retry or a delayed mock result.
type virtualEvent struct {
	at       time.Time
	order    int64 // ties at the same time fire in the order they were added
	fire     func()
	canceled bool
	// wallAt is the wall-clock time at which the event fires if activities
	// are still running then (see TestWorkflowEnvironment.waitForActivities);
	// zero until the loop first waits with the event next.
	wallAt time.Time
}

// virtualQueue holds the virtual events by due time.
type virtualQueue struct {
	events []*virtualEvent
	added  int64
}

// add queues fire to run at time at.
func (q *virtualQueue) add(at time.Time, fire func()) *virtualEvent {
	q.added++
	ev := &virtualEvent{at: at, order: q.added, fire: fire}
	i := sort.Search(len(q.events), func(i int) bool {
		o := q.events[i]
		return o.at.After(at) || (o.at.Equal(at) && o.order > ev.order)
	})
	q.events = append(q.events, nil)
	copy(q.events[i+1:], q.events[i:])
	q.events[i] = ev
	return ev
}

// peek returns the earliest event that is not canceled, or nil, and drops
// the canceled events before it.
func (q *virtualQueue) peek() *virtualEvent {
	for len(q.events) > 0 {
		if ev := q.events[0]; !ev.canceled {
			return ev
		}
		q.events = q.events[1:]
	}
	return nil
}

// pop removes and returns the earliest event that is not canceled, or nil.
func (q *virtualQueue) pop() *virtualEvent {
	for len(q.events) > 0 {
		ev := q.events[0]
		q.events = q.events[1:]
		if !ev.canceled {
			return ev
		}
	}
	return nil
}

// testRun is a workflow run a test environment executes (the workflow
// under test or one of its children): its runtime, its history, and the
// activities, timers and children it has in flight.
type testRun struct {
	env                     *TestWorkflowEnvironment
	id, runID, workflowType string
	started                 *journalpb.WorkflowExecutionStarted
	exec                    *Execution
	history                 []*journalpb.Event
	inputs                  []*journalpb.Event
	closeEvent              *journalpb.Event
	activities              map[int64]*testActivity
	timers                  map[int64]*virtualEvent
	runTimeout              *virtualEvent
	blockedReason           string
	lastEventID             int64

	// parent is the run that started this one as a child, and
	// initiatedID the event of the parent that did; children are this
	// run's children still running, by their initiating event.
	parent      *testRun
	initiatedID int64
	closePolicy ParentClosePolicy
	children    map[int64]*testRun

	// updates are the callbacks of accepted updates not yet completed, by ID.
	updates map[string]UpdateCallbacks

	// idUse is the run's entry in the environment's ids; deciding is true
	// while the run carries out the commands of a workflow task.
	idUse    *idRun
	deciding bool
}

// newRun creates a run with the attributes of its WorkflowExecutionStarted
// event, which is pending, and adds it to the environment. started names
// the workflow type and carries the input and the options the run was
// started with; newRun fills in the rest. The run times out at its run
// timeout or at the end of its execution timeout, whichever comes first.
func (e *TestWorkflowEnvironment) newRun(id, runID string, started *journalpb.WorkflowExecutionStarted) *testRun {
	r := &testRun{
		env: e, id: id, runID: runID, workflowType: started.GetWorkflowType(), started: started,
		activities: map[int64]*testActivity{}, timers: map[int64]*virtualEvent{}, children: map[int64]*testRun{},
		updates: map[string]UpdateCallbacks{},
	}
	r.exec = NewExecution(ExecutionOptions{
		Namespace: defaultTestNamespace, WorkflowID: r.id, RunID: r.runID,
		Registry: e.registry, DataConverter: e.dc, Logger: e.logger,
		// A panic fails the workflow, so a test sees it in GetWorkflowError
		// instead of a workflow that is stuck until the code is fixed.
		FailWorkflowOnPanic: true,
		UpdateCompleted:     r.updateCompleted,
		DeadlockTimeout:     e.workerOpts.DeadlockDetectionTimeout,
		Upserted:            e.upserted,
	})
	started.TaskQueue = cmp.Or(started.GetTaskQueue(), defaultTestTaskQueue)
	started.Attempt = max(started.GetAttempt(), 1)                                  // a retry brings its own
	started.FirstExecutionRunId = cmp.Or(started.GetFirstExecutionRunId(), r.runID) // a continued run keeps its chain's
	started.OriginalExecutionRunId = r.runID
	if started.LastCompletionResult == nil {
		started.LastCompletionResult = e.lastResult // a cron child's next run brings its own
	}
	var deadline time.Time
	if d := started.GetWorkflowRunTimeout().AsDuration(); d > 0 {
		deadline = e.now.Add(d)
	}
	if d := started.GetWorkflowExecutionTimeout().AsDuration(); d > 0 {
		// The first run of a chain sets the expiration; its retries, cron
		// runs and continuations keep it, as on a node.
		if started.WorkflowExecutionExpirationTime == nil {
			started.WorkflowExecutionExpirationTime = timestamppb.New(e.now.Add(d))
		}
		expiration := started.GetWorkflowExecutionExpirationTime().AsTime()
		if deadline.IsZero() || expiration.Before(deadline) {
			deadline = expiration
		}
	}
	if !deadline.IsZero() {
		r.runTimeout = e.queue.add(deadline, func() {
			r.addInput(&journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionTimedOut{
				WorkflowExecutionTimedOut: &journalpb.WorkflowExecutionTimedOut{RetryState: journalpb.RetryState_RETRY_STATE_TIMEOUT}}})
		})
	}
	r.addInput(&journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionStarted{WorkflowExecutionStarted: started}})
	e.runs = append(e.runs, r)
	e.setOpen(id, true)
	r.idUse = e.useID(id, r.terminate)
	return r
}

// terminate closes the run as terminated, as the engine does before it
// starts another run with the run's workflow ID. A run that is carrying
// out its own commands (one of them started the other run) closes in its
// next workflow task instead.
func (r *testRun) terminate(reason string) {
	r.addInput(&journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionTerminated{
		WorkflowExecutionTerminated: &journalpb.WorkflowExecutionTerminated{Reason: reason}}})
	if !r.deciding {
		r.decide()
	}
}

// addInput queues an input event for the run's next workflow task; inputs
// for a closed run are dropped, as the engine drops them.
func (r *testRun) addInput(ev *journalpb.Event) {
	if r.closeEvent == nil {
		r.inputs = append(r.inputs, ev)
	}
}

// runLoop runs the workflow to its close or until it cannot go on: it
// decides on queued inputs, waits for running activities, and otherwise
// moves the virtual clock to the next due event.
func (e *TestWorkflowEnvironment) runLoop() {
	defer func() {
		for _, r := range e.runs {
			// Attempts still running when the environment gives up (the
			// test timeout) are canceled, so that they can end.
			for _, act := range r.activities {
				act.abandon()
			}
			r.exec.Close()
		}
	}()
	for e.inLoop() {
		if e.runPosted() {
			continue // what ran may have stopped the environment
		}
		if r := e.runWithInputs(); r != nil {
			r.decide()
			continue
		}
		if e.running > 0 {
			if !e.waitForActivities() {
				e.root.blockedReason = fmt.Sprintf("test timeout: %d activities still running after %v", e.running, e.testTimeout)
				return
			}
			continue
		}
		if e.runPosted() {
			continue
		}
		if !e.fireNext() {
			e.root.blockedReason = "it is blocked with no timer, activity or delayed callback pending (waiting for a signal?)"
			return
		}
	}
}

// fireNext moves the virtual clock to the next due event and fires it; it
// reports false if there is none.
func (e *TestWorkflowEnvironment) fireNext() bool {
	next := e.queue.pop()
	if next == nil {
		return false
	}
	if next.at.After(e.now) {
		e.now = next.at
	}
	next.fire()
	return true
}

// waitForActivities waits, while activities run, until one of them (or
// another goroutine) posts something, or until the next virtual event is
// due by the wall clock, as in Temporal's test environment: while an
// activity runs, time is not skipped, but a timer (or delayed callback,
// retry backoff or mock delay) still fires once its duration has passed in
// real time, measured from when the loop first waited with it next. The
// virtual clock then jumps to the event's time and the event fires. It
// reports false when nothing happened for the test timeout.
func (e *TestWorkflowEnvironment) waitForActivities() bool {
	timeout := time.NewTimer(e.testTimeout)
	defer timeout.Stop()
	var due <-chan time.Time
	if next := e.queue.peek(); next != nil {
		wallAt := time.Now().Add(next.at.Sub(e.now))
		if next.wallAt.IsZero() || wallAt.Before(next.wallAt) {
			next.wallAt = wallAt
		}
		wait := time.NewTimer(time.Until(next.wallAt))
		defer wait.Stop()
		due = wait.C
	}
	select {
	case <-e.notify:
	case <-due:
		e.fireNext()
	case <-timeout.C:
		return false
	}
	return true
}

// runWithInputs returns the first run, in order of creation, with inputs
// queued, or nil.
func (e *TestWorkflowEnvironment) runWithInputs() *testRun {
	for _, r := range e.runs {
		if len(r.inputs) > 0 {
			return r
		}
	}
	return nil
}

// decide runs a workflow task on the run's queued inputs and carries out
// the commands it produced.
func (r *testRun) decide() {
	e := r.env
	inputs := r.inputs
	r.inputs = nil
	ts := timestamppb.New(e.now)
	for _, ev := range inputs {
		r.lastEventID++
		ev.EventId, ev.Time = r.lastEventID, ts
	}
	r.history = append(r.history, inputs...)
	out, err := r.exec.Decide(inputs, e.now)
	if err != nil {
		e.err = fmt.Errorf("workflow task failed: %w", err)
		return
	}
	for _, ev := range inputs {
		if isCloseEvent(ev) {
			r.closed(ev)
			return
		}
	}
	r.history = append(r.history, out...)
	r.lastEventID += int64(len(out))
	r.deciding = true
	for _, ev := range out {
		r.apply(ev)
	}
	r.deciding = false
}

// apply carries out one command event.
func (r *testRun) apply(ev *journalpb.Event) {
	e := r.env
	switch x := ev.GetAttributes().(type) {
	case *journalpb.Event_ActivityTaskScheduled:
		scheduled := proto.Clone(x.ActivityTaskScheduled).(*journalpb.ActivityTaskScheduled)
		scheduled.RetryPolicy = testRetryPolicy(scheduled.GetRetryPolicy())
		act := &testActivity{run: r, eventID: ev.GetEventId(), scheduled: scheduled, scheduledTime: e.now, attempt: 1}
		r.activities[act.eventID] = act
		act.start()
	case *journalpb.Event_ActivityTaskCancelRequested:
		if act := r.activities[x.ActivityTaskCancelRequested.GetScheduledEventId()]; act != nil {
			act.cancel()
		}
	case *journalpb.Event_TimerStarted:
		t := x.TimerStarted
		id, d := t.GetTimerId(), t.GetStartToFireTimeout().AsDuration()
		startedID := ev.GetEventId()
		r.timers[startedID] = e.queue.add(e.now.Add(d), func() {
			delete(r.timers, startedID)
			if e.listeners.timerFired != nil {
				e.listeners.timerFired(id)
			}
			r.addInput(&journalpb.Event{Attributes: &journalpb.Event_TimerFired{TimerFired: &journalpb.TimerFired{TimerId: id, StartedEventId: startedID}}})
		})
		if e.listeners.timerScheduled != nil {
			e.listeners.timerScheduled(id, d)
		}
	case *journalpb.Event_StartChildWorkflowExecutionInitiated:
		r.startChild(ev.GetEventId(), x.StartChildWorkflowExecutionInitiated)
	case *journalpb.Event_SignalExternalWorkflowExecutionInitiated:
		r.signalExternal(ev.GetEventId(), x.SignalExternalWorkflowExecutionInitiated)
	case *journalpb.Event_RequestCancelExternalWorkflowExecutionInitiated:
		r.cancelExternal(ev.GetEventId(), x.RequestCancelExternalWorkflowExecutionInitiated)
	case *journalpb.Event_TimerCanceled:
		if t := r.timers[x.TimerCanceled.GetStartedEventId()]; t != nil {
			t.canceled = true
			delete(r.timers, x.TimerCanceled.GetStartedEventId())
			if e.listeners.timerCanceled != nil {
				e.listeners.timerCanceled(x.TimerCanceled.GetTimerId())
			}
		}
	default:
		if isCloseEvent(ev) {
			r.closed(ev)
		}
	}
}

// defaultTestMaximumAttempts bounds the attempts of an activity whose retry
// policy sets no maximum, as in Temporal's test environment: with the
// backoff on the virtual clock, unlimited retries would spin.
const defaultTestMaximumAttempts = 10

// testRetryPolicy returns the retry policy the test environment applies to
// an activity scheduled with policy p (nil when the options carry none).
// As Temporal's test environment does, it fills what p leaves unset: an
// initial interval of 1 s, a maximum interval equal to the initial
// interval, a backoff coefficient of 2 and at most 10 attempts. What p sets
// is kept.
func testRetryPolicy(p *journalpb.RetryPolicy) *journalpb.RetryPolicy {
	if p == nil {
		p = &journalpb.RetryPolicy{}
	} else {
		p = proto.Clone(p).(*journalpb.RetryPolicy)
	}
	if p.GetInitialInterval().AsDuration() <= 0 {
		p.InitialInterval = durationpb.New(time.Second)
	}
	if p.GetMaximumInterval().AsDuration() <= 0 {
		p.MaximumInterval = p.InitialInterval
	}
	if p.GetBackoffCoefficient() == 0 {
		p.BackoffCoefficient = 2
	}
	if p.GetMaximumAttempts() == 0 {
		p.MaximumAttempts = defaultTestMaximumAttempts
	}
	return p
}

// closed ends the run: its timers are dropped, its activities canceled and
// its children's close policies applied. A child that continued as new is
// followed by its next run; any other child reports its close to its parent.
func (r *testRun) closed(ev *journalpb.Event) {
	r.closeEvent = ev
	r.idUse.close(ev)
	// Inputs queued by this task's own commands (an activity canceled as the
	// run closed) have no run to go to, as on a node.
	r.inputs = nil
	if r.runTimeout != nil {
		r.runTimeout.canceled = true
	}
	for _, t := range r.timers {
		t.canceled = true
	}
	for _, act := range r.activities {
		act.abandon()
	}
	r.closeChildren()
	r.abandonUpdates()
	if p := r.parent; p != nil {
		delete(p.children, r.initiatedID)
	}
	if can := ev.GetWorkflowExecutionContinuedAsNew(); can != nil && r != r.env.root {
		r.continueAsNew(can)
		return
	}
	r.env.setOpen(r.id, false)
	if r.scheduleRetryRun(ev) || r.scheduleCronRun(ev) {
		return
	}
	if p := r.parent; p != nil {
		p.childClosed(r.initiatedID, r.id, r.runID, r.workflowType, ev)
	}
}

// childClosed gives the run the close of the child it initiated with the
// event initiatedID.
func (r *testRun) childClosed(initiatedID int64, workflowID, runID, workflowType string, closeEvent *journalpb.Event) {
	r.addInput(&journalpb.Event{Attributes: &journalpb.Event_ChildWorkflowExecutionClosed{ChildWorkflowExecutionClosed: &journalpb.ChildWorkflowExecutionClosed{
		InitiatedEventId: initiatedID, WorkflowId: workflowID, RunId: runID, WorkflowType: workflowType, CloseEvent: closeEvent}}})
}

// query runs a query on the run. While the workflow runs, the live runtime
// answers; once ExecuteWorkflow has returned, a fresh runtime replays the
// recorded history and answers, so no goroutine is left behind.
func (r *testRun) query(queryType string, args *journalpb.Payloads) (*journalpb.Payloads, error) {
	if r.exec != nil && !r.exec.Closed() && r.env.inLoop() {
		return r.exec.Query(queryType, args)
	}
	replay := NewExecution(ExecutionOptions{
		Namespace: defaultTestNamespace, WorkflowID: r.id, RunID: r.runID,
		Registry: r.env.registry, DataConverter: r.env.dc,
	})
	defer replay.Close()
	if err := replay.Replay(r.history); err != nil {
		return nil, fmt.Errorf("query %q: replaying the history: %w", queryType, err)
	}
	return replay.Query(queryType, args)
}

// inLoop reports whether ExecuteWorkflow is running.
func (e *TestWorkflowEnvironment) inLoop() bool {
	return e.root != nil && e.root.closeEvent == nil && e.root.blockedReason == "" && e.err == nil
}

// errActivityCanceled is the cause of an attempt's context when the
// workflow canceled the activity, errHeartbeatTimedOut when the attempt
// did not heartbeat within its heartbeat timeout.
var (
	errActivityCanceled  = errors.New("activity canceled by the workflow")
	errHeartbeatTimedOut = errors.New("activity heartbeat timed out")
)

// testActivity is an activity the run scheduled, until it is recorded done.
type testActivity struct {
	run           *testRun
	eventID       int64
	scheduled     *journalpb.ActivityTaskScheduled
	scheduledTime time.Time
	attempt       int32
	heartbeat     *journalpb.Payloads

	// stop cancels the running attempt; retry is the virtual event of the
	// next attempt or of a delayed mock result.
	stop  context.CancelCauseFunc
	retry *virtualEvent
	done  bool
	// failingSince is the wall-clock time of the first failed attempt, if
	// it was retried.
	failingSince time.Time
}

// info is the ActivityInfo of the current attempt.
func (a *testActivity) info(deadline time.Time) ActivityInfo {
	r, s := a.run, a.scheduled
	return ActivityInfo{
		TaskToken:              []byte(r.id + "/" + strconv.FormatInt(a.eventID, 10)),
		WorkflowType:           &WorkflowType{Name: r.workflowType},
		WorkflowNamespace:      defaultTestNamespace,
		Namespace:              defaultTestNamespace,
		WorkflowExecution:      WorkflowExecution{ID: r.id, RunID: r.runID},
		ActivityID:             s.GetActivityId(),
		ActivityType:           ActivityType{Name: s.GetActivityType()},
		TaskQueue:              s.GetTaskQueue(),
		HeartbeatTimeout:       s.GetHeartbeatTimeout().AsDuration(),
		ScheduleToCloseTimeout: s.GetScheduleToCloseTimeout().AsDuration(),
		StartToCloseTimeout:    s.GetStartToCloseTimeout().AsDuration(),
		ScheduledTime:          a.scheduledTime,
		StartedTime:            a.run.env.now,
		Deadline:               deadline,
		Attempt:                a.attempt,
		RetryPolicy:            RetryPolicyFromProto(s.GetRetryPolicy()),
	}
}

// start runs the current attempt on a goroutine. Its context has the
// attempt's start-to-close timeout in wall-clock time, since the activity
// runs for real.
func (a *testActivity) start() {
	e := a.run.env
	ctx, stop := context.WithCancelCause(e.workerOpts.backgroundContext())
	a.stop = stop
	deadline, releaseDeadline := time.Time{}, context.CancelFunc(func() {})
	if stc := a.scheduled.GetStartToCloseTimeout().AsDuration(); stc > 0 {
		deadline = time.Now().Add(stc)
		ctx, releaseDeadline = context.WithDeadline(ctx, deadline)
	}
	info := a.info(deadline)
	// Heartbeats are throttled as Temporal's worker throttles them; only
	// those reported update the details a retry sees.
	heartbeats := newHeartbeatThrottle(heartbeatThrottleInterval(info.HeartbeatTimeout), func(details *journalpb.Payloads) {
		e.post(func() {
			a.heartbeat = details
			if l := e.listeners.activityHeartbeat; l != nil {
				l(&info, NewEncodedValues(details, e.dc))
			}
		})
	})
	env := &ActivityEnvironment{
		Info: info, HeartbeatDetails: a.heartbeat, DataConverter: e.dc, Logger: e.logger,
		Heartbeat: heartbeats.record,
	}
	// An attempt that does not heartbeat within its heartbeat timeout (in
	// wall-clock time) is stopped and times out, as on a node.
	var watchdog *time.Timer
	if hb := info.HeartbeatTimeout; hb > 0 {
		watchdog = time.AfterFunc(hb, func() { stop(errHeartbeatTimedOut) })
		env.Heartbeat = func(details *journalpb.Payloads) {
			watchdog.Reset(hb)
			heartbeats.record(details)
		}
	}
	e.running++
	go func() {
		outcome := e.invokeActivity(ctx, env, a.scheduled.GetInput())
		if watchdog != nil {
			watchdog.Stop()
		}
		cause := context.Cause(ctx)
		heartbeats.close(outcome.err != nil || cause != nil)
		releaseDeadline()
		stop(nil)
		e.post(func() {
			e.running--
			a.attemptDone(&info, outcome, cause)
		})
	}()
}

// activityOutcome is what one attempt produced.
type activityOutcome struct {
	result *journalpb.Payloads
	err    error
	// delay is how long a mock asked to wait, on the virtual clock, before
	// its result is delivered.
	delay time.Duration
}

// attemptDone records an attempt's outcome: completion, cancellation, the
// final failure, or a retry after the policy's backoff on the virtual clock.
func (a *testActivity) attemptDone(info *ActivityInfo, o activityOutcome, cause error) {
	if a.done {
		return
	}
	e := a.run.env
	if o.delay > 0 && cause == nil {
		delayed := o
		delayed.delay = 0
		a.retry = e.queue.add(e.now.Add(o.delay), func() { a.attemptDone(info, delayed, nil) })
		return
	}
	if cause == nil && errors.Is(o.err, ErrResultPending) {
		// Async completion: the activity stays open until the test calls
		// CompleteActivity with its task token. It no longer counts as
		// running, so the virtual clock may move meanwhile (as in Temporal).
		if l := e.listeners.activityCompleted; l != nil {
			l(info, nil, ErrResultPending)
		}
		return
	}
	if l := e.listeners.activityCompleted; l != nil && !errors.Is(cause, errActivityCanceled) {
		l(info, NewEncodedValue(firstPayload(o.result), e.dc), o.err)
	}
	switch {
	case errors.Is(cause, errActivityCanceled):
		a.finish(&journalpb.Event{Attributes: &journalpb.Event_ActivityTaskCanceled{ActivityTaskCanceled: &journalpb.ActivityTaskCanceled{
			ScheduledEventId: a.eventID, Details: a.heartbeat, Attempt: a.attempt}}})
		return
	case o.err == nil:
		a.finish(&journalpb.Event{Attributes: &journalpb.Event_ActivityTaskCompleted{ActivityTaskCompleted: &journalpb.ActivityTaskCompleted{
			ScheduledEventId: a.eventID, Result: o.result, Attempt: a.attempt}}})
		return
	}
	failure := ConvertErrorToFailure(o.err, e.dc)
	switch {
	case errors.Is(cause, errHeartbeatTimedOut):
		failure = ConvertErrorToFailure(NewTimeoutError("activity "+journalpb.TimeoutType_TIMEOUT_TYPE_HEARTBEAT.String(),
			journalpb.TimeoutType_TIMEOUT_TYPE_HEARTBEAT, nil), e.dc)
		failure.GetTimeout().LastHeartbeatDetails = a.heartbeat
	case errors.Is(cause, context.DeadlineExceeded):
		failure = ConvertErrorToFailure(NewTimeoutError("activity "+journalpb.TimeoutType_TIMEOUT_TYPE_START_TO_CLOSE.String(),
			journalpb.TimeoutType_TIMEOUT_TYPE_START_TO_CLOSE, nil), e.dc)
	}
	delay, state := NextRetryDelay(a.scheduled.GetRetryPolicy(), a.attempt, failure)
	if sctc := a.scheduled.GetScheduleToCloseTimeout().AsDuration(); delay >= 0 && sctc > 0 && e.now.Add(delay).After(a.scheduledTime.Add(sctc)) {
		delay, state = -1, journalpb.RetryState_RETRY_STATE_TIMEOUT
	}
	if delay >= 0 && a.retriedTooLong(failure) {
		return
	}
	if delay >= 0 {
		a.retry = e.queue.add(e.now.Add(delay), func() {
			a.retry = nil
			a.attempt++
			a.start()
		})
		return
	}
	if failure.GetTimeout() != nil {
		a.finish(&journalpb.Event{Attributes: &journalpb.Event_ActivityTaskTimedOut{ActivityTaskTimedOut: &journalpb.ActivityTaskTimedOut{
			ScheduledEventId: a.eventID, Failure: failure, RetryState: state, Attempt: a.attempt}}})
		return
	}
	a.finish(&journalpb.Event{Attributes: &journalpb.Event_ActivityTaskFailed{ActivityTaskFailed: &journalpb.ActivityTaskFailed{
		ScheduledEventId: a.eventID, Failure: failure, RetryState: state, Attempt: a.attempt}}})
}

// retriedTooLong is called when a failed attempt is about to be retried.
// It stops the environment, and reports that it did, when the activity has
// been failing for longer than the test timeout in wall-clock time: the
// backoff takes no wall-clock time, but the attempts do, and under a policy
// with unlimited attempts and no schedule-to-close timeout they never end.
func (a *testActivity) retriedTooLong(failure *journalpb.Failure) bool {
	e := a.run.env
	if a.failingSince.IsZero() {
		a.failingSince = time.Now()
		return false
	}
	failing := time.Since(a.failingSince)
	if failing <= e.testTimeout {
		return false
	}
	e.root.blockedReason = fmt.Sprintf("test timeout: activity %s (ID %s) of workflow %s kept failing for %v of wall-clock time "+
		"(%d attempts over %v of virtual time) and would be retried again; last failure: %s",
		a.scheduled.GetActivityType(), a.scheduled.GetActivityId(), a.run.id, failing.Round(time.Millisecond),
		a.attempt, e.now.Sub(a.scheduledTime), failure.GetMessage())
	return true
}

// completeAsync records the outcome the test gave CompleteActivity for the
// activity: its result, its cancellation (err is a *CanceledError), or its
// failure, which is not retried (as in Temporal's test environment).
func (a *testActivity) completeAsync(result *journalpb.Payloads, err error) {
	e := a.run.env
	info := a.info(time.Time{})
	if l := e.listeners.activityCompleted; l != nil {
		l(&info, NewEncodedValue(firstPayload(result), e.dc), err)
	}
	if err == nil {
		a.finish(&journalpb.Event{Attributes: &journalpb.Event_ActivityTaskCompleted{ActivityTaskCompleted: &journalpb.ActivityTaskCompleted{
			ScheduledEventId: a.eventID, Result: result, Attempt: a.attempt}}})
		return
	}
	failure := ConvertErrorToFailure(err, e.dc)
	if c := failure.GetCanceled(); c != nil {
		a.finish(&journalpb.Event{Attributes: &journalpb.Event_ActivityTaskCanceled{ActivityTaskCanceled: &journalpb.ActivityTaskCanceled{
			ScheduledEventId: a.eventID, Details: c.GetDetails(), Attempt: a.attempt}}})
		return
	}
	a.finish(&journalpb.Event{Attributes: &journalpb.Event_ActivityTaskFailed{ActivityTaskFailed: &journalpb.ActivityTaskFailed{
		ScheduledEventId: a.eventID, Failure: failure, RetryState: journalpb.RetryState_RETRY_STATE_UNSPECIFIED, Attempt: a.attempt}}})
}

// finish records the activity's last event as an input of the run.
func (a *testActivity) finish(ev *journalpb.Event) {
	a.done = true
	delete(a.run.activities, a.eventID)
	a.run.addInput(ev)
}

// cancel handles the workflow's request to cancel the activity: a running
// attempt is canceled and reports it; an activity waiting for a retry or a
// delayed mock result is canceled at once.
func (a *testActivity) cancel() {
	if l := a.run.env.listeners.activityCanceled; l != nil {
		info := a.info(time.Time{})
		l(&info)
	}
	if a.retry != nil {
		a.retry.canceled = true
		a.attemptDone(nil, activityOutcome{}, errActivityCanceled)
		return
	}
	a.stop(errActivityCanceled)
}

// abandon stops the activity of a run that closed.
func (a *testActivity) abandon() {
	a.done = true
	if a.retry != nil {
		a.retry.canceled = true
	}
	if a.stop != nil {
		a.stop(errActivityCanceled)
	}
}
