package internal

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// These tests exercise the coroutines and the blocking primitives (channels,
// selectors, futures, contexts) through an Execution.

// runLogged starts a workflow that appends to a log and returns the log
// after the first workflow task.
func runLogged(t *testing.T, wf func(ctx Context, log *[]string) error) []string {
	t.Helper()
	var log []string
	te := newTestEnv(t, func(ctx Context) error { return wf(ctx, &log) })
	te.start()
	return log
}

func wantLog(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("log:\n  got  %q\n  want %q", got, want)
	}
}

func logf(log *[]string, format string, args ...any) {
	*log = append(*log, fmt.Sprintf(format, args...))
}

func TestUnbufferedChannelHandsOverValues(t *testing.T) {
	log := runLogged(t, func(ctx Context, log *[]string) error {
		ch := NewChannel(ctx)
		Go(ctx, func(ctx Context) {
			for i := range 3 {
				logf(log, "send %d", i)
				ch.Send(ctx, i)
				logf(log, "sent %d", i)
			}
			ch.Close()
		})
		for {
			var v int
			if !ch.Receive(ctx, &v) {
				break
			}
			logf(log, "received %d", v)
		}
		logf(log, "closed")
		return nil
	})
	wantLog(t, log, "send 0", "sent 0", "send 1", "received 0", "received 1", "sent 1", "send 2", "sent 2", "received 2", "closed")
}

// A coroutine's receives share one wait record (blockedReceive). A
// channel that has delivered to a receive must no longer count it as a
// receiver, or a later send there would land in the coroutine's next
// receive, on another channel.
func TestReceiveOnAnotherChannelIsNotFedByTheFirst(t *testing.T) {
	log := runLogged(t, func(ctx Context, log *[]string) error {
		a, b, turn := NewChannel(ctx), NewChannel(ctx), NewChannel(ctx)
		Go(ctx, func(ctx Context) {
			a.Send(ctx, "a1")
			turn.Receive(ctx, nil) // until the other coroutine waits on b
			logf(log, "a2 taken without a receiver: %v", a.SendAsync("a2"))
			b.Send(ctx, "b1")
		})
		var first, second string
		a.Receive(ctx, &first)
		turn.Send(ctx, nil)
		b.Receive(ctx, &second)
		logf(log, "received %s then %s", first, second)
		return nil
	})
	wantLog(t, log, "a2 taken without a receiver: false", "received a1 then b1")
}

func TestBufferedChannel(t *testing.T) {
	log := runLogged(t, func(ctx Context, log *[]string) error {
		ch := NewBufferedChannel(ctx, 2)
		Go(ctx, func(ctx Context) {
			for i := range 3 {
				ch.Send(ctx, i)
				logf(log, "sent %d", i)
			}
			ch.Close()
		})
		// Two values fit in the buffer; the third sender waits.
		if err := Await(ctx, func() bool { return ch.Len() == 3 }); err != nil {
			return err
		}
		logf(log, "len %d", ch.Len())
		for {
			var v int
			ok, more := ch.ReceiveAsyncWithMoreFlag(&v)
			if !ok {
				logf(log, "nothing ready, more=%v", more)
				break
			}
			logf(log, "received %d, len %d", v, ch.Len())
		}
		more := ch.Receive(ctx, nil)
		logf(log, "receive after close: more=%v", more)
		return nil
	})
	wantLog(t, log, "sent 0", "sent 1", "len 3",
		"received 0, len 2", "received 1, len 1", "received 2, len 0", "nothing ready, more=true",
		"sent 2", "receive after close: more=false")
}

