// Package actor is grainflow's engine: one protoactor actor per workflow
// execution, partition hosts that activate and passivate them, per-partition
// timer services over the journal's timer index, and per-task-queue pools
// that run activities with Temporal's retry and timeout rules.
//
// Every workflow actor appends to the journal before it acts: a reply to a
// client, an activity dispatch or a timer registration happens only after
// the Append that records it has returned from a synced commit.
package actor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	protoactor "github.com/asynkron/protoactor-go/actor"

	"github.com/grainflow/grainflow/journal"
	"github.com/grainflow/grainflow/journal/journalpb"
	internal "github.com/grainflow/grainflow/sdk/internalbindings"
)

// EngineOptions configures NewEngine. The zero value of each field picks its default.
type EngineOptions struct {
	// Namespace used when a request names none (default "default").
	Namespace string
	// IdleTimeout is how long a workflow actor stays in memory without
	// messages before it passivates (default 60 s).
	IdleTimeout time.Duration
	// DeadlockTimeout is how long workflow code may run without yielding
	// before its task fails as a deadlock (default 1 s).
	DeadlockTimeout time.Duration
	// MaxPayloadBytes bounds the input of a start, signal or query (default 2 MiB).
	MaxPayloadBytes int
	// Logger receives the engine's logs (default: discard).
	Logger *slog.Logger
}

// Engine runs the workflows of one journal.
type Engine struct {
	journal journal.Journal
	opts    EngineOptions
	system  *protoactor.ActorSystem
	hosts   []*partitionHost

	mu     sync.Mutex
	queues map[string]*taskQueue
	closed bool
	// done is closed by Close, so callers waiting for a workflow actor's
	// answer return instead of waiting for an actor that has stopped.
	done chan struct{}
	// mailboxes runs the workflow actors' mailboxes.
	mailboxes *mailboxDispatcher

	taskFailures, timerScans atomic.Int64
}

// Stats counts what the engine met since it started.
type Stats struct {
	// WorkflowTaskFailures is how many workflow tasks failed and were left
	// for a retry: a panic in workflow code, a non-determinism error, a
	// deadlock, or a history that could not be read. A run with failed
	// tasks still completes once a retry succeeds, later than it would have.
	WorkflowTaskFailures int64
	// TimerScans is how many reads of the due-timer index the partitions'
	// timer services made: a read per pass over the due timers, and one per
	// thousand timers more in a backlog.
	TimerScans int64
}

// Stats returns the engine's counters.
func (e *Engine) Stats() Stats {
	return Stats{WorkflowTaskFailures: e.taskFailures.Load(), TimerScans: e.timerScans.Load()}
}

// NewEngine starts an engine over j. Workflows recorded in j resume when a
// worker for their task queue starts (StartWorker).
func NewEngine(j journal.Journal, opts EngineOptions) (*Engine, error) {
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 60 * time.Second
	}
	if opts.DeadlockTimeout <= 0 {
		opts.DeadlockTimeout = time.Second
	}
	if opts.MaxPayloadBytes <= 0 {
		opts.MaxPayloadBytes = 2 << 20
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	// protoactor logs routine events (and recovered panics) at Info; only
	// its warnings and errors are worth the engine's log.
	actorLog := slog.New(warnOnly{opts.Logger.Handler()}).With("component", "protoactor")
	e := &Engine{
		journal: j,
		opts:    opts,
		system: protoactor.NewActorSystem(protoactor.WithLoggerFactory(func(*protoactor.ActorSystem) *slog.Logger {
			return actorLog
		})),
		queues: make(map[string]*taskQueue),
		done:   make(chan struct{}),
	}
	e.mailboxes = newMailboxDispatcher(e.done, maxMailboxRunners, mailboxIdleTimeout)
	for p := range j.Partitions() {
		e.hosts = append(e.hosts, newPartitionHost(e, p))
	}
	for _, h := range e.hosts {
		h.startTimerService()
	}
	return e, nil
}

