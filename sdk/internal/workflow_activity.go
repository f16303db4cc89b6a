package internal

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/grainflow/grainflow/internal/lazymap"
	"github.com/grainflow/grainflow/journal/journalpb"
	"google.golang.org/protobuf/types/known/durationpb"
)

// ActivityOptions are the parameters of activities that workflow code
// schedules with a context (see WithActivityOptions).
type ActivityOptions struct {
	// TaskQueue is where the activity runs. Default: the workflow's task queue.
	TaskQueue string
	// ScheduleToCloseTimeout bounds the whole activity, retries included.
	// Zero means unlimited. This or StartToCloseTimeout is required.
	ScheduleToCloseTimeout time.Duration
	// ScheduleToStartTimeout bounds how long the activity may wait for a
	// worker. Zero means unlimited.
	ScheduleToStartTimeout time.Duration
	// StartToCloseTimeout bounds one attempt. Default: ScheduleToCloseTimeout.
	// This or ScheduleToCloseTimeout is required.
	StartToCloseTimeout time.Duration
	// HeartbeatTimeout is the longest allowed gap between heartbeats of a
	// running attempt. Zero means no heartbeat is required.
	HeartbeatTimeout time.Duration
	// WaitForCancellation makes the future of a canceled activity wait for
	// the activity to finish (canceled, completed or failed) instead of
	// failing with a CanceledError as soon as cancellation is requested.
	WaitForCancellation bool
	// ActivityID identifies the activity in the workflow's history. Default:
	// the command's sequence number.
	ActivityID string
	// RetryPolicy says how to retry failed attempts. Nil means the default
	// policy: 1s initial interval, coefficient 2, maximum 100s, unlimited
	// attempts. Set MaximumAttempts to 1 to disable retries.
	RetryPolicy *RetryPolicy
	// DisableEagerExecution is accepted for compatibility; grainflow does
	// not execute activities eagerly.
	DisableEagerExecution bool
	// Summary is a one-line description of the activity, for people.
	Summary string
}

type activityOptionsKey struct{}

type dataConverterKey struct{}

// WithActivityOptions returns a copy of ctx whose activities use options.
func WithActivityOptions(ctx Context, options ActivityOptions) Context {
	return WithValue(ctx, activityOptionsKey{}, &options)
}

// GetActivityOptions returns the activity options of ctx.
func GetActivityOptions(ctx Context) ActivityOptions {
	if o, ok := ctx.Value(activityOptionsKey{}).(*ActivityOptions); ok {
		return *o
	}
	return ActivityOptions{}
}

// withActivityOption returns a copy of ctx with one activity option changed.
func withActivityOption(ctx Context, change func(o *ActivityOptions)) Context {
	o := GetActivityOptions(ctx)
	change(&o)
	return WithActivityOptions(ctx, o)
}

// WithTaskQueue returns a copy of ctx whose activities run on task queue name.
func WithTaskQueue(ctx Context, name string) Context {
	return withActivityOption(ctx, func(o *ActivityOptions) { o.TaskQueue = name })
}

// WithScheduleToCloseTimeout returns a copy of ctx with the activity
// ScheduleToCloseTimeout set to d.
func WithScheduleToCloseTimeout(ctx Context, d time.Duration) Context {
	return withActivityOption(ctx, func(o *ActivityOptions) { o.ScheduleToCloseTimeout = d })
}

// WithScheduleToStartTimeout returns a copy of ctx with the activity
// ScheduleToStartTimeout set to d.
func WithScheduleToStartTimeout(ctx Context, d time.Duration) Context {
	return withActivityOption(ctx, func(o *ActivityOptions) { o.ScheduleToStartTimeout = d })
}

// WithStartToCloseTimeout returns a copy of ctx with the activity
// StartToCloseTimeout set to d.
func WithStartToCloseTimeout(ctx Context, d time.Duration) Context {
	return withActivityOption(ctx, func(o *ActivityOptions) { o.StartToCloseTimeout = d })
}

// WithHeartbeatTimeout returns a copy of ctx with the activity
// HeartbeatTimeout set to d.
func WithHeartbeatTimeout(ctx Context, d time.Duration) Context {
	return withActivityOption(ctx, func(o *ActivityOptions) { o.HeartbeatTimeout = d })
}

