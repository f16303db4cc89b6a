package internal

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/stretchr/testify/mock"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// Defaults of the test environment, named as in Temporal's so that tests
// that look for them keep working.
const (
	defaultTestNamespace  = "default-test-namespace"
	defaultTestTaskQueue  = "default-test-taskqueue"
	defaultTestWorkflowID = "default-test-workflow-id"
	defaultTestRunID      = "default-test-run-id"
	defaultTestTimeout    = 3 * time.Second
	// defaultTestRunTimeout is the run timeout of a workflow under test
	// that sets none (ten years of virtual time, as in Temporal): a
	// workflow that would wait forever times out instead.
	defaultTestRunTimeout = 10 * 365 * 24 * time.Hour
)

// backgroundContext returns the context activity contexts derive from.
func (o WorkerOptions) backgroundContext() context.Context {
	if o.BackgroundActivityContext != nil {
		return o.BackgroundActivityContext
	}
	return context.Background()
}

// WorkflowTestSuite creates test environments for workflow and activity
// unit tests. Embed it in a testify suite, or declare one and call
// NewTestWorkflowEnvironment.
type WorkflowTestSuite struct {
	logger Logger
}

// SetLogger sets the logger of the environments created afterwards
// (default: log/slog's default logger).
func (s *WorkflowTestSuite) SetLogger(logger Logger) { s.logger = logger }

// GetLogger returns the logger of the environments the suite creates.
func (s *WorkflowTestSuite) GetLogger() Logger {
	if s.logger == nil {
		return NewStructuredLogger(slog.Default())
	}
	return s.logger
}

// NewTestWorkflowEnvironment returns an environment that runs one workflow
// (and its activities) in memory with a virtual clock.
func (s *WorkflowTestSuite) NewTestWorkflowEnvironment() *TestWorkflowEnvironment {
	return &TestWorkflowEnvironment{
		registry:    NewRegistry(),
		dc:          GetDefaultDataConverter(),
		logger:      s.GetLogger(),
		testTimeout: defaultTestTimeout,
		startTime:   time.Now(),
		notify:      make(chan struct{}, 1),
		workflowIDs: map[string]bool{},
		ids:         map[string]*idRun{},
	}
}

// NewTestActivityEnvironment returns an environment that runs activities
// directly, as a worker would, without a workflow.
func (s *WorkflowTestSuite) NewTestActivityEnvironment() *TestActivityEnvironment {
	return &TestActivityEnvironment{
		registry: NewRegistry(),
		dc:       GetDefaultDataConverter(),
		logger:   s.GetLogger(),
	}
}

// TestWorkflowEnvironment runs a workflow in memory for a unit test. It
// drives the same runtime a node runs (Execution.Decide), and stands in for
// the engine around it:
//
//   - Activities run for real on goroutines, or are answered by mocks set
//     with OnActivity. Failed attempts are retried by the activity's retry
//     policy, with the backoff on the virtual clock, until the policy or the
//     activity's timeouts end the retries or the test timeout stops them.
//     As in Temporal's test environment, what the policy leaves unset
//     (all of it when the options carry none) takes test defaults: initial
//     interval 1 s, maximum interval equal to the initial interval,
//     coefficient 2 and at most 10 attempts. An attempt that does not
//     heartbeat within its HeartbeatTimeout (wall-clock time) times out.
//   - Time is virtual. Whenever the workflow is blocked and no activity is
//     running, the clock jumps to the next timer, delayed callback or
//     retry, so a workflow that sleeps for seven days finishes at once.
//     While an activity runs, the clock is not skipped ahead: the next
//     timer (or callback or retry) fires once its delay has passed in
//     wall-clock time, unless an activity finishes first, as in Temporal.
//   - Signals, cancellation and queries come from the test, usually from
//     callbacks registered with RegisterDelayedCallback.
//   - Child workflows run in the same loop. A child started with a
//     CronSchedule runs again at each time of the schedule (virtual clock,
//     UTC), with GetLastCompletionResult carried, as in Temporal; its
//     parent's future stays pending meanwhile. A child with a RetryPolicy
//     that fails or times out is retried by it, after the backoff on the
//     virtual clock, and its parent sees only the last attempt.
//
// An environment runs one workflow: create a new one for each test.
type TestWorkflowEnvironment struct {
	registry    *Registry
	dc          DataConverter
	logger      Logger
	testTimeout time.Duration
	startTime   time.Time
	runTimeout  time.Duration
	options     StartWorkflowOptions
	lastResult  *journalpb.Payloads
	listeners   testListeners
	workerOpts  WorkerOptions
	// startSearchAttributes and startMemo are what the workflow under test
	// starts with (SetTypedSearchAttributesOnStart, SetMemoOnStart).
	startSearchAttributes map[string]*journalpb.Payload
	startMemo             map[string]*journalpb.Payload

	activityMock mock.Mock
	workflowMock mock.Mock
	mocks        mockCalls

	// The state below belongs to the goroutine running ExecuteWorkflow;
	// other goroutines reach it through post.
	now     time.Time
	root    *testRun
	runs    []*testRun // the root and its children, in order of creation
	queue   virtualQueue
	running int // activity attempts running on goroutines
	err     error
	// ids holds, by workflow ID, the latest run that had the ID, which
	// the ID reuse policy of a child with that ID is checked against.
	ids map[string]*idRun

	// workflowIDs are the IDs of the workflows the environment ran, true
	// while one of their runs is open.
	idsMu       sync.Mutex
	workflowIDs map[string]bool

	postMu sync.Mutex
	posted []func()
	notify chan struct{}
}

