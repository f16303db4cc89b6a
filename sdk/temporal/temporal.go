// Package temporal holds the retry policy and the error types that workflow
// and activity code raise and inspect, named as in the Temporal Go SDK's
// temporal package. Errors survive the journal: an ApplicationError raised
// by an activity reaches the workflow, wrapped in an ActivityError, with its
// type, message, details and retryability intact.
package temporal

import (
	"errors"

	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/sdk/internal"
)

type (
	// RetryPolicy says how failed activities and workflows are retried.
	RetryPolicy = internal.RetryPolicy
	// ApplicationError is an error raised by user code.
	ApplicationError = internal.ApplicationError
	// ApplicationErrorOptions configures NewApplicationErrorWithOptions.
	ApplicationErrorOptions = internal.ApplicationErrorOptions
	// CanceledError means an operation was canceled.
	CanceledError = internal.CanceledError
	// TimeoutError means something timed out; TimeoutType says what.
	TimeoutError = internal.TimeoutError
	// ActivityError wraps the cause of an activity's final failure.
	ActivityError = internal.ActivityError
	// ChildWorkflowExecutionError wraps how a child workflow ended when it
	// did not complete.
	ChildWorkflowExecutionError = internal.ChildWorkflowExecutionError
	// ChildWorkflowExecutionAlreadyStartedError is the cause of a
	// ChildWorkflowExecutionError when the child's ID is in use.
	ChildWorkflowExecutionAlreadyStartedError = internal.ChildWorkflowExecutionAlreadyStartedError
	// PanicError is a panic in user code, with its stack.
	PanicError = internal.PanicError
	// TerminatedError means the workflow was terminated.
	TerminatedError = internal.TerminatedError
	// ServerError is an error of the engine rather than of user code.
	ServerError = internal.ServerError
	// WorkflowExecutionError is returned by WorkflowRun.Get for a run that
	// did not complete.
	WorkflowExecutionError = internal.WorkflowExecutionError
	// TimeoutType says which timeout fired.
	TimeoutType = journalpb.TimeoutType
	// CanceledErrorOptions configures NewCanceledErrorWithOptions.
	CanceledErrorOptions = internal.CanceledErrorOptions
	// ApplicationErrorCategory classifies an application error for logging
	// and metrics.
	ApplicationErrorCategory = internal.ApplicationErrorCategory
)

// The application error categories.
const (
	ApplicationErrorCategoryUnspecified = internal.ApplicationErrorCategoryUnspecified
	ApplicationErrorCategoryBenign      = internal.ApplicationErrorCategoryBenign
)

// ErrNoData is returned when decoding details that are not there.
var ErrNoData = internal.ErrNoData

// The timeout types.
const (
	TimeoutTypeStartToClose    = journalpb.TimeoutType_TIMEOUT_TYPE_START_TO_CLOSE
	TimeoutTypeScheduleToStart = journalpb.TimeoutType_TIMEOUT_TYPE_SCHEDULE_TO_START
	TimeoutTypeScheduleToClose = journalpb.TimeoutType_TIMEOUT_TYPE_SCHEDULE_TO_CLOSE
	TimeoutTypeHeartbeat       = journalpb.TimeoutType_TIMEOUT_TYPE_HEARTBEAT
)

// NewApplicationError returns a retryable application error of type errType.
func NewApplicationError(message, errType string, details ...any) error {
	return internal.NewApplicationError(message, errType, false, nil, details...)
}

// NewApplicationErrorWithCause returns a retryable application error with a cause.
func NewApplicationErrorWithCause(message, errType string, cause error, details ...any) error {
	return internal.NewApplicationError(message, errType, false, cause, details...)
}

// NewApplicationErrorWithOptions returns an application error configured by options.
func NewApplicationErrorWithOptions(message, errType string, options ApplicationErrorOptions) error {
	return internal.NewApplicationErrorWithOptions(message, errType, options)
}

// NewNonRetryableApplicationError returns an application error that is never
// retried, whatever the retry policy says.
func NewNonRetryableApplicationError(message, errType string, cause error, details ...any) error {
	return internal.NewApplicationError(message, errType, true, cause, details...)
}

// NewCanceledError returns a canceled error with optional details. Return
// it from an activity or a workflow to report that it stopped because it
// was asked to.
func NewCanceledError(details ...any) error { return internal.NewCanceledError(details...) }

// NewCanceledErrorWithOptions returns a canceled error configured by options.
func NewCanceledErrorWithOptions(options CanceledErrorOptions) error {
	return internal.NewCanceledErrorWithOptions(options)
}

// NewTimeoutError returns a timeout error of timeoutType.
func NewTimeoutError(timeoutType TimeoutType, lastErr error, details ...any) error {
	return internal.NewTimeoutError("timeout", timeoutType, lastErr, details...)
}

