package internal

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// ContinueAsNewError, returned by a workflow function, closes the run and
// starts a new run of the same workflow ID with a fresh history: the way to
// keep a long-lived workflow's history short.
type ContinueAsNewError struct {
	WorkflowType       *WorkflowType
	Input              *journalpb.Payloads
	TaskQueueName      string
	WorkflowRunTimeout time.Duration
}

func (e *ContinueAsNewError) Error() string {
	return fmt.Sprintf("continue as new (workflow type %s)", e.WorkflowType.Name)
}

// NewContinueAsNewError returns the error that continues the workflow as
// a new run of wfn (a function or a registered name) with args, on the same
// task queue and run timeout as the current run.
func NewContinueAsNewError(ctx Context, wfn any, args ...any) error {
	e := executionOf(ctx, "NewContinueAsNewError")
	name := e.registeredWorkflowName(wfn)
	input, err := e.dc.ToPayloads(args...)
	if err != nil {
		return fmt.Errorf("workflow.NewContinueAsNewError: encode the arguments of %s: %w", name, err)
	}
	return &ContinueAsNewError{WorkflowType: &WorkflowType{Name: name}, Input: input,
		TaskQueueName: e.info.TaskQueueName, WorkflowRunTimeout: e.info.WorkflowRunTimeout}
}

// registeredWorkflowName is the type name wfn is registered under: its
// function name, or the name given at registration.
func (e *Execution) registeredWorkflowName(wfn any) string {
	name := FunctionName(wfn)
	if _, ok := e.opts.Registry.Workflow(name); ok {
		return name
	}
	for _, registered := range e.opts.Registry.WorkflowTypes() {
		if fn, _ := e.opts.Registry.Workflow(registered); FunctionName(fn) == name {
			return registered
		}
	}
	return name
}

// IsContinueAsNewError reports whether err is or wraps a ContinueAsNewError.
func IsContinueAsNewError(err error) bool {
	var can *ContinueAsNewError
	return errors.As(err, &can)
}

// continuedAsNew is the close command of a run that continues as new. It
// carries the signals the run received but did not consume, so none is lost
// between runs.
func (e *Execution) continuedAsNew(can *ContinueAsNewError) *journalpb.Event {
	attrs := &journalpb.WorkflowExecutionContinuedAsNew{
		WorkflowType: can.WorkflowType.Name,
		TaskQueue:    can.TaskQueueName,
		Input:        can.Input,
		// The next run starts with this run's attributes, upserts included.
		SearchAttributes: e.searchAttributes,
		Memo:             e.memo,
	}
	if can.WorkflowRunTimeout > 0 {
		attrs.WorkflowRunTimeout = durationpb.New(can.WorkflowRunTimeout)
	}
	names := make([]string, 0, len(e.signals))
	for name := range e.signals {
		names = append(names, name)
	}
	sort.Strings(names) // deterministic order across replays
	for _, name := range names {
		for _, v := range e.signals[name].buffer {
			if p, ok := v.(encodedPayloads); ok {
				attrs.CarriedSignals = append(attrs.CarriedSignals, &journalpb.WorkflowExecutionSignaled{SignalName: name, Input: p.payloads})
			}
		}
	}
	return &journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionContinuedAsNew{WorkflowExecutionContinuedAsNew: attrs}}
}
