// Package workflow is the API for writing workflow code, shaped like the
// Temporal Go SDK's workflow package: code written for
// go.temporal.io/sdk/workflow compiles against it once the import path is
// changed.
//
// Workflow code must be deterministic: on replay it must make the same calls
// in the same order. Use this package's replacements instead of Go's
// concurrency and time primitives: Go instead of the go statement, Channel
// and Selector instead of chan and select, Now and Sleep instead of
// time.Now and time.Sleep. Do anything non-deterministic (I/O, randomness)
// in activities.
package workflow

import (
	"cmp"
	"time"

	"github.com/grainflow/grainflow/sdk/converter"
	"github.com/grainflow/grainflow/sdk/internal"
	"github.com/grainflow/grainflow/sdk/log"
	"github.com/grainflow/grainflow/sdk/temporal"
)

type (
	// Context carries cancellation and values through workflow code. Every
	// workflow function receives one as its first parameter.
	Context = internal.Context
	// CancelFunc cancels a Context.
	CancelFunc = internal.CancelFunc
	// Future is the result of an asynchronous operation such as an activity
	// or a timer.
	Future = internal.Future
	// Settable completes a Future created by NewFuture.
	Settable = internal.Settable
	// Channel replaces Go channels in workflow code.
	Channel = internal.Channel
	// ReceiveChannel is the receiving side of a Channel.
	ReceiveChannel = internal.ReceiveChannel
	// SendChannel is the sending side of a Channel.
	SendChannel = internal.SendChannel
	// Selector replaces the select statement in workflow code.
	Selector = internal.Selector
	// WaitGroup waits for a set of coroutines to finish.
	WaitGroup = internal.WaitGroup
	// Mutex is a mutual-exclusion lock for workflow coroutines, to use
	// instead of sync.Mutex in workflow code; NewMutex makes one.
	Mutex = internal.Mutex
	// Semaphore is a weighted counting semaphore for workflow coroutines;
	// NewSemaphore makes one.
	Semaphore = internal.Semaphore
	// ActivityOptions are the parameters of the activities a context starts.
	ActivityOptions = internal.ActivityOptions
	// AwaitOptions configure AwaitWithOptions.
	AwaitOptions = internal.AwaitOptions
	// TimerOptions configure NewTimerWithOptions.
	TimerOptions = internal.TimerOptions
	// QueryHandlerOptions configure SetQueryHandlerWithOptions.
	QueryHandlerOptions = internal.QueryHandlerOptions
	// Info describes the running workflow.
	Info = internal.WorkflowInfo
	// Execution identifies a workflow run: workflow ID and run ID.
	Execution = internal.WorkflowExecution
	// Type names a workflow function.
	Type = internal.WorkflowType
	// RegisterOptions configure the registration of a workflow function.
	RegisterOptions = internal.RegisterWorkflowOptions
)

// ContinueAsNewSuggestedReason says why Info.GetContinueAsNewSuggested is
// true; Info.GetContinueAsNewSuggestedReasons lists them.
type ContinueAsNewSuggestedReason = internal.ContinueAsNewSuggestedReason

const (
	// ContinueAsNewSuggestedReasonUnspecified is the zero reason.
	ContinueAsNewSuggestedReasonUnspecified = internal.ContinueAsNewSuggestedReasonUnspecified
	// ContinueAsNewSuggestedReasonHistorySizeTooLarge: the history's events
	// take 4 MiB or more.
	ContinueAsNewSuggestedReasonHistorySizeTooLarge = internal.ContinueAsNewSuggestedReasonHistorySizeTooLarge
	// ContinueAsNewSuggestedReasonTooManyHistoryEvents: the history has
	// 4,096 events or more.
	ContinueAsNewSuggestedReasonTooManyHistoryEvents = internal.ContinueAsNewSuggestedReasonTooManyHistoryEvents
	// ContinueAsNewSuggestedReasonTooManyUpdates is Temporal's reason for
	// too many updates; grainflow does not report it.
	ContinueAsNewSuggestedReasonTooManyUpdates = internal.ContinueAsNewSuggestedReasonTooManyUpdates
)

var (
	// ErrCanceled is what Context.Err returns once the context is canceled.
	ErrCanceled = internal.ErrCanceled
	// ErrDeadlineExceeded is what Context.Err returns once the context's
	// deadline has passed.
	ErrDeadlineExceeded = internal.ErrDeadlineExceeded
)

