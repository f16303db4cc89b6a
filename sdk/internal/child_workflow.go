package internal

import (
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/grainflow/grainflow/internal/lazymap"
	"github.com/grainflow/grainflow/journal/journalpb"
)

// ParentClosePolicy says what happens to a running child workflow when its
// parent closes: it is terminated (the default), asked to cancel, or left
// running (abandoned).
type ParentClosePolicy = journalpb.ParentClosePolicy

// The parent close policies, named as in Temporal's enums.
const (
	ParentClosePolicyTerminate     = journalpb.ParentClosePolicy_PARENT_CLOSE_POLICY_TERMINATE
	ParentClosePolicyRequestCancel = journalpb.ParentClosePolicy_PARENT_CLOSE_POLICY_REQUEST_CANCEL
	ParentClosePolicyAbandon       = journalpb.ParentClosePolicy_PARENT_CLOSE_POLICY_ABANDON
)

// ChildWorkflowOptions configure ExecuteChildWorkflow.
type ChildWorkflowOptions struct {
	// Namespace is the child's namespace (default: the parent's).
	Namespace string
	// WorkflowID is the child's workflow ID (default: the parent's run ID
	// and the command's sequence number, which replay reproduces).
	WorkflowID string
	// TaskQueue is the child's task queue (default: the parent's).
	TaskQueue string
	// WorkflowExecutionTimeout bounds the child including retries and
	// continuations; WorkflowRunTimeout bounds one run.
	WorkflowExecutionTimeout time.Duration
	WorkflowRunTimeout       time.Duration
	// WorkflowTaskTimeout is accepted for compatibility; it has no effect.
	WorkflowTaskTimeout time.Duration
	// WaitForCancellation makes a canceled child's future wait until the
	// child has closed; otherwise it fails with a CanceledError at once.
	WaitForCancellation bool
	// RetryPolicy retries the child when it fails.
	RetryPolicy *RetryPolicy
	// CronSchedule runs the child on a cron schedule.
	CronSchedule string
	// Memo is stored with the child.
	Memo map[string]any
	// TypedSearchAttributes are the child's indexed attributes at its start;
	// SearchAttributes is the untyped form (see UpsertSearchAttributes).
	TypedSearchAttributes SearchAttributes
	SearchAttributes      map[string]any
	// ParentClosePolicy is what happens to the child if the parent closes
	// first (default: terminate).
	ParentClosePolicy ParentClosePolicy
	// WorkflowIDReusePolicy decides whether the child may start when a
	// closed workflow used its ID (default: allow duplicate). A refused
	// start, like a start while a workflow with the ID runs, fails the
	// child's future with a ChildWorkflowExecutionError whose cause is a
	// ChildWorkflowExecutionAlreadyStartedError.
	// WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING terminates a running
	// workflow with the ID and starts the child.
	WorkflowIDReusePolicy journalpb.WorkflowIdReusePolicy
}

type childOptionsKey struct{}

// WithChildOptions returns a context whose child workflows use options.
func WithChildOptions(ctx Context, options ChildWorkflowOptions) Context {
	return WithValue(ctx, childOptionsKey{}, &options)
}

// GetChildWorkflowOptions returns the child workflow options of ctx.
func GetChildWorkflowOptions(ctx Context) ChildWorkflowOptions {
	if o, ok := ctx.Value(childOptionsKey{}).(*ChildWorkflowOptions); ok {
		return *o
	}
	return ChildWorkflowOptions{}
}

// ChildWorkflowFuture is the result of a child workflow. Get returns the
// child's result, or a *ChildWorkflowExecutionError.
type ChildWorkflowFuture interface {
	Future
	// GetChildWorkflowExecution returns a future of the child's
	// WorkflowExecution, ready once the child has started (or failed to).
	GetChildWorkflowExecution() Future
	// SignalChildWorkflow sends a signal to the child once it has started.
	SignalChildWorkflow(ctx Context, signalName string, data any) Future
}

// childState is a child workflow the parent started and has not seen close.
type childState struct {
	cmd                 *command
	initiatedID         int64
	startedID           int64
	namespace           string
	workflowID          string
	runID               string
	workflowType        string
	result              *futureImpl
	execution           *futureImpl
	dc                  DataConverter
	waitForCancellation bool
	cancelRequested     bool
	detach              func()
}

type childWorkflowFuture struct {
	*futureImpl
	e     *Execution
	child *childState
}

func (f *childWorkflowFuture) GetChildWorkflowExecution() Future { return f.child.execution }

