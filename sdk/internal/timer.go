package internal

import (
	"strconv"
	"time"

	"github.com/grainflow/grainflow/internal/lazymap"
	"github.com/grainflow/grainflow/journal/journalpb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TimerOptions configure NewTimerWithOptions.
type TimerOptions struct {
	// Summary is a short description of the timer, for people.
	Summary string
}

// NewTimer returns a future that becomes ready d after the workflow's
// current time (Now). The timer is durable: it survives restarts. A
// duration d <= 0 gives a future that is ready at once. Canceling ctx
// cancels the timer, and the future fails with a CanceledError.
func NewTimer(ctx Context, d time.Duration) Future {
	return NewTimerWithOptions(ctx, d, TimerOptions{})
}

// NewTimerWithOptions is NewTimer with options.
func NewTimerWithOptions(ctx Context, d time.Duration, options TimerOptions) Future {
	e := executionOf(ctx, "NewTimer")
	e.mustBeInTask("NewTimer")
	f := &futureImpl{}
	if d <= 0 {
		f.SetValue(nil)
		return f
	}
	if err := ctx.Err(); err != nil {
		f.SetError(err)
		return f
	}
	seq := e.nextSequence()
	t := &timerState{timerID: strconv.FormatInt(seq, 10), future: f}
	t.cmd = e.addCommand(&journalpb.Event{Attributes: &journalpb.Event_TimerStarted{
		TimerStarted: &journalpb.TimerStarted{
			Seq:                seq,
			TimerId:            t.timerID,
			StartToFireTimeout: durationpb.New(d),
			FireTime:           timestamppb.New(e.now.Add(d)),
		},
	}}, func(eventID int64) {
		t.eventID = eventID
		lazymap.Set(&e.timers, eventID, t)
	})
	t.detach = e.onCancel(ctx, func() { e.cancelTimer(t) })
	return f
}
