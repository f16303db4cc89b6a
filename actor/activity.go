package actor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

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

	// started is set once the activity function is about to run, for the
	// overrun watchdog.
	started atomic.Pointer[startedAttempt]

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
	// watching says the overrun watchdog (watchOverruns) is running.
	watching bool
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
			cfg.pool.Done()
			return
		}
		t := q.tasks[0]
		q.tasks = q.tasks[1:]
		if ctx.Err() != nil {
			ctx, cancel = context.WithCancelCause(stopCtx)
		}
		attempt := &runningAttempt{cancel: cancel, details: t.heartbeatDetails}
		q.running[t.key()] = attempt
		if !q.watching {
			q.watching = true
			go q.watchOverruns()
		}
		q.mu.Unlock()

		result, kept := q.runAttemptSafely(ctx, stopCtx, cfg, t, attempt)
		if !kept {
			// The function overran its context and was abandoned: the
			// attempt is settled and another goroutine has this one's
			// place (and its count in cfg.pool).
			return
		}
		q.endAttempt(ctx, t, attempt, result)
	}
}

// endAttempt ends an attempt that ran under ctx: it leaves the running set
// and its result goes to its workflow, unless the worker is stopping.
func (q *taskQueue) endAttempt(ctx context.Context, t *activityTask, attempt *runningAttempt, result *activityResult) {
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
	switch {
	case stopping:
	case result.pending:
		q.awaitCompletion(t, result)
	default:
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
func (q *taskQueue) runAttemptSafely(ctx, stopCtx context.Context, cfg *workerConfig, t *activityTask,
	attempt *runningAttempt) (r *activityResult, kept bool) {
	defer func() {
		if p := recover(); p != nil {
			r, kept = q.engineFailure(t, p), true
		}
	}()
	return q.runAttempt(ctx, stopCtx, cfg, t, attempt)
}

// engineFailure is the outcome of an attempt during which the engine's own
// code panicked with p.
func (q *taskQueue) engineFailure(t *activityTask, p any) *activityResult {
	q.engine.opts.Logger.Error("activity attempt panicked in the engine", "workflow_id", t.workflowID,
		"activity_type", t.scheduled.GetActivityType(), "panic", p)
	err := internal.NewApplicationError(fmt.Sprintf("internal error running the activity: %v", p), "EngineError", false, nil)
	return &activityResult{failure: internal.ConvertErrorToFailure(err, nil)}
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

// runAttempt runs one attempt under its timeouts, on the calling pool
// goroutine, and returns its outcome with kept true.
//
// The attempt is reported when its context ends even if the function
// ignores it: after overrunGrace, the watchdog (watchOverruns) settles the
// attempt with the context's error and starts another pool goroutine (of
// the worker whose attempts stopCtx ends); runAttempt then returns,
// whenever the function does, with kept false, and its goroutine leaves
// the pool.
// Running the function here rather than on a goroutine of its own spares
// each attempt a goroutine start, its stack growth and a hand-off.
func (q *taskQueue) runAttempt(ctx, stopCtx context.Context, cfg *workerConfig, t *activityTask,
	attempt *runningAttempt) (*activityResult, bool) {
	s := t.scheduled
	dc := cfg.opts.DataConverter
	now := time.Now()
	if sts := s.GetScheduleToStartTimeout().AsDuration(); sts > 0 && now.Sub(t.enqueued) > sts {
		return timedOut(journalpb.TimeoutType_TIMEOUT_TYPE_SCHEDULE_TO_START, t.heartbeatDetails, dc), true
	}
	fn, ok := cfg.registry.Activity(s.GetActivityType())
	if !ok {
		err := internal.NewApplicationError(
			(&internal.UnknownTypeError{Kind: "activity", Name: s.GetActivityType(), Known: cfg.registry.ActivityTypes()}).Error(),
			"UnknownActivityType", true, nil)
		return &activityResult{failure: internal.ConvertErrorToFailure(err, dc)}, true
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
	run := &startedAttempt{cfg: cfg, t: t, attempt: attempt, ctx: attemptCtx, poolCtx: ctx, stopCtx: stopCtx,
		deadline: deadline, deadlineType: deadlineType}
	attempt.started.Store(run)
	// RunActivity copies the environment; this one stays on the stack.
	env := q.activityEnvironment(t, attempt, dc, now, deadline)
	result, err := internal.RunActivity(attemptCtx, fn, &env, s.GetInput())
	if !run.state.CompareAndSwap(attemptRunning, attemptReturned) {
		return nil, false
	}
	return q.conclude(run, result, err), true
}

// watchOverruns is the queue's overrun watchdog. Every overrunGrace/2 it
// looks at the running attempts and abandons each whose function still
// runs although an earlier look saw its context ended at least
// overrunGrace before: between one and two graces after the end. It ends
// after two looks find nothing running; work starts it again with the
// next attempt.
//
// One poll for all attempts, rather than a callback on each attempt's
// context: registering one cost every attempt a callback context, a new
// children map and a done channel (bench/RESULTS.md has what it cost).
func (q *taskQueue) watchOverruns() {
	tick := time.NewTicker(overrunGrace / 2)
	defer tick.Stop()
	idle := 0
	var overdue []*startedAttempt
	for now := range tick.C {
		q.mu.Lock()
		if len(q.running) == 0 {
			if idle++; idle == 2 {
				q.watching = false
				q.mu.Unlock()
				return
			}
		} else {
			idle = 0
		}
		for _, attempt := range q.running {
			run := attempt.started.Load()
			if run == nil || run.state.Load() != attemptRunning || run.ctx.Err() == nil {
				continue
			}
			switch {
			case run.endSeen.IsZero():
				run.endSeen = now
			case now.Sub(run.endSeen) >= overrunGrace:
				overdue = append(overdue, run)
			}
		}
		q.mu.Unlock()
		for i, run := range overdue {
			q.abandon(run)
			overdue[i] = nil
		}
		overdue = overdue[:0]
	}
}

// abandon settles an attempt whose function overran its context, unless
// the function has returned meanwhile, and starts a pool goroutine in
// place of the one the function keeps.
func (q *taskQueue) abandon(run *startedAttempt) {
	if !run.state.CompareAndSwap(attemptRunning, attemptAbandoned) {
		return
	}
	result := q.safely(run.t, func() *activityResult { return q.conclude(run, nil, run.ctx.Err()) })
	q.endAttempt(run.poolCtx, run.t, run.attempt, result)
	go q.work(run.cfg, run.stopCtx)
}

// startedAttempt is an attempt whose function was started: what its
// outcome depends on besides what the function returns.
type startedAttempt struct {
	cfg          *workerConfig
	t            *activityTask
	attempt      *runningAttempt
	ctx          context.Context // the attempt's own, with its deadline
	poolCtx      context.Context // the pool goroutine's, which ctx derives from
	stopCtx      context.Context // the worker's, which ends when it stops
	deadline     time.Time
	deadlineType journalpb.TimeoutType
	// state is attemptRunning until the function returns or the watchdog
	// abandons it, whichever comes first.
	state atomic.Int32
	// endSeen is when the watchdog first saw ctx ended; only it uses it.
	endSeen time.Time
}

// overrunGrace is how long, at least, an activity function that ignores
// the end of its context may still return on its own before its attempt
// is reported.
const overrunGrace = 50 * time.Millisecond

// The states of an attempt's function, which the attempt's goroutine and
// its watchdog race to leave attemptRunning.
const (
	attemptRunning int32 = iota
	attemptReturned
	attemptAbandoned
)

// timedOut is the outcome of an attempt that timed out with timeout type tt.
func timedOut(tt journalpb.TimeoutType, details *journalpb.Payloads, dc internal.DataConverter) *activityResult {
	f := internal.ConvertErrorToFailure(internal.NewTimeoutError("activity "+tt.String(), tt, nil), dc)
	f.GetTimeout().LastHeartbeatDetails = details
	return &activityResult{failure: f, heartbeat: details}
}

// safely returns f's outcome, or a failed attempt if the engine's code in
// f panics.
func (q *taskQueue) safely(t *activityTask, f func() *activityResult) (r *activityResult) {
	defer func() {
		if p := recover(); p != nil {
			r = q.engineFailure(t, p)
		}
	}()
	return f()
}

// conclude turns what an attempt's function returned (or, if it overran,
// its context's error) into the attempt's outcome; nil when the worker is
// stopping.
func (q *taskQueue) conclude(run *startedAttempt, result *journalpb.Payloads, err error) *activityResult {
	s := run.t.scheduled
	cfg, dc := run.cfg, run.cfg.opts.DataConverter
	details, _ := run.attempt.lastDetails()
	if errors.Is(err, internal.ErrResultPending) && run.ctx.Err() == nil {
		return &activityResult{pending: true, pendingUntil: run.deadline, deadlineType: run.deadlineType, heartbeat: details}
	}
	if err == nil {
		if size, limit := result.SizeVT(), q.engine.opts.MaxPayloadBytes; size > limit {
			// Recording it would fail the append; say so instead, for good.
			err := internal.NewApplicationError(fmt.Sprintf("activity %s returned %d bytes, over the %d-byte payload limit",
				s.GetActivityType(), size, limit), "PayloadTooLarge", true, nil)
			return &activityResult{failure: internal.ConvertErrorToFailure(err, dc), heartbeat: details}
		}
		return &activityResult{result: result, heartbeat: details}
	}
	switch cause := context.Cause(run.ctx); {
	case errors.Is(cause, errWorkerStopping):
		return nil
	case cfg.opts.BackgroundActivityContext.Err() != nil && !errors.Is(cause, errHeartbeatLost) && !errors.Is(cause, errCancelRequested):
		// The worker's background context ended (canceled or past its own
		// deadline), not the attempt's deadline: as in Temporal, that is an
		// ordinary failed attempt, retried by the activity's policy.
		return &activityResult{failure: internal.ConvertErrorToFailure(err, dc), heartbeat: details}
	case errors.Is(cause, errHeartbeatLost):
		return timedOut(journalpb.TimeoutType_TIMEOUT_TYPE_HEARTBEAT, details, dc)
	case errors.Is(cause, context.DeadlineExceeded):
		return timedOut(run.deadlineType, details, dc)
	case errors.Is(cause, errCancelRequested):
		return &activityResult{canceled: true, heartbeat: details,
			failure: internal.ConvertErrorToFailure(internal.NewCanceledError(), dc)}
	}
	return &activityResult{failure: internal.ConvertErrorToFailure(err, dc), heartbeat: details}
}
