package actor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/grainflow/grainflow/journal/journalpb"
	internal "github.com/grainflow/grainflow/sdk/internalbindings"
)

// workerConfig is what a started worker contributes to its task queue.
type workerConfig struct {
	registry *internal.Registry
	opts     WorkerOptions
	pool     sync.WaitGroup // the worker's pool goroutines
}

// activityTask is one attempt of an activity, waiting for or holding a slot
// of its task queue's pool.
type activityTask struct {
	namespace, workflowID, runID string
	workflowType                 string
	scheduledEventID             int64
	scheduled                    *journalpb.ActivityTaskScheduled
	scheduledTime                time.Time // of the first attempt, for schedule-to-close
	attempt                      int32
	heartbeatDetails             *journalpb.Payloads
	enqueued                     time.Time
}

func (t *activityTask) key() attemptKey {
	return attemptKey{t.namespace, t.workflowID, t.runID, t.scheduledEventID}
}

type attemptKey struct {
	namespace, workflowID, runID string
	scheduledEventID             int64
}

// runningAttempt is an attempt that holds a pool slot: how to cancel it and
// what it last reported through a heartbeat.
type runningAttempt struct {
	// cancel cancels the context the attempt runs under. Call it through
	// stop: the pool goroutine reuses that context for its next attempt.
	cancel context.CancelCauseFunc
	// heartbeatTimer, set before the activity starts if it has a heartbeat
	// timeout, stops the attempt when no heartbeat comes for
	// heartbeatTimeout.
	heartbeatTimer   *time.Timer
	heartbeatTimeout time.Duration

	mu            sync.Mutex
	details       *journalpb.Payloads
	lastHeartbeat time.Time
	finished      bool // the attempt returned; its context may serve another
}

// stop cancels the attempt for cause, unless it has finished already.
func (r *runningAttempt) stop(cause error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.finished {
		r.cancel(cause)
	}
}

// finish marks the attempt returned, so that a late stop (a cancel request
// or heartbeat timeout racing with its end) leaves the context alone.
func (r *runningAttempt) finish() {
	r.mu.Lock()
	r.finished = true
	r.mu.Unlock()
}

// heartbeat records the details of a heartbeat and restarts the heartbeat
// timeout.
func (r *runningAttempt) heartbeat(details *journalpb.Payloads) {
	r.mu.Lock()
	r.details, r.lastHeartbeat = details, time.Now()
	r.mu.Unlock()
	if r.heartbeatTimer != nil {
		r.heartbeatTimer.Reset(r.heartbeatTimeout)
	}
}

// lastDetails returns the latest heartbeat details and their time (zero if
// the attempt has not heartbeated).
func (r *runningAttempt) lastDetails() (*journalpb.Payloads, time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.details, r.lastHeartbeat
}

// Why an attempt's context ended early.
var (
	errCancelRequested = errors.New("activity cancellation requested")
	errHeartbeatLost   = errors.New("activity heartbeat timeout")
	errWorkerStopping  = errors.New("worker stopping")
)

// taskQueue holds the activity tasks of one task queue and, while a worker
// is started, the pool of goroutines that runs them. Tasks queued while no
// worker runs wait for one.
type taskQueue struct {
	engine *Engine
	name   string

	mu      sync.Mutex
	cond    *sync.Cond
	tasks   []*activityTask
	cfg     *workerConfig
	running map[attemptKey]*runningAttempt
	// outstanding holds every attempt submitted and not yet settled by its
	// workflow, so a re-activated workflow does not dispatch it twice.
	outstanding map[attemptKey]struct{}
	stopCtx     context.Context
	stopAll     context.CancelCauseFunc
}

func newTaskQueue(e *Engine, name string) *taskQueue {
	q := &taskQueue{engine: e, name: name, running: make(map[attemptKey]*runningAttempt),
		outstanding: make(map[attemptKey]struct{})}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *taskQueue) config() *workerConfig {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.cfg
}

