// Package client starts, signals, queries, cancels and inspects workflows on
// a grainflow node. Its API follows the Temporal Go SDK's client package; the
// difference is how it is created: instead of dialing a server, a client is
// bound to an embedded node (cluster.Open) through Options.Node.
//
// Do not use a client inside workflow code: use the workflow package there.
package client

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/grainflow/grainflow/actor"
	"github.com/grainflow/grainflow/cluster"
	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/sdk/converter"
	"github.com/grainflow/grainflow/sdk/enums"
	"github.com/grainflow/grainflow/sdk/internal"
	"github.com/grainflow/grainflow/sdk/log"
	"github.com/grainflow/grainflow/sdk/temporal"
)

// Temporal's defaults, for code written against a Temporal server.
const (
	// DefaultHostPort is Temporal's default server address, "localhost:7233".
	// grainflow never dials it: a client talks to an embedded node
	// (Options.Node); the constant exists so that Temporal code compiles.
	DefaultHostPort = "localhost:7233"
	// DefaultNamespace is the namespace a client uses when Options.Namespace
	// is empty: "default", as in Temporal.
	DefaultNamespace = "default"
)

// Options configures a client.
type Options struct {
	// Node is the embedded node the client talks to. Required.
	Node *cluster.Node
	// HostPort is the Temporal server address of Temporal's Options. grainflow
	// embeds its engine and opens no network connection, so a HostPort is
	// not used: with Node set it is ignored, and without Node Dial fails
	// with an error saying to open a node and pass it as Node.
	HostPort string
	// Namespace of the workflows (default DefaultNamespace, "default").
	Namespace string
	// Identity is recorded in the events this client causes (default "client").
	Identity string
	// DataConverter encodes arguments and decodes results (default JSON,
	// protobuf messages supported). Workers on the node must use the same.
	DataConverter converter.DataConverter
	// Logger receives the client's logs.
	Logger log.Logger
}