// NewHeartbeatTimeoutError returns a heartbeat timeout with the last details.
func NewHeartbeatTimeoutError(details ...any) error {
	return internal.NewTimeoutError("heartbeat timeout", TimeoutTypeHeartbeat, nil, details...)
}

// NewPayloadValidationError returns a non-retryable application error of
// type "PayloadValidationError" for input that fails validation, with
// details as its single detail when it is not nil.
func NewPayloadValidationError(details any) error { return internal.NewPayloadValidationError(details) }

// IsApplicationError reports whether err is or wraps an ApplicationError.
func IsApplicationError(err error) bool { return is[*ApplicationError](err) }

// IsCanceledError reports whether err is or wraps a CanceledError.
func IsCanceledError(err error) bool { return is[*CanceledError](err) }

// IsTimeoutError reports whether err is or wraps a TimeoutError.
func IsTimeoutError(err error) bool { return is[*TimeoutError](err) }

// IsPanicError reports whether err is or wraps a PanicError.
func IsPanicError(err error) bool { return is[*PanicError](err) }

// IsTerminatedError reports whether err is or wraps a TerminatedError.
func IsTerminatedError(err error) bool { return is[*TerminatedError](err) }

func is[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

// Search attributes: typed keys, values and updates, for
// client.StartWorkflowOptions.TypedSearchAttributes and
// workflow.UpsertTypedSearchAttributes.
type (
	// SearchAttributes is an immutable set of typed search attribute values.
	SearchAttributes = internal.SearchAttributes
	// SearchAttributeUpdate sets or removes one attribute.
	SearchAttributeUpdate = internal.SearchAttributeUpdate
	// SearchAttributeKey is a typed attribute name.
	SearchAttributeKey = internal.SearchAttributeKey
	// SearchAttributeKeyString is a Text attribute, matched word by word.
	SearchAttributeKeyString = internal.SearchAttributeKeyString
	// SearchAttributeKeyKeyword is a Keyword attribute, matched as a whole and indexed.
	SearchAttributeKeyKeyword = internal.SearchAttributeKeyKeyword
	// SearchAttributeKeyBool is a Bool attribute.
	SearchAttributeKeyBool = internal.SearchAttributeKeyBool
	// SearchAttributeKeyInt64 is an Int attribute.
	SearchAttributeKeyInt64 = internal.SearchAttributeKeyInt64
	// SearchAttributeKeyFloat64 is a Double attribute.
	SearchAttributeKeyFloat64 = internal.SearchAttributeKeyFloat64
	// SearchAttributeKeyTime is a Datetime attribute.
	SearchAttributeKeyTime = internal.SearchAttributeKeyTime
	// SearchAttributeKeyKeywordList is a KeywordList attribute.
	SearchAttributeKeyKeywordList = internal.SearchAttributeKeyKeywordList
)

// NewSearchAttributes returns the attributes the updates set.
func NewSearchAttributes(attributes ...SearchAttributeUpdate) SearchAttributes {
	return internal.NewSearchAttributes(attributes...)
}

// NewSearchAttributeKeyString returns the key of a Text attribute.
func NewSearchAttributeKeyString(name string) SearchAttributeKeyString {
	return internal.NewSearchAttributeKeyString(name)
}

// NewSearchAttributeKeyKeyword returns the key of a Keyword attribute.
func NewSearchAttributeKeyKeyword(name string) SearchAttributeKeyKeyword {
	return internal.NewSearchAttributeKeyKeyword(name)
}

// NewSearchAttributeKeyBool returns the key of a Bool attribute.
func NewSearchAttributeKeyBool(name string) SearchAttributeKeyBool {
	return internal.NewSearchAttributeKeyBool(name)
}

// NewSearchAttributeKeyInt64 returns the key of an Int attribute.
func NewSearchAttributeKeyInt64(name string) SearchAttributeKeyInt64 {
	return internal.NewSearchAttributeKeyInt64(name)
}

// NewSearchAttributeKeyFloat64 returns the key of a Double attribute.
func NewSearchAttributeKeyFloat64(name string) SearchAttributeKeyFloat64 {
	return internal.NewSearchAttributeKeyFloat64(name)
}

// NewSearchAttributeKeyTime returns the key of a Datetime attribute.
func NewSearchAttributeKeyTime(name string) SearchAttributeKeyTime {
	return internal.NewSearchAttributeKeyTime(name)
}

// NewSearchAttributeKeyKeywordList returns the key of a KeywordList attribute.
func NewSearchAttributeKeyKeywordList(name string) SearchAttributeKeyKeywordList {
	return internal.NewSearchAttributeKeyKeywordList(name)
}
