package actor

import (
	"testing"
	"time"

	"github.com/grainflow/grainflow/journal"
)

// A pass of the timer service goes on after the cursor, the last timer the
// pass before read. A timer added at or before the cursor would never be
// read by such a pass, so it must make the next pass a full one, from the
// floor; so must a timer added during a pass at or before where the pass
// ended, and a worker's start (rescanTimers).
func TestTimerCursorGivesWayToAFullPass(t *testing.T) {
	h := newPartitionHost(nil, 0)
	t0 := time.Now()
	at := func(ms int) *journal.Timer {
		return &journal.Timer{ID: "timer", FireAt: t0.Add(time.Duration(ms) * time.Millisecond)}
	}

	h.endPass(at(0), time.Second)
	h.timerAdded(t0.Add(time.Millisecond))
	if h.timerCursor == nil {
		t.Fatal("a timer after the cursor made the next pass a full one")
	}
	h.timerAdded(t0) // the cursor's own time: its key may sort before the cursor's
	if h.timerCursor != nil {
		t.Fatal("a timer at the cursor left the next pass to go on after it")
	}

	h.endPass(at(0), time.Second)
	h.inPass, h.addedInPass = true, time.Time{} // a pass begins, as in fireDueTimers
	h.timerAdded(t0.Add(2 * time.Millisecond))
	if h.timerCursor == nil {
		t.Fatal("a timer after the cursor made the next pass a full one")
	}
	h.endPass(at(5), time.Second) // the pass read on past it, maybe without seeing it
	if h.timerCursor != nil {
		t.Fatal("a timer added during a pass, before where the pass ended, left the next pass to go on after it")
	}

	h.endPass(at(5), time.Second)
	h.rescanTimers()
	if h.timerCursor != nil {
		t.Fatal("rescanTimers left the next pass to go on after the cursor")
	}
}
