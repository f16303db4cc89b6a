package internal

import (
	"bytes"
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The dispatcher runs workflow code deterministically. Every workflow
// goroutine (the workflow function itself and each workflow.Go) is a real Go
// goroutine wrapped in a coroutine, but only one of them runs at any moment:
// the dispatcher hands control to a coroutine and waits until that coroutine
// parks itself in a blocking workflow call (Future.Get, Channel.Receive,
// Selector.Select, Await, ...) or returns. Coroutines are run in creation
// order, pass after pass, until a whole pass makes no progress: then every
// coroutine is blocked on something only new history events can change.

// unwindPanic is the value a parked coroutine panics with when its dispatcher
// closes. The coroutine wrapper recovers it, so deferred functions of workflow
// code run and the goroutine exits instead of leaking.
type unwindPanic struct{}

// errUnwind is the single unwindPanic value.
var errUnwind = &unwindPanic{}

// defaultDeadlockTimeout is how long a coroutine may run without yielding
// before the dispatcher reports a DeadlockError, unless configured.
const defaultDeadlockTimeout = time.Second

// DeadlockError fails a workflow task when a workflow coroutine runs longer
// than the deadlock timeout without reaching a blocking workflow call. The
// usual causes are a busy loop, native blocking (time.Sleep, sync.Mutex, Go
// channels, network I/O) or a very slow data converter in workflow code.
type DeadlockError struct {
	// Coroutine is the name of the coroutine that did not yield ("root" for
	// the workflow function).
	Coroutine string
	// Timeout is the deadlock timeout that elapsed.
	Timeout time.Duration
	// StackTrace is the coroutine's stack when the timeout elapsed.
	StackTrace string
}

func (e *DeadlockError) Error() string {
	return fmt.Sprintf("potential deadlock detected: workflow coroutine %q did not yield within %v "+
		"(workflow code must not block outside the workflow API: no time.Sleep, native channels, mutexes or I/O)",
		e.Coroutine, e.Timeout)
}

// coroutinePanic records a panic that escaped workflow code.
type coroutinePanic struct {
	value      any
	stackTrace string
}

// dispatcher owns the coroutines of one workflow execution.
type dispatcher struct {
	// coroutines are the live coroutines in creation order.
	coroutines []*coroutine
	// current is the coroutine that is running, nil between runs.
	current *coroutine
	// created counts coroutines ever created; it names unnamed ones.
	created int
	// halted stops all further runs (the workflow function returned).
	halted bool
	// resumes counts the times a coroutine was given control, each a pair
	// of goroutine switches; tests check which are saved.
	resumes int
	// panicked is the first panic that escaped a coroutine.
	panicked *coroutinePanic

	// parked carries the hand-backs: true when the coroutine that had
	// control parks or returns, false when the deadlock timer fires. One
	// channel for both lets await wait with a plain receive: selects over
	// a coroutine's channels and the timer's cost 7 % of the signal
	// scenario's CPU (the runtime puts a channel's timer in its heap for
	// every select that blocks on it). At most one of each kind is
	// pending (one coroutine has control at a time; the timer fires once
	// per arming), so with a capacity of two a coroutine never waits to
	// hand back.
	parked chan bool

	deadlockTimeout time.Duration
	// timer is the deadlock timer; it sends false on parked. It is armed
	// (timerArmed: pending, or fired and not yet received) while a
	// coroutine has control, but not re-armed for every step: await
	// re-arms it when it fires, for what is left of the running
	// coroutine's timeout. Resetting and stopping a timer around every
	// step cost more than the step's goroutine switches.
	timer      *time.Timer
	timerArmed bool

	// closing makes every resumed coroutine unwind.
	closing bool
	closed  bool
	// stuck is a coroutine that did not yield in time.
	stuck *coroutine
	// abandoned is set when close has finished, and every coroutine's
	// resume channel closed: a coroutine that close could not unwind
	// (because another one was stuck) unwinds on its own when it parks.
	abandoned atomic.Bool
	// abandonMu orders abandon against newCoroutine: once abandoned, the
	// stuck coroutine, and the unwinding ones, run on their own and may
	// still create coroutines (workflow.Go), which must unwind too.
	abandonMu sync.Mutex
}

func newDispatcher(deadlockTimeout time.Duration) *dispatcher {
	if deadlockTimeout <= 0 {
		deadlockTimeout = defaultDeadlockTimeout
	}
	d := &dispatcher{deadlockTimeout: deadlockTimeout, parked: make(chan bool, 2)}
	d.timer = time.AfterFunc(time.Hour, func() {
		select {
		case d.parked <- false:
		default: // cannot happen while anyone waits (see parked)
		}
	})
	d.timer.Stop()
	return d
}

// coroutine is one workflow goroutine.
type coroutine struct {
	d    *dispatcher
	name string
	// goid is the Go runtime's number of the goroutine that runs the
	// coroutine, used to find its stack in a full stack dump. The runner
	// sets it when it takes the coroutine; it reads "" until then.
	goid atomic.Pointer[string]
	// resume hands control to the coroutine (the dispatcher's parked hands
	// it back); closed, it makes the coroutine unwind.
	resume chan struct{}
	// runningSince is when the coroutine last took control (sinceStart),
	// or 0 while it does not have it, for the deadlock timeout.
	runningSince atomic.Int64
	// keptBlocked is true when the coroutine was resumed and blocked again
	// without its wait condition having become true (no progress).
	keptBlocked bool
	finished    bool
	// panicked is a panic that escaped the coroutine's code.
	panicked *coroutinePanic
	// blockedOn says which call the coroutine is parked in, and on what
	// (a channel's or selector's name, or ""); they are joined only for a
	// stack trace, which is rare, while blocking is not.
	blockedOn, blockedOnName string
	// unblocked is the wait condition of a coroutine parked in waitOn, for
	// the dispatcher to check without resuming it; nil otherwise.
	unblocked waitCondition
	// receive is the wait of the coroutine's Channel.Receive calls.
	receive blockedReceive
}

// waitCondition is what a coroutine parked in waitOn waits for. It is an
// interface rather than a func so that a waiter can be its own condition
// (blockedReceive) instead of allocating a closure for it.
type waitCondition interface {
	holds() bool
}

// condition is a waitCondition that is a closure.
type condition func() bool

func (f condition) holds() bool { return f() }

// newCoroutine creates a coroutine that will run fn when the dispatcher
// reaches it, after every coroutine created before it.
func (d *dispatcher) newCoroutine(name string, fn func()) *coroutine {
	d.abandonMu.Lock()
	d.created++
	if name == "" {
		name = strconv.Itoa(d.created)
	}
	co := &coroutine{d: d, name: name, resume: make(chan struct{})}
	d.coroutines = append(d.coroutines, co)
	if d.abandoned.Load() {
		close(co.resume)
	}
	d.abandonMu.Unlock()
	startCoroutine(coroutineStart{co: co, fn: fn})
	return co
}

// Coroutines run on runner goroutines that outlive them: a runner whose
// coroutine has returned waits a while for the next one. Workflow code
// grows a goroutine's stack, by copying, to the depth its calls need
// (reflection, the data converter, the workflow API) every time it starts
// on a fresh goroutine; a runner keeps the grown stack. At most
// maxIdleRunners wait at once, and each for at most runnerIdleTimeout, so
// that a burst of closing workflows does not leave their stacks behind.
const (
	maxIdleRunners    = 256
	runnerIdleTimeout = time.Second
)

var (
	// coroutineStarts hands a coroutine to a waiting runner. It is
	// unbuffered: a send succeeds only if a runner waits.
	coroutineStarts = make(chan coroutineStart)
	// idleRunners counts the runners waiting on coroutineStarts.
	idleRunners atomic.Int32
)

type coroutineStart struct {
	co *coroutine
	fn func()
}

// startCoroutine gives s to a waiting runner, or to a new one.
func startCoroutine(s coroutineStart) {
	select {
	case coroutineStarts <- s:
		idleRunners.Add(-1) // here, not in the runner, so the count is exact on return
	default:
		go runCoroutines(s)
	}
}

// runCoroutines is a runner: it runs s, then the coroutines handed to it
// while it waits, until none comes in time or enough runners wait already.
func runCoroutines(s coroutineStart) {
	goid := currentGoroutineID()
	idle := time.NewTimer(runnerIdleTimeout)
	defer idle.Stop()
	for {
		s.co.goid.Store(&goid)
		s.co.run(s.fn)
		if idleRunners.Add(1) > maxIdleRunners {
			idleRunners.Add(-1)
			return
		}
		idle.Reset(runnerIdleTimeout)
		select {
		case s = <-coroutineStarts:
		case <-idle.C:
			idleRunners.Add(-1)
			return
		}
	}
}

// run runs the coroutine's function when the dispatcher first resumes it.
func (co *coroutine) run(fn func()) {
	defer co.exit()
	co.waitForTurn()
	fn()
}

// stack returns the stack of the coroutine's goroutine, for a
// DeadlockError, or "" if it has not started.
//
// Go shows another goroutine's stack only in a dump of all of them, which
// stops the process for as long as writing them takes: a second or more
// on a node with tens of thousands of live workflows, long enough to push
// other coroutines past their deadlock timeout, whose reports would dump
// again. With more than manyGoroutines goroutines, only one report a
// minute gets the stack.
func (co *coroutine) stack() string {
	goid := co.goid.Load()
	if goid == nil {
		return ""
	}
	if runtime.NumGoroutine() > manyGoroutines {
		last, now := lastLargeDump.Load(), sinceStart()
		if last != 0 && now-last < int64(largeDumpInterval) || !lastLargeDump.CompareAndSwap(last, now) {
			return fmt.Sprintf("(not captured: with more than %d goroutines, a stack dump stops the process for long, and one was taken less than %v ago)",
				manyGoroutines, largeDumpInterval)
		}
	}
	return stackIn(dumpGoroutines(), *goid)
}

// A stack dump of more than manyGoroutines goroutines is taken at most once
// per largeDumpInterval for deadlock reports; lastLargeDump is when the
// last was (sinceStart).
const (
	manyGoroutines    = 10000
	largeDumpInterval = time.Minute
)

var lastLargeDump atomic.Int64

// exit records a panic, marks the coroutine finished and hands control back.
func (co *coroutine) exit() {
	if r := recover(); r != nil && r != errUnwind {
		co.panicked = &coroutinePanic{value: r, stackTrace: string(debug.Stack())}
	}
	co.finished = true
	co.runningSince.Store(0)
	co.handBack()
}

// handBack returns control to the dispatcher, unless it has abandoned the
// coroutines (then nobody waits for it, and it reports true). A
// coroutine that checks just before close sets abandoned still finds
// room on parked: only the stuck coroutine can be running then.
func (co *coroutine) handBack() (abandoned bool) {
	if co.d.abandoned.Load() {
		return true
	}
	co.d.parked <- true
	return false
}

// waitForTurn parks until the dispatcher resumes the coroutine, and unwinds
// it if the dispatcher is closing or has abandoned it.
func (co *coroutine) waitForTurn() {
	if _, ok := <-co.resume; !ok {
		panic(errUnwind)
	}
	co.runningSince.Store(sinceStart())
	if co.d.closing {
		panic(errUnwind)
	}
}

// yield hands control back to the dispatcher and returns when it is this
// coroutine's turn again.
func (co *coroutine) yield() {
	co.runningSince.Store(0)
	if co.handBack() {
		panic(errUnwind)
	}
	co.waitForTurn()
	co.keptBlocked = true
}

// waitUntil blocks the coroutine until ready returns true. ready is checked
// each time the dispatcher reaches the coroutine, on the coroutine's own
// goroutine: it may run workflow code (an Await condition), which may
// panic or never return like any other.
func (co *coroutine) waitUntil(reason string, ready func() bool) {
	co.wait(reason, "", condition(ready), false)
}

// waitOn is waitUntil for a condition of the runtime's own, on something
// named name: ready must only read workflow state, never run workflow
// code. The dispatcher checks it without resuming the coroutine, which
// saves two goroutine switches for every coroutine that stays blocked
// through a pass of the dispatcher.
func (co *coroutine) waitOn(reason, name string, ready waitCondition) {
	co.wait(reason, name, ready, true)
}

// wait parks the coroutine until ready holds; checkParked says whether the
// dispatcher may check ready without resuming the coroutine.
func (co *coroutine) wait(reason, name string, ready waitCondition, checkParked bool) {
	co.blockedOn, co.blockedOnName = reason, name
	if checkParked {
		co.unblocked = ready
	}
	for !ready.holds() {
		co.yield()
	}
	co.keptBlocked = false
	co.blockedOn, co.blockedOnName, co.unblocked = "", "", nil
}

// blockedIn describes the call the coroutine is parked in, for stack traces.
func (co *coroutine) blockedIn() string {
	if co.blockedOnName == "" {
		return co.blockedOn
	}
	return co.blockedOn + " " + co.blockedOnName
}

// executeUntilAllBlocked resumes the coroutines in creation order, pass after pass, until a
// pass makes no progress, the workflow function returns, or a coroutine
// panics or fails to yield.
func (d *dispatcher) executeUntilAllBlocked() error {
	for !d.halted {
		progress := false
		for i := 0; i < len(d.coroutines) && !d.halted; i++ {
			co := d.coroutines[i]
			if co.finished {
				continue
			}
			if co.unblocked != nil && !co.unblocked.holds() {
				continue // it would only block again
			}
			if err := d.step(co); err != nil {
				return err
			}
			if co.panicked != nil {
				d.panicked = co.panicked
				d.halted = true
				return nil
			}
			if co.finished || !co.keptBlocked {
				progress = true
			}
		}
		d.removeFinished()
		if !progress {
			break
		}
	}
	return nil
}

// step runs one coroutine until it yields or returns.
func (d *dispatcher) step(co *coroutine) error {
	d.current = co
	d.resumes++
	co.resume <- struct{}{}
	if !d.await(co) {
		d.stuck = co
		return &DeadlockError{Coroutine: co.name, Timeout: d.deadlockTimeout, StackTrace: co.stack()}
	}
	d.current = nil
	return nil
}

// await waits for the resumed coroutine co to yield or return, which hands
// the workflow state back to the caller, and gives up (false) once co has
// had control for the deadlock timeout. The time counts from when co's
// goroutine actually runs, not from the resume: on a loaded node a resumed
// goroutine can wait for a processor for a long time (behind thousands of
// runnable workflow actors, or a garbage collection), and that is not a
// deadlock of its code.
//
// The timer may have been armed for an earlier step, so it can fire early
// for this one; it is then re-armed for the rest of co's timeout.
func (d *dispatcher) await(co *coroutine) bool {
	if !d.timerArmed {
		d.timer.Reset(d.deadlockTimeout)
		d.timerArmed = true
	}
	for !<-d.parked { // false: the timer fired
		d.timerArmed = false
		ran := time.Duration(0)
		if since := co.runningSince.Load(); since != 0 {
			ran = time.Duration(sinceStart() - since)
		}
		if ran >= d.deadlockTimeout {
			return false
		}
		d.timer.Reset(d.deadlockTimeout - ran)
		d.timerArmed = true
	}
	return true
}

// processStart anchors sinceStart.
var processStart = time.Now()

// sinceStart returns the monotonic time since the package was initialized,
// in nanoseconds, never 0.
func sinceStart() int64 { return int64(time.Since(processStart)) + 1 }

func (d *dispatcher) removeFinished() {
	live := d.coroutines[:0]
	for _, co := range d.coroutines {
		if !co.finished {
			live = append(live, co)
		}
	}
	clear(d.coroutines[len(live):])
	d.coroutines = live
}

// close unwinds every coroutine, one at a time, so that no goroutine
// outlives the execution: a parked coroutine is resumed and panics with
// errUnwind, which runs its deferred calls.
//
// A coroutine that did not yield in time (stuck) still owns the workflow
// state. close gives it one more deadlock timeout to yield; if it does not,
// close touches nothing and abandons the coroutines instead, which makes
// every coroutine unwind on its own as soon as it is parked.
func (d *dispatcher) close() {
	if d.closed {
		return
	}
	d.closed = true
	defer d.abandon()
	defer d.timer.Stop()
	if d.stuck != nil {
		if !d.await(d.stuck) {
			return
		}
		d.stuck = nil
	}
	d.closing = true
	for i := 0; i < len(d.coroutines); i++ {
		co := d.coroutines[i]
		for !co.finished {
			d.current = co
			co.resume <- struct{}{}
			if !d.await(co) {
				// A deferred call of workflow code does not return.
				return
			}
		}
	}
	d.current = nil
	d.coroutines = nil
}

// abandon makes every coroutine that is parked, or parks later, unwind
// without the dispatcher.
func (d *dispatcher) abandon() {
	d.abandonMu.Lock()
	defer d.abandonMu.Unlock()
	d.abandoned.Store(true)
	for _, co := range d.coroutines {
		close(co.resume)
	}
}

// stackTraces returns the stacks of the live coroutines, for the
// __stack_trace query.
func (d *dispatcher) stackTraces() string {
	var b bytes.Buffer
	dump := dumpGoroutines() // one for all of them
	for _, co := range d.coroutines {
		if co.finished {
			continue
		}
		stack := ""
		if goid := co.goid.Load(); goid != nil {
			stack = stackIn(dump, *goid)
		}
		fmt.Fprintf(&b, "coroutine %s [blocked on %s]:\n%s\n", co.name, co.blockedIn(), stack)
	}
	return b.String()
}

// currentGoroutineID returns the number the Go runtime prints for the
// calling goroutine in stack dumps.
func currentGoroutineID() string {
	var buf [64]byte
	line := buf[:runtime.Stack(buf[:], false)]
	line = bytes.TrimPrefix(line, []byte("goroutine "))
	if i := bytes.IndexByte(line, ' '); i > 0 {
		return string(line[:i])
	}
	return ""
}

// dumpGoroutines returns the stacks of all goroutines.
func dumpGoroutines() []byte {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}

// stackIn returns the stack of goroutine goid in dump, or "" if it is not
// there.
func stackIn(dump []byte, goid string) string {
	header := []byte("goroutine " + goid + " [")
	for _, block := range bytes.Split(dump, []byte("\n\n")) {
		if bytes.HasPrefix(block, header) {
			return string(block)
		}
	}
	return ""
}
