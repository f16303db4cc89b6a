package client

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/schedule"
	"github.com/grainflow/grainflow/sdk/converter"
	"github.com/grainflow/grainflow/sdk/enums"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// The schedule workflow.
//
// One run of scheduleWorkflow holds a schedule's state and loops: it acts
// on every time that has fallen due since the last time it looked
// (LastProcessed), then waits on a durable timer for the next due time, or
// for an update (pause, trigger, ...) or an action's workflow to close. It
// reads the clock only through workflow.Now, so replay repeats its
// decisions.
//
// Each action is a child workflow with ParentClosePolicy ABANDON, named
// "<action ID>-<due time>": the engine starts a child once per initiating
// event, even if a crash makes the parent send the start again, so a due
// time recorded as acted on starts exactly one workflow. The child's close
// comes back to the run that started it, which is how the overlap policies
// know whether an action still runs. The run therefore continues as new
// (to bound its history) only when none of its actions runs and no update
// handler is in progress; the state travels in the new run's input.
//
// Open runs of this workflow are replayed by the next grainflow version:
// change what it decides (commands, their order, the limits below) only
// behind workflow.GetVersion.

// Names of the schedule workflow and its task queue, updates and query.
const (
	scheduleIDPrefix      = "__schedule/"
	scheduleWorkflowType  = "__grainflow_schedule"
	scheduleTaskQueue     = "__grainflow_schedules"
	scheduleQueryDescribe = "describe"
	scheduleUpdateName    = "update"
	scheduleTriggerName   = "trigger"
	schedulePauseName     = "pause"
	scheduleUnpauseName   = "unpause"
	scheduleBackfillName  = "backfill"
	terminateActivityName = "__grainflow_schedule_terminate"
)

// The search attributes of every workflow a schedule starts: the
// schedule's ID and the due time the workflow was started for.
var (
	scheduledByIDKey      = temporal.NewSearchAttributeKeyKeyword("TemporalScheduledById")
	scheduledStartTimeKey = temporal.NewSearchAttributeKeyTime("TemporalScheduledStartTime")
)

// Limits of the schedule workflow. Variables so that tests can lower them.
var (
	// scheduleContinueAsNewAfter is how many passes of its loop a run
	// makes before it continues as new (once no action runs).
	scheduleContinueAsNewAfter = 500
	// minCatchupWindow is the smallest catch-up window, as in Temporal.
	minCatchupWindow = 10 * time.Second
)

const (
	// maxRecentActions is how many recent actions the state keeps.
	maxRecentActions = 10
	// maxBufferedStarts bounds the actions the buffer policies hold.
	maxBufferedStarts = 1000
	// maxDuePerPass and maxMissedPerPass bound the due times one workflow
	// task handles, so that a long outage is worked off in several tasks
	// instead of one that trips the deadlock detector.
	maxDuePerPass    = 500
	maxMissedPerPass = 10_000
	// maxStartBytesPerPass bounds the arguments and memos of the actions
	// one pass starts, to keep a workflow task's append well below the
	// journal's limit.
	maxStartBytesPerPass = 1 << 20
)

// scheduleWorkflowID is the workflow ID of the schedule with the given ID.
func scheduleWorkflowID(scheduleID string) string { return scheduleIDPrefix + scheduleID }

// actionWorkflowID names the workflow an action due at nominal starts.
func actionWorkflowID(actionID string, nominal time.Time) string {
	return actionID + "-" + nominal.UTC().Truncate(time.Second).Format(time.RFC3339)
}

// effectiveCatchupWindow applies the default and the minimum.
func effectiveCatchupWindow(w time.Duration) time.Duration {
	switch {
	case w <= 0:
		return schedule.DefaultCatchupWindow
	case w < minCatchupWindow:
		return minCatchupWindow
	}
	return w
}

