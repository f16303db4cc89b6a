package internal

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grainflow/grainflow/journal/journalpb"
)

var testActivityOptions = ActivityOptions{StartToCloseTimeout: time.Minute}

func TestCommandsComeOutInProgramOrderWithSequenceNumbers(t *testing.T) {
	te := newTestEnv(t, func(ctx Context, name string) (string, error) {
		ctx = WithActivityOptions(ctx, ActivityOptions{ScheduleToCloseTimeout: time.Hour, HeartbeatTimeout: time.Second})
		a := ExecuteActivity(ctx, "Greet", name)
		timer := NewTimer(ctx, 10*time.Minute)
		b := ExecuteActivity(WithTaskQueue(ctx, "other"), "Shout", name)
		var greeting, shout string
		if err := a.Get(ctx, &greeting); err != nil {
			return "", err
		}
		if err := b.Get(ctx, &shout); err != nil {
			return "", err
		}
		if err := timer.Get(ctx, nil); err != nil {
			return "", err
		}
		return greeting + " " + shout, nil
	})
	cmds := te.start("ada")
	wantCommands(t, cmds, scheduled(1, "Greet"), timerStarted(2), scheduled(3, "Shout"))
	// Event IDs: 1 started, 2 WorkflowTaskCompleted, then the commands.
	for i, want := range []int64{3, 4, 5} {
		if cmds[i].GetEventId() != want {
			t.Errorf("command %d has event ID %d, want %d", i, cmds[i].GetEventId(), want)
		}
	}
	greet := cmds[0].GetActivityTaskScheduled()
	if greet.GetActivityId() != "1" || greet.GetTaskQueue() != testTaskQueue ||
		greet.GetStartToCloseTimeout().AsDuration() != time.Hour || greet.GetScheduleToCloseTimeout().AsDuration() != time.Hour ||
		greet.GetHeartbeatTimeout().AsDuration() != time.Second || decode[string](t, greet.GetInput()) != "ada" {
		t.Errorf("ActivityTaskScheduled = %v", greet)
	}
	if tq := cmds[2].GetActivityTaskScheduled().GetTaskQueue(); tq != "other" {
		t.Errorf("second activity's task queue = %q, want other", tq)
	}
	timer := cmds[1].GetTimerStarted()
	if timer.GetStartToFireTimeout().AsDuration() != 10*time.Minute || !timer.GetFireTime().AsTime().Equal(testStart.Add(10*time.Minute)) {
		t.Errorf("TimerStarted = %v, want 10m firing at %v", timer, testStart.Add(10*time.Minute))
	}

	wantCommands(t, te.decide(activityCompleted(t, cmds[2], "HI")))
	wantCommands(t, te.decide(activityCompleted(t, cmds[0], "hello"), timerFired(cmds[1])), "WorkflowExecutionCompleted")
	if !te.e.Closed() {
		t.Fatal("Closed() = false after the workflow completed")
	}
	result := te.history[len(te.history)-1].GetWorkflowExecutionCompleted().GetResult()
	if got := decode[string](t, result); got != "hello HI" {
		t.Errorf("result = %q, want %q", got, "hello HI")
	}
	if _, err := te.e.Decide(nil, te.now); !errors.Is(err, errExecutionClosed) {
		t.Errorf("Decide after close = %v, want %v", err, errExecutionClosed)
	}
	te.checkReplayOfEveryTask()
	te.replayAll()
}

func TestCoroutinesRunInCreationOrder(t *testing.T) {
	var log []string
	te := newTestEnv(t, func(ctx Context) error {
		ctx = WithActivityOptions(ctx, testActivityOptions)
		log = append(log, "root starts")
		for _, name := range []string{"a", "b", "c"} {
			GoNamed(ctx, name, func(ctx Context) {
				log = append(log, name+" runs")
				if name == "a" {
					Go(ctx, func(ctx Context) {
						log = append(log, "a's child runs")
						ExecuteActivity(ctx, "child")
					})
				}
				ExecuteActivity(ctx, name)
				_ = Sleep(ctx, time.Minute)
				log = append(log, name+" wakes")
			})
		}
		log = append(log, "root waits")
		return Await(ctx, func() bool { return false })
	})
	cmds := te.start()
	wantLog := []string{"root starts", "root waits", "a runs", "b runs", "c runs", "a's child runs"}
	if !slices.Equal(log, wantLog) {
		t.Fatalf("log = %q, want %q", log, wantLog)
	}
	wantCommands(t, cmds,
		scheduled(1, "a"), timerStarted(2), scheduled(3, "b"), timerStarted(4), scheduled(5, "c"), timerStarted(6), scheduled(7, "child"))

	// The timers fire in reverse order in one task: the coroutines still run
	// in creation order.
	log = nil
	te.decide(timerFired(cmds[5]), timerFired(cmds[3]), timerFired(cmds[1]))
	if want := []string{"a wakes", "b wakes", "c wakes"}; !slices.Equal(log, want) {
		t.Fatalf("log = %q, want %q", log, want)
	}
	te.checkReplayOfEveryTask()
}

