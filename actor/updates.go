package actor

import (
	"context"
	"fmt"

	"github.com/grainflow/grainflow/internal/lazymap"
	"github.com/grainflow/grainflow/journal"
	"github.com/grainflow/grainflow/journal/journalpb"
	internal "github.com/grainflow/grainflow/sdk/internalbindings"
)

// An update goes through the workflow actor in three steps, each answered
// only once it is durable:
//
//  1. The validator runs on the Execution between workflow tasks. A
//     rejection is answered at once and records nothing.
//  2. An accepted update is appended as WorkflowExecutionUpdateAccepted
//     together with the workflow task that starts its handler; callers
//     waiting for acceptance are answered after that append.
//  3. The handler's return is the WorkflowExecutionUpdateCompleted command
//     of a later (or the same) task; callers waiting for completion are
//     answered after that append.
//
// Update IDs are unique within a run: an update sent again with the same ID
// (a client retrying after a timeout or a crash) is not validated or
// recorded again, it waits for the first one's outcome.

// UpdateStage is how far an update has gone.
type UpdateStage int

const (
	// UpdateAccepted: the validator accepted the update and it is recorded.
	UpdateAccepted UpdateStage = iota + 1
	// UpdateCompleted: the handler returned (or the validator rejected it).
	UpdateCompleted
)

// UpdateRequest is an update sent to a workflow run.
type UpdateRequest struct {
	// UpdateID identifies the update within the run; required.
	UpdateID string
	// Name selects the workflow's update handler; required.
	Name     string
	Input    *journalpb.Payloads
	Identity string
	// WaitFor is the stage UpdateWorkflow returns at: UpdateAccepted or
	// UpdateCompleted.
	WaitFor UpdateStage
	// FirstExecutionRunID, if set, must be the first run of the current
	// chain of runs (continue-as-new, retries, cron) or the update fails.
	FirstExecutionRunID string
}

// UpdateOutcome is where an update stands.
type UpdateOutcome struct {
	// RunID is the run that holds the update.
	RunID string
	Stage UpdateStage
	// Rejected says the validator (or the lack of a handler) rejected the
	// update; Failure says why and nothing was recorded.
	Rejected bool
	// Result is the handler's result and Failure its error, once Stage is
	// UpdateCompleted.
	Result  *journalpb.Payloads
	Failure *journalpb.Failure
}

// UpdateAbandonedError means the run closed (completed, failed, continued
// as new, ...) while the update's handler was still running.
type UpdateAbandonedError struct {
	WorkflowID, RunID, UpdateID string
}

func (e *UpdateAbandonedError) Error() string {
	return fmt.Sprintf("workflow %s run %s closed before update %s completed", e.WorkflowID, e.RunID, e.UpdateID)
}

// updateRequest carries UpdateWorkflow (name set) or PollUpdate (name
// empty: only wait for the outcome of an update sent before).
type updateRequest struct {
	runID string
	req   UpdateRequest
	// done is closed when the caller stops waiting.
	done  <-chan struct{}
	reply chan updateReply
}

type updateReply struct {
	outcome *UpdateOutcome
	err     error
}

// updateState is an update of the current run, from its acceptance on.
type updateState struct {
	acceptedEventID int64
	completed       *journalpb.WorkflowExecutionUpdateCompleted
}

// update handles UpdateWorkflow and PollUpdate.
func (a *workflowActor) update(m *updateRequest) {
	if m.req.Name == "" {
		a.pollUpdate(m)
		return
	}
	if err := a.openRun(m.runID); err != nil {
		m.reply <- updateReply{err: err}
		return
	}
	if first := m.req.FirstExecutionRunID; first != "" && first != a.startEvent.GetWorkflowExecutionStarted().GetFirstExecutionRunId() {
		m.reply <- updateReply{err: &NotFoundError{WorkflowID: a.key.workflowID, RunID: a.meta.GetRunId(),
			Reason: "the current run does not descend from first run " + first}}
		return
	}
	if _, known := a.updates[m.req.UpdateID]; known {
		a.answerUpdate(m)
		return
	}
	if a.exec == nil || a.inBackoff() {
		// The code cannot run now (no worker, a failed task, or a start
		// delay): validate once it can.
		a.deferred = append(a.deferred, m)
		return
	}
	if err := a.exec.ValidateUpdate(m.req.Name, m.req.Input); err != nil {
		m.reply <- updateReply{outcome: &UpdateOutcome{RunID: a.meta.GetRunId(), Stage: UpdateCompleted, Rejected: true,
			Failure: internal.ConvertErrorToFailure(err, a.execWorker.opts.DataConverter)}}
		return
	}
	accepted := &journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionUpdateAccepted{WorkflowExecutionUpdateAccepted: &journalpb.WorkflowExecutionUpdateAccepted{
		UpdateId: m.req.UpdateID, Name: m.req.Name, Input: m.req.Input, Identity: m.req.Identity}}}
	if err := a.commit([]*journalpb.Event{accepted}, appendExtras{}); err != nil {
		m.reply <- updateReply{err: err}
		return
	}
	a.answerUpdate(m)
}

