package client

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/grainflow/grainflow/actor"
	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/schedule"
	"github.com/grainflow/grainflow/sdk/converter"
	"github.com/grainflow/grainflow/sdk/enums"
	"github.com/grainflow/grainflow/sdk/internal"
	"github.com/grainflow/grainflow/sdk/temporal"
)

// Schedules.
//
// A schedule is a system workflow on the node: its workflow ID is the
// schedule ID behind the reserved prefix "__schedule/", it runs on the
// system task queue "__grainflow_schedules", and every node runs the worker
// of that queue (registered with cluster.RegisterService, so it also runs
// after a restart). The workflow keeps the schedule's spec, action, policies
// and counters, sleeps on a durable timer until the next due time, and
// starts each action as an abandoned child workflow whose ID is the
// action's ID followed by the due time, so that a due time is acted on once
// even across crashes. The handle's operations are updates to that workflow
// (answered once the change is durable), a query (Describe) and a
// termination (Delete). See schedule_workflow.go.

// ScheduleClient creates schedules and returns handles to them.
type ScheduleClient interface {
	// Create starts a schedule and returns its handle. A spec that does not
	// compile returns the schedule package's *SpecError (test with
	// errors.As) and nothing is created; an ID in use returns an error
	// wrapping temporal.ErrScheduleAlreadyRunning.
	Create(ctx context.Context, options ScheduleOptions) (ScheduleHandle, error)
	// List iterates over the schedules of the client's namespace, ordered
	// by ID.
	List(ctx context.Context, options ScheduleListOptions) (ScheduleListIterator, error)
	// GetHandle returns a handle to the schedule with the ID. It does not
	// check that the schedule exists: the handle's methods report that.
	GetHandle(ctx context.Context, scheduleID string) ScheduleHandle
}

// ScheduleHandle is a schedule that was created.
type ScheduleHandle interface {
	// GetID returns the schedule's ID.
	GetID() string
	// Delete ends the schedule. Workflows its actions started keep running.
	Delete(ctx context.Context) error
	// Backfill takes the actions the schedule would have taken in the
	// given periods (start and end included) now, with the period's overlap
	// policy, ignoring the catch-up window and the pause.
	Backfill(ctx context.Context, options ScheduleBackfillOptions) error
	// Update reads the schedule's description, passes it to
	// options.DoUpdate and replaces the schedule's action, spec, policies
	// and state with what DoUpdate returns. If the schedule changed between
	// the read and the write, Update fails and changes nothing.
	Update(ctx context.Context, options ScheduleUpdateOptions) error
	// Describe returns the schedule's definition and its counters, recent
	// and next actions.
	Describe(ctx context.Context) (*ScheduleDescription, error)
	// Trigger takes an action now, under options.Overlap or, if that is
	// unspecified, the schedule's overlap policy; also while paused.
	Trigger(ctx context.Context, options ScheduleTriggerOptions) error
	// Pause stops the schedule from taking actions when they fall due and
	// replaces its note.
	Pause(ctx context.Context, options SchedulePauseOptions) error
	// Unpause lets the schedule take actions again from now on and replaces
	// its note. Times that fell due while it was paused are not caught up.
	Unpause(ctx context.Context, options ScheduleUnpauseOptions) error
}

type (
	// ScheduleSpec describes when a schedule acts: the union of its
	// Calendars, Intervals and CronExpressions, minus Skip, within
	// [StartAt, EndAt], each time delayed by up to Jitter. The fields are
	// those of Temporal's ScheduleSpec; see the schedule package for the
	// exact rules (daylight saving time, cron syntax, search bounds).
	ScheduleSpec = schedule.Spec
	// ScheduleCalendarSpec matches wall-clock times field by field.
	ScheduleCalendarSpec = schedule.CalendarSpec
	// ScheduleIntervalSpec matches epoch + Offset + k*Every.
	ScheduleIntervalSpec = schedule.IntervalSpec
	// ScheduleRange is a range of integers for a calendar field.
	ScheduleRange = schedule.Range
)

// ScheduleAction is what a schedule does when a time falls due. The only
// action is *ScheduleWorkflowAction.
type ScheduleAction interface {
	isScheduleAction()
}

