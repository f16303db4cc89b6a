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

// The reaper ends a runner once it has waited through a whole period
// between two looks, not sooner; and a runner that Schedule called on
// meanwhile is not ended, even if it waited when the period began.
func TestMailboxDispatcherEndsRunnersIdleForAPeriod(t *testing.T) {
	done := make(chan struct{})
	defer close(done)
	d := newMailboxDispatcher(done, maxMailboxRunners, mailboxIdleTimeout)
	d.runners, d.reaping = 2, true // the test plays both runners and the reaper
	for range 2 {
		if fn, wait := d.next(); fn != nil || !wait { // each finds nothing and waits
			t.Fatal("a run in an empty queue")
		}
	}
	d.endIdle() // the first look: neither has waited a whole period yet
	if d.runners != 2 || len(d.wake) != 0 {
		t.Fatalf("%d runners and %d tokens after the first look; want 2 and none", d.runners, len(d.wake))
	}
	ran := false
	d.Schedule(func() { ran = true }) // calls on one of them
	d.endIdle()                       // the second look ends the other only
	if d.runners != 1 || d.waiting != 0 {
		t.Fatalf("%d runners, %d waiting after the second look; want 1 and 0", d.runners, d.waiting)
	}
	got := []bool{<-d.wake, <-d.wake}
	if got[0] != true || got[1] != false {
		t.Fatalf("tokens %v, want the call to go on, then one to end", got)
	}
	fn, _ := d.next()
	if fn == nil {
		t.Fatal("the handed run is not in the queue")
	}
	fn()
	if !ran {
		t.Fatal("the handed run did not run")
	}
}

// Runs are taken in the order they were scheduled, and a backlog that
// never drains (as many runs come in as are taken) does not grow the
// queue's array.
func TestMailboxDispatcherKeepsOrder(t *testing.T) {
	done := make(chan struct{})
	defer close(done)
	d := newMailboxDispatcher(done, maxMailboxRunners, mailboxIdleTimeout)
	d.runners, d.reaping = d.max, true // no runner or reaper is started: the test takes the runs itself
	var got []int
	schedule := func(i int) { d.Schedule(func() { got = append(got, i) }) }
	const backlog, runs = 10, 10000
	for i := range backlog {
		schedule(i)
	}
	for i := backlog; i < runs; i++ {
		fn, _ := d.next()
		fn()
		schedule(i)
	}
	for fn, _ := d.next(); fn != nil; fn, _ = d.next() {
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
