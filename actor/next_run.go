package actor

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/robfig/cron/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/grainflow/grainflow/journal"
	"github.com/grainflow/grainflow/journal/journalpb"
	internal "github.com/grainflow/grainflow/sdk/internalbindings"
)

// nextRun is a run that follows the one closing: a retry of a failed or
// timed-out run, or the continuation of a run that continued as new.
type nextRun struct {
	runID string
	// started are the new run's start attributes.
	started *journalpb.WorkflowExecutionStarted
	// backoff delays the new run's code (retries).
	backoff time.Duration
	// signals are carried over from the closing run and become the new
	// run's first inputs after its start.
	signals []*journalpb.WorkflowExecutionSignaled
}

// planNextRun decides, for a run closing with closeEvent, whether another
// run follows it. If so it names the new run in the close event (which is
// about to be appended) and returns it.
func (a *workflowActor) planNextRun(closeEvent *journalpb.Event, now time.Time) *nextRun {
	if can := closeEvent.GetWorkflowExecutionContinuedAsNew(); can != nil {
		return a.planContinueAsNew(can)
	}
	if retry := a.planRetry(closeEvent, now); retry != nil {
		return retry
	}
	return a.planCron(closeEvent, now)
}

// planContinueAsNew starts a fresh history with the input the code chose;
// the retry policy, memo and execution expiration carry over.
func (a *workflowActor) planContinueAsNew(can *journalpb.WorkflowExecutionContinuedAsNew) *nextRun {
	can.NewExecutionRunId = uuid.NewString()
	return a.continuation(can)
}

// continuation is the run that continues the closed run as recorded in can.
func (a *workflowActor) continuation(can *journalpb.WorkflowExecutionContinuedAsNew) *nextRun {
	started := proto.Clone(a.startEvent.GetWorkflowExecutionStarted()).(*journalpb.WorkflowExecutionStarted)
	started.WorkflowType = can.GetWorkflowType()
	started.TaskQueue = can.GetTaskQueue()
	started.Input = can.GetInput()
	started.WorkflowRunTimeout = can.GetWorkflowRunTimeout()
	started.Attempt = 1
	started.OriginalExecutionRunId = can.GetNewExecutionRunId()
	started.FirstWorkflowTaskBackoff = nil
	started.SearchAttributes, started.Memo = can.GetSearchAttributes(), can.GetMemo()
	return &nextRun{runID: can.GetNewExecutionRunId(), started: started, signals: can.GetCarriedSignals()}
}

// planRetry applies the run's retry policy to a failed or timed-out run.
func (a *workflowActor) planRetry(closeEvent *journalpb.Event, now time.Time) *nextRun {
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
	runID := ""
	if delay >= 0 {
		runID = uuid.NewString()
	}
	switch x := closeEvent.GetAttributes().(type) {
	case *journalpb.Event_WorkflowExecutionFailed:
		x.WorkflowExecutionFailed.RetryState, x.WorkflowExecutionFailed.NewExecutionRunId = state, runID
	case *journalpb.Event_WorkflowExecutionTimedOut:
		x.WorkflowExecutionTimedOut.RetryState, x.WorkflowExecutionTimedOut.NewExecutionRunId = state, runID
	}
	if delay < 0 {
		return nil
	}
	return a.retryRun(runID, failure)
}

// recordedNextRun is the run the closed run's close event names as its
// follower, when that run was never started (the node stopped between the
// two appends); nil otherwise. The current-run pointer still names the
// closed run exactly in that case.
func (a *workflowActor) recordedNextRun() *nextRun {
	switch x := a.closeEvent.GetAttributes().(type) {
	case *journalpb.Event_WorkflowExecutionContinuedAsNew:
		return a.continuation(x.WorkflowExecutionContinuedAsNew)
	case *journalpb.Event_WorkflowExecutionCompleted:
		if id := x.WorkflowExecutionCompleted.GetNewExecutionRunId(); id != "" {
			return a.recordedCronRun(id)
		}
	case *journalpb.Event_WorkflowExecutionFailed:
		if id := x.WorkflowExecutionFailed.GetNewExecutionRunId(); id != "" && x.WorkflowExecutionFailed.GetRetryState() == journalpb.RetryState_RETRY_STATE_IN_PROGRESS {
			return a.retryRun(id, x.WorkflowExecutionFailed.GetFailure())
		} else if id != "" {
			return a.recordedCronRun(id)
		}
	case *journalpb.Event_WorkflowExecutionTimedOut:
		if id := x.WorkflowExecutionTimedOut.GetNewExecutionRunId(); id != "" && x.WorkflowExecutionTimedOut.GetRetryState() == journalpb.RetryState_RETRY_STATE_IN_PROGRESS {
			return a.retryRun(id, internal.ConvertErrorToFailure(internal.NewTimeoutError("workflow run timed out",
				journalpb.TimeoutType_TIMEOUT_TYPE_START_TO_CLOSE, nil), nil))
		} else if id != "" {
			return a.recordedCronRun(id)
		}
	}
	return nil
}

// recordedCronRun is the cron run runID recorded in the close event.
func (a *workflowActor) recordedCronRun(runID string) *nextRun {
	delay, err := cronDelay(a.startEvent.GetWorkflowExecutionStarted().GetCronSchedule(), time.Now())
	if err != nil {
		return nil
	}
	return a.cronRun(runID, delay, a.closeEvent)
}

