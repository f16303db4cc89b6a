package actor

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strconv"
	"time"

	protoactor "github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/grainflow/grainflow/internal/lazymap"
	"github.com/grainflow/grainflow/journal"
	"github.com/grainflow/grainflow/journal/journalpb"
	internal "github.com/grainflow/grainflow/sdk/internalbindings"
)

// Journal timer IDs. A timer's ID says what it is for.
const (
	userTimerPrefix     = "timer/"
	activityRetryPrefix = "activity/"
	activityRetrySuffix = "/retry"
	workflowTimeoutID   = "workflow/timeout"
	workflowBackoffID   = "workflow/backoff"
)

// Backoff of retrying a failed workflow task (non-determinism, panic,
// deadlock): the code may be fixed by a redeploy.
const (
	firstTaskRetry = time.Second
	maxTaskRetry   = time.Minute
)

// pendingActivity is an activity scheduled and not yet finished.
type pendingActivity struct {
	eventID         int64
	scheduled       *journalpb.ActivityTaskScheduled
	scheduledTime   time.Time
	attempt         int32
	lastFailure     *journalpb.Failure
	heartbeat       *journalpb.Payloads
	nextAttempt     time.Time // a retry is due then; zero when not waiting for one
	dispatched      bool      // an attempt is queued or running
	cancelRequested bool
}

// pendingTimer is a user timer started and not yet fired or canceled.
type pendingTimer struct {
	fireAt         time.Time
	startedEventID int64
}

// workflowActor is the virtual actor of one workflow ID. It holds the
// latest run: its metadata, the deterministic Execution of its code, and
// what is pending. It appends to the journal before it acts.
type workflowActor struct {
	host   *partitionHost
	engine *Engine
	key    workflowKey

	loaded     bool
	meta       *journalpb.WorkflowMeta // latest run; nil if the workflow has none
	exec       *internal.Execution     // nil while no worker serves the task queue, or after a task failure
	execWorker *workerConfig           // the worker whose registry exec runs
	// The maps of pending state, from here to updates, are nil until
	// lazymap.Set adds their first entry: most runs never have a child, an
	// external request, a timer or an update.
	activities map[int64]*pendingActivity
	timers     map[string]pendingTimer // by journal timer ID, for user timers
	children   map[int64]*pendingChild // by the ID of their initiating event
	// externals are signals and cancel requests sent to other workflows
	// and not yet answered, by event ID; signalRequests are the request IDs
	// of signals other workflows sent to this run.
	externals      map[int64]*journalpb.Event
	signalRequests map[string]bool
	// updates are the run's accepted updates by ID, and updateWaiters the
	// callers waiting for one to complete.
	updates       map[string]*updateState
	updateWaiters []*updateRequest
	startEvent    *journalpb.Event
	closeEvent    *journalpb.Event
	// codeRan is set once the run's code has run (a WorkflowTaskCompleted
	// is recorded); a retried run's code waits for its backoff until then.
	codeRan bool
	// recordedWake is the run's wake flag as this activation's last append
	// wrote it; nil until it wrote one. Only these appends change the flag
	// of an open run, so an append that would write the same value skips it.
	recordedWake *bool
	// backoffFired is set when the workflow/backoff timer fires: from then
	// on the code may run, whatever the clock says (the timer's time is
	// taken a moment before the start event's).
	backoffFired bool

	taskFailure error
	taskRetry   time.Duration
	retryTimer  *time.Timer

	// spareAppend is the request memory the next commit reuses; nil while
	// a commit has it.
	spareAppend *appendBuffer

	// unseen are recorded events the Execution has not been given yet
	// (attempt failures, which need no code to run); they go with the next
	// Decide so its event IDs continue.
	unseen []*journalpb.Event

	// batched are activity completions waiting for the flushInputs message
	// to be recorded together; flushQueued says that message is on its way.
	batched     []*journalpb.Event
	flushQueued bool

	waiters    []*waitCloseRequest // callers waiting for the run to close
	deferred   []any               // messages that need workflow code while it cannot run (no worker, or a failed task)
	idle       idleClock
	passivated bool
}

