package internal

import (
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/robfig/cron/v3"
	"google.golang.org/protobuf/proto"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// startChild starts the child of an initiating event: the child's mock if
// the test set one up with OnWorkflow, else a run of the registered child
// workflow next to the parent's. The child's ID reuse policy applies, as
// on a node, to the latest run with its workflow ID.
func (r *testRun) startChild(initiatedID int64, in *journalpb.StartChildWorkflowExecutionInitiated) {
	e := r.env
	if e.childIDRefused(in) {
		r.addInput(&journalpb.Event{Attributes: &journalpb.Event_StartChildWorkflowExecutionFailed{StartChildWorkflowExecutionFailed: &journalpb.StartChildWorkflowExecutionFailed{
			InitiatedEventId: initiatedID, WorkflowId: in.GetWorkflowId(), Cause: childAlreadyStartedType}}})
		return
	}
	runID := e.childRunID(in.GetWorkflowId())
	r.addInput(&journalpb.Event{Attributes: &journalpb.Event_ChildWorkflowExecutionStarted{ChildWorkflowExecutionStarted: &journalpb.ChildWorkflowExecutionStarted{
		InitiatedEventId: initiatedID, WorkflowId: in.GetWorkflowId(), RunId: runID}}})
	if e.isMocked(&e.workflowMock, in.GetWorkflowType()) {
		r.runMockedChild(initiatedID, runID, in)
		return
	}
	child := e.newRun(in.GetWorkflowId(), runID, &journalpb.WorkflowExecutionStarted{
		WorkflowType: in.GetWorkflowType(), TaskQueue: in.GetTaskQueue(), Input: in.GetInput(),
		WorkflowExecutionTimeout: in.GetWorkflowExecutionTimeout(), WorkflowRunTimeout: in.GetWorkflowRunTimeout(),
		WorkflowTaskTimeout: in.GetWorkflowTaskTimeout(), RetryPolicy: in.GetRetryPolicy(),
		Memo: in.GetMemo(), SearchAttributes: in.GetSearchAttributes(), CronSchedule: in.GetCronSchedule(),
		Parent: ChildParentExecution(defaultTestNamespace, r.id, r.runID, initiatedID, r.started),
	})
	child.parent, child.initiatedID, child.closePolicy = r, initiatedID, in.GetParentClosePolicy()
	r.children[initiatedID] = child
}

// continueAsNew starts the run that follows a child run that continued as
// new, as a node does: a fresh history under the same workflow ID, with the
// type, input and run timeout the code chose, the search attributes and
// memo it ended with, and the signals it had not consumed as its first
// inputs. The parent is not told; its child future resolves when the last
// run of the chain closes. A continuation into a workflow type mocked with
// OnWorkflow is answered by the mock. (The workflow under test is not
// followed: GetWorkflowError reports its ContinueAsNewError, as in Temporal.)
func (r *testRun) continueAsNew(can *journalpb.WorkflowExecutionContinuedAsNew) {
	e := r.env
	if p := r.parent; p != nil && e.isMocked(&e.workflowMock, can.GetWorkflowType()) {
		e.setOpen(r.id, false) // the mock stands for the rest of the chain
		p.runMockedChild(r.initiatedID, e.childRunID(r.id), &journalpb.StartChildWorkflowExecutionInitiated{
			WorkflowId: r.id, WorkflowType: can.GetWorkflowType(), Input: can.GetInput()})
		return
	}
	started := proto.Clone(r.started).(*journalpb.WorkflowExecutionStarted)
	started.WorkflowType, started.TaskQueue, started.Input = can.GetWorkflowType(), can.GetTaskQueue(), can.GetInput()
	started.WorkflowRunTimeout = can.GetWorkflowRunTimeout()
	started.SearchAttributes, started.Memo = can.GetSearchAttributes(), can.GetMemo()
	next := r.follow(started)
	for _, s := range can.GetCarriedSignals() {
		next.addInput(&journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionSignaled{WorkflowExecutionSignaled: s}})
	}
}

