package internal

import (
	"fmt"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// CloseError returns how the run that closed with event ev ended, as the
// error a caller waiting for the run sees: nil for a completed run, the
// decoded failure for a failed one, a CanceledError, TerminatedError or
// TimeoutError, or a *ContinueAsNewError describing the next run.
func CloseError(ev *journalpb.Event, dc DataConverter) error {
	if dc == nil {
		dc = GetDefaultDataConverter()
	}
	switch attrs := ev.GetAttributes().(type) {
	case *journalpb.Event_WorkflowExecutionCompleted:
		return nil
	case *journalpb.Event_WorkflowExecutionFailed:
		return ConvertFailureToError(attrs.WorkflowExecutionFailed.GetFailure(), dc)
	case *journalpb.Event_WorkflowExecutionCanceled:
		return NewCanceledError(NewEncodedValues(attrs.WorkflowExecutionCanceled.GetDetails(), dc))
	case *journalpb.Event_WorkflowExecutionTerminated:
		return NewTerminatedError()
	case *journalpb.Event_WorkflowExecutionTimedOut:
		return NewTimeoutError("workflow timed out", journalpb.TimeoutType_TIMEOUT_TYPE_START_TO_CLOSE, nil)
	case *journalpb.Event_WorkflowExecutionContinuedAsNew:
		x := attrs.WorkflowExecutionContinuedAsNew
		return &ContinueAsNewError{
			WorkflowType:       &WorkflowType{Name: x.GetWorkflowType()},
			Input:              x.GetInput(),
			TaskQueueName:      x.GetTaskQueue(),
			WorkflowRunTimeout: x.GetWorkflowRunTimeout().AsDuration(),
		}
	}
	return fmt.Errorf("event %d (%s) does not close a workflow", ev.GetEventId(), eventKind(ev))
}

// CloseStatus is the status an event closes the run with, or UNSPECIFIED.
func CloseStatus(ev *journalpb.Event) journalpb.WorkflowStatus {
	switch ev.GetAttributes().(type) {
	case *journalpb.Event_WorkflowExecutionCompleted:
		return journalpb.WorkflowStatus_WORKFLOW_STATUS_COMPLETED
	case *journalpb.Event_WorkflowExecutionFailed:
		return journalpb.WorkflowStatus_WORKFLOW_STATUS_FAILED
	case *journalpb.Event_WorkflowExecutionCanceled:
		return journalpb.WorkflowStatus_WORKFLOW_STATUS_CANCELED
	case *journalpb.Event_WorkflowExecutionTerminated:
		return journalpb.WorkflowStatus_WORKFLOW_STATUS_TERMINATED
	case *journalpb.Event_WorkflowExecutionTimedOut:
		return journalpb.WorkflowStatus_WORKFLOW_STATUS_TIMED_OUT
	case *journalpb.Event_WorkflowExecutionContinuedAsNew:
		return journalpb.WorkflowStatus_WORKFLOW_STATUS_CONTINUED_AS_NEW
	}
	return journalpb.WorkflowStatus_WORKFLOW_STATUS_UNSPECIFIED
}

// isCloseEvent reports whether ev closes a run.
func isCloseEvent(ev *journalpb.Event) bool {
	return CloseStatus(ev) != journalpb.WorkflowStatus_WORKFLOW_STATUS_UNSPECIFIED
}