// start begins running the queue's activities with reg.
func (q *taskQueue) start(reg *internal.Registry, opts WorkerOptions) error {
	if opts.MaxConcurrentActivityExecutionSize <= 0 {
		opts.MaxConcurrentActivityExecutionSize = 1000
	}
	if opts.StopTimeout <= 0 {
		opts.StopTimeout = 10 * time.Second
	}
	if opts.DataConverter == nil {
		opts.DataConverter = internal.GetDefaultDataConverter()
	}
	if opts.Identity == "" {
		opts.Identity = "worker"
	}
	if opts.BackgroundActivityContext == nil {
		opts.BackgroundActivityContext = context.Background()
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.cfg != nil {
		return fmt.Errorf("actor: a worker for task queue %s is already started", q.name)
	}
	q.cfg = &workerConfig{registry: reg, opts: opts}
	// Every attempt's context derives from the worker's background context,
	// through stopCtx, which stopping the worker cancels.
	q.stopCtx, q.stopAll = context.WithCancelCause(opts.BackgroundActivityContext)
	for range opts.MaxConcurrentActivityExecutionSize {
		q.cfg.pool.Add(1)
		go q.work(q.cfg, q.stopCtx)
	}
	return nil
}

// stop stops the queue's worker, if one is started.
func (q *taskQueue) stop() { q.stopWorker(q.config()) }

// stopWorker stops worker cfg if it is still the queue's worker: it cancels
// running attempts, waits up to the stop timeout for the pool to return, and
// leaves queued tasks for the next worker.
func (q *taskQueue) stopWorker(cfg *workerConfig) {
	q.mu.Lock()
	if cfg == nil || q.cfg != cfg {
		q.mu.Unlock()
		return
	}
	q.cfg = nil
	q.stopAll(errWorkerStopping)
	q.cond.Broadcast()
	q.mu.Unlock()
	done := make(chan struct{})
	go func() { cfg.pool.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(cfg.opts.StopTimeout):
		q.engine.opts.Logger.Warn("activities still running after the stop timeout", "task_queue", q.name)
	}
}

// submit queues an attempt.
func (q *taskQueue) submit(t *activityTask) {
	t.enqueued = time.Now()
	q.mu.Lock()
	q.tasks = append(q.tasks, t)
	q.outstanding[t.key()] = struct{}{}
	q.mu.Unlock()
	q.cond.Signal()
}

// inFlight reports whether an attempt of the activity is submitted and not
// yet settled.
func (q *taskQueue) inFlight(key attemptKey) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	_, ok := q.outstanding[key]
	return ok
}

// settle forgets an attempt once its workflow has recorded the outcome.
func (q *taskQueue) settle(key attemptKey) {
	q.mu.Lock()
	delete(q.outstanding, key)
	q.mu.Unlock()
}

// cancel stops an attempt: a queued one is removed and reported canceled, a
// running one has its context canceled. It reports whether it found one.
func (q *taskQueue) cancel(key attemptKey) bool {
	q.mu.Lock()
	if r, ok := q.running[key]; ok {
		q.mu.Unlock()
		r.stop(errCancelRequested)
		return true
	}
	for i, t := range q.tasks {
		if t.key() == key {
			q.tasks = append(q.tasks[:i], q.tasks[i+1:]...)
			q.mu.Unlock()
			q.report(t, &activityResult{canceled: true, failure: internal.ConvertErrorToFailure(internal.NewCanceledError(), nil)})
			return true
		}
	}
	q.mu.Unlock()
	return false
}

// heartbeat returns the last heartbeat of the activity's running attempt.
func (q *taskQueue) heartbeat(key attemptKey) (details *journalpb.Payloads, at time.Time, running bool) {
	q.mu.Lock()
	r, ok := q.running[key]
	q.mu.Unlock()
	if !ok {
		return nil, time.Time{}, false
	}
	details, at = r.lastDetails()
	return details, at, true
}

