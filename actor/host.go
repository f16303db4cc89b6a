package actor

import (
	"sync"
	"time"

	protoactor "github.com/asynkron/protoactor-go/actor"

	"github.com/grainflow/grainflow/journal"
)

// workflowKey addresses a workflow actor.
type workflowKey struct{ namespace, workflowID string }

// partitionHost owns the workflow actors of one partition: it activates an
// actor on the first message for its workflow, forgets it when it
// passivates, and runs the partition's timer service.
type partitionHost struct {
	engine    *Engine
	partition int

	mu     sync.Mutex
	actors map[workflowKey]*protoactor.PID
	// waiting holds, per task queue, workflows that have work but no worker.
	waiting map[string]map[workflowKey]struct{}
	// firing holds timers sent to their workflow and not yet handled, so the
	// timer service does not send them again.
	firing  map[string]struct{}
	stopped bool
	// The timer service's state (timers.go). timerFloor is a time before
	// which no timer of the partition fires: a full pass starts reading
	// there, past the tombstones that handled timers leave in the index
	// until compaction.
	timerFloor time.Time
	// inPass is set from the start of a pass until timerWake is set for the
	// sleep after it; addedInPass is the earliest timer added meanwhile
	// (zero if none), which the pass's reads may have missed.
	inPass      bool
	addedInPass time.Time
	// timerWake is when the timer service scans next unless nudged.
	timerWake time.Time
	// timerCursor is the last timer the previous pass read: the next pass
	// goes on after it, reading only the timers that fell due since, unless
	// a full pass from the floor is due (timerCursor nil, or a second since
	// the last one at lastFullPass).
	timerCursor  *journal.Timer
	lastFullPass time.Time

	nudge    chan struct{}
	done     chan struct{}
	timerRun sync.WaitGroup
}

func newPartitionHost(e *Engine, p int) *partitionHost {
	return &partitionHost{
		engine:    e,
		partition: p,
		actors:    make(map[workflowKey]*protoactor.PID),
		waiting:   make(map[string]map[workflowKey]struct{}),
		firing:    make(map[string]struct{}),
		nudge:     make(chan struct{}, 1),
		done:      make(chan struct{}),
	}
}

// send delivers msg to the workflow's actor, activating it if needed.
func (h *partitionHost) send(ns, workflowID string, msg any) {
	key := workflowKey{ns, workflowID}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		failRequest(msg, errEngineClosed)
		return
	}
	pid, ok := h.actors[key]
	if !ok {
		pid = h.engine.system.Root.Spawn(protoactor.PropsFromProducer(func() protoactor.Actor {
			return newWorkflowActor(h, key)
		}, protoactor.WithDispatcher(h.engine.mailboxes)))
		h.actors[key] = pid
	}
	h.engine.system.Root.Send(pid, msg)
}

// active reports whether the workflow's actor is in memory.
func (h *partitionHost) active(ns, workflowID string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, ok := h.actors[workflowKey{ns, workflowID}]
	return ok
}

// broadcast sends msg to every active workflow actor of the partition.
func (h *partitionHost) broadcast(msg any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, pid := range h.actors {
		h.engine.system.Root.Send(pid, msg)
	}
}

// passivate forgets the actor of key if it is still self. Messages sent
// after this go to a new activation.
func (h *partitionHost) passivate(key workflowKey, self *protoactor.PID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if pid, ok := h.actors[key]; ok && pid.Equal(self) {
		delete(h.actors, key)
	}
}

// waitFor records that the workflow needs a worker for taskQueue.
func (h *partitionHost) waitFor(taskQueue string, key workflowKey) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.waiting[taskQueue] == nil {
		h.waiting[taskQueue] = make(map[workflowKey]struct{})
	}
	h.waiting[taskQueue][key] = struct{}{}
}

// wakeWaiting tells the workflows waiting for taskQueue that a worker started.
func (h *partitionHost) wakeWaiting(taskQueue string) {
	h.mu.Lock()
	keys := h.waiting[taskQueue]
	delete(h.waiting, taskQueue)
	h.mu.Unlock()
	for key := range keys {
		h.send(key.namespace, key.workflowID, &workerStarted{taskQueue: taskQueue})
	}
}

// stop stops the timer service and every actor of the partition.
func (h *partitionHost) stop() {
	h.mu.Lock()
	if h.stopped {
		h.mu.Unlock()
		return
	}
	h.stopped = true
	pids := make([]*protoactor.PID, 0, len(h.actors))
	for _, pid := range h.actors {
		pids = append(pids, pid)
	}
	h.actors = map[workflowKey]*protoactor.PID{}
	h.mu.Unlock()
	close(h.done)
	h.timerRun.Wait()
	for _, pid := range pids {
		_ = h.engine.system.Root.StopFuture(pid).Wait()
	}
}