// Close stops the timer services, the workflow actors and the activity
// pools. It does not close the journal.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	close(e.done)
	queues := make([]*taskQueue, 0, len(e.queues))
	for _, q := range e.queues {
		queues = append(queues, q)
	}
	e.mu.Unlock()
	for _, q := range queues {
		q.stop()
	}
	for _, h := range e.hosts {
		h.stop()
	}
	e.system.Shutdown()
	return nil
}

// queue returns the task queue named name, creating it idle if needed.
func (e *Engine) queue(name string) *taskQueue {
	e.mu.Lock()
	defer e.mu.Unlock()
	q, ok := e.queues[name]
	if !ok {
		q = newTaskQueue(e, name)
		e.queues[name] = q
	}
	return q
}

// StartWorker starts running the workflows and activities of taskQueue on
// this engine with the implementations in reg, and resumes the queue's
// workflows recorded in the journal. The returned function stops it.
func (e *Engine) StartWorker(taskQueue string, reg *internal.Registry, opts WorkerOptions) (stop func(), err error) {
	e.mu.Lock()
	closed := e.closed
	e.mu.Unlock()
	if closed {
		return nil, errEngineClosed
	}
	q := e.queue(taskQueue)
	if err := q.start(reg, opts); err != nil {
		return nil, err
	}
	// Resume: every run that was waiting on this queue, and every run the
	// journal marks as needing a wake-up after a restart.
	for _, h := range e.hosts {
		runs, err := e.journal.WakeRuns(context.Background(), h.partition)
		if err != nil {
			q.stop()
			return nil, fmt.Errorf("actor: resume task queue %s: %w", taskQueue, err)
		}
		for _, r := range runs {
			h.send(r.Namespace, r.WorkflowID, &workerStarted{taskQueue: taskQueue})
		}
		h.wakeWaiting(taskQueue)
		h.rescanTimers()
	}
	cfg := q.config()
	return func() {
		q.stopWorker(cfg)
		for _, h := range e.hosts {
			h.broadcast(&workerStopped{worker: cfg})
		}
	}, nil
}

// worker returns the started worker of a task queue, or nil.
func (e *Engine) worker(taskQueue string) *workerConfig {
	e.mu.Lock()
	q := e.queues[taskQueue]
	e.mu.Unlock()
	if q == nil {
		return nil
	}
	return q.config()
}

func (e *Engine) host(namespace, workflowID string) *partitionHost {
	return e.hosts[e.journal.PartitionOf(namespace, workflowID)]
}

func (e *Engine) namespace(ns string) string {
	if ns == "" {
		return e.opts.Namespace
	}
	return ns
}

// checkPayload refuses a payload over the size limit. The error names it
// what+name, joined only then: most payloads pass.
func (e *Engine) checkPayload(what, name string, p *journalpb.Payloads) error {
	if size := p.SizeVT(); size > e.opts.MaxPayloadBytes {
		return &PayloadTooLargeError{What: what + name, Size: size, Limit: e.opts.MaxPayloadBytes}
	}
	return nil
}

// ask sends msg to the workflow's actor and waits for the reply on ch.
func ask[T any](ctx context.Context, e *Engine, ns, workflowID string, msg any, ch chan T) (T, error) {
	e.host(ns, workflowID).send(ns, workflowID, msg)
	return awaitReply(ctx, e, ch)
}

// awaitReply waits for a reply on ch, the caller's context or the engine's close.
func awaitReply[T any](ctx context.Context, e *Engine, ch chan T) (T, error) {
	var zero T
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		return zero, ctx.Err()
	case <-e.done:
		// The reply may have been sent just before Close.
		select {
		case r := <-ch:
			return r, nil
		default:
			return zero, errEngineClosed
		}
	}
}

// warnOnly is a slog handler that drops records below Warn.
type warnOnly struct{ slog.Handler }

