package internal

import (
	"time"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// WorkflowExecution identifies one run of a workflow.
type WorkflowExecution struct {
	// ID is the workflow ID.
	ID string
	// RunID identifies the run.
	RunID string
}

// WorkflowType names a workflow function.
type WorkflowType struct {
	// Name is the registered name of the workflow function.
	Name string
}

// WorkflowInfo describes the running workflow; workflow.GetInfo returns it.
type WorkflowInfo struct {
	// WorkflowExecution is the workflow ID and run ID.
	WorkflowExecution WorkflowExecution
	// OriginalRunID is the run ID the run was started with.
	OriginalRunID string
	// FirstRunID is the run ID of the first run in a chain of retries.
	FirstRunID string
	// ContinuedExecutionRunID is the run this one follows when it was
	// started by a continue-as-new, a retry or a cron schedule; empty for a
	// first run.
	ContinuedExecutionRunID string
	// WorkflowType is the workflow's registered name.
	WorkflowType WorkflowType
	// TaskQueueName is the task queue the workflow runs on.
	TaskQueueName string
	// WorkflowExecutionTimeout bounds the workflow including retries.
	WorkflowExecutionTimeout time.Duration
	// WorkflowRunTimeout bounds one run.
	WorkflowRunTimeout time.Duration
	// WorkflowTaskTimeout bounds one workflow task.
	WorkflowTaskTimeout time.Duration
	// Namespace is the workflow's namespace.
	Namespace string
	// Attempt is 1 for the first run and grows with each retry.
	Attempt int32
	// WorkflowStartTime is when the run started.
	WorkflowStartTime time.Time
	// RetryPolicy is the workflow's retry policy, if it has one.
	RetryPolicy *RetryPolicy
	// CronSchedule is the workflow's cron schedule, if it repeats.
	CronSchedule string
	// ParentWorkflowNamespace and ParentWorkflowExecution name the workflow
	// that started this one as its child; nil for a workflow without one.
	ParentWorkflowNamespace string
	ParentWorkflowExecution *WorkflowExecution
	// RootWorkflowExecution is the first execution of the chain of parents
	// and children this one belongs to; nil for a workflow without a parent.
	RootWorkflowExecution *WorkflowExecution
	// Memo is the run's memo, kept current by UpsertMemo; decode a field
	// with the data converter's FromPayload.
	Memo *Memo
	// SearchAttributes are the run's search attributes as payloads, kept
	// current by the upserts. GetTypedSearchAttributes reads them typed,
	// which Temporal recommends instead.
	SearchAttributes *EncodedSearchAttributes

	e *Execution
}

// GetCurrentHistoryLength returns the number of events in the workflow's
// history so far.
func (info *WorkflowInfo) GetCurrentHistoryLength() int {
	return int(info.e.lastEventID)
}

// The history size past which continue-as-new is suggested: the defaults of
// the Temporal server's limit.historyCount.suggestContinueAsNew (4 Ki events)
// and limit.historySize.suggestContinueAsNew (4 MiB).
const (
	SuggestContinueAsNewEvents = 4 * 1024
	SuggestContinueAsNewBytes  = 4 * 1024 * 1024
)

// ContinueAsNewSuggestedReason says why GetContinueAsNewSuggested is true.
type ContinueAsNewSuggestedReason int

// The reasons, with Temporal's values. grainflow never reports
// ContinueAsNewSuggestedReasonTooManyUpdates: it does not count updates.
const (
	ContinueAsNewSuggestedReasonUnspecified          ContinueAsNewSuggestedReason = 0
	ContinueAsNewSuggestedReasonHistorySizeTooLarge  ContinueAsNewSuggestedReason = 1
	ContinueAsNewSuggestedReasonTooManyHistoryEvents ContinueAsNewSuggestedReason = 2
	ContinueAsNewSuggestedReasonTooManyUpdates       ContinueAsNewSuggestedReason = 3
)

// GetCurrentHistorySize returns the encoded size in bytes of the events in
// the workflow's history so far. Like GetCurrentHistoryLength it is the
// history before the current workflow task (its inputs included), so it is
// the same when the task is replayed.
func (info *WorkflowInfo) GetCurrentHistorySize() int {
	return int(info.e.historySize())
}

// GetContinueAsNewSuggested reports whether the run's history has grown past
// the point where Temporal's server suggests continuing as new: 4,096 events
// or 4 MiB (its default limits). A workflow that runs indefinitely checks it
// between steps and returns a ContinueAsNewError once it is true, so its
// history, replayed whenever the run is reloaded, stays bounded. grainflow
// records no workflow-task scheduled and started events, so the same work
// takes fewer events than on Temporal and the event limit is reached later.
func (info *WorkflowInfo) GetContinueAsNewSuggested() bool {
	return len(info.GetContinueAsNewSuggestedReasons()) > 0
}

// GetContinueAsNewSuggestedReasons returns why continue-as-new is suggested
// (empty when it is not).
func (info *WorkflowInfo) GetContinueAsNewSuggestedReasons() []ContinueAsNewSuggestedReason {
	var reasons []ContinueAsNewSuggestedReason
	if info.e.historySize() >= SuggestContinueAsNewBytes {
		reasons = append(reasons, ContinueAsNewSuggestedReasonHistorySizeTooLarge)
	}
	if info.e.lastEventID >= SuggestContinueAsNewEvents {
		reasons = append(reasons, ContinueAsNewSuggestedReasonTooManyHistoryEvents)
	}
	return reasons
}

// Memo is a run's memo fields. Temporal's WorkflowInfo.Memo is an API
// message with the same field and getter, so code that reads
// info.Memo.GetFields() ports unchanged.
type Memo struct {
	Fields map[string]*journalpb.Payload
}

// GetFields returns the memo's fields (nil for a nil Memo).
func (m *Memo) GetFields() map[string]*journalpb.Payload {
	if m == nil {
		return nil
	}
	return m.Fields
}

// EncodedSearchAttributes are a run's search attributes as payloads, in
// the shape of Temporal's API message (IndexedFields, GetIndexedFields).
type EncodedSearchAttributes struct {
	IndexedFields map[string]*journalpb.Payload
}

// GetIndexedFields returns the attributes (nil for nil).
func (s *EncodedSearchAttributes) GetIndexedFields() map[string]*journalpb.Payload {
	if s == nil {
		return nil
	}
	return s.IndexedFields
}

// ChildParentExecution is what a child started by event initiatedID of the
// run (namespace, workflowID, runID, started with started) records of its
// parent: the run itself and the root of the run's chain, which is the
// run's own root when it is a child too, else the run.
func ChildParentExecution(namespace, workflowID, runID string, initiatedID int64, started *journalpb.WorkflowExecutionStarted) *journalpb.ParentExecution {
	parent := &journalpb.ParentExecution{Namespace: namespace, WorkflowId: workflowID, RunId: runID, InitiatedEventId: initiatedID,
		RootWorkflowId: workflowID, RootRunId: runID}
	if grand := started.GetParent(); grand != nil {
		parent.RootWorkflowId, parent.RootRunId = grand.GetRootWorkflowId(), grand.GetRootRunId()
	}
	return parent
}
