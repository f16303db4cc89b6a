package journal

import (
	"testing"
	"time"
)

// TestKeysAllocateOnce: every allocating key builder sizes its buffer for
// the whole key.
func TestKeysAllocateOnce(t *testing.T) {
	run := RunKey{Namespace: "default", WorkflowID: "order-1", RunID: "4f9c2d1e"}
	builders := map[string]func() []byte{
		"run":            func() []byte { return runKey(3, run) },
		"current":        func() []byte { return currentKey(run.Namespace, run.WorkflowID) },
		"keyword prefix": func() []byte { return keywordIndexPrefix(run.Namespace, "WorkflowType", "Checkout") },
	}
	for name, build := range builders {
		if k := build(); len(k) != cap(k) {
			t.Errorf("%s key: %d bytes in a buffer of %d; want the buffer sized exactly", name, len(k), cap(k))
		}
		if n := testing.AllocsPerRun(10, func() { _ = build() }); n != 1 {
			t.Errorf("%s key: %v allocations, want 1", name, n)
		}
	}
	// An event prefix leaves room for the event ID.
	if n := testing.AllocsPerRun(10, func() { _ = appendEventKey(eventPrefix(3, run)[:0], 3, run, 42) }); n != 1 {
		t.Errorf("event key from its prefix's buffer: %v allocations, want 1", n)
	}
}

// TestKeysAppendToTheBuffer: the committer's key builders add to the
// buffer they are given and allocate nothing when it has room.
func TestKeysAppendToTheBuffer(t *testing.T) {
	run := RunKey{Namespace: "default", WorkflowID: "order-1", RunID: "4f9c2d1e"}
	builders := map[string]func([]byte) []byte{
		"event":     func(b []byte) []byte { return appendEventKey(b, 3, run, 42) },
		"run":       func(b []byte) []byte { return appendRunKey(b, 3, run) },
		"current":   func(b []byte) []byte { return appendCurrentKey(b, run.Namespace, run.WorkflowID) },
		"timer":     func(b []byte) []byte { return appendTimerKey(b, 3, Timer{Run: run, ID: "user/1"}) },
		"wake":      func(b []byte) []byte { return appendWakeKey(b, 3, run) },
		"retention": func(b []byte) []byte { return appendRetentionKey(b, time.Unix(1, 0), 3, run) },
		"keyword":   func(b []byte) []byte { return appendKeywordIndexKey(b, run, "WorkflowType", "Checkout") },
		"start":     func(b []byte) []byte { return appendStartIndexKey(b, run, time.Unix(1, 0)) },
	}
	buf := make([]byte, 0, 256)
	for name, build := range builders {
		alone := build(nil)
		if got := build(append(buf[:0], "head"...)); string(got) != "head"+string(alone) {
			t.Errorf("%s key: %q after the buffer's bytes, want %q", name, got, "head"+string(alone))
		}
		if n := testing.AllocsPerRun(10, func() { buf = build(buf[:0]) }); n != 0 {
			t.Errorf("%s key: %v allocations into a buffer with room, want 0", name, n)
		}
	}
}