// follow starts the run that follows r under its workflow ID (after a
// continue-as-new, or at the next time of its cron schedule) and puts it
// in r's place with r's parent.
func (r *testRun) follow(started *journalpb.WorkflowExecutionStarted) *testRun {
	e := r.env
	started.ContinuedExecutionRunId = r.runID
	next := e.newRun(r.id, e.childRunID(r.id), started)
	next.parent, next.initiatedID, next.closePolicy = r.parent, r.initiatedID, r.closePolicy
	if r.parent != nil {
		r.parent.children[r.initiatedID] = next
	}
	return next
}

// idRun is the latest run a workflow ID had in the environment: a run of
// a workflow, or a mocked child.
type idRun struct {
	runs      int                      // how many runs the ID has had
	status    journalpb.WorkflowStatus // RUNNING until the run closes
	terminate func(reason string)      // closes the run while it runs
}

// close records how the run closed.
func (u *idRun) close(ev *journalpb.Event) { u.status = CloseStatus(ev) }

// useID records a new run of workflow ID id, which terminate closes.
func (e *TestWorkflowEnvironment) useID(id string, terminate func(reason string)) *idRun {
	u := &idRun{runs: 1, status: journalpb.WorkflowStatus_WORKFLOW_STATUS_RUNNING, terminate: terminate}
	if last := e.ids[id]; last != nil {
		u.runs = last.runs + 1
	}
	e.ids[id] = u
	return u
}

// childRunID is the run ID of a child's run: its workflow ID and "-run",
// numbered from the ID's second run on.
func (e *TestWorkflowEnvironment) childRunID(id string) string {
	if last := e.ids[id]; last != nil {
		return id + "-run-" + strconv.Itoa(last.runs+1)
	}
	return id + "-run"
}

// childIDRefused applies the child's ID reuse policy to the latest run
// with its workflow ID, as the engine does, and reports whether the start
// fails as already started. TERMINATE_IF_RUNNING terminates a running one.
func (e *TestWorkflowEnvironment) childIDRefused(in *journalpb.StartChildWorkflowExecutionInitiated) bool {
	last := e.ids[in.GetWorkflowId()]
	if last == nil {
		return false
	}
	policy := in.GetWorkflowIdReusePolicy()
	if last.status == journalpb.WorkflowStatus_WORKFLOW_STATUS_RUNNING {
		if policy != journalpb.WorkflowIdReusePolicy_WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING {
			return true
		}
		last.terminate("terminated by a child start with the TerminateIfRunning ID reuse policy")
		return false
	}
	switch policy {
	case journalpb.WorkflowIdReusePolicy_WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE:
		return true
	case journalpb.WorkflowIdReusePolicy_WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY:
		return last.status == journalpb.WorkflowStatus_WORKFLOW_STATUS_COMPLETED
	}
	return false
}

// scheduleRetryRun follows a child run that failed or timed out with the
// next attempt its retry policy allows, after the policy's backoff on the
// virtual clock, as a node does (and Temporal's test environment): the
// close event records the retry state and the next run's ID, and the
// parent is told only when the last attempt closes. It reports whether an
// attempt was scheduled. (The workflow under test is not retried, as in
// Temporal.)
func (r *testRun) scheduleRetryRun(closeEvent *journalpb.Event) bool {
	e, p := r.env, r.parent
	policy := r.started.GetRetryPolicy()
	if p == nil || policy == nil {
		return false
	}
	var failure *journalpb.Failure
	switch {
	case closeEvent.GetWorkflowExecutionFailed() != nil:
		failure = closeEvent.GetWorkflowExecutionFailed().GetFailure()
	case closeEvent.GetWorkflowExecutionTimedOut() != nil:
		failure = ConvertErrorToFailure(NewTimeoutError("workflow run timed out", journalpb.TimeoutType_TIMEOUT_TYPE_START_TO_CLOSE, nil), nil)
	default:
		return false // completed, canceled and terminated runs are not retried
	}
	delay, state := NextRetryDelay(policy, r.started.GetAttempt(), failure)
	if expiry := r.started.GetWorkflowExecutionExpirationTime(); delay >= 0 && expiry != nil && !e.now.Add(delay).Before(expiry.AsTime()) {
		delay, state = -1, journalpb.RetryState_RETRY_STATE_TIMEOUT
	}
	runID := ""
	if delay >= 0 {
		runID = e.childRunID(r.id)
	}
	switch x := closeEvent.GetAttributes().(type) {
	case *journalpb.Event_WorkflowExecutionFailed:
		x.WorkflowExecutionFailed.RetryState, x.WorkflowExecutionFailed.NewExecutionRunId = state, runID
	case *journalpb.Event_WorkflowExecutionTimedOut:
		x.WorkflowExecutionTimedOut.RetryState, x.WorkflowExecutionTimedOut.NewExecutionRunId = state, runID
	}
	if delay < 0 {
		return false
	}
	started := proto.Clone(r.started).(*journalpb.WorkflowExecutionStarted)
	started.Attempt = max(started.GetAttempt(), 1) + 1
	e.queue.add(e.now.Add(delay), func() {
		if p.closeEvent != nil {
			return // the parent closed meanwhile: its close policy ended the retries
		}
		r.follow(started)
	})
	return true
}

