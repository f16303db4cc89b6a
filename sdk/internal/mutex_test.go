package internal

import (
	"errors"
	"strings"
	"testing"
)

// TestMutexSerializesCoroutines: three coroutines take turns in a critical
// section that yields (a channel hand-off) in the middle; without the mutex
// their halves would interleave.
func TestMutexSerializesCoroutines(t *testing.T) {
	log := runLogged(t, func(ctx Context, log *[]string) error {
		mu := NewMutex(ctx)
		wg := NewWaitGroup(ctx)
		for _, name := range []string{"a", "b", "c"} {
			wg.Go(ctx, func(ctx Context) {
				if err := mu.Lock(ctx); err != nil {
					logf(log, "%s: %v", name, err)
					return
				}
				logf(log, "%s in", name)
				yield := NewBufferedChannel(ctx, 1)
				Go(ctx, func(ctx Context) { yield.Send(ctx, nil) })
				yield.Receive(ctx, nil)
				logf(log, "%s out (locked %v)", name, mu.IsLocked())
				mu.Unlock()
			})
		}
		wg.Wait(ctx)
		logf(log, "locked %v", mu.IsLocked())
		return nil
	})
	wantLog(t, log, "a in", "a out (locked true)", "b in", "b out (locked true)", "c in", "c out (locked true)", "locked false")
}

func TestMutexTryLockAndCancellation(t *testing.T) {
	log := runLogged(t, func(ctx Context, log *[]string) error {
		mu := NewMutex(ctx)
		logf(log, "try %v", mu.TryLock(ctx))
		logf(log, "try again %v", mu.TryLock(ctx))
		waitCtx, cancel := WithCancel(ctx)
		done := NewChannel(ctx)
		Go(ctx, func(ctx Context) {
			err := mu.Lock(waitCtx)
			logf(log, "lock on canceled context: %v (canceled error %v)", err, errors.Is(err, ErrCanceled))
			done.Send(ctx, nil)
		})
		cancel()
		done.Receive(ctx, nil)
		mu.Unlock()
		// A free mutex is taken even with a canceled context, as in Temporal.
		logf(log, "lock free mutex on canceled context: %v, locked %v", mu.Lock(waitCtx), mu.IsLocked())
		return nil
	})
	wantLog(t, log, "try true", "try again false",
		"lock on canceled context: canceled (canceled error true)",
		"lock free mutex on canceled context: <nil>, locked true")
}

func TestSemaphoreWeights(t *testing.T) {
	log := runLogged(t, func(ctx Context, log *[]string) error {
		sem := NewSemaphore(ctx, 3)
		logf(log, "try 2: %v", sem.TryAcquire(ctx, 2))
		logf(log, "try 2 more: %v", sem.TryAcquire(ctx, 2))
		got := NewChannel(ctx)
		Go(ctx, func(ctx Context) {
			err := sem.Acquire(ctx, 3)
			logf(log, "acquired 3: %v", err)
			got.Send(ctx, nil)
		})
		logf(log, "release 1")
		sem.Release(1)
		logf(log, "release 1")
		sem.Release(1)
		got.Receive(ctx, nil)
		canceled, cancel := WithCancel(ctx)
		cancel()
		logf(log, "acquire on canceled context: %v, try 1: %v", sem.Acquire(canceled, 1), sem.TryAcquire(ctx, 1))
		sem.Release(3)
		logf(log, "try 3: %v", sem.TryAcquire(ctx, 3))
		return nil
	})
	wantLog(t, log, "try 2: true", "try 2 more: false", "release 1", "release 1", "acquired 3: <nil>",
		"acquire on canceled context: canceled, try 1: false", "try 3: true")
}

func TestMutexAndSemaphoreMisuseFailsTheTask(t *testing.T) {
	for name, tc := range map[string]struct {
		wf   func(ctx Context) error
		want string
	}{
		"unlock of an unlocked mutex": {func(ctx Context) error {
			NewMutex(ctx).Unlock()
			return nil
		}, "Mutex.Unlock of an unlocked mutex"},
		"release of more than held": {func(ctx Context) error {
			s := NewSemaphore(ctx, 2)
			s.TryAcquire(ctx, 1)
			s.Release(2)
			return nil
		}, "Semaphore.Release of more units than are held"},
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

// TestMutexHeldAcrossTasksReplays: each coroutine holds the mutex over a
// timer, so the lock passes from task to task; the timers start one at a
// time and every task replays to the same commands.
func TestMutexHeldAcrossTasksReplays(t *testing.T) {
	te := newTestEnv(t, func(ctx Context) (string, error) {
		mu := NewMutex(ctx)
		wg := NewWaitGroup(ctx)
		order := ""
		for _, name := range []string{"a", "b"} {
			wg.Go(ctx, func(ctx Context) {
				_ = mu.Lock(ctx)
				defer mu.Unlock()
				_ = Sleep(ctx, 1)
				order += name
			})
		}
		wg.Wait(ctx)
		return order, nil
	})
	cmds := te.start()
	wantCommands(t, cmds, timerStarted(1))
	cmds = te.decide(timerFired(cmds[0]))
	wantCommands(t, cmds, timerStarted(2))
	cmds = te.decide(timerFired(cmds[0]))
	wantCommands(t, cmds, "WorkflowExecutionCompleted")
	if got := decode[string](t, cmds[0].GetWorkflowExecutionCompleted().GetResult()); got != "ab" {
		t.Fatalf("result %q, want ab", got)
	}
	te.checkReplayOfEveryTask()
}