func newWorkflowActor(h *partitionHost, key workflowKey) *workflowActor {
	return &workflowActor{host: h, engine: h.engine, key: key}
}

// Receive implements protoactor's Actor.
func (a *workflowActor) Receive(ctx protoactor.Context) {
	switch msg := ctx.Message().(type) {
	case *protoactor.Started:
		a.idle.start(a.engine.system.Root, ctx.Self(), a.engine.opts.IdleTimeout)
	case idleCheck:
		if !a.passivated && a.idle.expired() && !a.maybePassivate(ctx) {
			a.idle.restart()
		}
	case *protoactor.Stopping:
		a.idle.stop()
		a.unload()
	case *protoactor.Stopped, *protoactor.Restarting:
	default:
		if a.passivated {
			// This activation is leaving; the host routes to the next one.
			a.host.send(a.key.namespace, a.key.workflowID, msg)
			return
		}
		a.handleSafely(msg)
		a.idle.touch()
		timeout := a.engine.opts.IdleTimeout
		if a.meta != nil && !a.isOpen() {
			// A closed run takes no more work: leave memory soon rather
			// than after the idle timeout, yet not at once, for the
			// result or describe that often follows the close.
			timeout = min(closedIdleTimeout, timeout)
		}
		a.idle.setTimeout(timeout)
	}
}

// closedIdleTimeout is how long the actor of a closed run stays in memory
// after its last message.
const closedIdleTimeout = time.Second

// handleSafely handles msg; a panic inside the engine fails the request and
// drops the in-memory state instead of crashing the node.
func (a *workflowActor) handleSafely(msg any) {
	defer func() {
		if p := recover(); p != nil {
			a.engine.opts.Logger.Error("workflow actor panicked", "workflow_id", a.key.workflowID, "panic", p, "stack", string(debug.Stack()))
			a.unload()
			a.abandon(msg, fmt.Errorf("actor: internal error handling %T: %v", msg, p))
		}
	}()
	if !a.loaded {
		if err := a.load(); err != nil {
			a.engine.opts.Logger.Error("workflow activation failed", "workflow_id", a.key.workflowID, "error", err)
			a.abandon(msg, fmt.Errorf("actor: activate workflow %s: %w", a.key.workflowID, err))
			return
		}
	}
	a.handle(msg)
}

// abandon gives up on a message the actor could not handle: a client gets
// err, the timer service may send a due timer again, and work that only this
// message would have moved on (an activity outcome) is picked up by a later
// reload, which dispatches the activity again.
func (a *workflowActor) abandon(msg any, err error) {
	switch m := msg.(type) {
	case *timerDue:
		a.host.timerHandled(m.timer)
	case *activityResult:
		a.engine.queue(m.taskQueue).settle(attemptKey{a.key.namespace, a.key.workflowID, m.runID, m.scheduledEventID})
		a.reloadLater(firstTaskRetry)
	case *reloadRequest:
		a.reloadLater(min(2*m.delay, maxTaskRetry))
	}
	failRequest(msg, err)
}

// reloadLater has the workflow rebuilt from the journal after delay, which
// resumes its pending activities and runs its code on recorded inputs.
func (a *workflowActor) reloadLater(delay time.Duration) {
	select {
	case <-a.engine.done:
		return
	default:
	}
	h, key := a.host, a.key
	time.AfterFunc(delay, func() { h.send(key.namespace, key.workflowID, &reloadRequest{delay: delay}) })
}

