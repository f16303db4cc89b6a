package actor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/grainflow/grainflow/journal/journalpb"
	internal "github.com/grainflow/grainflow/sdk/internalbindings"
)

// Child workflows and requests to other workflows.
//
// A parent and its child may live on different partitions, so they talk
// only by messages through the hosts, and each side records what it learned
// in its own journal before acting on it:
//
//  1. The parent's decision records StartChildWorkflowExecutionInitiated;
//     then the parent sends startChild to the child's host.
//  2. The child's actor starts the run, with the parent named in its
//     WorkflowExecutionStarted, and answers with childStarted. A start that
//     names the same parent and initiating event again finds that run and
//     answers the same, so resending is safe.
//  3. The parent records ChildWorkflowExecutionStarted.
//  4. When the child's last run closes (after continue-as-new, retries and
//     cron runs), the child sends childClosed with its close event; the
//     parent records ChildWorkflowExecutionClosed.
//
// A restart can drop any message in flight. The parent's run keeps its wake
// flag while a child or request is pending, and on activation it resends
// startChild for children not yet started, and watchChild for started ones
// (the child answers with childClosed if it has closed). Signals to other
// workflows carry a request ID that the target records, so a resent signal
// is recorded once.

// pendingChild is a child workflow the run started and has not seen close.
type pendingChild struct {
	initiatedID int64
	initiated   *journalpb.StartChildWorkflowExecutionInitiated
	runID       string // set once the start is recorded
}

// Messages between parent and child actors.
type (
	startChild struct {
		parent    *journalpb.ParentExecution
		initiated *journalpb.StartChildWorkflowExecutionInitiated
	}
	childStarted struct {
		parentRunID string
		initiatedID int64
		runID       string
		cause       string // why the start failed; "" if it succeeded
	}
	watchChild struct {
		parent *journalpb.ParentExecution
	}
	childClosed struct {
		parentRunID  string
		initiatedID  int64
		runID        string
		workflowType string
		closeEvent   *journalpb.Event
	}
	// externalRequest is a signal or cancel request from another workflow.
	externalRequest struct {
		from      *journalpb.ParentExecution // the requesting run and its initiating event
		runID     string
		signal    *journalpb.SignalExternalWorkflowExecutionInitiated // nil for a cancel request
		requestID string
	}
	externalDone struct {
		runID       string
		initiatedID int64
		cause       string // why it failed; "" if it succeeded
	}
)

// sendChildStart asks the child's actor to start the child of an
// initiating event (again, after a restart).
func (a *workflowActor) sendChildStart(c *pendingChild) {
	ns := a.engine.namespace(c.initiated.GetNamespace())
	a.engine.host(ns, c.initiated.GetWorkflowId()).send(ns, c.initiated.GetWorkflowId(), &startChild{
		parent: a.parentRef(c.initiatedID), initiated: c.initiated})
}

// sendChildWatch asks a started child to report its close if it happened
// while this node was down.
func (a *workflowActor) sendChildWatch(c *pendingChild) {
	ns := a.engine.namespace(c.initiated.GetNamespace())
	a.engine.host(ns, c.initiated.GetWorkflowId()).send(ns, c.initiated.GetWorkflowId(), &watchChild{parent: a.parentRef(c.initiatedID)})
}

// sendExternal sends a recorded signal or cancel request to its target.
func (a *workflowActor) sendExternal(initiatedID int64, ev *journalpb.Event) {
	req := &externalRequest{from: a.parentRef(initiatedID), requestID: fmt.Sprintf("%s/%s/%d", a.key.workflowID, a.meta.GetRunId(), initiatedID)}
	var ns, workflowID string
	if s := ev.GetSignalExternalWorkflowExecutionInitiated(); s != nil {
		req.signal, req.runID = s, s.GetRunId()
		ns, workflowID = s.GetNamespace(), s.GetWorkflowId()
	} else {
		c := ev.GetRequestCancelExternalWorkflowExecutionInitiated()
		req.runID = c.GetRunId()
		ns, workflowID = c.GetNamespace(), c.GetWorkflowId()
	}
	ns = a.engine.namespace(ns)
	a.engine.host(ns, workflowID).send(ns, workflowID, req)
}

// parentRef names this run and one of its events, for the other side to answer.
func (a *workflowActor) parentRef(initiatedID int64) *journalpb.ParentExecution {
	return internal.ChildParentExecution(a.key.namespace, a.key.workflowID, a.meta.GetRunId(), initiatedID,
		a.startEvent.GetWorkflowExecutionStarted())
}

// replyTo sends msg to the actor of the run ref names.
func (a *workflowActor) replyTo(ref *journalpb.ParentExecution, msg any) {
	a.engine.host(ref.GetNamespace(), ref.GetWorkflowId()).send(ref.GetNamespace(), ref.GetWorkflowId(), msg)
}

// resumeChildren resends, after activation, what a restart may have lost.
func (a *workflowActor) resumeChildren() {
	for _, c := range a.children {
		if c.runID == "" {
			a.sendChildStart(c)
		} else {
			a.sendChildWatch(c)
		}
	}
	for id, ev := range a.externals {
		a.sendExternal(id, ev)
	}
}