// retryRun is the retry runID of the closed run, which failed with failure.
func (a *workflowActor) retryRun(runID string, failure *journalpb.Failure) *nextRun {
	started := a.startEvent.GetWorkflowExecutionStarted()
	delay, _ := internal.NextRetryDelay(started.GetRetryPolicy(), started.GetAttempt(), failure)
	next := proto.Clone(started).(*journalpb.WorkflowExecutionStarted)
	next.Attempt++
	next.OriginalExecutionRunId = runID
	next.FirstWorkflowTaskBackoff = durationpb.New(max(delay, 0))
	return &nextRun{runID: runID, started: next, backoff: max(delay, 0)}
}

// startNextRun starts the run that follows the closed one. Without a
// backoff its code runs at once on its start and carried signals; with one,
// the start is recorded now and the code runs when the journal timer
// workflow/backoff fires.
func (a *workflowActor) startNextRun(n *nextRun) error {
	closedRun := a.run()
	n.started.ContinuedExecutionRunId = closedRun.RunID
	if err := a.beginRun(n); err != nil {
		return err
	}
	// The follower is durable: the closed run no longer needs waking.
	clearWake(a.engine, closedRun)
	return nil
}

// clearWake clears the wake flag of the closed latest run, once nothing
// is left to do for it after a restart.
func (a *workflowActor) clearWake() { clearWake(a.engine, a.run()) }

func clearWake(e *Engine, run journal.RunKey) {
	clear := false
	_ = e.journal.Append(context.Background(), &journal.AppendRequest{Run: run, Wake: &clear})
}

// beginRun records the start of run n (and its carried signals) and runs
// its code, unless it has a backoff: then the journal timer
// workflow/backoff runs the code when it fires.
func (a *workflowActor) beginRun(n *nextRun) error {
	now := time.Now()
	started := &journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionStarted{WorkflowExecutionStarted: n.started}, Time: timestamppb.New(now)}
	a.unload()
	a.loaded = true
	a.meta = &journalpb.WorkflowMeta{Namespace: a.key.namespace, WorkflowId: a.key.workflowID, RunId: n.runID,
		WorkflowType: n.started.GetWorkflowType(), TaskQueue: n.started.GetTaskQueue(), StartTime: timestamppb.New(now),
		Status: journalpb.WorkflowStatus_WORKFLOW_STATUS_RUNNING, NextEventId: 1}
	a.startEvent = started
	var extras appendExtras
	if deadline := runDeadline(started); !deadline.IsZero() {
		extras.addTimers = append(extras.addTimers, a.journalTimer(workflowTimeoutID, deadline))
	}
	if n.backoff > 0 {
		n.started.FirstWorkflowTaskBackoff = durationpb.New(n.backoff)
		extras.addTimers = append(extras.addTimers, a.journalTimer(workflowBackoffID, now.Add(n.backoff)))
	} else if w := a.engine.worker(n.started.GetTaskQueue()); w != nil {
		a.exec, a.execWorker = a.newExecution(w), w
	} else {
		a.host.waitFor(n.started.GetTaskQueue(), a.key)
	}
	inputs := []*journalpb.Event{started}
	for _, s := range n.signals {
		inputs = append(inputs, &journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionSignaled{WorkflowExecutionSignaled: s}})
	}
	return a.commit(inputs, extras)
}

// cronDelay is how long from now until the cron schedule's next time.
func cronDelay(schedule string, now time.Time) (time.Duration, error) {
	s, err := cronParser.Parse(schedule)
	if err != nil {
		return 0, fmt.Errorf("cron schedule %q: %w", schedule, err)
	}
	return s.Next(now).Sub(now), nil
}

// cronParser reads the standard five-field cron syntax and descriptors
// such as @every 1h and @daily.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// planCron schedules the next run of a cron workflow after a run that
// completed, failed or timed out (canceled and terminated runs end the
// schedule), carrying the last completion result.
func (a *workflowActor) planCron(closeEvent *journalpb.Event, now time.Time) *nextRun {
	started := a.startEvent.GetWorkflowExecutionStarted()
	if started.GetCronSchedule() == "" {
		return nil
	}
	delay, err := cronDelay(started.GetCronSchedule(), now)
	if err != nil {
		return nil // validated at start; a stored schedule that no longer parses ends it
	}
	next := a.cronRun(uuid.NewString(), delay, closeEvent)
	switch x := closeEvent.GetAttributes().(type) {
	case *journalpb.Event_WorkflowExecutionCompleted:
		x.WorkflowExecutionCompleted.NewExecutionRunId = next.runID
	case *journalpb.Event_WorkflowExecutionFailed:
		x.WorkflowExecutionFailed.NewExecutionRunId = next.runID
	case *journalpb.Event_WorkflowExecutionTimedOut:
		x.WorkflowExecutionTimedOut.NewExecutionRunId = next.runID
	default:
		return nil
	}
	return next
}

// cronRun is the next cron run after the run closed by closeEvent.
func (a *workflowActor) cronRun(runID string, delay time.Duration, closeEvent *journalpb.Event) *nextRun {
	started := proto.Clone(a.startEvent.GetWorkflowExecutionStarted()).(*journalpb.WorkflowExecutionStarted)
	started.Attempt = 1
	started.OriginalExecutionRunId = runID
	if result := closeEvent.GetWorkflowExecutionCompleted().GetResult(); result != nil {
		started.LastCompletionResult = result
	}
	return &nextRun{runID: runID, started: started, backoff: max(delay, 0)}
}

// inBackoff reports whether the run is a retry whose code must not run yet.
// It asks the actor's own flags first: once the code has run, the start
// event (cold memory in a busy node) need not be read on every decision.
func (a *workflowActor) inBackoff() bool {
	if a.codeRan || a.backoffFired {
		return false
	}
	backoff := a.startEvent.GetWorkflowExecutionStarted().GetFirstWorkflowTaskBackoff().AsDuration()
	return backoff > 0 && time.Now().Before(a.startEvent.GetTime().AsTime().Add(backoff))
}