func (a *workflowActor) handle(msg any) {
	switch m := msg.(type) {
	case *startRequest:
		runID, err := a.start(m)
		m.reply <- startReply{runID: runID, err: err}
		if m.update != nil && err == nil {
			m.update.runID = runID
			a.update(m.update)
		}
	case *signalRequest:
		m.reply <- a.signal(m)
	case *updateRequest:
		a.update(m)
	case *queryRequest:
		result, err := a.query(m)
		m.reply <- queryReply{result: result, err: err}
	case *cancelRequest:
		m.reply <- a.requestCancel(m)
	case *terminateRequest:
		m.reply <- a.terminate(m.runID, m.reason, m.details)
	case *describeRequest:
		desc, err := a.describe(m.runID)
		m.reply <- describeReply{desc: desc, err: err}
	case *waitCloseRequest:
		a.waitClose(m)
	case *activityResult:
		a.activityDone(m)
	case *completeByID:
		a.completeByID(m)
	case *timerDue:
		a.timerDue(m)
	case *workerStarted:
		a.workerStarted()
	case *workerStopped:
		a.workerStopped(m.worker)
	case *flushInputs:
		a.flushQueued = false
		if len(a.batched) > 0 && a.isOpen() {
			_ = a.commit(nil, appendExtras{})
		}
	case *retryTask:
		a.retryTask()
	case *reloadRequest:
		// Handled by activation: the state was rebuilt from the journal.
	case *startChild:
		a.startChild(m)
	case *childStarted:
		a.childStarted(m)
	case *watchChild:
		a.watchChild(m)
	case *childClosed:
		a.childClosed(m)
	case *externalRequest:
		a.externalRequest(m)
	case *externalDone:
		a.externalDone(m)
	}
}

func (a *workflowActor) run() journal.RunKey {
	return journal.RunKey{Namespace: a.key.namespace, WorkflowID: a.key.workflowID, RunID: a.meta.GetRunId()}
}

func (a *workflowActor) isOpen() bool {
	return a.meta != nil && a.meta.GetStatus() == journalpb.WorkflowStatus_WORKFLOW_STATUS_RUNNING
}

// load reads the latest run from the journal and rebuilds the actor's state.
func (a *workflowActor) load() error {
	a.unload()
	ctx := context.Background()
	meta, err := a.engine.journal.Current(ctx, a.key.namespace, a.key.workflowID)
	if errors.Is(err, journal.ErrNotFound) {
		a.loaded = true
		return nil
	}
	if err != nil {
		return err
	}
	a.meta = meta
	history, err := a.engine.journal.History(ctx, a.run())
	if err != nil {
		return err
	}
	for _, ev := range history {
		a.apply(ev)
	}
	a.loaded = true
	if !a.isOpen() {
		// Nothing of a closed run is pending: its close deleted its
		// timers and ended its activities.
		clear(a.activities)
		clear(a.timers)
		// A run that another run follows, closed just before a crash: apply
		// its children's close policies and start the follower now.
		if next := a.recordedNextRun(); next != nil {
			a.applyParentClosePolicies(a.childrenToClose())
			return a.startNextRun(next)
		}
		return nil
	}
	a.buildExecution(history)
	if err := a.resumeActivities(); err != nil {
		return err
	}
	a.resumeChildren()
	if a.exec != nil && hasUnprocessedInputs(history) && !a.inBackoff() {
		// Inputs recorded while the code could not run: run it on them now.
		return a.commit(nil, appendExtras{})
	}
	return nil
}

// unload drops the run's in-memory state; the next message reloads it.
// What belongs to the activation stays: the callers waiting on it, the
// messages it defers, its idle clock.
func (a *workflowActor) unload() {
	if a.exec != nil {
		a.exec.Close()
	}
	if a.retryTimer != nil {
		a.retryTimer.Stop()
	}
	waiters, deferred, updateWaiters := a.waiters, a.deferred, a.updateWaiters
	*a = workflowActor{host: a.host, engine: a.engine, key: a.key, passivated: a.passivated,
		waiters: waiters, deferred: deferred, updateWaiters: updateWaiters, idle: a.idle}
}

// buildExecution replays history into a fresh Execution, if a worker serves
// the run's task queue; otherwise the run waits for one.
func (a *workflowActor) buildExecution(history []*journalpb.Event) {
	w := a.engine.worker(a.meta.GetTaskQueue())
	if w == nil {
		a.host.waitFor(a.meta.GetTaskQueue(), a.key)
		return
	}
	exec := a.newExecution(w)
	if err := exec.Replay(history); err != nil {
		exec.Close()
		a.failTask(err)
		return
	}
	a.exec, a.execWorker = exec, w
}

