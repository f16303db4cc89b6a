package internal

import (
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// ReceiveChannel is the receiving side of a workflow Channel.
type ReceiveChannel interface {
	// Name returns the channel's name; for signal channels, the signal name.
	Name() string
	// Receive blocks until a value arrives and stores it in valuePtr (which
	// may be nil to drop it). It returns false, leaving valuePtr alone, once
	// the channel is closed and drained.
	Receive(ctx Context, valuePtr any) (more bool)
	// ReceiveWithTimeout is Receive that gives up after timeout or when ctx
	// is canceled; ok is false then, and valuePtr is left alone.
	ReceiveWithTimeout(ctx Context, timeout time.Duration, valuePtr any) (ok, more bool)
	// ReceiveAsync receives a value if one is ready, without blocking.
	ReceiveAsync(valuePtr any) (ok bool)
	// ReceiveAsyncWithMoreFlag is ReceiveAsync that also reports, in more,
	// whether the channel is still open.
	ReceiveAsyncWithMoreFlag(valuePtr any) (ok bool, more bool)
	// Len returns the number of buffered values plus blocked senders.
	Len() int
}

// SendChannel is the sending side of a workflow Channel.
type SendChannel interface {
	// Name returns the channel's name.
	Name() string
	// Send blocks until v is buffered or handed to a receiver.
	Send(ctx Context, v any)
	// SendAsync sends v if that does not block, and reports whether it did.
	SendAsync(v any) (ok bool)
	// Close closes the channel: receivers drain what is buffered and then
	// see more == false. Sending on a closed channel panics.
	Close()
}

// Channel is the workflow replacement for a Go channel: use it between
// workflow coroutines instead of chan, which would block outside the
// dispatcher's control.
type Channel interface {
	SendChannel
	ReceiveChannel
}

// pendingSend is a sender waiting for a receiver: a coroutine blocked in
// Send or a Selector blocked with an AddSend case.
type pendingSend struct {
	value any
	// available reports whether the sender still offers value.
	available func() bool
	// take tells the sender its value was received.
	take func()
}

// receiver is a receiver waiting for a value: a coroutine blocked in
// Receive (blockedReceive) or a Selector blocked with an AddReceive case
// (selectReceive).
type receiver interface {
	// wants reports whether the receiver still wants a value.
	wants() bool
	// deliver hands the receiver a value (more == true) or tells it the
	// channel closed (more == false).
	deliver(v any, more bool)
}

// blockedReceive is a coroutine blocked in Receive. It is its own wait
// condition and part of the coroutine, so a blocking receive allocates
// nothing: every signal a workflow waits for goes through here.
type blockedReceive struct {
	got, more bool
	value     any
}

func (r *blockedReceive) wants() bool { return !r.got }

func (r *blockedReceive) deliver(v any, more bool) { r.got, r.more, r.value = true, more, v }

func (r *blockedReceive) holds() bool { return r.got }

// encodedPayloads is a value that is still encoded, such as a signal's
// input; receiving it decodes it into the receiver's pointer.
type encodedPayloads struct {
	payloads *journalpb.Payloads
	dc       DataConverter
}

type channelImpl struct {
	name string
	// size is the buffer capacity; negative means unbounded.
	size      int
	buffer    []any
	senders   []*pendingSend
	receivers []receiver
	closed    bool
}

func newChannel(name string, size int) *channelImpl {
	return &channelImpl{name: name, size: size}
}

// NewChannel creates an unbuffered Channel.
func NewChannel(ctx Context) Channel {
	return NewNamedBufferedChannel(ctx, "", 0)
}

// NewNamedChannel creates an unbuffered Channel with a name shown in stack
// traces.
func NewNamedChannel(ctx Context, name string) Channel {
	return NewNamedBufferedChannel(ctx, name, 0)
}

// NewBufferedChannel creates a Channel that buffers up to size values.
func NewBufferedChannel(ctx Context, size int) Channel {
	return NewNamedBufferedChannel(ctx, "", size)
}

// NewNamedBufferedChannel creates a named Channel that buffers up to size
// values.
func NewNamedBufferedChannel(ctx Context, name string, size int) Channel {
	e := executionOf(ctx, "NewChannel")
	if size < 0 {
		panic(fmt.Sprintf("workflow.NewChannel: negative buffer size %d", size))
	}
	if name == "" {
		e.channelCount++
		name = fmt.Sprintf("channel-%d", e.channelCount)
	}
	return newChannel(name, size)
}

func (c *channelImpl) Name() string { return c.name }

func (c *channelImpl) Len() int {
	n := len(c.buffer)
	for _, s := range c.senders {
		if s.available() {
			n++
		}
	}
	return n
}

// popSender removes and returns the first sender that still offers a value.
func (c *channelImpl) popSender() *pendingSend {
	for len(c.senders) > 0 {
		s := c.senders[0]
		c.senders[0] = nil
		c.senders = c.senders[1:]
		if s.available() {
			return s
		}
	}
	return nil
}

// popReceiver removes and returns the first receiver that still wants a
// value. It shifts the rest down rather than reslicing, so the list keeps
// its array: a workflow that waits on a channel again and again (a signal
// loop) adds and removes one receiver each time.
func (c *channelImpl) popReceiver() receiver {
	for len(c.receivers) > 0 {
		r := c.receivers[0]
		n := copy(c.receivers, c.receivers[1:])
		c.receivers[n] = nil
		c.receivers = c.receivers[:n]
		if r.wants() {
			return r
		}
	}
	return nil
}

func (c *channelImpl) hasSender() bool {
	return slices.ContainsFunc(c.senders, func(s *pendingSend) bool { return s.available() })
}

func (c *channelImpl) hasReceiver() bool {
	return slices.ContainsFunc(c.receivers, receiver.wants)
}

// hasRoom reports whether the buffer can take another value.
func (c *channelImpl) hasRoom() bool {
	return c.size < 0 || len(c.buffer) < c.size
}

// canReceive reports whether a receive would not block.
func (c *channelImpl) canReceive() bool {
	return len(c.buffer) > 0 || c.closed || c.hasSender()
}

// canSend reports whether a send would not block (sending on a closed
// channel does not block: it panics).
func (c *channelImpl) canSend() bool {
	return c.closed || c.hasRoom() || c.hasReceiver()
}

// drained reports whether the channel is closed with nothing left to receive.
func (c *channelImpl) drained() bool {
	return c.closed && len(c.buffer) == 0 && !c.hasSender()
}

// receiveAsync takes the next value without blocking. ok reports whether a
// value was taken; more is false when the channel is closed and drained.
func (c *channelImpl) receiveAsync() (v any, ok, more bool) {
	if len(c.buffer) > 0 {
		v = c.buffer[0]
		c.buffer[0] = nil
		c.buffer = c.buffer[1:]
		if c.hasRoom() {
			if s := c.popSender(); s != nil {
				c.buffer = append(c.buffer, s.value)
				s.take()
			}
		}
		return v, true, true
	}
	if s := c.popSender(); s != nil {
		s.take()
		return s.value, true, true
	}
	return nil, false, !c.closed
}

// sendAsync delivers v to a waiting receiver or the buffer, and reports
// whether it could do so without blocking.
func (c *channelImpl) sendAsync(v any) bool {
	if c.closed {
		panic(fmt.Sprintf("workflow: send on closed channel %q", c.name))
	}
	if r := c.popReceiver(); r != nil {
		r.deliver(v, true)
		return true
	}
	if c.hasRoom() {
		c.buffer = append(c.buffer, v)
		return true
	}
	return false
}

// pushFront puts a value handed to a Selector back at the head of the
// channel, where the Selector's callback receives it.
func (c *channelImpl) pushFront(v any) {
	c.buffer = slices.Insert(c.buffer, 0, v)
}

func (c *channelImpl) removeSender(s *pendingSend) {
	c.senders = slices.DeleteFunc(c.senders, func(x *pendingSend) bool { return x == s })
}

func (c *channelImpl) removeReceiver(r receiver) {
	c.receivers = slices.DeleteFunc(c.receivers, func(x receiver) bool { return x == r })
}

func (c *channelImpl) Receive(ctx Context, valuePtr any) (more bool) {
	co := currentCoroutine(ctx, "Channel.Receive")
	if v, ok, more := c.receiveAsync(); ok || !more {
		if ok {
			c.store(v, valuePtr)
		}
		return more
	}
	// The coroutine's own blockedReceive: it is in one Receive at a time,
	// and a channel takes a receiver off its list when it delivers to it,
	// so no list still holds it when the next Receive resets it.
	r := &co.receive
	*r = blockedReceive{}
	c.receivers = append(c.receivers, r)
	co.waitOn("Channel.Receive", c.name, r)
	if r.more {
		c.store(r.value, valuePtr)
	}
	return r.more
}

func (c *channelImpl) ReceiveAsync(valuePtr any) (ok bool) {
	ok, _ = c.ReceiveAsyncWithMoreFlag(valuePtr)
	return ok
}

func (c *channelImpl) ReceiveAsyncWithMoreFlag(valuePtr any) (ok bool, more bool) {
	v, ok, more := c.receiveAsync()
	if ok {
		c.store(v, valuePtr)
	}
	return ok, more
}

func (c *channelImpl) ReceiveWithTimeout(ctx Context, timeout time.Duration, valuePtr any) (ok, more bool) {
	if v, ok, more := c.receiveAsync(); ok || !more {
		if ok {
			c.store(v, valuePtr)
		}
		return ok, more
	}
	timerCtx, cancelTimer := WithCancel(ctx)
	defer cancelTimer()
	timer := NewTimer(timerCtx, timeout)
	more = true
	NewNamedSelector(ctx, "ReceiveWithTimeout "+c.name).
		AddReceive(c, func(ReceiveChannel, bool) { ok, more = c.ReceiveAsyncWithMoreFlag(valuePtr) }).
		AddFuture(timer, func(Future) {}).
		Select(ctx)
	return ok, more
}

func (c *channelImpl) Send(ctx Context, v any) {
	co := currentCoroutine(ctx, "Channel.Send")
	if c.sendAsync(v) {
		return
	}
	taken := false
	c.senders = append(c.senders, &pendingSend{
		value:     v,
		available: func() bool { return !taken },
		take:      func() { taken = true },
	})
	co.waitOn("Channel.Send", c.name, condition(func() bool { return taken || c.closed }))
	if !taken {
		panic(fmt.Sprintf("workflow: send on closed channel %q", c.name))
	}
}

func (c *channelImpl) SendAsync(v any) (ok bool) {
	return c.sendAsync(v)
}

func (c *channelImpl) Close() {
	if c.closed {
		panic(fmt.Sprintf("workflow: close of closed channel %q", c.name))
	}
	c.closed = true
	for r := c.popReceiver(); r != nil; r = c.popReceiver() {
		r.deliver(nil, false)
	}
}

// store assigns a received value to valuePtr; a mismatch is a bug in
// workflow code, so it panics (failing the workflow task with the message).
func (c *channelImpl) store(v any, valuePtr any) {
	if err := assignValue(v, valuePtr); err != nil {
		panic(fmt.Sprintf("workflow: receiving from channel %q: %v", c.name, err))
	}
}

// assignValue stores v in *valuePtr. Encoded values are decoded with their
// data converter; other values must be assignable to the pointed-to type.
// A nil valuePtr discards v.
func assignValue(v any, valuePtr any) error {
	if valuePtr == nil {
		return nil
	}
	ptr := reflect.ValueOf(valuePtr)
	if ptr.Kind() != reflect.Pointer || ptr.IsNil() {
		return fmt.Errorf("valuePtr must be a non-nil pointer, got %T", valuePtr)
	}
	switch v := v.(type) {
	case nil:
		return nil
	case encodedPayloads:
		if len(v.payloads.GetPayloads()) == 0 {
			return nil
		}
		// One value is received: FromPayload, since FromPayloads would
		// take it as a slice, allocated on every receive.
		if err := v.dc.FromPayload(v.payloads.GetPayloads()[0], valuePtr); err != nil {
			return fmt.Errorf("decoding into %T: %w", valuePtr, err)
		}
		return nil
	}
	val := reflect.ValueOf(v)
	if !val.Type().AssignableTo(ptr.Elem().Type()) {
		return fmt.Errorf("cannot assign value of type %T to %T", v, valuePtr)
	}
	ptr.Elem().Set(val)
	return nil
}