// scheduleCronRun follows a child run with a cron schedule that completed,
// failed or timed out, as Temporal's test environment does: the next run
// starts at the schedule's next time after now (UTC) on the virtual clock,
// with the last completion result of the chain (this run's result if it
// completed with one, else the one this run got), and the parent is not
// told; its child future resolves only when the schedule has no next time.
// The first run starts at once, not at the schedule's first time. It
// reports whether a next run was scheduled. (The workflow under test is not
// rescheduled, as in Temporal.)
func (r *testRun) scheduleCronRun(closeEvent *journalpb.Event) bool {
	e, p := r.env, r.parent
	schedule := r.started.GetCronSchedule()
	if p == nil || schedule == "" {
		return false
	}
	switch {
	case closeEvent.GetWorkflowExecutionCompleted() != nil, closeEvent.GetWorkflowExecutionFailed() != nil,
		closeEvent.GetWorkflowExecutionTimedOut() != nil:
	default:
		return false // canceled and terminated runs end the schedule
	}
	parsed, err := cron.ParseStandard(schedule)
	if err != nil {
		e.logger.Warn("child workflow's cron schedule does not parse; the child is not rescheduled",
			"WorkflowID", r.id, "CronSchedule", schedule, "Error", err)
		return false
	}
	now := e.now.UTC()
	next := parsed.Next(now)
	if next.IsZero() || !next.After(now) {
		return false
	}
	started := proto.Clone(r.started).(*journalpb.WorkflowExecutionStarted)
	if result := closeEvent.GetWorkflowExecutionCompleted().GetResult(); result != nil {
		started.LastCompletionResult = result
	}
	e.queue.add(next, func() {
		if p.closeEvent != nil {
			return // the parent closed meanwhile: its close policy ended the schedule
		}
		r.follow(started)
	})
	return true
}

// runMockedChild answers a child workflow with its mock, after the mock's
// delay on the virtual clock. Until then the child counts as running, and
// terminating it delivers its termination instead.
func (r *testRun) runMockedChild(initiatedID int64, runID string, in *journalpb.StartChildWorkflowExecutionInitiated) {
	e := r.env
	closeEvent := e.mockedWorkflowClose(in)
	var pending *virtualEvent
	use := e.useID(in.GetWorkflowId(), nil)
	deliver := func(ev *journalpb.Event) {
		use.close(ev)
		r.childClosed(initiatedID, in.GetWorkflowId(), runID, in.GetWorkflowType(), ev)
	}
	use.terminate = func(reason string) {
		pending.canceled = true
		deliver(&journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionTerminated{
			WorkflowExecutionTerminated: &journalpb.WorkflowExecutionTerminated{Reason: reason}}})
	}
	if closeEvent.delay > 0 {
		pending = e.queue.add(e.now.Add(closeEvent.delay), func() { deliver(closeEvent.event) })
		return
	}
	deliver(closeEvent.event)
}

// mockedClose is the close event a workflow mock stands for, and how long
// after the start (on the virtual clock) it happens.
type mockedClose struct {
	event *journalpb.Event
	delay time.Duration
}