func (a *workflowActor) newExecution(w *workerConfig) *internal.Execution {
	deadlock := w.opts.DeadlockTimeout
	if deadlock <= 0 {
		deadlock = a.engine.opts.DeadlockTimeout
	}
	return internal.NewExecution(internal.ExecutionOptions{
		Namespace:           a.key.namespace,
		WorkflowID:          a.key.workflowID,
		RunID:               a.meta.GetRunId(),
		Registry:            w.registry,
		DataConverter:       w.opts.DataConverter,
		Logger:              internal.NewStructuredLogger(a.engine.opts.Logger.With("workflow_id", a.key.workflowID)),
		DeadlockTimeout:     deadlock,
		FailWorkflowOnPanic: w.opts.FailWorkflowOnPanic,
	})
}

// failTask records that the workflow code cannot make progress and schedules
// another try with backoff.
func (a *workflowActor) failTask(err error) {
	a.taskFailure = err
	a.engine.taskFailures.Add(1)
	a.engine.opts.Logger.Warn("workflow task failed", "workflow_id", a.key.workflowID, "error", err)
	if a.taskRetry == 0 {
		a.taskRetry = firstTaskRetry
	} else {
		a.taskRetry = min(2*a.taskRetry, maxTaskRetry)
	}
	if a.retryTimer != nil {
		a.retryTimer.Stop()
	}
	h, key := a.host, a.key
	a.retryTimer = time.AfterFunc(a.taskRetry, func() { h.send(key.namespace, key.workflowID, &retryTask{}) })
}

func (a *workflowActor) retryTask() {
	if a.taskFailure == nil || !a.isOpen() {
		return
	}
	history, err := a.engine.journal.History(context.Background(), a.run())
	if err != nil {
		a.failTask(err)
		return
	}
	retry := a.taskRetry
	a.taskFailure = nil
	a.buildExecution(history)
	if a.taskFailure != nil {
		a.taskRetry = max(a.taskRetry, retry)
		return
	}
	a.taskRetry = 0
	if a.exec != nil && hasUnprocessedInputs(history) {
		_ = a.commit(nil, appendExtras{})
	}
	a.runDeferred()
}

func (a *workflowActor) workerStarted() {
	if a.meta != nil && !a.isOpen() {
		// A closed run with its wake flag set: the node stopped before the
		// close policies of its children were applied.
		if children := a.childrenToClose(); len(children) > 0 {
			a.applyParentClosePolicies(children)
			a.clearWake()
		}
		return
	}
	if a.exec != nil {
		_ = a.resumeActivities()
		return
	}
	if err := a.load(); err != nil {
		a.engine.opts.Logger.Error("reload after worker start failed", "workflow_id", a.key.workflowID, "error", err)
		return
	}
	a.runDeferred()
}

// runDeferred handles the messages that waited for the code to be able to
// run again, once it can.
func (a *workflowActor) runDeferred() {
	if a.exec == nil {
		return
	}
	deferred := a.deferred
	a.deferred = nil
	for _, m := range deferred {
		a.handle(m)
	}
}

// workerStopped drops the Execution if it runs the stopped worker's code:
// the run waits for the next worker of its task queue, whose registry it
// replays with.
func (a *workflowActor) workerStopped(w *workerConfig) {
	if a.exec == nil || a.execWorker != w {
		return
	}
	a.exec.Close()
	a.exec, a.execWorker, a.unseen = nil, nil, nil
	if a.engine.worker(a.meta.GetTaskQueue()) != nil {
		// A new worker started before this message arrived.
		if err := a.load(); err != nil {
			a.engine.opts.Logger.Error("reload after worker restart failed", "workflow_id", a.key.workflowID, "error", err)
		}
		return
	}
	a.host.waitFor(a.meta.GetTaskQueue(), a.key)
}

// hasUnprocessedInputs reports whether history ends with inputs that no
// workflow task has seen (a task failed on them).
func hasUnprocessedInputs(history []*journalpb.Event) bool {
	for i := len(history) - 1; i >= 0; i-- {
		ev := history[i]
		switch {
		case ev.GetWorkflowTaskCompleted() != nil:
			return false
		case internal.RunsCode(ev):
			return true
		}
	}
	return false
}

