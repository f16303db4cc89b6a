package journalpb

import "fmt"

// EventType names the kind of a history event with Temporal's numbering
// (temporal.api.enums.v1.EventType), so that code written against
// Temporal's histories (event.GetEventType() == enums.EVENT_TYPE_...)
// ports. It is derived from the event's attributes, not stored: the oneof
// of Event is the event's type. Written by hand, not generated, because it
// is not part of the journal's format.
type EventType int32

// The event types grainflow records, with Temporal's values. grainflow
// records no workflow-task scheduled, started, failed or timed-out events
// and no activity-task started events, so GetEventType never returns those
// (their constants exist for code that names them).
// EventType_EVENT_TYPE_ACTIVITY_TASK_ATTEMPT_FAILED is grainflow's own: a
// failed attempt that will be retried, which Temporal does not record.
const (
	EventType_EVENT_TYPE_UNSPECIFIED                                          EventType = 0
	EventType_EVENT_TYPE_WORKFLOW_EXECUTION_STARTED                           EventType = 1
	EventType_EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED                         EventType = 2
	EventType_EVENT_TYPE_WORKFLOW_EXECUTION_FAILED                            EventType = 3
	EventType_EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT                         EventType = 4
	EventType_EVENT_TYPE_WORKFLOW_TASK_SCHEDULED                              EventType = 5
	EventType_EVENT_TYPE_WORKFLOW_TASK_STARTED                                EventType = 6
	EventType_EVENT_TYPE_WORKFLOW_TASK_COMPLETED                              EventType = 7
	EventType_EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT                              EventType = 8
	EventType_EVENT_TYPE_WORKFLOW_TASK_FAILED                                 EventType = 9
	EventType_EVENT_TYPE_ACTIVITY_TASK_SCHEDULED                              EventType = 10
	EventType_EVENT_TYPE_ACTIVITY_TASK_STARTED                                EventType = 11
	EventType_EVENT_TYPE_ACTIVITY_TASK_COMPLETED                              EventType = 12
	EventType_EVENT_TYPE_ACTIVITY_TASK_FAILED                                 EventType = 13
	EventType_EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT                              EventType = 14
	EventType_EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED                       EventType = 15
	EventType_EVENT_TYPE_ACTIVITY_TASK_CANCELED                               EventType = 16
	EventType_EVENT_TYPE_TIMER_STARTED                                        EventType = 17
	EventType_EVENT_TYPE_TIMER_FIRED                                          EventType = 18
	EventType_EVENT_TYPE_TIMER_CANCELED                                       EventType = 19
	EventType_EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED                  EventType = 20
	EventType_EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED                          EventType = 21
	EventType_EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED EventType = 22
	EventType_EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED    EventType = 23
	EventType_EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED         EventType = 24
	EventType_EVENT_TYPE_MARKER_RECORDED                                      EventType = 25
	EventType_EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED                          EventType = 26
	EventType_EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED                        EventType = 27
	EventType_EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW                  EventType = 28
	EventType_EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED             EventType = 29
	EventType_EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED                EventType = 30
	EventType_EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED                     EventType = 31
	EventType_EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED                   EventType = 32
	EventType_EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED                      EventType = 33
	EventType_EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED                    EventType = 34
	EventType_EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT                   EventType = 35
	EventType_EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED                  EventType = 36
	EventType_EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED         EventType = 37
	EventType_EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED            EventType = 38
	EventType_EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED                 EventType = 39
	EventType_EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES                    EventType = 40
	EventType_EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED                   EventType = 41
	EventType_EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED                  EventType = 43
	EventType_EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED                         EventType = 46

	EventType_EVENT_TYPE_ACTIVITY_TASK_ATTEMPT_FAILED EventType = 1000
)

var eventTypeNames = map[EventType]string{
	EventType_EVENT_TYPE_UNSPECIFIED:                                          "EVENT_TYPE_UNSPECIFIED",
	EventType_EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:                           "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED",
	EventType_EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:                         "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED",
	EventType_EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:                            "EVENT_TYPE_WORKFLOW_EXECUTION_FAILED",
	EventType_EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:                         "EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT",
	EventType_EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:                              "EVENT_TYPE_WORKFLOW_TASK_SCHEDULED",
	EventType_EVENT_TYPE_WORKFLOW_TASK_STARTED:                                "EVENT_TYPE_WORKFLOW_TASK_STARTED",
	EventType_EVENT_TYPE_WORKFLOW_TASK_COMPLETED:                              "EVENT_TYPE_WORKFLOW_TASK_COMPLETED",
	EventType_EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:                              "EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT",
	EventType_EVENT_TYPE_WORKFLOW_TASK_FAILED:                                 "EVENT_TYPE_WORKFLOW_TASK_FAILED",
	EventType_EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:                              "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED",
	EventType_EVENT_TYPE_ACTIVITY_TASK_STARTED:                                "EVENT_TYPE_ACTIVITY_TASK_STARTED",
	EventType_EVENT_TYPE_ACTIVITY_TASK_COMPLETED:                              "EVENT_TYPE_ACTIVITY_TASK_COMPLETED",
	EventType_EVENT_TYPE_ACTIVITY_TASK_FAILED:                                 "EVENT_TYPE_ACTIVITY_TASK_FAILED",
	EventType_EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:                              "EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT",
	EventType_EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED:                       "EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED",
	EventType_EVENT_TYPE_ACTIVITY_TASK_CANCELED:                               "EVENT_TYPE_ACTIVITY_TASK_CANCELED",
	EventType_EVENT_TYPE_TIMER_STARTED:                                        "EVENT_TYPE_TIMER_STARTED",
	EventType_EVENT_TYPE_TIMER_FIRED:                                          "EVENT_TYPE_TIMER_FIRED",
	EventType_EVENT_TYPE_TIMER_CANCELED:                                       "EVENT_TYPE_TIMER_CANCELED",
	EventType_EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED:                  "EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED",
	EventType_EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:                          "EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED",
	EventType_EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED: "EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED",
	EventType_EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED:    "EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED",
	EventType_EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED:         "EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED",
	EventType_EVENT_TYPE_MARKER_RECORDED:                                      "EVENT_TYPE_MARKER_RECORDED",
	EventType_EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:                          "EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED",
	EventType_EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:                        "EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED",
	EventType_EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:                  "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW",
	EventType_EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:             "EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED",
	EventType_EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED:                "EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED",
	EventType_EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED:                     "EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED",
	EventType_EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:                   "EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED",
	EventType_EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED:                      "EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED",
	EventType_EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED:                    "EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED",
	EventType_EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT:                   "EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT",
	EventType_EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED:                  "EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED",
	EventType_EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:         "EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED",
	EventType_EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED:            "EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED",
	EventType_EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED:                 "EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED",
	EventType_EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:                    "EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES",
	EventType_EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:                   "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED",
	EventType_EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:                  "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED",
	EventType_EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED:                         "EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED",
	EventType_EVENT_TYPE_ACTIVITY_TASK_ATTEMPT_FAILED:                         "EVENT_TYPE_ACTIVITY_TASK_ATTEMPT_FAILED",
}

