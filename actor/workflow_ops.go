package actor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	protoactor "github.com/asynkron/protoactor-go/actor"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/grainflow/grainflow/journal"
	"github.com/grainflow/grainflow/journal/journalpb"
	internal "github.com/grainflow/grainflow/sdk/internalbindings"
)

// start begins a new run, applying the ID reuse and conflict policies.
func (a *workflowActor) start(m *startRequest) (string, error) {
	req := m.req
	if err := normalizeIDPolicies(req); err != nil {
		return "", err
	}
	if a.isOpen() {
		switch {
		case m.signal != nil && req.IDConflictPolicy != journalpb.WorkflowIdConflictPolicy_WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING:
			// SignalWithStart on an open run only signals it (USE_EXISTING,
			// its default); TERMINATE_EXISTING starts afresh below.
			return a.meta.GetRunId(), a.commit([]*journalpb.Event{signalEvent(*m.signal)}, appendExtras{})
		case req.IDConflictPolicy == journalpb.WorkflowIdConflictPolicy_WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING:
			return a.meta.GetRunId(), nil
		case req.IDConflictPolicy == journalpb.WorkflowIdConflictPolicy_WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING:
			if err := a.terminate(a.meta.GetRunId(), "terminated by a start with the TerminateExisting conflict policy", nil); err != nil {
				return "", err
			}
		default:
			return "", &WorkflowExecutionAlreadyStartedError{WorkflowID: a.key.workflowID, RunID: a.meta.GetRunId(), Reason: "a run is open"}
		}
	} else if a.meta != nil {
		last := a.meta.GetStatus()
		switch {
		case req.IDReusePolicy == journalpb.WorkflowIdReusePolicy_WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE:
			return "", &WorkflowExecutionAlreadyStartedError{WorkflowID: a.key.workflowID, RunID: a.meta.GetRunId(), Reason: "the ID reuse policy rejects duplicates"}
		case req.IDReusePolicy == journalpb.WorkflowIdReusePolicy_WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY &&
			last == journalpb.WorkflowStatus_WORKFLOW_STATUS_COMPLETED:
			return "", &WorkflowExecutionAlreadyStartedError{WorkflowID: a.key.workflowID, RunID: a.meta.GetRunId(), Reason: "the last run completed and the ID reuse policy allows only failed runs to be reused"}
		}
	}

	runID := uuid.NewString()
	now := time.Now()
	attrs := &journalpb.WorkflowExecutionStarted{
		WorkflowType:             req.WorkflowType,
		TaskQueue:                req.TaskQueue,
		Input:                    req.Input,
		WorkflowExecutionTimeout: optionalDuration(req.WorkflowExecutionTimeout),
		WorkflowRunTimeout:       optionalDuration(req.WorkflowRunTimeout),
		WorkflowTaskTimeout:      optionalDuration(req.WorkflowTaskTimeout),
		RetryPolicy:              req.RetryPolicy,
		Attempt:                  1,
		Identity:                 req.Identity,
		FirstExecutionRunId:      runID,
		OriginalExecutionRunId:   runID,
		Memo:                     req.Memo,
		SearchAttributes:         req.SearchAttributes,
		CronSchedule:             req.CronSchedule,
		Parent:                   req.parent,
	}
	if d := req.WorkflowExecutionTimeout; d > 0 {
		attrs.WorkflowExecutionExpirationTime = timestamppb.New(now.Add(d))
	}
	run := &nextRun{runID: runID, started: attrs}
	if req.CronSchedule != "" {
		// A cron workflow's first run waits for the schedule's next time.
		delay, err := cronDelay(req.CronSchedule, now)
		if err != nil {
			return "", err
		}
		run.backoff = delay
	}
	if req.StartDelay > 0 {
		// The start is recorded now; the code first runs after the delay.
		run.backoff += req.StartDelay
	}
	if m.signal != nil {
		run.signals = []*journalpb.WorkflowExecutionSignaled{signalEvent(*m.signal).GetWorkflowExecutionSignaled()}
	}
	if err := a.beginRun(run); err != nil {
		return "", err
	}
	return runID, nil
}