func TestActivityResultsAndFailures(t *testing.T) {
	var errs []error
	te := newTestEnv(t, func(ctx Context) (int, error) {
		ctx = WithActivityOptions(ctx, testActivityOptions)
		ok := ExecuteActivity(ctx, "Ok")
		failed := ExecuteActivity(ctx, "Fails")
		timedOut := ExecuteActivity(ctx, "Slow")
		var n int
		if err := ok.Get(ctx, &n); err != nil {
			return 0, err
		}
		errs = append(errs, failed.Get(ctx, nil), timedOut.Get(ctx, nil))
		return n, nil
	})
	cmds := te.start()
	timeout := &journalpb.Event{Attributes: &journalpb.Event_ActivityTaskTimedOut{ActivityTaskTimedOut: &journalpb.ActivityTaskTimedOut{
		ScheduledEventId: cmds[2].GetEventId(),
		Failure:          ConvertErrorToFailure(NewTimeoutError("activity timed out", journalpb.TimeoutType_TIMEOUT_TYPE_START_TO_CLOSE, nil), GetDefaultDataConverter()),
		RetryState:       journalpb.RetryState_RETRY_STATE_TIMEOUT,
	}}}
	out := te.decide(
		activityCompleted(t, cmds[0], 42),
		activityFailed(cmds[1], NewApplicationError("card declined", "CardError", true, nil)),
		timeout)
	wantCommands(t, out, "WorkflowExecutionCompleted")
	if got := decode[int](t, out[0].GetWorkflowExecutionCompleted().GetResult()); got != 42 {
		t.Errorf("result = %d, want 42", got)
	}

	var actErr *ActivityError
	var appErr *ApplicationError
	if !errors.As(errs[0], &actErr) || !errors.As(errs[0], &appErr) || !strings.Contains(errs[0].Error(), "card declined") {
		t.Errorf("failed activity's error = %v, want an ActivityError wrapping the ApplicationError", errs[0])
	}
	var timeoutErr *TimeoutError
	if !errors.As(errs[1], &actErr) || !errors.As(errs[1], &timeoutErr) {
		t.Errorf("timed-out activity's error = %v, want an ActivityError wrapping a TimeoutError", errs[1])
	}
	te.checkReplayOfEveryTask()
}

func TestExecuteActivityRejectsBadRequests(t *testing.T) {
	activity := func(n int, s string) (string, error) { return "", nil }
	var errs []error
	te := newTestEnv(t, func(ctx Context) error {
		errs = append(errs, ExecuteActivity(ctx, "NoTimeouts").Get(ctx, nil))
		ctx = WithActivityOptions(ctx, testActivityOptions)
		errs = append(errs,
			ExecuteActivity(WithStartToCloseTimeout(ctx, -time.Second), "Negative").Get(ctx, nil),
			ExecuteActivity(ctx, activity, "not an int", "s").Get(ctx, nil),
			ExecuteActivity(ctx, activity, 1).Get(ctx, nil),
			ExecuteActivity(ctx, 42).Get(ctx, nil))
		canceled, cancel := WithCancel(ctx)
		cancel()
		errs = append(errs, ExecuteActivity(canceled, "Canceled").Get(ctx, nil))
		return nil
	})
	wantCommands(t, te.start(), "WorkflowExecutionCompleted")
	for i, want := range []string{
		"StartToCloseTimeout or ScheduleToCloseTimeout is required",
		"negative StartToCloseTimeout",
		"argument 1 must be int",
		"takes 2 arguments, got 1",
		"must be a function or a type name",
	} {
		if errs[i] == nil || !strings.Contains(errs[i].Error(), want) {
			t.Errorf("error %d = %v, want it to contain %q", i, errs[i], want)
		}
	}
	var canceledErr *CanceledError
	if !errors.As(errs[5], &canceledErr) {
		t.Errorf("activity with a canceled context: error = %v, want a CanceledError", errs[5])
	}
}

func TestActivityFunctionIsScheduledByName(t *testing.T) {
	te := newTestEnv(t, func(ctx Context) error {
		ctx = WithActivityOptions(ctx, testActivityOptions)
		return ExecuteActivity(ctx, SampleActivity, 7).Get(ctx, nil)
	})
	wantCommands(t, te.start(), scheduled(1, FunctionName(SampleActivity)))
}

// SampleActivity is an activity function for the tests.
func SampleActivity(n int) error { return nil }