// testListeners are the callbacks a test set to observe the workflow.
type testListeners struct {
	activityStarted   func(*ActivityInfo, context.Context, EncodedValues)
	activityCompleted func(*ActivityInfo, EncodedValue, error)
	activityCanceled  func(*ActivityInfo)
	activityHeartbeat func(*ActivityInfo, EncodedValues)
	timerScheduled    func(timerID string, d time.Duration)
	timerFired        func(timerID string)
	timerCanceled     func(timerID string)
}

// RegisterWorkflow registers a workflow function under its function name.
func (e *TestWorkflowEnvironment) RegisterWorkflow(w any) { e.registry.RegisterWorkflow(w) }

// RegisterWorkflowWithOptions registers a workflow function with options.
func (e *TestWorkflowEnvironment) RegisterWorkflowWithOptions(w any, options RegisterWorkflowOptions) {
	e.registry.RegisterWorkflowWithOptions(w, options)
}

// RegisterActivity registers an activity function, or the methods of a
// struct pointer, under their names.
func (e *TestWorkflowEnvironment) RegisterActivity(a any) { e.registry.RegisterActivity(a) }

// RegisterActivityWithOptions registers activities with options.
func (e *TestWorkflowEnvironment) RegisterActivityWithOptions(a any, options RegisterActivityOptions) {
	e.registry.RegisterActivityWithOptions(a, options)
}

// SetStartTime sets the virtual clock's time when the workflow starts
// (default: the wall-clock time the environment was created).
func (e *TestWorkflowEnvironment) SetStartTime(startTime time.Time) { e.startTime = startTime }

// SetTestTimeout bounds, in wall-clock time (default 3 s), how long the
// environment waits for running activities when nothing else can happen,
// and how long an activity may keep failing and being retried: retries cost
// no virtual time worth waiting for, but each attempt costs real work, and
// under a retry policy with unlimited attempts and no schedule-to-close
// timeout they would never end. When it passes, ExecuteWorkflow returns,
// GetWorkflowError says what was still going on, and the attempts still
// running are canceled.
func (e *TestWorkflowEnvironment) SetTestTimeout(idleTimeout time.Duration) *TestWorkflowEnvironment {
	e.testTimeout = idleTimeout
	return e
}

// SetTypedSearchAttributesOnStart sets the search attributes the workflow
// under test starts with, as a client's StartWorkflowOptions would (what
// workflow.GetTypedSearchAttributes returns before any upsert). It replaces
// what an earlier call set, and fails if a value cannot be encoded. Call it
// before ExecuteWorkflow.
func (e *TestWorkflowEnvironment) SetTypedSearchAttributesOnStart(searchAttributes SearchAttributes) error {
	payloads, err := EncodeSearchAttributes(searchAttributes)
	if err != nil {
		return fmt.Errorf("SetTypedSearchAttributesOnStart: %w", err)
	}
	e.startSearchAttributes = payloads
	return nil
}

