// Package mutex shows a distributed lock built from workflows: one lock
// workflow per resource serializes the workflows that want the resource.
//
// Requesters ask the lock workflow for the resource with an acquire
// signal. The lock hands out a lease to one requester at a time, first come
// first served, by signaling it back, and waits until the holder signals
// the lease's release or the lease expires, so a crashed or stuck holder
// cannot block the resource forever. Signals are durable, so neither a
// request nor a grant is lost if the process restarts.
//
// The lock workflow's ID is derived from the resource, so at most one runs
// per resource. A requester signals it with SignalExternalWorkflow; if it
// is not running (first use, or it ended after being idle), the requester
// runs an activity that starts it with the request in one step, through
// the client's SignalWithStartWorkflow, which workflow code cannot call
// itself. The lock continues as new after GrantsPerRun requests, carrying
// the queue of waiting requesters, so its history stays short however
// long it lives.
//
// The example serializes deployments to an environment: two services may
// deploy at once to different environments, never to the same one. Use
// this pattern when workflows share a resource that cannot take concurrent
// use and offers no locking of its own. The lease must outlast the work;
// after it expires the next requester is let in.
package mutex

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// TaskQueue is where the example's workflows and activities run.
const TaskQueue = "deploy-locks"

// The signals of the protocol: requests (a LockRequest) and releases (a
// lease ID) go to the lock workflow, grants (a Lease) to the requester.
const (
	AcquireSignal = "acquire-lock"
	ReleaseSignal = "release-lock"
	GrantSignal   = "lock-granted"
)

// Defaults of LockState.
const (
	DefaultGrantsPerRun = 100
	DefaultIdleTimeout  = time.Hour
)

// LockWorkflowID is the workflow ID of the lock of resource.
func LockWorkflowID(resource string) string { return "lock:" + resource }

// LockRequest is the payload of AcquireSignal.
type LockRequest struct {
	RequesterID string        // workflow ID the grant is signaled to
	LeaseTTL    time.Duration // how long the lease lasts if not released
}

// Lease is the payload of GrantSignal: the right to use Resource until the
// lease is released or expires.
type Lease struct {
	Resource string
	ID       string
}

// LockState is the lock workflow's input, carried from run to run.
type LockState struct {
	Resource string
	// Queue holds the requests waiting for the lock, oldest first.
	Queue []LockRequest
	// Issued counts the leases issued over all runs; lease IDs are made
	// from it, so a late release of an old lease is recognized.
	Issued int
	// GrantsPerRun overrides DefaultGrantsPerRun when positive.
	GrantsPerRun int
	// IdleTimeout overrides DefaultIdleTimeout when positive: after that
	// long without a request, the lock workflow ends.
	IdleTimeout time.Duration
}

// LockWorkflow hands out leases on state.Resource one at a time.
func LockWorkflow(ctx workflow.Context, state LockState) error {
	logger := workflow.GetLogger(ctx)
	requests := workflow.GetSignalChannel(ctx, AcquireSignal)
	releases := workflow.GetSignalChannel(ctx, ReleaseSignal)
	enqueue := func() {
		var r LockRequest
		for requests.ReceiveAsync(&r) {
			state.Queue = append(state.Queue, r)
		}
	}
	grantsPerRun, idle := state.GrantsPerRun, state.IdleTimeout
	if grantsPerRun <= 0 {
		grantsPerRun = DefaultGrantsPerRun
	}
	if idle <= 0 {
		idle = DefaultIdleTimeout
	}

	for served := 0; served < grantsPerRun; served++ {
		enqueue()
		if len(state.Queue) == 0 {
			if _, err := workflow.AwaitWithTimeout(ctx, idle, func() bool { return requests.Len() > 0 }); err != nil {
				return err
			}
			enqueue()
			if len(state.Queue) == 0 {
				return nil // idle: the next request starts a new run
			}
		}
		req := state.Queue[0]
		state.Queue = state.Queue[1:]
		state.Issued++
		lease := Lease{Resource: state.Resource, ID: fmt.Sprintf("%s#%d", state.Resource, state.Issued)}
		if err := workflow.SignalExternalWorkflow(ctx, req.RequesterID, "", GrantSignal, lease).Get(ctx, nil); err != nil {
			logger.Warn("requester is gone, lease not granted", "requester", req.RequesterID, "error", err)
			continue
		}
		if !awaitRelease(ctx, releases, lease.ID, req.LeaseTTL) {
			logger.Warn("lease expired before it was released", "lease", lease.ID, "holder", req.RequesterID)
		}
	}

	// Requests that have arrived join the queue the next run starts with.
	enqueue()
	return workflow.NewContinueAsNewError(ctx, LockWorkflow, state)
}

// awaitRelease waits for the release of lease leaseID or for ttl; it
// reports whether the lease was released. Releases of other (expired)
// leases are ignored.
func awaitRelease(ctx workflow.Context, releases workflow.ReceiveChannel, leaseID string, ttl time.Duration) bool {
	timerCtx, cancelTimer := workflow.WithCancel(ctx)
	defer cancelTimer()
	expired := false
	sel := workflow.NewSelector(ctx)
	var released string
	sel.AddReceive(releases, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, &released) })
	sel.AddFuture(workflow.NewTimer(timerCtx, ttl), func(workflow.Future) { expired = true })
	for !expired {
		sel.Select(ctx)
		if released == leaseID {
			return true
		}
	}
	return false
}