func TestChannelMisuseFailsTheTask(t *testing.T) {
	for name, tc := range map[string]struct {
		wf   func(ctx Context) error
		want string
	}{
		"send on closed channel": {func(ctx Context) error {
			ch := NewNamedBufferedChannel(ctx, "orders", 1)
			ch.Close()
			ch.Send(ctx, 1)
			return nil
		}, `send on closed channel "orders"`},
		"close of closed channel": {func(ctx Context) error {
			ch := NewNamedChannel(ctx, "orders")
			ch.Close()
			ch.Close()
			return nil
		}, `close of closed channel "orders"`},
		"receive into the wrong type": {func(ctx Context) error {
			ch := NewNamedBufferedChannel(ctx, "orders", 1)
			ch.Send(ctx, "text")
			var n int
			ch.Receive(ctx, &n)
			return nil
		}, `receiving from channel "orders": cannot assign value of type string to *int`},
	} {
		t.Run(name, func(t *testing.T) {
			te := newTestEnv(t, tc.wf)
			_, err := te.tryDecide(startedEvent(t))
			var panicErr *WorkflowTaskPanicError
			if !errors.As(err, &panicErr) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Decide = %v, want a WorkflowTaskPanicError containing %q", err, tc.want)
			}
		})
	}
}

func TestSelectorPicksTheFirstAddedAmongReadyBranches(t *testing.T) {
	log := runLogged(t, func(ctx Context, log *[]string) error {
		f1, s1 := NewFuture(ctx)
		f2, s2 := NewFuture(ctx)
		s2.SetValue("two")
		s1.SetValue("one")
		sel := NewSelector(ctx)
		for _, f := range []Future{f1, f2} {
			sel.AddFuture(f, func(f Future) {
				var v string
				_ = f.Get(ctx, &v)
				logf(log, "future %s", v)
			})
		}
		logf(log, "pending %v", sel.HasPending())
		sel.Select(ctx)
		sel.Select(ctx)
		// Each future's branch runs once.
		logf(log, "pending %v", sel.HasPending())
		sel.AddDefault(func() { logf(log, "default") })
		sel.Select(ctx)
		return nil
	})
	wantLog(t, log, "pending true", "future one", "future two", "pending false", "default")
}

func TestBlockedSelectorRunsTheFirstBranchToBecomeReady(t *testing.T) {
	var log []string
	te := newTestEnv(t, func(ctx Context) error {
		ctx = WithActivityOptions(ctx, testActivityOptions)
		a := ExecuteActivity(ctx, "A")
		b := ExecuteActivity(ctx, "B")
		sel := NewSelector(ctx)
		sel.AddFuture(a, func(Future) { log = append(log, "A") })
		sel.AddFuture(b, func(Future) { log = append(log, "B") })
		sel.Select(ctx)
		sel.Select(ctx)
		return nil
	})
	cmds := te.start()
	// B's result comes first in the task, so B's branch wins although A's
	// branch was added first.
	wantCommands(t, te.decide(activityCompleted(t, cmds[1], nil), activityCompleted(t, cmds[0], nil)), "WorkflowExecutionCompleted")
	wantLog(t, log, "B", "A")
}

