package client

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/grainflow/grainflow/actor"
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
	switch {
	case options.WorkflowID == "":
		return nil, errors.New("client: UpdateWorkflow: WorkflowID is required")
	case options.UpdateName == "":
		return nil, errors.New("client: UpdateWorkflow: UpdateName is required")
	case options.WaitForStage == WorkflowUpdateStageUnspecified:
		return nil, errors.New("client: UpdateWorkflow: WaitForStage is required (accepted or completed)")
	case options.WaitForStage == WorkflowUpdateStageAdmitted:
		return nil, errors.New("client: UpdateWorkflow: WaitForStage admitted is not supported; wait for accepted or completed")
	case options.WaitForStage != WorkflowUpdateStageAccepted && options.WaitForStage != WorkflowUpdateStageCompleted:
		return nil, fmt.Errorf("client: UpdateWorkflow: unknown WaitForStage %d", options.WaitForStage)
	}
	input, err := c.opts.DataConverter.ToPayloads(options.Args...)
	if err != nil {
		return nil, fmt.Errorf("client: encode update %s: %w", options.UpdateName, err)
	}
	req := actor.UpdateRequest{UpdateID: options.UpdateID, Name: options.UpdateName, Input: input,
		Identity: c.opts.Identity, WaitFor: actor.UpdateAccepted, FirstExecutionRunID: options.FirstExecutionRunID}
	if req.UpdateID == "" {
		req.UpdateID = uuid.NewString()
	}
	if options.WaitForStage == WorkflowUpdateStageCompleted {
		req.WaitFor = actor.UpdateCompleted
	}
	outcome, err := c.engine.UpdateWorkflow(ctx, c.opts.Namespace, options.WorkflowID, options.RunID, req)
	if err != nil {
		return nil, updateCallError(ctx, err)
	}
	return &updateHandle{client: c, workflowID: options.WorkflowID, runID: outcome.RunID, updateID: req.UpdateID, outcome: outcome}, nil
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