// String returns the constant's name without the EventType_ prefix.
func (t EventType) String() string {
	if n, ok := eventTypeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("EventType(%d)", int32(t))
}

// GetEventType returns the type of the event's attributes, or
// EVENT_TYPE_UNSPECIFIED for an event without attributes (or a child close
// whose close event is not a close).
func (x *Event) GetEventType() EventType {
	switch a := x.GetAttributes().(type) {
	case *Event_WorkflowExecutionStarted:
		return EventType_EVENT_TYPE_WORKFLOW_EXECUTION_STARTED
	case *Event_WorkflowExecutionCompleted:
		return EventType_EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
	case *Event_WorkflowExecutionFailed:
		return EventType_EVENT_TYPE_WORKFLOW_EXECUTION_FAILED
	case *Event_WorkflowExecutionCanceled:
		return EventType_EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED
	case *Event_WorkflowExecutionTerminated:
		return EventType_EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED
	case *Event_WorkflowExecutionTimedOut:
		return EventType_EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT
	case *Event_WorkflowExecutionSignaled:
		return EventType_EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
	case *Event_WorkflowExecutionCancelRequested:
		return EventType_EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED
	case *Event_WorkflowTaskCompleted:
		return EventType_EVENT_TYPE_WORKFLOW_TASK_COMPLETED
	case *Event_WorkflowExecutionContinuedAsNew:
		return EventType_EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
	case *Event_ActivityTaskScheduled:
		return EventType_EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
	case *Event_ActivityTaskCompleted:
		return EventType_EVENT_TYPE_ACTIVITY_TASK_COMPLETED
	case *Event_ActivityTaskFailed:
		return EventType_EVENT_TYPE_ACTIVITY_TASK_FAILED
	case *Event_ActivityTaskTimedOut:
		return EventType_EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT
	case *Event_ActivityTaskCancelRequested:
		return EventType_EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED
	case *Event_ActivityTaskCanceled:
		return EventType_EVENT_TYPE_ACTIVITY_TASK_CANCELED
	case *Event_ActivityTaskAttemptFailed:
		return EventType_EVENT_TYPE_ACTIVITY_TASK_ATTEMPT_FAILED
	case *Event_TimerStarted:
		return EventType_EVENT_TYPE_TIMER_STARTED
	case *Event_TimerFired:
		return EventType_EVENT_TYPE_TIMER_FIRED
	case *Event_TimerCanceled:
		return EventType_EVENT_TYPE_TIMER_CANCELED
	case *Event_MarkerRecorded:
		return EventType_EVENT_TYPE_MARKER_RECORDED
	case *Event_StartChildWorkflowExecutionInitiated:
		return EventType_EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED
	case *Event_StartChildWorkflowExecutionFailed:
		return EventType_EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED
	case *Event_ChildWorkflowExecutionStarted:
		return EventType_EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED
	case *Event_ChildWorkflowExecutionClosed:
		// One grainflow event stands for Temporal's five child close events.
		switch a.ChildWorkflowExecutionClosed.GetCloseEvent().GetEventType() {
		case EventType_EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
			return EventType_EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED
		case EventType_EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
			return EventType_EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED
		case EventType_EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
			return EventType_EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED
		case EventType_EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
			return EventType_EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT
		case EventType_EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
			return EventType_EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED
		}
	case *Event_SignalExternalWorkflowExecutionInitiated:
		return EventType_EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED
	case *Event_SignalExternalWorkflowExecutionFailed:
		return EventType_EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED
	case *Event_ExternalWorkflowExecutionSignaled:
		return EventType_EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED
	case *Event_RequestCancelExternalWorkflowExecutionInitiated:
		return EventType_EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED
	case *Event_RequestCancelExternalWorkflowExecutionFailed:
		return EventType_EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED
	case *Event_ExternalWorkflowExecutionCancelRequested:
		return EventType_EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED
	case *Event_UpsertWorkflowSearchAttributes:
		return EventType_EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES
	case *Event_WorkflowPropertiesModified:
		return EventType_EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED
	case *Event_WorkflowExecutionUpdateAccepted:
		return EventType_EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
	case *Event_WorkflowExecutionUpdateCompleted:
		return EventType_EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED
	}
	return EventType_EVENT_TYPE_UNSPECIFIED
}