// scheduleAction is a ScheduleWorkflowAction with its arguments and memo
// encoded.
type scheduleAction struct {
	ID                       string
	WorkflowType             string
	TaskQueue                string
	Args                     []*journalpb.Payload
	WorkflowExecutionTimeout time.Duration
	WorkflowRunTimeout       time.Duration
	WorkflowTaskTimeout      time.Duration
	RetryPolicy              *temporal.RetryPolicy
	Memo                     map[string]*journalpb.Payload
}

// scheduleState is everything a schedule workflow knows; it is the input of
// each run.
type scheduleState struct {
	ScheduleID string
	Spec       ScheduleSpec
	Action     scheduleAction

	Overlap        enums.ScheduleOverlapPolicy
	CatchupWindow  time.Duration
	PauseOnFailure bool

	Note             string
	Paused           bool
	LimitedActions   bool
	RemainingActions int

	NumActions                    int
	NumActionsMissedCatchupWindow int
	NumActionsSkippedOverlap      int
	RecentActions                 []ScheduleActionResult
	CreatedAt                     time.Time
	LastUpdateAt                  time.Time

	// LastProcessed is the time up to which due times have been handled.
	LastProcessed time.Time
	// Buffer holds the actions the overlap policy postponed, in order.
	Buffer []bufferedStart
	// ConflictToken changes with every change made through the handle, so
	// that Update can refuse to overwrite a change it did not read.
	ConflictToken int64

	// Memo is the schedule's memo (also the memo of its workflow runs).
	Memo map[string]*journalpb.Payload

	// TriggerImmediately and Backfills are acted on by the first run.
	TriggerImmediately bool
	Backfills          []ScheduleBackfill
}

// bufferedStart is an action waiting for the running ones to close.
type bufferedStart struct {
	Nominal time.Time
	At      time.Time
}

// describeRequest is the argument of the describe query.
type describeRequest struct {
	// AsOf is the caller's clock: the next times of a paused schedule are
	// counted from it.
	AsOf time.Time
	// Limit is how many recent and next actions to return.
	Limit int
}

// scheduleSnapshot is the describe query's answer.
type scheduleSnapshot struct {
	State           scheduleState
	Running         []ScheduleWorkflowExecution
	NextActionTimes []time.Time
}

// scheduleUpdateRequest is the argument of the update update: the new
// definition, and the conflict token of the state it was derived from.
type scheduleUpdateRequest struct {
	ConflictToken int64
	Spec          ScheduleSpec
	Action        scheduleAction
	Policy        *SchedulePolicies // nil keeps the current policies
	State         *ScheduleState    // nil keeps the current state
}

// runningAction is a workflow an action started that has not closed.
type runningAction struct {
	exec               *ScheduleWorkflowExecution // shared with its RecentActions entry
	cancel             workflow.CancelFunc
	cancelRequested    bool
	terminateRequested bool
}

// scheduler is a run's working state.
type scheduler struct {
	ctx     workflow.Context // disconnected from the run's cancellation
	st      *scheduleState
	spec    *schedule.Compiled // nil if the spec no longer compiles here
	running []*runningAction
	wake    bool // set when the main loop should look again
}

// scheduleWorkflow is the workflow behind every schedule.
func scheduleWorkflow(ctx workflow.Context, st scheduleState) error {
	root, _ := workflow.NewDisconnectedContext(ctx)
	s := &scheduler{ctx: root, st: &st}
	s.compile()
	if err := s.registerHandlers(ctx); err != nil {
		return err
	}
	now := workflow.Now(ctx)
	if st.CreatedAt.IsZero() {
		st.CreatedAt = now
	}
	if st.LastProcessed.IsZero() {
		st.LastProcessed = now
	}
	if st.TriggerImmediately {
		st.TriggerImmediately = false
		s.take(now, now, now, enums.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED, true)
	}
	for _, b := range st.Backfills {
		s.backfill(now, b)
	}
	st.Backfills = nil

	for passes := 1; ; passes++ {
		now := workflow.Now(ctx)
		more := s.processDue(now)
		if passes >= scheduleContinueAsNewAfter && len(s.running) == 0 && workflow.AllHandlersFinished(ctx) {
			return workflow.NewContinueAsNewError(ctx, scheduleWorkflowType, st)
		}
		s.wake = false
		wait := time.Duration(-1) // no timer: wait for an update or a close
		if more {
			wait = time.Millisecond
		} else if at, ok := s.nextWake(); ok {
			wait = max(at.Sub(now), time.Millisecond)
		}
		woken := func() bool { return s.wake }
		if wait < 0 {
			_ = workflow.Await(ctx, woken)
		} else {
			_, _ = workflow.AwaitWithTimeout(ctx, wait, woken)
		}
	}
}

