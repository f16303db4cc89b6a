package actor

import (
	"context"
	"time"

	"github.com/grainflow/grainflow/journal"
)

// startTimerService starts the loop that sends due timers to their workflows.
//
// The loop scans the partition's due timers in passes. A pass reads them
// timerBatch at a time, each scan continuing after the last timer the one
// before it read, and ends at the first timer not yet due. So a backlog of
// due timers costs one read of each (rescanning from the start each time
// read every timer still with its workflow, and the tombstones of those
// handled, again and again: a quarter of the CPU of 20,000 timers due at
// once). A pass goes on after the last timer the pass before read (the
// cursor), so it reads only timers that fell due since, not again those
// still with their workflows. Once a second, and whenever a timer is added
// at or before the cursor, a full pass starts at the floor instead: the
// first timer the last full pass found, lowered by any timer added before
// it since (timerAdded). It does not read over the tombstones that handled
// timers leave before it, and it finds a timer whose delivery was dropped
// (its workflow had no worker), which is still at or after the floor.
// Between passes the loop sleeps until the next timer is due, for at most
// maxTimerSleep, or until a nudge: a timer added that is due sooner. A
// nudge during a pass starts another when it ends.
func (h *partitionHost) startTimerService() {
	h.inPass = true // the first pass starts at once
	h.timerRun.Add(1)
	go func() {
		defer h.timerRun.Done()
		var after *journal.Timer // where the pass is; nil starts one
		for {
			var wait time.Duration
			wait, after = h.fireDueTimers(after)
			if after != nil { // the pass goes on at once
				select {
				case <-h.done:
					return
				default:
					continue
				}
			}
			t := time.NewTimer(wait)
			select {
			case <-h.done:
				t.Stop()
				return
			case <-h.nudge:
			case <-t.C:
			}
			t.Stop()
		}
	}()
}

// timerAdded tells the timer service of a timer now durable in the journal.
// It nudges the service only if the timer is due before the service would
// wake, or if a pass is under way that may have read past it: a burst of
// workflows each starting a timer further out than the first costs no
// scans at all.
func (h *partitionHost) timerAdded(at time.Time) {
	h.mu.Lock()
	if at.Before(h.timerFloor) {
		h.timerFloor = at
	}
	if h.inPass && (h.addedInPass.IsZero() || at.Before(h.addedInPass)) {
		h.addedInPass = at
	}
	if h.timerCursor != nil && !at.After(h.timerCursor.FireAt) {
		h.timerCursor = nil // behind the cursor: the next pass is a full one
	}
	nudge := h.inPass || at.Before(h.timerWake)
	h.mu.Unlock()
	if nudge {
		h.nudgeTimers()
	}
}

// rescanTimers makes the timer service start a full pass now, for timers
// whose delivery was dropped: a worker for them has started.
func (h *partitionHost) rescanTimers() {
	h.mu.Lock()
	h.timerCursor = nil
	h.mu.Unlock()
	h.nudgeTimers()
}

// nudgeTimers makes the timer service start a pass now.
func (h *partitionHost) nudgeTimers() {
	select {
	case h.nudge <- struct{}{}:
	default:
	}
}

// maxTimerSleep bounds how long the timer service sleeps, so a timer whose
// delivery was dropped (its workflow had no worker) is retried.
const maxTimerSleep = time.Second

// timerBatch is how many due timers one scan reads.
const timerBatch = 1000

// fireDueTimers reads up to timerBatch due timers after after (from the
// first if nil), sends those not already in flight to their workflows,
// and returns how long to sleep before the next scan and where it goes on
// from: the last timer read while more may be due, nil when the pass is
// over.
func (h *partitionHost) fireDueTimers(after *journal.Timer) (time.Duration, *journal.Timer) {
	scan := journal.TimerScan{Partition: h.partition, After: after, Now: time.Now(), Limit: timerBatch}
	full := false
	if after == nil { // a pass begins
		h.mu.Lock()
		full = h.timerCursor == nil || scan.Now.Sub(h.lastFullPass) >= maxTimerSleep
		if full {
			scan.From, h.lastFullPass = h.timerFloor, scan.Now
		} else {
			scan.After = h.timerCursor
		}
		h.inPass, h.addedInPass = true, time.Time{}
		h.mu.Unlock()
	}
	h.engine.timerScans.Add(1)
	due, next, err := h.engine.journal.DueTimers(context.Background(), scan)
	if err != nil {
		h.engine.opts.Logger.Error("timer scan failed", "partition", h.partition, "error", err)
		h.endPass(nil, maxTimerSleep)
		return maxTimerSleep, nil
	}
	if full {
		h.raiseTimerFloor(due, next, scan.Now)
	}
	for _, t := range due {
		id := timerKey(t)
		h.mu.Lock()
		_, inFlight := h.firing[id]
		if !inFlight {
			h.firing[id] = struct{}{}
		}
		h.mu.Unlock()
		if !inFlight {
			h.send(t.Run.Namespace, t.Run.WorkflowID, &timerDue{timer: t})
		}
	}
	if len(due) == timerBatch {
		return 0, &due[len(due)-1] // more may be due
	}
	wait := maxTimerSleep
	if !next.IsZero() {
		wait = min(maxTimerSleep, max(0, time.Until(next)))
	}
	last := scan.After // the last timer the pass read
	if len(due) > 0 {
		t := due[len(due)-1] // a copy: the cursor keeps no page alive
		last = &t
	}
	h.endPass(last, wait)
	return wait, nil
}

// raiseTimerFloor moves the floor up after a pass's first scan, which read
// the index from the floor on: to the first timer it found, due or not, or
// to the time of the scan if it found none, but not above a timer added
// since the pass began, which the scan may have missed.
func (h *partitionHost) raiseTimerFloor(due []journal.Timer, next, scanned time.Time) {
	floor := scanned
	switch {
	case len(due) > 0:
		floor = due[0].FireAt
	case !next.IsZero():
		floor = next
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.addedInPass.IsZero() && h.addedInPass.Before(floor) {
		floor = h.addedInPass
	}
	h.timerFloor = floor
}

// endPass records that the service sleeps for wait, and that the next pass
// goes on after last (if not nil): from now on only a timer due sooner
// nudges it. A timer added during the pass at or before last, which the
// pass may have missed, makes the next pass a full one.
func (h *partitionHost) endPass(last *journal.Timer, wait time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if last != nil {
		h.timerCursor = last
	}
	if h.timerCursor != nil && !h.addedInPass.IsZero() && !h.addedInPass.After(h.timerCursor.FireAt) {
		h.timerCursor = nil
	}
	h.timerWake, h.inPass = time.Now().Add(wait), false
}

// timerHandled tells the service the workflow dealt with (or dropped) a timer.
func (h *partitionHost) timerHandled(t journal.Timer) {
	h.mu.Lock()
	delete(h.firing, timerKey(t))
	h.mu.Unlock()
}

func timerKey(t journal.Timer) string {
	return t.Run.Namespace + "\x00" + t.Run.WorkflowID + "\x00" + t.Run.RunID + "\x00" + t.ID
}
