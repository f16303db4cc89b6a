package internal

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// This file holds the workflow API that is not about activities, timers or
// channels: coroutines, waiting on conditions, workflow info, logging.

// executionKey is the context key under which the root context holds its
// Execution.
type executionKey struct{}

// executionOf returns the Execution that ctx belongs to, and panics with a
// message naming op if ctx is not a workflow context.
func executionOf(ctx Context, op string) *Execution {
	if ctx == nil {
		panic(fmt.Sprintf("workflow.%s: nil Context", op))
	}
	e, ok := ctx.Value(executionKey{}).(*Execution)
	if !ok {
		panic(fmt.Sprintf("workflow.%s: ctx is not a workflow context; pass the Context the workflow function received", op))
	}
	return e
}

// currentCoroutine returns the running coroutine of ctx's execution, for an
// operation that may block. Blocking is only possible in workflow code, not
// in query handlers.
func currentCoroutine(ctx Context, op string) *coroutine {
	e := executionOf(ctx, op)
	if e.d.current == nil {
		panic(fmt.Sprintf("workflow: %s may block, so it can only be called from workflow code (not from a query handler)", op))
	}
	return e.d.current
}

// Go starts f in a new workflow coroutine. Use it instead of the go
// statement in workflow code. Coroutines run one at a time, in the order
// they were created.
func Go(ctx Context, f func(ctx Context)) {
	GoNamed(ctx, "", f)
}

// GoNamed is Go with a name that appears in stack traces (__stack_trace
// queries and deadlock errors).
func GoNamed(ctx Context, name string, f func(ctx Context)) {
	e := executionOf(ctx, "Go")
	e.mustBeInTask("Go")
	e.d.newCoroutine(name, func() { f(ctx) })
}

// Await blocks until condition returns true or ctx is canceled, in which
// case it returns ctx.Err(). condition is evaluated each time the workflow's
// state may have changed; it must not have side effects.
func Await(ctx Context, condition func() bool) error {
	co := currentCoroutine(ctx, "Await")
	held := false
	co.waitUntil("Await", func() bool {
		held = condition()
		return held || ctx.Err() != nil
	})
	if held {
		return nil // as in Temporal, a condition that holds wins over a cancellation
	}
	return ctx.Err()
}

// AwaitOptions configures AwaitWithOptions.
type AwaitOptions struct {
	// Timeout is how long to wait for the condition.
	Timeout time.Duration
	// TimerOptions configure the timer that implements Timeout.
	TimerOptions TimerOptions
}

// AwaitWithTimeout is Await with a deadline: ok is false if timeout passed
// before condition became true. It uses a workflow timer.
func AwaitWithTimeout(ctx Context, timeout time.Duration, condition func() bool) (ok bool, err error) {
	return AwaitWithOptions(ctx, AwaitOptions{Timeout: timeout}, condition)
}