// work is one pool goroutine of a started worker.
func (q *taskQueue) work(cfg *workerConfig, stopCtx context.Context) {
	defer cfg.pool.Done()
	// Each attempt runs under a context that cancel requests, a lost
	// heartbeat and stopping the worker cancel, with a cause. The goroutine
	// keeps it for its next attempt until one of those ends it.
	ctx, cancel := context.WithCancelCause(stopCtx)
	defer func() { cancel(nil) }()
	for {
		q.mu.Lock()
		for len(q.tasks) == 0 && q.cfg == cfg {
			q.cond.Wait()
		}
		if q.cfg != cfg {
			q.mu.Unlock()
			return
		}
		t := q.tasks[0]
		q.tasks = q.tasks[1:]
		if ctx.Err() != nil {
			ctx, cancel = context.WithCancelCause(stopCtx)
		}
		attempt := &runningAttempt{cancel: cancel, details: t.heartbeatDetails}
		q.running[t.key()] = attempt
		q.mu.Unlock()

		result := q.runAttemptSafely(ctx, cfg, t, attempt)
		attempt.finish()

		stopping := errors.Is(context.Cause(ctx), errWorkerStopping)
		q.mu.Lock()
		delete(q.running, t.key())
		if stopping {
			// The worker is stopping: leave the attempt unreported; it is
			// dispatched again when the workflow is next activated.
			delete(q.outstanding, t.key())
		}
		q.mu.Unlock()
		if stopping {
			continue
		}
		if result.pending {
			q.awaitCompletion(t, result)
			continue
		}
		q.report(t, result)
	}
}

// awaitCompletion leaves an attempt that returned ErrResultPending to a
// client's completion; if its deadline passes first, it times out.
func (q *taskQueue) awaitCompletion(t *activityTask, pending *activityResult) {
	if pending.pendingUntil.IsZero() {
		return
	}
	time.AfterFunc(time.Until(pending.pendingUntil), func() {
		f := internal.ConvertErrorToFailure(internal.NewTimeoutError("activity "+pending.deadlineType.String(), pending.deadlineType, nil), nil)
		q.report(t, &activityResult{failure: f, heartbeat: pending.heartbeat})
	})
}

// taskToken identifies an activity attempt for asynchronous completion.
type taskToken struct {
	Namespace, WorkflowID, RunID, TaskQueue string
	ScheduledEventID                        int64
	Attempt                                 int32
}

func encodeTaskToken(taskQueue string, t *activityTask) []byte {
	b, _ := json.Marshal(taskToken{Namespace: t.namespace, WorkflowID: t.workflowID, RunID: t.runID, TaskQueue: taskQueue,
		ScheduledEventID: t.scheduledEventID, Attempt: t.attempt})
	return b
}

func decodeTaskToken(b []byte) (taskToken, error) {
	var tok taskToken
	if err := json.Unmarshal(b, &tok); err != nil || tok.WorkflowID == "" || tok.ScheduledEventID == 0 {
		return tok, fmt.Errorf("actor: malformed activity task token %q", b)
	}
	return tok, nil
}

func (q *taskQueue) report(t *activityTask, r *activityResult) {
	r.taskQueue, r.runID, r.scheduledEventID, r.attempt = q.name, t.runID, t.scheduledEventID, t.attempt
	q.engine.host(t.namespace, t.workflowID).send(t.namespace, t.workflowID, r)
}

// runAttemptSafely is runAttempt with a panic of the engine's own code
// turned into a failed attempt (panics of the activity are PanicErrors
// already), so a pool goroutine never dies.
func (q *taskQueue) runAttemptSafely(ctx context.Context, cfg *workerConfig, t *activityTask, attempt *runningAttempt) (r *activityResult) {
	defer func() {
		if p := recover(); p != nil {
			q.engine.opts.Logger.Error("activity attempt panicked in the engine", "workflow_id", t.workflowID,
				"activity_type", t.scheduled.GetActivityType(), "panic", p)
			err := internal.NewApplicationError(fmt.Sprintf("internal error running the activity: %v", p), "EngineError", false, nil)
			r = &activityResult{failure: internal.ConvertErrorToFailure(err, nil)}
		}
	}()
	return q.runAttempt(ctx, cfg, t, attempt)
}