func TestActivityFunctionIsScheduledByItsRegisteredName(t *testing.T) {
	te := newTestEnv(t, func(ctx Context) error {
		ctx = WithActivityOptions(ctx, testActivityOptions)
		return ExecuteActivity(ctx, SampleActivity, 7).Get(ctx, nil)
	}, func(o *ExecutionOptions) {
		o.Registry.RegisterActivityWithOptions(SampleActivity, RegisterActivityOptions{Name: "sample"})
	})
	wantCommands(t, te.start(), scheduled(1, "sample"))
}

func TestCancelingTimersAndActivities(t *testing.T) {
	var sleepErr, noWaitErr, waitErr error
	var noWaitSettled bool
	te := newTestEnv(t, func(ctx Context) error {
		ctx = WithActivityOptions(ctx, testActivityOptions)
		sleepCtx, cancelSleep := WithCancel(ctx)
		noWaitCtx, cancelNoWait := WithCancel(ctx)
		waitCtx, cancelWait := WithCancel(WithWaitForCancellation(ctx, true))
		Go(ctx, func(ctx Context) { sleepErr = Sleep(sleepCtx, time.Hour) })
		noWait := ExecuteActivity(noWaitCtx, "NoWait")
		wait := ExecuteActivity(waitCtx, "Wait")
		GetSignalChannel(ctx, "cancel").Receive(ctx, nil)
		cancelSleep()
		cancelNoWait()
		cancelWait()
		noWaitSettled = noWait.IsReady()
		noWaitErr = noWait.Get(ctx, nil)
		waitErr = wait.Get(ctx, nil)
		return nil
	})
	cmds := te.start()
	wantCommands(t, cmds, scheduled(1, "NoWait"), scheduled(2, "Wait"), timerStarted(3))
	noWait, wait, timer := cmds[0], cmds[1], cmds[2]

	out := te.decide(signaled(t, "cancel", nil))
	wantCommands(t, out,
		fmt.Sprintf("TimerCanceled(seq=4, timer_id=%q)", "3"),
		fmt.Sprintf("ActivityTaskCancelRequested(seq=5, scheduled_event_id=%d)", noWait.GetEventId()),
		fmt.Sprintf("ActivityTaskCancelRequested(seq=6, scheduled_event_id=%d)", wait.GetEventId()))
	if id := out[0].GetTimerCanceled().GetStartedEventId(); id != timer.GetEventId() {
		t.Errorf("TimerCanceled.started_event_id = %d, want %d", id, timer.GetEventId())
	}
	var canceled *CanceledError
	if !errors.As(sleepErr, &canceled) {
		t.Errorf("Sleep returned %v, want a CanceledError", sleepErr)
	}
	if !noWaitSettled || !errors.As(noWaitErr, &canceled) {
		t.Errorf("activity without WaitForCancellation: settled at once = %v, error = %v; want true and a CanceledError", noWaitSettled, noWaitErr)
	}
	if waitErr != nil {
		t.Fatalf("activity with WaitForCancellation settled before the activity reported: %v", waitErr)
	}

	// The late report of the first activity changes nothing; the second's
	// cancellation settles its future.
	wantCommands(t, te.decide(activityCompleted(t, noWait, "late")))
	wantCommands(t, te.decide(activityCanceled(wait)), "WorkflowExecutionCompleted")
	var actErr *ActivityError
	if !errors.As(waitErr, &actErr) || !errors.As(waitErr, &canceled) {
		t.Errorf("activity with WaitForCancellation: error = %v, want an ActivityError wrapping a CanceledError", waitErr)
	}
	te.checkReplayOfEveryTask()
}

func TestCancelingInTheSameTaskProducesNoCommand(t *testing.T) {
	var timerErr, activityErr error
	te := newTestEnv(t, func(ctx Context) error {
		ctx = WithActivityOptions(WithWaitForCancellation(ctx, true), testActivityOptions)
		child, cancel := WithCancel(ctx)
		timer := NewTimer(child, time.Hour)
		activity := ExecuteActivity(child, "Never")
		kept := NewTimer(ctx, time.Minute)
		cancel()
		timerErr = timer.Get(ctx, nil)
		activityErr = activity.Get(ctx, nil)
		return kept.Get(ctx, nil)
	})
	cmds := te.start()
	wantCommands(t, cmds, timerStarted(3))
	var canceled *CanceledError
	if !errors.As(timerErr, &canceled) || !errors.As(activityErr, &canceled) {
		t.Errorf("timer error = %v, activity error = %v; want CanceledErrors", timerErr, activityErr)
	}
	wantCommands(t, te.decide(timerFired(cmds[0])), "WorkflowExecutionCompleted")
	te.checkReplayOfEveryTask()
}