// SetSearchAttributesOnStart is SetTypedSearchAttributesOnStart with the
// attributes given as Go values by name (the types
// workflow.UpsertSearchAttributes takes); a nil value is left out.
func (e *TestWorkflowEnvironment) SetSearchAttributesOnStart(searchAttributes map[string]any) error {
	set := make(map[string]any, len(searchAttributes))
	for name, v := range searchAttributes {
		if v != nil { // a removal means nothing at start
			set[name] = v
		}
	}
	payloads, err := EncodeUntypedSearchAttributes(set)
	if err != nil {
		return fmt.Errorf("SetSearchAttributesOnStart: %w", err)
	}
	e.startSearchAttributes = payloads
	return nil
}

// SetMemoOnStart sets the memo the workflow under test starts with, as a
// client's StartWorkflowOptions would (a run it continues as new carries
// it). It fails if a value cannot be encoded by the data converter. Call it
// before ExecuteWorkflow (and after SetDataConverter).
func (e *TestWorkflowEnvironment) SetMemoOnStart(memo map[string]any) error {
	payloads, err := EncodeMemo(memo, e.dc)
	if err != nil {
		return fmt.Errorf("SetMemoOnStart: %w", err)
	}
	e.startMemo = payloads
	return nil
}

// SetWorkerOptions sets the worker options the environment honours:
// BackgroundActivityContext, the parent of the activities' contexts (so an
// activity can read values from it), and DeadlockDetectionTimeout, the
// workflow code's deadlock timeout. As in Temporal, the other options a
// worker takes have no effect in the test environment. Call it before
// ExecuteWorkflow.
func (e *TestWorkflowEnvironment) SetWorkerOptions(options WorkerOptions) *TestWorkflowEnvironment {
	e.workerOpts = options
	return e
}

// SetDataConverter sets the converter of arguments, results and signals.
func (e *TestWorkflowEnvironment) SetDataConverter(dc DataConverter) *TestWorkflowEnvironment {
	e.dc = dc
	return e
}

// SetWorkflowRunTimeout times the workflow out after runTimeout of virtual
// time (default ten years, as in Temporal). When it passes, the workflow is
// complete and GetWorkflowError returns a *WorkflowExecutionError wrapping
// workflow.ErrDeadlineExceeded.
func (e *TestWorkflowEnvironment) SetWorkflowRunTimeout(runTimeout time.Duration) *TestWorkflowEnvironment {
	e.runTimeout = runTimeout
	return e
}

// SetStartWorkflowOptions sets the options ExecuteWorkflow starts the
// workflow with, as a client would (pass a client.StartWorkflowOptions).
// The environment honours ID (default "default-test-workflow-id"),
// TaskQueue (default "default-test-taskqueue"), WorkflowExecutionTimeout
// and WorkflowRunTimeout (the workflow times out at the earlier, on the
// virtual clock; a run timeout here wins over SetWorkflowRunTimeout),
// WorkflowTaskTimeout (only reported by workflow.GetInfo, as on a node),
// TypedSearchAttributes and SearchAttributes, which the workflow reads
// with workflow.GetTypedSearchAttributes, and Memo, which is recorded with
// the start (workflow code has no call that reads it back). A memo or
// search attribute that cannot be encoded makes ExecuteWorkflow fail, and
// GetWorkflowError says why.
//
// Like Temporal's test environment, it runs one run of one workflow, so
// it ignores the rest: RetryPolicy is reported by workflow.GetInfo but a
// failed run is not retried; CronSchedule and StartDelay do not delay or
// repeat the run; the ID reuse and conflict policies and
// WorkflowExecutionErrorWhenAlreadyStarted have no earlier run to apply to.
func (e *TestWorkflowEnvironment) SetStartWorkflowOptions(options StartWorkflowOptions) *TestWorkflowEnvironment {
	e.options = options
	return e
}

// SetLastCompletionResult sets what workflow.GetLastCompletionResult
// returns, as for the run of a cron schedule after a completed one.
func (e *TestWorkflowEnvironment) SetLastCompletionResult(result any) {
	p, err := e.dc.ToPayloads(result)
	if err != nil {
		panic(fmt.Sprintf("SetLastCompletionResult: %v", err))
	}
	e.lastResult = p
}

