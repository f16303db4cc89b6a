package client

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/google/uuid"

	"github.com/grainflow/grainflow/actor"
	"github.com/grainflow/grainflow/sdk/enums"
	"github.com/grainflow/grainflow/sdk/internal"
)

// WorkflowUpdateStage is how far an update must have gone before
// UpdateWorkflow returns.
type WorkflowUpdateStage int

const (
	// WorkflowUpdateStageUnspecified is not a valid stage to wait for.
	WorkflowUpdateStageUnspecified WorkflowUpdateStage = iota
	// WorkflowUpdateStageAdmitted is not supported, as in Temporal: wait for
	// acceptance or completion.
	WorkflowUpdateStageAdmitted
	// WorkflowUpdateStageAccepted returns once the validator accepted the
	// update and its acceptance is durable (or once it is rejected).
	WorkflowUpdateStageAccepted
	// WorkflowUpdateStageCompleted returns once the handler's result is
	// durable (or once the update is rejected).
	WorkflowUpdateStageCompleted
)

// UpdateWorkflowOptions is an update to send with UpdateWorkflow.
type UpdateWorkflowOptions struct {
	// UpdateID identifies the update within the run; sending the same ID
	// again returns the first update's outcome instead of running it twice.
	// Default: a random UUID.
	UpdateID string
	// WorkflowID names the workflow. Required.
	WorkflowID string
	// RunID names the run; empty means the latest.
	RunID string
	// UpdateName selects the workflow's update handler. Required.
	UpdateName string
	// Args are the handler's arguments.
	Args []any
	// WaitForStage is WorkflowUpdateStageAccepted or
	// WorkflowUpdateStageCompleted. Required.
	WaitForStage WorkflowUpdateStage
	// FirstExecutionRunID, if set, must be the first run of the workflow
	// ID's current chain of runs, or the update is refused.
	FirstExecutionRunID string
}

// GetWorkflowUpdateHandleOptions name an update sent before.
type GetWorkflowUpdateHandleOptions struct {
	WorkflowID string
	// RunID names the run; empty means the latest.
	RunID    string
	UpdateID string
}

// WorkflowUpdateHandle is an update sent to a workflow; Get waits for its
// outcome.
type WorkflowUpdateHandle interface {
	WorkflowID() string
	RunID() string
	UpdateID() string
	// Get waits for the handler's result and decodes it into valuePtr. It
	// returns the handler's error, or the validator's if the update was
	// rejected.
	Get(ctx context.Context, valuePtr any) error
}

// WorkflowUpdateServiceTimeoutOrCanceledError means the caller's context
// ended before the update reached the stage asked for. The update may still
// be accepted or complete; GetWorkflowUpdateHandle finds it by ID.
type WorkflowUpdateServiceTimeoutOrCanceledError struct {
	cause error
}

// NewWorkflowUpdateServiceTimeoutOrCanceledError wraps the context's error.
func NewWorkflowUpdateServiceTimeoutOrCanceledError(err error) *WorkflowUpdateServiceTimeoutOrCanceledError {
	return &WorkflowUpdateServiceTimeoutOrCanceledError{cause: err}
}

func (e *WorkflowUpdateServiceTimeoutOrCanceledError) Error() string {
	return "timeout or cancellation waiting for update: " + e.cause.Error()
}

func (e *WorkflowUpdateServiceTimeoutOrCanceledError) Unwrap() error { return e.cause }

func (c *embeddedClient) UpdateWorkflow(ctx context.Context, options UpdateWorkflowOptions) (WorkflowUpdateHandle, error) {
	if options.WorkflowID == "" {
		return nil, errors.New("client: UpdateWorkflow: WorkflowID is required")
	}
	req, err := c.updateRequest("UpdateWorkflow", options)
	if err != nil {
		return nil, err
	}
	outcome, err := c.engine.UpdateWorkflow(ctx, c.opts.Namespace, options.WorkflowID, options.RunID, req)
	if err != nil {
		return nil, updateCallError(ctx, err)
	}
	return &updateHandle{client: c, workflowID: options.WorkflowID, runID: outcome.RunID, updateID: req.UpdateID, outcome: outcome}, nil
}

// updateRequest checks options (but not the workflow they name) and
// encodes the update for the engine; call names the API for errors.
func (c *embeddedClient) updateRequest(call string, options UpdateWorkflowOptions) (actor.UpdateRequest, error) {
	switch {
	case options.UpdateName == "":
		return actor.UpdateRequest{}, fmt.Errorf("client: %s: UpdateName is required", call)
	case options.WaitForStage == WorkflowUpdateStageUnspecified:
		return actor.UpdateRequest{}, fmt.Errorf("client: %s: WaitForStage is required (accepted or completed)", call)
	case options.WaitForStage == WorkflowUpdateStageAdmitted:
		return actor.UpdateRequest{}, fmt.Errorf("client: %s: WaitForStage admitted is not supported; wait for accepted or completed", call)
	case options.WaitForStage != WorkflowUpdateStageAccepted && options.WaitForStage != WorkflowUpdateStageCompleted:
		return actor.UpdateRequest{}, fmt.Errorf("client: %s: unknown WaitForStage %d", call, options.WaitForStage)
	}
	input, err := c.opts.DataConverter.ToPayloads(options.Args...)
	if err != nil {
		return actor.UpdateRequest{}, fmt.Errorf("client: encode update %s: %w", options.UpdateName, err)
	}
	req := actor.UpdateRequest{UpdateID: options.UpdateID, Name: options.UpdateName, Input: input,
		Identity: c.opts.Identity, WaitFor: actor.UpdateAccepted, FirstExecutionRunID: options.FirstExecutionRunID}
	if req.UpdateID == "" {
		req.UpdateID = uuid.NewString()
	}
	if options.WaitForStage == WorkflowUpdateStageCompleted {
		req.WaitFor = actor.UpdateCompleted
	}
	return req, nil
}