// activityEnvironment is what the attempt's activity reaches through its
// context.
func (q *taskQueue) activityEnvironment(t *activityTask, attempt *runningAttempt, dc internal.DataConverter,
	started, deadline time.Time) internal.ActivityEnvironment {
	s := t.scheduled
	return internal.ActivityEnvironment{
		Info: internal.ActivityInfo{
			WorkflowType:           &internal.WorkflowType{Name: t.workflowType},
			WorkflowNamespace:      t.namespace,
			WorkflowExecution:      internal.WorkflowExecution{ID: t.workflowID, RunID: t.runID},
			ActivityID:             s.GetActivityId(),
			ActivityType:           internal.ActivityType{Name: s.GetActivityType()},
			TaskQueue:              q.name,
			HeartbeatTimeout:       attempt.heartbeatTimeout,
			ScheduleToCloseTimeout: s.GetScheduleToCloseTimeout().AsDuration(),
			StartToCloseTimeout:    s.GetStartToCloseTimeout().AsDuration(),
			RetryPolicy:            internal.RetryPolicyFromProto(s.GetRetryPolicy()),
			ScheduledTime:          t.scheduledTime,
			StartedTime:            started,
			Deadline:               deadline,
			Attempt:                t.attempt,
		},
		// The task token and the logger are built only for the few
		// activities that use them.
		NewTaskToken:     func() []byte { return encodeTaskToken(q.name, t) },
		HeartbeatDetails: t.heartbeatDetails,
		DataConverter:    dc,
		NewLogger: func() internal.Logger {
			return internal.NewStructuredLogger(q.engine.opts.Logger.With(
				"workflow_id", t.workflowID, "activity_id", s.GetActivityId(), "activity_type", s.GetActivityType(), "attempt", t.attempt))
		},
		Heartbeat: attempt.heartbeat,
	}
}

