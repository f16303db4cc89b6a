package internal

import (
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// details holds error details either as the values given to a constructor
// or as payloads decoded from a failure, whichever the error came from.
type details struct {
	values   []any
	payloads EncodedValues
}

func (d details) has() bool {
	return len(d.values) > 0 || (d.payloads != nil && d.payloads.HasValues())
}

// get decodes the details into valuePtrs.
func (d details) get(valuePtrs ...any) error {
	if d.payloads != nil {
		return d.payloads.Get(valuePtrs...)
	}
	if len(d.values) == 0 {
		return ErrNoValue
	}
	// Round-trip through the default converter so callers see the same
	// behaviour whether the error crossed the journal or not.
	p, err := GetDefaultDataConverter().ToPayloads(d.values...)
	if err != nil {
		return err
	}
	return GetDefaultDataConverter().FromPayloads(p, valuePtrs...)
}

func (d details) encode(dc DataConverter) *journalpb.Payloads {
	if d.payloads != nil {
		if ev, ok := d.payloads.(encodedValues); ok {
			return ev.payloads
		}
	}
	p, err := dc.ToPayloads(d.values...)
	if err != nil {
		return nil
	}
	return p
}

// ApplicationError is an error raised by workflow or activity code. Its Type
// (by default the Go type name of the original error) drives retry policies'
// NonRetryableErrorTypes.
type ApplicationError struct {
	msg            string
	errType        string
	nonRetryable   bool
	cause          error
	details        details
	nextRetryDelay time.Duration
}

// ApplicationErrorOptions configures NewApplicationErrorWithOptions.
type ApplicationErrorOptions struct {
	NonRetryable   bool
	Cause          error
	Details        []any
	NextRetryDelay time.Duration
}

// NewApplicationError returns an application error.
func NewApplicationError(msg, errType string, nonRetryable bool, cause error, detailValues ...any) error {
	return &ApplicationError{msg: msg, errType: errType, nonRetryable: nonRetryable, cause: cause, details: details{values: detailValues}}
}

// NewApplicationErrorWithOptions returns an application error configured by opts.
func NewApplicationErrorWithOptions(msg, errType string, opts ApplicationErrorOptions) error {
	return &ApplicationError{msg: msg, errType: errType, nonRetryable: opts.NonRetryable, cause: opts.Cause,
		details: details{values: opts.Details}, nextRetryDelay: opts.NextRetryDelay}
}

func (e *ApplicationError) Error() string {
	s := e.msg
	if e.errType != "" {
		s = fmt.Sprintf("%s (type: %s, retryable: %t)", s, e.errType, !e.nonRetryable)
	}
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

// Message returns the message without type or cause.
func (e *ApplicationError) Message() string { return e.msg }

// Type returns the error type, the key of NonRetryableErrorTypes.
func (e *ApplicationError) Type() string { return e.errType }

// NonRetryable reports whether the error stops retries regardless of policy.
func (e *ApplicationError) NonRetryable() bool { return e.nonRetryable }

// HasDetails reports whether the error carries details.
func (e *ApplicationError) HasDetails() bool { return e.details.has() }

// Details decodes the error's details into valuePtrs.
func (e *ApplicationError) Details(valuePtrs ...any) error { return e.details.get(valuePtrs...) }

// NextRetryDelay overrides the retry policy's next interval when non-zero.
func (e *ApplicationError) NextRetryDelay() time.Duration { return e.nextRetryDelay }

func (e *ApplicationError) Unwrap() error { return e.cause }

// CanceledError means an operation was canceled.
type CanceledError struct{ details details }

// NewCanceledError returns a canceled error with optional details.
func NewCanceledError(detailValues ...any) *CanceledError {
	return &CanceledError{details: details{values: detailValues}}
}

func (e *CanceledError) Error() string { return "canceled" }

// HasDetails reports whether the error carries details.
func (e *CanceledError) HasDetails() bool { return e.details.has() }

// Details decodes the details into valuePtrs.
func (e *CanceledError) Details(valuePtrs ...any) error { return e.details.get(valuePtrs...) }

// TimeoutError means an activity, a workflow or a context deadline timed out.
type TimeoutError struct {
	msg              string
	timeoutType      journalpb.TimeoutType
	cause            error
	heartbeatDetails details
}

// NewTimeoutError returns a timeout error of the given type. lastHeartbeat
// are the activity's last heartbeat details, if any.
func NewTimeoutError(msg string, timeoutType journalpb.TimeoutType, cause error, lastHeartbeat ...any) *TimeoutError {
	return &TimeoutError{msg: msg, timeoutType: timeoutType, cause: cause, heartbeatDetails: details{values: lastHeartbeat}}
}

func (e *TimeoutError) Error() string {
	s := fmt.Sprintf("%s (type: %s)", e.msg, e.timeoutType)
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

// Message returns the message without the type.
func (e *TimeoutError) Message() string { return e.msg }

// TimeoutType says which timeout fired.
func (e *TimeoutError) TimeoutType() journalpb.TimeoutType { return e.timeoutType }

// HasLastHeartbeatDetails reports whether the activity heartbeated details.
func (e *TimeoutError) HasLastHeartbeatDetails() bool { return e.heartbeatDetails.has() }

// LastHeartbeatDetails decodes the last heartbeat details into valuePtrs.
func (e *TimeoutError) LastHeartbeatDetails(valuePtrs ...any) error {
	return e.heartbeatDetails.get(valuePtrs...)
}

func (e *TimeoutError) Unwrap() error { return e.cause }

// ActivityError is what workflow code gets when an activity fails for good;
// the cause says why (ApplicationError, TimeoutError, CanceledError, ...).
type ActivityError struct {
	scheduledEventID int64
	activityType     string
	activityID       string
	retryState       journalpb.RetryState
	cause            error
}

// NewActivityError returns an ActivityError.
func NewActivityError(scheduledEventID int64, activityType, activityID string, retryState journalpb.RetryState, cause error) *ActivityError {
	return &ActivityError{scheduledEventID: scheduledEventID, activityType: activityType, activityID: activityID, retryState: retryState, cause: cause}
}

func (e *ActivityError) Error() string {
	return fmt.Sprintf("activity error (type: %s, scheduledEventID: %d, activityID: %s, retryState: %s): %v",
		e.activityType, e.scheduledEventID, e.activityID, e.retryState, e.cause)
}

func (e *ActivityError) Unwrap() error { return e.cause }

// ScheduledEventID is the ID of the ActivityTaskScheduled event.
func (e *ActivityError) ScheduledEventID() int64 { return e.scheduledEventID }

// ActivityType returns the activity's type.
func (e *ActivityError) ActivityType() *ActivityType { return &ActivityType{Name: e.activityType} }

// ActivityID returns the activity's ID.
func (e *ActivityError) ActivityID() string { return e.activityID }

// RetryState says why retries stopped.
func (e *ActivityError) RetryState() journalpb.RetryState { return e.retryState }

// PanicError is a panic in workflow or activity code, with its stack.
type PanicError struct {
	value      any
	stackTrace string
}

// NewPanicError returns a PanicError for a recovered value and stack.
func NewPanicError(value any, stackTrace string) *PanicError {
	return &PanicError{value: value, stackTrace: stackTrace}
}

func (e *PanicError) Error() string { return fmt.Sprint(e.value) }

// StackTrace returns the stack of the panic.
func (e *PanicError) StackTrace() string { return e.stackTrace }

// TerminatedError means the workflow was terminated.
type TerminatedError struct{}

// NewTerminatedError returns a TerminatedError.
func NewTerminatedError() *TerminatedError { return &TerminatedError{} }

func (e *TerminatedError) Error() string { return "terminated" }

// ServerError is an error of the engine rather than of user code.
type ServerError struct {
	msg          string
	nonRetryable bool
	cause        error
}

// NewServerError returns a ServerError.
func NewServerError(msg string, nonRetryable bool, cause error) *ServerError {
	return &ServerError{msg: msg, nonRetryable: nonRetryable, cause: cause}
}

func (e *ServerError) Error() string { return e.msg }
func (e *ServerError) Unwrap() error { return e.cause }

// WorkflowExecutionError is what WorkflowRun.Get returns for a run that did
// not complete; the cause says how it closed.
type WorkflowExecutionError struct {
	workflowID   string
	runID        string
	workflowType string
	cause        error
}

// NewWorkflowExecutionError returns a WorkflowExecutionError.
func NewWorkflowExecutionError(workflowID, runID, workflowType string, cause error) *WorkflowExecutionError {
	return &WorkflowExecutionError{workflowID: workflowID, runID: runID, workflowType: workflowType, cause: cause}
}

func (e *WorkflowExecutionError) Error() string {
	return fmt.Sprintf("workflow execution error (type: %s, workflowID: %s, runID: %s): %v", e.workflowType, e.workflowID, e.runID, e.cause)
}

func (e *WorkflowExecutionError) Unwrap() error { return e.cause }

// ConvertErrorToFailure serializes err and its chain of causes.
func ConvertErrorToFailure(err error, dc DataConverter) *journalpb.Failure {
	if err == nil {
		return nil
	}
	if dc == nil {
		dc = GetDefaultDataConverter()
	}
	f := &journalpb.Failure{Message: err.Error(), Source: "grainflow"}
	var cause error
	switch e := err.(type) {
	case *ApplicationError:
		f.Message = e.msg
		info := &journalpb.ApplicationFailureInfo{Type: e.errType, NonRetryable: e.nonRetryable, Details: e.details.encode(dc)}
		if e.nextRetryDelay > 0 {
			info.NextRetryDelay = durationpb.New(e.nextRetryDelay)
		}
		f.Info = &journalpb.Failure_Application{Application: info}
		cause = e.cause
	case *CanceledError:
		f.Info = &journalpb.Failure_Canceled{Canceled: &journalpb.CanceledFailureInfo{Details: e.details.encode(dc)}}
	case *TimeoutError:
		f.Message = e.msg
		f.Info = &journalpb.Failure_Timeout{Timeout: &journalpb.TimeoutFailureInfo{TimeoutType: e.timeoutType, LastHeartbeatDetails: e.heartbeatDetails.encode(dc)}}
		cause = e.cause
	case *ActivityError:
		f.Message = "activity error"
		f.Info = &journalpb.Failure_Activity{Activity: &journalpb.ActivityFailureInfo{
			ScheduledEventId: e.scheduledEventID, ActivityType: e.activityType, ActivityId: e.activityID, RetryState: e.retryState}}
		cause = e.cause
	case *PanicError:
		f.StackTrace = e.stackTrace
		f.Info = &journalpb.Failure_Application{Application: &journalpb.ApplicationFailureInfo{Type: "PanicError", NonRetryable: true}}
	case *TerminatedError:
		f.Info = &journalpb.Failure_Terminated{Terminated: &journalpb.TerminatedFailureInfo{}}
	case *ServerError:
		f.Info = &journalpb.Failure_Server{Server: &journalpb.ServerFailureInfo{NonRetryable: e.nonRetryable}}
		cause = e.cause
	case *WorkflowExecutionError:
		return ConvertErrorToFailure(e.cause, dc)
	default:
		// A plain Go error: an application error typed by its Go type, so
		// retry policies can name it; its wrapped errors are flattened into
		// the message.
		f.Info = &journalpb.Failure_Application{Application: &journalpb.ApplicationFailureInfo{Type: errorTypeName(err)}}
	}
	f.Cause = ConvertErrorToFailure(cause, dc)
	return f
}

// errorTypeName is the type name Temporal reports for a plain Go error:
// the unqualified name of its dynamic type, without the pointer star.
func errorTypeName(err error) string {
	t := fmt.Sprintf("%T", err)
	for len(t) > 0 && t[0] == '*' {
		t = t[1:]
	}
	if i := lastDot(t); i >= 0 {
		t = t[i+1:]
	}
	return t
}

func lastDot(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}

// ConvertFailureToError rebuilds the error a failure was made from.
func ConvertFailureToError(f *journalpb.Failure, dc DataConverter) error {
	if f == nil {
		return nil
	}
	if dc == nil {
		dc = GetDefaultDataConverter()
	}
	cause := ConvertFailureToError(f.GetCause(), dc)
	switch info := f.GetInfo().(type) {
	case *journalpb.Failure_Application:
		a := info.Application
		if a.GetType() == "PanicError" {
			return NewPanicError(f.GetMessage(), f.GetStackTrace())
		}
		return &ApplicationError{msg: f.GetMessage(), errType: a.GetType(), nonRetryable: a.GetNonRetryable(), cause: cause,
			details: details{payloads: NewEncodedValues(a.GetDetails(), dc)}, nextRetryDelay: a.GetNextRetryDelay().AsDuration()}
	case *journalpb.Failure_Canceled:
		return &CanceledError{details: details{payloads: NewEncodedValues(info.Canceled.GetDetails(), dc)}}
	case *journalpb.Failure_Timeout:
		return &TimeoutError{msg: f.GetMessage(), timeoutType: info.Timeout.GetTimeoutType(), cause: cause,
			heartbeatDetails: details{payloads: NewEncodedValues(info.Timeout.GetLastHeartbeatDetails(), dc)}}
	case *journalpb.Failure_Activity:
		a := info.Activity
		return NewActivityError(a.GetScheduledEventId(), a.GetActivityType(), a.GetActivityId(), a.GetRetryState(), cause)
	case *journalpb.Failure_Terminated:
		return NewTerminatedError()
	case *journalpb.Failure_Server:
		return NewServerError(f.GetMessage(), info.Server.GetNonRetryable(), cause)
	}
	if cause != nil {
		return fmt.Errorf("%s: %w", f.GetMessage(), cause)
	}
	return errors.New(f.GetMessage())
}