// apply updates the pending state with one durable event. It is used both
// when rebuilding from history and after each append.
func (a *workflowActor) apply(ev *journalpb.Event) {
	a.applyUpdate(ev)
	switch x := ev.GetAttributes().(type) {
	case *journalpb.Event_WorkflowExecutionStarted:
		a.startEvent = ev
	case *journalpb.Event_WorkflowTaskCompleted:
		a.codeRan = true
	case *journalpb.Event_ActivityTaskScheduled:
		lazymap.Set(&a.activities, ev.GetEventId(), &pendingActivity{eventID: ev.GetEventId(), scheduled: x.ActivityTaskScheduled,
			scheduledTime: ev.GetTime().AsTime(), attempt: 1})
	case *journalpb.Event_ActivityTaskAttemptFailed:
		if act := a.activities[x.ActivityTaskAttemptFailed.GetScheduledEventId()]; act != nil {
			act.attempt = x.ActivityTaskAttemptFailed.GetAttempt() + 1
			act.lastFailure = x.ActivityTaskAttemptFailed.GetFailure()
			act.heartbeat = x.ActivityTaskAttemptFailed.GetLastHeartbeatDetails()
			act.nextAttempt = x.ActivityTaskAttemptFailed.GetNextAttemptTime().AsTime()
			act.dispatched = false
		}
	case *journalpb.Event_ActivityTaskCancelRequested:
		if act := a.activities[x.ActivityTaskCancelRequested.GetScheduledEventId()]; act != nil {
			act.cancelRequested = true
		}
	case *journalpb.Event_TimerStarted:
		lazymap.Set(&a.timers, userTimerPrefix+x.TimerStarted.GetTimerId(), pendingTimer{fireAt: x.TimerStarted.GetFireTime().AsTime(), startedEventID: ev.GetEventId()})
	case *journalpb.Event_TimerFired:
		delete(a.timers, userTimerPrefix+x.TimerFired.GetTimerId())
	case *journalpb.Event_TimerCanceled:
		delete(a.timers, userTimerPrefix+x.TimerCanceled.GetTimerId())
	case *journalpb.Event_WorkflowExecutionSignaled:
		if id := x.WorkflowExecutionSignaled.GetRequestId(); id != "" {
			lazymap.Set(&a.signalRequests, id, true)
		}
	case *journalpb.Event_StartChildWorkflowExecutionInitiated:
		lazymap.Set(&a.children, ev.GetEventId(), &pendingChild{initiatedID: ev.GetEventId(), initiated: x.StartChildWorkflowExecutionInitiated})
	case *journalpb.Event_ChildWorkflowExecutionStarted:
		if c := a.children[x.ChildWorkflowExecutionStarted.GetInitiatedEventId()]; c != nil {
			c.runID = x.ChildWorkflowExecutionStarted.GetRunId()
		}
	case *journalpb.Event_SignalExternalWorkflowExecutionInitiated, *journalpb.Event_RequestCancelExternalWorkflowExecutionInitiated:
		lazymap.Set(&a.externals, ev.GetEventId(), ev)
	}
	if id, ok := activityOutcome(ev); ok {
		delete(a.activities, id)
	}
	if id, ok := childOutcome(ev); ok {
		delete(a.children, id)
	}
	if id, ok := externalOutcome(ev); ok {
		delete(a.externals, id)
	}
	if internal.CloseStatus(ev) != journalpb.WorkflowStatus_WORKFLOW_STATUS_UNSPECIFIED {
		a.closeEvent = ev
	}
}

// activityOutcome returns, for an event that ends an activity, the ID of
// the activity's ActivityTaskScheduled event.
func activityOutcome(ev *journalpb.Event) (scheduledID int64, ok bool) {
	switch x := ev.GetAttributes().(type) {
	case *journalpb.Event_ActivityTaskCompleted:
		return x.ActivityTaskCompleted.GetScheduledEventId(), true
	case *journalpb.Event_ActivityTaskFailed:
		return x.ActivityTaskFailed.GetScheduledEventId(), true
	case *journalpb.Event_ActivityTaskTimedOut:
		return x.ActivityTaskTimedOut.GetScheduledEventId(), true
	case *journalpb.Event_ActivityTaskCanceled:
		return x.ActivityTaskCanceled.GetScheduledEventId(), true
	}
	return 0, false
}