func (f *childWorkflowFuture) SignalChildWorkflow(ctx Context, signalName string, data any) Future {
	c := f.child
	if c.execution.ready {
		if c.execution.err != nil {
			return errorFuture(c.execution.err)
		}
		return f.e.signalExternal(ctx, c.namespace, c.workflowID, c.runID, signalName, data, true)
	}
	// Not started yet: send once it is. The start is an input, so the
	// signal's command comes at the same point on replay.
	signaled := &futureImpl{}
	c.execution.onReady(func() {
		if c.execution.err != nil {
			signaled.SetError(c.execution.err)
			return
		}
		signaled.Chain(f.e.signalExternal(ctx, c.namespace, c.workflowID, c.runID, signalName, data, true))
	})
	return signaled
}

func errorFuture(err error) Future {
	f := &futureImpl{}
	f.SetError(err)
	return f
}

// ExecuteChildWorkflow starts a child workflow (a function or a registered
// type name) with args and returns its future. The options come from ctx
// (WithChildOptions). Canceling ctx asks the child to cancel. The child may
// run on any partition: parent and child learn of each other only through
// events in their journals.
func ExecuteChildWorkflow(ctx Context, childWorkflow any, args ...any) ChildWorkflowFuture {
	e := executionOf(ctx, "ExecuteChildWorkflow")
	e.mustBeInTask("ExecuteChildWorkflow")
	c := &childState{result: &futureImpl{}, execution: &futureImpl{}, dc: e.dataConverterOf(ctx)}
	f := &childWorkflowFuture{futureImpl: c.result, e: e, child: c}
	fail := func(err error) ChildWorkflowFuture {
		c.execution.SetError(err)
		c.result.SetError(err)
		return f
	}
	workflowType, err := e.childWorkflowType(childWorkflow, args)
	if err != nil {
		return fail(err)
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	options := GetChildWorkflowOptions(ctx)
	if _, ok := journalpb.WorkflowIdReusePolicy_name[int32(options.WorkflowIDReusePolicy)]; !ok {
		return fail(fmt.Errorf("child workflow %q: unknown workflow ID reuse policy %d", workflowType, options.WorkflowIDReusePolicy))
	}
	input, err := c.dc.ToPayloads(args...)
	if err != nil {
		return fail(fmt.Errorf("child workflow %q: encoding arguments: %w", workflowType, err))
	}
	memo, err := EncodeMemo(options.Memo, c.dc)
	if err != nil {
		return fail(fmt.Errorf("child workflow %q: %w", workflowType, err))
	}
	searchAttributes, err := EncodeStartSearchAttributes(options.TypedSearchAttributes, options.SearchAttributes)
	if err != nil {
		return fail(fmt.Errorf("child workflow %q: %w", workflowType, err))
	}
	seq := e.nextSequence()
	c.workflowType = workflowType
	c.namespace = cmp.Or(options.Namespace, e.info.Namespace)
	c.workflowID = cmp.Or(options.WorkflowID, e.info.WorkflowExecution.RunID+"_"+strconv.FormatInt(seq, 10))
	c.waitForCancellation = options.WaitForCancellation
	c.cmd = e.addCommand(&journalpb.Event{Attributes: &journalpb.Event_StartChildWorkflowExecutionInitiated{
		StartChildWorkflowExecutionInitiated: &journalpb.StartChildWorkflowExecutionInitiated{
			Seq:                      seq,
			Namespace:                c.namespace,
			WorkflowId:               c.workflowID,
			WorkflowType:             workflowType,
			TaskQueue:                cmp.Or(options.TaskQueue, e.info.TaskQueueName),
			Input:                    input,
			WorkflowExecutionTimeout: optionalDuration(options.WorkflowExecutionTimeout),
			WorkflowRunTimeout:       optionalDuration(options.WorkflowRunTimeout),
			WorkflowTaskTimeout:      optionalDuration(options.WorkflowTaskTimeout),
			RetryPolicy:              RetryPolicyToProto(options.RetryPolicy),
			ParentClosePolicy:        options.ParentClosePolicy,
			WorkflowIdReusePolicy:    options.WorkflowIDReusePolicy,
			CronSchedule:             options.CronSchedule,
			Memo:                     memo,
			SearchAttributes:         searchAttributes,
			WaitForCancellation:      options.WaitForCancellation,
		},
	}}, func(eventID int64) {
		c.initiatedID = eventID
		lazymap.Set(&e.children, eventID, c)
	})
	c.detach = e.onCancel(ctx, func() { e.cancelChild(c) })
	return f
}

// EncodeMemo encodes memo values one payload each (nil for an empty memo).
func EncodeMemo(memo map[string]any, dc DataConverter) (map[string]*journalpb.Payload, error) {
	if len(memo) == 0 {
		return nil, nil
	}
	out := make(map[string]*journalpb.Payload, len(memo))
	for k, v := range memo {
		p, err := dc.ToPayload(v)
		if err != nil {
			return nil, fmt.Errorf("encoding memo %q: %w", k, err)
		}
		out[k] = p
	}
	return out, nil
}

// childWorkflowType returns the type name of a child workflow (a name or a
// function) and, for a function, checks args against its parameters.
func (e *Execution) childWorkflowType(childWorkflow any, args []any) (string, error) {
	switch w := childWorkflow.(type) {
	case string:
		if w == "" {
			return "", errors.New("ExecuteChildWorkflow: empty workflow type name")
		}
		return w, nil
	case nil:
		return "", errors.New("ExecuteChildWorkflow: workflow is nil; pass a workflow function or type name")
	}
	fnType := reflect.TypeOf(childWorkflow)
	if fnType.Kind() != reflect.Func {
		return "", fmt.Errorf("ExecuteChildWorkflow: workflow must be a function or a type name, got %T", childWorkflow)
	}
	name := e.opts.Registry.workflowNameOf(childWorkflow)
	if err := checkArgs("ExecuteChildWorkflow: workflow", name, fnType, contextType, args); err != nil {
		return "", err
	}
	return name, nil
}

// cancelChild handles the cancellation of a child's context.
func (e *Execution) cancelChild(c *childState) {
	if c.result.ready || c.cancelRequested {
		return
	}
	c.cancelRequested = true
	if c.initiatedID == 0 {
		// Initiated in this very task: it never reaches the history.
		e.dropCommand(c.cmd)
		c.execution.SetError(NewCanceledError())
		c.result.SetError(NewCanceledError())
		return
	}
	e.requestCancelExternal(c.namespace, c.workflowID, c.runID, true)
	if !c.waitForCancellation {
		c.result.SetError(NewCanceledError())
	}
}

// childFor returns the child that event ev, which refers to the
// StartChildWorkflowExecutionInitiated event initiatedID, is about.
func (e *Execution) childFor(ev *journalpb.Event, initiatedID int64) (*childState, error) {
	c, ok := e.children[initiatedID]
	if !ok {
		return nil, fmt.Errorf("history event %d (%s) refers to event %d, which is not a child workflow in flight",
			ev.GetEventId(), eventKind(ev), initiatedID)
	}
	return c, nil
}

// deliverChildEvent applies an input event about a child workflow.
func (e *Execution) deliverChildEvent(ev *journalpb.Event) error {
	switch x := ev.GetAttributes().(type) {
	case *journalpb.Event_ChildWorkflowExecutionStarted:
		c, err := e.childFor(ev, x.ChildWorkflowExecutionStarted.GetInitiatedEventId())
		if err != nil {
			return err
		}
		c.runID, c.startedID = x.ChildWorkflowExecutionStarted.GetRunId(), ev.GetEventId()
		c.execution.SetValue(WorkflowExecution{ID: c.workflowID, RunID: c.runID})
	case *journalpb.Event_StartChildWorkflowExecutionFailed:
		c, err := e.childFor(ev, x.StartChildWorkflowExecutionFailed.GetInitiatedEventId())
		if err != nil {
			return err
		}
		e.childDone(c)
		cause := error(&ChildWorkflowExecutionAlreadyStartedError{})
		if why := x.StartChildWorkflowExecutionFailed.GetCause(); why != childAlreadyStartedType {
			cause = NewApplicationError(why, "StartChildWorkflowFailed", true, nil)
		}
		err = NewChildWorkflowExecutionError(c.namespace, c.workflowID, "", c.workflowType, c.initiatedID, 0,
			journalpb.RetryState_RETRY_STATE_NON_RETRYABLE_FAILURE, cause)
		c.execution.SetError(err)
		if !c.result.ready {
			c.result.SetError(err)
		}
	case *journalpb.Event_ChildWorkflowExecutionClosed:
		closed := x.ChildWorkflowExecutionClosed
		c, err := e.childFor(ev, closed.GetInitiatedEventId())
		if err != nil {
			return err
		}
		e.childDone(c)
		if !c.execution.ready {
			// Closed without a recorded start (it was found closed after a restart).
			c.runID = closed.GetRunId()
			c.execution.SetValue(WorkflowExecution{ID: c.workflowID, RunID: c.runID})
		}
		if c.result.ready {
			return nil // canceled without waiting
		}
		cause := CloseError(closed.GetCloseEvent(), c.dc)
		if cause == nil {
			c.result.setPayloads(closed.GetCloseEvent().GetWorkflowExecutionCompleted().GetResult(), c.dc, nil)
			return nil
		}
		c.result.SetError(NewChildWorkflowExecutionError(c.namespace, c.workflowID, closed.GetRunId(), c.workflowType,
			c.initiatedID, c.startedID, closeRetryState(closed.GetCloseEvent()), cause))
	}
	return nil
}

// childDone forgets a child that will send no more events.
func (e *Execution) childDone(c *childState) {
	delete(e.children, c.initiatedID)
	c.detach()
}

// closeRetryState is the retry state a close event records.
func closeRetryState(ev *journalpb.Event) journalpb.RetryState {
	switch x := ev.GetAttributes().(type) {
	case *journalpb.Event_WorkflowExecutionFailed:
		return x.WorkflowExecutionFailed.GetRetryState()
	case *journalpb.Event_WorkflowExecutionTimedOut:
		return x.WorkflowExecutionTimedOut.GetRetryState()
	}
	return journalpb.RetryState_RETRY_STATE_UNSPECIFIED
}

// externalState is a signal or cancel request sent to another workflow,
// waiting for the engine to say whether it was delivered.
type externalState struct {
	future *futureImpl
	// arg is the value a signal sends, as the code passed it; the test
	// environment matches OnSignalExternalWorkflow mocks against it.
	arg any
}

// externalSignalArg returns the value the code passed to the signal whose
// SignalExternalWorkflowExecutionInitiated event is eventID, while its
// outcome is pending.
func (e *Execution) externalSignalArg(eventID int64) any {
	if x := e.externals[eventID]; x != nil {
		return x.arg
	}
	return nil
}

// SignalExternalWorkflow sends a signal to the workflow with workflowID (and
// runID, or its current run if ""). The future is ready once the signal is
// recorded in the target's history, or fails if there is no such workflow.
func SignalExternalWorkflow(ctx Context, workflowID, runID, signalName string, arg any) Future {
	e := executionOf(ctx, "SignalExternalWorkflow")
	return e.signalExternal(ctx, e.info.Namespace, workflowID, runID, signalName, arg, false)
}

func (e *Execution) signalExternal(ctx Context, namespace, workflowID, runID, signalName string, arg any, childOnly bool) Future {
	e.mustBeInTask("SignalExternalWorkflow")
	f := &futureImpl{}
	if workflowID == "" {
		f.SetError(errors.New("SignalExternalWorkflow: empty workflow ID"))
		return f
	}
	input, err := e.dataConverterOf(ctx).ToPayloads(arg)
	if err != nil {
		f.SetError(fmt.Errorf("signal %q: encoding the argument: %w", signalName, err))
		return f
	}
	x := &externalState{future: f, arg: arg}
	e.addCommand(&journalpb.Event{Attributes: &journalpb.Event_SignalExternalWorkflowExecutionInitiated{
		SignalExternalWorkflowExecutionInitiated: &journalpb.SignalExternalWorkflowExecutionInitiated{
			Seq: e.nextSequence(), Namespace: namespace, WorkflowId: workflowID, RunId: runID,
			SignalName: signalName, Input: input, ChildWorkflowOnly: childOnly,
		}}}, func(eventID int64) { lazymap.Set(&e.externals, eventID, x) })
	return f
}

// RequestCancelExternalWorkflow asks the workflow with workflowID (and
// runID, or its current run if "") to cancel. The future is ready once the
// request is recorded in the target's history.
func RequestCancelExternalWorkflow(ctx Context, workflowID, runID string) Future {
	e := executionOf(ctx, "RequestCancelExternalWorkflow")
	e.mustBeInTask("RequestCancelExternalWorkflow")
	if workflowID == "" {
		return errorFuture(errors.New("RequestCancelExternalWorkflow: empty workflow ID"))
	}
	return e.requestCancelExternal(e.info.Namespace, workflowID, runID, false)
}

func (e *Execution) requestCancelExternal(namespace, workflowID, runID string, childOnly bool) Future {
	x := &externalState{future: &futureImpl{}}
	e.addCommand(&journalpb.Event{Attributes: &journalpb.Event_RequestCancelExternalWorkflowExecutionInitiated{
		RequestCancelExternalWorkflowExecutionInitiated: &journalpb.RequestCancelExternalWorkflowExecutionInitiated{
			Seq: e.nextSequence(), Namespace: namespace, WorkflowId: workflowID, RunId: runID, ChildWorkflowOnly: childOnly,
		}}}, func(eventID int64) { lazymap.Set(&e.externals, eventID, x) })
	return x.future
}

// deliverExternalEvent applies the outcome of a signal or cancel request
// sent to another workflow.
func (e *Execution) deliverExternalEvent(ev *journalpb.Event, initiatedID int64, failure string) error {
	x, ok := e.externals[initiatedID]
	if !ok {
		return fmt.Errorf("history event %d (%s) refers to event %d, which is not a request in flight",
			ev.GetEventId(), eventKind(ev), initiatedID)
	}
	delete(e.externals, initiatedID)
	if failure != "" {
		x.future.SetError(NewApplicationError(failure, "UnknownExternalWorkflowExecution", true, nil))
		return nil
	}
	x.future.SetValue(nil)
	return nil
}
