package client_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

var inSection, maxInSection atomic.Int32

// CriticalSection counts how many of its attempts run at once.
func CriticalSection(ctx context.Context) error {
	n := inSection.Add(1)
	defer inSection.Add(-1)
	for {
		m := maxInSection.Load()
		if n <= m || maxInSection.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(20 * time.Millisecond)
	return nil
}

// Serialized runs CriticalSection from four coroutines under one mutex.
func Serialized(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	mu := workflow.NewMutex(ctx)
	wg := workflow.NewWaitGroup(ctx)
	var firstErr error
	for range 4 {
		wg.Go(ctx, func(ctx workflow.Context) {
			if err := mu.Lock(ctx); err != nil {
				firstErr = err
				return
			}
			defer mu.Unlock()
			if err := workflow.ExecuteActivity(ctx, CriticalSection).Get(ctx, nil); err != nil && firstErr == nil {
				firstErr = err
			}
		})
	}
	wg.Wait(ctx)
	return firstErr
}

func TestMutexOnANode(t *testing.T) {
	c, stop := openNode(t, t.TempDir(), "mutex", func(w worker.Worker) {
		w.RegisterWorkflow(Serialized)
		w.RegisterActivity(CriticalSection)
	})
	t.Cleanup(stop)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "serialized", TaskQueue: "mutex"}, Serialized)
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if m := maxInSection.Load(); m != 1 {
		t.Fatalf("%d activities ran at once under the mutex, want 1", m)
	}
}