// childOutcome returns, for an event that ends a child workflow (it could
// not start, or it closed), the ID of the event that initiated it.
func childOutcome(ev *journalpb.Event) (initiatedID int64, ok bool) {
	switch x := ev.GetAttributes().(type) {
	case *journalpb.Event_StartChildWorkflowExecutionFailed:
		return x.StartChildWorkflowExecutionFailed.GetInitiatedEventId(), true
	case *journalpb.Event_ChildWorkflowExecutionClosed:
		return x.ChildWorkflowExecutionClosed.GetInitiatedEventId(), true
	}
	return 0, false
}

// externalOutcome returns, for the outcome of a signal or cancel request
// sent to another workflow, the ID of the event that initiated it.
func externalOutcome(ev *journalpb.Event) (initiatedID int64, ok bool) {
	switch x := ev.GetAttributes().(type) {
	case *journalpb.Event_ExternalWorkflowExecutionSignaled:
		return x.ExternalWorkflowExecutionSignaled.GetInitiatedEventId(), true
	case *journalpb.Event_SignalExternalWorkflowExecutionFailed:
		return x.SignalExternalWorkflowExecutionFailed.GetInitiatedEventId(), true
	case *journalpb.Event_ExternalWorkflowExecutionCancelRequested:
		return x.ExternalWorkflowExecutionCancelRequested.GetInitiatedEventId(), true
	case *journalpb.Event_RequestCancelExternalWorkflowExecutionFailed:
		return x.RequestCancelExternalWorkflowExecutionFailed.GetInitiatedEventId(), true
	}
	return 0, false
}

// appendExtras are journal changes that go with a commit besides events.
type appendExtras struct {
	addTimers    []journal.Timer
	deleteTimers []journal.Timer
}