func (h warnOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

func (h warnOnly) WithAttrs(attrs []slog.Attr) slog.Handler {
	return warnOnly{h.Handler.WithAttrs(attrs)}
}

func (h warnOnly) WithGroup(name string) slog.Handler { return warnOnly{h.Handler.WithGroup(name)} }

// StartWorkflow starts a run and returns its run ID once the start is durable.
func (e *Engine) StartWorkflow(ctx context.Context, req *StartWorkflowRequest) (string, error) {
	return e.start(ctx, req, nil)
}

// SignalWithStartWorkflow signals the workflow's open run, or starts a run
// and delivers the signal as its first input. As in Temporal, the ID
// conflict policy TERMINATE_EXISTING (or the reuse policy
// TERMINATE_IF_RUNNING) terminates an open run and starts a new one with
// the signal instead, and the conflict policy FAIL is refused: the call
// exists to reach a running workflow.
func (e *Engine) SignalWithStartWorkflow(ctx context.Context, req *StartWorkflowRequest, signalName string, input *journalpb.Payloads) (string, error) {
	if err := e.checkPayload("signal ", signalName, input); err != nil {
		return "", err
	}
	if req.IDConflictPolicy == journalpb.WorkflowIdConflictPolicy_WORKFLOW_ID_CONFLICT_POLICY_FAIL {
		return "", fmt.Errorf("actor: signal-with-start of workflow %s cannot use the ID conflict policy %v; use %v (the default) or %v",
			req.WorkflowID, req.IDConflictPolicy, journalpb.WorkflowIdConflictPolicy_WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
			journalpb.WorkflowIdConflictPolicy_WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING)
	}
	return e.start(ctx, req, &startRequest{signal: &signalInput{name: signalName, input: input, identity: req.Identity}})
}

// UpdateWithStartWorkflow starts a run, or with the ID conflict policy
// USE_EXISTING takes the open one, and delivers the update to it in the
// same turn of the workflow's actor: nothing reaches the run between its
// start and the update. It then waits as UpdateWorkflow does and returns
// the run's ID with the outcome. As in Temporal, the conflict policy must be
// USE_EXISTING or FAIL; with FAIL an open run is an error and the update is
// not sent.
func (e *Engine) UpdateWithStartWorkflow(ctx context.Context, start *StartWorkflowRequest, update UpdateRequest) (string, *UpdateOutcome, error) {
	switch start.IDConflictPolicy {
	case journalpb.WorkflowIdConflictPolicy_WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		journalpb.WorkflowIdConflictPolicy_WORKFLOW_ID_CONFLICT_POLICY_FAIL:
	default:
		return "", nil, fmt.Errorf("actor: update-with-start of workflow %s needs the ID conflict policy %v or %v, not %v",
			start.WorkflowID, journalpb.WorkflowIdConflictPolicy_WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
			journalpb.WorkflowIdConflictPolicy_WORKFLOW_ID_CONFLICT_POLICY_FAIL, start.IDConflictPolicy)
	}
	if err := e.checkUpdate(start.WorkflowID, update); err != nil {
		return "", nil, err
	}
	ch := make(chan updateReply, 1)
	runID, err := e.start(ctx, start, &startRequest{update: &updateRequest{req: update, done: ctx.Done(), reply: ch}})
	if err != nil {
		return "", nil, err
	}
	r, err := awaitReply(ctx, e, ch)
	if err != nil {
		return runID, nil, err
	}
	return runID, r.outcome, r.err
}

// start checks and sends a start request; with carries what rides along
// with the start (a signal or an update), if anything.
func (e *Engine) start(ctx context.Context, in *StartWorkflowRequest, with *startRequest) (string, error) {
	req := *in // the caller's request is not modified
	req.Namespace = e.namespace(req.Namespace)
	if req.WorkflowID == "" || req.WorkflowType == "" || req.TaskQueue == "" {
		return "", errors.New("actor: start needs a workflow ID, a workflow type and a task queue")
	}
	if err := e.checkPayload("workflow input", "", req.Input); err != nil {
		return "", err
	}
	if req.StartDelay < 0 {
		return "", fmt.Errorf("actor: start delay %v is negative", req.StartDelay)
	}
	if req.CronSchedule != "" {
		if _, err := cronDelay(req.CronSchedule, time.Now()); err != nil {
			return "", fmt.Errorf("actor: %w", err)
		}
	}
	if w := e.worker(req.TaskQueue); w != nil {
		if _, ok := w.registry.Workflow(req.WorkflowType); !ok {
			return "", &internal.UnknownTypeError{Kind: "workflow", Name: req.WorkflowType, Known: w.registry.WorkflowTypes()}
		}
	}
	m := &startRequest{req: &req, reply: make(chan startReply, 1)}
	if with != nil {
		m.signal, m.update = with.signal, with.update
	}
	r, err := ask(ctx, e, req.Namespace, req.WorkflowID, m, m.reply)
	if err != nil {
		return "", err
	}
	return r.runID, r.err
}

// SignalWorkflow delivers a signal and returns once it is durable.
func (e *Engine) SignalWorkflow(ctx context.Context, ns, workflowID, runID, signalName string, input *journalpb.Payloads) error {
	if err := e.checkPayload("signal ", signalName, input); err != nil {
		return err
	}
	ns = e.namespace(ns)
	ch := make(chan error, 1)
	r, err := ask(ctx, e, ns, workflowID, &signalRequest{runID: runID, signal: signalInput{name: signalName, input: input}, reply: ch}, ch)
	if err != nil {
		return err
	}
	return r
}

// UpdateWorkflow sends an update to the run (the latest if runID is empty)
// and waits until it reaches req.WaitFor, or is rejected. A rejected update
// is an outcome, not an error; errors say the update could not be delivered.
func (e *Engine) UpdateWorkflow(ctx context.Context, ns, workflowID, runID string, req UpdateRequest) (*UpdateOutcome, error) {
	if err := e.checkUpdate(workflowID, req); err != nil {
		return nil, err
	}
	return e.askUpdate(ctx, ns, workflowID, runID, req)
}

func (e *Engine) checkUpdate(workflowID string, req UpdateRequest) error {
	switch {
	case req.UpdateID == "":
		return errors.New("actor: update of workflow " + workflowID + ": empty update ID")
	case req.Name == "":
		return errors.New("actor: update of workflow " + workflowID + ": empty update name")
	case req.WaitFor != UpdateAccepted && req.WaitFor != UpdateCompleted:
		return fmt.Errorf("actor: update %s of workflow %s: wait for stage %d: must be accepted or completed", req.UpdateID, workflowID, req.WaitFor)
	}
	return e.checkPayload("update ", req.Name, req.Input)
}

// PollUpdate waits for the outcome of an update sent before.
func (e *Engine) PollUpdate(ctx context.Context, ns, workflowID, runID, updateID string) (*UpdateOutcome, error) {
	return e.askUpdate(ctx, ns, workflowID, runID, UpdateRequest{UpdateID: updateID, WaitFor: UpdateCompleted})
}

func (e *Engine) askUpdate(ctx context.Context, ns, workflowID, runID string, req UpdateRequest) (*UpdateOutcome, error) {
	ns = e.namespace(ns)
	ch := make(chan updateReply, 1)
	r, err := ask(ctx, e, ns, workflowID, &updateRequest{runID: runID, req: req, done: ctx.Done(), reply: ch}, ch)
	if err != nil {
		return nil, err
	}
	return r.outcome, r.err
}

// QueryWorkflow runs a query handler of the run.
func (e *Engine) QueryWorkflow(ctx context.Context, ns, workflowID, runID, queryType string, args *journalpb.Payloads) (*journalpb.Payloads, error) {
	if err := e.checkPayload("query ", queryType, args); err != nil {
		return nil, err
	}
	ns = e.namespace(ns)
	ch := make(chan queryReply, 1)
	r, err := ask(ctx, e, ns, workflowID, &queryRequest{runID: runID, queryType: queryType, args: args, reply: ch}, ch)
	if err != nil {
		return nil, err
	}
	return r.result, r.err
}

// CancelWorkflow requests cancellation of the open run.
func (e *Engine) CancelWorkflow(ctx context.Context, ns, workflowID, runID, reason string) error {
	ns = e.namespace(ns)
	ch := make(chan error, 1)
	r, err := ask(ctx, e, ns, workflowID, &cancelRequest{runID: runID, reason: reason, reply: ch}, ch)
	if err != nil {
		return err
	}
	return r
}

// TerminateWorkflow closes the open run without running workflow code.
func (e *Engine) TerminateWorkflow(ctx context.Context, ns, workflowID, runID, reason string, details *journalpb.Payloads) error {
	ns = e.namespace(ns)
	ch := make(chan error, 1)
	r, err := ask(ctx, e, ns, workflowID, &terminateRequest{runID: runID, reason: reason, details: details, reply: ch}, ch)
	if err != nil {
		return err
	}
	return r
}

// DescribeWorkflow returns the run's metadata, pending work and task failure.
func (e *Engine) DescribeWorkflow(ctx context.Context, ns, workflowID, runID string) (*WorkflowDescription, error) {
	ns = e.namespace(ns)
	if meta := e.recordedClosedRun(ctx, ns, workflowID, runID); meta != nil {
		return describeRun(meta), nil
	}
	ch := make(chan describeReply, 1)
	r, err := ask(ctx, e, ns, workflowID, &describeRequest{runID: runID, reply: ch}, ch)
	if err != nil {
		return nil, err
	}
	return r.desc, r.err
}

// GetHistory returns the run's events; an empty runID means the latest run.
func (e *Engine) GetHistory(ctx context.Context, ns, workflowID, runID string) ([]*journalpb.Event, error) {
	run, err := e.resolveRun(ctx, e.namespace(ns), workflowID, runID)
	if err != nil {
		return nil, err
	}
	return e.journal.History(ctx, run)
}

// ListWorkflows returns the latest run of each workflow of the namespace,
// ordered by workflow ID, after the given ID, at most limit.
func (e *Engine) ListWorkflows(ctx context.Context, ns, afterWorkflowID string, limit int) ([]*journalpb.WorkflowMeta, error) {
	return e.journal.List(ctx, e.namespace(ns), afterWorkflowID, limit)
}

// QueryRuns returns the runs of the namespace that a visibility query
// (package visibility) selects, a page at a time.
func (e *Engine) QueryRuns(ctx context.Context, ns, query string, pageSize int, pageToken []byte) ([]*journalpb.WorkflowMeta, []byte, error) {
	return e.journal.ListRuns(ctx, journal.ListRequest{Namespace: e.namespace(ns), Query: query, PageSize: pageSize, PageToken: pageToken})
}

// CountRuns returns how many runs of the namespace a visibility query selects.
func (e *Engine) CountRuns(ctx context.Context, ns, query string) (int64, error) {
	return e.journal.CountRuns(ctx, e.namespace(ns), query)
}

// WaitForClose blocks until the run closes and returns its close event.
func (e *Engine) WaitForClose(ctx context.Context, ns, workflowID, runID string) (*journalpb.Event, error) {
	ns = e.namespace(ns)
	if ev := e.recordedClose(ctx, ns, workflowID, runID); ev != nil {
		return ev, nil
	}
	ch := make(chan closeReply, 1)
	r, err := ask(ctx, e, ns, workflowID, &waitCloseRequest{runID: runID, done: ctx.Done(), reply: ch}, ch)
	if err != nil {
		return nil, err
	}
	return r.event, r.err
}

// recordedClosedRun returns the metadata of the run (the latest if runID
// is empty) if the journal records it as closed and no actor of the
// workflow is in memory, and nil otherwise: then the actor answers.
// Activating the actor would read the run's whole history to rebuild state
// that a closed run does not have (nothing of it is pending), for every
// caller that asks about a workflow that finished a while ago. A run closed
// just before a crash whose follower has not started is left to the wake
// index, as it is without this.
func (e *Engine) recordedClosedRun(ctx context.Context, ns, workflowID, runID string) *journalpb.WorkflowMeta {
	if e.host(ns, workflowID).active(ns, workflowID) {
		return nil
	}
	var meta *journalpb.WorkflowMeta
	var err error
	if runID == "" {
		meta, err = e.journal.Current(ctx, ns, workflowID)
	} else {
		meta, err = e.journal.Run(ctx, journal.RunKey{Namespace: ns, WorkflowID: workflowID, RunID: runID})
	}
	if err != nil || meta.GetStatus() == journalpb.WorkflowStatus_WORKFLOW_STATUS_RUNNING {
		return nil
	}
	return meta
}

// recordedClose returns the close event of a run recordedClosedRun finds,
// read from the run's last record, or nil.
func (e *Engine) recordedClose(ctx context.Context, ns, workflowID, runID string) *journalpb.Event {
	meta := e.recordedClosedRun(ctx, ns, workflowID, runID)
	if meta == nil {
		return nil
	}
	ev, err := e.journal.LastEvent(ctx, journal.RunKey{Namespace: ns, WorkflowID: workflowID, RunID: meta.GetRunId()})
	if err != nil || internal.CloseStatus(ev) == journalpb.WorkflowStatus_WORKFLOW_STATUS_UNSPECIFIED {
		return nil
	}
	return ev
}

// resolveRun names the run an operation addresses: runID, or the latest run.
func (e *Engine) resolveRun(ctx context.Context, ns, workflowID, runID string) (journal.RunKey, error) {
	if runID != "" {
		return journal.RunKey{Namespace: ns, WorkflowID: workflowID, RunID: runID}, nil
	}
	meta, err := e.journal.Current(ctx, ns, workflowID)
	if errors.Is(err, journal.ErrNotFound) {
		return journal.RunKey{}, &NotFoundError{WorkflowID: workflowID, Reason: "no such workflow"}
	}
	if err != nil {
		return journal.RunKey{}, err
	}
	return journal.RunKey{Namespace: ns, WorkflowID: workflowID, RunID: meta.GetRunId()}, nil
}

// ActiveWorkflows is the number of workflow actors in memory; passivated
// workflows are not counted.
func (e *Engine) ActiveWorkflows() int {
	n := 0
	for _, h := range e.hosts {
		h.mu.Lock()
		n += len(h.actors)
		h.mu.Unlock()
	}
	return n
}

// CompleteActivity completes an activity that returned ErrResultPending,
// named by the task token its attempt was given. failure is nil on success;
// canceled reports a cancellation. It returns once the outcome is recorded.
func (e *Engine) CompleteActivity(ctx context.Context, token []byte, result *journalpb.Payloads, failure *journalpb.Failure, canceled bool) error {
	tok, err := decodeTaskToken(token)
	if err != nil {
		return err
	}
	if err := e.checkPayload("activity result", "", result); err != nil {
		return err
	}
	ch := make(chan error, 1)
	r, err := ask(ctx, e, tok.Namespace, tok.WorkflowID, &activityResult{taskQueue: tok.TaskQueue, runID: tok.RunID,
		scheduledEventID: tok.ScheduledEventID, attempt: tok.Attempt, result: result, failure: failure, canceled: canceled, reply: ch}, ch)
	if err != nil {
		return err
	}
	return r
}

// CompleteActivityByID completes a pending activity named by workflow and
// activity ID (runID empty: the latest run).
func (e *Engine) CompleteActivityByID(ctx context.Context, ns, workflowID, runID, activityID string, result *journalpb.Payloads, failure *journalpb.Failure, canceled bool) error {
	if err := e.checkPayload("activity result", "", result); err != nil {
		return err
	}
	ns = e.namespace(ns)
	ch := make(chan error, 1)
	r, err := ask(ctx, e, ns, workflowID, &completeByID{runID: runID, activityID: activityID, result: result, failure: failure, canceled: canceled, reply: ch}, ch)
	if err != nil {
		return err
	}
	return r
}