// Now returns the virtual clock's time.
func (e *TestWorkflowEnvironment) Now() time.Time {
	if e.now.IsZero() {
		return e.startTime
	}
	return e.now
}

// SetOnActivityStartedListener sets a function called before each activity
// attempt runs, with the attempt's info, context and arguments; the attempt
// waits until it returns.
//
// Every listener is called on the goroutine that runs ExecuteWorkflow (the
// test's own), as delayed callbacks are, and never while the workflow code,
// a delayed callback or another listener runs: listeners may share the
// test's variables with each other and with delayed callbacks without
// locking. Variables that activity code (which runs on goroutines of its
// own) also uses still need synchronization.
func (e *TestWorkflowEnvironment) SetOnActivityStartedListener(listener func(activityInfo *ActivityInfo, ctx context.Context, args EncodedValues)) *TestWorkflowEnvironment {
	e.listeners.activityStarted = listener
	return e
}

// SetOnActivityCompletedListener sets a function called after each activity
// attempt, with its result or error, on the goroutine that runs
// ExecuteWorkflow (see SetOnActivityStartedListener).
func (e *TestWorkflowEnvironment) SetOnActivityCompletedListener(listener func(activityInfo *ActivityInfo, result EncodedValue, err error)) *TestWorkflowEnvironment {
	e.listeners.activityCompleted = listener
	return e
}

// SetOnActivityCanceledListener sets a function called when the workflow
// cancels an activity, on the goroutine that runs ExecuteWorkflow (see
// SetOnActivityStartedListener).
func (e *TestWorkflowEnvironment) SetOnActivityCanceledListener(listener func(activityInfo *ActivityInfo)) *TestWorkflowEnvironment {
	e.listeners.activityCanceled = listener
	return e
}

// SetOnActivityHeartbeatListener sets a function called on each activity
// heartbeat reported, with its details. It is called on the goroutine that
// runs ExecuteWorkflow (see SetOnActivityStartedListener), soon after the
// heartbeat: the activity does not wait for it. Heartbeats are throttled as
// in Temporal: an attempt's first is reported at once, those within the
// next interval (80% of the heartbeat timeout, or 30 s without one, at most
// 60 s, in wall-clock time) are held back and the latest of them is
// reported when the interval ends, or when the attempt ends other than
// successfully (a successful attempt drops it). Only reported details reach
// a later attempt's GetHeartbeatDetails.
func (e *TestWorkflowEnvironment) SetOnActivityHeartbeatListener(listener func(activityInfo *ActivityInfo, details EncodedValues)) *TestWorkflowEnvironment {
	e.listeners.activityHeartbeat = listener
	return e
}

// SetOnTimerScheduledListener sets a function called when the workflow
// starts a timer, on the goroutine that runs ExecuteWorkflow (see
// SetOnActivityStartedListener).
func (e *TestWorkflowEnvironment) SetOnTimerScheduledListener(listener func(timerID string, duration time.Duration)) *TestWorkflowEnvironment {
	e.listeners.timerScheduled = listener
	return e
}

// SetOnTimerFiredListener sets a function called when a timer fires, on
// the goroutine that runs ExecuteWorkflow (see SetOnActivityStartedListener).
func (e *TestWorkflowEnvironment) SetOnTimerFiredListener(listener func(timerID string)) *TestWorkflowEnvironment {
	e.listeners.timerFired = listener
	return e
}

// SetOnTimerCanceledListener sets a function called when the workflow
// cancels a timer, on the goroutine that runs ExecuteWorkflow (see
// SetOnActivityStartedListener).
func (e *TestWorkflowEnvironment) SetOnTimerCanceledListener(listener func(timerID string)) *TestWorkflowEnvironment {
	e.listeners.timerCanceled = listener
	return e
}

// RegisterDelayedCallback runs callback on the goroutine that runs
// ExecuteWorkflow once the virtual clock has advanced delay past the
// workflow's start. Use it to signal, cancel or query the workflow at a
// chosen point.
func (e *TestWorkflowEnvironment) RegisterDelayedCallback(callback func(), delay time.Duration) {
	e.queue.add(e.startTime.Add(delay), callback)
}