// normalizeIDPolicies checks req's ID reuse and conflict policies and
// rewrites the deprecated reuse policy TERMINATE_IF_RUNNING as what it
// means: ALLOW_DUPLICATE with the conflict policy TERMINATE_EXISTING. As
// in Temporal, TERMINATE_IF_RUNNING cannot be combined with a conflict
// policy.
func normalizeIDPolicies(req *StartWorkflowRequest) error {
	if _, ok := journalpb.WorkflowIdReusePolicy_name[int32(req.IDReusePolicy)]; !ok {
		return fmt.Errorf("actor: workflow %s: unknown workflow ID reuse policy %d", req.WorkflowID, req.IDReusePolicy)
	}
	if _, ok := journalpb.WorkflowIdConflictPolicy_name[int32(req.IDConflictPolicy)]; !ok {
		return fmt.Errorf("actor: workflow %s: unknown workflow ID conflict policy %d", req.WorkflowID, req.IDConflictPolicy)
	}
	if req.IDReusePolicy != journalpb.WorkflowIdReusePolicy_WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING {
		return nil
	}
	if req.IDConflictPolicy != journalpb.WorkflowIdConflictPolicy_WORKFLOW_ID_CONFLICT_POLICY_UNSPECIFIED {
		return fmt.Errorf("actor: workflow %s: the ID reuse policy %v cannot be combined with the ID conflict policy %v; "+
			"use %v with %v instead", req.WorkflowID, req.IDReusePolicy, req.IDConflictPolicy,
			journalpb.WorkflowIdReusePolicy_WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
			journalpb.WorkflowIdConflictPolicy_WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING)
	}
	req.IDReusePolicy = journalpb.WorkflowIdReusePolicy_WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE
	req.IDConflictPolicy = journalpb.WorkflowIdConflictPolicy_WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING
	return nil
}

func optionalDuration(d time.Duration) *durationpb.Duration {
	if d <= 0 {
		return nil
	}
	return durationpb.New(d)
}

func signalEvent(s signalInput) *journalpb.Event {
	// One allocation for the event, its oneof wrapper and its attributes,
	// rather than three: signals are the most frequent input.
	ev := &struct {
		event journalpb.Event
		oneof journalpb.Event_WorkflowExecutionSignaled
		attrs journalpb.WorkflowExecutionSignaled
	}{}
	ev.attrs.SignalName, ev.attrs.Input, ev.attrs.Identity = s.name, s.input, s.identity
	ev.oneof.WorkflowExecutionSignaled = &ev.attrs
	ev.event.Attributes = &ev.oneof
	return &ev.event
}

// activityCompletedEvent records that act returned result. Like
// signalEvent, it is one allocation: every activity ends with one.
func activityCompletedEvent(act *pendingActivity, result *journalpb.Payloads) *journalpb.Event {
	ev := &struct {
		event journalpb.Event
		oneof journalpb.Event_ActivityTaskCompleted
		attrs journalpb.ActivityTaskCompleted
	}{}
	ev.attrs.ScheduledEventId, ev.attrs.Result, ev.attrs.Attempt = act.eventID, result, act.attempt
	ev.oneof.ActivityTaskCompleted = &ev.attrs
	ev.event.Attributes = &ev.oneof
	return &ev.event
}

// openRun checks that runID (or the latest run, if empty) is open.
func (a *workflowActor) openRun(runID string) error {
	switch {
	case a.meta == nil:
		return &NotFoundError{WorkflowID: a.key.workflowID, Reason: "no such workflow"}
	case runID != "" && runID != a.meta.GetRunId():
		return &NotFoundError{WorkflowID: a.key.workflowID, RunID: runID, Reason: "not the open run"}
	case !a.isOpen():
		return &NotFoundError{WorkflowID: a.key.workflowID, RunID: a.meta.GetRunId(), Reason: "workflow execution already completed"}
	}
	return nil
}

func (a *workflowActor) signal(m *signalRequest) error {
	if err := a.openRun(m.runID); err != nil {
		return err
	}
	return a.commit([]*journalpb.Event{signalEvent(m.signal)}, appendExtras{})
}

func (a *workflowActor) requestCancel(m *cancelRequest) error {
	if err := a.openRun(m.runID); err != nil {
		return err
	}
	return a.commit([]*journalpb.Event{{Attributes: &journalpb.Event_WorkflowExecutionCancelRequested{
		WorkflowExecutionCancelRequested: &journalpb.WorkflowExecutionCancelRequested{Cause: m.reason}}}}, appendExtras{})
}

