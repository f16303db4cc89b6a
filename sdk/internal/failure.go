package internal

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// failureSource is the Failure.source of failures built by this SDK.
const failureSource = "GrainflowGoSDK"

// panicErrorType is the ApplicationFailureInfo.type that marks a panic.
const panicErrorType = "PanicError"

// childAlreadyStartedType is the ApplicationFailureInfo.type of a
// ChildWorkflowExecutionAlreadyStartedError.
const childAlreadyStartedType = "ChildWorkflowExecutionAlreadyStarted"

// errorDetails holds the details of an error: either the values given to a
// constructor, or encoded values (from a failure, or passed to the
// constructor as its single detail).
type errorDetails struct {
	values  []any
	encoded EncodedValues
}

func newErrorDetails(values []any) errorDetails {
	if len(values) == 1 {
		if ev, ok := values[0].(EncodedValues); ok {
			return errorDetails{encoded: ev}
		}
	}
	return errorDetails{values: values}
}

func (d errorDetails) has() bool {
	if d.encoded != nil {
		return d.encoded.HasValues()
	}
	return len(d.values) > 0
}

// get decodes the details into valuePtrs. Values given to a constructor
// are encoded and decoded with the default converter, so that code reading
// details sees the same conversions whether or not the error crossed the
// journal.
func (d errorDetails) get(valuePtrs ...any) error {
	if d.encoded != nil {
		return d.encoded.Get(valuePtrs...)
	}
	if len(d.values) == 0 {
		return ErrNoData
	}
	p, err := GetDefaultDataConverter().ToPayloads(d.values...)
	if err != nil {
		return fmt.Errorf("error details: %w", err)
	}
	return GetDefaultDataConverter().FromPayloads(p, valuePtrs...)
}

// encode returns the details as payloads for a failure.
func (d errorDetails) encode(dc DataConverter) (*journalpb.Payloads, error) {
	if d.encoded != nil {
		ev, ok := d.encoded.(encodedValues)
		if !ok {
			return nil, fmt.Errorf("error details of type %T cannot be re-encoded", d.encoded)
		}
		return ev.payloads, nil
	}
	return dc.ToPayloads(d.values...)
}

// ApplicationErrorCategory classifies an application error for logging and
// metrics. It is kept in memory only: the journal's failure schema has no
// field for it, so it does not survive ConvertErrorToFailure.
type ApplicationErrorCategory int

// The application error categories.
const (
	// ApplicationErrorCategoryUnspecified is the default category.
	ApplicationErrorCategoryUnspecified ApplicationErrorCategory = iota
	// ApplicationErrorCategoryBenign marks an error expected in normal
	// operation, not worth an alert.
	ApplicationErrorCategoryBenign
)

// ApplicationError is an error raised by workflow or activity code. Its type
// (given explicitly, or the Go type name of a plain error converted to a
// failure) is what RetryPolicy.NonRetryableErrorTypes lists.
type ApplicationError struct {
	msg            string
	errType        string
	nonRetryable   bool
	cause          error
	details        errorDetails
	nextRetryDelay time.Duration
	category       ApplicationErrorCategory
	failure        *journalpb.Failure
}

// ApplicationErrorOptions configures NewApplicationErrorWithOptions. Every
// field is optional.
type ApplicationErrorOptions struct {
	// NonRetryable stops retries whatever the retry policy says.
	NonRetryable bool
	// Cause is the error that led to this one.
	Cause error
	// Details are values the handler of the error can decode with Details.
	Details []any
	// NextRetryDelay, if positive, replaces the delay the retry policy
	// would compute before the next attempt of the failed activity.
	NextRetryDelay time.Duration
	// Category classifies the error for logging and metrics.
	Category ApplicationErrorCategory
}

// NewApplicationError returns an application error of type errType.
func NewApplicationError(msg, errType string, nonRetryable bool, cause error, details ...any) error {
	return &ApplicationError{msg: msg, errType: errType, nonRetryable: nonRetryable, cause: cause, details: newErrorDetails(details)}
}

// NewApplicationErrorWithOptions returns an application error configured by opts.
func NewApplicationErrorWithOptions(msg, errType string, opts ApplicationErrorOptions) error {
	return &ApplicationError{msg: msg, errType: errType, nonRetryable: opts.NonRetryable, cause: opts.Cause,
		details: newErrorDetails(opts.Details), nextRetryDelay: opts.NextRetryDelay, category: opts.Category}
}