// ExecuteActivity schedules an activity, given as a function or a type name,
// with the options of ctx, and returns the future of its result. Canceling
// ctx cancels the activity.
func ExecuteActivity(ctx Context, activity any, args ...any) Future {
	return internal.ExecuteActivity(ctx, activity, args...)
}

// WithActivityOptions returns a copy of ctx whose activities use options.
func WithActivityOptions(ctx Context, options ActivityOptions) Context {
	return internal.WithActivityOptions(ctx, options)
}

// GetActivityOptions returns the activity options of ctx.
func GetActivityOptions(ctx Context) ActivityOptions {
	return internal.GetActivityOptions(ctx)
}

// WithTaskQueue returns a copy of ctx whose activities run on task queue name.
func WithTaskQueue(ctx Context, name string) Context {
	return internal.WithTaskQueue(ctx, name)
}

// WithScheduleToCloseTimeout returns a copy of ctx with the activities'
// ScheduleToCloseTimeout set to d.
func WithScheduleToCloseTimeout(ctx Context, d time.Duration) Context {
	return internal.WithScheduleToCloseTimeout(ctx, d)
}

// WithScheduleToStartTimeout returns a copy of ctx with the activities'
// ScheduleToStartTimeout set to d.
func WithScheduleToStartTimeout(ctx Context, d time.Duration) Context {
	return internal.WithScheduleToStartTimeout(ctx, d)
}

// WithStartToCloseTimeout returns a copy of ctx with the activities'
// StartToCloseTimeout set to d.
func WithStartToCloseTimeout(ctx Context, d time.Duration) Context {
	return internal.WithStartToCloseTimeout(ctx, d)
}

// WithHeartbeatTimeout returns a copy of ctx with the activities'
// HeartbeatTimeout set to d.
func WithHeartbeatTimeout(ctx Context, d time.Duration) Context {
	return internal.WithHeartbeatTimeout(ctx, d)
}

// WithWaitForCancellation returns a copy of ctx with the activities'
// WaitForCancellation option set to wait.
func WithWaitForCancellation(ctx Context, wait bool) Context {
	return internal.WithWaitForCancellation(ctx, wait)
}

// WithRetryPolicy returns a copy of ctx whose activities use retryPolicy.
func WithRetryPolicy(ctx Context, retryPolicy temporal.RetryPolicy) Context {
	return internal.WithRetryPolicy(ctx, retryPolicy)
}

// WithDataConverter returns a copy of ctx whose activities' arguments and
// results are encoded with dc.
func WithDataConverter(ctx Context, dc converter.DataConverter) Context {
	return internal.WithDataConverter(ctx, dc)
}

// NewTimer returns a future that becomes ready d after Now. Canceling ctx
// cancels the timer.
func NewTimer(ctx Context, d time.Duration) Future {
	return internal.NewTimer(ctx, d)
}

// NewTimerWithOptions is NewTimer with options.
func NewTimerWithOptions(ctx Context, d time.Duration, options TimerOptions) Future {
	return internal.NewTimerWithOptions(ctx, d, options)
}

// SideEffect runs f once and records its result in the history; when the
// workflow is replayed the recorded result is returned and f is not run
// again. Use it for non-deterministic values such as random numbers or
// UUIDs. f must be quick and must not fail.
func SideEffect(ctx Context, f func(ctx Context) any) converter.EncodedValue {
	return internal.SideEffect(ctx, f)
}

// HasLastCompletionResult reports whether a previous run of this cron
// workflow completed with a result.
func HasLastCompletionResult(ctx Context) bool { return internal.HasLastCompletionResult(ctx) }

// GetLastCompletionResult decodes the previous completed cron run's result.
func GetLastCompletionResult(ctx Context, d ...any) error {
	return internal.GetLastCompletionResult(ctx, d...)
}

// LocalActivityOptions configures ExecuteLocalActivity.
type LocalActivityOptions = internal.LocalActivityOptions

// WithLocalActivityOptions returns a context whose local activities use options.
func WithLocalActivityOptions(ctx Context, options LocalActivityOptions) Context {
	return internal.WithLocalActivityOptions(ctx, options)
}

// GetLocalActivityOptions returns the local activity options of ctx.
func GetLocalActivityOptions(ctx Context) LocalActivityOptions {
	return internal.GetLocalActivityOptions(ctx)
}