func (a *workflowActor) terminate(runID, reason string, details *journalpb.Payloads) error {
	if err := a.openRun(runID); err != nil {
		return err
	}
	return a.commit([]*journalpb.Event{{Attributes: &journalpb.Event_WorkflowExecutionTerminated{
		WorkflowExecutionTerminated: &journalpb.WorkflowExecutionTerminated{Reason: reason, Details: details}}}}, appendExtras{})
}

// query runs a query handler. A closed run, or one without live code, is
// replayed into a temporary Execution to answer.
func (a *workflowActor) query(m *queryRequest) (*journalpb.Payloads, error) {
	if a.meta == nil {
		return nil, &NotFoundError{WorkflowID: a.key.workflowID, Reason: "no such workflow"}
	}
	if a.taskFailure != nil {
		return nil, &QueryFailedError{QueryType: m.queryType, Err: a.taskFailure}
	}
	exec := a.exec
	if exec == nil || (m.runID != "" && m.runID != a.meta.GetRunId()) {
		run := a.run()
		if m.runID != "" {
			run.RunID = m.runID
		}
		meta, err := a.engine.journal.Run(context.Background(), run)
		if err != nil {
			return nil, &NotFoundError{WorkflowID: a.key.workflowID, RunID: run.RunID, Reason: "no such run"}
		}
		w := a.engine.worker(meta.GetTaskQueue())
		if w == nil {
			return nil, &QueryFailedError{QueryType: m.queryType, Err: &NotFoundError{WorkflowID: a.key.workflowID,
				Reason: "no worker for task queue " + meta.GetTaskQueue() + " is running on this node"}}
		}
		history, err := a.engine.journal.History(context.Background(), run)
		if err != nil {
			return nil, err
		}
		exec = internal.NewExecution(internal.ExecutionOptions{Namespace: run.Namespace, WorkflowID: run.WorkflowID, RunID: run.RunID,
			Registry: w.registry, DataConverter: w.opts.DataConverter, DeadlockTimeout: a.engine.opts.DeadlockTimeout})
		defer exec.Close()
		if err := exec.Replay(history); err != nil {
			return nil, &QueryFailedError{QueryType: m.queryType, Err: err}
		}
	}
	result, err := exec.Query(m.queryType, m.args)
	if err != nil {
		return nil, &QueryFailedError{QueryType: m.queryType, Err: err}
	}
	return result, nil
}

// describe reports on run runID (the latest run if empty). The metadata
// comes from the journal, which keeps the run's memo, search attributes
// and execution time up to date; the actor's own copy has only what it
// needs to run the workflow. The latest run's pending work and task
// failure come from the actor.
func (a *workflowActor) describe(runID string) (*WorkflowDescription, error) {
	if a.meta == nil {
		return nil, &NotFoundError{WorkflowID: a.key.workflowID, Reason: "no such workflow"}
	}
	latest := runID == "" || runID == a.meta.GetRunId()
	if latest {
		runID = a.meta.GetRunId()
	}
	meta, err := a.engine.journal.Run(context.Background(), journal.RunKey{Namespace: a.key.namespace, WorkflowID: a.key.workflowID, RunID: runID})
	switch {
	case errors.Is(err, journal.ErrNotFound):
		return nil, &NotFoundError{WorkflowID: a.key.workflowID, RunID: runID, Reason: "no such run"}
	case err != nil:
		return nil, fmt.Errorf("actor: describe workflow %s run %s: %w", a.key.workflowID, runID, err)
	}
	desc := describeRun(meta)
	if !latest {
		return desc, nil
	}
	desc.TaskFailure = a.taskFailure
	for _, act := range a.activities {
		pa := PendingActivity{
			ScheduledEventID: act.eventID, ActivityID: act.scheduled.GetActivityId(), ActivityType: act.scheduled.GetActivityType(),
			Attempt: act.attempt, LastFailure: act.lastFailure, NextAttemptTime: act.nextAttempt, HeartbeatDetails: act.heartbeat}
		if act.dispatched {
			details, at, running := a.engine.queue(a.activityQueue(act)).heartbeat(a.attemptKey(act.eventID))
			pa.Running = running
			if !at.IsZero() {
				pa.HeartbeatDetails, pa.LastHeartbeatTime = details, at
			}
		}
		desc.PendingActivities = append(desc.PendingActivities, pa)
	}
	slices.SortFunc(desc.PendingActivities, func(x, y PendingActivity) int { return cmp.Compare(x.ScheduledEventID, y.ScheduledEventID) })
	for id, t := range a.timers {
		desc.PendingTimers = append(desc.PendingTimers, PendingTimer{TimerID: strings.TrimPrefix(id, userTimerPrefix), FireTime: t.fireAt})
	}
	slices.SortFunc(desc.PendingTimers, func(x, y PendingTimer) int { return x.FireTime.Compare(y.FireTime) })
	return desc, nil
}