// commit is the decision cycle: it numbers the inputs, runs the workflow
// code on them (unless an input closes the run), appends inputs and
// commands in one synced batch, and only then acts on the commands.
func (a *workflowActor) commit(inputs []*journalpb.Event, extras appendExtras) error {
	// Gathered activity completions go first, so every input is recorded
	// before anything that arrived after it.
	if len(a.batched) > 0 {
		inputs = append(a.batched, inputs...)
		a.batched = nil
	}
	now := time.Now()
	ts := timestamppb.New(now) // shared: recorded events are never changed
	next := a.meta.GetNextEventId()
	closing := false
	for i, ev := range inputs {
		ev.EventId, ev.Time = next+int64(i), ts
		closing = closing || internal.CloseStatus(ev) != journalpb.WorkflowStatus_WORKFLOW_STATUS_UNSPECIFIED
	}
	var outputs []*journalpb.Event
	runCode := (len(inputs) == 0 || slices.ContainsFunc(inputs, internal.RunsCode)) && !a.inBackoff()
	if a.exec != nil && !closing && !runCode {
		a.unseen = append(a.unseen, inputs...)
	}
	if a.exec != nil && !closing && runCode {
		delivered := inputs // with the inputs recorded earlier that the code has not seen
		if len(a.unseen) > 0 {
			delivered = append(a.unseen, inputs...)
		}
		out, err := a.exec.Decide(delivered, now)
		a.unseen = nil
		if err != nil {
			a.exec.Close()
			a.exec = nil
			a.failTask(err)
		} else {
			outputs = out
			a.taskFailure, a.taskRetry = nil, 0
		}
	}
	buf := a.spareAppend
	if buf == nil { // the first commit of the activation, or one nested in another
		buf = &appendBuffer{}
	}
	a.spareAppend = nil
	defer a.returnAppend(buf)
	events := buf.events[:0]
	if n := len(inputs) + len(outputs); n > len(buf.events) {
		events = make([]*journalpb.Event, 0, n)
	}
	events = append(append(events, inputs...), outputs...)
	req := &buf.req
	*req = journal.AppendRequest{Run: a.run(), Events: events,
		AddTimers: extras.addTimers, DeleteTimers: extras.deleteTimers}
	status := journalpb.WorkflowStatus_WORKFLOW_STATUS_UNSPECIFIED
	for _, ev := range events {
		switch x := ev.GetAttributes().(type) {
		case *journalpb.Event_TimerStarted:
			req.AddTimers = append(req.AddTimers, a.journalTimer(userTimerPrefix+x.TimerStarted.GetTimerId(), x.TimerStarted.GetFireTime().AsTime()))
		case *journalpb.Event_TimerCanceled:
			id := userTimerPrefix + x.TimerCanceled.GetTimerId()
			req.DeleteTimers = append(req.DeleteTimers, a.journalTimer(id, a.timers[id].fireAt))
		}
		if s := internal.CloseStatus(ev); s != journalpb.WorkflowStatus_WORKFLOW_STATUS_UNSPECIFIED {
			status = s
		}
	}
	var following *nextRun
	var children []*pendingChild
	if status != journalpb.WorkflowStatus_WORKFLOW_STATUS_UNSPECIFIED {
		req.Status = status
		req.DeleteTimers = append(req.DeleteTimers, a.allTimers()...)
		following = a.planNextRun(events[len(events)-1], now)
		children = a.childrenToClose()
		if following != nil || len(children) > 0 {
			// Until the next run's start is durable and the children's
			// close policies are applied, a restart must find this run
			// (see load and workerStarted).
			wake := true
			req.Wake = &wake
		}
	} else if wake := a.needsWake(events); a.recordedWake == nil || *a.recordedWake != wake {
		// Written only when it changes: most appends leave it as it is.
		req.Wake = &wake
	}

	if err := a.engine.journal.Append(context.Background(), req); err != nil {
		// Nothing of this batch happened. The in-memory state may be ahead
		// of the journal (the code ran): drop it and rebuild from the journal.
		a.engine.opts.Logger.Error("journal append failed", "workflow_id", a.key.workflowID, "error", err)
		a.unload()
		if !errors.Is(err, journal.ErrClosed) {
			a.reloadLater(firstTaskRetry)
		}
		return fmt.Errorf("actor: record %d events of workflow %s: %w", len(events), a.key.workflowID, err)
	}

	// Durable: now act.
	if req.Wake != nil {
		a.recordedWake = req.Wake
	}
	a.meta.NextEventId = next + int64(len(events))
	for _, ev := range events {
		a.apply(ev)
	}
	var canceled activityCancellations
	for _, ev := range outputs {
		switch x := ev.GetAttributes().(type) {
		case *journalpb.Event_StartChildWorkflowExecutionInitiated:
			if status == journalpb.WorkflowStatus_WORKFLOW_STATUS_UNSPECIFIED {
				a.sendChildStart(a.children[ev.GetEventId()])
			}
		case *journalpb.Event_SignalExternalWorkflowExecutionInitiated, *journalpb.Event_RequestCancelExternalWorkflowExecutionInitiated:
			if status == journalpb.WorkflowStatus_WORKFLOW_STATUS_UNSPECIFIED {
				a.sendExternal(ev.GetEventId(), ev)
			}
		case *journalpb.Event_ActivityTaskScheduled:
			a.dispatch(a.activities[ev.GetEventId()])
		case *journalpb.Event_ActivityTaskCancelRequested:
			a.cancelActivity(x.ActivityTaskCancelRequested.GetScheduledEventId(), &canceled)
		}
	}
	for _, t := range req.AddTimers {
		a.host.timerAdded(t.FireAt)
	}
	if status != journalpb.WorkflowStatus_WORKFLOW_STATUS_UNSPECIFIED {
		a.closed(status)
		a.applyParentClosePolicies(children)
		if following != nil {
			return a.startNextRun(following)
		}
		a.notifyParent()
		if len(children) > 0 {
			a.clearWake()
		}
		return nil
	}
	a.notifyUpdates()
	// Activities with no attempt out to report their cancellation are
	// recorded canceled in a batch of their own, as new inputs. This
	// batch is already durable, so its caller succeeded whatever happens.
	_ = a.recordCanceled(canceled)
	return nil
}

// appendBuffer is the memory of one commit's append request: the request
// and, for the usual few events, its events slice. The journal keeps
// neither once Append returns, so an actor reuses one from commit to
// commit.
type appendBuffer struct {
	req    journal.AppendRequest
	events [4]*journalpb.Event
}