func TestSelectorWithChannels(t *testing.T) {
	t.Run("receive from a sender that comes later", func(t *testing.T) {
		log := runLogged(t, func(ctx Context, log *[]string) error {
			ch := NewChannel(ctx)
			Go(ctx, func(ctx Context) {
				ch.Send(ctx, "hello")
				logf(log, "send returned")
			})
			NewSelector(ctx).AddReceive(ch, func(c ReceiveChannel, more bool) {
				var v string
				c.Receive(ctx, &v)
				logf(log, "received %s, more=%v", v, more)
			}).Select(ctx)
			return nil
		})
		// The sender hands its value to the blocked selector and goes on.
		wantLog(t, log, "send returned", "received hello, more=true")
	})
	t.Run("send to a receiver that comes later", func(t *testing.T) {
		log := runLogged(t, func(ctx Context, log *[]string) error {
			ch := NewChannel(ctx)
			Go(ctx, func(ctx Context) {
				var v string
				ch.Receive(ctx, &v)
				logf(log, "received %s", v)
			})
			NewSelector(ctx).AddSend(ch, "hello", func() { logf(log, "sent") }).Select(ctx)
			return waitForOthers(ctx)
		})
		wantLog(t, log, "received hello", "sent")
	})
	t.Run("two selectors meet on an unbuffered channel", func(t *testing.T) {
		log := runLogged(t, func(ctx Context, log *[]string) error {
			ch := NewChannel(ctx)
			never := NewChannel(ctx)
			Go(ctx, func(ctx Context) {
				NewSelector(ctx).
					AddReceive(never, func(ReceiveChannel, bool) { logf(log, "wrong branch") }).
					AddSend(ch, 7, func() { logf(log, "sent 7") }).
					Select(ctx)
			})
			NewSelector(ctx).
				AddReceive(never, func(ReceiveChannel, bool) { logf(log, "wrong branch") }).
				AddReceive(ch, func(c ReceiveChannel, more bool) {
					var v int
					c.Receive(ctx, &v)
					logf(log, "received %d", v)
				}).
				Select(ctx)
			return waitForOthers(ctx)
		})
		// The selector that blocked first is the receiver the second one
		// finds: the send completes at once, the receive when root resumes.
		wantLog(t, log, "sent 7", "received 7")
	})
	t.Run("closed channel", func(t *testing.T) {
		log := runLogged(t, func(ctx Context, log *[]string) error {
			ch := NewBufferedChannel(ctx, 1)
			ch.Send(ctx, "last")
			ch.Close()
			sel := NewSelector(ctx).AddReceive(ch, func(c ReceiveChannel, more bool) {
				var v string
				ok := c.ReceiveAsync(&v)
				logf(log, "more=%v ok=%v %q", more, ok, v)
			})
			sel.AddDefault(func() { logf(log, "default") })
			for range 3 {
				sel.Select(ctx)
			}
			return nil
		})
		// After reporting the close once, the branch is dropped.
		wantLog(t, log, `more=true ok=true "last"`, `more=false ok=false ""`, "default")
	})
}

// waitForOthers blocks until the other coroutines are done or blocked, so that
// a test's log is complete after the first task: it yields once per pass
// until no other coroutine runs.
func waitForOthers(ctx Context) error {
	passes := 0
	return Await(ctx, func() bool {
		passes++
		return passes > 3
	})
}

func TestReceiveWithTimeout(t *testing.T) {
	var results []string
	te := newTestEnv(t, func(ctx Context) error {
		ch := GetSignalChannel(ctx, "s")
		for range 3 {
			var v string
			ok, more := ch.ReceiveWithTimeout(ctx, time.Minute, &v)
			results = append(results, fmt.Sprintf("%v %v %q", ok, more, v))
		}
		return nil
	})
	cmds := te.start()
	wantCommands(t, cmds, timerStarted(1))
	// A signal arrives first: the timer is canceled.
	cmds = te.decide(signaled(t, "s", "hi"))
	wantCommands(t, cmds, `TimerCanceled(seq=2, timer_id="1")`, timerStarted(3))
	// Then the timer fires first.
	cmds = te.decide(timerFired(cmds[1]))
	wantCommands(t, cmds, timerStarted(4))
	// And a cancel request ends the wait too.
	wantCommands(t, te.decide(cancelRequested()), `TimerCanceled(seq=5, timer_id="4")`, "WorkflowExecutionCompleted")
	wantLog(t, results, `true true "hi"`, `false true ""`, `false true ""`)
	te.checkReplayOfEveryTask()
}