func (a *workflowActor) waitClose(m *waitCloseRequest) {
	switch {
	case a.meta == nil:
		m.reply <- closeReply{err: &NotFoundError{WorkflowID: a.key.workflowID, Reason: "no such workflow"}}
	case m.runID != "" && m.runID != a.meta.GetRunId():
		// An older run: it is closed, its last event says how.
		last, err := a.engine.journal.LastEvent(context.Background(), journal.RunKey{Namespace: a.key.namespace, WorkflowID: a.key.workflowID, RunID: m.runID})
		if err != nil {
			m.reply <- closeReply{err: &NotFoundError{WorkflowID: a.key.workflowID, RunID: m.runID, Reason: "no such run"}}
			return
		}
		m.reply <- closeReply{event: last}
	case !a.isOpen():
		m.reply <- closeReply{event: a.closeEvent}
	default:
		a.waiters = append(a.waiters, m)
	}
}

func (a *workflowActor) activityQueue(act *pendingActivity) string {
	if tq := act.scheduled.GetTaskQueue(); tq != "" {
		return tq
	}
	return a.meta.GetTaskQueue()
}

func (a *workflowActor) attemptKey(scheduledEventID int64) attemptKey {
	return attemptKey{a.key.namespace, a.key.workflowID, a.meta.GetRunId(), scheduledEventID}
}

// dispatch queues the activity's current attempt on its task queue.
func (a *workflowActor) dispatch(act *pendingActivity) {
	act.dispatched = true
	act.nextAttempt = time.Time{}
	a.engine.queue(a.activityQueue(act)).submit(&activityTask{
		namespace: a.key.namespace, workflowID: a.key.workflowID, runID: a.meta.GetRunId(),
		workflowType: a.meta.GetWorkflowType(), scheduledEventID: act.eventID, scheduled: act.scheduled,
		scheduledTime: act.scheduledTime, attempt: act.attempt, heartbeatDetails: act.heartbeat,
	})
}

// resumeActivities dispatches, after a restart, every activity that is
// scheduled, not finished, not waiting for a retry and not already in flight
// on this node. Completed activities are not pending, so they never run again.
// It fails only if recording cancellations fails.
func (a *workflowActor) resumeActivities() error {
	if !a.isOpen() {
		return nil
	}
	var canceled activityCancellations
	for _, act := range a.activities {
		q := a.engine.queue(a.activityQueue(act))
		switch {
		case q.inFlight(a.attemptKey(act.eventID)):
			act.dispatched = true
		case act.cancelRequested:
			canceled.add(a, act)
		case !act.nextAttempt.IsZero() && act.nextAttempt.After(time.Now()):
			// The retry timer in the journal dispatches it.
		default:
			a.dispatch(act)
		}
	}
	return a.recordCanceled(canceled)
}

// activityCancellations collects activities to record as canceled because
// no attempt of theirs is out that could report it.
type activityCancellations struct {
	events []*journalpb.Event
	extras appendExtras
}

func (c *activityCancellations) add(a *workflowActor, act *pendingActivity) {
	c.events = append(c.events, canceledEvent(act, nil))
	if !act.nextAttempt.IsZero() {
		c.extras.deleteTimers = append(c.extras.deleteTimers, a.journalTimer(retryTimerID(act.eventID), act.nextAttempt))
	}
}

// recordCanceled appends the collected cancellations and runs the code on them.
func (a *workflowActor) recordCanceled(c activityCancellations) error {
	if len(c.events) == 0 || !a.isOpen() {
		return nil
	}
	return a.commit(c.events, c.extras)
}

// cancelActivity handles a cancel request of the workflow code: a running or
// queued attempt is canceled and reports it; an activity waiting for a retry
// is added to c, to be recorded canceled at once.
func (a *workflowActor) cancelActivity(scheduledEventID int64, c *activityCancellations) {
	act := a.activities[scheduledEventID]
	if act == nil {
		return
	}
	if act.dispatched && a.engine.queue(a.activityQueue(act)).cancel(a.attemptKey(act.eventID)) {
		return // the attempt reports its cancellation
	}
	c.add(a, act)
}