// ScheduleWorkflowAction starts a workflow.
type ScheduleWorkflowAction struct {
	// ID is the start of the workflow IDs: each started workflow's ID is ID,
	// a dash and the due time in UTC (RFC 3339, whole seconds), e.g.
	// "report-2025-01-01T09:00:00Z". Default: a random UUID.
	ID string
	// Workflow is the workflow function or its type name. Describe returns
	// the type name.
	Workflow any
	// Args are the workflow's arguments, encoded at Create or Update with
	// the client's data converter. Describe returns them as
	// *journalpb.Payload values, which Update passes on unchanged.
	Args []any
	// TaskQueue is the task queue of the started workflows. Required.
	TaskQueue string
	// WorkflowExecutionTimeout, WorkflowRunTimeout and WorkflowTaskTimeout
	// are the started workflows' timeouts, as in StartWorkflowOptions.
	WorkflowExecutionTimeout time.Duration
	WorkflowRunTimeout       time.Duration
	WorkflowTaskTimeout      time.Duration
	// RetryPolicy retries a started workflow that fails.
	RetryPolicy *temporal.RetryPolicy
	// Memo is stored with each started workflow. Describe returns the
	// values as *journalpb.Payload, which Update passes on unchanged.
	Memo map[string]any
}

func (*ScheduleWorkflowAction) isScheduleAction() {}

// ScheduleOptions configure ScheduleClient.Create.
type ScheduleOptions struct {
	// ID identifies the schedule in its namespace. Required.
	ID string
	// Spec says when actions are taken.
	Spec ScheduleSpec
	// Action is what to do; a *ScheduleWorkflowAction. Required.
	Action ScheduleAction
	// Overlap decides what happens to an action that falls due while a
	// workflow started by the schedule is running (default Skip).
	Overlap enums.ScheduleOverlapPolicy
	// CatchupWindow is how late an action may still be taken after the
	// node was down (default one year, at least 10 s). Older due times are
	// skipped and counted in NumActionsMissedCatchupWindow.
	CatchupWindow time.Duration
	// PauseOnFailure pauses the schedule when a workflow it started fails or
	// times out (not when it is canceled or terminated).
	PauseOnFailure bool
	// Note is free text, e.g. why the schedule is paused.
	Note string
	// Paused creates the schedule paused.
	Paused bool
	// RemainingActions, if positive, limits how many scheduled actions the
	// schedule takes; triggers and backfills do not count.
	RemainingActions int
	// TriggerImmediately takes one action as soon as the schedule starts.
	TriggerImmediately bool
	// ScheduleBackfill takes the actions of these periods as soon as the
	// schedule starts, as ScheduleHandle.Backfill does.
	ScheduleBackfill []ScheduleBackfill
	// Memo is stored with the schedule and returned by Describe and List.
	Memo map[string]any
}

// Schedule is a schedule's definition, as Describe returns it and Update
// takes it.
type Schedule struct {
	// Action is a *ScheduleWorkflowAction.
	Action ScheduleAction
	// Spec says when actions are taken.
	Spec *ScheduleSpec
	// Policy holds the overlap, catch-up and failure policies. Update keeps
	// the current ones if it is nil.
	Policy *SchedulePolicies
	// State holds the pause, note and action limit. Update keeps the
	// current ones if it is nil.
	State *ScheduleState
}

// SchedulePolicies are a schedule's policies.
type SchedulePolicies struct {
	// Overlap decides about actions that fall due while one runs.
	Overlap enums.ScheduleOverlapPolicy
	// CatchupWindow is how late an action may be taken after downtime.
	CatchupWindow time.Duration
	// PauseOnFailure pauses the schedule when a started workflow fails.
	PauseOnFailure bool
}

// ScheduleState is whether a schedule is paused, its note and its action
// limit.
type ScheduleState struct {
	// Note is free text, e.g. why the schedule is paused.
	Note string
	// Paused is true while the schedule takes no scheduled actions.
	Paused bool
	// LimitedActions says RemainingActions applies.
	LimitedActions bool
	// RemainingActions is how many scheduled actions remain, when limited.
	RemainingActions int
}