func TestWorkflowCancellation(t *testing.T) {
	t.Run("returning ctx.Err() after a cancel request cancels the workflow", func(t *testing.T) {
		var cleanup error
		te := newTestEnv(t, func(ctx Context) error {
			ctx = WithActivityOptions(ctx, testActivityOptions)
			err := ExecuteActivity(ctx, "Long").Get(ctx, nil)
			if err == nil {
				return errors.New("the activity was not canceled")
			}
			// Clean up with a context that the cancellation does not reach.
			dctx, _ := NewDisconnectedContext(ctx)
			cleanup = ExecuteActivity(dctx, "Cleanup").Get(dctx, nil)
			return ctx.Err()
		})
		cmds := te.start()
		out := te.decide(cancelRequested())
		wantCommands(t, out,
			fmt.Sprintf("ActivityTaskCancelRequested(seq=2, scheduled_event_id=%d)", cmds[0].GetEventId()),
			scheduled(3, "Cleanup"))
		wantCommands(t, te.decide(activityCompleted(t, out[1], nil)), "WorkflowExecutionCanceled")
		if cleanup != nil {
			t.Errorf("cleanup activity: %v", cleanup)
		}
		te.checkReplayOfEveryTask()
	})
	t.Run("a CanceledError without a cancel request fails the workflow", func(t *testing.T) {
		te := newTestEnv(t, func(ctx Context) error { return NewCanceledError("by itself") })
		wantCommands(t, te.start(), "WorkflowExecutionFailed")
	})
	t.Run("a workflow may ignore the cancel request", func(t *testing.T) {
		te := newTestEnv(t, func(ctx Context) (string, error) {
			_ = Await(ctx, func() bool { return false })
			return "ignored", nil
		})
		te.start()
		wantCommands(t, te.decide(cancelRequested()), "WorkflowExecutionCompleted")
	})
}

func TestWorkflowFailureCarriesTheError(t *testing.T) {
	te := newTestEnv(t, func(ctx Context) error {
		return NewApplicationError("out of stock", "StockError", true, nil)
	})
	out := te.start()
	wantCommands(t, out, "WorkflowExecutionFailed")
	err := ConvertFailureToError(out[0].GetWorkflowExecutionFailed().GetFailure(), GetDefaultDataConverter())
	var appErr *ApplicationError
	if !errors.As(err, &appErr) || !strings.Contains(err.Error(), "out of stock") {
		t.Errorf("failure converts back to %v, want the ApplicationError", err)
	}
}

func TestSignalsAreBufferedUntilTheCodeAsks(t *testing.T) {
	var got []string
	te := newTestEnv(t, func(ctx Context) error {
		if err := Sleep(ctx, time.Minute); err != nil {
			return err
		}
		ch := GetSignalChannel(ctx, "add")
		for {
			var v string
			if !ch.ReceiveAsync(&v) {
				break
			}
			got = append(got, v)
		}
		GetSignalChannel(ctx, "add").Receive(ctx, nil)
		return nil
	})
	cmds := te.start()
	te.decide(signaled(t, "add", "one"), signaled(t, "other", "x"))
	te.decide(signaled(t, "add", "two"))
	if got != nil {
		t.Fatalf("signals were received before the code asked: %q", got)
	}
	wantCommands(t, te.decide(timerFired(cmds[0])))
	if want := []string{"one", "two"}; !slices.Equal(got, want) {
		t.Fatalf("received %q, want %q", got, want)
	}
	wantCommands(t, te.decide(signaled(t, "add", "three")), "WorkflowExecutionCompleted")
	te.checkReplayOfEveryTask()
}

func TestAwait(t *testing.T) {
	te := newTestEnv(t, func(ctx Context) error {
		count := 0
		var results []string
		if err := SetQueryHandler(ctx, "results", func() ([]string, error) { return results, nil }); err != nil {
			return err
		}
		Go(ctx, func(ctx Context) {
			ch := GetSignalChannel(ctx, "inc")
			for ch.Receive(ctx, nil) {
				count++
			}
		})
		if err := Await(ctx, func() bool { return count >= 2 }); err != nil {
			return err
		}
		results = append(results, "reached 2")
		ok, err := AwaitWithTimeout(ctx, time.Hour, func() bool { return count >= 3 })
		results = append(results, fmt.Sprintf("await 3: %v %v", ok, err))
		ok, err = AwaitWithTimeout(ctx, time.Minute, func() bool { return count >= 10 })
		results = append(results, fmt.Sprintf("await 10: %v %v", ok, err))
		ok, err = AwaitWithTimeout(ctx, time.Minute, func() bool { return count >= 3 })
		results = append(results, fmt.Sprintf("await 3 again: %v %v", ok, err))
		return Await(ctx, func() bool { return false })
	})
	te.start()
	wantCommands(t, te.decide(signaled(t, "inc", nil)))
	// The second signal meets the condition; AwaitWithTimeout starts a timer.
	cmds := te.decide(signaled(t, "inc", nil))
	wantCommands(t, cmds, timerStarted(1))
	// The third meets the next condition: the timer is canceled, and the
	// next AwaitWithTimeout starts a timer that fires.
	cmds = te.decide(signaled(t, "inc", nil))
	wantCommands(t, cmds, `TimerCanceled(seq=2, timer_id="1")`, timerStarted(3))
	wantCommands(t, te.decide(timerFired(cmds[1])))
	want := []string{"reached 2", "await 3: true <nil>", "await 10: false <nil>", "await 3 again: true <nil>"}
	if got := query[[]string](t, te.e, "results"); !slices.Equal(got, want) {
		t.Fatalf("results = %q, want %q", got, want)
	}
	// Cancellation ends Await with the context's error.
	wantCommands(t, te.decide(cancelRequested()), "WorkflowExecutionCanceled")
	te.checkReplayOfEveryTask()
}