// AwaitWithOptions is AwaitWithTimeout with options for the timer.
func AwaitWithOptions(ctx Context, options AwaitOptions, condition func() bool) (ok bool, err error) {
	co := currentCoroutine(ctx, "AwaitWithTimeout")
	if condition() {
		return true, nil // even when canceled, as Await
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	timerCtx, cancelTimer := WithCancel(ctx)
	defer cancelTimer()
	timer := asFutureImpl(NewTimerWithOptions(timerCtx, options.Timeout, options.TimerOptions), "AwaitWithTimeout")
	co.waitUntil("AwaitWithTimeout", func() bool {
		ok = condition()
		return ok || ctx.Err() != nil || timer.ready
	})
	if ok {
		return true, nil
	}
	return false, ctx.Err()
}

// WaitGroup waits for a set of coroutines to finish.
type WaitGroup interface {
	// Add adds delta, which may be negative, to the counter. A negative
	// counter panics.
	Add(delta int)
	// Done decrements the counter.
	Done()
	// Go runs f in a new coroutine counted by the WaitGroup.
	Go(ctx Context, f func(Context))
	// Wait blocks until the counter is zero.
	Wait(ctx Context)
}

type waitGroupImpl struct {
	n int
}

// NewWaitGroup creates a WaitGroup.
func NewWaitGroup(ctx Context) WaitGroup {
	executionOf(ctx, "NewWaitGroup")
	return &waitGroupImpl{}
}

func (wg *waitGroupImpl) Add(delta int) {
	wg.n += delta
	if wg.n < 0 {
		panic("workflow: negative WaitGroup counter")
	}
}

func (wg *waitGroupImpl) Done() { wg.Add(-1) }

func (wg *waitGroupImpl) Go(ctx Context, f func(Context)) {
	wg.Add(1)
	Go(ctx, func(ctx Context) {
		defer wg.Done()
		f(ctx)
	})
}

func (wg *waitGroupImpl) Wait(ctx Context) {
	currentCoroutine(ctx, "WaitGroup.Wait").waitOn("WaitGroup.Wait", "", condition(func() bool { return wg.n == 0 }))
}

// Now returns the workflow's clock: the time of the workflow task being
// run, the same on replay. Use it instead of time.Now.
func Now(ctx Context) time.Time {
	return executionOf(ctx, "Now").now
}

// Sleep pauses the calling coroutine for d using a durable timer. It returns
// at once for d <= 0, and returns a CanceledError if ctx is canceled first.
func Sleep(ctx Context, d time.Duration) error {
	return NewTimer(ctx, d).Get(ctx, nil)
}

// IsReplaying reports whether the workflow code is re-executing history
// (true) or making new progress (false). Use it only to suppress side
// effects such as logging; never to decide which commands to produce.
func IsReplaying(ctx Context) bool {
	return executionOf(ctx, "IsReplaying").replaying
}

// GetSignalChannel returns the channel that receives the signals called
// signalName. Signals that arrived before the channel was asked for are
// already in it, in arrival order.
func GetSignalChannel(ctx Context, signalName string) ReceiveChannel {
	return executionOf(ctx, "GetSignalChannel").signalChannel(signalName)
}

// GetInfo returns information about the running workflow.
func GetInfo(ctx Context) *WorkflowInfo {
	return executionOf(ctx, "GetInfo").info
}

// GetLogger returns a logger for workflow code. It adds the workflow's
// identity to every entry and stays silent while the workflow replays, so
// each line is logged once.
func GetLogger(ctx Context) Logger {
	e := executionOf(ctx, "GetLogger")
	return &workflowLogger{e: e, keyvals: []any{
		"Namespace", e.info.Namespace,
		"WorkflowType", e.info.WorkflowType.Name,
		"WorkflowID", e.info.WorkflowExecution.ID,
		"RunID", e.info.WorkflowExecution.RunID,
	}}
}

// workflowLogger writes to the execution's logger unless it is replaying.
type workflowLogger struct {
	e       *Execution
	keyvals []any
}

func (l *workflowLogger) log(write func(string, ...any), msg string, keyvals []any) {
	if l.e.replaying {
		return
	}
	write(msg, append(slices.Clip(l.keyvals), keyvals...)...)
}

func (l *workflowLogger) Debug(msg string, keyvals ...any) { l.log(l.e.logger.Debug, msg, keyvals) }
func (l *workflowLogger) Info(msg string, keyvals ...any)  { l.log(l.e.logger.Info, msg, keyvals) }
func (l *workflowLogger) Warn(msg string, keyvals ...any)  { l.log(l.e.logger.Warn, msg, keyvals) }
func (l *workflowLogger) Error(msg string, keyvals ...any) { l.log(l.e.logger.Error, msg, keyvals) }

// DeterministicKeys returns the keys of m in sorted order. Ranging over a
// map directly is random and would break replay.
func DeterministicKeys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// DeterministicKeysFunc returns the keys of m sorted with cmp.
func DeterministicKeysFunc[K comparable, V any](m map[K]V, cmp func(a K, b K) int) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, cmp)
	return keys
}