// answerUpdate answers an update of the current run that is recorded, or
// keeps the caller waiting for the stage it asked for.
func (a *workflowActor) answerUpdate(m *updateRequest) {
	u, ok := a.updates[m.req.UpdateID]
	switch {
	case !ok:
		// Not recorded in the run, which has closed since (see closed).
		m.reply <- updateReply{err: &UpdateAbandonedError{WorkflowID: a.key.workflowID, RunID: a.meta.GetRunId(), UpdateID: m.req.UpdateID}}
	case u.completed != nil:
		m.reply <- updateReply{outcome: completedOutcome(a.meta.GetRunId(), u.completed)}
	case m.req.WaitFor == UpdateAccepted:
		m.reply <- updateReply{outcome: &UpdateOutcome{RunID: a.meta.GetRunId(), Stage: UpdateAccepted}}
	case !a.isOpen():
		m.reply <- updateReply{err: &UpdateAbandonedError{WorkflowID: a.key.workflowID, RunID: a.meta.GetRunId(), UpdateID: m.req.UpdateID}}
	default:
		a.updateWaiters = append(a.updateWaiters, m)
	}
}

func completedOutcome(runID string, c *journalpb.WorkflowExecutionUpdateCompleted) *UpdateOutcome {
	return &UpdateOutcome{RunID: runID, Stage: UpdateCompleted, Result: c.GetResult(), Failure: c.GetFailure()}
}

// pollUpdate waits for the outcome of an update sent before, in the run
// named (or the latest).
func (a *workflowActor) pollUpdate(m *updateRequest) {
	m.req.WaitFor = UpdateCompleted
	switch {
	case a.meta == nil:
		m.reply <- updateReply{err: &NotFoundError{WorkflowID: a.key.workflowID, Reason: "no such workflow"}}
	case m.runID == "" || m.runID == a.meta.GetRunId():
		if _, ok := a.updates[m.req.UpdateID]; !ok {
			m.reply <- updateReply{err: &NotFoundError{WorkflowID: a.key.workflowID, RunID: a.meta.GetRunId(),
				Reason: fmt.Sprintf("no update %q in the run", m.req.UpdateID)}}
			return
		}
		a.answerUpdate(m)
	default:
		// An older run is closed: its history has the outcome, if any.
		run := journal.RunKey{Namespace: a.key.namespace, WorkflowID: a.key.workflowID, RunID: m.runID}
		history, err := a.engine.journal.History(context.Background(), run)
		if err != nil || len(history) == 0 {
			m.reply <- updateReply{err: &NotFoundError{WorkflowID: a.key.workflowID, RunID: m.runID, Reason: "no such run"}}
			return
		}
		accepted := false
		for _, ev := range history {
			if x := ev.GetWorkflowExecutionUpdateAccepted(); x != nil && x.GetUpdateId() == m.req.UpdateID {
				accepted = true
			}
			if x := ev.GetWorkflowExecutionUpdateCompleted(); x != nil && x.GetUpdateId() == m.req.UpdateID {
				m.reply <- updateReply{outcome: completedOutcome(m.runID, x)}
				return
			}
		}
		if accepted {
			m.reply <- updateReply{err: &UpdateAbandonedError{WorkflowID: a.key.workflowID, RunID: m.runID, UpdateID: m.req.UpdateID}}
			return
		}
		m.reply <- updateReply{err: &NotFoundError{WorkflowID: a.key.workflowID, RunID: m.runID,
			Reason: fmt.Sprintf("no update %q in the run", m.req.UpdateID)}}
	}
}

// applyUpdate tracks the current run's updates from their events.
func (a *workflowActor) applyUpdate(ev *journalpb.Event) {
	switch x := ev.GetAttributes().(type) {
	case *journalpb.Event_WorkflowExecutionUpdateAccepted:
		lazymap.Set(&a.updates, x.WorkflowExecutionUpdateAccepted.GetUpdateId(), &updateState{acceptedEventID: ev.GetEventId()})
	case *journalpb.Event_WorkflowExecutionUpdateCompleted:
		if u := a.updates[x.WorkflowExecutionUpdateCompleted.GetUpdateId()]; u != nil {
			u.completed = x.WorkflowExecutionUpdateCompleted
		}
	}
}

// notifyUpdates answers the callers waiting for updates that a durable
// append completed, and, once the run is closed, those whose updates never
// will.
func (a *workflowActor) notifyUpdates() {
	waiting := a.updateWaiters[:0]
	for _, m := range a.updateWaiters {
		u := a.updates[m.req.UpdateID]
		if (u != nil && u.completed != nil) || !a.isOpen() {
			a.answerUpdate(m)
			continue
		}
		waiting = append(waiting, m)
	}
	clear(a.updateWaiters[len(waiting):])
	a.updateWaiters = waiting
}

// dropGoneWaiters forgets the callers waiting for an update or for the
// close that stopped waiting, so that they do not keep the workflow in
// memory.
func (a *workflowActor) dropGoneWaiters() {
	a.updateWaiters = stillWaiting(a.updateWaiters, func(m *updateRequest) <-chan struct{} { return m.done })
	a.waiters = stillWaiting(a.waiters, func(m *waitCloseRequest) <-chan struct{} { return m.done })
}

// stillWaiting returns the requests whose callers still wait (their done
// channel, as done gives it, is not closed), compacted in place.
func stillWaiting[T any](waiting []T, done func(T) <-chan struct{}) []T {
	kept := waiting[:0]
	for _, m := range waiting {
		select {
		case <-done(m):
		default:
			kept = append(kept, m)
		}
	}
	clear(waiting[len(kept):])
	return kept
}