// TestAwaitConditionWinsOverCancellation: as in Temporal, Await and
// AwaitWithTimeout return success when their condition holds, even after
// the workflow was canceled; only a false condition reports the cancellation.
func TestAwaitConditionWinsOverCancellation(t *testing.T) {
	te := newTestEnv(t, func(ctx Context) error {
		if err := Await(ctx, func() bool { return false }); err == nil {
			return errors.New("Await with a false condition ended without an error")
		}
		if err := Await(ctx, func() bool { return true }); err != nil {
			return fmt.Errorf("Await with a true condition after cancellation: %w", err)
		}
		if ok, err := AwaitWithTimeout(ctx, time.Minute, func() bool { return true }); !ok || err != nil {
			return fmt.Errorf("AwaitWithTimeout with a true condition after cancellation: %v, %v", ok, err)
		}
		if ok, err := AwaitWithTimeout(ctx, time.Minute, func() bool { return false }); ok || err == nil {
			return fmt.Errorf("AwaitWithTimeout with a false condition after cancellation: %v, %v", ok, err)
		}
		return nil // completes: every check held
	})
	te.start()
	wantCommands(t, te.decide(cancelRequested()), "WorkflowExecutionCompleted")
}

// orderWorkflow mixes coroutines, activities, a timer, signals, a selector
// and a query, for the replay tests.
func orderWorkflow(ctx Context, items int) (string, error) {
	ctx = WithActivityOptions(ctx, testActivityOptions)
	var log []string
	if err := SetQueryHandler(ctx, "log", func() ([]string, error) { return log, nil }); err != nil {
		return "", err
	}
	GetLogger(ctx).Info("order started", "items", items)
	wg := NewWaitGroup(ctx)
	for i := range items {
		wg.Go(ctx, func(ctx Context) {
			var r string
			if err := ExecuteActivity(ctx, "Reserve", i).Get(ctx, &r); err != nil {
				log = append(log, fmt.Sprintf("item %d failed", i))
				return
			}
			log = append(log, r)
		})
	}
	done := NewChannel(ctx)
	Go(ctx, func(ctx Context) {
		wg.Wait(ctx)
		done.Close()
	})
	reminder := NewTimer(ctx, time.Hour)
	signals := GetSignalChannel(ctx, "note")
	for finished := false; !finished; {
		NewSelector(ctx).
			AddReceive(signals, func(c ReceiveChannel, more bool) {
				var note string
				c.Receive(ctx, &note)
				log = append(log, "note "+note)
			}).
			AddFuture(reminder, func(Future) {
				log = append(log, "reminder")
				reminder = NewTimer(ctx, time.Hour)
			}).
			AddReceive(done, func(ReceiveChannel, bool) { finished = true }).
			Select(ctx)
	}
	return strings.Join(log, ", "), nil
}

