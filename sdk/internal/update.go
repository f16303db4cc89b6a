package internal

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/grainflow/grainflow/internal/lazymap"
	"github.com/grainflow/grainflow/journal/journalpb"
)

// HandlerUnfinishedPolicy is what happens to update handlers still running
// when the workflow run closes (returns, fails, or continues as new).
type HandlerUnfinishedPolicy int

const (
	// HandlerUnfinishedPolicyWarnAndAbandon logs a warning naming the
	// unfinished updates, then abandons them.
	HandlerUnfinishedPolicyWarnAndAbandon HandlerUnfinishedPolicy = iota
	// HandlerUnfinishedPolicyAbandon abandons them silently.
	HandlerUnfinishedPolicyAbandon
)

// UpdateHandlerOptions configure SetUpdateHandlerWithOptions.
type UpdateHandlerOptions struct {
	// Validator, if set, runs before an update is accepted. It takes the
	// handler's parameters (with or without the leading Context) and
	// returns only an error: an error (or a panic) rejects the update,
	// which then leaves no trace in the history. It may read the
	// workflow's state but must not change it or start anything.
	Validator any
	// UnfinishedPolicy applies when the run closes while this handler runs.
	UnfinishedPolicy HandlerUnfinishedPolicy
	// Description says what the update does, for people.
	Description string
}

// UpdateInfo describes the update whose handler is running.
type UpdateInfo struct {
	// ID is the update's ID, unique within the workflow run.
	ID string
	// Name is the update's name, the one its handler is registered under.
	Name string
}

type updateHandler struct {
	ctx       Context
	fn        reflect.Value
	validator reflect.Value // zero when there is none
	opts      UpdateHandlerOptions
}

// runningUpdate is an accepted update whose handler has not returned.
type runningUpdate struct {
	info   UpdateInfo
	policy HandlerUnfinishedPolicy
}

type updateInfoKey struct{}

// SetUpdateHandler registers handler for updates named updateName. handler
// takes a workflow Context and the update's arguments and returns an error,
// or a result and an error. It runs as workflow code in its own coroutine:
// it may change the workflow's state, run activities, sleep and wait.
func SetUpdateHandler(ctx Context, updateName string, handler any) error {
	return SetUpdateHandlerWithOptions(ctx, updateName, handler, UpdateHandlerOptions{})
}

// SetUpdateHandlerWithOptions is SetUpdateHandler with options, such as a
// validator that can reject an update before it is recorded.
func SetUpdateHandlerWithOptions(ctx Context, updateName string, handler any, opts UpdateHandlerOptions) error {
	e := executionOf(ctx, "SetUpdateHandler")
	if updateName == "" {
		return errors.New("SetUpdateHandler: empty update name")
	}
	if strings.HasPrefix(updateName, "__") {
		return fmt.Errorf("SetUpdateHandler: update name %q is reserved: names starting with __ are built in", updateName)
	}
	h := &updateHandler{ctx: ctx, fn: reflect.ValueOf(handler), opts: opts}
	if err := validateUpdateHandler(handler); err != nil {
		return fmt.Errorf("SetUpdateHandler %q: %w", updateName, err)
	}
	if opts.Validator != nil {
		if err := validateUpdateValidator(reflect.TypeOf(handler), opts.Validator); err != nil {
			return fmt.Errorf("SetUpdateHandler %q: %w", updateName, err)
		}
		h.validator = reflect.ValueOf(opts.Validator)
	}
	lazymap.Set(&e.updateHandlers, updateName, h)
	return nil
}

func validateUpdateHandler(handler any) error {
	if handler == nil {
		return errors.New("handler is nil")
	}
	t := reflect.TypeOf(handler)
	if t.Kind() != reflect.Func {
		return fmt.Errorf("handler must be a function, got %T", handler)
	}
	if t.NumIn() == 0 || t.In(0) != contextType {
		return fmt.Errorf("handler must take a workflow.Context as its first parameter, got %v", t)
	}
	if n := t.NumOut(); n == 0 || n > 2 || t.Out(n-1) != errorType {
		return fmt.Errorf("handler must return error or (result, error), got %v", t)
	}
	return nil
}

// validateUpdateValidator checks that validator takes the handler's
// parameters, with or without the Context, and returns only an error.
func validateUpdateValidator(handler reflect.Type, validator any) error {
	t := reflect.TypeOf(validator)
	if t.Kind() != reflect.Func {
		return fmt.Errorf("validator must be a function, got %T", validator)
	}
	if t.NumOut() != 1 || t.Out(0) != errorType {
		return fmt.Errorf("validator must return only an error, got %v", t)
	}
	params := func(t reflect.Type) []reflect.Type {
		var in []reflect.Type
		for i := range t.NumIn() {
			if i == 0 && t.In(0) == contextType {
				continue
			}
			in = append(in, t.In(i))
		}
		return in
	}
	if !slices.Equal(params(t), params(handler)) {
		return fmt.Errorf("validator %v must take the handler's parameters %v", t, handler)
	}
	return nil
}

// GetCurrentUpdateInfo returns the update whose handler ctx belongs to, or
// nil outside update handlers.
func GetCurrentUpdateInfo(ctx Context) *UpdateInfo {
	info, _ := ctx.Value(updateInfoKey{}).(*UpdateInfo)
	return info
}

// AllHandlersFinished reports whether no update handler is running. Await
// it before returning so that accepted updates complete:
//
//	workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
func AllHandlersFinished(ctx Context) bool {
	return len(executionOf(ctx, "AllHandlersFinished").runningUpdates) == 0
}