// startChild handles a parent's request to start this workflow as its child.
func (a *workflowActor) startChild(m *startChild) {
	reply := func(runID, cause string) {
		a.replyTo(m.parent, &childStarted{parentRunID: m.parent.GetRunId(), initiatedID: m.parent.GetInitiatedEventId(), runID: runID, cause: cause})
	}
	if a.isChildOf(m.parent) {
		reply(a.startEvent.GetWorkflowExecutionStarted().GetFirstExecutionRunId(), "")
		if !a.isOpen() && a.recordedNextRun() == nil {
			a.notifyParent()
		}
		return
	}
	in := m.initiated
	req := &StartWorkflowRequest{
		Namespace: a.key.namespace, WorkflowID: a.key.workflowID, WorkflowType: in.GetWorkflowType(),
		TaskQueue: in.GetTaskQueue(), Input: in.GetInput(),
		WorkflowExecutionTimeout: in.GetWorkflowExecutionTimeout().AsDuration(),
		WorkflowRunTimeout:       in.GetWorkflowRunTimeout().AsDuration(),
		WorkflowTaskTimeout:      in.GetWorkflowTaskTimeout().AsDuration(),
		RetryPolicy:              in.GetRetryPolicy(), IDReusePolicy: in.GetWorkflowIdReusePolicy(),
		Memo: in.GetMemo(), SearchAttributes: in.GetSearchAttributes(), CronSchedule: in.GetCronSchedule(), Identity: "parent " + m.parent.GetWorkflowId(),
		parent: m.parent,
	}
	runID, err := a.start(&startRequest{req: req})
	var already *WorkflowExecutionAlreadyStartedError
	switch {
	case errors.As(err, &already):
		reply("", childAlreadyStartedCause)
	case err != nil:
		reply("", err.Error())
	default:
		reply(runID, "")
	}
}

// childAlreadyStartedCause is the StartChildWorkflowExecutionFailed cause
// the runtime turns into a ChildWorkflowExecutionAlreadyStartedError.
const childAlreadyStartedCause = "ChildWorkflowExecutionAlreadyStarted"

// isChildOf reports whether the latest run was started by parent's event.
func (a *workflowActor) isChildOf(parent *journalpb.ParentExecution) bool {
	p := a.startEvent.GetWorkflowExecutionStarted().GetParent()
	return p != nil && p.GetNamespace() == parent.GetNamespace() && p.GetWorkflowId() == parent.GetWorkflowId() &&
		p.GetRunId() == parent.GetRunId() && p.GetInitiatedEventId() == parent.GetInitiatedEventId()
}

// watchChild answers a parent that lost track of this child in a restart.
func (a *workflowActor) watchChild(m *watchChild) {
	switch {
	case !a.isChildOf(m.parent):
		// The workflow ID now belongs to another run; the child's own
		// history is gone (retention) or was replaced.
		closeEvent := &journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionTerminated{WorkflowExecutionTerminated: &journalpb.WorkflowExecutionTerminated{
			Reason: "the child workflow's run can no longer be found"}}}
		a.replyTo(m.parent, &childClosed{parentRunID: m.parent.GetRunId(), initiatedID: m.parent.GetInitiatedEventId(), closeEvent: closeEvent})
	case !a.isOpen() && a.recordedNextRun() == nil:
		a.notifyParent()
	}
}

// notifyParent tells the parent, if any, that the child's last run closed.
func (a *workflowActor) notifyParent() {
	parent := a.startEvent.GetWorkflowExecutionStarted().GetParent()
	if parent == nil {
		return
	}
	a.replyTo(parent, &childClosed{parentRunID: parent.GetRunId(), initiatedID: parent.GetInitiatedEventId(),
		runID: a.meta.GetRunId(), workflowType: a.meta.GetWorkflowType(), closeEvent: a.closeEvent})
}

// childStarted records the outcome of a child's start.
func (a *workflowActor) childStarted(m *childStarted) {
	c := a.children[m.initiatedID]
	if !a.isOpen() || m.parentRunID != a.meta.GetRunId() || c == nil || c.runID != "" {
		return // the run closed, or this is a repeat
	}
	workflowID := c.initiated.GetWorkflowId()
	if m.cause != "" {
		_ = a.commit([]*journalpb.Event{{Attributes: &journalpb.Event_StartChildWorkflowExecutionFailed{StartChildWorkflowExecutionFailed: &journalpb.StartChildWorkflowExecutionFailed{
			InitiatedEventId: m.initiatedID, WorkflowId: workflowID, Cause: m.cause}}}}, appendExtras{})
		return
	}
	_ = a.commit([]*journalpb.Event{{Attributes: &journalpb.Event_ChildWorkflowExecutionStarted{ChildWorkflowExecutionStarted: &journalpb.ChildWorkflowExecutionStarted{
		InitiatedEventId: m.initiatedID, WorkflowId: workflowID, RunId: m.runID}}}}, appendExtras{})
}

