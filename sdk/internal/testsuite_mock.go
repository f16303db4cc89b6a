package internal

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/stretchr/testify/mock"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// MockCallWrapper is one expectation set with OnActivity, OnWorkflow,
// OnSignalExternalWorkflow or OnRequestCancelExternalWorkflow: what the
// mocked call returns for matching arguments, how often it may be called,
// and how long (on the virtual clock) it takes.
type MockCallWrapper struct {
	call    *mock.Call
	env     *TestWorkflowEnvironment
	userRun func(args mock.Arguments)
	after   func() time.Duration
	never   bool
}

// mockCalls serializes calls into the mocks, so that the environment knows
// which expectation a call matched (testify does not return it).
type mockCalls struct {
	mu      sync.Mutex
	matched *MockCallWrapper
	// violations are calls of expectations marked Never.
	violations []string
}

// OnActivity sets up a mock of activity (a function or a registered name)
// for calls whose arguments match args (mock.Anything matches any; an
// activity that takes a context receives it as its first argument). Call
// Return on the result with either the values the activity returns or a
// function of the activity's signature, which is called instead. Activities
// without a mock run for real.
func (e *TestWorkflowEnvironment) OnActivity(activity any, args ...any) *MockCallWrapper {
	return e.newMockCall(&e.activityMock, e.mockedActivityName(activity), args)
}

// OnWorkflow sets up a mock of a child workflow (a function or a
// registered name), as OnActivity does for activities: the workflow under
// test runs the mock instead of the child. The first argument stands for
// the child's workflow.Context; match it with mock.Anything.
func (e *TestWorkflowEnvironment) OnWorkflow(workflow any, args ...any) *MockCallWrapper {
	name, err := e.workflowName(workflow)
	if err != nil {
		panic("OnWorkflow: " + err.Error())
	}
	return e.newMockCall(&e.workflowMock, name, args)
}

// The mocked methods of signals and cancel requests sent to workflows
// outside the environment (named as in Temporal, for AssertWorkflowCalled),
// and the signatures of the functions their Return accepts.
const (
	mockSignalExternalWorkflow        = "workflow.SignalExternalWorkflow"
	mockRequestCancelExternalWorkflow = "workflow.RequestCancelExternalWorkflow"
)

// The mocked methods of upserts (named as in Temporal, for
// AssertWorkflowCalled).
const (
	mockUpsertTypedSearchAttributes = "workflow.UpsertTypedSearchAttributes"
	mockUpsertSearchAttributes      = "workflow.UpsertSearchAttributes"
	mockUpsertMemo                  = "workflow.UpsertMemo"
)

// OnUpsertTypedSearchAttributes sets up a mock of
// workflow.UpsertTypedSearchAttributes, matched against the
// temporal.SearchAttributes built from the call's updates (pass
// mock.Anything to match any). As in Temporal: without such a mock the
// upsert is only applied; once one is set, every call is applied and must
// also match a mock, and a call that matches none panics in the workflow
// code (the workflow fails with a PanicError). The mock's return values
// are not used; Run, Once, Times and Never work as for activities.
func (e *TestWorkflowEnvironment) OnUpsertTypedSearchAttributes(attributes any) *MockCallWrapper {
	return e.newMockCall(&e.workflowMock, mockUpsertTypedSearchAttributes, []any{attributes})
}

// OnUpsertSearchAttributes sets up a mock of workflow.UpsertSearchAttributes,
// matched against the map the workflow passes, with the semantics of
// OnUpsertTypedSearchAttributes.
func (e *TestWorkflowEnvironment) OnUpsertSearchAttributes(attributes any) *MockCallWrapper {
	return e.newMockCall(&e.workflowMock, mockUpsertSearchAttributes, []any{attributes})
}

// OnUpsertMemo sets up a mock of workflow.UpsertMemo, matched against the
// map the workflow passes, with the semantics of
// OnUpsertTypedSearchAttributes.
func (e *TestWorkflowEnvironment) OnUpsertMemo(memo any) *MockCallWrapper {
	return e.newMockCall(&e.workflowMock, mockUpsertMemo, []any{memo})
}