func TestFutures(t *testing.T) {
	log := runLogged(t, func(ctx Context, log *[]string) error {
		f, s := NewFuture(ctx)
		chained, chain := NewFuture(ctx)
		chain.Chain(f)
		Go(ctx, func(ctx Context) {
			var v int
			err := chained.Get(ctx, &v)
			logf(log, "chained %d %v", v, err)
		})
		logf(log, "ready %v", f.IsReady())
		s.SetValue(5)
		var v int
		logf(log, "get %v %d", f.Get(ctx, &v), v)
		var wrong string
		logf(log, "wrong type: %v", f.Get(ctx, &wrong))
		logf(log, "not a pointer: %v", f.Get(ctx, v))
		failed, fs := NewFuture(ctx)
		fs.SetError(errors.New("boom"))
		logf(log, "error: %v", failed.Get(ctx, &v))
		defer func() { logf(log, "set twice: %v", recover()) }()
		s.Set(6, nil)
		return nil
	})
	wantLog(t, log, "ready false", "get <nil> 5", "wrong type: cannot assign value of type int to *string",
		"not a pointer: valuePtr must be a non-nil pointer, got int", "error: boom",
		"set twice: workflow: Settable.Set called on a future that is already set")
}

func TestContexts(t *testing.T) {
	type key string
	log := runLogged(t, func(ctx Context, log *[]string) error {
		ctx = WithValue(ctx, key("user"), "ada")
		parent, cancelParent := WithCancel(ctx)
		child, cancelChild := WithCancel(parent)
		sibling, _ := WithCancel(parent)
		disconnected, _ := NewDisconnectedContext(child)
		Go(ctx, func(ctx Context) {
			more := child.Done().Receive(ctx, nil)
			logf(log, "child done, more=%v", more)
		})
		cancelChild()
		cancelChild()
		logf(log, "child %v, sibling %v, parent %v", child.Err(), sibling.Err(), parent.Err())
		cancelParent()
		logf(log, "sibling %v, parent %v", sibling.Err(), parent.Err())
		logf(log, "disconnected %v, value %v, root %v", disconnected.Err(), disconnected.Value(key("user")), ctx.Err())
		return waitForOthers(ctx)
	})
	wantLog(t, log, "child canceled, sibling <nil>, parent <nil>", "sibling canceled, parent canceled",
		"disconnected <nil>, value ada, root <nil>", "child done, more=false")
}

func TestWaitGroup(t *testing.T) {
	log := runLogged(t, func(ctx Context, log *[]string) error {
		wg := NewWaitGroup(ctx)
		ch := NewChannel(ctx)
		for i := range 3 {
			wg.Go(ctx, func(ctx Context) {
				ch.Receive(ctx, nil)
				logf(log, "worker %d done", i)
			})
		}
		Go(ctx, func(ctx Context) {
			for range 3 {
				ch.Send(ctx, nil)
			}
		})
		wg.Wait(ctx)
		logf(log, "all done")
		return nil
	})
	wantLog(t, log, "worker 0 done", "worker 1 done", "worker 2 done", "all done")
}

func TestDeadlockDetection(t *testing.T) {
	for _, tc := range []struct {
		name string
		// releaseBeforeClose ends the spin before Close (Close unwinds the
		// coroutine) or after it (Close abandons it and it unwinds alone,
		// as does the coroutine it starts then).
		releaseBeforeClose bool
	}{{"released before Close", true}, {"released after Close", false}} {
		t.Run(tc.name, func(t *testing.T) {
			var spin atomic.Bool
			spin.Store(true)
			te := newTestEnv(t, func(ctx Context) error {
				GoNamed(ctx, "spinner", func(ctx Context) {
					for spin.Load() {
					}
					GoNamed(ctx, "late", func(ctx Context) { _ = Sleep(ctx, time.Hour) })
					_ = Sleep(ctx, time.Hour)
				})
				return Await(ctx, func() bool { return false })
			}, func(o *ExecutionOptions) { o.DeadlockTimeout = 50 * time.Millisecond })
			_, err := te.tryDecide(startedEvent(t))
			var deadlock *DeadlockError
			if !errors.As(err, &deadlock) {
				t.Fatalf("Decide = %v, want a DeadlockError", err)
			}
			if deadlock.Coroutine != "spinner" || !strings.Contains(deadlock.StackTrace, "TestDeadlockDetection") {
				t.Errorf("DeadlockError names coroutine %q with stack:\n%s", deadlock.Coroutine, deadlock.StackTrace)
			}
			if _, err := te.e.Decide(nil, te.now); err == nil {
				t.Error("Decide succeeded after a deadlock")
			}
			if tc.releaseBeforeClose {
				spin.Store(false)
				te.e.Close()
			} else {
				te.e.Close()
				spin.Store(false)
			}
			// The leak check verifies that every goroutine exits.
		})
	}
}