// ScheduleDescription is what ScheduleHandle.Describe returns.
type ScheduleDescription struct {
	// Schedule is the schedule's definition.
	Schedule Schedule
	// Info holds counters and the recent, running and next actions.
	Info ScheduleInfo
	// Memo is the memo given at Create; decode a value with the client's
	// data converter.
	Memo map[string]*journalpb.Payload
}

// ScheduleInfo describes what a schedule did and will do.
type ScheduleInfo struct {
	// NumActions counts the actions taken, triggers and backfills included.
	NumActions int
	// NumActionsMissedCatchupWindow counts due times skipped because they
	// were older than the catch-up window when the schedule ran again.
	NumActionsMissedCatchupWindow int
	// NumActionsSkippedOverlap counts actions the overlap policy dropped.
	NumActionsSkippedOverlap int
	// RunningWorkflows are the workflows the schedule started that have
	// not closed, oldest first.
	RunningWorkflows []ScheduleWorkflowExecution
	// RecentActions are the last 10 actions taken, oldest first.
	RecentActions []ScheduleActionResult
	// NextActionTimes are the next 10 times an action falls due (jitter
	// included).
	NextActionTimes []time.Time
	// CreatedAt is when the schedule started.
	CreatedAt time.Time
	// LastUpdateAt is when Update, Pause or Unpause last changed it (zero
	// if never).
	LastUpdateAt time.Time
}

// ScheduleActionResult is one action a schedule took.
type ScheduleActionResult struct {
	// ScheduleTime is when the action was due, jitter included (for a
	// trigger, when it was triggered).
	ScheduleTime time.Time
	// ActualTime is when the schedule started the workflow.
	ActualTime time.Time
	// StartWorkflowResult names the started workflow.
	StartWorkflowResult *ScheduleWorkflowExecution
}

// ScheduleWorkflowExecution names a workflow a schedule started.
type ScheduleWorkflowExecution struct {
	// WorkflowID is the workflow's ID.
	WorkflowID string
	// FirstExecutionRunID is its first run's ID (empty until the start is
	// recorded).
	FirstExecutionRunID string
}

// ScheduleListOptions configure ScheduleClient.List.
type ScheduleListOptions struct {
	// PageSize is how many schedules are read at a time (default 1,000).
	PageSize int
	// Query must be empty: filtering schedules is not supported yet.
	Query string
}

// ScheduleListIterator iterates over schedules.
type ScheduleListIterator interface {
	// HasNext reports whether Next has a schedule (or an error) to return.
	HasNext() bool
	// Next returns the next schedule.
	Next() (*ScheduleListEntry, error)
}

// ScheduleListEntry is one schedule found by List.
type ScheduleListEntry struct {
	// ID is the schedule's ID.
	ID string
	// Spec says when it acts.
	Spec *ScheduleSpec
	// Note is the schedule's note.
	Note string
	// Paused is true while it is paused.
	Paused bool
	// WorkflowType is the type of the workflows its action starts.
	WorkflowType internal.WorkflowType
	// RecentActions are the last 5 actions, oldest first.
	RecentActions []ScheduleActionResult
	// NextActionTimes are the next 5 due times.
	NextActionTimes []time.Time
	// Memo is the memo given at Create.
	Memo map[string]*journalpb.Payload
}

// ScheduleUpdateOptions configure ScheduleHandle.Update.
type ScheduleUpdateOptions struct {
	// DoUpdate receives the schedule's description and returns the new
	// schedule, or temporal.ErrSkipScheduleUpdate to change nothing; any
	// other error is returned by Update.
	DoUpdate func(ScheduleUpdateInput) (*ScheduleUpdate, error)
}

// ScheduleUpdateInput is what DoUpdate receives.
type ScheduleUpdateInput struct {
	// Description is the schedule as Describe returns it.
	Description ScheduleDescription
}

// ScheduleUpdate is what DoUpdate returns.
type ScheduleUpdate struct {
	// Schedule replaces the schedule's definition. Required.
	Schedule *Schedule
}

