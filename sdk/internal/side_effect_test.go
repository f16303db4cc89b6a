package internal

import (
	"errors"
	"fmt"
	"testing"
)

// TestSideEffectRunsOnceAndReplaysTheRecordedValue: the function runs in
// the live task only; a replay returns the recorded value without calling it.
func TestSideEffectRunsOnceAndReplaysTheRecordedValue(t *testing.T) {
	calls := 0
	next := 41
	te := newTestEnv(t, func(ctx Context) (int, error) {
		var n int
		if err := SideEffect(ctx, func(Context) any { calls++; next++; return next }).Get(&n); err != nil {
			return 0, err
		}
		GetSignalChannel(ctx, "go").Receive(ctx, nil)
		return n, nil
	})
	wantCommands(t, te.start(), `MarkerRecorded(seq=1, marker_name="SideEffect")`)
	wantCommands(t, te.decide(signaled(t, "go", nil)), "WorkflowExecutionCompleted")
	if calls != 1 {
		t.Fatalf("live run called the side effect %d times", calls)
	}
	replayed := te.replayAll()
	if calls != 1 {
		t.Fatalf("replay called the side effect again (%d calls)", calls)
	}
	if !replayed.Closed() {
		t.Fatal("replayed execution is not closed")
	}
	if got := decode[int](t, te.history[len(te.history)-1].GetWorkflowExecutionCompleted().GetResult()); got != 42 {
		t.Fatalf("result %d, want the recorded 42", got)
	}
	// (checkReplayOfEveryTask does not apply: it re-runs each task live,
	// and a live side effect rightly produces a new value.)
}

// TestSideEffectWhereHistoryHasATimerIsNonDeterministic: code that now calls
// SideEffect where it once started a timer fails replay with an error that
// names the event.
func TestSideEffectWhereHistoryHasATimerIsNonDeterministic(t *testing.T) {
	te := newTestEnv(t, func(ctx Context) error { return NewTimer(ctx, 1e9).Get(ctx, nil) })
	te.start()
	e := NewExecution(ExecutionOptions{Namespace: "default", WorkflowID: "wf-id", RunID: "run-1", DeadlockTimeout: te.opts.DeadlockTimeout,
		Registry: newTestRegistry(func(ctx Context) error {
			SideEffect(ctx, func(Context) any { return 1 })
			return nil
		})})
	defer e.Close()
	err := e.Replay(te.history)
	var nde *NonDeterminismError
	if !errors.As(err, &nde) || nde.EventType != "TimerStarted" {
		t.Fatalf("replay error %v, want a NonDeterminismError at the TimerStarted event", err)
	}
}

// TestMutableSideEffectRecordsOnlyChanges: three calls seeing "a", "a", "b"
// record two markers; a replay returns the same values without calling f.
func TestMutableSideEffectRecordsOnlyChanges(t *testing.T) {
	flag, calls := "a", 0
	te := newTestEnv(t, func(ctx Context) ([]string, error) {
		var seen []string
		for range 3 {
			var v string
			if err := MutableSideEffect(ctx, "flag", func(Context) any { calls++; return flag },
				func(a, b any) bool { return a == b }).Get(&v); err != nil {
				return nil, err
			}
			seen = append(seen, v)
			GetSignalChannel(ctx, "next").Receive(ctx, nil)
		}
		return seen, nil
	})
	marker := `MarkerRecorded(seq=%d, marker_name="MutableSideEffect")`
	wantCommands(t, te.start(), fmt.Sprintf(marker, 1))
	wantCommands(t, te.decide(signaled(t, "next", nil)))
	flag = "b"
	wantCommands(t, te.decide(signaled(t, "next", nil)), fmt.Sprintf(marker, 2))
	wantCommands(t, te.decide(signaled(t, "next", nil)), "WorkflowExecutionCompleted")
	if calls != 3 {
		t.Fatalf("live run called f %d times, want 3", calls)
	}
	flag = "changed since"
	replayed := te.replayAll()
	if calls != 3 {
		t.Fatalf("replay called f (%d calls)", calls)
	}
	if !replayed.Closed() {
		t.Fatal("replayed execution is not closed")
	}
	if got := decode[[]string](t, te.history[len(te.history)-1].GetWorkflowExecutionCompleted().GetResult()); fmt.Sprint(got) != "[a a b]" {
		t.Fatalf("result %v", got)
	}
}