func TestReplayRebuildsTheSameState(t *testing.T) {
	logger := &recordingLogger{}
	te := newTestEnv(t, orderWorkflow, func(o *ExecutionOptions) { o.Logger = logger })
	cmds := te.start(3)
	wantCommands(t, cmds, timerStarted(1), scheduled(2, "Reserve"), scheduled(3, "Reserve"), scheduled(4, "Reserve"))
	reminder, item0, item1, item2 := cmds[0], cmds[1], cmds[2], cmds[3]
	wantCommands(t, te.decide(activityCompleted(t, item1, "item 1"), signaled(t, "note", "gift wrap")))
	wantCommands(t, te.decide(timerFired(reminder)), timerStarted(5))
	wantCommands(t, te.decide(activityFailed(item0, errors.New("sold out"))))
	if got := query[[]string](t, te.e, "log"); len(got) != 4 {
		t.Fatalf("log before the end = %q", got)
	}
	wantCommands(t, te.decide(activityCompleted(t, item2, "item 2"), signaled(t, "note", "late")), "WorkflowExecutionCompleted")

	// Within a task the selector's coroutine (root) runs before the
	// activities' coroutines, which were created after it.
	want := "note gift wrap, item 1, reminder, item 0 failed, note late, item 2"
	if got := decode[string](t, te.history[len(te.history)-1].GetWorkflowExecutionCompleted().GetResult()); got != want {
		t.Fatalf("result = %q, want %q", got, want)
	}
	if n := logger.count(); n != 1 {
		t.Fatalf("the live run logged %d lines, want 1: %q", n, logger.lines)
	}
	replayed := te.replayAll()
	if !replayed.Closed() {
		t.Error("replayed execution is not closed")
	}
	if n := logger.count(); n != 1 {
		t.Errorf("replay logged: %q", logger.lines[1:])
	}
	if live, again := query[[]string](t, te.e, "log"), query[[]string](t, replayed, "log"); !slices.Equal(live, again) {
		t.Errorf("query after replay = %q, live = %q", again, live)
	}
	te.checkReplayOfEveryTask()
}

func TestReplayStopsAtInputsOfAFailedTask(t *testing.T) {
	var got []string
	te := newTestEnv(t, func(ctx Context) error {
		ch := GetSignalChannel(ctx, "s")
		for {
			var v string
			ch.Receive(ctx, &v)
			got = append(got, v)
		}
	})
	te.start()
	te.decide(signaled(t, "s", "a"))
	// The task for signal "b" failed: its input is in the history without a
	// WorkflowTaskCompleted after it.
	b := signaled(t, "s", "b")
	b.EventId = int64(len(te.history)) + 1
	history := append(slices.Clip(te.history), b)

	got = nil
	e := te.newExecution()
	if err := e.Replay(history); err != nil {
		t.Fatal(err)
	}
	if want := []string{"a"}; !slices.Equal(got, want) {
		t.Fatalf("replay delivered %q, want %q", got, want)
	}
	c := signaled(t, "s", "c")
	c.EventId = b.EventId + 1
	out, err := e.Decide([]*journalpb.Event{c}, te.now)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Fatalf("after Decide the workflow received %q, want %q", got, want)
	}
	if out[0].GetEventId() != c.EventId+1 {
		t.Errorf("WorkflowTaskCompleted has ID %d, want %d", out[0].GetEventId(), c.EventId+1)
	}
}

func TestNonDeterminismIsDetected(t *testing.T) {
	ctxWithOptions := func(ctx Context) Context { return WithActivityOptions(ctx, testActivityOptions) }
	// The recorded run: activity A, then a 1m timer, then completion.
	original := func(ctx Context) error {
		ctx = ctxWithOptions(ctx)
		if err := ExecuteActivity(ctx, "A").Get(ctx, nil); err != nil {
			return err
		}
		return Sleep(ctx, time.Minute)
	}
	te := newTestEnv(t, original)
	cmds := te.start()
	wantCommands(t, te.decide(activityCompleted(t, cmds[0], nil)), timerStarted(2))
	// History: 1 started, 2 WTC, 3 ActivityTaskScheduled, 4 completed,
	// 5 WTC, 6 TimerStarted.

	for _, tc := range []struct {
		name        string
		changed     func(ctx Context) error
		wantEventID int64
		wantType    string
		wantCommand string
	}{{
		name: "different activity type",
		changed: func(ctx Context) error {
			return ExecuteActivity(ctxWithOptions(ctx), "B").Get(ctx, nil)
		},
		wantEventID: 3, wantType: "ActivityTaskScheduled", wantCommand: scheduled(1, "B"),
	}, {
		name:        "missing command",
		changed:     func(ctx Context) error { return Await(ctx, func() bool { return false }) },
		wantEventID: 3, wantType: "ActivityTaskScheduled",
	}, {
		name: "extra command",
		changed: func(ctx Context) error {
			ctx = ctxWithOptions(ctx)
			ExecuteActivity(ctx, "A")
			return ExecuteActivity(ctx, "Extra").Get(ctx, nil)
		},
		wantEventID: 4, wantType: "ActivityTaskCompleted", wantCommand: scheduled(2, "Extra"),
	}, {
		name: "timer instead of activity in a later task",
		changed: func(ctx Context) error {
			ctx = ctxWithOptions(ctx)
			_ = ExecuteActivity(ctx, "A").Get(ctx, nil)
			return ExecuteActivity(ctx, "Instead").Get(ctx, nil)
		},
		wantEventID: 6, wantType: "TimerStarted", wantCommand: scheduled(2, "Instead"),
	}, {
		name: "extra command at the end of the history",
		changed: func(ctx Context) error {
			ctx = ctxWithOptions(ctx)
			_ = ExecuteActivity(ctx, "A").Get(ctx, nil)
			NewTimer(ctx, time.Minute)
			return Sleep(ctx, time.Hour)
		},
		wantEventID: 7, wantType: "", wantCommand: timerStarted(3),
	}} {
		t.Run(tc.name, func(t *testing.T) {
			e := NewExecution(ExecutionOptions{Registry: newTestRegistry(tc.changed), DeadlockTimeout: 30 * time.Second})
			defer e.Close()
			err := e.Replay(te.history)
			var nde *NonDeterminismError
			if !errors.As(err, &nde) {
				t.Fatalf("Replay = %v, want a NonDeterminismError", err)
			}
			if nde.EventID != tc.wantEventID || nde.EventType != tc.wantType || nde.Command != tc.wantCommand {
				t.Errorf("NonDeterminismError{EventID: %d, EventType: %q, Command: %q}, want {%d, %q, %q}",
					nde.EventID, nde.EventType, nde.Command, tc.wantEventID, tc.wantType, tc.wantCommand)
			}
			if !strings.Contains(err.Error(), fmt.Sprint(tc.wantEventID)) {
				t.Errorf("message %q does not name event %d", err, tc.wantEventID)
			}
			if _, err := e.Decide(nil, testStart); err == nil {
				t.Error("Decide succeeded on an Execution that failed replay")
			}
		})
	}
}

