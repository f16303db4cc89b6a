package actor

import (
	"time"

	protoactor "github.com/asynkron/protoactor-go/actor"
)

// mailboxDispatcher runs workflow actors' mailboxes. protoactor's default
// dispatcher starts a goroutine each time a mailbox has messages, and that
// goroutine's stack grows, by copying, to the depth a workflow task needs
// (journal, Pebble, the runtime): a few times per message. This one keeps
// a goroutine that finished a mailbox waiting for the next one for a
// while, so the grown stacks are reused. Goroutines that wait longer than
// idleTimeout, or any after done is closed, end.
type mailboxDispatcher struct {
	work        chan func() // unbuffered: a send succeeds only if a goroutine waits
	done        <-chan struct{}
	idleTimeout time.Duration
}

// mailboxThroughput is how many messages a mailbox handles before it
// yields its goroutine, protoactor's default.
const mailboxThroughput = 300

// mailboxIdleTimeout is how long a goroutine waits for another mailbox.
const mailboxIdleTimeout = time.Second

var _ protoactor.Dispatcher = (*mailboxDispatcher)(nil)

func newMailboxDispatcher(done <-chan struct{}) *mailboxDispatcher {
	return &mailboxDispatcher{work: make(chan func()), done: done, idleTimeout: mailboxIdleTimeout}
}

// Schedule runs fn on a waiting goroutine, or on a new one if none waits.
func (d *mailboxDispatcher) Schedule(fn func()) {
	select {
	case d.work <- fn:
	default:
		go d.run(fn)
	}
}

// Throughput implements protoactor.Dispatcher.
func (d *mailboxDispatcher) Throughput() int { return mailboxThroughput }

func (d *mailboxDispatcher) run(fn func()) {
	idle := time.NewTimer(d.idleTimeout)
	defer idle.Stop()
	for {
		fn()
		idle.Reset(d.idleTimeout)
		select {
		case fn = <-d.work:
		case <-idle.C:
			return
		case <-d.done:
			return
		}
	}
}