// Client is the client of a grainflow node.
type Client interface {
	// ExecuteWorkflow starts a workflow and returns once its start is durable.
	// The workflow argument is a workflow function or its registered name.
	ExecuteWorkflow(ctx context.Context, options StartWorkflowOptions, workflow any, args ...any) (WorkflowRun, error)
	// GetWorkflow returns a handle to an existing run; an empty runID means
	// the workflow's latest run.
	GetWorkflow(ctx context.Context, workflowID string, runID string) WorkflowRun
	// SignalWorkflow sends a signal to a running workflow and returns once the
	// signal is durable.
	SignalWorkflow(ctx context.Context, workflowID string, runID string, signalName string, arg any) error
	// SignalWithStartWorkflow signals the workflow, starting it first if it is
	// not running. options.WorkflowIDConflictPolicy TERMINATE_EXISTING
	// terminates a running workflow and starts a new one with the signal;
	// FAIL is refused.
	SignalWithStartWorkflow(ctx context.Context, workflowID string, signalName string, signalArg any,
		options StartWorkflowOptions, workflow any, workflowArgs ...any) (WorkflowRun, error)
	// QueryWorkflow runs a query handler of the workflow and returns its result.
	QueryWorkflow(ctx context.Context, workflowID string, runID string, queryType string, args ...any) (converter.EncodedValue, error)
	// CancelWorkflow requests cancellation; the workflow code decides how to
	// wind down.
	CancelWorkflow(ctx context.Context, workflowID string, runID string) error
	// TerminateWorkflow closes the run at once without running workflow code.
	TerminateWorkflow(ctx context.Context, workflowID string, runID string, reason string, details ...any) error
	// DescribeWorkflowExecution returns the run's status, times, memo and
	// search attributes (as they stand after upserts), its pending work
	// and the last workflow task failure, if any.
	DescribeWorkflowExecution(ctx context.Context, workflowID, runID string) (*WorkflowExecutionDescription, error)
	// GetWorkflowHistory iterates over the run's events. With isLongPoll the
	// iterator waits for the run to close before it ends.
	GetWorkflowHistory(ctx context.Context, workflowID string, runID string, isLongPoll bool, filterType HistoryEventFilterType) HistoryEventIterator
	// CompleteActivity completes an activity that returned
	// activity.ErrResultPending, named by its Info.TaskToken: with result,
	// or with err (a CanceledError cancels it). It returns once recorded.
	CompleteActivity(ctx context.Context, taskToken []byte, result any, err error) error
	// CompleteActivityByID is CompleteActivity for an activity named by
	// namespace, workflow ID, run ID (empty: the latest) and activity ID.
	CompleteActivityByID(ctx context.Context, namespace, workflowID, runID, activityID string, result any, err error) error

	// UpdateWorkflow sends an update to a workflow and waits until it is
	// accepted or completed (options.WaitForStage). A rejected update, or a
	// handler that fails, is reported by the handle's Get; errors returned
	// here mean the update was not delivered.
	UpdateWorkflow(ctx context.Context, options UpdateWorkflowOptions) (WorkflowUpdateHandle, error)

	// UpdateWithStartWorkflow starts the workflow of
	// options.StartWorkflowOperation, or finds it running, and sends it the
	// update in one step: nothing reaches a new run before the update. The
	// start operation's WorkflowIDConflictPolicy must be USE_EXISTING (send
	// the update to a running workflow) or FAIL (a running workflow is an
	// error and no update is sent). It waits as UpdateWorkflow does; the
	// operation's Get returns the run.
	UpdateWithStartWorkflow(ctx context.Context, options UpdateWithStartWorkflowOptions) (WorkflowUpdateHandle, error)

	// NewWithStartWorkflowOperation describes the start for one
	// UpdateWithStartWorkflow call.
	NewWithStartWorkflowOperation(options StartWorkflowOptions, workflow any, args ...any) WithStartWorkflowOperation

	// GetWorkflowUpdateHandle returns a handle to an update sent before,
	// whose Get waits for its outcome.
	GetWorkflowUpdateHandle(ref GetWorkflowUpdateHandleOptions) WorkflowUpdateHandle

	// ListWorkflow returns the workflow runs a query selects, such as
	// "WorkflowType = 'Order' AND ExecutionStatus = 'Running'", newest
	// start first unless the query has an ORDER BY. A malformed query
	// returns an error that gives the offset where it is malformed.
	ListWorkflow(ctx context.Context, request *ListWorkflowExecutionsRequest) (*ListWorkflowExecutionsResponse, error)

	// CountWorkflow returns how many workflow runs a query selects.
	CountWorkflow(ctx context.Context, request *CountWorkflowExecutionsRequest) (*CountWorkflowExecutionsResponse, error)

	// ScheduleClient creates, lists and returns handles to schedules.
	ScheduleClient() ScheduleClient
	// Close releases the client. The node stays open.
	Close()
}

// WorkflowRun is a handle to a started workflow run.
type WorkflowRun interface {
	GetID() string
	GetRunID() string
	// Get blocks until the run closes, following the runs that continue it
	// (continue-as-new) or retry it under its retry policy, then decodes the last run's result into
	// valuePtr (which may be nil) or returns its error: a
	// *temporal.WorkflowExecutionError wrapping the cause for failed,
	// canceled, terminated and timed-out runs.
	Get(ctx context.Context, valuePtr any) error
}

// HistoryEventFilterType selects which events GetWorkflowHistory returns.
// It is enums.HistoryEventFilterType, so Temporal code passing
// enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT or _CLOSE_EVENT compiles; the
// zero value (UNSPECIFIED) returns every event.
type HistoryEventFilterType = enums.HistoryEventFilterType

const (
	// HistoryEventFilterTypeAllEvent returns every event.
	HistoryEventFilterTypeAllEvent = enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT
	// HistoryEventFilterTypeCloseEvent returns only the close event.
	HistoryEventFilterTypeCloseEvent = enums.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT
)

// HistoryEventIterator iterates over history events.
type HistoryEventIterator interface {
	HasNext() bool
	Next() (*journalpb.Event, error)
}

// Dial returns a client of options.Node. Nothing travels over a network:
// options.HostPort is not dialed (see Options.HostPort).
func Dial(options Options) (Client, error) {
	if options.Node == nil && options.HostPort != "" {
		return nil, fmt.Errorf("client: grainflow embeds its engine and connects to no server, so HostPort %q cannot be dialed: "+
			"open a node with cluster.Open and pass it as Options.Node", options.HostPort)
	}
	if options.Node == nil {
		return nil, errors.New("client: Options.Node is required: grainflow embeds its engine (open a node with cluster.Open and pass it as Options.Node)")
	}
	if options.Namespace == "" {
		options.Namespace = DefaultNamespace
	}
	if options.Identity == "" {
		options.Identity = "client"
	}
	if options.DataConverter == nil {
		options.DataConverter = converter.GetDefaultDataConverter()
	}
	return &embeddedClient{opts: options, engine: options.Node.Engine()}, nil
}