// compile compiles the spec. It was compiled by the client, but the time
// zone database of this host could lack the zone: the schedule then takes no
// scheduled actions and says why in its note.
func (s *scheduler) compile() {
	spec, err := schedule.Compile(s.st.Spec)
	if err != nil {
		s.spec = nil
		s.st.Note = "the spec does not compile on this node: " + err.Error()
		return
	}
	s.spec = spec
}

// registerHandlers installs the describe query and the updates.
func (s *scheduler) registerHandlers(ctx workflow.Context) error {
	st := s.st
	errs := []error{
		workflow.SetQueryHandler(ctx, scheduleQueryDescribe, s.snapshot),
		workflow.SetUpdateHandlerWithOptions(ctx, scheduleUpdateName, func(ctx workflow.Context, req scheduleUpdateRequest) error {
			now := workflow.Now(ctx)
			s.processDue(now)
			st.Spec, st.Action = req.Spec, req.Action
			s.compile()
			if p := req.Policy; p != nil {
				st.Overlap, st.CatchupWindow, st.PauseOnFailure = p.Overlap, p.CatchupWindow, p.PauseOnFailure
			}
			if x := req.State; x != nil {
				st.Note, st.Paused = x.Note, x.Paused
				st.LimitedActions, st.RemainingActions = x.LimitedActions, x.RemainingActions
				if !st.LimitedActions {
					st.RemainingActions = 0
				}
			}
			// The new spec applies from now on.
			st.LastProcessed = later(st.LastProcessed, now)
			s.changed(now)
			return nil
		}, workflow.UpdateHandlerOptions{Validator: func(req scheduleUpdateRequest) error {
			if req.ConflictToken != st.ConflictToken {
				return temporal.NewNonRetryableApplicationError(
					"the schedule changed after Update read it; nothing was changed, call Update again", "ScheduleConflict", nil)
			}
			_, err := schedule.Compile(req.Spec)
			return err
		}}),
		workflow.SetUpdateHandler(ctx, schedulePauseName, func(ctx workflow.Context, note string) error {
			now := workflow.Now(ctx)
			s.processDue(now)
			st.Paused, st.Note = true, note
			s.changed(now)
			return nil
		}),
		workflow.SetUpdateHandler(ctx, scheduleUnpauseName, func(ctx workflow.Context, note string) error {
			now := workflow.Now(ctx)
			s.processDue(now) // while still paused: the paused period is not caught up
			st.Paused, st.Note = false, note
			s.changed(now)
			return nil
		}),
		workflow.SetUpdateHandler(ctx, scheduleTriggerName, func(ctx workflow.Context, opts ScheduleTriggerOptions) error {
			now := workflow.Now(ctx)
			s.processDue(now)
			s.take(now, now, now, opts.Overlap, true)
			s.wake = true
			return nil
		}),
		workflow.SetUpdateHandlerWithOptions(ctx, scheduleBackfillName, func(ctx workflow.Context, periods []ScheduleBackfill) error {
			now := workflow.Now(ctx)
			s.processDue(now)
			for _, b := range periods {
				s.backfill(now, b)
			}
			s.wake = true
			return nil
		}, workflow.UpdateHandlerOptions{Validator: func(periods []ScheduleBackfill) error {
			for i, b := range periods {
				if err := checkBackfill(st.Spec, b); err != nil {
					return fmt.Errorf("Backfill[%d]: %w", i, err)
				}
			}
			return nil
		}}),
	}
	return errors.Join(errs...)
}

