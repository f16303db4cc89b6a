package internal

import (
	"fmt"
	"slices"
	"strings"

	"github.com/grainflow/grainflow/internal/lazymap"
	"github.com/grainflow/grainflow/journal/journalpb"
)

// command is an event the workflow code produced in the task being run.
type command struct {
	// event holds the command's attributes; the event ID and time are set
	// when the command becomes part of the history.
	event *journalpb.Event
	// recorded, if set, is told the command's event ID then.
	recorded func(eventID int64)
}

// record marks the command as part of the history as event ev.
func (c *command) record(ev *journalpb.Event) {
	if c.recorded != nil {
		c.recorded(ev.GetEventId())
	}
}

// activityState is an activity the workflow scheduled and has not seen the
// end of.
type activityState struct {
	cmd *command
	// eventID is the ID of the ActivityTaskScheduled event once recorded.
	eventID             int64
	activityType        string
	activityID          string
	future              *futureImpl
	dc                  DataConverter
	waitForCancellation bool
	// detach stops watching the activity's context for cancellation.
	detach func()
}

// timerState is a timer the workflow started that has not fired.
type timerState struct {
	cmd     *command
	eventID int64
	timerID string
	future  *futureImpl
	detach  func()
}

// nextSequence returns the next command sequence number (1, 2, ...).
func (e *Execution) nextSequence() int64 {
	e.seq++
	return e.seq
}

// addCommand appends a command to the task being run.
func (e *Execution) addCommand(ev *journalpb.Event, recorded func(eventID int64)) *command {
	e.mustBeInTask("a call that produces a command")
	c := &command{event: ev, recorded: recorded}
	e.commands = append(e.commands, c)
	return c
}

// dropCommand removes a command of the task being run, when what it asked
// for is canceled before it was ever recorded.
func (e *Execution) dropCommand(c *command) {
	e.commands = slices.DeleteFunc(e.commands, func(x *command) bool { return x == c })
}

// addCloseCommand appends the command that closes the workflow
// (WorkflowExecutionCompleted, Failed or Canceled).
func (e *Execution) addCloseCommand(ev *journalpb.Event) {
	e.addCommand(ev, func(int64) { e.closed = true })
}

// onCancel runs fn when ctx is canceled, if ctx can be; it returns a
// function that stops watching.
func (e *Execution) onCancel(ctx Context, fn func()) (detach func()) {
	if c, ok := ctx.Value(cancelCtxKey{}).(*cancelCtx); ok {
		return c.onCancel(fn)
	}
	return func() {}
}

// cancelActivity handles the cancellation of an activity's context.
func (e *Execution) cancelActivity(a *activityState) {
	if a.future.ready {
		return
	}
	if a.eventID == 0 {
		// Scheduled in this very task: it never reaches the history.
		e.dropCommand(a.cmd)
		a.future.SetError(NewCanceledError())
		return
	}
	e.addCommand(&journalpb.Event{Attributes: &journalpb.Event_ActivityTaskCancelRequested{
		ActivityTaskCancelRequested: &journalpb.ActivityTaskCancelRequested{Seq: e.nextSequence(), ScheduledEventId: a.eventID},
	}}, nil)
	if !a.waitForCancellation {
		a.future.SetError(NewCanceledError())
	}
}

// cancelTimer handles the cancellation of a timer's context.
func (e *Execution) cancelTimer(t *timerState) {
	if t.future.ready {
		return
	}
	if t.eventID == 0 {
		e.dropCommand(t.cmd)
	} else {
		e.addCommand(&journalpb.Event{Attributes: &journalpb.Event_TimerCanceled{
			TimerCanceled: &journalpb.TimerCanceled{Seq: e.nextSequence(), StartedEventId: t.eventID, TimerId: t.timerID},
		}}, nil)
		delete(e.timers, t.eventID)
	}
	t.future.SetError(NewCanceledError())
}

