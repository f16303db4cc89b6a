package actor

import (
	"sync"
	"time"

	protoactor "github.com/asynkron/protoactor-go/actor"
)

// mailboxDispatcher runs workflow actors' mailboxes on at most
// maxMailboxRunners goroutines at once; mailboxes with messages beyond
// that wait their turn in a queue.
//
// The bound is for the deadlock timeout and for latency. A mailbox run may
// resume workflow code, and the deadlock timeout counts the time that code
// has control, which includes any time its goroutine waits to be scheduled.
// protoactor's default dispatcher starts a goroutine per mailbox run, so a
// burst (a thousand timers due at once) made as many goroutines runnable
// on two cores: a task that needs a millisecond of CPU then took over a
// second, failed as a deadlock, and waited a second for its retry. Bounded,
// a burst is worked off in order instead of all at once.
//
// The runners also outlive their mailboxes: a runner whose mailbox is done
// takes the next one queued, or waits for one, so the stacks grown to a
// workflow task's depth (journal, Pebble, the runtime) are reused rather
// than grown again by copying. A reaper ends the runners that waited a
// whole idleTimeout. After done is closed runners still work off the queue
// (stopping actors takes a mailbox run), but no longer wait.
type mailboxDispatcher struct {
	done        <-chan struct{}
	idleTimeout time.Duration
	max         int

	mu sync.Mutex
	// queued[head:] are the mailbox runs waiting for a runner; the array
	// is reused once they are all taken.
	queued  []func()
	head    int
	runners int // runners started and not ended, waiting ones included
	waiting int // runners waiting for a token
	// leastWaiting is the fewest runners that were waiting at any moment
	// since the reaper last looked: that many had nothing to do all along.
	leastWaiting int
	reaping      bool // the reaper goroutine runs
	// wake holds a token for each waiting runner that was called on and
	// taken off waiting: true to take a queued run, false to end. It is
	// sent to with mu held, and its capacity is max, so the send never
	// blocks. A runner waits on it alone: a select over it, a timer and
	// done cost a twentieth of the signal scenario's CPU.
	wake chan bool
}

// maxMailboxRunners bounds the mailboxes that run at once: enough for the
// journal's group commit, which wants many appends in flight (each run
// holding its runner while its append waits for the fsync), and few
// enough that a runnable goroutine gets the CPU within milliseconds.
const maxMailboxRunners = 256

// mailboxThroughput is how many messages a mailbox handles before it lets
// other goroutines run (runtime.Gosched), protoactor's default. It does not
// give up its runner: protoactor's mailbox keeps its run going while
// messages keep arriving, so 256 workflows that never run out of messages
// (each flooded with signals) would keep queued mailboxes waiting.
const mailboxThroughput = 300

// mailboxIdleTimeout is the reaper's period: a runner without a mailbox for
// a whole period ends, one to two periods after its last one.
const mailboxIdleTimeout = time.Second

var _ protoactor.Dispatcher = (*mailboxDispatcher)(nil)

// newMailboxDispatcher returns a dispatcher of at most maxRunners runners,
// each ended after idleTimeout to two without work, until done is closed.
func newMailboxDispatcher(done <-chan struct{}, maxRunners int, idleTimeout time.Duration) *mailboxDispatcher {
	return &mailboxDispatcher{done: done, idleTimeout: idleTimeout, max: maxRunners, wake: make(chan bool, maxRunners)}
}

// Schedule queues fn and has a runner take it: a waiting one, or a new
// one while there are fewer than max. It never blocks, since callers
// include mailbox runs.
func (d *mailboxDispatcher) Schedule(fn func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.head > 0 && d.head >= len(d.queued)/2 {
		// Under a lasting backlog the queue never drains: move what waits
		// to the front rather than let the taken part grow.
		n := copy(d.queued, d.queued[d.head:])
		clear(d.queued[n:])
		d.queued, d.head = d.queued[:n], 0
	}
	d.queued = append(d.queued, fn)
	switch {
	case d.waiting > 0:
		d.callWaiting(true)
	case d.runners < d.max:
		d.runners++
		go d.run()
	}
	if !d.reaping {
		d.reaping = true
		go d.reap()
	}
}

// Throughput implements protoactor.Dispatcher.
func (d *mailboxDispatcher) Throughput() int { return mailboxThroughput }

// run is a runner: it takes queued mailbox runs until it is told to end,
// or finds none queued after done.
func (d *mailboxDispatcher) run() {
	for {
		fn, wait := d.next()
		if fn != nil {
			fn()
			continue
		}
		if !wait || !<-d.wake { // <-d.wake is false when the runner is to end
			return
		}
	}
}

// next takes the first queued run. With none, it counts the runner as
// waiting and says it is to wait, or after done ends it.
func (d *mailboxDispatcher) next() (fn func(), wait bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.head == len(d.queued) {
		if isClosed(d.done) {
			d.runners--
			return nil, false
		}
		d.waiting++
		return nil, true
	}
	fn = d.queued[d.head]
	d.queued[d.head] = nil
	d.head++
	if d.head == len(d.queued) {
		d.queued, d.head = d.queued[:0], 0
	}
	return fn, false
}

// callWaiting hands a waiting runner a token: go on, or end. d.mu is held.
func (d *mailboxDispatcher) callWaiting(goOn bool) {
	d.waiting--
	d.leastWaiting = min(d.leastWaiting, d.waiting)
	if !goOn {
		d.runners--
	}
	d.wake <- goOn
}

// reap ends, every idleTimeout, the runners that waited all along, and
// every waiting runner once done is closed. It ends with the last runner
// (Schedule starts it again) or with done.
func (d *mailboxDispatcher) reap() {
	tick := time.NewTicker(d.idleTimeout)
	defer tick.Stop()
	for {
		select {
		case <-d.done:
			d.mu.Lock()
			defer d.mu.Unlock()
			d.reaping = false
			for d.waiting > 0 {
				d.callWaiting(false)
			}
			return
		case <-tick.C:
			if !d.endIdle() {
				return
			}
		}
	}
}

// endIdle ends the runners that waited since the reaper last looked and
// reports whether any runner is left for the reaper to watch.
func (d *mailboxDispatcher) endIdle() (more bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for n := d.leastWaiting; n > 0; n-- {
		d.callWaiting(false)
	}
	d.leastWaiting = d.waiting
	if d.runners == 0 {
		d.reaping = false
		return false
	}
	return true
}

// isClosed reports whether ch is closed, without blocking.
func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