// ScheduleTriggerOptions configure ScheduleHandle.Trigger.
type ScheduleTriggerOptions struct {
	// Overlap overrides the schedule's overlap policy for this action.
	Overlap enums.ScheduleOverlapPolicy
}

// SchedulePauseOptions configure ScheduleHandle.Pause.
type SchedulePauseOptions struct {
	// Note replaces the schedule's note (default "Paused via the grainflow client").
	Note string
}

// ScheduleUnpauseOptions configure ScheduleHandle.Unpause.
type ScheduleUnpauseOptions struct {
	// Note replaces the schedule's note (default "Unpaused via the grainflow client").
	Note string
}

// ScheduleBackfillOptions configure ScheduleHandle.Backfill.
type ScheduleBackfillOptions struct {
	// Backfill lists the periods to backfill.
	Backfill []ScheduleBackfill
}

// ScheduleBackfill is a period whose due times are acted on now.
type ScheduleBackfill struct {
	// Start and End bound the period; both are included.
	Start time.Time
	End   time.Time
	// Overlap overrides the schedule's overlap policy for these actions.
	Overlap enums.ScheduleOverlapPolicy
}

// scheduleClient implements ScheduleClient.
type scheduleClient struct {
	c *embeddedClient
}

// schedulesDC encodes the messages between the client and the schedule
// workflow; the workflow's worker uses it too. Action arguments and memos
// are encoded with the client's converter and passed through untouched.
var schedulesDC = converter.GetDefaultDataConverter()

// maxBackfillTimes bounds the due times one backfill may act on.
const maxBackfillTimes = 1000

func (sc *scheduleClient) Create(ctx context.Context, options ScheduleOptions) (ScheduleHandle, error) {
	if err := checkScheduleID(options.ID); err != nil {
		return nil, err
	}
	if _, err := schedule.Compile(options.Spec); err != nil {
		return nil, fmt.Errorf("client: create schedule %s: %w", options.ID, err)
	}
	action, err := sc.c.encodeAction(options.Action)
	if err != nil {
		return nil, fmt.Errorf("client: create schedule %s: %w", options.ID, err)
	}
	if err := checkPolicies(options.Overlap, options.CatchupWindow); err != nil {
		return nil, fmt.Errorf("client: create schedule %s: %w", options.ID, err)
	}
	for i, b := range options.ScheduleBackfill {
		if err := checkBackfill(options.Spec, b); err != nil {
			return nil, fmt.Errorf("client: create schedule %s: ScheduleBackfill[%d]: %w", options.ID, i, err)
		}
	}
	if options.RemainingActions < 0 {
		return nil, fmt.Errorf("client: create schedule %s: RemainingActions %d is negative", options.ID, options.RemainingActions)
	}
	memo, err := internal.EncodeMemo(options.Memo, sc.c.opts.DataConverter)
	if err != nil {
		return nil, fmt.Errorf("client: create schedule %s: %w", options.ID, err)
	}
	st := scheduleState{
		ScheduleID:         options.ID,
		Spec:               options.Spec,
		Action:             *action,
		Overlap:            options.Overlap,
		CatchupWindow:      options.CatchupWindow,
		PauseOnFailure:     options.PauseOnFailure,
		Note:               options.Note,
		Paused:             options.Paused,
		LimitedActions:     options.RemainingActions > 0,
		RemainingActions:   options.RemainingActions,
		TriggerImmediately: options.TriggerImmediately,
		Backfills:          options.ScheduleBackfill,
		Memo:               memo,
	}
	input, err := schedulesDC.ToPayloads(st)
	if err != nil {
		return nil, fmt.Errorf("client: create schedule %s: %w", options.ID, err)
	}
	_, err = sc.c.engine.StartWorkflow(ctx, &actor.StartWorkflowRequest{
		Namespace:        sc.c.opts.Namespace,
		WorkflowID:       scheduleWorkflowID(options.ID),
		WorkflowType:     scheduleWorkflowType,
		TaskQueue:        scheduleTaskQueue,
		Input:            input,
		IDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		IDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		Memo:             memo,
		Identity:         sc.c.opts.Identity,
	})
	var started *actor.WorkflowExecutionAlreadyStartedError
	if errors.As(err, &started) {
		return nil, fmt.Errorf("client: create schedule %s: %w", options.ID, temporal.ErrScheduleAlreadyRunning)
	}
	if err != nil {
		return nil, fmt.Errorf("client: create schedule %s: %w", options.ID, err)
	}
	return sc.handle(options.ID), nil
}