// ExecuteWorkflow runs the workflow (a function or a registered name) with
// args until it closes, or until the test timeout passed. A workflow that
// waits for something that never comes (a signal no callback sends) does
// not stop the environment: the virtual clock jumps to the end of its run
// timeout (ten years unless SetWorkflowRunTimeout set one) and it times
// out, as in Temporal. A function that is not registered yet is registered
// under its name.
func (e *TestWorkflowEnvironment) ExecuteWorkflow(workflowFn any, args ...any) {
	if e.root != nil {
		panic("TestWorkflowEnvironment.ExecuteWorkflow: the environment already ran a workflow; create a new one")
	}
	started, err := e.rootStart(workflowFn, args)
	if err != nil {
		e.err = fmt.Errorf("ExecuteWorkflow: %w", err)
		return
	}
	e.now = e.startTime
	e.root = e.newRun(cmp.Or(e.options.ID, defaultTestWorkflowID), defaultTestRunID, started)
	e.runLoop()
}

// rootStart returns the attributes of the workflow's start: its type and
// input, and what SetStartWorkflowOptions set.
func (e *TestWorkflowEnvironment) rootStart(workflowFn any, args []any) (*journalpb.WorkflowExecutionStarted, error) {
	name, err := e.workflowName(workflowFn)
	if err != nil {
		return nil, err
	}
	input, err := e.dc.ToPayloads(args...)
	if err != nil {
		return nil, err
	}
	o := e.options
	memo, err := EncodeMemo(o.Memo, e.dc)
	if err != nil {
		return nil, err
	}
	searchAttributes, err := EncodeStartSearchAttributes(o.TypedSearchAttributes, o.SearchAttributes)
	if err != nil {
		return nil, err
	}
	// What SetMemoOnStart and Set(Typed)SearchAttributesOnStart set adds
	// to the start options' values and wins over them.
	if len(e.startMemo) > 0 {
		memo = mergedPayloads(memo, e.startMemo)
	}
	if len(e.startSearchAttributes) > 0 {
		searchAttributes = mergedPayloads(searchAttributes, e.startSearchAttributes)
	}
	return &journalpb.WorkflowExecutionStarted{
		WorkflowType:             name,
		TaskQueue:                o.TaskQueue,
		Input:                    input,
		WorkflowExecutionTimeout: optionalDuration(o.WorkflowExecutionTimeout),
		WorkflowRunTimeout:       optionalDuration(cmp.Or(o.WorkflowRunTimeout, e.runTimeout, defaultTestRunTimeout)),
		WorkflowTaskTimeout:      optionalDuration(o.WorkflowTaskTimeout),
		RetryPolicy:              RetryPolicyToProto(o.RetryPolicy),
		Memo:                     memo,
		SearchAttributes:         searchAttributes,
	}, nil
}

// mergedPayloads returns a map with the entries of base overlaid by over.
func mergedPayloads(base, over map[string]*journalpb.Payload) map[string]*journalpb.Payload {
	out := make(map[string]*journalpb.Payload, len(base)+len(over))
	maps.Copy(out, base)
	maps.Copy(out, over)
	return out
}

// workflowName returns the registered name of a workflow function or name,
// registering the function if it is not.
func (e *TestWorkflowEnvironment) workflowName(workflowFn any) (string, error) {
	if name, ok := workflowFn.(string); ok {
		return name, nil
	}
	if reflect.TypeOf(workflowFn) == nil || reflect.TypeOf(workflowFn).Kind() != reflect.Func {
		return "", fmt.Errorf("workflow must be a function or a registered name, not %T", workflowFn)
	}
	name := e.registry.workflowNameOf(workflowFn)
	if _, registered := e.registry.Workflow(name); registered {
		return name, nil
	}
	if err := validateWorkflowFunc(workflowFn); err != nil {
		return "", err
	}
	e.registry.RegisterWorkflowWithOptions(workflowFn, RegisterWorkflowOptions{Name: name, DisableAlreadyRegisteredCheck: true})
	return name, nil
}

// IsWorkflowCompleted reports whether the workflow closed (completed,
// failed, canceled, timed out or continued as new).
func (e *TestWorkflowEnvironment) IsWorkflowCompleted() bool {
	return e.root != nil && e.root.closeEvent != nil
}