// upserted answers an upsert of the workflow code from its mocks, if the
// test set any up for the method (ExecutionOptions.Upserted).
func (e *TestWorkflowEnvironment) upserted(method string, arg any) {
	name := "workflow." + method
	if !e.isMocked(&e.workflowMock, name) {
		return
	}
	if _, _, err := e.matchMock(&e.workflowMock, name, []any{arg}); err != nil {
		panic(err.Error())
	}
}

var (
	signalExternalWorkflowType        = reflect.TypeOf((func(namespace, workflowID, runID, signalName string, arg any) error)(nil))
	requestCancelExternalWorkflowType = reflect.TypeOf((func(namespace, workflowID, runID string) error)(nil))
)

// OnSignalExternalWorkflow sets up a mock of the signals the workflow sends
// (workflow.SignalExternalWorkflow) to workflows that are not in the
// environment, for calls whose arguments match (mock.Anything matches any;
// arg is the value the workflow passed). Signals to the workflow under test
// and to its children are delivered to them and never reach the mock.
//
// Return takes the error the workflow's future gets (nil for a signal
// delivered), or a function
// func(namespace, workflowID, runID, signalName string, arg interface{}) error
// that decides it; a returned error reaches the workflow as an
// UnknownExternalWorkflowExecution ApplicationError carrying its message.
// After delays the outcome on the virtual clock. The mock runs on the
// environment's goroutine, so a function given to Return must not block.
//
// Without a mock, or to a workflow of the environment that has closed, the
// signal fails as it does on a node (and on a Temporal server): the future
// gets an UnknownExternalWorkflowExecution ApplicationError naming the
// workflow. (Temporal's test environment panics instead.)
func (e *TestWorkflowEnvironment) OnSignalExternalWorkflow(namespace, workflowID, runID, signalName, arg any) *MockCallWrapper {
	return e.newMockCall(&e.workflowMock, mockSignalExternalWorkflow, []any{namespace, workflowID, runID, signalName, arg})
}

// OnRequestCancelExternalWorkflow sets up a mock of the cancel requests the
// workflow sends (workflow.RequestCancelExternalWorkflow) to workflows that
// are not in the environment, as OnSignalExternalWorkflow does for signals;
// pass mock.Anything to match any value. Return takes an error or a function
// func(namespace, workflowID, runID string) error. Without a mock, the
// request fails with an UnknownExternalWorkflowExecution ApplicationError.
func (e *TestWorkflowEnvironment) OnRequestCancelExternalWorkflow(namespace, workflowID, runID string) *MockCallWrapper {
	return e.newMockCall(&e.workflowMock, mockRequestCancelExternalWorkflow, []any{namespace, workflowID, runID})
}

func (e *TestWorkflowEnvironment) newMockCall(m *mock.Mock, name string, args []any) *MockCallWrapper {
	w := &MockCallWrapper{env: e}
	w.call = m.On(name, args...).Run(func(args mock.Arguments) {
		e.mocks.matched = w
		if w.userRun != nil {
			w.userRun(args)
		}
	})
	return w
}

// AssertWorkflowCalled checks that the mocked child workflow was called with arguments.
func (e *TestWorkflowEnvironment) AssertWorkflowCalled(t mock.TestingT, workflowName string, arguments ...any) bool {
	return e.workflowMock.AssertCalled(t, workflowName, arguments...)
}

// AssertWorkflowNotCalled checks that the mocked child workflow was not called with arguments.
func (e *TestWorkflowEnvironment) AssertWorkflowNotCalled(t mock.TestingT, workflowName string, arguments ...any) bool {
	return e.workflowMock.AssertNotCalled(t, workflowName, arguments...)
}

// AssertWorkflowNumberOfCalls checks how often the mocked child workflow was called.
func (e *TestWorkflowEnvironment) AssertWorkflowNumberOfCalls(t mock.TestingT, workflowName string, expectedCalls int) bool {
	return e.workflowMock.AssertNumberOfCalls(t, workflowName, expectedCalls)
}