// NewPayloadValidationError returns a non-retryable application error of
// type "PayloadValidationError" for input that fails validation, carrying
// details as its single detail unless details is nil.
func NewPayloadValidationError(details any) error {
	if details == nil {
		return NewApplicationError("payload validation failed", "PayloadValidationError", true, nil)
	}
	return NewApplicationError("payload validation failed", "PayloadValidationError", true, nil, details)
}

func (e *ApplicationError) Error() string {
	s := e.msg
	if e.errType != "" {
		s = fmt.Sprintf("%s (type: %s, retryable: %t)", s, e.errType, !e.nonRetryable)
	}
	return withCause(s, e.cause)
}

// Message returns the message without type or cause.
func (e *ApplicationError) Message() string { return e.msg }

// Type returns the error type, the name RetryPolicy.NonRetryableErrorTypes
// matches.
func (e *ApplicationError) Type() string { return e.errType }

// NonRetryable reports whether the error stops retries regardless of policy.
func (e *ApplicationError) NonRetryable() bool { return e.nonRetryable }

// HasDetails reports whether the error carries details.
func (e *ApplicationError) HasDetails() bool { return e.details.has() }

// Details decodes the error's details into valuePtrs, or returns ErrNoData.
func (e *ApplicationError) Details(valuePtrs ...any) error { return e.details.get(valuePtrs...) }

// NextRetryDelay returns the delay that replaces the retry policy's next
// interval; zero means the policy decides.
func (e *ApplicationError) NextRetryDelay() time.Duration { return e.nextRetryDelay }

// Category returns the error's category.
func (e *ApplicationError) Category() ApplicationErrorCategory { return e.category }

// Unwrap returns the cause.
func (e *ApplicationError) Unwrap() error { return e.cause }

// Failure returns the failure the error was converted from, or nil. Do not
// modify it.
func (e *ApplicationError) Failure() *journalpb.Failure { return e.failure }

// CanceledError means an operation (an activity, a timer, the workflow) was
// canceled. Return one from an activity or a workflow to report that it
// stopped because it was asked to.
type CanceledError struct {
	msg     string
	details errorDetails
	cause   error
	failure *journalpb.Failure
}

// CanceledErrorOptions configures NewCanceledErrorWithOptions.
type CanceledErrorOptions struct {
	// Message defaults to "canceled".
	Message string
	// Details are values the handler of the error can decode with Details.
	Details []any
	// Cause is the error that led to the cancellation.
	Cause error
}

// NewCanceledError returns a canceled error with optional details.
func NewCanceledError(details ...any) *CanceledError {
	return NewCanceledErrorWithOptions(CanceledErrorOptions{Details: details})
}

// NewCanceledErrorWithOptions returns a canceled error configured by opts.
func NewCanceledErrorWithOptions(opts CanceledErrorOptions) *CanceledError {
	msg := opts.Message
	if msg == "" {
		msg = "canceled"
	}
	return &CanceledError{msg: msg, details: newErrorDetails(opts.Details), cause: opts.Cause}
}

func (e *CanceledError) Error() string { return withCause(e.msg, e.cause) }

// HasDetails reports whether the error carries details.
func (e *CanceledError) HasDetails() bool { return e.details.has() }

// Details decodes the details into valuePtrs, or returns ErrNoData.
func (e *CanceledError) Details(valuePtrs ...any) error { return e.details.get(valuePtrs...) }

// Unwrap returns the cause.
func (e *CanceledError) Unwrap() error { return e.cause }

// Failure returns the failure the error was converted from, or nil. Do not
// modify it.
func (e *CanceledError) Failure() *journalpb.Failure { return e.failure }

// TimeoutError means an activity, a workflow or a context deadline timed
// out; TimeoutType says which timeout.
type TimeoutError struct {
	msg                  string
	timeoutType          journalpb.TimeoutType
	cause                error
	lastHeartbeatDetails errorDetails
	failure              *journalpb.Failure
}

// NewTimeoutError returns a timeout error of the given type. cause is the
// error of the last attempt, if any; lastHeartbeatDetails are the
// activity's last heartbeat details, if any.
func NewTimeoutError(msg string, timeoutType journalpb.TimeoutType, cause error, lastHeartbeatDetails ...any) *TimeoutError {
	return &TimeoutError{msg: msg, timeoutType: timeoutType, cause: cause, lastHeartbeatDetails: newErrorDetails(lastHeartbeatDetails)}
}

