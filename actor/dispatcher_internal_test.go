package actor

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A burst of mailbox runs, some scheduled from inside runs, is worked off
// by at most max runners at once, every run exactly once, and the runners
// end once they have waited idleTimeout with nothing queued.
func TestMailboxDispatcherBoundsRunners(t *testing.T) {
	done := make(chan struct{})
	defer close(done)
	d := newMailboxDispatcher(done, 4, 50*time.Millisecond)

	const runs = 400
	var running, peak, ran atomic.Int32
	var wg sync.WaitGroup
	var run func(nested bool)
	run = func(nested bool) {
		defer wg.Done()
		n := running.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		if !nested {
			// Scheduling from a run while every runner is busy must not block.
			wg.Add(1)
			d.Schedule(func() { run(true) })
		}
		time.Sleep(100 * time.Microsecond)
		ran.Add(1)
		running.Add(-1)
	}
	for range runs / 2 {
		wg.Add(1)
		d.Schedule(func() { run(false) })
	}
	wg.Wait()
	if got := ran.Load(); got != runs {
		t.Fatalf("%d runs ran, want %d", got, runs)
	}
	if p := peak.Load(); p > 4 || p < 2 {
		t.Fatalf("%d runs at once, want between 2 and the bound of 4", p)
	}
	waitForNoRunners(t, d, "after their idle timeout")
}

// waitForNoRunners waits up to 5 s for every runner of d to end.
func waitForNoRunners(t *testing.T, d *mailboxDispatcher, when string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		d.mu.Lock()
		runners, waiting := d.runners, d.waiting
		d.mu.Unlock()
		if runners == 0 && waiting == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d runners (%d waiting) left %s", runners, waiting, when)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Once the engine closes (done), runners no longer wait for work, but
// whatever is scheduled still runs: stopping the actors takes mailbox runs.
func TestMailboxDispatcherRunsWorkAfterDone(t *testing.T) {
	done := make(chan struct{})
	d := newMailboxDispatcher(done, maxMailboxRunners, mailboxIdleTimeout)
	close(done)
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		d.Schedule(wg.Done)
	}
	wg.Wait()
	waitForNoRunners(t, d, "after done")
}

// A runner whose wait ends (idle timeout or done) just as Schedule hands it
// a run keeps working: the run is not stranded, and the counts stay right.
func TestMailboxDispatcherRunnerEndingAsWorkArrives(t *testing.T) {
	d := newMailboxDispatcher(make(chan struct{}), maxMailboxRunners, mailboxIdleTimeout)
	d.runners = 1
	if fn := d.next(); fn != nil { // the runner finds nothing and waits
		t.Fatal("a run in an empty queue")
	}
	ran := false
	d.Schedule(func() { ran = true }) // hands the run to the waiting runner
	if d.end() {
		t.Fatal("the runner ended with a run handed to it")
	}
	fn := d.next()
	if fn == nil {
		t.Fatal("the handed run is not in the queue")
	}
	fn()
	if !ran || d.runners != 1 || d.waiting != 0 {
		t.Fatalf("ran %v, %d runners, %d waiting; want true, 1, 0", ran, d.runners, d.waiting)
	}
}

// Runs are taken in the order they were scheduled, and a backlog that
// never drains (as many runs come in as are taken) does not grow the
// queue's array.
func TestMailboxDispatcherKeepsOrder(t *testing.T) {
	d := newMailboxDispatcher(make(chan struct{}), maxMailboxRunners, mailboxIdleTimeout)
	d.runners = d.max // no runner is started: the test takes the runs itself
	var got []int
	schedule := func(i int) { d.Schedule(func() { got = append(got, i) }) }
	const backlog, runs = 10, 10000
	for i := range backlog {
		schedule(i)
	}
	for i := backlog; i < runs; i++ {
		d.next()()
		schedule(i)
	}
	for fn := d.next(); fn != nil; fn = d.next() {
		fn()
	}
	if len(got) != runs {
		t.Fatalf("%d runs taken, want %d", len(got), runs)
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("run %d taken as number %d", v, i)
		}
	}
	if c := cap(d.queued); c > 4*backlog {
		t.Fatalf("queue array of %d for a backlog of %d", c, backlog)
	}
}
