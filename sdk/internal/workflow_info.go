package internal

import "time"

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

	e *Execution
}

// GetCurrentHistoryLength returns the number of events in the workflow's
// history so far.
func (info *WorkflowInfo) GetCurrentHistoryLength() int {
	return int(info.e.lastEventID)
}