// mockedWorkflowClose calls the mock of the child in and turns what it
// returns into the child's close event.
func (e *TestWorkflowEnvironment) mockedWorkflowClose(in *journalpb.StartChildWorkflowExecutionInitiated) mockedClose {
	failed := func(err error) mockedClose {
		return mockedClose{event: &journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionFailed{WorkflowExecutionFailed: &journalpb.WorkflowExecutionFailed{
			Failure: ConvertErrorToFailure(err, e.dc)}}}}
	}
	fn, ok := e.registry.Workflow(in.GetWorkflowType())
	if !ok {
		return failed(&UnknownTypeError{Kind: "workflow", Name: in.GetWorkflowType(), Known: e.registry.WorkflowTypes()})
	}
	fnType := reflect.TypeOf(fn)
	first := 0
	if fnType.NumIn() > 0 && fnType.In(0) == contextType {
		first = 1
	}
	args, err := decodeArgs(fnType, first, in.GetInput(), e.dc)
	if err != nil {
		return failed(fmt.Errorf("child workflow %s: %w", in.GetWorkflowType(), err))
	}
	if first == 1 {
		args = append([]reflect.Value{reflect.Zero(contextType)}, args...)
	}
	out, delay, err := e.callMock(&e.workflowMock, in.GetWorkflowType(), fnType, args)
	if err == nil {
		if errV := out[len(out)-1]; !errV.IsNil() {
			err = errV.Interface().(error)
		}
	}
	if err != nil {
		closed := failed(err)
		closed.delay = delay
		return closed
	}
	var result *journalpb.Payloads
	if len(out) == 2 {
		if result, err = e.dc.ToPayloads(out[0].Interface()); err != nil {
			return failed(fmt.Errorf("child workflow %s: encoding the mock's result: %w", in.GetWorkflowType(), err))
		}
	}
	return mockedClose{delay: delay, event: &journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionCompleted{
		WorkflowExecutionCompleted: &journalpb.WorkflowExecutionCompleted{Result: result}}}}
}

// closeChildren applies the parent close policies of a run that closed.
func (r *testRun) closeChildren() {
	for _, child := range r.children {
		switch child.closePolicy {
		case ParentClosePolicyAbandon:
		case ParentClosePolicyRequestCancel:
			child.addInput(&journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionCancelRequested{
				WorkflowExecutionCancelRequested: &journalpb.WorkflowExecutionCancelRequested{Cause: "parent closed"}}})
		default:
			child.addInput(&journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionTerminated{
				WorkflowExecutionTerminated: &journalpb.WorkflowExecutionTerminated{Reason: "parent closed"}}})
		}
		child.parent = nil
	}
	clear(r.children)
}

// findRun returns the open run with workflow ID id, or nil.
func (e *TestWorkflowEnvironment) findRun(id string) *testRun {
	for _, r := range e.runs {
		if r.id == id && r.closeEvent == nil {
			return r
		}
	}
	return nil
}

// signalExternal carries out a signal a run sent to another workflow. An
// open workflow of the environment gets it. A workflow the environment ran
// that has closed cannot, and neither can one it never ran unless the test
// mocked the signal with OnSignalExternalWorkflow: the sender's future then
// fails as on a node, with an UnknownExternalWorkflowExecution error.
func (r *testRun) signalExternal(initiatedID int64, s *journalpb.SignalExternalWorkflowExecutionInitiated) {
	e := r.env
	done := &journalpb.Event{Attributes: &journalpb.Event_ExternalWorkflowExecutionSignaled{ExternalWorkflowExecutionSignaled: &journalpb.ExternalWorkflowExecutionSignaled{
		InitiatedEventId: initiatedID}}}
	failed := func(cause string) *journalpb.Event {
		return &journalpb.Event{Attributes: &journalpb.Event_SignalExternalWorkflowExecutionFailed{SignalExternalWorkflowExecutionFailed: &journalpb.SignalExternalWorkflowExecutionFailed{
			InitiatedEventId: initiatedID, Cause: cause}}}
	}
	if target := e.findRun(s.GetWorkflowId()); target != nil {
		target.addInput(&journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionSignaled{WorkflowExecutionSignaled: &journalpb.WorkflowExecutionSignaled{
			SignalName: s.GetSignalName(), Input: s.GetInput(), Identity: "workflow " + r.id}}})
		r.addInput(done)
		return
	}
	if _, known := e.isOpen(s.GetWorkflowId()); !known && !s.GetChildWorkflowOnly() && e.isMocked(&e.workflowMock, mockSignalExternalWorkflow) {
		arg := r.exec.externalSignalArg(initiatedID)
		r.answerFromMock(mockSignalExternalWorkflow, signalExternalWorkflowType, []reflect.Value{
			reflect.ValueOf(s.GetNamespace()), reflect.ValueOf(s.GetWorkflowId()), reflect.ValueOf(s.GetRunId()),
			reflect.ValueOf(s.GetSignalName()), reflect.ValueOf(&arg).Elem()}, done, failed)
		return
	}
	r.addInput(failed(e.notOpenCause(s.GetWorkflowId())))
}