// mockedActivityName returns the name of the activity OnActivity mocks,
// registering a function that is not registered yet (so that the workflow
// can schedule it). A name must be registered already, since the mock needs
// the function's signature to decode the arguments.
func (e *TestWorkflowEnvironment) mockedActivityName(activity any) string {
	if name, ok := activity.(string); ok {
		if _, registered := e.registry.Activity(name); !registered {
			panic(fmt.Sprintf("OnActivity: activity %q is not registered; register it or pass the function", name))
		}
		return name
	}
	if reflect.TypeOf(activity) == nil || reflect.TypeOf(activity).Kind() != reflect.Func {
		panic(fmt.Sprintf("OnActivity: activity must be a function or a registered name, not %T", activity))
	}
	name := e.registry.activityNameOf(activity)
	if _, registered := e.registry.Activity(name); !registered {
		e.registry.RegisterActivityWithOptions(activity, RegisterActivityOptions{Name: name, DisableAlreadyRegisteredCheck: true})
	}
	return name
}

// Return sets what the mock returns: the activity's return values (the
// result and the error, or just the error), or a function with the
// activity's signature that computes them from the arguments.
func (c *MockCallWrapper) Return(returnArguments ...any) *MockCallWrapper {
	c.call.Return(returnArguments...)
	return c
}

// Once makes the expectation match only once.
func (c *MockCallWrapper) Once() *MockCallWrapper {
	c.call.Once()
	return c
}

// Twice makes the expectation match only twice.
func (c *MockCallWrapper) Twice() *MockCallWrapper {
	c.call.Twice()
	return c
}

// Times makes the expectation match only i times.
func (c *MockCallWrapper) Times(i int) *MockCallWrapper {
	c.call.Times(i)
	return c
}

// Never says the activity must not be called with these arguments: a call
// fails the activity and AssertExpectations reports it.
func (c *MockCallWrapper) Never() *MockCallWrapper {
	c.never = true
	c.call.Maybe()
	return c
}

// Maybe makes the expectation optional for AssertExpectations.
func (c *MockCallWrapper) Maybe() *MockCallWrapper {
	c.call.Maybe()
	return c
}

// Run sets a function called with the arguments on each matching call,
// before the return values are used.
func (c *MockCallWrapper) Run(fn func(args mock.Arguments)) *MockCallWrapper {
	c.userRun = fn
	return c
}

// Panic makes a matching call panic with msg; the attempt fails with a
// non-retryable error that carries it.
func (c *MockCallWrapper) Panic(msg string) *MockCallWrapper {
	c.call.Panic(msg)
	return c
}

// After delays the mock's result by d on the virtual clock.
func (c *MockCallWrapper) After(d time.Duration) *MockCallWrapper {
	c.after = func() time.Duration { return d }
	return c
}

// AfterFn delays the mock's result by what fn returns, on the virtual clock.
func (c *MockCallWrapper) AfterFn(fn func() time.Duration) *MockCallWrapper {
	c.after = fn
	return c
}

// NotBefore makes the expectation match only after the given ones were called.
func (c *MockCallWrapper) NotBefore(calls ...*MockCallWrapper) *MockCallWrapper {
	for _, other := range calls {
		c.call.NotBefore(other.call)
	}
	return c
}

// AssertExpectations checks that every mock (of activities, child
// workflows, external signals and cancel requests) that is not optional was
// called as often as it said, and that none marked Never was called.
func (e *TestWorkflowEnvironment) AssertExpectations(t mock.TestingT) bool {
	ok := e.activityMock.AssertExpectations(t)
	ok = e.workflowMock.AssertExpectations(t) && ok
	e.mocks.mu.Lock()
	defer e.mocks.mu.Unlock()
	for _, v := range e.mocks.violations {
		t.Errorf("%s", v)
		ok = false
	}
	return ok
}