func (e *TimeoutError) Error() string {
	return withCause(fmt.Sprintf("%s (type: %s)", e.msg, e.timeoutType), e.cause)
}

// Message returns the message without type or cause.
func (e *TimeoutError) Message() string { return e.msg }

// TimeoutType says which timeout fired.
func (e *TimeoutError) TimeoutType() journalpb.TimeoutType { return e.timeoutType }

// HasLastHeartbeatDetails reports whether the activity heartbeated details.
func (e *TimeoutError) HasLastHeartbeatDetails() bool { return e.lastHeartbeatDetails.has() }

// LastHeartbeatDetails decodes the activity's last heartbeat details into
// valuePtrs, or returns ErrNoData.
func (e *TimeoutError) LastHeartbeatDetails(valuePtrs ...any) error {
	return e.lastHeartbeatDetails.get(valuePtrs...)
}

// Unwrap returns the cause.
func (e *TimeoutError) Unwrap() error { return e.cause }

// Failure returns the failure the error was converted from, or nil. Do not
// modify it.
func (e *TimeoutError) Failure() *journalpb.Failure { return e.failure }

// ActivityError is what workflow code gets when an activity fails for good:
// Unwrap (or errors.As) gives the cause (ApplicationError, TimeoutError,
// CanceledError, PanicError...), RetryState says why retries stopped.
type ActivityError struct {
	scheduledEventID int64
	identity         string
	activityType     string
	activityID       string
	retryState       journalpb.RetryState
	cause            error
	failure          *journalpb.Failure
}

// NewActivityError returns an ActivityError for the activity scheduled by
// event scheduledEventID.
func NewActivityError(scheduledEventID int64, activityType, activityID string, retryState journalpb.RetryState, cause error) *ActivityError {
	return &ActivityError{scheduledEventID: scheduledEventID, activityType: activityType, activityID: activityID, retryState: retryState, cause: cause}
}

func (e *ActivityError) Error() string {
	return withCause(fmt.Sprintf("activity error (type: %s, scheduledEventID: %d, activityID: %s, retryState: %s)",
		e.activityType, e.scheduledEventID, e.activityID, e.retryState), e.cause)
}

// Unwrap returns the cause.
func (e *ActivityError) Unwrap() error { return e.cause }

// ScheduledEventID returns the ID of the ActivityTaskScheduled event.
func (e *ActivityError) ScheduledEventID() int64 { return e.scheduledEventID }

// Identity returns the identity of the worker that ran the last attempt,
// when the failure recorded one.
func (e *ActivityError) Identity() string { return e.identity }

// ActivityType returns the activity's type.
func (e *ActivityError) ActivityType() *ActivityType { return &ActivityType{Name: e.activityType} }

// ActivityID returns the activity's ID.
func (e *ActivityError) ActivityID() string { return e.activityID }

// RetryState says why retries stopped.
func (e *ActivityError) RetryState() journalpb.RetryState { return e.retryState }

// Failure returns the failure the error was converted from, or nil. Do not
// modify it.
func (e *ActivityError) Failure() *journalpb.Failure { return e.failure }

// PanicError is a panic in workflow or activity code, with its stack.
type PanicError struct {
	value      any
	stackTrace string
	// retryable is set for activity panics, which the activity's retry
	// policy may retry; a workflow panic is not retried.
	retryable bool
	failure   *journalpb.Failure
}

// NewPanicError returns the error of a panic in workflow code, for a
// workflow that fails on panics. Its failure is non-retryable, so a
// workflow retry policy does not run code that panicked again. Activity
// panics, which are retryable, come from RunActivity.
func NewPanicError(value any, stackTrace string) *PanicError {
	return &PanicError{value: value, stackTrace: stackTrace}
}

func newActivityPanicError(value any, stackTrace string) *PanicError {
	return &PanicError{value: value, stackTrace: stackTrace, retryable: true}
}

func (e *PanicError) Error() string { return fmt.Sprint(e.value) }

// StackTrace returns the stack of the panicking goroutine.
func (e *PanicError) StackTrace() string { return e.stackTrace }

// Failure returns the failure the error was converted from, or nil. Do not
// modify it.
func (e *PanicError) Failure() *journalpb.Failure { return e.failure }