func TestCloseUnwindsEveryCoroutine(t *testing.T) {
	var unwound []string
	te := newTestEnv(t, func(ctx Context) error {
		ctx = WithActivityOptions(ctx, testActivityOptions)
		parked := func(name string, block func(ctx Context)) {
			GoNamed(ctx, name, func(ctx Context) {
				defer func() { unwound = append(unwound, name) }()
				block(ctx)
			})
		}
		ch := NewChannel(ctx)
		parked("receive", func(ctx Context) { NewChannel(ctx).Receive(ctx, nil) })
		parked("send", func(ctx Context) { ch.Send(ctx, 1) })
		parked("future", func(ctx Context) { _ = ExecuteActivity(ctx, "A").Get(ctx, nil) })
		parked("await", func(ctx Context) { _ = Await(ctx, func() bool { return false }) })
		parked("select", func(ctx Context) { NewSelector(ctx).AddReceive(NewChannel(ctx), nil).Select(ctx) })
		parked("sleep", func(ctx Context) { _ = Sleep(ctx, time.Hour) })
		parked("waitgroup", func(ctx Context) {
			wg := NewWaitGroup(ctx)
			wg.Add(1)
			wg.Wait(ctx)
		})
		if err := Sleep(ctx, time.Minute); err != nil {
			return err
		}
		// Created but never run, since the workflow returns first: its
		// goroutine must exit too (the leak check sees it).
		parked("never started", func(ctx Context) {})
		return nil
	})
	cmds := te.start()
	wantCommands(t, te.decide(timerFired(cmds[0])), "WorkflowExecutionCompleted")
	if unwound != nil {
		t.Fatalf("coroutines unwound before Close: %q", unwound)
	}
	te.e.Close()
	te.e.Close()
	wantLog(t, unwound, "receive", "send", "future", "await", "select", "sleep", "waitgroup")
}

func TestCoroutinesReuseIdleRunners(t *testing.T) {
	wf := func(ctx Context) error { return Await(ctx, func() bool { return false }) }
	first := newTestEnv(t, wf)
	first.start()
	first.e.Close() // its root coroutine unwinds and its runner waits for the next
	deadline := time.Now().Add(10 * time.Second)
	for idleRunners.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	idle, goroutines := idleRunners.Load(), runtime.NumGoroutine()
	if idle == 0 {
		t.Fatal("no coroutine runner waits after an execution closed")
	}
	second := newTestEnv(t, wf)
	second.start()
	// The second root coroutine took a waiting runner instead of a new
	// goroutine. Runners only ever end meanwhile (timed out), and runners
	// of earlier tests may join the idle ones, so neither count is exact.
	if n := runtime.NumGoroutine(); n > goroutines {
		t.Errorf("%d goroutines after starting a coroutine with %d runners waiting, want at most %d", n, idle, goroutines)
	}
}

// The deadlock timeout counts the time a coroutine has control, not the
// time its goroutine waits for a processor after the resume.
func TestDeadlockTimeoutCountsOnlyRunningTime(t *testing.T) {
	d := newDispatcher(50 * time.Millisecond)
	co := &coroutine{d: d, resume: make(chan struct{})}
	go func() { // resumed, but does not run for four timeouts, then yields at once
		time.Sleep(200 * time.Millisecond)
		d.parked <- true
	}()
	if !d.await(co) {
		t.Error("a coroutine that had not run yet was reported deadlocked")
	}
	co.runningSince.Store(sinceStart()) // runs and never yields
	start := time.Now()
	if d.await(co) {
		t.Fatal("a coroutine that kept control yielded")
	}
	if waited := time.Since(start); waited < 50*time.Millisecond {
		t.Errorf("gave up after %v, before the 50ms timeout", waited)
	}
}