// childClosed records how a child ended.
func (a *workflowActor) childClosed(m *childClosed) {
	c := a.children[m.initiatedID]
	if !a.isOpen() || m.parentRunID != a.meta.GetRunId() || c == nil {
		return
	}
	_ = a.commit([]*journalpb.Event{{Attributes: &journalpb.Event_ChildWorkflowExecutionClosed{ChildWorkflowExecutionClosed: &journalpb.ChildWorkflowExecutionClosed{
		InitiatedEventId: m.initiatedID, WorkflowId: c.initiated.GetWorkflowId(), RunId: m.runID,
		WorkflowType: c.initiated.GetWorkflowType(), CloseEvent: m.closeEvent}}}}, appendExtras{})
}

// externalRequest handles a signal or cancel request from another workflow.
func (a *workflowActor) externalRequest(m *externalRequest) {
	var err error
	switch {
	case m.signal != nil && a.signalRequests[m.requestID]:
		// Recorded before a restart made the sender send it again.
	case m.signal != nil:
		if err = a.openRun(m.runID); err == nil {
			err = a.commit([]*journalpb.Event{{Attributes: &journalpb.Event_WorkflowExecutionSignaled{WorkflowExecutionSignaled: &journalpb.WorkflowExecutionSignaled{
				SignalName: m.signal.GetSignalName(), Input: m.signal.GetInput(), Identity: "workflow " + m.from.GetWorkflowId(),
				RequestId: m.requestID}}}}, appendExtras{})
		}
	default:
		err = a.requestCancel(&cancelRequest{runID: m.runID, reason: "requested by workflow " + m.from.GetWorkflowId()})
	}
	done := &externalDone{runID: m.from.GetRunId(), initiatedID: m.from.GetInitiatedEventId()}
	if err != nil {
		done.cause = err.Error()
	}
	a.replyTo(m.from, done)
}

// externalDone records the outcome of a signal or cancel request this run sent.
func (a *workflowActor) externalDone(m *externalDone) {
	ev := a.externals[m.initiatedID]
	if !a.isOpen() || m.runID != a.meta.GetRunId() || ev == nil {
		return
	}
	var out *journalpb.Event
	switch {
	case ev.GetSignalExternalWorkflowExecutionInitiated() != nil && m.cause == "":
		out = &journalpb.Event{Attributes: &journalpb.Event_ExternalWorkflowExecutionSignaled{ExternalWorkflowExecutionSignaled: &journalpb.ExternalWorkflowExecutionSignaled{
			InitiatedEventId: m.initiatedID}}}
	case ev.GetSignalExternalWorkflowExecutionInitiated() != nil:
		out = &journalpb.Event{Attributes: &journalpb.Event_SignalExternalWorkflowExecutionFailed{SignalExternalWorkflowExecutionFailed: &journalpb.SignalExternalWorkflowExecutionFailed{
			InitiatedEventId: m.initiatedID, Cause: m.cause}}}
	case m.cause == "":
		out = &journalpb.Event{Attributes: &journalpb.Event_ExternalWorkflowExecutionCancelRequested{ExternalWorkflowExecutionCancelRequested: &journalpb.ExternalWorkflowExecutionCancelRequested{
			InitiatedEventId: m.initiatedID}}}
	default:
		out = &journalpb.Event{Attributes: &journalpb.Event_RequestCancelExternalWorkflowExecutionFailed{RequestCancelExternalWorkflowExecutionFailed: &journalpb.RequestCancelExternalWorkflowExecutionFailed{
			InitiatedEventId: m.initiatedID, Cause: m.cause}}}
	}
	_ = a.commit([]*journalpb.Event{out}, appendExtras{})
}

// childrenToClose lists the pending children whose parent close policy
// asks for something when this run closes.
func (a *workflowActor) childrenToClose() []*pendingChild {
	var out []*pendingChild
	for _, c := range a.children {
		if c.initiated.GetParentClosePolicy() != journalpb.ParentClosePolicy_PARENT_CLOSE_POLICY_ABANDON {
			out = append(out, c)
		}
	}
	return out
}

// applyParentClosePolicies terminates or asks to cancel the children of a
// run that closed, and waits until each has recorded it: the run keeps its
// wake flag until then, so a restart in between applies them again.
func (a *workflowActor) applyParentClosePolicies(children []*pendingChild) {
	for _, c := range children {
		ns := a.engine.namespace(c.initiated.GetNamespace())
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var err error
		reason := fmt.Sprintf("parent workflow %s closed", a.key.workflowID)
		if c.initiated.GetParentClosePolicy() == journalpb.ParentClosePolicy_PARENT_CLOSE_POLICY_REQUEST_CANCEL {
			err = a.engine.CancelWorkflow(ctx, ns, c.initiated.GetWorkflowId(), "", reason)
		} else {
			err = a.engine.TerminateWorkflow(ctx, ns, c.initiated.GetWorkflowId(), "", reason, nil)
		}
		cancel()
		var notFound *NotFoundError
		if err != nil && !errors.As(err, &notFound) {
			a.engine.opts.Logger.Warn("applying the parent close policy failed", "workflow_id", a.key.workflowID,
				"child_workflow_id", c.initiated.GetWorkflowId(), "error", err)
		}
	}
}