func (sc *scheduleClient) GetHandle(ctx context.Context, scheduleID string) ScheduleHandle {
	return sc.handle(scheduleID)
}

func (sc *scheduleClient) handle(id string) *scheduleHandle {
	return &scheduleHandle{c: sc.c, id: id}
}

func (sc *scheduleClient) List(ctx context.Context, options ScheduleListOptions) (ScheduleListIterator, error) {
	if options.Query != "" {
		return nil, errors.New("client: ScheduleListOptions.Query is not supported yet; leave it empty to list every schedule")
	}
	if options.PageSize <= 0 {
		options.PageSize = 1000
	}
	// Start just below the prefix ("__schedule." sorts right before
	// "__schedule/").
	return &scheduleListIterator{ctx: ctx, c: sc.c, pageSize: options.PageSize,
		after: strings.TrimSuffix(scheduleIDPrefix, "/") + "."}, nil
}

// checkScheduleID refuses IDs the journal cannot hold.
func checkScheduleID(id string) error {
	switch {
	case id == "":
		return errors.New("client: ScheduleOptions.ID is required")
	case strings.ContainsRune(id, 0):
		return fmt.Errorf("client: schedule ID %q contains a NUL byte", id)
	}
	return nil
}

func checkPolicies(overlap enums.ScheduleOverlapPolicy, catchup time.Duration) error {
	if overlap < enums.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED || overlap > enums.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL {
		return fmt.Errorf("unknown overlap policy %d", overlap)
	}
	if catchup < 0 {
		return fmt.Errorf("CatchupWindow %v is negative", catchup)
	}
	return nil
}

// checkBackfill validates one backfill period against spec.
func checkBackfill(spec ScheduleSpec, b ScheduleBackfill) error {
	if err := checkPolicies(b.Overlap, 0); err != nil {
		return err
	}
	if b.Start.IsZero() || b.End.IsZero() || b.End.Before(b.Start) {
		return fmt.Errorf("backfill period [%v, %v] needs a Start and an End not before it", b.Start, b.End)
	}
	compiled, err := schedule.Compile(spec)
	if err != nil {
		return err
	}
	if n := len(compiled.Between(b.Start.Add(-time.Nanosecond), b.End, maxBackfillTimes+1)); n > maxBackfillTimes {
		return fmt.Errorf("backfill period [%v, %v] holds more than %d due times", b.Start, b.End, maxBackfillTimes)
	}
	return nil
}

// encodeAction checks an action and encodes its arguments and memo with
// the client's converter. Payloads (as Describe returns them) and raw
// values pass through.
func (c *embeddedClient) encodeAction(a ScheduleAction) (*scheduleAction, error) {
	wa, ok := a.(*ScheduleWorkflowAction)
	if !ok || wa == nil {
		return nil, fmt.Errorf("Action must be a *ScheduleWorkflowAction, got %T", a)
	}
	workflowType := internal.FunctionName(wa.Workflow)
	if workflowType == "" {
		return nil, errors.New("ScheduleWorkflowAction.Workflow must be a workflow function or a non-empty type name")
	}
	if wa.TaskQueue == "" {
		return nil, errors.New("ScheduleWorkflowAction.TaskQueue is required")
	}
	out := &scheduleAction{
		ID: wa.ID, WorkflowType: workflowType, TaskQueue: wa.TaskQueue,
		WorkflowExecutionTimeout: wa.WorkflowExecutionTimeout, WorkflowRunTimeout: wa.WorkflowRunTimeout,
		WorkflowTaskTimeout: wa.WorkflowTaskTimeout, RetryPolicy: wa.RetryPolicy,
	}
	if out.ID == "" {
		out.ID = uuid.NewString()
	}
	if strings.ContainsRune(out.ID, 0) {
		return nil, fmt.Errorf("ScheduleWorkflowAction.ID %q contains a NUL byte", out.ID)
	}
	for i, arg := range wa.Args {
		p, err := c.encodeKeepingPayloads(arg)
		if err != nil {
			return nil, fmt.Errorf("encode argument %d of workflow %s: %w", i, workflowType, err)
		}
		out.Args = append(out.Args, p)
	}
	if len(wa.Memo) > 0 {
		out.Memo = make(map[string]*journalpb.Payload, len(wa.Memo))
		for k, v := range wa.Memo {
			p, err := c.encodeKeepingPayloads(v)
			if err != nil {
				return nil, fmt.Errorf("encode memo %q of the action: %w", k, err)
			}
			out.Memo[k] = p
		}
	}
	return out, nil
}