// WithWaitForCancellation returns a copy of ctx with the activity
// WaitForCancellation option set to wait.
func WithWaitForCancellation(ctx Context, wait bool) Context {
	return withActivityOption(ctx, func(o *ActivityOptions) { o.WaitForCancellation = wait })
}

// WithRetryPolicy returns a copy of ctx whose activities use retryPolicy.
func WithRetryPolicy(ctx Context, retryPolicy RetryPolicy) Context {
	return withActivityOption(ctx, func(o *ActivityOptions) { o.RetryPolicy = &retryPolicy })
}

// WithDataConverter returns a copy of ctx whose activity arguments and
// results are encoded with dc instead of the worker's data converter.
func WithDataConverter(ctx Context, dc DataConverter) Context {
	if dc == nil {
		panic("workflow.WithDataConverter: nil DataConverter")
	}
	return WithValue(ctx, dataConverterKey{}, dc)
}

// dataConverterOf returns the data converter that applies in ctx.
func (e *Execution) dataConverterOf(ctx Context) DataConverter {
	if dc, ok := ctx.Value(dataConverterKey{}).(DataConverter); ok {
		return dc
	}
	return e.dc
}

// validateActivityOptions checks what Temporal checks before scheduling.
func validateActivityOptions(o *ActivityOptions) error {
	for _, t := range []struct {
		name string
		d    time.Duration
	}{
		{"ScheduleToCloseTimeout", o.ScheduleToCloseTimeout},
		{"ScheduleToStartTimeout", o.ScheduleToStartTimeout},
		{"StartToCloseTimeout", o.StartToCloseTimeout},
		{"HeartbeatTimeout", o.HeartbeatTimeout},
	} {
		if t.d < 0 {
			return fmt.Errorf("invalid ActivityOptions: negative %s %v", t.name, t.d)
		}
	}
	if o.ScheduleToCloseTimeout == 0 && o.StartToCloseTimeout == 0 {
		return errors.New("invalid ActivityOptions: StartToCloseTimeout or ScheduleToCloseTimeout is required " +
			"(set them with workflow.WithActivityOptions)")
	}
	return nil
}

// ExecuteActivity schedules an activity and returns the future of its
// result. activity is a registered activity function or an activity type
// name; the activity need not be registered on this worker. The options
// come from ctx (WithActivityOptions); canceling ctx cancels the activity.
//
// The future fails with an *ActivityError wrapping the cause when the
// activity fails, times out or is canceled, and directly with an error
// when the request is invalid (bad options or arguments).
func ExecuteActivity(ctx Context, activity any, args ...any) Future {
	e := executionOf(ctx, "ExecuteActivity")
	e.mustBeInTask("ExecuteActivity")
	f := &futureImpl{}
	activityType, err := e.activityTypeOf(activity, args)
	if err != nil {
		f.SetError(err)
		return f
	}
	options := GetActivityOptions(ctx)
	if err := validateActivityOptions(&options); err != nil {
		f.SetError(fmt.Errorf("activity %q: %w", activityType, err))
		return f
	}
	if err := ctx.Err(); err != nil {
		f.SetError(err)
		return f
	}
	dc := e.dataConverterOf(ctx)
	input, err := dc.ToPayloads(args...)
	if err != nil {
		f.SetError(fmt.Errorf("activity %q: encoding arguments: %w", activityType, err))
		return f
	}

	seq := e.nextSequence()
	a := &activityState{
		activityType:        activityType,
		activityID:          options.ActivityID,
		future:              f,
		dc:                  dc,
		waitForCancellation: options.WaitForCancellation,
	}
	if a.activityID == "" {
		a.activityID = strconv.FormatInt(seq, 10)
	}
	taskQueue := options.TaskQueue
	if taskQueue == "" {
		taskQueue = e.info.TaskQueueName
	}
	startToClose := options.StartToCloseTimeout
	if startToClose == 0 {
		startToClose = options.ScheduleToCloseTimeout
	}
	// The event, its oneof wrapper, its attributes and its start-to-close
	// timeout (which every activity has) in one allocation; the other
	// timeouts, mostly unset, are allocated when they are set.
	ev := &struct {
		event        journalpb.Event
		oneof        journalpb.Event_ActivityTaskScheduled
		attrs        journalpb.ActivityTaskScheduled
		startToClose durationpb.Duration
	}{}
	ev.attrs = journalpb.ActivityTaskScheduled{
		Seq:                    seq,
		ActivityId:             a.activityID,
		ActivityType:           activityType,
		TaskQueue:              taskQueue,
		Input:                  input,
		ScheduleToCloseTimeout: optionalDuration(options.ScheduleToCloseTimeout),
		ScheduleToStartTimeout: optionalDuration(options.ScheduleToStartTimeout),
		StartToCloseTimeout:    optionalDurationIn(&ev.startToClose, startToClose),
		HeartbeatTimeout:       optionalDuration(options.HeartbeatTimeout),
		RetryPolicy:            RetryPolicyToProto(options.RetryPolicy),
		WaitForCancellation:    options.WaitForCancellation,
	}
	ev.oneof.ActivityTaskScheduled = &ev.attrs
	ev.event.Attributes = &ev.oneof
	a.cmd = e.addCommand(&ev.event, func(eventID int64) {
		a.eventID = eventID
		lazymap.Set(&e.activities, eventID, a)
	})
	a.detach = e.onCancel(ctx, func() { e.cancelActivity(a) })
	return f
}