// ExecuteLocalActivity runs a short activity in the node's process with
// the local activity options of ctx. Its function need not be registered.
// Every grainflow activity runs in the node's process, so it is recorded
// and retried like any activity.
func ExecuteLocalActivity(ctx Context, activity any, args ...any) Future {
	return internal.ExecuteLocalActivity(ctx, activity, args...)
}

// ContinueAsNewError, returned by a workflow function, closes the run and
// starts a new run of the same workflow ID with a fresh history.
type ContinueAsNewError = internal.ContinueAsNewError

// NewContinueAsNewError returns the error that continues the workflow as a
// new run of wfn with args. Signals the run received but did not read are
// delivered to the new run.
func NewContinueAsNewError(ctx Context, wfn any, args ...any) error {
	return internal.NewContinueAsNewError(ctx, wfn, args...)
}

// IsContinueAsNewError reports whether err is or wraps a ContinueAsNewError.
func IsContinueAsNewError(err error) bool { return internal.IsContinueAsNewError(err) }

// MutableSideEffect runs f on every call and records its result only when
// it differs (by equals) from the value last recorded for id; replay
// returns the recorded values without running f.
func MutableSideEffect(ctx Context, id string, f func(ctx Context) any, equals func(a, b any) bool) converter.EncodedValue {
	return internal.MutableSideEffect(ctx, id, f, equals)
}

// Version is a version of a workflow code change; see GetVersion.
type Version = internal.Version

// DefaultVersion is the version of code that ran before GetVersion was
// added around a change.
const DefaultVersion = internal.DefaultVersion

// GetVersion returns the version of the change changeID for this run:
// maxSupported the first time a new run reaches it (recorded as a marker),
// the recorded version on replay, and DefaultVersion for runs whose history
// shows the code before the change. Branch on it to change workflow code
// without breaking runs in progress.
func GetVersion(ctx Context, changeID string, minSupported, maxSupported Version) Version {
	return internal.GetVersion(ctx, changeID, minSupported, maxSupported)
}

// Sleep pauses the calling coroutine for d with a durable timer. It returns
// a CanceledError if ctx is canceled first.
func Sleep(ctx Context, d time.Duration) error {
	return internal.Sleep(ctx, d)
}

// Now returns the workflow's clock, the same on replay. Use it instead of
// time.Now.
func Now(ctx Context) time.Time {
	return internal.Now(ctx)
}

// Go runs f in a new workflow coroutine. Use it instead of the go statement.
func Go(ctx Context, f func(ctx Context)) {
	internal.Go(ctx, f)
}

// GoNamed is Go with a name that appears in stack traces.
func GoNamed(ctx Context, name string, f func(ctx Context)) {
	internal.GoNamed(ctx, name, f)
}

// NewChannel creates an unbuffered Channel.
func NewChannel(ctx Context) Channel {
	return internal.NewChannel(ctx)
}

// NewNamedChannel creates an unbuffered Channel with a name.
func NewNamedChannel(ctx Context, name string) Channel {
	return internal.NewNamedChannel(ctx, name)
}

// NewBufferedChannel creates a Channel that buffers up to size values.
func NewBufferedChannel(ctx Context, size int) Channel {
	return internal.NewBufferedChannel(ctx, size)
}

// NewNamedBufferedChannel creates a named Channel that buffers up to size
// values.
func NewNamedBufferedChannel(ctx Context, name string, size int) Channel {
	return internal.NewNamedBufferedChannel(ctx, name, size)
}

// NewSelector creates a Selector.
func NewSelector(ctx Context) Selector {
	return internal.NewSelector(ctx)
}

// NewNamedSelector creates a Selector with a name.
func NewNamedSelector(ctx Context, name string) Selector {
	return internal.NewNamedSelector(ctx, name)
}

// NewFuture creates a Future and the Settable that completes it.
func NewFuture(ctx Context) (Future, Settable) {
	return internal.NewFuture(ctx)
}

// NewWaitGroup creates a WaitGroup.
func NewWaitGroup(ctx Context) WaitGroup {
	return internal.NewWaitGroup(ctx)
}

// NewMutex returns an unlocked Mutex. Lock blocks the calling coroutine
// until the mutex is free and returns ctx.Err() if ctx is canceled first;
// Unlock of an unlocked mutex panics, failing the workflow task.
func NewMutex(ctx Context) Mutex {
	return internal.NewMutex(ctx)
}

