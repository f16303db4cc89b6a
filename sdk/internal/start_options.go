package internal

import (
	"time"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// StartWorkflowOptions configures how a workflow starts: the client's
// ExecuteWorkflow and SignalWithStartWorkflow (as client.StartWorkflowOptions)
// and the test environment's ExecuteWorkflow (SetStartWorkflowOptions).
type StartWorkflowOptions struct {
	// ID is the workflow ID; a random UUID if empty.
	ID string
	// TaskQueue names the workers that run the workflow. Required.
	TaskQueue string
	// WorkflowExecutionTimeout bounds the whole execution, retries included.
	WorkflowExecutionTimeout time.Duration
	// WorkflowRunTimeout bounds one run.
	WorkflowRunTimeout time.Duration
	// WorkflowTaskTimeout is accepted for compatibility; workflow tasks run
	// inside the node, so it has no effect.
	WorkflowTaskTimeout time.Duration
	// WorkflowIDReusePolicy decides whether the ID of a closed workflow may
	// start a new run (default: allow duplicate). A refused start returns
	// a WorkflowExecutionAlreadyStartedError.
	WorkflowIDReusePolicy journalpb.WorkflowIdReusePolicy
	// WorkflowIDConflictPolicy decides what happens when a run with the ID
	// is still open (default: fail).
	WorkflowIDConflictPolicy journalpb.WorkflowIdConflictPolicy
	// WorkflowExecutionErrorWhenAlreadyStarted makes ExecuteWorkflow return
	// the already-started error instead of a handle to the running workflow.
	WorkflowExecutionErrorWhenAlreadyStarted bool
	// RetryPolicy retries the workflow when it fails.
	RetryPolicy *RetryPolicy
	// Memo is stored with the workflow and returned by describe and
	// ListWorkflow; workflow.UpsertMemo changes it.
	Memo map[string]any
	// TypedSearchAttributes are the workflow's indexed attributes at its
	// start, which ListWorkflow and CountWorkflow filter on;
	// workflow.UpsertTypedSearchAttributes changes them.
	TypedSearchAttributes SearchAttributes
	// SearchAttributes is the untyped form of TypedSearchAttributes: the
	// type follows the Go value (string is Keyword).
	SearchAttributes map[string]any
	// CronSchedule repeats the workflow on a cron schedule (five fields, or
	// a descriptor such as "@every 1h"): each run starts at the schedule's
	// next time after the previous one closed, and can read the previous
	// result with workflow.GetLastCompletionResult. Canceling or
	// terminating the current run ends the schedule.
	CronSchedule string
	// StartDelay postpones the workflow's first run of its code: the start
	// is recorded (and the ID taken) at once; signals sent meanwhile are
	// recorded and handled when the code runs.
	StartDelay time.Duration
}