func TestWorkflowPanic(t *testing.T) {
	panicky := func(ctx Context) error {
		if err := Sleep(ctx, time.Second); err != nil {
			return err
		}
		var m map[string]int
		m["boom"]++
		return nil
	}
	t.Run("fails the workflow task by default", func(t *testing.T) {
		te := newTestEnv(t, panicky)
		cmds := te.start()
		_, err := te.tryDecide(timerFired(cmds[0]))
		var panicErr *WorkflowTaskPanicError
		if !errors.As(err, &panicErr) {
			t.Fatalf("Decide = %v, want a WorkflowTaskPanicError", err)
		}
		if !strings.Contains(fmt.Sprint(panicErr.Value), "nil map") || !strings.Contains(panicErr.StackTrace, "TestWorkflowPanic") {
			t.Errorf("panic value %v, stack:\n%s", panicErr.Value, panicErr.StackTrace)
		}
		if _, err := te.e.Decide(nil, te.now); err == nil {
			t.Error("Decide succeeded after a task failure")
		}
	})
	t.Run("fails the workflow with FailWorkflowOnPanic", func(t *testing.T) {
		te := newTestEnv(t, panicky, func(o *ExecutionOptions) { o.FailWorkflowOnPanic = true })
		cmds := te.start()
		out := te.decide(timerFired(cmds[0]))
		wantCommands(t, out, "WorkflowExecutionFailed")
		failure := out[0].GetWorkflowExecutionFailed().GetFailure()
		if !strings.Contains(failure.GetMessage(), "nil map") || !strings.Contains(failure.GetStackTrace(), "TestWorkflowPanic") {
			t.Errorf("failure = %v", failure)
		}
		// Stack traces differ between runs, so compare commands, not events.
		te.replayAll()
	})
}

func TestStartErrors(t *testing.T) {
	t.Run("unknown workflow type", func(t *testing.T) {
		te := newTestEnv(t, func(ctx Context) error { return nil })
		ev := startedEvent(t)
		ev.GetWorkflowExecutionStarted().WorkflowType = "Nope"
		_, err := te.tryDecide(ev)
		var unknown *UnknownTypeError
		if !errors.As(err, &unknown) || unknown.Name != "Nope" || !slices.Equal(unknown.Known, []string{testWorkflowType}) {
			t.Fatalf("Decide = %v, want UnknownTypeError for Nope", err)
		}
	})
	t.Run("undecodable arguments", func(t *testing.T) {
		te := newTestEnv(t, func(ctx Context, n int) error { return nil })
		_, err := te.tryDecide(startedEvent(t, "not a number"))
		if err == nil || !strings.Contains(err.Error(), `workflow "wf"`) {
			t.Fatalf("Decide = %v, want an error about the workflow's arguments", err)
		}
	})
	t.Run("too many arguments", func(t *testing.T) {
		te := newTestEnv(t, func(ctx Context, n int) error { return nil })
		_, err := te.tryDecide(startedEvent(t, 1, 2))
		if err == nil || !strings.Contains(err.Error(), "takes 1 arguments, got 2") {
			t.Fatalf("Decide = %v, want an error about the argument count", err)
		}
	})
	t.Run("event IDs with a gap", func(t *testing.T) {
		te := newTestEnv(t, func(ctx Context) error { return nil })
		ev := startedEvent(t)
		ev.EventId = 2
		if _, err := te.e.Decide([]*journalpb.Event{ev}, testStart); err == nil || !strings.Contains(err.Error(), "consecutive") {
			t.Fatalf("Decide = %v, want an error about event IDs", err)
		}
	})
}

