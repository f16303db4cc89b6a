package worker_test

import (
	"testing"
	"time"

	"github.com/grainflow/grainflow/cluster"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

func Nothing(ctx workflow.Context) error { return nil }

func newWorker(t *testing.T) worker.Worker {
	node, err := cluster.Open(cluster.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = node.Close() })
	c, err := client.Dial(client.Options{Node: node})
	if err != nil {
		t.Fatal(err)
	}
	w := worker.New(c, "q", worker.Options{})
	w.RegisterWorkflow(Nothing)
	return w
}

func TestRunStopsOnInterrupt(t *testing.T) {
	w := newWorker(t)
	interrupt := make(chan any, 1)
	done := make(chan error, 1)
	go func() { done <- w.Run(interrupt) }()
	interrupt <- struct{}{}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the interrupt")
	}
}

func TestRunWithNilChannelReturnsOnStop(t *testing.T) {
	w := newWorker(t)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err == nil {
		t.Fatal("a second Start succeeded")
	}
	w.Stop()
	w2 := newWorker(t)
	done := make(chan error, 1)
	go func() { done <- w2.Run(nil) }()
	// Stop before Run has started the worker is a no-op, so keep stopping
	// until Run returns.
	deadline := time.After(10 * time.Second)
	for {
		w2.Stop()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			return
		case <-deadline:
			t.Fatal("Run(nil) did not return after Stop")
		case <-time.After(20 * time.Millisecond):
		}
	}
}