// returnAppend keeps buf, emptied so that it holds on to no event, for the
// actor's next commit.
func (a *workflowActor) returnAppend(buf *appendBuffer) {
	*buf = appendBuffer{}
	a.spareAppend = buf
}

// needsWake says whether the run must be re-activated after a restart even
// without a due timer: activities in flight, or code that has not run on
// everything recorded.
func (a *workflowActor) needsWake(events []*journalpb.Event) bool {
	pending := len(a.activities) + len(a.children) + len(a.externals)
	for _, ev := range events {
		switch ev.GetAttributes().(type) {
		case *journalpb.Event_ActivityTaskScheduled, *journalpb.Event_StartChildWorkflowExecutionInitiated,
			*journalpb.Event_SignalExternalWorkflowExecutionInitiated, *journalpb.Event_RequestCancelExternalWorkflowExecutionInitiated:
			pending++
		}
		_, activityDone := activityOutcome(ev)
		_, childDone := childOutcome(ev)
		_, externalDone := externalOutcome(ev)
		if activityDone || childDone || externalDone {
			pending--
		}
	}
	return pending > 0 || a.exec == nil
}

func (a *workflowActor) journalTimer(id string, at time.Time) journal.Timer {
	return journal.Timer{Run: a.run(), ID: id, FireAt: at}
}

// allTimers lists every journal timer of the run, for deletion at close.
func (a *workflowActor) allTimers() []journal.Timer {
	var ts []journal.Timer
	for id, t := range a.timers {
		ts = append(ts, a.journalTimer(id, t.fireAt))
	}
	for _, act := range a.activities {
		if !act.nextAttempt.IsZero() {
			ts = append(ts, a.journalTimer(retryTimerID(act.eventID), act.nextAttempt))
		}
	}
	if t := a.workflowTimeout(); !t.IsZero() {
		ts = append(ts, a.journalTimer(workflowTimeoutID, t))
	}
	return ts
}

// workflowTimeout is when the run times out, or zero.
func (a *workflowActor) workflowTimeout() time.Time {
	if a.startEvent == nil {
		return time.Time{}
	}
	return runDeadline(a.startEvent)
}

// runDeadline is when a run times out: the earlier of its run timeout and
// the expiration of the whole execution, or zero if neither is set.
func runDeadline(started *journalpb.Event) time.Time {
	attrs := started.GetWorkflowExecutionStarted()
	var deadline time.Time
	if d := attrs.GetWorkflowRunTimeout().AsDuration(); d > 0 {
		deadline = started.GetTime().AsTime().Add(d)
	}
	if attrs.GetWorkflowExecutionExpirationTime() != nil {
		if e := attrs.GetWorkflowExecutionExpirationTime().AsTime(); deadline.IsZero() || e.Before(deadline) {
			deadline = e
		}
	}
	return deadline
}

func retryTimerID(scheduledEventID int64) string {
	return activityRetryPrefix + strconv.FormatInt(scheduledEventID, 10) + activityRetrySuffix
}

// closed acts on the run's close: running activities are canceled, the
// code's coroutines end, and waiters get the close event.
func (a *workflowActor) closed(status journalpb.WorkflowStatus) {
	a.meta.Status = status
	a.meta.CloseTime = a.closeEvent.GetTime() // as the journal recorded it
	for id := range a.activities {
		a.engine.queue(a.activityQueue(a.activities[id])).cancel(a.attemptKey(id))
	}
	// Nothing is pending once the run is closed; its journal timers were
	// deleted with the close event.
	clear(a.activities)
	clear(a.timers)
	if a.exec != nil {
		a.exec.Close()
		a.exec = nil
	}
	a.taskFailure = nil
	if a.retryTimer != nil {
		a.retryTimer.Stop()
	}
	// Timers that waited for the code are void: the close deleted them.
	for _, m := range a.deferred {
		if t, ok := m.(*timerDue); ok {
			a.host.timerHandled(t.timer)
		} else {
			failRequest(m, a.openRun("")) // updates that were never validated
		}
	}
	a.deferred = nil
	for _, w := range a.waiters {
		w.reply <- closeReply{event: a.closeEvent}
	}
	a.waiters = nil
	a.notifyUpdates()
}
