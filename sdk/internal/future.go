package internal

import (
	"container/list"
	"fmt"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// Future is the result of an asynchronous workflow operation, such as an
// activity or a timer.
type Future interface {
	// Get blocks until the future is ready, then returns its error, or
	// stores its value in valuePtr (which may be nil to ignore the value).
	Get(ctx Context, valuePtr any) error
	// IsReady reports whether Get would return without blocking.
	IsReady() bool
}

// Settable completes the Future it was created with by NewFuture.
type Settable interface {
	// Set completes the future with a value or an error. Setting a future
	// twice panics.
	Set(value any, err error)
	// SetValue completes the future with a value.
	SetValue(value any)
	// SetError completes the future with an error.
	SetError(err error)
	// Chain completes the future with whatever future completes with.
	Chain(future Future)
}

// futureImpl implements both Future and Settable. Its value is either a
// plain Go value or, for activity results, encodedPayloads that Get decodes.
type futureImpl struct {
	ready bool
	value any
	err   error
	// callbacks run in registration order when the future becomes ready.
	callbacks list.List // of func()
}

// NewFuture creates a Future and the Settable that completes it, for
// coordinating coroutines.
func NewFuture(ctx Context) (Future, Settable) {
	executionOf(ctx, "NewFuture")
	f := &futureImpl{}
	return f, f
}

func (f *futureImpl) IsReady() bool { return f.ready }

func (f *futureImpl) Get(ctx Context, valuePtr any) error {
	if !f.ready {
		currentCoroutine(ctx, "Future.Get").waitOn("Future.Get", "", condition(func() bool { return f.ready }))
	}
	if f.err != nil {
		return f.err
	}
	return assignValue(f.value, valuePtr)
}

func (f *futureImpl) Set(value any, err error) {
	if f.ready {
		panic("workflow: Settable.Set called on a future that is already set")
	}
	f.ready, f.value, f.err = true, value, err
	for f.callbacks.Len() > 0 {
		e := f.callbacks.Front()
		fn := f.callbacks.Remove(e).(func())
		e.Value = nil
		fn()
	}
}

func (f *futureImpl) SetValue(value any) { f.Set(value, nil) }
func (f *futureImpl) SetError(err error) { f.Set(nil, err) }

func (f *futureImpl) Chain(future Future) {
	other := asFutureImpl(future, "Settable.Chain")
	if f.ready {
		panic("workflow: Settable.Chain called on a future that is already set")
	}
	other.onReady(func() { f.Set(other.value, other.err) })
}

// onReady registers fn to run when the future becomes ready (at once if it
// is ready) and returns a function that unregisters it.
func (f *futureImpl) onReady(fn func()) (remove func()) {
	if f.ready {
		fn()
		return func() {}
	}
	e := f.callbacks.PushBack(fn)
	return func() {
		if e.Value != nil {
			f.callbacks.Remove(e)
			e.Value = nil
		}
	}
}

// setPayloads completes the future with encoded results.
func (f *futureImpl) setPayloads(p *journalpb.Payloads, dc DataConverter, err error) {
	if err != nil {
		f.Set(nil, err)
		return
	}
	f.Set(encodedPayloads{payloads: p, dc: dc}, nil)
}

func asFutureImpl(future Future, op string) *futureImpl {
	f, ok := future.(*futureImpl)
	if !ok {
		panic(fmt.Sprintf("workflow: %s: future of type %T was not created by the workflow package", op, future))
	}
	return f
}