// runAttempt runs one attempt under its timeouts and returns its outcome.
func (q *taskQueue) runAttempt(ctx context.Context, cfg *workerConfig, t *activityTask, attempt *runningAttempt) *activityResult {
	s := t.scheduled
	dc := cfg.opts.DataConverter
	timeout := func(tt journalpb.TimeoutType, details *journalpb.Payloads) *activityResult {
		f := internal.ConvertErrorToFailure(internal.NewTimeoutError("activity "+tt.String(), tt, nil), dc)
		f.GetTimeout().LastHeartbeatDetails = details
		return &activityResult{failure: f, heartbeat: details}
	}
	now := time.Now()
	if sts := s.GetScheduleToStartTimeout().AsDuration(); sts > 0 && now.Sub(t.enqueued) > sts {
		return timeout(journalpb.TimeoutType_TIMEOUT_TYPE_SCHEDULE_TO_START, t.heartbeatDetails)
	}
	fn, ok := cfg.registry.Activity(s.GetActivityType())
	if !ok {
		err := internal.NewApplicationError(
			(&internal.UnknownTypeError{Kind: "activity", Name: s.GetActivityType(), Known: cfg.registry.ActivityTypes()}).Error(),
			"UnknownActivityType", true, nil)
		return &activityResult{failure: internal.ConvertErrorToFailure(err, dc)}
	}

	// The attempt's deadline is the earlier of start-to-close and what is
	// left of schedule-to-close.
	deadline, deadlineType := time.Time{}, journalpb.TimeoutType_TIMEOUT_TYPE_START_TO_CLOSE
	if stc := s.GetStartToCloseTimeout().AsDuration(); stc > 0 {
		deadline = now.Add(stc)
	}
	if sctc := s.GetScheduleToCloseTimeout().AsDuration(); sctc > 0 {
		if d := t.scheduledTime.Add(sctc); deadline.IsZero() || d.Before(deadline) {
			deadline, deadlineType = d, journalpb.TimeoutType_TIMEOUT_TYPE_SCHEDULE_TO_CLOSE
		}
	}
	// ctx already ends when cancellation is requested or the worker stops,
	// and a lost heartbeat cancels it too. The attempt's own context adds
	// the deadline; it ends when the attempt returns, since ctx outlives it.
	var attemptCtx context.Context
	var release context.CancelFunc
	if deadline.IsZero() {
		attemptCtx, release = context.WithCancel(ctx)
	} else {
		attemptCtx, release = context.WithDeadline(ctx, deadline)
	}
	defer release()

	if hbTimeout := s.GetHeartbeatTimeout().AsDuration(); hbTimeout > 0 {
		attempt.heartbeatTimeout = hbTimeout
		attempt.heartbeatTimer = time.AfterFunc(hbTimeout, func() { attempt.stop(errHeartbeatLost) })
		defer attempt.heartbeatTimer.Stop()
	}
	type outcome struct {
		result *journalpb.Payloads
		err    error
	}
	done := make(chan outcome, 1)
	go func() {
		// RunActivity copies the environment; this one stays on the stack.
		env := q.activityEnvironment(t, attempt, dc, now, deadline)
		r, err := internal.RunActivity(attemptCtx, fn, &env, s.GetInput())
		done <- outcome{r, err}
	}()
	var o outcome
	select {
	case o = <-done:
	case <-attemptCtx.Done():
		// Report at the deadline even if the function ignores its context;
		// give it a moment to return on its own first.
		select {
		case o = <-done:
		case <-time.After(50 * time.Millisecond):
			o.err = attemptCtx.Err()
		}
	}
	details, _ := attempt.lastDetails()
	if errors.Is(o.err, internal.ErrResultPending) && attemptCtx.Err() == nil {
		return &activityResult{pending: true, pendingUntil: deadline, deadlineType: deadlineType, heartbeat: details}
	}
	if o.err == nil {
		if size, limit := proto.Size(o.result), q.engine.opts.MaxPayloadBytes; size > limit {
			// Recording it would fail the append; say so instead, for good.
			err := internal.NewApplicationError(fmt.Sprintf("activity %s returned %d bytes, over the %d-byte payload limit",
				s.GetActivityType(), size, limit), "PayloadTooLarge", true, nil)
			return &activityResult{failure: internal.ConvertErrorToFailure(err, dc), heartbeat: details}
		}
		return &activityResult{result: o.result, heartbeat: details}
	}
	switch cause := context.Cause(attemptCtx); {
	case errors.Is(cause, errWorkerStopping):
		return nil
	case cfg.opts.BackgroundActivityContext.Err() != nil && !errors.Is(cause, errHeartbeatLost) && !errors.Is(cause, errCancelRequested):
		// The worker's background context ended (canceled or past its own
		// deadline), not the attempt's deadline: as in Temporal, that is an
		// ordinary failed attempt, retried by the activity's policy.
		return &activityResult{failure: internal.ConvertErrorToFailure(o.err, dc), heartbeat: details}
	case errors.Is(cause, errHeartbeatLost):
		return timeout(journalpb.TimeoutType_TIMEOUT_TYPE_HEARTBEAT, details)
	case errors.Is(cause, context.DeadlineExceeded):
		return timeout(deadlineType, details)
	case errors.Is(cause, errCancelRequested):
		return &activityResult{canceled: true, heartbeat: details,
			failure: internal.ConvertErrorToFailure(internal.NewCanceledError(), dc)}
	}
	return &activityResult{failure: internal.ConvertErrorToFailure(o.err, dc), heartbeat: details}
}