// NewClient is Dial; both names exist because Temporal code uses both.
func NewClient(options Options) (Client, error) { return Dial(options) }

type embeddedClient struct {
	opts   Options
	engine *actor.Engine
}

// Node returns the node the client is bound to; sdk/worker uses it.
func (c *embeddedClient) Node() *cluster.Node { return c.opts.Node }

// DataConverter returns the client's converter; sdk/worker uses it.
func (c *embeddedClient) DataConverter() converter.DataConverter { return c.opts.DataConverter }

// Namespace returns the client's namespace; sdk/worker uses it.
func (c *embeddedClient) Namespace() string { return c.opts.Namespace }

func (c *embeddedClient) startRequest(options StartWorkflowOptions, workflow any, args []any) (*actor.StartWorkflowRequest, error) {
	if options.TaskQueue == "" {
		return nil, errors.New("client: StartWorkflowOptions.TaskQueue is required")
	}
	workflowType := internal.FunctionName(workflow)
	if workflowType == "" {
		return nil, errors.New("client: workflow must be a function or a non-empty name")
	}
	input, err := c.opts.DataConverter.ToPayloads(args...)
	if err != nil {
		return nil, fmt.Errorf("client: encode arguments of workflow %s: %w", workflowType, err)
	}
	id := options.ID
	if id == "" {
		id = uuid.NewString()
	}
	memo, err := internal.EncodeMemo(options.Memo, c.opts.DataConverter)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	searchAttributes, err := internal.EncodeStartSearchAttributes(options.TypedSearchAttributes, options.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	return &actor.StartWorkflowRequest{
		Namespace:                c.opts.Namespace,
		WorkflowID:               id,
		WorkflowType:             workflowType,
		TaskQueue:                options.TaskQueue,
		Input:                    input,
		WorkflowExecutionTimeout: options.WorkflowExecutionTimeout,
		WorkflowRunTimeout:       options.WorkflowRunTimeout,
		WorkflowTaskTimeout:      options.WorkflowTaskTimeout,
		RetryPolicy:              internal.RetryPolicyToProto(options.RetryPolicy),
		IDReusePolicy:            options.WorkflowIDReusePolicy,
		IDConflictPolicy:         options.WorkflowIDConflictPolicy,
		Memo:                     memo,
		SearchAttributes:         searchAttributes,
		Identity:                 c.opts.Identity,
		CronSchedule:             options.CronSchedule,
		StartDelay:               options.StartDelay,
	}, nil
}

func (c *embeddedClient) ExecuteWorkflow(ctx context.Context, options StartWorkflowOptions, workflow any, args ...any) (WorkflowRun, error) {
	req, err := c.startRequest(options, workflow, args)
	if err != nil {
		return nil, err
	}
	runID, err := c.engine.StartWorkflow(ctx, req)
	if err != nil {
		var started *actor.WorkflowExecutionAlreadyStartedError
		if errors.As(err, &started) && !options.WorkflowExecutionErrorWhenAlreadyStarted && started.RunID != "" {
			// Temporal returns a handle to the running workflow unless the
			// caller asked for the error.
			return c.run(req.WorkflowID, started.RunID, req.WorkflowType), nil
		}
		return nil, err
	}
	return c.run(req.WorkflowID, runID, req.WorkflowType), nil
}

func (c *embeddedClient) GetWorkflow(ctx context.Context, workflowID string, runID string) WorkflowRun {
	return c.run(workflowID, runID, "")
}

func (c *embeddedClient) SignalWorkflow(ctx context.Context, workflowID string, runID string, signalName string, arg any) error {
	input, err := c.opts.DataConverter.ToPayloads(arg)
	if err != nil {
		return fmt.Errorf("client: encode signal %s: %w", signalName, err)
	}
	return c.engine.SignalWorkflow(ctx, c.opts.Namespace, workflowID, runID, signalName, input)
}

func (c *embeddedClient) SignalWithStartWorkflow(ctx context.Context, workflowID string, signalName string, signalArg any,
	options StartWorkflowOptions, workflow any, workflowArgs ...any) (WorkflowRun, error) {
	options.ID = workflowID
	req, err := c.startRequest(options, workflow, workflowArgs)
	if err != nil {
		return nil, err
	}
	input, err := c.opts.DataConverter.ToPayloads(signalArg)
	if err != nil {
		return nil, fmt.Errorf("client: encode signal %s: %w", signalName, err)
	}
	runID, err := c.engine.SignalWithStartWorkflow(ctx, req, signalName, input)
	if err != nil {
		return nil, err
	}
	return c.run(workflowID, runID, req.WorkflowType), nil
}

func (c *embeddedClient) QueryWorkflow(ctx context.Context, workflowID string, runID string, queryType string, args ...any) (converter.EncodedValue, error) {
	input, err := c.opts.DataConverter.ToPayloads(args...)
	if err != nil {
		return nil, fmt.Errorf("client: encode query %s: %w", queryType, err)
	}
	result, err := c.engine.QueryWorkflow(ctx, c.opts.Namespace, workflowID, runID, queryType, input)
	if err != nil {
		return nil, err
	}
	var first *journalpb.Payload
	if len(result.GetPayloads()) > 0 {
		first = result.GetPayloads()[0]
	}
	return internal.NewEncodedValue(first, c.opts.DataConverter), nil
}

func (c *embeddedClient) CancelWorkflow(ctx context.Context, workflowID string, runID string) error {
	return c.engine.CancelWorkflow(ctx, c.opts.Namespace, workflowID, runID, "canceled by "+c.opts.Identity)
}

func (c *embeddedClient) TerminateWorkflow(ctx context.Context, workflowID string, runID string, reason string, details ...any) error {
	encoded, err := c.opts.DataConverter.ToPayloads(details...)
	if err != nil {
		return fmt.Errorf("client: encode termination details: %w", err)
	}
	return c.engine.TerminateWorkflow(ctx, c.opts.Namespace, workflowID, runID, reason, encoded)
}

func (c *embeddedClient) DescribeWorkflowExecution(ctx context.Context, workflowID, runID string) (*WorkflowExecutionDescription, error) {
	return c.engine.DescribeWorkflow(ctx, c.opts.Namespace, workflowID, runID)
}

func (c *embeddedClient) GetWorkflowHistory(ctx context.Context, workflowID string, runID string, isLongPoll bool, filterType HistoryEventFilterType) HistoryEventIterator {
	return &historyIterator{load: func() ([]*journalpb.Event, error) {
		if isLongPoll || filterType == HistoryEventFilterTypeCloseEvent {
			closeEvent, err := c.engine.WaitForClose(ctx, c.opts.Namespace, workflowID, runID)
			if err != nil {
				return nil, err
			}
			if filterType == HistoryEventFilterTypeCloseEvent {
				return []*journalpb.Event{closeEvent}, nil
			}
		}
		return c.engine.GetHistory(ctx, c.opts.Namespace, workflowID, runID)
	}}
}

func (c *embeddedClient) Close() {}

func (c *embeddedClient) ScheduleClient() ScheduleClient { return &scheduleClient{c: c} }

func (c *embeddedClient) CompleteActivity(ctx context.Context, taskToken []byte, result any, err error) error {
	payloads, failure, canceled, encErr := c.activityOutcome(result, err)
	if encErr != nil {
		return encErr
	}
	return c.engine.CompleteActivity(ctx, taskToken, payloads, failure, canceled)
}

func (c *embeddedClient) CompleteActivityByID(ctx context.Context, namespace, workflowID, runID, activityID string, result any, err error) error {
	payloads, failure, canceled, encErr := c.activityOutcome(result, err)
	if encErr != nil {
		return encErr
	}
	if namespace == "" {
		namespace = c.opts.Namespace
	}
	return c.engine.CompleteActivityByID(ctx, namespace, workflowID, runID, activityID, payloads, failure, canceled)
}

// activityOutcome encodes what CompleteActivity was given.
func (c *embeddedClient) activityOutcome(result any, err error) (*journalpb.Payloads, *journalpb.Failure, bool, error) {
	if err != nil {
		return nil, internal.ConvertErrorToFailure(err, c.opts.DataConverter), temporal.IsCanceledError(err), nil
	}
	if result == nil {
		return nil, nil, false, nil
	}
	payloads, encErr := c.opts.DataConverter.ToPayloads(result)
	if encErr != nil {
		return nil, nil, false, fmt.Errorf("client: encode activity result: %w", encErr)
	}
	return payloads, nil, false, nil
}

func (c *embeddedClient) run(workflowID, runID, workflowType string) *workflowRun {
	return &workflowRun{client: c, workflowID: workflowID, runID: runID, workflowType: workflowType}
}

// workflowRun implements WorkflowRun.
type workflowRun struct {
	client       *embeddedClient
	workflowID   string
	runID        string
	workflowType string
}

func (r *workflowRun) GetID() string    { return r.workflowID }
func (r *workflowRun) GetRunID() string { return r.runID }

func (r *workflowRun) Get(ctx context.Context, valuePtr any) error {
	c := r.client
	runID := r.runID
	closeEvent, err := c.engine.WaitForClose(ctx, c.opts.Namespace, r.workflowID, runID)
	// Follow the retries of a failed or timed-out run to the last one.
	for err == nil && nextRunID(closeEvent) != "" {
		runID = nextRunID(closeEvent)
		closeEvent, err = c.engine.WaitForClose(ctx, c.opts.Namespace, r.workflowID, runID)
	}
	if err != nil {
		return err
	}
	dc := c.opts.DataConverter
	cause := internal.CloseError(closeEvent, dc)
	if cause == nil {
		result := closeEvent.GetWorkflowExecutionCompleted().GetResult()
		if valuePtr == nil || len(result.GetPayloads()) == 0 {
			return nil
		}
		return dc.FromPayloads(result, valuePtr)
	}
	return internal.NewWorkflowExecutionError(r.workflowID, runID, r.workflowType, cause)
}

// nextRunID is the run WorkflowRun.Get follows after the run closeEvent
// closed: a continuation or a retry, if any.
func nextRunID(closeEvent *journalpb.Event) string {
	if id := closeEvent.GetWorkflowExecutionContinuedAsNew().GetNewExecutionRunId(); id != "" {
		return id
	}
	// A failed or timed-out run is followed only to its retry, not to the
	// next run of a cron schedule.
	retrying := journalpb.RetryState_RETRY_STATE_IN_PROGRESS
	if f := closeEvent.GetWorkflowExecutionFailed(); f.GetRetryState() == retrying {
		return f.GetNewExecutionRunId()
	}
	if t := closeEvent.GetWorkflowExecutionTimedOut(); t.GetRetryState() == retrying {
		return t.GetNewExecutionRunId()
	}
	return ""
}

// historyIterator loads the history on first use and then iterates over it.
type historyIterator struct {
	load   func() ([]*journalpb.Event, error)
	events []*journalpb.Event
	err    error
	loaded bool
}

func (it *historyIterator) HasNext() bool {
	if !it.loaded {
		it.events, it.err = it.load()
		it.loaded = true
	}
	return it.err != nil || len(it.events) > 0
}

func (it *historyIterator) Next() (*journalpb.Event, error) {
	if !it.HasNext() {
		return nil, errors.New("client: history iterator has no more events")
	}
	if it.err != nil {
		err := it.err
		it.err = nil
		return nil, err
	}
	e := it.events[0]
	it.events = it.events[1:]
	return e, nil
}

// StartWorkflowOptions configures ExecuteWorkflow and
// SignalWithStartWorkflow, as in Temporal. It is defined in sdk/internal
// so that the test environment can take it too
// (TestWorkflowEnvironment.SetStartWorkflowOptions).
type StartWorkflowOptions = internal.StartWorkflowOptions

// WorkflowExecutionDescription is what DescribeWorkflowExecution returns.
type WorkflowExecutionDescription = actor.WorkflowDescription

// WorkflowExecutionAlreadyStartedError is returned when a start conflicts
// with an open run or the ID reuse policy.
type WorkflowExecutionAlreadyStartedError = actor.WorkflowExecutionAlreadyStartedError

// WriteHistoryJSON writes the events of iter as a journalpb.History in
// protojson, the file format worker.WorkflowReplayer reads.
func WriteHistoryJSON(w io.Writer, iter HistoryEventIterator) error {
	history := &journalpb.History{}
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			return err
		}
		history.Events = append(history.Events, ev)
	}
	data, err := protojson.MarshalOptions{Multiline: true}.Marshal(history)
	if err != nil {
		return fmt.Errorf("client: encode history: %w", err)
	}
	_, err = w.Write(data)
	return err
}