// AcquireLock asks for the lock of resource and blocks until it is
// granted. Call ReleaseLock with the lease when done.
func AcquireLock(ctx workflow.Context, resource string, ttl time.Duration) (Lease, error) {
	req := LockRequest{RequesterID: workflow.GetInfo(ctx).WorkflowExecution.ID, LeaseTTL: ttl}
	// Usually the lock runs and a signal is enough; otherwise start it.
	if err := workflow.SignalExternalWorkflow(ctx, LockWorkflowID(resource), "", AcquireSignal, req).Get(ctx, nil); err != nil {
		actCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
		var s *Starter
		if err := workflow.ExecuteActivity(actCtx, s.SignalWithStartLock, resource, req).Get(ctx, nil); err != nil {
			return Lease{}, err
		}
	}
	var lease Lease
	workflow.GetSignalChannel(ctx, GrantSignal).Receive(ctx, &lease)
	return lease, ctx.Err()
}

// ReleaseLock gives the lease back, so the next requester gets the lock
// now rather than when the lease expires.
func ReleaseLock(ctx workflow.Context, lease Lease) error {
	return workflow.SignalExternalWorkflow(ctx, LockWorkflowID(lease.Resource), "", ReleaseSignal, lease.ID).Get(ctx, nil)
}

// Starter holds what the SignalWithStartLock activity needs: a client, and
// the settings of the lock workflows it starts.
type Starter struct {
	Client       client.Client
	GrantsPerRun int
	IdleTimeout  time.Duration
}

// SignalWithStartLock sends req to the lock of resource, starting the lock
// workflow if it is not running.
func (s *Starter) SignalWithStartLock(ctx context.Context, resource string, req LockRequest) error {
	_, err := s.Client.SignalWithStartWorkflow(ctx, LockWorkflowID(resource), AcquireSignal, req,
		client.StartWorkflowOptions{TaskQueue: TaskQueue}, LockWorkflow,
		LockState{Resource: resource, GrantsPerRun: s.GrantsPerRun, IdleTimeout: s.IdleTimeout})
	return err
}

// Deployment is the input of Deploy.
type Deployment struct {
	Service     string
	Version     string
	Environment string
}

// DeployResult says which lease a deployment held and when.
type DeployResult struct {
	LeaseID           string
	Started, Finished time.Time
}

// DeployLeaseTTL is how long a deployment may hold its environment.
const DeployLeaseTTL = 30 * time.Minute

// Deploy rolls a service out to an environment while holding the
// environment's lock.
func Deploy(ctx workflow.Context, d Deployment) (DeployResult, error) {
	lease, err := AcquireLock(ctx, d.Environment, DeployLeaseTTL)
	if err != nil {
		return DeployResult{}, err
	}
	result := DeployResult{LeaseID: lease.ID, Started: workflow.Now(ctx)}
	actCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: DeployLeaseTTL})
	var r *Rollout
	err = workflow.ExecuteActivity(actCtx, r.RollOut, d).Get(ctx, nil)
	result.Finished = workflow.Now(ctx)

	// Release even after a failed or canceled rollout.
	releaseCtx, _ := workflow.NewDisconnectedContext(ctx)
	if rerr := ReleaseLock(releaseCtx, lease); rerr != nil {
		workflow.GetLogger(ctx).Warn("release failed; the lease will expire", "lease", lease.ID, "error", rerr)
	}
	if err != nil {
		return DeployResult{}, err
	}
	return result, nil
}

// Rollout is a fake deployment tool that notices when two rollouts to the
// same environment overlap.
type Rollout struct {
	Duration time.Duration // how long a rollout takes

	mu       sync.Mutex
	active   map[string]int // rollouts in progress, by environment
	overlaps int
	done     []string
}

// RollOut deploys d.
func (r *Rollout) RollOut(ctx context.Context, d Deployment) error {
	r.mu.Lock()
	if r.active == nil {
		r.active = map[string]int{}
	}
	r.active[d.Environment]++
	if r.active[d.Environment] > 1 {
		r.overlaps++
	}
	r.mu.Unlock()

	select {
	case <-time.After(r.Duration):
	case <-ctx.Done():
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	r.active[d.Environment]--
	if err := ctx.Err(); err != nil {
		return err
	}
	r.done = append(r.done, d.Environment+"/"+d.Service+"@"+d.Version)
	return nil
}

// Overlaps returns how often a rollout started while another one to the
// same environment was in progress.
func (r *Rollout) Overlaps() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.overlaps
}

// Done returns the finished rollouts as "environment/service@version", in
// the order they finished.
func (r *Rollout) Done() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.done...)
}

// Register registers the example's workflows and activities on w.
func Register(w worker.Worker, s *Starter, r *Rollout) {
	w.RegisterWorkflow(LockWorkflow)
	w.RegisterWorkflow(Deploy)
	w.RegisterActivity(s.SignalWithStartLock)
	w.RegisterActivity(r.RollOut)
}
