package internal

import (
	"reflect"
	"time"
)

// LocalActivityOptions configures ExecuteLocalActivity.
type LocalActivityOptions struct {
	// ScheduleToCloseTimeout bounds the activity including retries.
	ScheduleToCloseTimeout time.Duration
	// StartToCloseTimeout bounds one attempt.
	StartToCloseTimeout time.Duration
	// RetryPolicy retries failed attempts (default: Temporal's default policy).
	RetryPolicy *RetryPolicy
	// Summary is accepted for compatibility.
	Summary string
}

type localActivityOptionsKey struct{}

// WithLocalActivityOptions returns a context whose local activities use options.
func WithLocalActivityOptions(ctx Context, options LocalActivityOptions) Context {
	return WithValue(ctx, localActivityOptionsKey{}, &options)
}

// GetLocalActivityOptions returns the local activity options of ctx.
func GetLocalActivityOptions(ctx Context) LocalActivityOptions {
	if o, ok := ctx.Value(localActivityOptionsKey{}).(*LocalActivityOptions); ok {
		return *o
	}
	return LocalActivityOptions{}
}

// ExecuteLocalActivity runs a short activity in the workflow's own process.
// Every grainflow activity already runs in the node's process, so a local
// activity is an activity on the workflow's task queue with the local
// options; as in Temporal, its function need not be registered (it is
// registered on first use under its function name).
func ExecuteLocalActivity(ctx Context, activity any, args ...any) Future {
	e := executionOf(ctx, "ExecuteLocalActivity")
	if reflect.TypeOf(activity) != nil && reflect.TypeOf(activity).Kind() == reflect.Func {
		name := e.registeredActivityName(activity)
		if _, ok := e.opts.Registry.Activity(name); !ok {
			e.opts.Registry.RegisterActivityWithOptions(activity, RegisterActivityOptions{Name: name, DisableAlreadyRegisteredCheck: true})
		}
	}
	local := GetLocalActivityOptions(ctx)
	return ExecuteActivity(WithActivityOptions(ctx, ActivityOptions{
		TaskQueue:              e.info.TaskQueueName,
		ScheduleToCloseTimeout: local.ScheduleToCloseTimeout,
		StartToCloseTimeout:    local.StartToCloseTimeout,
		RetryPolicy:            local.RetryPolicy,
	}), activity, args...)
}