// TerminatedError means the workflow was terminated.
type TerminatedError struct {
	failure *journalpb.Failure
}

// NewTerminatedError returns a TerminatedError.
func NewTerminatedError() *TerminatedError { return &TerminatedError{} }

func (e *TerminatedError) Error() string { return "terminated" }

// Failure returns the failure the error was converted from, or nil. Do not
// modify it.
func (e *TerminatedError) Failure() *journalpb.Failure { return e.failure }

// ServerError is an error of the engine rather than of user code.
type ServerError struct {
	msg          string
	nonRetryable bool
	cause        error
	failure      *journalpb.Failure
}

// NewServerError returns a ServerError.
func NewServerError(msg string, nonRetryable bool, cause error) *ServerError {
	return &ServerError{msg: msg, nonRetryable: nonRetryable, cause: cause}
}

func (e *ServerError) Error() string { return withCause(e.msg, e.cause) }

// Message returns the message without the cause.
func (e *ServerError) Message() string { return e.msg }

// Unwrap returns the cause.
func (e *ServerError) Unwrap() error { return e.cause }

// Failure returns the failure the error was converted from, or nil. Do not
// modify it.
func (e *ServerError) Failure() *journalpb.Failure { return e.failure }

// ChildWorkflowExecutionError is what workflow code gets when a child
// workflow does not complete: Unwrap (or errors.As) gives how it ended
// (ApplicationError, CanceledError, TerminatedError, TimeoutError...), or a
// *ChildWorkflowExecutionAlreadyStartedError when it could not be started.
type ChildWorkflowExecutionError struct {
	namespace        string
	workflowID       string
	runID            string
	workflowType     string
	initiatedEventID int64
	startedEventID   int64
	retryState       journalpb.RetryState
	cause            error
	failure          *journalpb.Failure
}

// NewChildWorkflowExecutionError returns a ChildWorkflowExecutionError.
func NewChildWorkflowExecutionError(namespace, workflowID, runID, workflowType string, initiatedEventID, startedEventID int64,
	retryState journalpb.RetryState, cause error) *ChildWorkflowExecutionError {
	return &ChildWorkflowExecutionError{namespace: namespace, workflowID: workflowID, runID: runID, workflowType: workflowType,
		initiatedEventID: initiatedEventID, startedEventID: startedEventID, retryState: retryState, cause: cause}
}

func (e *ChildWorkflowExecutionError) Error() string {
	return withCause(fmt.Sprintf("child workflow execution error (type: %s, workflowID: %s, runID: %s, initiatedEventID: %d, startedEventID: %d, retryState: %s)",
		e.workflowType, e.workflowID, e.runID, e.initiatedEventID, e.startedEventID, e.retryState), e.cause)
}

// Unwrap returns how the child ended.
func (e *ChildWorkflowExecutionError) Unwrap() error { return e.cause }

// Namespace returns the child's namespace.
func (e *ChildWorkflowExecutionError) Namespace() string { return e.namespace }

// WorkflowID returns the child's workflow ID.
func (e *ChildWorkflowExecutionError) WorkflowID() string { return e.workflowID }

// RunID returns the child's run ID ("" if it never started).
func (e *ChildWorkflowExecutionError) RunID() string { return e.runID }

// WorkflowType returns the child's workflow type.
func (e *ChildWorkflowExecutionError) WorkflowType() string { return e.workflowType }

// InitiatedEventID returns the ID of the parent's StartChildWorkflowExecutionInitiated event.
func (e *ChildWorkflowExecutionError) InitiatedEventID() int64 { return e.initiatedEventID }

// StartedEventID returns the ID of the parent's ChildWorkflowExecutionStarted event.
func (e *ChildWorkflowExecutionError) StartedEventID() int64 { return e.startedEventID }

// RetryState says why the child's retries stopped.
func (e *ChildWorkflowExecutionError) RetryState() journalpb.RetryState { return e.retryState }

// Failure returns the failure the error was converted from, or nil.
func (e *ChildWorkflowExecutionError) Failure() *journalpb.Failure { return e.failure }

// ChildWorkflowExecutionAlreadyStartedError is the cause of a
// ChildWorkflowExecutionError when a workflow with the child's ID is
// already running (or its ID reuse policy refused a new run).
type ChildWorkflowExecutionAlreadyStartedError struct{}

