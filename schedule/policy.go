package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultCatchupWindow is the catch-up window used when none is given: one
// year (365 days), Temporal's default. Missed actions older than the window
// are dropped.
const DefaultCatchupWindow = 365 * 24 * time.Hour

// CatchUp returns, in their original order, the missed nominal times that
// should still be acted on at now: those no older than window, i.e. with
// now-window <= t <= now. Times after now have not been missed and are left
// out too. A window <= 0 means [DefaultCatchupWindow].
//
// The engine calls it after downtime with the output of Compiled.Between; the
// overlap policy then decides how many of the survivors actually start. The
// result never aliases missed.
func CatchUp(missed []time.Time, now time.Time, window time.Duration) []time.Time {
	if window <= 0 {
		window = DefaultCatchupWindow
	}
	oldest := now.Add(-window)
	var out []time.Time
	for _, t := range missed {
		if !t.Before(oldest) && !t.After(now) {
			out = append(out, t)
		}
	}
	return out
}

// OverlapPolicy says what a schedule does when an action falls due while the
// workflow started by an earlier action is still running. The values and
// their numbers match Temporal's enums.ScheduleOverlapPolicy; the zero value
// (OverlapUnspecified) behaves like OverlapSkip, Temporal's default.
type OverlapPolicy int

// Overlap policies, numbered as in Temporal.
const (
	// OverlapUnspecified is the zero value; it behaves as OverlapSkip.
	OverlapUnspecified OverlapPolicy = iota
	// OverlapSkip drops the new action while one is running (default).
	OverlapSkip
	// OverlapBufferOne runs the new action after the running one ends, but
	// keeps at most one such action waiting; later ones are dropped.
	OverlapBufferOne
	// OverlapBufferAll queues every new action to run one after another
	// once the running one ends.
	OverlapBufferAll
	// OverlapCancelOther cancels the running workflow and starts the new
	// one once the cancellation has completed.
	OverlapCancelOther
	// OverlapTerminateOther terminates the running workflow and starts the
	// new one immediately.
	OverlapTerminateOther
	// OverlapAllowAll starts every action, allowing concurrent runs.
	OverlapAllowAll
)

// overlapNames are the Temporal names, indexed by value.
var overlapNames = [...]string{
	OverlapUnspecified:    "Unspecified",
	OverlapSkip:           "Skip",
	OverlapBufferOne:      "BufferOne",
	OverlapBufferAll:      "BufferAll",
	OverlapCancelOther:    "CancelOther",
	OverlapTerminateOther: "TerminateOther",
	OverlapAllowAll:       "AllowAll",
}

// String returns Temporal's name for p, e.g. "BufferOne".
func (p OverlapPolicy) String() string {
	if p >= 0 && int(p) < len(overlapNames) {
		return overlapNames[p]
	}
	return "OverlapPolicy(" + strconv.Itoa(int(p)) + ")"
}

// ParseOverlapPolicy accepts the names String returns and Temporal's
// SCREAMING_CASE forms, ignoring case, underscores and dashes: "BufferOne",
// "buffer_one" and "SCHEDULE_OVERLAP_POLICY_BUFFER_ONE" are all
// OverlapBufferOne. The empty string is OverlapUnspecified.
func ParseOverlapPolicy(s string) (OverlapPolicy, error) {
	key := strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(strings.TrimSpace(s)))
	key = strings.TrimPrefix(key, "scheduleoverlappolicy")
	if key == "" {
		return OverlapUnspecified, nil
	}
	for p, name := range overlapNames {
		if strings.ToLower(name) == key {
			return OverlapPolicy(p), nil
		}
	}
	return OverlapUnspecified, fmt.Errorf("schedule: unknown overlap policy %q", s)
}

// Action is what the scheduler workflow should do with an action that has
// just fallen due; see [OverlapPolicy.Decide].
type Action int

// Actions returned by Decide. The zero value is not a valid action.
const (
	// ActionStart starts the workflow now.
	ActionStart Action = iota + 1
	// ActionBuffer queues the action to start when the running workflow
	// (and anything queued before it) has finished.
	ActionBuffer
	// ActionDrop discards the action.
	ActionDrop
	// ActionCancelThenStart requests cancellation of the running workflow
	// and starts the new one once it has closed.
	ActionCancelThenStart
	// ActionTerminateThenStart terminates the running workflow and starts
	// the new one immediately.
	ActionTerminateThenStart
)

// String names the action, e.g. "CancelThenStart".
func (a Action) String() string {
	switch a {
	case ActionStart:
		return "Start"
	case ActionBuffer:
		return "Buffer"
	case ActionDrop:
		return "Drop"
	case ActionCancelThenStart:
		return "CancelThenStart"
	case ActionTerminateThenStart:
		return "TerminateThenStart"
	}
	return "Action(" + strconv.Itoa(int(a)) + ")"
}

// Decide says what to do with an action that has fallen due, given whether a
// workflow started by this schedule is still running and how many actions
// are already buffered behind it. Unknown policies behave as OverlapSkip.
//
//   - Nothing running and nothing buffered: every policy starts.
//   - AllowAll always starts.
//   - Skip drops while running.
//   - BufferOne buffers if nothing is buffered yet, otherwise drops (the
//     earlier buffered action wins, as in Temporal).
//   - BufferAll buffers, keeping order.
//   - CancelOther / TerminateOther replace the running workflow.
//
// The buffer policies treat a non-empty buffer like a running workflow, so
// an action never jumps ahead of ones queued before it.
func (p OverlapPolicy) Decide(running bool, buffered int) Action {
	busy := running || buffered > 0
	switch p {
	case OverlapAllowAll:
		return ActionStart
	case OverlapBufferOne:
		switch {
		case !busy:
			return ActionStart
		case buffered <= 0:
			return ActionBuffer
		default:
			return ActionDrop
		}
	case OverlapBufferAll:
		if busy {
			return ActionBuffer
		}
		return ActionStart
	case OverlapCancelOther:
		if running {
			return ActionCancelThenStart
		}
		return ActionStart
	case OverlapTerminateOther:
		if running {
			return ActionTerminateThenStart
		}
		return ActionStart
	default: // OverlapSkip, OverlapUnspecified and unknown values
		if running {
			return ActionDrop
		}
		return ActionStart
	}
}
