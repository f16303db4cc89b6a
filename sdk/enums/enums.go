// Package enums holds the enumerations that Temporal code takes from
// go.temporal.io/api/enums/v1, under the same names, so that code using
// them ports by changing the import path.
package enums

import "github.com/grainflow/grainflow/journal/journalpb"

// ParentClosePolicy is what happens to a running child workflow when its
// parent closes.
type ParentClosePolicy = journalpb.ParentClosePolicy

// The parent close policies. Unspecified means terminate.
const (
	PARENT_CLOSE_POLICY_UNSPECIFIED    = journalpb.ParentClosePolicy_PARENT_CLOSE_POLICY_UNSPECIFIED
	PARENT_CLOSE_POLICY_TERMINATE      = journalpb.ParentClosePolicy_PARENT_CLOSE_POLICY_TERMINATE
	PARENT_CLOSE_POLICY_ABANDON        = journalpb.ParentClosePolicy_PARENT_CLOSE_POLICY_ABANDON
	PARENT_CLOSE_POLICY_REQUEST_CANCEL = journalpb.ParentClosePolicy_PARENT_CLOSE_POLICY_REQUEST_CANCEL
)

// IndexedValueType is the type of a search attribute.
type IndexedValueType = journalpb.IndexedValueType

// The search attribute types.
const (
	INDEXED_VALUE_TYPE_UNSPECIFIED  = journalpb.IndexedValueType_INDEXED_VALUE_TYPE_UNSPECIFIED
	INDEXED_VALUE_TYPE_TEXT         = journalpb.IndexedValueType_INDEXED_VALUE_TYPE_TEXT
	INDEXED_VALUE_TYPE_KEYWORD      = journalpb.IndexedValueType_INDEXED_VALUE_TYPE_KEYWORD
	INDEXED_VALUE_TYPE_INT          = journalpb.IndexedValueType_INDEXED_VALUE_TYPE_INT
	INDEXED_VALUE_TYPE_DOUBLE       = journalpb.IndexedValueType_INDEXED_VALUE_TYPE_DOUBLE
	INDEXED_VALUE_TYPE_BOOL         = journalpb.IndexedValueType_INDEXED_VALUE_TYPE_BOOL
	INDEXED_VALUE_TYPE_DATETIME     = journalpb.IndexedValueType_INDEXED_VALUE_TYPE_DATETIME
	INDEXED_VALUE_TYPE_KEYWORD_LIST = journalpb.IndexedValueType_INDEXED_VALUE_TYPE_KEYWORD_LIST
)

// WorkflowIdReusePolicy decides whether the ID of a closed workflow may
// start a new run (client.StartWorkflowOptions and
// workflow.ChildWorkflowOptions).
type WorkflowIdReusePolicy = journalpb.WorkflowIdReusePolicy

// The workflow ID reuse policies. Unspecified means allow duplicate.
// TERMINATE_IF_RUNNING is deprecated, as in Temporal: use ALLOW_DUPLICATE
// with WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING.
const (
	WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED                 = journalpb.WorkflowIdReusePolicy_WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED
	WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE             = journalpb.WorkflowIdReusePolicy_WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE
	WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY = journalpb.WorkflowIdReusePolicy_WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY
	WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE            = journalpb.WorkflowIdReusePolicy_WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE
	WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING        = journalpb.WorkflowIdReusePolicy_WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING
)

// WorkflowIdConflictPolicy decides what a start does when a run with the
// workflow ID is open (client.StartWorkflowOptions).
type WorkflowIdConflictPolicy = journalpb.WorkflowIdConflictPolicy

// The workflow ID conflict policies. Unspecified means fail.
const (
	WORKFLOW_ID_CONFLICT_POLICY_UNSPECIFIED        = journalpb.WorkflowIdConflictPolicy_WORKFLOW_ID_CONFLICT_POLICY_UNSPECIFIED
	WORKFLOW_ID_CONFLICT_POLICY_FAIL               = journalpb.WorkflowIdConflictPolicy_WORKFLOW_ID_CONFLICT_POLICY_FAIL
	WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING       = journalpb.WorkflowIdConflictPolicy_WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING
	WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING = journalpb.WorkflowIdConflictPolicy_WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING
)

// TimeoutType says which timeout a TimeoutError reports
// (temporal.TimeoutError.TimeoutType).
type TimeoutType = journalpb.TimeoutType

// The timeout types.
const (
	TIMEOUT_TYPE_UNSPECIFIED       = journalpb.TimeoutType_TIMEOUT_TYPE_UNSPECIFIED
	TIMEOUT_TYPE_START_TO_CLOSE    = journalpb.TimeoutType_TIMEOUT_TYPE_START_TO_CLOSE
	TIMEOUT_TYPE_SCHEDULE_TO_START = journalpb.TimeoutType_TIMEOUT_TYPE_SCHEDULE_TO_START
	TIMEOUT_TYPE_SCHEDULE_TO_CLOSE = journalpb.TimeoutType_TIMEOUT_TYPE_SCHEDULE_TO_CLOSE
	TIMEOUT_TYPE_HEARTBEAT         = journalpb.TimeoutType_TIMEOUT_TYPE_HEARTBEAT
)

// RetryState says why an activity or workflow stopped being retried
// (temporal.ActivityError.RetryState, ChildWorkflowExecutionError.RetryState).
type RetryState = journalpb.RetryState

// The retry states.
const (
	RETRY_STATE_UNSPECIFIED              = journalpb.RetryState_RETRY_STATE_UNSPECIFIED
	RETRY_STATE_IN_PROGRESS              = journalpb.RetryState_RETRY_STATE_IN_PROGRESS
	RETRY_STATE_NON_RETRYABLE_FAILURE    = journalpb.RetryState_RETRY_STATE_NON_RETRYABLE_FAILURE
	RETRY_STATE_TIMEOUT                  = journalpb.RetryState_RETRY_STATE_TIMEOUT
	RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED = journalpb.RetryState_RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED
	RETRY_STATE_RETRY_POLICY_NOT_SET     = journalpb.RetryState_RETRY_STATE_RETRY_POLICY_NOT_SET
	RETRY_STATE_INTERNAL_SERVER_ERROR    = journalpb.RetryState_RETRY_STATE_INTERNAL_SERVER_ERROR
	RETRY_STATE_CANCEL_REQUESTED         = journalpb.RetryState_RETRY_STATE_CANCEL_REQUESTED
)