// changed records a change made through the handle.
func (s *scheduler) changed(now time.Time) {
	s.st.LastUpdateAt = now
	s.st.ConflictToken++
	s.wake = true
}

// canTakeScheduled reports whether a due time may start an action now.
func (s *scheduler) canTakeScheduled() bool {
	return !s.st.Paused && (!s.st.LimitedActions || s.st.RemainingActions > 0)
}

// processDue handles the due times in (LastProcessed, now]: those older than
// the catch-up window are counted as missed, the others go to the overlap
// policy. It reports true if it stopped at its budget with due times left.
// Buffered actions whose turn has come start at the end.
func (s *scheduler) processDue(now time.Time) (more bool) {
	st := s.st
	defer s.drainBuffer(now)
	if s.spec == nil || st.Paused {
		st.LastProcessed = later(st.LastProcessed, now)
		return false
	}
	cutoff := now.Add(-effectiveCatchupWindow(st.CatchupWindow))
	missedBudget, dueBudget := maxMissedPerPass, s.dueBudget()
	for {
		t, ok := s.spec.Next(st.LastProcessed)
		if !ok {
			st.LastProcessed = later(st.LastProcessed, now)
			return false
		}
		if t.Before(cutoff) {
			if missedBudget == 0 {
				return true
			}
			missedBudget--
			st.LastProcessed = t
			if s.canTakeScheduled() {
				st.NumActionsMissedCatchupWindow++
			}
			continue
		}
		at := s.spec.Jittered(t, st.ScheduleID)
		if at.After(now) {
			// Not due yet. Keep the watermark below t if only its jitter
			// delays it.
			if t.After(now) {
				st.LastProcessed = later(st.LastProcessed, now)
			} else {
				st.LastProcessed = later(st.LastProcessed, t.Add(-time.Nanosecond))
			}
			return false
		}
		if dueBudget == 0 {
			return true
		}
		dueBudget--
		st.LastProcessed = t
		if s.canTakeScheduled() {
			s.take(now, t, at, enums.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED, false)
		}
	}
}

// dueBudget is how many due times one pass may act on: at most
// maxDuePerPass, fewer when the action's payloads are large.
func (s *scheduler) dueBudget() int {
	size := 0
	for _, p := range s.st.Action.Args {
		size += proto.Size(p)
	}
	for _, p := range s.st.Action.Memo {
		size += proto.Size(p)
	}
	if size == 0 {
		return maxDuePerPass
	}
	return min(maxDuePerPass, max(1, maxStartBytesPerPass/size))
}

// nextWake is when the next action falls due, jitter included; false if
// no scheduled action can fall due (paused, no more times, no actions left).
func (s *scheduler) nextWake() (time.Time, bool) {
	if s.spec == nil || !s.canTakeScheduled() {
		return time.Time{}, false
	}
	t, ok := s.spec.Next(s.st.LastProcessed)
	if !ok {
		return time.Time{}, false
	}
	return s.spec.Jittered(t, s.st.ScheduleID), true
}

// backfill takes the actions due in [b.Start, b.End] now.
func (s *scheduler) backfill(now time.Time, b ScheduleBackfill) {
	if s.spec == nil {
		return
	}
	for _, t := range s.spec.Between(b.Start.Add(-time.Nanosecond), b.End, maxBackfillTimes) {
		s.take(now, t, t, b.Overlap, true)
	}
}