// NewSemaphore returns a Semaphore of n units. Acquire blocks until enough
// units are free and returns ctx.Err() if ctx is canceled first; Release of
// more units than are held panics.
func NewSemaphore(ctx Context, n int64) Semaphore {
	return internal.NewSemaphore(ctx, n)
}

// Await blocks until condition returns true, or returns ctx.Err() when ctx
// is canceled. condition must not have side effects.
func Await(ctx Context, condition func() bool) error {
	return internal.Await(ctx, condition)
}

// AwaitWithTimeout is Await that gives up after timeout: ok is false then.
func AwaitWithTimeout(ctx Context, timeout time.Duration, condition func() bool) (ok bool, err error) {
	return internal.AwaitWithTimeout(ctx, timeout, condition)
}

// AwaitWithOptions is AwaitWithTimeout with options for its timer.
func AwaitWithOptions(ctx Context, options AwaitOptions, condition func() bool) (ok bool, err error) {
	return internal.AwaitWithOptions(ctx, options, condition)
}

// GetSignalChannel returns the channel of the signals named signalName.
// Signals that arrived before it was asked for are already in it.
func GetSignalChannel(ctx Context, signalName string) ReceiveChannel {
	return internal.GetSignalChannel(ctx, signalName)
}

// SetQueryHandler registers handler, a function returning (result, error),
// for queries of type queryType. Handlers must not block or change the
// workflow.
func SetQueryHandler(ctx Context, queryType string, handler any) error {
	return internal.SetQueryHandler(ctx, queryType, handler)
}

// SetQueryHandlerWithOptions is SetQueryHandler with options.
func SetQueryHandlerWithOptions(ctx Context, queryType string, handler any, options QueryHandlerOptions) error {
	return internal.SetQueryHandlerWithOptions(ctx, queryType, handler, options)
}

// GetInfo returns information about the running workflow.
func GetInfo(ctx Context) *Info {
	return internal.GetInfo(ctx)
}

// GetLogger returns a logger that tags entries with the workflow's identity
// and stays silent while the workflow replays.
func GetLogger(ctx Context) log.Logger {
	return internal.GetLogger(ctx)
}

// IsReplaying reports whether the code is re-executing history. Use it only
// to suppress side effects such as logging.
func IsReplaying(ctx Context) bool {
	return internal.IsReplaying(ctx)
}

// WithCancel returns a copy of parent that is canceled by cancel or with
// parent.
func WithCancel(parent Context) (ctx Context, cancel CancelFunc) {
	return internal.WithCancel(parent)
}

// WithValue returns a copy of parent in which key maps to val.
func WithValue(parent Context, key any, val any) Context {
	return internal.WithValue(parent, key, val)
}

// NewDisconnectedContext returns a context with parent's values that
// parent's cancellation does not reach, for cleanup after cancellation.
func NewDisconnectedContext(parent Context) (ctx Context, cancel CancelFunc) {
	return internal.NewDisconnectedContext(parent)
}

// DeterministicKeys returns the keys of m sorted, for iterating over a map
// deterministically.
func DeterministicKeys[K cmp.Ordered, V any](m map[K]V) []K {
	return internal.DeterministicKeys(m)
}

// DeterministicKeysFunc returns the keys of m sorted with cmp.
func DeterministicKeysFunc[K comparable, V any](m map[K]V, cmp func(a K, b K) int) []K {
	return internal.DeterministicKeysFunc(m, cmp)
}

// ChildWorkflowOptions configure ExecuteChildWorkflow.
type ChildWorkflowOptions = internal.ChildWorkflowOptions

// ChildWorkflowFuture is the result of a child workflow.
type ChildWorkflowFuture = internal.ChildWorkflowFuture

// WithChildOptions returns a context whose child workflows use options.
func WithChildOptions(ctx Context, options ChildWorkflowOptions) Context {
	return internal.WithChildOptions(ctx, options)
}

// GetChildWorkflowOptions returns the child workflow options of ctx.
func GetChildWorkflowOptions(ctx Context) ChildWorkflowOptions {
	return internal.GetChildWorkflowOptions(ctx)
}

