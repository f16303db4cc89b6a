package internal

import (
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/stretchr/testify/mock"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// UpdateCallbacks receive the stages of an update sent with
// TestWorkflowEnvironment.UpdateWorkflow.
type UpdateCallbacks interface {
	// Accept is called once the update passed its validator, before its
	// handler runs.
	Accept()
	// Reject is called instead of Accept when the validator (or the lack
	// of a handler) rejects the update.
	Reject(err error)
	// Complete is called with the handler's result value and error when it
	// returns.
	Complete(success any, err error)
}

// TestUpdateCallback implements UpdateCallbacks with optional functions; a
// nil function ignores its stage.
type TestUpdateCallback struct {
	OnAccept   func()
	OnReject   func(error)
	OnComplete func(any, error)
}

// Accept calls OnAccept, if set.
func (uc *TestUpdateCallback) Accept() {
	if uc.OnAccept != nil {
		uc.OnAccept()
	}
}

// Reject calls OnReject, if set.
func (uc *TestUpdateCallback) Reject(err error) {
	if uc.OnReject != nil {
		uc.OnReject(err)
	}
}

// Complete calls OnComplete, if set.
func (uc *TestUpdateCallback) Complete(success any, err error) {
	if uc.OnComplete != nil {
		uc.OnComplete(success, err)
	}
}

// errUpdateAbandoned completes the updates still running when their
// workflow run closes.
var errUpdateAbandoned = errors.New("the workflow run closed before the update completed")

// UpdateWorkflow sends an update to the workflow under test, as
// client.UpdateWorkflow would: the validator runs on the workflow's state
// between workflow tasks, then uc learns whether the update was accepted and,
// later, its handler's result. An empty updateID gets a random one. Call it
// from a delayed callback while the workflow runs.
func (e *TestWorkflowEnvironment) UpdateWorkflow(updateName, updateID string, uc UpdateCallbacks, args ...any) {
	payloads, err := e.dc.ToPayloads(args...)
	if err != nil {
		panic(fmt.Sprintf("UpdateWorkflow %q: %v", updateName, err))
	}
	if updateID == "" {
		updateID = uuid.NewString()
	}
	e.post(func() { e.root.update(updateName, updateID, payloads, uc) })
}

// UpdateWorkflowByID sends an update to the open workflow with workflowID:
// the workflow under test or one of its children.
func (e *TestWorkflowEnvironment) UpdateWorkflowByID(workflowID, updateName, updateID string, uc UpdateCallbacks, args ...any) error {
	payloads, err := e.dc.ToPayloads(args...)
	if err != nil {
		return fmt.Errorf("UpdateWorkflowByID %q: %w", updateName, err)
	}
	if updateID == "" {
		updateID = uuid.NewString()
	}
	e.post(func() {
		r := e.findRun(workflowID)
		if r == nil {
			uc.Reject(fmt.Errorf("UpdateWorkflowByID: no open workflow %q in the test environment", workflowID))
			return
		}
		r.update(updateName, updateID, payloads, uc)
	})
	return nil
}

// UpdateWorkflowNoRejection sends an update and fails t if it is rejected
// or its handler returns an error.
func (e *TestWorkflowEnvironment) UpdateWorkflowNoRejection(updateName string, updateID string, t mock.TestingT, args ...any) {
	e.UpdateWorkflow(updateName, updateID, &TestUpdateCallback{
		OnReject: func(err error) { t.Errorf("update %q was rejected: %v", updateName, err) },
		OnComplete: func(_ any, err error) {
			if err != nil {
				t.Errorf("update %q failed: %v", updateName, err)
			}
		},
	}, args...)
}

// update validates an update on the run's state once every queued input has
// been decided, and records it as accepted, as the engine does.
func (r *testRun) update(name, id string, input *journalpb.Payloads, uc UpdateCallbacks) {
	for len(r.inputs) > 0 && r.closeEvent == nil && r.env.err == nil {
		r.decide()
	}
	if r.closeEvent != nil || r.env.err != nil {
		uc.Reject(fmt.Errorf("update %q: the workflow is not running", name))
		return
	}
	if _, dup := r.updates[id]; dup {
		uc.Reject(fmt.Errorf("update %q: update ID %q is already in use", name, id))
		return
	}
	if err := r.exec.ValidateUpdate(name, input); err != nil {
		uc.Reject(err)
		return
	}
	r.updates[id] = uc
	uc.Accept()
	r.addInput(&journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionUpdateAccepted{WorkflowExecutionUpdateAccepted: &journalpb.WorkflowExecutionUpdateAccepted{
		UpdateId: id, Name: name, Input: input}}})
}

// updateCompleted reports an update handler's return to the update's
// callbacks; it is the run's ExecutionOptions.UpdateCompleted.
func (r *testRun) updateCompleted(id string, result any, err error) {
	if uc := r.updates[id]; uc != nil {
		delete(r.updates, id)
		uc.Complete(result, err)
	}
}

// abandonUpdates completes the updates still running as the run closes.
func (r *testRun) abandonUpdates() {
	for id, uc := range r.updates {
		delete(r.updates, id)
		uc.Complete(nil, errUpdateAbandoned)
	}
}
