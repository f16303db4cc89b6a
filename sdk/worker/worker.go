// Package worker hosts workflow and activity implementations on a grainflow
// node. Its API follows the Temporal Go SDK's worker package: create a worker
// for a task queue with New, register workflows and activities, then Start or
// Run it. Workflows of the task queue run inside the node's workflow actors;
// activities run on a bounded pool of goroutines owned by the worker.
package worker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/grainflow/grainflow/actor"
	"github.com/grainflow/grainflow/cluster"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/converter"
	"github.com/grainflow/grainflow/sdk/internal"
)

// Options configures a worker (see internal.WorkerOptions for the fields);
// the test environments' SetWorkerOptions takes the same type, as in
// Temporal.
type Options = internal.WorkerOptions

// WorkflowPanicPolicy says what happens when workflow code panics.
type WorkflowPanicPolicy = internal.WorkflowPanicPolicy

// The panic policies.
const (
	BlockWorkflow = internal.BlockWorkflow
	FailWorkflow  = internal.FailWorkflow
)

type (
	// RegisterWorkflowOptions configures RegisterWorkflowWithOptions.
	RegisterWorkflowOptions = internal.RegisterWorkflowOptions
	// RegisterActivityOptions configures RegisterActivityWithOptions.
	RegisterActivityOptions = internal.RegisterActivityOptions
)

// Worker hosts workflow and activity implementations for one task queue.
type Worker interface {
	// RegisterWorkflow registers a workflow function under its function name.
	RegisterWorkflow(w any)
	// RegisterWorkflowWithOptions registers a workflow function, optionally
	// under another name.
	RegisterWorkflowWithOptions(w any, options RegisterWorkflowOptions)
	// RegisterActivity registers an activity function, or every exported
	// method of a struct pointer.
	RegisterActivity(a any)
	// RegisterActivityWithOptions registers activities, optionally under
	// another name (for a struct, a name prefix).
	RegisterActivityWithOptions(a any, options RegisterActivityOptions)
	// Start begins running the task queue's workflows and activities and
	// returns at once.
	Start() error
	// Run starts the worker and blocks until interruptCh delivers a value
	// (pass InterruptCh() to stop on SIGINT or SIGTERM) or, with a nil
	// channel, until Stop is called; then it stops the worker.
	Run(interruptCh <-chan any) error
	// Stop stops the worker: no new activities start, running ones are
	// canceled, and the task queue's workflows wait for another worker.
	Stop()
}

// embeddedClient is what the worker needs from sdk/client's client.
type embeddedClient interface {
	Node() *cluster.Node
	DataConverter() converter.DataConverter
}

// New returns a worker for taskQueue on the node of client c. Registration
// mistakes (a function with the wrong shape, a duplicate name) panic, as in
// Temporal, because they are programming errors found at start-up.
func New(c client.Client, taskQueue string, options Options) Worker {
	ec, ok := c.(embeddedClient)
	if !ok {
		panic("worker: the client must come from client.Dial with Options.Node set")
	}
	return &worker{
		client:    c,
		engine:    ec.Node().Engine(),
		dc:        ec.DataConverter(),
		taskQueue: taskQueue,
		options:   options,
		registry:  internal.NewRegistry(),
	}
}

type worker struct {
	client    client.Client // what activity.GetClient returns in its activities
	engine    *actor.Engine
	dc        converter.DataConverter
	taskQueue string
	options   Options
	registry  *internal.Registry

	mu      sync.Mutex
	stop    func()
	stopped chan struct{} // closed by Stop
}

// backgroundContext is the root of the worker's activity contexts.
func (w *worker) backgroundContext() context.Context {
	if w.options.BackgroundActivityContext != nil {
		return w.options.BackgroundActivityContext
	}
	return context.Background()
}

func (w *worker) RegisterWorkflow(wf any) { w.registry.RegisterWorkflow(wf) }

func (w *worker) RegisterWorkflowWithOptions(wf any, options RegisterWorkflowOptions) {
	w.registry.RegisterWorkflowWithOptions(wf, options)
}

func (w *worker) RegisterActivity(a any) { w.registry.RegisterActivity(a) }

func (w *worker) RegisterActivityWithOptions(a any, options RegisterActivityOptions) {
	w.registry.RegisterActivityWithOptions(a, options)
}

func (w *worker) Start() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stop != nil {
		return fmt.Errorf("worker: worker for task queue %s already started", w.taskQueue)
	}
	if w.taskQueue == "" {
		return errors.New("worker: task queue name is required")
	}
	stop, err := w.engine.StartWorker(w.taskQueue, w.registry, actor.WorkerOptions{
		MaxConcurrentActivityExecutionSize: w.options.MaxConcurrentActivityExecutionSize,
		FailWorkflowOnPanic:                w.options.WorkflowPanicPolicy == FailWorkflow,
		DeadlockTimeout:                    w.options.DeadlockDetectionTimeout,
		StopTimeout:                        w.options.WorkerStopTimeout,
		DataConverter:                      w.dc,
		Identity:                           w.options.Identity,
		BackgroundActivityContext:          internal.WithActivityClient(w.backgroundContext(), w.client),
	})
	if err != nil {
		return err
	}
	w.stop = stop
	w.stopped = make(chan struct{})
	return nil
}

func (w *worker) Run(interruptCh <-chan any) error {
	if err := w.Start(); err != nil {
		return err
	}
	w.mu.Lock()
	stopped := w.stopped
	w.mu.Unlock()
	select {
	case <-interruptCh: // a nil channel never delivers: Run then waits for Stop
	case <-stopped:
	}
	w.Stop()
	return nil
}

func (w *worker) Stop() {
	w.mu.Lock()
	stop, stopped := w.stop, w.stopped
	w.stop = nil
	w.mu.Unlock()
	if stop != nil {
		stop()
		close(stopped)
	}
}

// InterruptCh returns a channel that receives a value on SIGINT or SIGTERM,
// for Run.
func InterruptCh() <-chan any {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	out := make(chan any, 1)
	go func() {
		s := <-signals
		out <- s
	}()
	return out
}