// encodeKeepingPayloads encodes v, passing payloads through as they are.
func (c *embeddedClient) encodeKeepingPayloads(v any) (*journalpb.Payload, error) {
	switch p := v.(type) {
	case *journalpb.Payload:
		return p, nil
	case converter.RawValue:
		return p.Payload(), nil
	}
	return c.opts.DataConverter.ToPayload(v)
}

// scheduleHandle implements ScheduleHandle.
type scheduleHandle struct {
	c  *embeddedClient
	id string
}

func (h *scheduleHandle) GetID() string { return h.id }

// notFound is the error for a schedule that does not exist or was deleted.
func (h *scheduleHandle) notFound() error {
	return &actor.NotFoundError{WorkflowID: h.id, Reason: "no such schedule (never created, or deleted)"}
}

// isNotFound reports whether err says the schedule's workflow has no open run.
func isNotFound(err error) bool {
	var nf *actor.NotFoundError
	return errors.As(err, &nf)
}

func (h *scheduleHandle) Delete(ctx context.Context) error {
	err := h.c.engine.TerminateWorkflow(ctx, h.c.opts.Namespace, scheduleWorkflowID(h.id), "", "schedule deleted by "+h.c.opts.Identity, nil)
	if isNotFound(err) {
		return h.notFound()
	}
	if err != nil {
		return fmt.Errorf("client: delete schedule %s: %w", h.id, err)
	}
	return nil
}

func (h *scheduleHandle) Describe(ctx context.Context) (*ScheduleDescription, error) {
	desc, err := h.c.engine.DescribeWorkflow(ctx, h.c.opts.Namespace, scheduleWorkflowID(h.id), "")
	if isNotFound(err) {
		return nil, h.notFound()
	}
	if err != nil {
		return nil, fmt.Errorf("client: describe schedule %s: %w", h.id, err)
	}
	if desc.Meta.GetStatus() != journalpb.WorkflowStatus_WORKFLOW_STATUS_RUNNING {
		return nil, h.notFound()
	}
	snap, err := h.query(ctx, describeLimit)
	if err != nil {
		return nil, err
	}
	return snap.description(), nil
}

// describeLimit is how many recent and next actions Describe returns.
const describeLimit = 10

// query asks the schedule workflow for its state, with up to n recent and
// next actions.
func (h *scheduleHandle) query(ctx context.Context, n int) (*scheduleSnapshot, error) {
	args, err := schedulesDC.ToPayloads(describeRequest{AsOf: time.Now(), Limit: n})
	if err != nil {
		return nil, err
	}
	result, err := h.c.engine.QueryWorkflow(ctx, h.c.opts.Namespace, scheduleWorkflowID(h.id), "", scheduleQueryDescribe, args)
	if isNotFound(err) {
		return nil, h.notFound()
	}
	if err != nil {
		return nil, fmt.Errorf("client: describe schedule %s: %w", h.id, err)
	}
	var snap scheduleSnapshot
	if err := schedulesDC.FromPayloads(result, &snap); err != nil {
		return nil, fmt.Errorf("client: describe schedule %s: decode: %w", h.id, err)
	}
	return &snap, nil
}

