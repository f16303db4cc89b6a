package internal

import (
	"errors"
	"testing"
	"time"
)

// versionTestActivity is enough of ActivityOptions for the version tests.
var versionTestActivity = ActivityOptions{StartToCloseTimeout: time.Minute}

// oldCode schedules activity "A"; newCode puts that behind a version check
// and schedules "B" in new runs.
func oldCode(ctx Context) error {
	ctx = WithActivityOptions(ctx, versionTestActivity)
	return ExecuteActivity(ctx, "A").Get(ctx, nil)
}

func newCode(ctx Context) error {
	ctx = WithActivityOptions(ctx, versionTestActivity)
	if GetVersion(ctx, "use-b", DefaultVersion, 1) == DefaultVersion {
		return ExecuteActivity(ctx, "A").Get(ctx, nil)
	}
	return ExecuteActivity(ctx, "B").Get(ctx, nil)
}

func TestGetVersionKeepsOldRunsOnTheOldPath(t *testing.T) {
	// A run that started with the old code...
	old := newTestEnv(t, oldCode)
	wantCommands(t, old.start(), scheduled(1, "A"))

	// ...replays under the new code without a non-determinism error and
	// finishes on the old path.
	e := NewExecution(ExecutionOptions{Namespace: "default", WorkflowID: "wf-id", RunID: "run-1",
		DeadlockTimeout: old.opts.DeadlockTimeout, Registry: newTestRegistry(newCode)})
	defer e.Close()
	if err := e.Replay(old.history); err != nil {
		t.Fatalf("replaying an old run under new code: %v", err)
	}
	if v := e.versions["use-b"]; v != DefaultVersion {
		t.Fatalf("old run got version %d, want DefaultVersion", v)
	}

	// A new run takes the new path and records the version.
	fresh := newTestEnv(t, newCode)
	wantCommands(t, fresh.start(), `MarkerRecorded(seq=1, marker_name="Version")`, scheduled(2, "B"))
	fresh.checkReplayOfEveryTask()
	if replayed := fresh.replayAll(); replayed.versions["use-b"] != 1 {
		t.Fatalf("replayed version %d, want 1", replayed.versions["use-b"])
	}
}

func TestGetVersionOutsideTheSupportedRangeFailsTheTask(t *testing.T) {
	fresh := newTestEnv(t, newCode)
	fresh.start()
	// The code drops support for version 1: replaying the run fails its task.
	e := NewExecution(ExecutionOptions{Namespace: "default", WorkflowID: "wf-id", RunID: "run-1",
		DeadlockTimeout: fresh.opts.DeadlockTimeout, Registry: newTestRegistry(func(ctx Context) error {
			GetVersion(ctx, "use-b", 2, 2)
			return nil
		})})
	defer e.Close()
	err := e.Replay(fresh.history)
	var panicErr *WorkflowTaskPanicError
	if !errors.As(err, &panicErr) {
		t.Fatalf("replay error %v, want a failed task", err)
	}
}
