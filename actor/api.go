package actor

import (
	"context"
	"fmt"
	"time"

	"github.com/grainflow/grainflow/journal/journalpb"
	internal "github.com/grainflow/grainflow/sdk/internalbindings"
)

// StartWorkflowRequest is a request to start a workflow run.
type StartWorkflowRequest struct {
	Namespace                string
	WorkflowID               string
	WorkflowType             string
	TaskQueue                string
	Input                    *journalpb.Payloads
	WorkflowExecutionTimeout time.Duration
	WorkflowRunTimeout       time.Duration
	WorkflowTaskTimeout      time.Duration
	RetryPolicy              *journalpb.RetryPolicy
	Memo                     map[string]*journalpb.Payload
	// IDReusePolicy decides whether the ID of a closed workflow may start
	// a new run (unspecified: allow duplicate).
	IDReusePolicy journalpb.WorkflowIdReusePolicy
	// IDConflictPolicy decides what the start does when a run with the ID
	// is open (unspecified: fail).
	IDConflictPolicy journalpb.WorkflowIdConflictPolicy
	// SearchAttributes are the run's indexed attributes at its start.
	SearchAttributes map[string]*journalpb.Payload
	Identity         string
	// CronSchedule (standard five-field cron or a descriptor such as
	// "@every 1h") repeats the workflow; each run starts at the next time.
	CronSchedule string
	// StartDelay postpones the workflow's first workflow task: the start
	// is recorded at once and the code first runs after the delay.
	StartDelay time.Duration

	// parent is set when a workflow starts this one as its child.
	parent *journalpb.ParentExecution
}

// WorkerOptions configures StartWorker.
type WorkerOptions struct {
	// MaxConcurrentActivityExecutionSize bounds concurrently running
	// activities of the task queue (default 1,000).
	MaxConcurrentActivityExecutionSize int
	// FailWorkflowOnPanic fails a workflow whose code panics instead of
	// blocking it until the code is fixed.
	FailWorkflowOnPanic bool
	// DeadlockTimeout overrides the engine's deadlock timeout for this queue.
	DeadlockTimeout time.Duration
	// StopTimeout is how long stopping waits for canceled activities (default 10 s).
	StopTimeout time.Duration
	// DataConverter encodes activity results and decodes arguments (default JSON).
	DataConverter internal.DataConverter
	// Identity is recorded in activity events.
	Identity string
	// BackgroundActivityContext is the parent of every activity attempt's
	// context (default context.Background()): its values are visible to the
	// activities, and canceling it cancels their contexts; an attempt that
	// fails because of that is a failed attempt, retried by its policy.
	BackgroundActivityContext context.Context
}

// WorkflowDescription is what DescribeWorkflow returns.
type WorkflowDescription struct {
	// Meta is the run's journal metadata: type, task queue, status, times,
	// and current memo and search attributes.
	Meta *journalpb.WorkflowMeta
	// HistoryLength is the number of events in the run's history.
	HistoryLength int64
	// PendingActivities are activities scheduled and not yet finished.
	PendingActivities []PendingActivity
	// PendingTimers are timers started and not yet fired or canceled.
	PendingTimers []PendingTimer
	// TaskFailure is set while the workflow's code cannot make progress:
	// a non-determinism error, a panic (with its stack) or a deadlock. The
	// workflow resumes once the code is fixed.
	TaskFailure error
}

// describeRun is what a run's metadata alone describes: all of a closed
// run, or of one that is not the workflow's latest.
func describeRun(meta *journalpb.WorkflowMeta) *WorkflowDescription {
	return &WorkflowDescription{Meta: meta, HistoryLength: meta.GetNextEventId() - 1}
}

// PendingActivity describes an activity in flight.
type PendingActivity struct {
	ScheduledEventID int64
	ActivityID       string
	ActivityType     string
	// Attempt is the current attempt, 1-based.
	Attempt int32
	// Running is true while an attempt executes, false while it waits in the
	// queue or for its retry.
	Running bool
	// LastFailure is the failure of the previous attempt, if any.
	LastFailure *journalpb.Failure
	// NextAttemptTime is when a retry is due, if one is scheduled.
	NextAttemptTime time.Time
	// HeartbeatDetails are the latest heartbeat details: of the running
	// attempt, or else those the previous attempt left.
	HeartbeatDetails *journalpb.Payloads
	// LastHeartbeatTime is when the running attempt last heartbeated (zero
	// if it has not).
	LastHeartbeatTime time.Time
}

// PendingTimer describes a started timer.
type PendingTimer struct {
	TimerID  string
	FireTime time.Time
}

// NotFoundError means no such workflow, or no open run for an operation
// that needs one.
type NotFoundError struct {
	WorkflowID, RunID string
	Reason            string
}

func (e *NotFoundError) Error() string {
	if e.RunID != "" {
		return fmt.Sprintf("workflow %s run %s: %s", e.WorkflowID, e.RunID, e.Reason)
	}
	return fmt.Sprintf("workflow %s: %s", e.WorkflowID, e.Reason)
}

// WorkflowExecutionAlreadyStartedError means a start conflicted with an
// open run (RunID names it) or with the ID reuse policy.
type WorkflowExecutionAlreadyStartedError struct {
	WorkflowID, RunID string
	Reason            string
}

func (e *WorkflowExecutionAlreadyStartedError) Error() string {
	return fmt.Sprintf("workflow %s already started (run %s): %s", e.WorkflowID, e.RunID, e.Reason)
}

// PayloadTooLargeError means a payload exceeded EngineOptions.MaxPayloadBytes.
type PayloadTooLargeError struct {
	What        string
	Size, Limit int
}

func (e *PayloadTooLargeError) Error() string {
	return fmt.Sprintf("%s payload is %d bytes, over the limit of %d", e.What, e.Size, e.Limit)
}

// QueryFailedError means the query handler returned an error or there was
// no handler for the query type.
type QueryFailedError struct {
	QueryType string
	Err       error
}

func (e *QueryFailedError) Error() string {
	return fmt.Sprintf("query %s failed: %v", e.QueryType, e.Err)
}
func (e *QueryFailedError) Unwrap() error { return e.Err }