// activityFor returns the activity that event ev, which refers to the
// ActivityTaskScheduled event scheduledID, is about; the activity is done
// with after this event.
func (e *Execution) activityFor(ev *journalpb.Event, scheduledID int64) (*activityState, error) {
	a, ok := e.activities[scheduledID]
	if !ok {
		return nil, fmt.Errorf("history event %d (%s) refers to event %d, which is not an activity in flight",
			ev.GetEventId(), eventKind(ev), scheduledID)
	}
	delete(e.activities, scheduledID)
	a.detach()
	return a, nil
}

// activityError wraps the cause of an activity's failure.
func (a *activityState) activityError(retryState journalpb.RetryState, cause error) error {
	return NewActivityError(a.eventID, a.activityType, a.activityID, retryState, cause)
}

// settle completes the activity's future unless cancellation already did.
func (a *activityState) settle(value any, err error) {
	if !a.future.ready {
		a.future.Set(value, err)
	}
}

// deliver applies one input event to the workflow state.
func (e *Execution) deliver(ev *journalpb.Event) error {
	if e.info == nil && ev.GetWorkflowExecutionStarted() == nil {
		return fmt.Errorf("history event %d (%s) comes before WorkflowExecutionStarted", ev.GetEventId(), eventKind(ev))
	}
	switch attrs := ev.GetAttributes().(type) {
	case *journalpb.Event_WorkflowExecutionStarted:
		return e.startWorkflow(ev)

	case *journalpb.Event_ActivityTaskCompleted:
		a, err := e.activityFor(ev, attrs.ActivityTaskCompleted.GetScheduledEventId())
		if err != nil {
			return err
		}
		a.settle(encodedPayloads{payloads: attrs.ActivityTaskCompleted.GetResult(), dc: a.dc}, nil)

	case *journalpb.Event_ActivityTaskFailed:
		x := attrs.ActivityTaskFailed
		a, err := e.activityFor(ev, x.GetScheduledEventId())
		if err != nil {
			return err
		}
		a.settle(nil, a.activityError(x.GetRetryState(), ConvertFailureToError(x.GetFailure(), a.dc)))

	case *journalpb.Event_ActivityTaskTimedOut:
		x := attrs.ActivityTaskTimedOut
		a, err := e.activityFor(ev, x.GetScheduledEventId())
		if err != nil {
			return err
		}
		a.settle(nil, a.activityError(x.GetRetryState(), ConvertFailureToError(x.GetFailure(), a.dc)))

	case *journalpb.Event_ActivityTaskCanceled:
		x := attrs.ActivityTaskCanceled
		a, err := e.activityFor(ev, x.GetScheduledEventId())
		if err != nil {
			return err
		}
		canceled := ConvertFailureToError(&journalpb.Failure{
			Message: "activity canceled",
			Info:    &journalpb.Failure_Canceled{Canceled: &journalpb.CanceledFailureInfo{Details: x.GetDetails()}},
		}, a.dc)
		a.settle(nil, a.activityError(journalpb.RetryState_RETRY_STATE_CANCEL_REQUESTED, canceled))

	case *journalpb.Event_ActivityTaskAttemptFailed:
		// A retry is coming; the workflow sees nothing.

	case *journalpb.Event_TimerFired:
		id := attrs.TimerFired.GetStartedEventId()
		t, ok := e.timers[id]
		if !ok {
			return fmt.Errorf("history event %d (TimerFired) refers to event %d, which is not a pending timer", ev.GetEventId(), id)
		}
		delete(e.timers, id)
		t.detach()
		t.future.SetValue(nil)

	case *journalpb.Event_WorkflowExecutionSignaled:
		x := attrs.WorkflowExecutionSignaled
		e.signalChannel(x.GetSignalName()).sendAsync(encodedPayloads{payloads: x.GetInput(), dc: e.dc})

	case *journalpb.Event_WorkflowExecutionUpdateAccepted:
		return e.startUpdate(ev)

	case *journalpb.Event_WorkflowExecutionCancelRequested:
		e.cancelRequested = true
		e.rootCtx.cancel(ErrCanceled)

	case *journalpb.Event_ChildWorkflowExecutionStarted, *journalpb.Event_StartChildWorkflowExecutionFailed,
		*journalpb.Event_ChildWorkflowExecutionClosed:
		return e.deliverChildEvent(ev)

	case *journalpb.Event_ExternalWorkflowExecutionSignaled:
		return e.deliverExternalEvent(ev, attrs.ExternalWorkflowExecutionSignaled.GetInitiatedEventId(), "")
	case *journalpb.Event_SignalExternalWorkflowExecutionFailed:
		x := attrs.SignalExternalWorkflowExecutionFailed
		return e.deliverExternalEvent(ev, x.GetInitiatedEventId(), x.GetCause())
	case *journalpb.Event_ExternalWorkflowExecutionCancelRequested:
		return e.deliverExternalEvent(ev, attrs.ExternalWorkflowExecutionCancelRequested.GetInitiatedEventId(), "")
	case *journalpb.Event_RequestCancelExternalWorkflowExecutionFailed:
		x := attrs.RequestCancelExternalWorkflowExecutionFailed
		return e.deliverExternalEvent(ev, x.GetInitiatedEventId(), x.GetCause())

	default:
		return fmt.Errorf("history event %d (%s) is not an input the workflow code can handle", ev.GetEventId(), eventKind(ev))
	}
	return nil
}