// take applies the overlap policy to an action due at nominal (at with
// jitter). Manual actions (triggers, backfills) do not count against the
// remaining actions.
func (s *scheduler) take(now, nominal, at time.Time, overlap enums.ScheduleOverlapPolicy, manual bool) {
	st := s.st
	if overlap == enums.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED {
		overlap = st.Overlap
	}
	consume := func() {
		if !manual && st.LimitedActions {
			st.RemainingActions--
		}
	}
	switch overlap.Decide(len(s.running) > 0, len(st.Buffer)) {
	case schedule.ActionStart:
		consume()
		s.start(now, nominal, at)
	case schedule.ActionBuffer:
		if len(st.Buffer) >= maxBufferedStarts {
			st.NumActionsSkippedOverlap++
			return
		}
		consume()
		st.Buffer = append(st.Buffer, bufferedStart{Nominal: nominal, At: at})
	case schedule.ActionCancelThenStart, schedule.ActionTerminateThenStart:
		// The new action replaces whatever waited; it starts once the
		// running workflows have closed.
		st.NumActionsSkippedOverlap += len(st.Buffer)
		consume()
		st.Buffer = []bufferedStart{{Nominal: nominal, At: at}}
		terminate := overlap == enums.SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER
		for _, r := range s.running {
			if terminate {
				s.terminate(r)
			} else {
				s.cancel(r)
			}
		}
	default: // schedule.ActionDrop
		st.NumActionsSkippedOverlap++
	}
}

// drainBuffer starts the first buffered action once nothing runs.
func (s *scheduler) drainBuffer(now time.Time) {
	for len(s.st.Buffer) > 0 && len(s.running) == 0 {
		b := s.st.Buffer[0]
		s.st.Buffer = s.st.Buffer[1:]
		s.start(now, b.Nominal, b.At)
	}
}

// start starts the action's workflow for the due time nominal.
func (s *scheduler) start(now, nominal, at time.Time) {
	st := s.st
	a := st.Action
	id := actionWorkflowID(a.ID, nominal)
	ctx, cancel := workflow.WithCancel(s.ctx)
	opts := workflow.ChildWorkflowOptions{
		WorkflowID:               id,
		TaskQueue:                a.TaskQueue,
		WorkflowExecutionTimeout: a.WorkflowExecutionTimeout,
		WorkflowRunTimeout:       a.WorkflowRunTimeout,
		WorkflowTaskTimeout:      a.WorkflowTaskTimeout,
		RetryPolicy:              a.RetryPolicy,
		ParentClosePolicy:        enums.PARENT_CLOSE_POLICY_ABANDON,
		// A canceled action counts as running until it has closed.
		WaitForCancellation: true,
		// The attributes Temporal's scheduler sets, so that queries such
		// as TemporalScheduledById = 'nightly' find a schedule's runs.
		TypedSearchAttributes: temporal.NewSearchAttributes(
			scheduledByIDKey.ValueSet(st.ScheduleID),
			scheduledStartTimeKey.ValueSet(nominal.UTC()),
		),
	}
	if len(a.Memo) > 0 {
		opts.Memo = make(map[string]any, len(a.Memo))
		for k, p := range a.Memo {
			opts.Memo[k] = converter.NewRawValue(p)
		}
	}
	args := make([]any, len(a.Args))
	for i, p := range a.Args {
		args[i] = converter.NewRawValue(p)
	}
	f := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts), a.WorkflowType, args...)

	exec := &ScheduleWorkflowExecution{WorkflowID: id}
	st.NumActions++
	st.RecentActions = append(st.RecentActions, ScheduleActionResult{ScheduleTime: at, ActualTime: now, StartWorkflowResult: exec})
	if n := len(st.RecentActions); n > maxRecentActions {
		st.RecentActions = slices.Clone(st.RecentActions[n-maxRecentActions:])
	}
	r := &runningAction{exec: exec, cancel: cancel}
	s.running = append(s.running, r)
	workflow.GoNamed(s.ctx, "schedule action "+id, func(ctx workflow.Context) { s.watch(ctx, r, f) })
}