// ExecuteChildWorkflow starts a child workflow (a function or a registered
// type name) with args, with the options of ctx. The future's Get returns
// the child's result, or a *temporal.ChildWorkflowExecutionError wrapping
// how it ended. Canceling ctx asks the child to cancel; when the parent
// closes first, the child's ParentClosePolicy applies.
func ExecuteChildWorkflow(ctx Context, childWorkflow any, args ...any) ChildWorkflowFuture {
	return internal.ExecuteChildWorkflow(ctx, childWorkflow, args...)
}

// SignalExternalWorkflow sends a signal to another workflow (runID "" means
// its current run). The future is ready once the target has recorded it.
func SignalExternalWorkflow(ctx Context, workflowID, runID, signalName string, arg any) Future {
	return internal.SignalExternalWorkflow(ctx, workflowID, runID, signalName, arg)
}

// RequestCancelExternalWorkflow asks another workflow (runID "" means its
// current run) to cancel. The future is ready once the target has recorded
// the request.
func RequestCancelExternalWorkflow(ctx Context, workflowID, runID string) Future {
	return internal.RequestCancelExternalWorkflow(ctx, workflowID, runID)
}

// UpdateHandlerOptions configure SetUpdateHandlerWithOptions: a validator,
// the policy for a handler still running when the run closes, a description.
type UpdateHandlerOptions = internal.UpdateHandlerOptions

// UpdateInfo names the update whose handler is running.
type UpdateInfo = internal.UpdateInfo

// HandlerUnfinishedPolicy is what happens to update handlers still running
// when the run closes.
type HandlerUnfinishedPolicy = internal.HandlerUnfinishedPolicy

const (
	// HandlerUnfinishedPolicyWarnAndAbandon logs a warning, then abandons them.
	HandlerUnfinishedPolicyWarnAndAbandon = internal.HandlerUnfinishedPolicyWarnAndAbandon
	// HandlerUnfinishedPolicyAbandon abandons them without a warning.
	HandlerUnfinishedPolicyAbandon = internal.HandlerUnfinishedPolicyAbandon
)

// SetUpdateHandler registers handler for updates named updateName. The
// handler takes a Context and the update's arguments and returns an error or
// a result and an error; it runs as workflow code and may change the
// workflow's state, run activities and wait. An accepted update is recorded
// in the history before its handler runs, and its result after it returns.
func SetUpdateHandler(ctx Context, updateName string, handler any) error {
	return internal.SetUpdateHandler(ctx, updateName, handler)
}

// SetUpdateHandlerWithOptions is SetUpdateHandler with options. An update
// that its Validator rejects is never recorded: the caller gets the
// validator's error and the history does not change.
func SetUpdateHandlerWithOptions(ctx Context, updateName string, handler any, opts UpdateHandlerOptions) error {
	return internal.SetUpdateHandlerWithOptions(ctx, updateName, handler, opts)
}

// GetCurrentUpdateInfo returns the update whose handler ctx belongs to, or
// nil outside update handlers.
func GetCurrentUpdateInfo(ctx Context) *UpdateInfo { return internal.GetCurrentUpdateInfo(ctx) }

// AllHandlersFinished reports whether no update handler is running. Wait for
// it before returning so that accepted updates complete:
//
//	workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
func AllHandlersFinished(ctx Context) bool { return internal.AllHandlersFinished(ctx) }

// UpsertTypedSearchAttributes sets or removes search attributes of the
// running workflow, which ListWorkflow filters on. The change is recorded
// with the workflow task and visible at once to GetTypedSearchAttributes.
func UpsertTypedSearchAttributes(ctx Context, searchAttributeUpdate ...temporal.SearchAttributeUpdate) error {
	return internal.UpsertTypedSearchAttributes(ctx, searchAttributeUpdate...)
}

// UpsertSearchAttributes is UpsertTypedSearchAttributes with the values'
// types following their Go types: string is Keyword, integers Int, floats
// Double, bool Bool, time.Time Datetime, []string KeywordList; nil removes.
func UpsertSearchAttributes(ctx Context, attributes map[string]any) error {
	return internal.UpsertSearchAttributes(ctx, attributes)
}

// GetTypedSearchAttributes returns the workflow's current search attributes.
func GetTypedSearchAttributes(ctx Context) temporal.SearchAttributes {
	return internal.GetTypedSearchAttributes(ctx)
}

// UpsertMemo sets memo fields of the running workflow (nil removes one).
// The memo is returned by ListWorkflow but not indexed.
func UpsertMemo(ctx Context, memo map[string]any) error { return internal.UpsertMemo(ctx, memo) }