// signalChannel returns the channel of a signal name, creating it (with an
// unbounded buffer) on first use by a signal or by GetSignalChannel.
func (e *Execution) signalChannel(name string) *channelImpl {
	c, ok := e.signals[name]
	if !ok {
		c = newChannel(name, -1)
		lazymap.Set(&e.signals, name, c)
	}
	return c
}

// RunsCode reports whether input event ev is one the workflow code reacts
// to, so that recording it calls for a workflow task: anything but a
// command, a WorkflowTaskCompleted, a failed attempt (a retry follows, the
// code sees nothing) and the inputs that close the run (terminated, timed
// out). The engine decides with it when to run the code.
func RunsCode(ev *journalpb.Event) bool {
	switch ev.GetAttributes().(type) {
	case nil, *journalpb.Event_WorkflowTaskCompleted, *journalpb.Event_ActivityTaskAttemptFailed,
		*journalpb.Event_WorkflowExecutionTerminated, *journalpb.Event_WorkflowExecutionTimedOut:
		return false
	}
	return !isCommandEvent(ev)
}

// isCommandEvent reports whether ev is an event that workflow code produces.
func isCommandEvent(ev *journalpb.Event) bool {
	switch ev.GetAttributes().(type) {
	case *journalpb.Event_ActivityTaskScheduled, *journalpb.Event_ActivityTaskCancelRequested,
		*journalpb.Event_TimerStarted, *journalpb.Event_TimerCanceled, *journalpb.Event_MarkerRecorded,
		*journalpb.Event_WorkflowExecutionCompleted, *journalpb.Event_WorkflowExecutionFailed,
		*journalpb.Event_WorkflowExecutionCanceled, *journalpb.Event_WorkflowExecutionContinuedAsNew,
		*journalpb.Event_StartChildWorkflowExecutionInitiated, *journalpb.Event_SignalExternalWorkflowExecutionInitiated,
		*journalpb.Event_RequestCancelExternalWorkflowExecutionInitiated, *journalpb.Event_WorkflowExecutionUpdateCompleted,
		*journalpb.Event_UpsertWorkflowSearchAttributes, *journalpb.Event_WorkflowPropertiesModified:
		return true
	}
	return false
}

