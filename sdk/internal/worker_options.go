package internal

import (
	"context"
	"time"
)

// WorkflowPanicPolicy says what happens when workflow code panics.
type WorkflowPanicPolicy int

const (
	// BlockWorkflow fails the workflow task: the workflow stops making
	// progress, describe shows the panic, and the task is retried, so a code
	// fix lets it continue. This is the default, as in Temporal.
	BlockWorkflow WorkflowPanicPolicy = iota
	// FailWorkflow fails the workflow with a PanicError.
	FailWorkflow
)

// WorkerOptions configures a worker (worker.Options) and the test
// environments (SetWorkerOptions). The zero value of each field picks its
// default. The test environments honour BackgroundActivityContext and
// DeadlockDetectionTimeout; the other fields concern a node's worker.
type WorkerOptions struct {
	// MaxConcurrentActivityExecutionSize bounds how many activities of this
	// task queue run at once on the node (default 1,000).
	MaxConcurrentActivityExecutionSize int
	// WorkflowPanicPolicy chooses between blocking and failing a workflow
	// whose code panics (default BlockWorkflow).
	WorkflowPanicPolicy WorkflowPanicPolicy
	// DeadlockDetectionTimeout is how long workflow code may run without
	// yielding before its task fails as a deadlock (default: the node's, 1 s).
	DeadlockDetectionTimeout time.Duration
	// WorkerStopTimeout is how long Stop waits for running activities to
	// return after their contexts are canceled (default 10 s).
	WorkerStopTimeout time.Duration
	// Identity is recorded in the events the worker causes.
	Identity string
	// BackgroundActivityContext is the root context of the worker's
	// activities (default context.Background()), as in Temporal: values put
	// in it are visible through ctx.Value in every activity, and canceling it
	// cancels every running activity's context. An attempt that ends because
	// of that is reported as a failed attempt (not a canceled activity) and
	// is retried by the activity's retry policy; attempts that start while it
	// is done see an already-canceled context. Temporal recommends passing
	// dependencies in a struct whose methods are the activities instead.
	BackgroundActivityContext context.Context
}

// activityClientKey is the context key of the client of the worker that
// runs an activity.
type activityClientKey struct{}

// WithActivityClient returns ctx carrying c, the client activity.GetClient
// returns in the activities whose contexts derive from it. c is a
// client.Client, typed any because sdk/client imports this package.
func WithActivityClient(ctx context.Context, c any) context.Context {
	return context.WithValue(ctx, activityClientKey{}, c)
}

// ActivityClient returns the client WithActivityClient put in ctx, or nil.
func ActivityClient(ctx context.Context) any { return ctx.Value(activityClientKey{}) }
