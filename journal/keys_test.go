package journal

import (
	"testing"
	"time"
)

// TestKeysAllocateOnce: every key builder sizes its buffer for the whole key.
func TestKeysAllocateOnce(t *testing.T) {
	run := RunKey{Namespace: "default", WorkflowID: "order-1", RunID: "4f9c2d1e"}
	builders := map[string]func() []byte{
		"event":     func() []byte { return eventKey(3, run, 42) },
		"run":       func() []byte { return runKey(3, run) },
		"current":   func() []byte { return currentKey(run.Namespace, run.WorkflowID) },
		"timer":     func() []byte { return timerKey(3, Timer{Run: run, ID: "user/1"}) },
		"wake":      func() []byte { return wakeKey(3, run) },
		"retention": func() []byte { return retentionKey(time.Unix(1, 0), 3, run) },
		"keyword":   func() []byte { return keywordIndexKey(run, "WorkflowType", "Checkout") },
		"start":     func() []byte { return startIndexKey(run, time.Unix(1, 0)) },
	}
	for name, build := range builders {
		if k := build(); len(k) != cap(k) {
			t.Errorf("%s key: %d bytes in a buffer of %d; want the buffer sized exactly", name, len(k), cap(k))
		}
		if n := testing.AllocsPerRun(10, func() { _ = build() }); n != 1 {
			t.Errorf("%s key: %v allocations, want 1", name, n)
		}
	}
}