// AssertCalled checks that the mocked activity was called with arguments.
func (e *TestWorkflowEnvironment) AssertCalled(t mock.TestingT, methodName string, arguments ...any) bool {
	return e.activityMock.AssertCalled(t, methodName, arguments...)
}

// AssertNotCalled checks that the mocked activity was not called with arguments.
func (e *TestWorkflowEnvironment) AssertNotCalled(t mock.TestingT, methodName string, arguments ...any) bool {
	return e.activityMock.AssertNotCalled(t, methodName, arguments...)
}

// AssertNumberOfCalls checks how often the mocked activity was called.
func (e *TestWorkflowEnvironment) AssertNumberOfCalls(t mock.TestingT, methodName string, expectedCalls int) bool {
	return e.activityMock.AssertNumberOfCalls(t, methodName, expectedCalls)
}

// AssertActivityCalled is AssertCalled for an activity.
func (e *TestWorkflowEnvironment) AssertActivityCalled(t mock.TestingT, activityName string, arguments ...any) bool {
	return e.AssertCalled(t, activityName, arguments...)
}

// AssertActivityNotCalled is AssertNotCalled for an activity.
func (e *TestWorkflowEnvironment) AssertActivityNotCalled(t mock.TestingT, activityName string, arguments ...any) bool {
	return e.AssertNotCalled(t, activityName, arguments...)
}

// AssertActivityNumberOfCalls is AssertNumberOfCalls for an activity.
func (e *TestWorkflowEnvironment) AssertActivityNumberOfCalls(t mock.TestingT, activityName string, expectedCalls int) bool {
	return e.AssertNumberOfCalls(t, activityName, expectedCalls)
}

// isMocked reports whether a test set up a mock for name in m.
func (e *TestWorkflowEnvironment) isMocked(m *mock.Mock, name string) bool {
	e.mocks.mu.Lock()
	defer e.mocks.mu.Unlock()
	for _, c := range m.ExpectedCalls {
		if c.Method == name {
			return true
		}
	}
	return false
}

// invokeActivity runs one attempt: the activity's mock if the test set one
// up, the registered function otherwise. It runs on the attempt's goroutine.
func (e *TestWorkflowEnvironment) invokeActivity(ctx context.Context, env *ActivityEnvironment, input *journalpb.Payloads) activityOutcome {
	name := env.Info.ActivityType.Name
	fn, ok := e.registry.Activity(name)
	if !ok {
		err := NewApplicationError((&UnknownTypeError{Kind: "activity", Name: name, Known: e.registry.ActivityTypes()}).Error(),
			"UnknownActivityType", true, nil)
		return activityOutcome{err: err}
	}
	if l := e.listeners.activityStarted; l != nil {
		listenerCtx, _ := withActivityAttempt(ctx, env)
		e.runOnLoop(ctx, func() { l(&env.Info, listenerCtx, NewEncodedValues(input, e.dc)) })
	}
	if !e.isMocked(&e.activityMock, name) {
		result, err := RunActivity(ctx, fn, env, input)
		return activityOutcome{result: result, err: err}
	}
	mocked := func(ctx context.Context, args []reflect.Value) ([]reflect.Value, time.Duration, error) {
		return e.callMock(&e.activityMock, name, reflect.TypeOf(fn), args)
	}
	return runMockedActivity(ctx, fn, env, input, mocked)
}

