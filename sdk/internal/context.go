package internal

import (
	"container/list"
	"time"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// Context is the workflow counterpart of context.Context. It carries
// cancellation and values through workflow code; Done returns a workflow
// Channel instead of a Go channel so that waiting on it is deterministic.
// Every workflow function receives one as its first parameter.
type Context interface {
	// Deadline reports when the context's work should be abandoned; ok is
	// false when no deadline is set (always, for workflow contexts today).
	Deadline() (deadline time.Time, ok bool)
	// Done returns a channel that is closed when the context is canceled,
	// or nil if the context can never be canceled.
	Done() Channel
	// Err returns nil until Done is closed, then ErrCanceled.
	Err() error
	// Value returns the value stored in the context for key, or nil.
	Value(key any) any
}

// CancelFunc cancels a context. Calling it again does nothing.
type CancelFunc func()

// ErrCanceled is what Context.Err returns once the context is canceled.
var ErrCanceled = NewCanceledError()

// ErrDeadlineExceeded is what Context.Err returns once the context's
// deadline has passed.
var ErrDeadlineExceeded = NewTimeoutError("deadline exceeded", journalpb.TimeoutType_TIMEOUT_TYPE_SCHEDULE_TO_CLOSE, nil)

// baseCtx is the context under everything: it is never canceled and holds
// no values.
type baseCtx struct{}

func (baseCtx) Deadline() (time.Time, bool) { return time.Time{}, false }
func (baseCtx) Done() Channel               { return nil }
func (baseCtx) Err() error                  { return nil }
func (baseCtx) Value(any) any               { return nil }

// valueCtx adds one key-value pair to its parent.
type valueCtx struct {
	Context
	key, val any
}

func (c *valueCtx) Value(key any) any {
	if c.key == key {
		return c.val
	}
	return c.Context.Value(key)
}

// WithValue returns a copy of parent in which key maps to val. Use it for
// request-scoped data, not to pass optional parameters.
func WithValue(parent Context, key any, val any) Context {
	if parent == nil {
		panic("workflow.WithValue: nil parent context")
	}
	if key == nil {
		panic("workflow.WithValue: nil key")
	}
	return &valueCtx{Context: parent, key: key, val: val}
}

// cancelCtxKey is the key under which a cancelCtx answers Value with
// itself, so that children find the nearest cancelable ancestor.
type cancelCtxKey struct{}

// cancelCtx is a context that can be canceled, by its CancelFunc or by its
// parent. Everything that depends on its cancellation (child contexts,
// pending activities and timers) registers a callback; callbacks run in the
// order they were registered, which keeps the commands that cancellation
// produces in program order.
type cancelCtx struct {
	Context
	done      *channelImpl
	err       error
	callbacks list.List // of func()
}

func (c *cancelCtx) Done() Channel { return c.done }
func (c *cancelCtx) Err() error    { return c.err }

func (c *cancelCtx) Value(key any) any {
	if key == (cancelCtxKey{}) {
		return c
	}
	return c.Context.Value(key)
}

// onCancel registers fn to run when c is canceled, and returns a function
// that unregisters it. If c is already canceled, fn runs at once.
func (c *cancelCtx) onCancel(fn func()) (remove func()) {
	if c.err != nil {
		fn()
		return func() {}
	}
	e := c.callbacks.PushBack(fn)
	return func() {
		if e.Value != nil {
			c.callbacks.Remove(e)
			e.Value = nil
		}
	}
}

func (c *cancelCtx) cancel(err error) {
	if c.err != nil {
		return
	}
	c.err = err
	c.done.Close()
	for c.callbacks.Len() > 0 {
		e := c.callbacks.Front()
		fn := c.callbacks.Remove(e).(func())
		e.Value = nil
		fn()
	}
}

// newCancelCtx returns a cancelable child of parent that parent's
// cancellation propagates to.
func newCancelCtx(parent Context) (*cancelCtx, CancelFunc) {
	c := &cancelCtx{Context: parent, done: newChannel("context-done", 0)}
	detach := func() {}
	if p, ok := parent.Value(cancelCtxKey{}).(*cancelCtx); ok {
		detach = p.onCancel(func() { c.cancel(p.err) })
	}
	return c, func() {
		detach()
		c.cancel(ErrCanceled)
	}
}

// WithCancel returns a copy of parent with a new Done channel, closed when
// cancel is called or parent is canceled, whichever happens first. Canceling
// a context cancels the activities and timers started with it.
func WithCancel(parent Context) (ctx Context, cancel CancelFunc) {
	if parent == nil {
		panic("workflow.WithCancel: nil parent context")
	}
	return newCancelCtx(parent)
}

// disconnectedCtx keeps its parent's values but not its cancellation.
type disconnectedCtx struct {
	parent Context
}

func (disconnectedCtx) Deadline() (time.Time, bool) { return time.Time{}, false }
func (disconnectedCtx) Done() Channel               { return nil }
func (disconnectedCtx) Err() error                  { return nil }

func (c disconnectedCtx) Value(key any) any {
	if key == (cancelCtxKey{}) {
		return nil
	}
	return c.parent.Value(key)
}

// NewDisconnectedContext returns a context with parent's values that is not
// canceled when parent is. Use it to run cleanup (for example compensating
// activities) after the workflow has been canceled.
func NewDisconnectedContext(parent Context) (ctx Context, cancel CancelFunc) {
	if parent == nil {
		panic("workflow.NewDisconnectedContext: nil parent context")
	}
	return newCancelCtx(disconnectedCtx{parent: parent})
}