// eventKind names the kind of an event, such as "TimerFired".
func eventKind(ev *journalpb.Event) string {
	if ev.GetAttributes() == nil {
		return "event without attributes"
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", ev.GetAttributes()), "*journalpb.Event_")
}

// describeEvent names an event with the fields that identify a command.
func describeEvent(ev *journalpb.Event) string {
	switch a := ev.GetAttributes().(type) {
	case *journalpb.Event_ActivityTaskScheduled:
		return fmt.Sprintf("ActivityTaskScheduled(seq=%d, activity_type=%q)", a.ActivityTaskScheduled.GetSeq(), a.ActivityTaskScheduled.GetActivityType())
	case *journalpb.Event_ActivityTaskCancelRequested:
		return fmt.Sprintf("ActivityTaskCancelRequested(seq=%d, scheduled_event_id=%d)",
			a.ActivityTaskCancelRequested.GetSeq(), a.ActivityTaskCancelRequested.GetScheduledEventId())
	case *journalpb.Event_TimerStarted:
		return fmt.Sprintf("TimerStarted(seq=%d, timer_id=%q)", a.TimerStarted.GetSeq(), a.TimerStarted.GetTimerId())
	case *journalpb.Event_TimerCanceled:
		return fmt.Sprintf("TimerCanceled(seq=%d, timer_id=%q)", a.TimerCanceled.GetSeq(), a.TimerCanceled.GetTimerId())
	case *journalpb.Event_MarkerRecorded:
		return fmt.Sprintf("MarkerRecorded(seq=%d, marker_name=%q)", a.MarkerRecorded.GetSeq(), a.MarkerRecorded.GetMarkerName())
	case *journalpb.Event_StartChildWorkflowExecutionInitiated:
		x := a.StartChildWorkflowExecutionInitiated
		return fmt.Sprintf("StartChildWorkflowExecutionInitiated(seq=%d, workflow_type=%q, workflow_id=%q)", x.GetSeq(), x.GetWorkflowType(), x.GetWorkflowId())
	case *journalpb.Event_SignalExternalWorkflowExecutionInitiated:
		x := a.SignalExternalWorkflowExecutionInitiated
		return fmt.Sprintf("SignalExternalWorkflowExecutionInitiated(seq=%d, workflow_id=%q, signal_name=%q)", x.GetSeq(), x.GetWorkflowId(), x.GetSignalName())
	case *journalpb.Event_RequestCancelExternalWorkflowExecutionInitiated:
		x := a.RequestCancelExternalWorkflowExecutionInitiated
		return fmt.Sprintf("RequestCancelExternalWorkflowExecutionInitiated(seq=%d, workflow_id=%q)", x.GetSeq(), x.GetWorkflowId())
	case *journalpb.Event_UpsertWorkflowSearchAttributes:
		return fmt.Sprintf("UpsertWorkflowSearchAttributes(seq=%d)", a.UpsertWorkflowSearchAttributes.GetSeq())
	case *journalpb.Event_WorkflowPropertiesModified:
		return fmt.Sprintf("WorkflowPropertiesModified(seq=%d)", a.WorkflowPropertiesModified.GetSeq())
	case *journalpb.Event_WorkflowExecutionUpdateCompleted:
		x := a.WorkflowExecutionUpdateCompleted
		return fmt.Sprintf("WorkflowExecutionUpdateCompleted(seq=%d, update_id=%q)", x.GetSeq(), x.GetUpdateId())
	}
	return eventKind(ev)
}

// commandMatches reports whether the command the code produced (cmd) is
// the one recorded in the history (rec): same kind, sequence number and
// identity (activity type, timer ID, marker name, target).
func commandMatches(cmd, rec *journalpb.Event) bool {
	switch c := cmd.GetAttributes().(type) {
	case *journalpb.Event_ActivityTaskScheduled:
		r := rec.GetActivityTaskScheduled()
		return r != nil && r.GetSeq() == c.ActivityTaskScheduled.GetSeq() &&
			r.GetActivityType() == c.ActivityTaskScheduled.GetActivityType()
	case *journalpb.Event_ActivityTaskCancelRequested:
		r := rec.GetActivityTaskCancelRequested()
		return r != nil && r.GetSeq() == c.ActivityTaskCancelRequested.GetSeq() &&
			r.GetScheduledEventId() == c.ActivityTaskCancelRequested.GetScheduledEventId()
	case *journalpb.Event_TimerStarted:
		r := rec.GetTimerStarted()
		return r != nil && r.GetSeq() == c.TimerStarted.GetSeq() && r.GetTimerId() == c.TimerStarted.GetTimerId()
	case *journalpb.Event_TimerCanceled:
		r := rec.GetTimerCanceled()
		return r != nil && r.GetSeq() == c.TimerCanceled.GetSeq() && r.GetStartedEventId() == c.TimerCanceled.GetStartedEventId()
	case *journalpb.Event_MarkerRecorded:
		r := rec.GetMarkerRecorded()
		return r != nil && r.GetSeq() == c.MarkerRecorded.GetSeq() && r.GetMarkerName() == c.MarkerRecorded.GetMarkerName()
	case *journalpb.Event_StartChildWorkflowExecutionInitiated:
		r := rec.GetStartChildWorkflowExecutionInitiated()
		return r != nil && r.GetSeq() == c.StartChildWorkflowExecutionInitiated.GetSeq() &&
			r.GetWorkflowType() == c.StartChildWorkflowExecutionInitiated.GetWorkflowType() &&
			r.GetWorkflowId() == c.StartChildWorkflowExecutionInitiated.GetWorkflowId()
	case *journalpb.Event_SignalExternalWorkflowExecutionInitiated:
		r := rec.GetSignalExternalWorkflowExecutionInitiated()
		return r != nil && r.GetSeq() == c.SignalExternalWorkflowExecutionInitiated.GetSeq() &&
			r.GetWorkflowId() == c.SignalExternalWorkflowExecutionInitiated.GetWorkflowId() &&
			r.GetSignalName() == c.SignalExternalWorkflowExecutionInitiated.GetSignalName()
	case *journalpb.Event_RequestCancelExternalWorkflowExecutionInitiated:
		r := rec.GetRequestCancelExternalWorkflowExecutionInitiated()
		return r != nil && r.GetSeq() == c.RequestCancelExternalWorkflowExecutionInitiated.GetSeq() &&
			r.GetWorkflowId() == c.RequestCancelExternalWorkflowExecutionInitiated.GetWorkflowId()
	case *journalpb.Event_UpsertWorkflowSearchAttributes:
		r := rec.GetUpsertWorkflowSearchAttributes()
		return r != nil && r.GetSeq() == c.UpsertWorkflowSearchAttributes.GetSeq()
	case *journalpb.Event_WorkflowPropertiesModified:
		r := rec.GetWorkflowPropertiesModified()
		return r != nil && r.GetSeq() == c.WorkflowPropertiesModified.GetSeq()
	case *journalpb.Event_WorkflowExecutionUpdateCompleted:
		r := rec.GetWorkflowExecutionUpdateCompleted()
		return r != nil && r.GetSeq() == c.WorkflowExecutionUpdateCompleted.GetSeq() &&
			r.GetUpdateId() == c.WorkflowExecutionUpdateCompleted.GetUpdateId()
	}
	return eventKind(cmd) == eventKind(rec)
}

// matchCommands checks the commands a replayed task produced against the
// command events recorded after its WorkflowTaskCompleted (wtcID). next is
// the event after the recorded commands, or nil at the end of the history.
func matchCommands(cmds []*command, recorded []*journalpb.Event, wtcID int64, next *journalpb.Event) error {
	for i := 0; i < max(len(cmds), len(recorded)); i++ {
		switch {
		case i >= len(recorded):
			cmd := describeEvent(cmds[i].event)
			nde := &NonDeterminismError{EventID: wtcID + int64(i) + 1, Command: cmd}
			if next == nil {
				nde.Message = fmt.Sprintf("the workflow code produced %s as event %d, but the history ends with event %d",
					cmd, nde.EventID, nde.EventID-1)
			} else {
				nde.EventType = eventKind(next)
				nde.Message = fmt.Sprintf("the workflow code produced %s, but history event %d is %s, not a command",
					cmd, nde.EventID, nde.EventType)
			}
			return nde
		case i >= len(cmds):
			rec := recorded[i]
			return &NonDeterminismError{
				EventID:   rec.GetEventId(),
				EventType: eventKind(rec),
				Message: fmt.Sprintf("history event %d is %s, but the workflow code produced no command there",
					rec.GetEventId(), describeEvent(rec)),
			}
		case !commandMatches(cmds[i].event, recorded[i]):
			rec := recorded[i]
			cmd := describeEvent(cmds[i].event)
			return &NonDeterminismError{
				EventID:   rec.GetEventId(),
				EventType: eventKind(rec),
				Command:   cmd,
				Message: fmt.Sprintf("history event %d is %s, but the workflow code produced %s",
					rec.GetEventId(), describeEvent(rec), cmd),
			}
		}
	}
	return nil
}
