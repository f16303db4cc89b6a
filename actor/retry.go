package actor

import (
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/grainflow/grainflow/journal"
	"github.com/grainflow/grainflow/journal/journalpb"
	internal "github.com/grainflow/grainflow/sdk/internalbindings"
)

// runRetry is a decided retry of a failed or timed-out run.
type runRetry struct {
	runID string
	delay time.Duration
}

// planRetry decides, for a run closing with closeEvent, whether its retry
// policy starts another run. If so it names the new run in the close event
// (which is about to be appended) and returns the retry.
func (a *workflowActor) planRetry(closeEvent *journalpb.Event, now time.Time) *runRetry {
	started := a.startEvent.GetWorkflowExecutionStarted()
	policy := started.GetRetryPolicy()
	if policy == nil {
		return nil
	}
	var failure *journalpb.Failure
	switch {
	case closeEvent.GetWorkflowExecutionFailed() != nil:
		failure = closeEvent.GetWorkflowExecutionFailed().GetFailure()
	case closeEvent.GetWorkflowExecutionTimedOut() != nil:
		failure = internal.ConvertErrorToFailure(internal.NewTimeoutError("workflow run timed out",
			journalpb.TimeoutType_TIMEOUT_TYPE_START_TO_CLOSE, nil), nil)
	default:
		return nil // completed, canceled and terminated runs are not retried
	}
	delay, state := internal.NextRetryDelay(policy, started.GetAttempt(), failure)
	if expiry := started.GetWorkflowExecutionExpirationTime(); delay >= 0 && expiry != nil && !now.Add(delay).Before(expiry.AsTime()) {
		delay, state = -1, journalpb.RetryState_RETRY_STATE_TIMEOUT
	}
	retry := &runRetry{runID: uuid.NewString(), delay: delay}
	switch x := closeEvent.GetAttributes().(type) {
	case *journalpb.Event_WorkflowExecutionFailed:
		x.WorkflowExecutionFailed.RetryState = state
		if delay >= 0 {
			x.WorkflowExecutionFailed.NewExecutionRunId = retry.runID
		}
	case *journalpb.Event_WorkflowExecutionTimedOut:
		x.WorkflowExecutionTimedOut.RetryState = state
		if delay >= 0 {
			x.WorkflowExecutionTimedOut.NewExecutionRunId = retry.runID
		}
	}
	if delay < 0 {
		return nil
	}
	return retry
}

// startRetry starts the run that retries the closed one: same type, input
// and options, the next attempt. Its code runs when the backoff timer fires.
func (a *workflowActor) startRetry(r *runRetry) error {
	previous := a.startEvent
	attrs := proto.Clone(previous.GetWorkflowExecutionStarted()).(*journalpb.WorkflowExecutionStarted)
	attrs.Attempt++
	attrs.OriginalExecutionRunId = r.runID
	attrs.FirstWorkflowTaskBackoff = durationpb.New(r.delay)
	now := time.Now()
	started := &journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionStarted{WorkflowExecutionStarted: attrs}, Time: timestamppb.New(now)}

	a.unload()
	a.loaded = true
	a.meta = &journalpb.WorkflowMeta{Namespace: a.key.namespace, WorkflowId: a.key.workflowID, RunId: r.runID,
		WorkflowType: attrs.GetWorkflowType(), TaskQueue: attrs.GetTaskQueue(), StartTime: timestamppb.New(now),
		Status: journalpb.WorkflowStatus_WORKFLOW_STATUS_RUNNING, NextEventId: 1}
	extras := appendExtras{addTimers: []journal.Timer{a.journalTimer(workflowBackoffID, now.Add(r.delay))}}
	if deadline := runDeadline(started); !deadline.IsZero() {
		extras.addTimers = append(extras.addTimers, a.journalTimer(workflowTimeoutID, deadline))
	}
	a.startEvent = started
	// a.exec is nil: the start is recorded without running the code.
	if err := a.commit([]*journalpb.Event{started}, extras); err != nil {
		return err
	}
	a.host.nudgeTimers()
	return nil
}

// inBackoff reports whether the run is a retry whose code must not run yet.
func (a *workflowActor) inBackoff() bool {
	backoff := a.startEvent.GetWorkflowExecutionStarted().GetFirstWorkflowTaskBackoff().AsDuration()
	return backoff > 0 && !a.codeRan && time.Now().Before(a.startEvent.GetTime().AsTime().Add(backoff))
}