// optionalDuration encodes d, leaving zero (unset) durations out.
func optionalDuration(d time.Duration) *durationpb.Duration {
	if d == 0 {
		return nil // before allocating: most timeouts are unset
	}
	return optionalDurationIn(new(durationpb.Duration), d)
}

// optionalDurationIn is optionalDuration encoding into memory the caller
// has: into, which it returns, or nil if d is zero.
func optionalDurationIn(into *durationpb.Duration, d time.Duration) *durationpb.Duration {
	if d == 0 {
		return nil
	}
	into.Seconds, into.Nanos = int64(d/time.Second), int32(d%time.Second)
	return into
}

var (
	contextContextType = reflect.TypeFor[context.Context]()
	contextType        = reflect.TypeFor[Context]()
	errorType          = reflect.TypeFor[error]()
)

// activityTypeOf returns the activity type name of activity (a name or a
// function) and, for a function, checks args against its parameters.
func (e *Execution) activityTypeOf(activity any, args []any) (string, error) {
	switch a := activity.(type) {
	case string:
		if a == "" {
			return "", errors.New("ExecuteActivity: empty activity type name")
		}
		return a, nil
	case nil:
		return "", errors.New("ExecuteActivity: activity is nil; pass an activity function or type name")
	}
	fnType := reflect.TypeOf(activity)
	if fnType.Kind() != reflect.Func {
		return "", fmt.Errorf("ExecuteActivity: activity must be a function or a type name, got %T", activity)
	}
	name := e.registeredActivityName(activity)
	if err := checkActivityArgs(name, fnType, args); err != nil {
		return "", err
	}
	return name, nil
}

// registeredActivityName returns the name fn is registered under in the
// worker's registry, or its function name.
func (e *Execution) registeredActivityName(fn any) string {
	if e.opts.Registry == nil {
		return FunctionName(fn)
	}
	return e.opts.Registry.activityNameOf(fn)
}

// checkActivityArgs reports arguments that the activity function cannot
// accept: a wrong count or a type that cannot be assigned.
func checkActivityArgs(name string, fnType reflect.Type, args []any) error {
	return checkArgs("ExecuteActivity: activity", name, fnType, contextContextType, args)
}

// checkArgs reports arguments that fnType cannot accept after its leading
// ctxType parameter, if it has one; what names the call in errors.
func checkArgs(what, name string, fnType, ctxType reflect.Type, args []any) error {
	params := make([]reflect.Type, 0, fnType.NumIn())
	for i := range fnType.NumIn() {
		params = append(params, fnType.In(i))
	}
	if len(params) > 0 && params[0] == ctxType {
		params = params[1:]
	}
	if fnType.IsVariadic() {
		return nil
	}
	if len(args) != len(params) {
		return fmt.Errorf("%s %q takes %d arguments, got %d", what, name, len(params), len(args))
	}
	for i, arg := range args {
		if arg == nil {
			continue
		}
		if !reflect.TypeOf(arg).AssignableTo(params[i]) {
			return fmt.Errorf("%s %q: argument %d must be %v, got %T", what, name, i+1, params[i], arg)
		}
	}
	return nil
}