func canceledEvent(act *pendingActivity, details *journalpb.Payloads) *journalpb.Event {
	return &journalpb.Event{Attributes: &journalpb.Event_ActivityTaskCanceled{ActivityTaskCanceled: &journalpb.ActivityTaskCanceled{
		ScheduledEventId: act.eventID, Details: details, Attempt: act.attempt}}}
}

// activityDone records an attempt's outcome: completion, cancellation, a
// retry (with its journal timer) or the final failure.
func (a *workflowActor) activityDone(r *activityResult) {
	key := attemptKey{a.key.namespace, a.key.workflowID, r.runID, r.scheduledEventID}
	var act *pendingActivity
	if a.meta != nil && r.runID == a.meta.GetRunId() {
		act = a.activities[r.scheduledEventID]
	}
	if act != nil && act.attempt != r.attempt {
		r.answer(&NotFoundError{WorkflowID: a.key.workflowID, RunID: r.runID, Reason: "the activity attempt is no longer current"})
		return // a report of an earlier attempt: the current one is still out
	}
	defer a.engine.queue(r.taskQueue).settle(key)
	if act == nil || !a.isOpen() {
		r.answer(&NotFoundError{WorkflowID: a.key.workflowID, RunID: r.runID, Reason: "no such pending activity"})
		return // the activity already finished, or the run closed
	}
	act.dispatched = false
	switch {
	case r.failure == nil && r.reply != nil:
		// A client's completion: record it now, so the client hears back
		// only once it is durable.
		r.answer(a.commit([]*journalpb.Event{activityCompletedEvent(act, r.result)}, appendExtras{}))
		return
	case r.failure == nil:
		// Completions are gathered: those already in the mailbox are
		// recorded together by one decision (one append), which is what
		// makes a fan-out cost one fsync per batch rather than per activity.
		a.batched = append(a.batched, activityCompletedEvent(act, r.result))
		if !a.flushQueued {
			a.flushQueued = true
			a.host.send(a.key.namespace, a.key.workflowID, &flushInputs{})
		}
	case r.canceled || act.cancelRequested:
		_ = a.commit([]*journalpb.Event{canceledEvent(act, r.heartbeat)}, appendExtras{})
	default:
		a.activityFailed(act, r)
	}
	r.answer(nil)
}

// answer tells a client that completed the activity what became of it.
func (r *activityResult) answer(err error) {
	if r.reply != nil {
		r.reply <- err
	}
}

// completeByID completes the pending activity with the given activity ID.
func (a *workflowActor) completeByID(m *completeByID) {
	if err := a.openRun(m.runID); err != nil {
		m.reply <- err
		return
	}
	for _, act := range a.activities {
		if act.scheduled.GetActivityId() == m.activityID {
			a.activityDone(&activityResult{taskQueue: a.activityQueue(act), runID: a.meta.GetRunId(), scheduledEventID: act.eventID,
				attempt: act.attempt, result: m.result, failure: m.failure, canceled: m.canceled, reply: m.reply})
			return
		}
	}
	m.reply <- &NotFoundError{WorkflowID: a.key.workflowID, RunID: a.meta.GetRunId(), Reason: "no pending activity " + m.activityID}
}

func (a *workflowActor) activityFailed(act *pendingActivity, r *activityResult) {
	now := time.Now()
	delay, state := internal.NextRetryDelay(act.scheduled.GetRetryPolicy(), act.attempt, r.failure)
	if sctc := act.scheduled.GetScheduleToCloseTimeout().AsDuration(); delay >= 0 && sctc > 0 && now.Add(delay).After(act.scheduledTime.Add(sctc)) {
		delay, state = -1, journalpb.RetryState_RETRY_STATE_TIMEOUT
	}
	if delay >= 0 {
		next := now.Add(delay)
		_ = a.commit([]*journalpb.Event{{Attributes: &journalpb.Event_ActivityTaskAttemptFailed{ActivityTaskAttemptFailed: &journalpb.ActivityTaskAttemptFailed{
			ScheduledEventId: act.eventID, Attempt: act.attempt, Failure: r.failure,
			NextAttemptTime: timestamppb.New(next), LastHeartbeatDetails: r.heartbeat}}}},
			appendExtras{addTimers: []journal.Timer{a.journalTimer(retryTimerID(act.eventID), next)}})
		return
	}
	if r.failure.GetTimeout() != nil {
		_ = a.commit([]*journalpb.Event{{Attributes: &journalpb.Event_ActivityTaskTimedOut{ActivityTaskTimedOut: &journalpb.ActivityTaskTimedOut{
			ScheduledEventId: act.eventID, Failure: r.failure, RetryState: state, Attempt: act.attempt}}}}, appendExtras{})
		return
	}
	_ = a.commit([]*journalpb.Event{{Attributes: &journalpb.Event_ActivityTaskFailed{ActivityTaskFailed: &journalpb.ActivityTaskFailed{
		ScheduledEventId: act.eventID, Failure: r.failure, RetryState: state, Attempt: act.attempt}}}}, appendExtras{})
}