// cancelExternal carries out a cancel request a run sent to another
// workflow, as signalExternal does a signal, with the mocks set up by
// OnRequestCancelExternalWorkflow.
func (r *testRun) cancelExternal(initiatedID int64, c *journalpb.RequestCancelExternalWorkflowExecutionInitiated) {
	e := r.env
	done := &journalpb.Event{Attributes: &journalpb.Event_ExternalWorkflowExecutionCancelRequested{ExternalWorkflowExecutionCancelRequested: &journalpb.ExternalWorkflowExecutionCancelRequested{
		InitiatedEventId: initiatedID}}}
	failed := func(cause string) *journalpb.Event {
		return &journalpb.Event{Attributes: &journalpb.Event_RequestCancelExternalWorkflowExecutionFailed{RequestCancelExternalWorkflowExecutionFailed: &journalpb.RequestCancelExternalWorkflowExecutionFailed{
			InitiatedEventId: initiatedID, Cause: cause}}}
	}
	if target := e.findRun(c.GetWorkflowId()); target != nil {
		target.addInput(&journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionCancelRequested{
			WorkflowExecutionCancelRequested: &journalpb.WorkflowExecutionCancelRequested{Cause: "requested by workflow " + r.id}}})
		r.addInput(done)
		return
	}
	if _, known := e.isOpen(c.GetWorkflowId()); !known && !c.GetChildWorkflowOnly() && e.isMocked(&e.workflowMock, mockRequestCancelExternalWorkflow) {
		r.answerFromMock(mockRequestCancelExternalWorkflow, requestCancelExternalWorkflowType, []reflect.Value{
			reflect.ValueOf(c.GetNamespace()), reflect.ValueOf(c.GetWorkflowId()), reflect.ValueOf(c.GetRunId())}, done, failed)
		return
	}
	r.addInput(failed(e.notOpenCause(c.GetWorkflowId())))
}

// notOpenCause says why a signal or cancel request cannot reach workflow id.
func (e *TestWorkflowEnvironment) notOpenCause(id string) string {
	if _, known := e.isOpen(id); known {
		return fmt.Sprintf("workflow %q already closed", id)
	}
	return fmt.Sprintf("no workflow %q in the test environment", id)
}

// answerFromMock calls the mock of a signal or cancel request sent to a
// workflow outside the environment, on the environment's goroutine, and
// gives the run the request's outcome after the mock's delay on the virtual
// clock: done if the mock returned nil, failed with the error's message
// otherwise.
func (r *testRun) answerFromMock(method string, fnType reflect.Type, args []reflect.Value, done *journalpb.Event, failed func(cause string) *journalpb.Event) {
	e := r.env
	out, delay, err := e.callMock(&e.workflowMock, method, fnType, args)
	if err == nil && !out[0].IsNil() {
		err = out[0].Interface().(error)
	}
	outcome := done
	if err != nil {
		outcome = failed(err.Error())
	}
	if delay > 0 {
		e.queue.add(e.now.Add(delay), func() { r.addInput(outcome) })
		return
	}
	r.addInput(outcome)
}