// The deadlock timer is armed for the first step and left running across
// steps: when it fires during a later step, only that step's running time
// counts.
func TestDeadlockTimerArmedForAnEarlierStep(t *testing.T) {
	const timeout = 300 * time.Millisecond
	d := newDispatcher(timeout)
	co := &coroutine{d: d, resume: make(chan struct{})}
	step := func(runFor time.Duration) bool {
		co.runningSince.Store(sinceStart())
		go func() {
			time.Sleep(runFor)
			d.parked <- true
		}()
		return d.await(co)
	}
	if !step(0) {
		t.Fatal("a coroutine that yielded at once was reported deadlocked")
	}
	time.Sleep(timeout - 50*time.Millisecond) // the timer fires 50ms into the next step
	if !step(120 * time.Millisecond) {
		t.Fatal("a coroutine that ran 120ms was reported deadlocked when the timer armed for an earlier step fired")
	}
	co.runningSince.Store(sinceStart()) // runs and never yields
	start := time.Now()
	if d.await(co) {
		t.Fatal("a coroutine that kept control yielded")
	}
	if waited := time.Since(start); waited < timeout {
		t.Errorf("gave up after %v, before the %v timeout", waited, timeout)
	}
}

// Past manyGoroutines goroutines, only the first deadlock report of a
// minute stops the process for a full stack dump.
func TestDeadlockReportsRationStackDumpsOfLargeProcesses(t *testing.T) {
	block := make(chan struct{})
	var parked sync.WaitGroup
	for range manyGoroutines {
		parked.Add(1)
		go func() { defer parked.Done(); <-block }()
	}
	defer func() { close(block); parked.Wait() }()
	lastLargeDump.Store(0)
	defer lastLargeDump.Store(0)

	deadlock := func() *DeadlockError {
		t.Helper()
		var spin atomic.Bool
		spin.Store(true)
		defer spin.Store(false)
		te := newTestEnv(t, func(ctx Context) error {
			for spin.Load() {
			}
			return nil
		}, func(o *ExecutionOptions) { o.DeadlockTimeout = 50 * time.Millisecond })
		_, err := te.tryDecide(startedEvent(t))
		var de *DeadlockError
		if !errors.As(err, &de) {
			t.Fatalf("Decide = %v, want a DeadlockError", err)
		}
		return de
	}
	if first := deadlock(); !strings.Contains(first.StackTrace, "TestDeadlockReportsRationStackDumpsOfLargeProcesses") {
		t.Errorf("the first report has no stack:\n%.300s", first.StackTrace)
	}
	if second := deadlock(); !strings.Contains(second.StackTrace, "not captured") {
		t.Errorf("the second report within a minute dumped again:\n%.300s", second.StackTrace)
	}
}

// TestBlockedCoroutineIsLeftParked checks that a pass of the dispatcher
// does not resume a coroutine blocked on a channel that nothing was sent
// on, nor the one that just received, once it blocks again: their wait
// conditions are checked without switching to them. The workflow code
// sees no difference (the order tests above are unchanged).
func TestBlockedCoroutineIsLeftParked(t *testing.T) {
	received := 0
	te := newTestEnv(t, func(ctx Context) error {
		Go(ctx, func(ctx Context) {
			NewChannel(ctx).Receive(ctx, nil) // never sent on
		})
		signals := GetSignalChannel(ctx, "s")
		for {
			signals.Receive(ctx, nil)
			received++
		}
	})
	te.start()
	before := te.e.d.resumes
	te.decide(signaled(t, "s", "hi"))
	if received != 1 {
		t.Fatalf("received %d signals, want 1", received)
	}
	// One resume: the main coroutine takes the signal and blocks again.
	// Resuming every coroutine each pass until none progresses took four.
	if got := te.e.d.resumes - before; got != 1 {
		t.Fatalf("a task delivering one signal resumed coroutines %d times, want 1", got)
	}
}