// timerDue handles a journal timer that fell due.
func (a *workflowActor) timerDue(m *timerDue) {
	t := m.timer
	handled := true
	defer func() {
		if handled {
			a.host.timerHandled(t)
		}
	}()
	if a.meta == nil || t.Run.RunID != a.meta.GetRunId() || !a.isOpen() {
		a.dropTimer(t)
		return
	}
	switch {
	case strings.HasPrefix(t.ID, userTimerPrefix):
		started, ok := a.timers[t.ID]
		if !ok {
			a.dropTimer(t)
			return
		}
		if a.exec == nil {
			// The code cannot run now (no worker, or a failed task): fire
			// the timer once it can.
			handled = false
			a.deferred = append(a.deferred, m)
			return
		}
		_ = a.commit([]*journalpb.Event{{Attributes: &journalpb.Event_TimerFired{TimerFired: &journalpb.TimerFired{
			StartedEventId: started.startedEventID, TimerId: strings.TrimPrefix(t.ID, userTimerPrefix)}}}},
			appendExtras{deleteTimers: []journal.Timer{t}})
	case strings.HasPrefix(t.ID, activityRetryPrefix) && strings.HasSuffix(t.ID, activityRetrySuffix):
		id, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(t.ID, activityRetryPrefix), activityRetrySuffix), 10, 64)
		act := a.activities[id]
		if act == nil || act.dispatched {
			a.dropTimer(t)
			return
		}
		if err := a.engine.journal.Append(context.Background(), &journal.AppendRequest{Run: a.run(), DeleteTimers: []journal.Timer{t}}); err != nil {
			handled = false
			return
		}
		a.dispatch(act)
	case t.ID == workflowBackoffID:
		// The retry's backoff is over: run the code on its start.
		if a.codeRan {
			a.dropTimer(t)
			return
		}
		if a.exec == nil && a.taskFailure == nil {
			history, err := a.engine.journal.History(context.Background(), a.run())
			if err != nil {
				handled = false
				return
			}
			a.buildExecution(history)
		}
		if a.exec == nil {
			// No worker yet (or the code fails): fire once it can run.
			handled = false
			a.deferred = append(a.deferred, m)
			return
		}
		a.backoffFired = true
		_ = a.commit(nil, appendExtras{deleteTimers: []journal.Timer{t}})
		a.runDeferred() // updates that waited for the code's first run
	case t.ID == workflowTimeoutID:
		_ = a.commit([]*journalpb.Event{{Attributes: &journalpb.Event_WorkflowExecutionTimedOut{WorkflowExecutionTimedOut: &journalpb.WorkflowExecutionTimedOut{
			RetryState: journalpb.RetryState_RETRY_STATE_TIMEOUT}}}}, appendExtras{deleteTimers: []journal.Timer{t}})
	default:
		a.dropTimer(t)
	}
}

// dropTimer removes a timer that no longer means anything.
func (a *workflowActor) dropTimer(t journal.Timer) {
	_ = a.engine.journal.Append(context.Background(), &journal.AppendRequest{Run: t.Run, DeleteTimers: []journal.Timer{t}})
}

// maybePassivate leaves memory when nothing waits on this activation, and
// reports whether it did.
func (a *workflowActor) maybePassivate(ctx protoactor.Context) bool {
	a.dropGoneWaiters()
	if len(a.waiters) > 0 || len(a.updateWaiters) > 0 || len(a.deferred) > 0 || a.taskFailure != nil || len(a.batched) > 0 {
		return false
	}
	a.host.passivate(a.key, ctx.Self())
	a.passivated = true
	ctx.Poison(ctx.Self())
	return true
}