// watch follows an action's workflow until it closes.
func (s *scheduler) watch(ctx workflow.Context, r *runningAction, f workflow.ChildWorkflowFuture) {
	st := s.st
	var started workflow.Execution
	if err := f.GetChildWorkflowExecution().Get(ctx, &started); err != nil {
		// Not started (the ID is taken by a workflow that still runs):
		// the action was not taken after all.
		workflow.GetLogger(ctx).Warn("schedule action could not start its workflow",
			"ScheduleID", st.ScheduleID, "ActionWorkflowID", r.exec.WorkflowID, "Error", err)
		s.forget(r)
		s.wake = true
		return
	}
	r.exec.FirstExecutionRunID = started.RunID
	err := f.Get(ctx, nil)
	now := workflow.Now(ctx)
	// Times that fell due while this workflow ran are decided with it
	// still running.
	s.processDue(now)
	s.running = slices.DeleteFunc(s.running, func(x *runningAction) bool { return x == r })
	if err != nil && st.PauseOnFailure && !temporal.IsCanceledError(err) && !temporal.IsTerminatedError(err) {
		st.Paused = true
		st.Note = fmt.Sprintf("paused because workflow %s failed: %v", r.exec.WorkflowID, err)
	}
	s.drainBuffer(now)
	s.wake = true
}

// forget removes an action whose workflow did not start.
func (s *scheduler) forget(r *runningAction) {
	st := s.st
	s.running = slices.DeleteFunc(s.running, func(x *runningAction) bool { return x == r })
	n := len(st.RecentActions)
	st.RecentActions = slices.DeleteFunc(st.RecentActions, func(a ScheduleActionResult) bool { return a.StartWorkflowResult == r.exec })
	if len(st.RecentActions) < n {
		st.NumActions--
	}
	s.drainBuffer(workflow.Now(s.ctx))
}

// cancel asks a running action's workflow to cancel.
func (s *scheduler) cancel(r *runningAction) {
	if !r.cancelRequested {
		r.cancelRequested = true
		r.cancel()
	}
}

// terminate terminates a running action's workflow, through an activity:
// workflow code has no command for it.
func (s *scheduler) terminate(r *runningAction) {
	if r.terminateRequested {
		return
	}
	r.terminateRequested = true
	ctx := workflow.WithActivityOptions(s.ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second})
	info := workflow.GetInfo(s.ctx)
	// The workflow ID belongs to this action alone, so its latest run is the
	// one to end (a retry or continuation of the first run).
	workflow.ExecuteActivity(ctx, terminateActivityName, info.Namespace, r.exec.WorkflowID, "",
		"terminated by schedule "+s.st.ScheduleID+" (overlap policy TerminateOther)")
}

// snapshot answers the describe query.
func (s *scheduler) snapshot(req describeRequest) (scheduleSnapshot, error) {
	snap := scheduleSnapshot{State: *s.st}
	if n := len(snap.State.RecentActions); req.Limit >= 0 && n > req.Limit {
		snap.State.RecentActions = snap.State.RecentActions[n-req.Limit:]
	}
	for _, r := range s.running {
		snap.Running = append(snap.Running, *r.exec)
	}
	snap.NextActionTimes = s.nextTimes(req.AsOf, req.Limit)
	return snap, nil
}

// nextTimes lists the next n times an action falls due.
func (s *scheduler) nextTimes(asOf time.Time, n int) []time.Time {
	st := s.st
	if s.spec == nil {
		return nil
	}
	if st.LimitedActions {
		n = min(n, st.RemainingActions)
	}
	from := st.LastProcessed
	if st.Paused {
		from = later(from, asOf)
	}
	var out []time.Time
	for _, t := range s.spec.Describe(from, n) {
		out = append(out, s.spec.Jittered(t, st.ScheduleID))
	}
	return out
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