func (h *scheduleHandle) Update(ctx context.Context, options ScheduleUpdateOptions) error {
	if options.DoUpdate == nil {
		return errors.New("client: ScheduleUpdateOptions.DoUpdate is required")
	}
	snap, err := h.query(ctx, describeLimit)
	if err != nil {
		return err
	}
	desc := snap.description()
	upd, err := options.DoUpdate(ScheduleUpdateInput{Description: *desc})
	if errors.Is(err, temporal.ErrSkipScheduleUpdate) {
		return nil
	}
	if err != nil {
		return err
	}
	if upd == nil || upd.Schedule == nil {
		return errors.New("client: update schedule " + h.id + ": DoUpdate returned no Schedule")
	}
	req := scheduleUpdateRequest{ConflictToken: snap.State.ConflictToken}
	s := upd.Schedule
	if s.Spec == nil {
		return errors.New("client: update schedule " + h.id + ": Schedule.Spec is nil")
	}
	if _, err := schedule.Compile(*s.Spec); err != nil {
		return fmt.Errorf("client: update schedule %s: %w", h.id, err)
	}
	req.Spec = *s.Spec
	action, err := h.c.encodeAction(s.Action)
	if err != nil {
		return fmt.Errorf("client: update schedule %s: %w", h.id, err)
	}
	req.Action = *action
	if p := s.Policy; p != nil {
		if err := checkPolicies(p.Overlap, p.CatchupWindow); err != nil {
			return fmt.Errorf("client: update schedule %s: %w", h.id, err)
		}
		req.Policy = p
	}
	if st := s.State; st != nil {
		if st.LimitedActions && st.RemainingActions < 0 {
			return fmt.Errorf("client: update schedule %s: RemainingActions %d is negative", h.id, st.RemainingActions)
		}
		req.State = st
	}
	return h.send(ctx, scheduleUpdateName, req)
}

func (h *scheduleHandle) Trigger(ctx context.Context, options ScheduleTriggerOptions) error {
	if err := checkPolicies(options.Overlap, 0); err != nil {
		return fmt.Errorf("client: trigger schedule %s: %w", h.id, err)
	}
	return h.send(ctx, scheduleTriggerName, options)
}

func (h *scheduleHandle) Pause(ctx context.Context, options SchedulePauseOptions) error {
	if options.Note == "" {
		options.Note = "Paused via the grainflow client"
	}
	return h.send(ctx, schedulePauseName, options.Note)
}

func (h *scheduleHandle) Unpause(ctx context.Context, options ScheduleUnpauseOptions) error {
	if options.Note == "" {
		options.Note = "Unpaused via the grainflow client"
	}
	return h.send(ctx, scheduleUnpauseName, options.Note)
}

func (h *scheduleHandle) Backfill(ctx context.Context, options ScheduleBackfillOptions) error {
	if len(options.Backfill) == 0 {
		return nil
	}
	return h.send(ctx, scheduleBackfillName, options.Backfill)
}

// send runs an update of the schedule workflow and waits for its outcome.
// An update that lands on a run which continues as new at that moment is
// abandoned; it is sent again to the next run.
func (h *scheduleHandle) send(ctx context.Context, name string, arg any) error {
	input, err := schedulesDC.ToPayloads(arg)
	if err != nil {
		return fmt.Errorf("client: %s schedule %s: %w", name, h.id, err)
	}
	for attempt := 0; ; attempt++ {
		outcome, err := h.c.engine.UpdateWorkflow(ctx, h.c.opts.Namespace, scheduleWorkflowID(h.id), "", actor.UpdateRequest{
			UpdateID: uuid.NewString(), Name: name, Input: input, Identity: h.c.opts.Identity, WaitFor: actor.UpdateCompleted})
		var abandoned *actor.UpdateAbandonedError
		switch {
		case errors.As(err, &abandoned) && attempt < 3:
			continue
		case isNotFound(err):
			return h.notFound()
		case err != nil:
			return fmt.Errorf("client: %s schedule %s: %w", name, h.id, updateCallError(ctx, err))
		case outcome.Failure != nil:
			return fmt.Errorf("client: %s schedule %s: %w", name, h.id, internal.ConvertFailureToError(outcome.Failure, schedulesDC))
		}
		return nil
	}
}

// scheduleListIterator pages through the open schedule workflows of the
// namespace (workflow IDs with the schedule prefix) and describes each.
type scheduleListIterator struct {
	ctx      context.Context
	c        *embeddedClient
	pageSize int
	after    string // the last workflow ID read
	done     bool
	pending  []string // schedule IDs read and not yet returned
	err      error
}

