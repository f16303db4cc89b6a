package actor

import (
	"time"

	protoactor "github.com/asynkron/protoactor-go/actor"
)

// A workflow actor passivates (leaves memory) once it has had no message
// for its idle timeout. protoactor's receive timeout is not used for this,
// for two reasons: its timer goroutine writes the actor context's fields
// while the actor may be handling a message (a data race in protoactor-go,
// asynkron/protoactor-go#1139, which the race detector reports when
// timeouts are short), and once it has fired it stays off, so an actor
// that could not passivate at that moment (a caller waiting, a failed task
// to retry) never tried again.
// idleClock's timer only sends the actor an idleCheck; the actor looks at
// the clock and decides on its own goroutine.

// idleCheck is the message an actor's idle timer sends it.
type idleCheck struct{}

// idleClock tracks how long an actor has been idle. Only the actor's
// goroutine uses it; the timer's function only sends a message.
type idleClock struct {
	timer      *time.Timer
	timeout    time.Duration
	lastActive time.Time
}

// start starts the clock of the actor self with the given timeout.
func (c *idleClock) start(root *protoactor.RootContext, self *protoactor.PID, timeout time.Duration) {
	c.timeout, c.lastActive = timeout, time.Now()
	c.timer = time.AfterFunc(timeout, func() { root.Send(self, idleCheck{}) })
}

// touch records that the actor has just handled a message.
func (c *idleClock) touch() { c.lastActive = time.Now() }

// setTimeout changes the timeout, counted from the last message. A longer
// one takes effect at the next check, which finds the actor not yet idle
// long enough and waits for the rest.
func (c *idleClock) setTimeout(d time.Duration) {
	if d == c.timeout {
		return
	}
	shorter := d < c.timeout
	c.timeout = d
	if shorter {
		c.timer.Reset(max(0, d-time.Since(c.lastActive)))
	}
}

// expired reports, on an idleCheck, whether the actor has been idle for
// its timeout; if not, the timer is set for the time that is left. A check
// that was already on its way when the timer was reset finds the same.
func (c *idleClock) expired() bool {
	idle := time.Since(c.lastActive)
	if idle < c.timeout {
		c.timer.Reset(c.timeout - idle)
		return false
	}
	return true
}

// restart waits a whole timeout again, for an actor that was idle long
// enough but could not passivate.
func (c *idleClock) restart() {
	c.lastActive = time.Now()
	c.timer.Reset(c.timeout)
}

// stop stops the timer for good.
func (c *idleClock) stop() {
	if c.timer != nil {
		c.timer.Stop()
	}
}