func (*ChildWorkflowExecutionAlreadyStartedError) Error() string {
	return "child workflow execution already started"
}

// WorkflowExecutionError is what WorkflowRun.Get returns for a run that did
// not complete; Unwrap gives how it closed (ApplicationError, CanceledError,
// TerminatedError, TimeoutError, PanicError...).
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
	return withCause(fmt.Sprintf("workflow execution error (type: %s, workflowID: %s, runID: %s)", e.workflowType, e.workflowID, e.runID), e.cause)
}

// Unwrap returns how the run closed.
func (e *WorkflowExecutionError) Unwrap() error { return e.cause }

func withCause(msg string, cause error) string {
	if cause == nil {
		return msg
	}
	return msg + ": " + cause.Error()
}

// failureHolder is an error converted from a failure, which converts back
// to that failure unchanged.
type failureHolder interface {
	Failure() *journalpb.Failure
}

// ConvertErrorToFailure serializes err and its chain of causes (as
// errors.Unwrap walks it) for the journal. The SDK's error types keep their
// kind and attributes; any other error becomes a retryable application
// failure whose type is the error's Go type name (for example "MyError"),
// and its wrapped error becomes the cause. An error that was converted from
// a failure converts back to a copy of that failure. Details that dc cannot
// encode are dropped, and the failure's message says so.
func ConvertErrorToFailure(err error, dc DataConverter) *journalpb.Failure {
	if err == nil {
		return nil
	}
	if dc == nil {
		dc = GetDefaultDataConverter()
	}
	if h, ok := err.(failureHolder); ok && h.Failure() != nil {
		return proto.CloneOf(h.Failure())
	}
	f := &journalpb.Failure{Message: err.Error(), Source: failureSource}
	// encodeDetails encodes error details, noting in the message when it
	// cannot: losing the details is better than losing the failure.
	encodeDetails := func(d errorDetails) *journalpb.Payloads {
		p, encErr := d.encode(dc)
		if encErr != nil {
			f.Message += fmt.Sprintf(" (details dropped: %v)", encErr)
		}
		return p
	}
	switch e := err.(type) {
	case *ApplicationError:
		f.Message = e.msg
		info := &journalpb.ApplicationFailureInfo{Type: e.errType, NonRetryable: e.nonRetryable, Details: encodeDetails(e.details)}
		if e.nextRetryDelay > 0 {
			info.NextRetryDelay = durationpb.New(e.nextRetryDelay)
		}
		f.Info = &journalpb.Failure_Application{Application: info}
	case *CanceledError:
		f.Message = e.msg
		f.Info = &journalpb.Failure_Canceled{Canceled: &journalpb.CanceledFailureInfo{Details: encodeDetails(e.details)}}
	case *TimeoutError:
		f.Message = e.msg
		f.Info = &journalpb.Failure_Timeout{Timeout: &journalpb.TimeoutFailureInfo{
			TimeoutType: e.timeoutType, LastHeartbeatDetails: encodeDetails(e.lastHeartbeatDetails)}}
	case *ActivityError:
		f.Message = "activity error"
		f.Info = &journalpb.Failure_Activity{Activity: &journalpb.ActivityFailureInfo{
			ScheduledEventId: e.scheduledEventID, Identity: e.identity, ActivityType: e.activityType,
			ActivityId: e.activityID, RetryState: e.retryState}}
	case *PanicError:
		f.StackTrace = e.stackTrace
		f.Info = &journalpb.Failure_Application{Application: &journalpb.ApplicationFailureInfo{Type: panicErrorType, NonRetryable: !e.retryable}}
	case *TerminatedError:
		f.Info = &journalpb.Failure_Terminated{Terminated: &journalpb.TerminatedFailureInfo{}}
	case *ServerError:
		f.Message = e.msg
		f.Info = &journalpb.Failure_Server{Server: &journalpb.ServerFailureInfo{NonRetryable: e.nonRetryable}}
	case *ChildWorkflowExecutionError:
		f.Message = "child workflow execution error"
		f.Info = &journalpb.Failure_ChildWorkflowExecution{ChildWorkflowExecution: &journalpb.ChildWorkflowExecutionFailureInfo{
			Namespace: e.namespace, WorkflowId: e.workflowID, RunId: e.runID, WorkflowType: e.workflowType,
			InitiatedEventId: e.initiatedEventID, StartedEventId: e.startedEventID, RetryState: e.retryState}}
	case *ChildWorkflowExecutionAlreadyStartedError:
		f.Info = &journalpb.Failure_Application{Application: &journalpb.ApplicationFailureInfo{Type: childAlreadyStartedType, NonRetryable: true}}
	default:
		f.Info = &journalpb.Failure_Application{Application: &journalpb.ApplicationFailureInfo{Type: errorTypeName(err)}}
	}
	f.Cause = ConvertErrorToFailure(errors.Unwrap(err), dc)
	return f
}