func (it *scheduleListIterator) HasNext() bool {
	for len(it.pending) == 0 && !it.done && it.err == nil {
		metas, err := it.c.engine.ListWorkflows(it.ctx, it.c.opts.Namespace, it.after, it.pageSize)
		if err != nil {
			it.err = fmt.Errorf("client: list schedules: %w", err)
			break
		}
		if len(metas) < it.pageSize {
			it.done = true
		}
		for _, m := range metas {
			it.after = m.GetWorkflowId()
			id, ok := strings.CutPrefix(m.GetWorkflowId(), scheduleIDPrefix)
			if !ok {
				if m.GetWorkflowId() > scheduleIDPrefix {
					it.done = true // IDs are ordered: the prefix's range has ended
					break
				}
				continue
			}
			if m.GetStatus() == journalpb.WorkflowStatus_WORKFLOW_STATUS_RUNNING && m.GetWorkflowType() == scheduleWorkflowType {
				it.pending = append(it.pending, id)
			}
		}
	}
	return it.err != nil || len(it.pending) > 0
}

func (it *scheduleListIterator) Next() (*ScheduleListEntry, error) {
	if !it.HasNext() {
		return nil, errors.New("client: schedule list iterator has no more schedules")
	}
	if it.err != nil {
		err := it.err
		it.err = nil
		it.done = true
		return nil, err
	}
	id := it.pending[0]
	it.pending = it.pending[1:]
	h := &scheduleHandle{c: it.c, id: id}
	snap, err := h.query(it.ctx, listLimit)
	if err != nil {
		return nil, err
	}
	desc := snap.description()
	entry := &ScheduleListEntry{
		ID: id, Spec: desc.Schedule.Spec, Note: desc.Schedule.State.Note, Paused: desc.Schedule.State.Paused,
		WorkflowType:  internal.WorkflowType{Name: snap.State.Action.WorkflowType},
		RecentActions: desc.Info.RecentActions, NextActionTimes: desc.Info.NextActionTimes, Memo: desc.Memo,
	}
	return entry, nil
}

// listLimit is how many recent and next actions a list entry holds.
const listLimit = 5

// description converts what the schedule workflow reported.
func (s *scheduleSnapshot) description() *ScheduleDescription {
	st := &s.State
	a := st.Action
	action := &ScheduleWorkflowAction{
		ID: a.ID, Workflow: a.WorkflowType, TaskQueue: a.TaskQueue,
		WorkflowExecutionTimeout: a.WorkflowExecutionTimeout, WorkflowRunTimeout: a.WorkflowRunTimeout,
		WorkflowTaskTimeout: a.WorkflowTaskTimeout, RetryPolicy: a.RetryPolicy,
	}
	for _, p := range a.Args {
		action.Args = append(action.Args, p)
	}
	if len(a.Memo) > 0 {
		action.Memo = make(map[string]any, len(a.Memo))
		for k, p := range a.Memo {
			action.Memo[k] = p
		}
	}
	spec := st.Spec
	return &ScheduleDescription{
		Schedule: Schedule{
			Action: action,
			Spec:   &spec,
			Policy: &SchedulePolicies{Overlap: st.Overlap, CatchupWindow: effectiveCatchupWindow(st.CatchupWindow), PauseOnFailure: st.PauseOnFailure},
			State:  &ScheduleState{Note: st.Note, Paused: st.Paused, LimitedActions: st.LimitedActions, RemainingActions: st.RemainingActions},
		},
		Info: ScheduleInfo{
			NumActions:                    st.NumActions,
			NumActionsMissedCatchupWindow: st.NumActionsMissedCatchupWindow,
			NumActionsSkippedOverlap:      st.NumActionsSkippedOverlap,
			RunningWorkflows:              s.Running,
			RecentActions:                 st.RecentActions,
			NextActionTimes:               s.NextActionTimes,
			CreatedAt:                     st.CreatedAt,
			LastUpdateAt:                  st.LastUpdateAt,
		},
		Memo: st.Memo,
	}
}