// ValidateUpdate decides whether the workflow accepts the update named name
// with arguments args, on its current state (between workflow tasks): it
// returns nil to accept, or why it rejects the update: the validator's own
// error, or an error saying that no handler has the name, that the
// arguments do not decode or that the validator panicked. Nothing changes either
// way; the owner records a WorkflowExecutionUpdateAccepted for an accepted
// update and delivers it with Decide, which runs the handler.
func (e *Execution) ValidateUpdate(name string, args *journalpb.Payloads) error {
	if err := e.usable(); err != nil {
		return err
	}
	if e.info == nil || e.closed {
		return fmt.Errorf("update %q: the workflow is not running", name)
	}
	h, ok := e.updateHandlers[name]
	if !ok {
		return fmt.Errorf("unknown update %q; known update names: %v", name, e.knownUpdateNames())
	}
	values, err := decodeArgs(h.fn.Type(), 1, args, e.dc)
	if err != nil {
		return fmt.Errorf("update %q: %w", name, err)
	}
	if !h.validator.IsValid() {
		return nil
	}
	in := values
	if t := h.validator.Type(); t.NumIn() > 0 && t.In(0) == contextType {
		in = append([]reflect.Value{reflect.ValueOf(h.ctx)}, values...)
	}
	call := h.validator.Call
	if h.validator.Type().IsVariadic() {
		call = h.validator.CallSlice
	}
	var verr error
	if p := e.readOnlyCall("update validators", func() { verr, _ = call(in)[0].Interface().(error) }); p != nil {
		return fmt.Errorf("update %q: validator panicked: %v", name, p)
	}
	return verr
}

// knownUpdateNames lists the update names the workflow handles, sorted.
func (e *Execution) knownUpdateNames() []string {
	names := make([]string, 0, len(e.updateHandlers))
	for n := range e.updateHandlers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// startUpdate handles WorkflowExecutionUpdateAccepted: the handler starts in
// a coroutine of its own, and its return becomes a
// WorkflowExecutionUpdateCompleted command.
func (e *Execution) startUpdate(ev *journalpb.Event) error {
	x := ev.GetWorkflowExecutionUpdateAccepted()
	h, ok := e.updateHandlers[x.GetName()]
	if !ok {
		// It was registered when the update was validated: the code changed.
		return &NonDeterminismError{EventID: ev.GetEventId(), EventType: eventKind(ev),
			Message: fmt.Sprintf("history event %d accepted update %q, but the workflow code registers no handler for it (known: %v)",
				ev.GetEventId(), x.GetName(), e.knownUpdateNames())}
	}
	args, err := decodeArgs(h.fn.Type(), 1, x.GetInput(), e.dc)
	if err != nil {
		return fmt.Errorf("history event %d: update %q: %w", ev.GetEventId(), x.GetName(), err)
	}
	u := &runningUpdate{info: UpdateInfo{ID: x.GetUpdateId(), Name: x.GetName()}, policy: h.opts.UnfinishedPolicy}
	e.runningUpdates = append(e.runningUpdates, u)
	acceptedID := ev.GetEventId()
	ctx := WithValue(h.ctx, updateInfoKey{}, &u.info)
	e.d.newCoroutine("update "+x.GetName()+" "+x.GetUpdateId(), func() {
		call := h.fn.Call
		if h.fn.Type().IsVariadic() {
			call = h.fn.CallSlice
		}
		out := call(append([]reflect.Value{reflect.ValueOf(ctx)}, args...))
		e.updateReturned(u, acceptedID, out)
	})
	return nil
}

// updateReturned turns an update handler's return values into its
// WorkflowExecutionUpdateCompleted command.
func (e *Execution) updateReturned(u *runningUpdate, acceptedID int64, out []reflect.Value) {
	e.runningUpdates = slices.DeleteFunc(e.runningUpdates, func(x *runningUpdate) bool { return x == u })
	handlerErr, _ := out[len(out)-1].Interface().(error)
	var result any
	if len(out) == 2 {
		result = out[0].Interface()
	}
	done := &journalpb.WorkflowExecutionUpdateCompleted{Seq: e.nextSequence(), UpdateId: u.info.ID, AcceptedEventId: acceptedID}
	if handlerErr == nil && len(out) == 2 {
		payloads, err := e.dc.ToPayloads(result)
		if err != nil {
			handlerErr = fmt.Errorf("encoding the result of update %q: %w", u.info.Name, err)
		}
		done.Result = payloads
	}
	if handlerErr != nil {
		done.Result, result = nil, nil
		done.Failure = ConvertErrorToFailure(handlerErr, e.dc)
	}
	e.addCommand(&journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionUpdateCompleted{WorkflowExecutionUpdateCompleted: done}}, nil)
	if hook := e.opts.UpdateCompleted; hook != nil && !e.replaying {
		hook(u.info.ID, result, handlerErr)
	}
}

// warnUnfinishedUpdates logs the updates still running as the run closes,
// unless their handlers chose to abandon them silently.
func (e *Execution) warnUnfinishedUpdates() {
	if e.replaying {
		return
	}
	var names []string
	for _, u := range e.runningUpdates {
		if u.policy == HandlerUnfinishedPolicyWarnAndAbandon {
			names = append(names, fmt.Sprintf("%s (id %s)", u.info.Name, u.info.ID))
		}
	}
	if len(names) > 0 {
		e.logger.Warn("workflow closed while update handlers were still running; their updates are abandoned. "+
			"Await workflow.AllHandlersFinished before returning to let them finish.", "updates", names)
	}
}