// errorTypeName is the application error type of a plain Go error: the
// name of its dynamic type without pointers or package ("MyError" for a
// *mypkg.MyError). Errors made by errors.New have no meaningful type name
// and get "".
func errorTypeName(err error) string {
	t := reflect.TypeOf(err)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeOf(errors.New("")).Elem() {
		return ""
	}
	// Instances of generic types are named like "Wrapper[pkg.T]"; keep the
	// part before the type arguments.
	name, _, _ := strings.Cut(t.Name(), "[")
	return name
}

// ConvertFailureToError rebuilds the error a failure was made from, with
// its chain of causes. Details stay encoded until read, and are decoded
// with dc (the default converter if nil). Each error in the chain keeps its
// failure, so converting it back gives the same failure.
func ConvertFailureToError(f *journalpb.Failure, dc DataConverter) error {
	if f == nil {
		return nil
	}
	if dc == nil {
		dc = GetDefaultDataConverter()
	}
	return failureToError(proto.CloneOf(f), dc)
}

func failureToError(f *journalpb.Failure, dc DataConverter) error {
	if f == nil {
		return nil
	}
	cause := failureToError(f.GetCause(), dc)
	switch info := f.GetInfo().(type) {
	case *journalpb.Failure_Application:
		a := info.Application
		if a.GetType() == childAlreadyStartedType {
			return &ChildWorkflowExecutionAlreadyStartedError{}
		}
		if a.GetType() == panicErrorType {
			return &PanicError{value: f.GetMessage(), stackTrace: f.GetStackTrace(), retryable: !a.GetNonRetryable(), failure: f}
		}
		return &ApplicationError{msg: f.GetMessage(), errType: a.GetType(), nonRetryable: a.GetNonRetryable(), cause: cause,
			details: errorDetails{encoded: NewEncodedValues(a.GetDetails(), dc)}, nextRetryDelay: a.GetNextRetryDelay().AsDuration(), failure: f}
	case *journalpb.Failure_Canceled:
		return &CanceledError{msg: f.GetMessage(), details: errorDetails{encoded: NewEncodedValues(info.Canceled.GetDetails(), dc)}, cause: cause, failure: f}
	case *journalpb.Failure_Timeout:
		return &TimeoutError{msg: f.GetMessage(), timeoutType: info.Timeout.GetTimeoutType(), cause: cause,
			lastHeartbeatDetails: errorDetails{encoded: NewEncodedValues(info.Timeout.GetLastHeartbeatDetails(), dc)}, failure: f}
	case *journalpb.Failure_Activity:
		a := info.Activity
		return &ActivityError{scheduledEventID: a.GetScheduledEventId(), identity: a.GetIdentity(), activityType: a.GetActivityType(),
			activityID: a.GetActivityId(), retryState: a.GetRetryState(), cause: cause, failure: f}
	case *journalpb.Failure_Terminated:
		return &TerminatedError{failure: f}
	case *journalpb.Failure_Server:
		return &ServerError{msg: f.GetMessage(), nonRetryable: info.Server.GetNonRetryable(), cause: cause, failure: f}
	case *journalpb.Failure_ChildWorkflowExecution:
		c := info.ChildWorkflowExecution
		return &ChildWorkflowExecutionError{namespace: c.GetNamespace(), workflowID: c.GetWorkflowId(), runID: c.GetRunId(),
			workflowType: c.GetWorkflowType(), initiatedEventID: c.GetInitiatedEventId(), startedEventID: c.GetStartedEventId(),
			retryState: c.GetRetryState(), cause: cause, failure: f}
	}
	// A failure of no known kind: keep its message and cause.
	if cause != nil {
		return fmt.Errorf("%s: %w", f.GetMessage(), cause)
	}
	return errors.New(f.GetMessage())
}
