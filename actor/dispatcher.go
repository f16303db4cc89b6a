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
// takes the next one queued, or waits up to idleTimeout for one, so the
// stacks grown to a workflow task's depth (journal, Pebble, the runtime)
// are reused rather than grown again by copying. After done is closed
// runners still work off the queue (stopping actors takes a mailbox run),
// but no longer wait.
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
	waiting int // runners waiting for a wake-up
	// wake holds one token for each waiting runner that Schedule has
	// called on, taken off waiting. It is sent to with mu held, and its
	// capacity is max, so the send never blocks.
	wake chan struct{}
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

// mailboxIdleTimeout is how long a runner waits for another mailbox.
const mailboxIdleTimeout = time.Second

var _ protoactor.Dispatcher = (*mailboxDispatcher)(nil)

// newMailboxDispatcher returns a dispatcher of at most maxRunners runners,
// each waiting up to idleTimeout for work, until done is closed.
func newMailboxDispatcher(done <-chan struct{}, maxRunners int, idleTimeout time.Duration) *mailboxDispatcher {
	return &mailboxDispatcher{done: done, idleTimeout: idleTimeout, max: maxRunners, wake: make(chan struct{}, maxRunners)}
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
		d.waiting--
		d.wake <- struct{}{}
	case d.runners < d.max:
		d.runners++
		go d.run()
	}
}

// Throughput implements protoactor.Dispatcher.
func (d *mailboxDispatcher) Throughput() int { return mailboxThroughput }

// run is a runner: it takes queued mailbox runs until none comes within
// idleTimeout, or none is queued after done.
func (d *mailboxDispatcher) run() {
	idle := time.NewTimer(d.idleTimeout)
	defer idle.Stop()
	for {
		if fn := d.next(); fn != nil {
			fn()
			continue
		}
		if d.wait(idle) {
			return
		}
	}
}

// wait waits for a wake-up and reports whether the runner is to end
// instead. The idle timer is not reset for every wait, which comes between
// almost every two mailbox runs under load: it stays armed, and when it
// fires for an earlier wait it is re-armed for the rest of this one.
func (d *mailboxDispatcher) wait(idle *time.Timer) (end bool) {
	since := time.Now()
	for {
		select {
		case <-d.wake:
			return false
		case <-idle.C:
			if waited := time.Since(since); waited < d.idleTimeout {
				idle.Reset(d.idleTimeout - waited)
				continue
			}
			if d.end() {
				return true
			}
			idle.Reset(d.idleTimeout)
			return false
		case <-d.done:
			return d.end()
		}
	}
}

// next takes the first queued run; with none, it counts the runner as
// waiting and returns nil.
func (d *mailboxDispatcher) next() func() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.head == len(d.queued) {
		d.waiting++
		return nil
	}
	fn := d.queued[d.head]
	d.queued[d.head] = nil
	d.head++
	if d.head == len(d.queued) {
		d.queued, d.head = d.queued[:0], 0
	}
	return fn
}

// end ends a waiting runner, unless Schedule called on it meanwhile (a
// token is waiting for it), in which case it goes on working.
func (d *mailboxDispatcher) end() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	select {
	case <-d.wake:
		return false
	default:
	}
	d.waiting--
	d.runners--
	return true
}