// GetWorkflowError returns how the workflow ended: nil when it completed, a
// *WorkflowExecutionError wrapping the cause when it failed or was
// canceled, a *WorkflowExecutionError wrapping workflow.ErrDeadlineExceeded
// (a *TimeoutError) when its run timeout passed (as in Temporal), a
// *ContinueAsNewError when it continued as new, or an error saying why it
// did not close.
func (e *TestWorkflowEnvironment) GetWorkflowError() error {
	switch {
	case e.err != nil:
		return e.err
	case e.root == nil:
		return errors.New("the workflow has not been executed: call ExecuteWorkflow first")
	case e.root.closeEvent == nil:
		return fmt.Errorf("workflow %s is still running: %s", e.root.id, e.root.blockedReason)
	}
	if e.root.closeEvent.GetWorkflowExecutionTimedOut() != nil {
		return NewWorkflowExecutionError(e.root.id, e.root.runID, e.root.workflowType, ErrDeadlineExceeded)
	}
	err := CloseError(e.root.closeEvent, e.dc)
	var can *ContinueAsNewError
	if err == nil || errors.As(err, &can) {
		return err
	}
	return NewWorkflowExecutionError(e.root.id, e.root.runID, e.root.workflowType, err)
}

// GetWorkflowResult decodes the workflow's result into valuePtr, or returns
// GetWorkflowError if it did not complete.
func (e *TestWorkflowEnvironment) GetWorkflowResult(valuePtr any) error {
	if err := e.GetWorkflowError(); err != nil {
		return err
	}
	result := e.root.closeEvent.GetWorkflowExecutionCompleted().GetResult()
	if valuePtr == nil || len(result.GetPayloads()) == 0 {
		return nil
	}
	return e.dc.FromPayloads(result, valuePtr)
}

// SignalWorkflow sends a signal to the workflow. Call it from a delayed
// callback (or any goroutine while ExecuteWorkflow runs); the workflow sees
// it in its next workflow task.
func (e *TestWorkflowEnvironment) SignalWorkflow(name string, input any) {
	payloads, err := e.dc.ToPayloads(input)
	if err != nil {
		panic(fmt.Sprintf("SignalWorkflow %q: %v", name, err))
	}
	e.post(func() {
		e.root.addInput(&journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionSignaled{
			WorkflowExecutionSignaled: &journalpb.WorkflowExecutionSignaled{SignalName: name, Input: payloads}}})
	})
}

// SignalWorkflowByID sends a signal to the workflow of the environment
// with the given ID: the workflow under test or one of its children
// (mocked children are not workflows of the environment). A child that
// continued as new is signaled in its current run. It fails if no workflow
// with that ID ran in the environment, or if it has closed. Like
// SignalWorkflow, it may be called from any goroutine while ExecuteWorkflow
// runs.
func (e *TestWorkflowEnvironment) SignalWorkflowByID(workflowID, signalName string, input any) error {
	switch open, known := e.isOpen(workflowID); {
	case !known:
		return fmt.Errorf("SignalWorkflowByID: no workflow %q in the test environment", workflowID)
	case !open:
		return fmt.Errorf("SignalWorkflowByID: workflow %q already closed", workflowID)
	}
	payloads, err := e.dc.ToPayloads(input)
	if err != nil {
		return fmt.Errorf("SignalWorkflowByID %q to %q: %w", signalName, workflowID, err)
	}
	e.post(func() {
		if r := e.findRun(workflowID); r != nil {
			r.addInput(&journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionSignaled{
				WorkflowExecutionSignaled: &journalpb.WorkflowExecutionSignaled{SignalName: signalName, Input: payloads}}})
		}
	})
	return nil
}

// setOpen records whether a run of workflow ID id is open, for
// SignalWorkflowByID on other goroutines.
func (e *TestWorkflowEnvironment) setOpen(id string, open bool) {
	e.idsMu.Lock()
	defer e.idsMu.Unlock()
	e.workflowIDs[id] = open
}