func TestTerminationClosesWithoutRunningCode(t *testing.T) {
	ran := 0
	te := newTestEnv(t, func(ctx Context) error {
		ran++
		return Await(ctx, func() bool { return false })
	})
	te.start()
	terminated := &journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionTerminated{
		WorkflowExecutionTerminated: &journalpb.WorkflowExecutionTerminated{Reason: "test"},
	}}
	out, err := te.tryDecide(terminated)
	if err != nil || out != nil || !te.e.Closed() {
		t.Fatalf("Decide(terminated) = %v, %v; Closed() = %v; want nothing, nil, true", out, err, te.e.Closed())
	}
	if e := te.replayAll(); !e.Closed() || ran != 2 {
		t.Errorf("after replay: Closed() = %v, code ran %d times (want true, 2)", e.Closed(), ran)
	}
}

func TestQueries(t *testing.T) {
	state := "starting"
	te := newTestEnv(t, func(ctx Context) error {
		ctx = WithActivityOptions(ctx, testActivityOptions)
		if err := SetQueryHandler(ctx, "state", func(suffix string) (string, error) { return state + suffix, nil }); err != nil {
			return err
		}
		if err := SetQueryHandler(ctx, "fails", func() (string, error) { return "", errors.New("not now") }); err != nil {
			return err
		}
		if err := SetQueryHandler(ctx, "blocks", func() (string, error) {
			GetSignalChannel(ctx, "never").Receive(ctx, nil)
			return "", nil
		}); err != nil {
			return err
		}
		if err := SetQueryHandler(ctx, "schedules", func() (string, error) {
			ExecuteActivity(ctx, "Sneaky")
			return "", nil
		}); err != nil {
			return err
		}
		if SetQueryHandler(ctx, "__mine", func() (string, error) { return "", nil }) == nil {
			return errors.New("a reserved query name was accepted")
		}
		if SetQueryHandler(ctx, "bad", func() string { return "" }) == nil {
			return errors.New("a handler without an error result was accepted")
		}
		state = "waiting"
		GoNamed(ctx, "waiter", func(ctx Context) { _ = Await(ctx, func() bool { return false }) })
		return ExecuteActivity(ctx, "Work").Get(ctx, nil)
	})
	wantCommands(t, te.start(), scheduled(1, "Work"))

	if got := query[string](t, te.e, "state", "!"); got != "waiting!" {
		t.Errorf("state query = %q, want %q", got, "waiting!")
	}
	if _, err := te.e.Query("fails", nil); err == nil || !strings.Contains(err.Error(), "not now") {
		t.Errorf("failing query = %v", err)
	}
	if _, err := te.e.Query("nope", nil); err == nil || !strings.Contains(err.Error(), "[__stack_trace blocks fails schedules state]") {
		t.Errorf("unknown query = %v, want the known types listed", err)
	}
	if _, err := te.e.Query("blocks", nil); err == nil || !strings.Contains(err.Error(), "query handler") {
		t.Errorf("blocking query = %v, want an error", err)
	}
	if stacks := query[string](t, te.e, QueryTypeStackTrace); !strings.Contains(stacks, "coroutine root [blocked on Future.Get]") ||
		!strings.Contains(stacks, "coroutine waiter [blocked on Await]") {
		t.Errorf("stack trace query:\n%s", stacks)
	}
	// Queries leave the workflow as it was: the next task produces nothing new.
	wantCommands(t, te.decide())
	if _, err := te.e.Query("schedules", nil); err == nil || !strings.Contains(err.Error(), "must not change the workflow") {
		t.Errorf("query that schedules an activity = %v", err)
	}
	// The handler was stopped before it changed anything.
	wantCommands(t, te.decide())
}

// recordingLogger counts log lines.
type recordingLogger struct {
	lines []string
}

func (l *recordingLogger) record(level, msg string, keyvals []any) {
	l.lines = append(l.lines, fmt.Sprint(level, " ", msg, keyvals))
}

func (l *recordingLogger) Debug(msg string, keyvals ...any) { l.record("DEBUG", msg, keyvals) }
func (l *recordingLogger) Info(msg string, keyvals ...any)  { l.record("INFO", msg, keyvals) }
func (l *recordingLogger) Warn(msg string, keyvals ...any)  { l.record("WARN", msg, keyvals) }
func (l *recordingLogger) Error(msg string, keyvals ...any) { l.record("ERROR", msg, keyvals) }
func (l *recordingLogger) count() int                       { return len(l.lines) }
