package actor

import (
	"context"
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

// startTimerService starts the loop that sends due timers to their workflows.
func (h *partitionHost) startTimerService() {
	h.timerRun.Add(1)
	go func() {
		defer h.timerRun.Done()
		for {
			wait := h.fireDueTimers()
			t := time.NewTimer(wait)
			select {
			case <-h.done:
				t.Stop()
				return
			case <-h.nudge:
			case <-t.C:
			}
			t.Stop()
		}
	}()
}

// nudgeTimers makes the timer service scan now, for a timer that may be
// earlier than the one it sleeps for.
func (h *partitionHost) nudgeTimers() {
	select {
	case h.nudge <- struct{}{}:
	default:
	}
}

// maxTimerSleep bounds how long the timer service sleeps, so a timer whose
// delivery was dropped (its workflow had no worker) is retried.
const maxTimerSleep = time.Second

// timerBatch is how many due timers beyond those in flight one scan sends.
const timerBatch = 1000

// fireDueTimers sends due timers not already in flight to their workflows
// and returns how long to sleep before scanning again. The scan reaches past
// the timers in flight, so a backlog of due timers is sent as fast as the
// workflows take them rather than a window at a time.
func (h *partitionHost) fireDueTimers() time.Duration {
	now := time.Now()
	h.mu.Lock()
	limit := len(h.firing) + timerBatch
	h.mu.Unlock()
	due, next, err := h.engine.journal.DueTimers(context.Background(), h.partition, now, limit)
	if err != nil {
		h.engine.opts.Logger.Error("timer scan failed", "partition", h.partition, "error", err)
		return maxTimerSleep
	}
	sent := 0
	for _, t := range due {
		id := timerKey(t)
		h.mu.Lock()
		_, inFlight := h.firing[id]
		if !inFlight {
			h.firing[id] = struct{}{}
		}
		h.mu.Unlock()
		if !inFlight {
			h.send(t.Run.Namespace, t.Run.WorkflowID, &timerDue{timer: t})
			sent++
		}
	}
	switch {
	case len(due) == limit && sent > 0:
		return 0 // more may be due right now
	case len(due) == limit:
		return backlogPause // everything scanned is in flight: let the workflows catch up
	case next.IsZero():
		return maxTimerSleep
	}
	return min(maxTimerSleep, max(0, time.Until(next)))
}

// backlogPause is how long the timer service waits when every due timer it
// can see is already with its workflow.
const backlogPause = 10 * time.Millisecond

// timerHandled tells the service the workflow dealt with (or dropped) a timer.
func (h *partitionHost) timerHandled(t journal.Timer) {
	h.mu.Lock()
	delete(h.firing, timerKey(t))
	h.mu.Unlock()
}

func timerKey(t journal.Timer) string {
	return t.Run.Namespace + "\x00" + t.Run.WorkflowID + "\x00" + t.Run.RunID + "\x00" + t.ID
}