// runMockedActivity decodes the attempt's arguments for fn's signature,
// asks mocked for fn's return values and encodes the result.
func runMockedActivity(ctx context.Context, fn any, env *ActivityEnvironment, input *journalpb.Payloads,
	mocked func(context.Context, []reflect.Value) ([]reflect.Value, time.Duration, error)) activityOutcome {
	name := env.Info.ActivityType.Name
	ctx, attempt := withActivityAttempt(ctx, env)
	args, err := decodeActivityArgs(reflect.TypeOf(fn), ctx, input, attempt.env.DataConverter)
	if err != nil {
		return activityOutcome{err: NewApplicationError(fmt.Sprintf("activity %s: %v", name, err), ActivityArgumentsErrorType, true, nil)}
	}
	out, delay, err := mocked(ctx, args)
	if err != nil {
		return activityOutcome{err: err, delay: delay}
	}
	if errV := out[len(out)-1]; !errV.IsNil() {
		return activityOutcome{err: errV.Interface().(error), delay: delay}
	}
	if len(out) == 1 {
		return activityOutcome{delay: delay}
	}
	result, err := attempt.env.DataConverter.ToPayloads(out[0].Interface())
	if err != nil {
		err = NewApplicationError(fmt.Sprintf("activity %s: encoding the mock's result: %v", name, err), ActivityResultErrorType, true, nil)
	}
	return activityOutcome{result: result, err: err, delay: delay}
}

// callMock calls the mock of method with args and returns the values of
// fnType's results it stands for, and the delay its expectation asked for.
// A call no expectation matches, a panic the test asked for, a call marked
// Never and return values of the wrong shape fail the attempt with a
// non-retryable error that says what is wrong.
func (e *TestWorkflowEnvironment) callMock(m *mock.Mock, method string, fnType reflect.Type, args []reflect.Value) (out []reflect.Value, delay time.Duration, err error) {
	plain := make([]any, len(args))
	for i, a := range args {
		plain[i] = a.Interface()
	}
	returned, matched, err := e.matchMock(m, method, plain)
	if err != nil {
		return nil, 0, err
	}
	if matched.after != nil {
		delay = matched.after()
	}
	if len(returned) == 1 && reflect.TypeOf(returned[0]) == fnType {
		return reflect.ValueOf(returned[0]).Call(args), delay, nil
	}
	out, err = mockResults(method, fnType, returned)
	return out, delay, err
}

// matchMock records the call on the mock and returns what the matching
// expectation returns.
func (e *TestWorkflowEnvironment) matchMock(m *mock.Mock, method string, args []any) (returned mock.Arguments, matched *MockCallWrapper, err error) {
	e.mocks.mu.Lock()
	defer e.mocks.mu.Unlock()
	defer func() {
		if p := recover(); p != nil {
			err = NewApplicationError(fmt.Sprintf("mock of %s: %v", method, p), "MockError", true, nil)
		}
	}()
	e.mocks.matched = nil
	returned = m.MethodCalled(method, args...)
	matched = e.mocks.matched
	if matched.never {
		msg := fmt.Sprintf("mock of %s was called with %s but is marked Never", method, describeMockArgs(args))
		e.mocks.violations = append(e.mocks.violations, msg)
		return nil, nil, NewApplicationError(msg, "MockError", true, nil)
	}
	return returned, matched, nil
}

// mockResults converts the values given to Return into fnType's results.
func mockResults(method string, fnType reflect.Type, returned mock.Arguments) ([]reflect.Value, error) {
	if len(returned) != fnType.NumOut() {
		return nil, NewApplicationError(fmt.Sprintf("mock of %s returns %d values, but the function returns %s",
			method, len(returned), resultsString(fnType)), "MockError", true, nil)
	}
	out := make([]reflect.Value, len(returned))
	for i, v := range returned {
		want := fnType.Out(i)
		switch {
		case v == nil:
			out[i] = reflect.Zero(want)
		case reflect.TypeOf(v).AssignableTo(want):
			out[i] = reflect.New(want).Elem()
			out[i].Set(reflect.ValueOf(v))
		default:
			return nil, NewApplicationError(fmt.Sprintf("mock of %s: return value %d is a %T, but the function returns %s there",
				method, i+1, v, want), "MockError", true, nil)
		}
	}
	return out, nil
}

// describeMockArgs formats a mock call's arguments for a message, with a
// context shown as "ctx" rather than its whole chain.
func describeMockArgs(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		if _, isCtx := a.(context.Context); isCtx {
			parts[i] = "ctx"
		} else {
			parts[i] = fmt.Sprintf("%#v", a)
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
