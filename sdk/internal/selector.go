package internal

import "fmt"

// Selector is the workflow replacement for Go's select statement: it waits
// for one of several futures or channel operations.
//
// Which branch runs is deterministic. If branches are ready when Select is
// called, the one added first runs. Otherwise Select blocks, and the first
// branch to become ready runs: the order of history events decides, as in
// Temporal.
type Selector interface {
	// AddReceive adds a branch that is ready when c has a value to receive
	// or is closed. f must receive the value itself (c.Receive or
	// c.ReceiveAsync). After c is closed and drained, f is called once with
	// more == false and the branch is dropped.
	AddReceive(c ReceiveChannel, f func(c ReceiveChannel, more bool)) Selector
	// AddSend adds a branch that sends v on c when c can take it, then
	// calls f.
	AddSend(c SendChannel, v any, f func()) Selector
	// AddFuture adds a branch that calls f once, when future is ready.
	AddFuture(future Future, f func(f Future)) Selector
	// AddDefault sets a branch that runs when no other branch is ready;
	// with it, Select never blocks.
	AddDefault(f func())
	// Select runs exactly one ready branch, blocking until one is ready.
	// Call it again to wait for another branch.
	Select(ctx Context)
	// HasPending reports whether Select would run a branch without
	// blocking (the default branch does not count).
	HasPending() bool
}

type selectCase struct {
	recv   *channelImpl
	recvFn func(c ReceiveChannel, more bool)

	send      *channelImpl
	sendValue any
	sendFn    func()

	future   *futureImpl
	futureFn func(f Future)

	// dropped is set once a future branch has run or a closed channel's
	// branch has seen more == false.
	dropped bool
}

type selectorImpl struct {
	name      string
	cases     []*selectCase
	defaultFn func()
}

// NewSelector creates a Selector.
func NewSelector(ctx Context) Selector {
	return NewNamedSelector(ctx, "")
}

// NewNamedSelector creates a Selector whose name appears in stack traces.
func NewNamedSelector(ctx Context, name string) Selector {
	executionOf(ctx, "NewSelector")
	if name == "" {
		name = "selector"
	}
	return &selectorImpl{name: name}
}

func (s *selectorImpl) AddReceive(c ReceiveChannel, f func(c ReceiveChannel, more bool)) Selector {
	ch, ok := c.(*channelImpl)
	if !ok {
		panic(fmt.Sprintf("workflow: Selector.AddReceive: channel of type %T was not created by the workflow package", c))
	}
	s.cases = append(s.cases, &selectCase{recv: ch, recvFn: f})
	return s
}

func (s *selectorImpl) AddSend(c SendChannel, v any, f func()) Selector {
	ch, ok := c.(*channelImpl)
	if !ok {
		panic(fmt.Sprintf("workflow: Selector.AddSend: channel of type %T was not created by the workflow package", c))
	}
	s.cases = append(s.cases, &selectCase{send: ch, sendValue: v, sendFn: f})
	return s
}

func (s *selectorImpl) AddFuture(future Future, f func(f Future)) Selector {
	s.cases = append(s.cases, &selectCase{future: asFutureImpl(future, "Selector.AddFuture"), futureFn: f})
	return s
}

func (s *selectorImpl) AddDefault(f func()) {
	s.defaultFn = f
}

func (s *selectorImpl) HasPending() bool {
	for _, c := range s.cases {
		if !c.dropped && c.ready() {
			return true
		}
	}
	return false
}

func (c *selectCase) ready() bool {
	switch {
	case c.future != nil:
		return c.future.ready
	case c.recv != nil:
		return c.recv.canReceive()
	default:
		return c.send.canSend()
	}
}

func (s *selectorImpl) Select(ctx Context) {
	co := currentCoroutine(ctx, "Selector.Select")
	for {
		for _, c := range s.cases {
			if !c.dropped && s.runIfReady(c) {
				return
			}
		}
		if s.defaultFn != nil {
			s.defaultFn()
			return
		}
		if s.runFirstToBecomeReady(co) {
			return
		}
	}
}

// runIfReady runs c's branch if it can proceed without blocking.
func (s *selectorImpl) runIfReady(c *selectCase) bool {
	switch {
	case c.future != nil:
		if !c.future.ready {
			return false
		}
		c.runFuture()
	case c.recv != nil:
		if !c.recv.canReceive() {
			return false
		}
		c.runReceive()
	default:
		if !c.send.sendAsync(c.sendValue) {
			return false
		}
		c.runSend()
	}
	return true
}

func (c *selectCase) runFuture() {
	c.dropped = true
	if c.futureFn != nil {
		c.futureFn(c.future)
	}
}

func (c *selectCase) runReceive() {
	more := !c.recv.drained()
	if !more {
		c.dropped = true
	}
	if c.recvFn != nil {
		c.recvFn(c.recv, more)
	}
}

func (c *selectCase) runSend() {
	if c.sendFn != nil {
		c.sendFn()
	}
}

// selectReceive is an AddReceive case of a blocked Selector, waiting on its
// channel: the first case of the Selector given a value wins, and puts the
// value back at the head of the channel for the case's function to receive.
type selectReceive struct {
	c      *selectCase
	winner **selectCase
}

func (r *selectReceive) wants() bool { return *r.winner == nil }

func (r *selectReceive) deliver(v any, more bool) {
	*r.winner = r.c
	if more {
		r.c.recv.pushFront(v)
	}
}

// runFirstToBecomeReady blocks until one branch becomes ready and runs it.
// Every branch registers a waiter; the first waiter to fire wins and the
// others are withdrawn. It returns false if the winning receive branch lost
// its value to another coroutine before this one resumed.
func (s *selectorImpl) runFirstToBecomeReady(co *coroutine) bool {
	var winner *selectCase
	available := func() bool { return winner == nil }
	var withdraw []func()
	for _, c := range s.cases {
		if c.dropped {
			continue
		}
		switch {
		case c.future != nil:
			withdraw = append(withdraw, c.future.onReady(func() {
				if winner == nil {
					winner = c
				}
			}))
		case c.recv != nil:
			r := &selectReceive{c: c, winner: &winner}
			c.recv.receivers = append(c.recv.receivers, r)
			withdraw = append(withdraw, func() { c.recv.removeReceiver(r) })
		default:
			p := &pendingSend{value: c.sendValue, available: available, take: func() { winner = c }}
			c.send.senders = append(c.send.senders, p)
			withdraw = append(withdraw, func() { c.send.removeSender(p) })
		}
	}
	co.waitOn("Selector.Select", s.name, condition(func() bool { return winner != nil }))
	for _, w := range withdraw {
		w()
	}
	switch {
	case winner.future != nil:
		winner.runFuture()
	case winner.recv != nil:
		if !winner.recv.canReceive() {
			return false
		}
		winner.runReceive()
	default:
		winner.runSend()
	}
	return true
}