// isOpen reports whether a run of workflow ID id is open, and whether the
// environment ran a workflow with that ID at all.
func (e *TestWorkflowEnvironment) isOpen(id string) (open, known bool) {
	e.idsMu.Lock()
	defer e.idsMu.Unlock()
	open, known = e.workflowIDs[id]
	return open, known
}

// CancelWorkflow requests the cancellation of the workflow.
func (e *TestWorkflowEnvironment) CancelWorkflow() {
	e.post(func() {
		e.root.addInput(&journalpb.Event{Attributes: &journalpb.Event_WorkflowExecutionCancelRequested{
			WorkflowExecutionCancelRequested: &journalpb.WorkflowExecutionCancelRequested{Cause: "canceled by the test"}}})
	})
}

// CompleteActivity completes an activity that returned
// activity.ErrResultPending, named by the TaskToken of its ActivityInfo:
// with result when err is nil, as canceled when err is a *CanceledError,
// and as failed (without retries, as in Temporal's test environment)
// otherwise. Call it from a delayed callback, a listener or any goroutine
// while ExecuteWorkflow runs; the workflow sees the outcome in its next
// workflow task. It returns an error only for a nil or malformed token or a
// result the data converter cannot encode; a token of an activity that is
// already closed is ignored. While the activity waits for its completion it
// does not count as running, so the virtual clock may move on.
func (e *TestWorkflowEnvironment) CompleteActivity(taskToken []byte, result any, err error) error {
	if taskToken == nil {
		return errors.New("CompleteActivity: nil task token")
	}
	sep := bytes.LastIndexByte(taskToken, '/')
	if sep < 0 {
		return fmt.Errorf("CompleteActivity: invalid task token %q", taskToken)
	}
	workflowID := string(taskToken[:sep])
	eventID, perr := strconv.ParseInt(string(taskToken[sep+1:]), 10, 64)
	if perr != nil {
		return fmt.Errorf("CompleteActivity: invalid task token %q", taskToken)
	}
	var payloads *journalpb.Payloads
	if result != nil {
		var encErr error
		if payloads, encErr = e.dc.ToPayloads(result); encErr != nil {
			return fmt.Errorf("CompleteActivity: encoding the result: %w", encErr)
		}
	}
	e.post(func() {
		for _, r := range e.runs {
			if r.id != workflowID || r.closeEvent != nil {
				continue
			}
			if act := r.activities[eventID]; act != nil && !act.done {
				act.completeAsync(payloads, err)
				return
			}
		}
		e.logger.Debug("CompleteActivity: the activity is not open (already closed or canceled?)", "TaskToken", string(taskToken))
	})
	return nil
}

// QueryWorkflow runs a query handler of the workflow on its current state.
// Call it from a delayed callback while the workflow runs, or after
// ExecuteWorkflow returned.
func (e *TestWorkflowEnvironment) QueryWorkflow(queryType string, args ...any) (EncodedValue, error) {
	if e.root == nil {
		return nil, errors.New("QueryWorkflow: the workflow has not been executed")
	}
	input, err := e.dc.ToPayloads(args...)
	if err != nil {
		return nil, fmt.Errorf("QueryWorkflow %q: %w", queryType, err)
	}
	result, err := e.root.query(queryType, input)
	if err != nil {
		return nil, err
	}
	return NewEncodedValue(firstPayload(result), e.dc), nil
}

// post queues fn to run on the goroutine running ExecuteWorkflow.
func (e *TestWorkflowEnvironment) post(fn func()) {
	e.postMu.Lock()
	e.posted = append(e.posted, fn)
	e.postMu.Unlock()
	select {
	case e.notify <- struct{}{}:
	default:
	}
}

// runOnLoop runs fn on the goroutine running ExecuteWorkflow and waits
// until it returned, or until ctx ends (the attempt calling it was canceled,
// as it is when the environment stops before running fn).
func (e *TestWorkflowEnvironment) runOnLoop(ctx context.Context, fn func()) {
	done := make(chan struct{})
	e.post(func() {
		fn()
		close(done)
	})
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// runPosted runs what other goroutines posted; it reports whether there was any.
func (e *TestWorkflowEnvironment) runPosted() bool {
	e.postMu.Lock()
	posted := e.posted
	e.posted = nil
	e.postMu.Unlock()
	for _, fn := range posted {
		fn()
	}
	return len(posted) > 0
}