// WithStartWorkflowOperation is the start half of UpdateWithStartWorkflow,
// made by Client.NewWithStartWorkflowOperation. Get waits until the call
// that used it has started the workflow (or found it running) and returns
// that run.
type WithStartWorkflowOperation interface {
	Get(ctx context.Context) (WorkflowRun, error)
}

// UpdateWithStartWorkflowOptions are the two halves of
// UpdateWithStartWorkflow. UpdateOptions.WorkflowID may be left empty (the
// start's ID is used); RunID and FirstExecutionRunID must be.
type UpdateWithStartWorkflowOptions struct {
	StartWorkflowOperation WithStartWorkflowOperation
	UpdateOptions          UpdateWorkflowOptions
}

// withStartOperation implements WithStartWorkflowOperation.
type withStartOperation struct {
	options  StartWorkflowOptions
	workflow any
	args     []any

	used atomic.Bool
	done chan struct{} // closed once run or err is set
	run  WorkflowRun
	err  error
}

func (c *embeddedClient) NewWithStartWorkflowOperation(options StartWorkflowOptions, workflow any, args ...any) WithStartWorkflowOperation {
	return &withStartOperation{options: options, workflow: workflow, args: args, done: make(chan struct{})}
}

func (op *withStartOperation) Get(ctx context.Context) (WorkflowRun, error) {
	select {
	case <-op.done:
		return op.run, op.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (op *withStartOperation) finish(run WorkflowRun, err error) {
	op.run, op.err = run, err
	close(op.done)
}

func (c *embeddedClient) UpdateWithStartWorkflow(ctx context.Context, options UpdateWithStartWorkflowOptions) (WorkflowUpdateHandle, error) {
	op, ok := options.StartWorkflowOperation.(*withStartOperation)
	switch {
	case !ok:
		return nil, errors.New("client: UpdateWithStartWorkflow: StartWorkflowOperation must come from NewWithStartWorkflowOperation")
	case op.options.ID == "":
		return nil, errors.New("client: UpdateWithStartWorkflow: the start operation needs a workflow ID")
	case op.options.WorkflowIDConflictPolicy == enums.WORKFLOW_ID_CONFLICT_POLICY_UNSPECIFIED:
		return nil, errors.New("client: UpdateWithStartWorkflow: the start operation needs a WorkflowIDConflictPolicy (USE_EXISTING or FAIL)")
	case options.UpdateOptions.WorkflowID != "" && options.UpdateOptions.WorkflowID != op.options.ID:
		return nil, fmt.Errorf("client: UpdateWithStartWorkflow: the update names workflow %s but the start operation %s",
			options.UpdateOptions.WorkflowID, op.options.ID)
	case options.UpdateOptions.RunID != "" || options.UpdateOptions.FirstExecutionRunID != "":
		return nil, errors.New("client: UpdateWithStartWorkflow: the update cannot name a run: it goes to the run the start operation finds or starts")
	}
	start, err := c.startRequest(op.options, op.workflow, op.args)
	if err != nil {
		return nil, err
	}
	update, err := c.updateRequest("UpdateWithStartWorkflow", options.UpdateOptions)
	if err != nil {
		return nil, err
	}
	if !op.used.CompareAndSwap(false, true) {
		return nil, errors.New("client: UpdateWithStartWorkflow: the start operation was used already; make a new one per call")
	}
	runID, outcome, err := c.engine.UpdateWithStartWorkflow(ctx, start, update)
	if runID == "" {
		op.finish(nil, err)
		return nil, updateCallError(ctx, err)
	}
	op.finish(c.run(op.options.ID, runID, start.WorkflowType), nil)
	if err != nil {
		return nil, updateCallError(ctx, err)
	}
	return &updateHandle{client: c, workflowID: op.options.ID, runID: runID, updateID: update.UpdateID, outcome: outcome}, nil
}

func (c *embeddedClient) GetWorkflowUpdateHandle(ref GetWorkflowUpdateHandleOptions) WorkflowUpdateHandle {
	return &updateHandle{client: c, workflowID: ref.WorkflowID, runID: ref.RunID, updateID: ref.UpdateID}
}

// updateCallError marks errors caused by the caller's context.
func updateCallError(ctx context.Context, err error) error {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return NewWorkflowUpdateServiceTimeoutOrCanceledError(err)
	}
	return err
}

// updateHandle implements WorkflowUpdateHandle.
type updateHandle struct {
	client                      *embeddedClient
	workflowID, runID, updateID string
	outcome                     *actor.UpdateOutcome // nil or accepted until Get learns the outcome
}

func (h *updateHandle) WorkflowID() string { return h.workflowID }
func (h *updateHandle) RunID() string      { return h.runID }
func (h *updateHandle) UpdateID() string   { return h.updateID }

func (h *updateHandle) Get(ctx context.Context, valuePtr any) error {
	c := h.client
	if h.outcome == nil || h.outcome.Stage != actor.UpdateCompleted {
		outcome, err := c.engine.PollUpdate(ctx, c.opts.Namespace, h.workflowID, h.runID, h.updateID)
		if err != nil {
			return updateCallError(ctx, err)
		}
		h.outcome = outcome
		h.runID = outcome.RunID
	}
	dc := c.opts.DataConverter
	if f := h.outcome.Failure; f != nil {
		return internal.ConvertFailureToError(f, dc)
	}
	if valuePtr == nil || len(h.outcome.Result.GetPayloads()) == 0 {
		return nil
	}
	return dc.FromPayloads(h.outcome.Result, valuePtr)
}
