package actor_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/grainflow/grainflow/actor"
	"github.com/grainflow/grainflow/journal"
	internal "github.com/grainflow/grainflow/sdk/internalbindings"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// SignalSink receives signals forever.
func SignalSink(ctx workflow.Context) error {
	ch := workflow.GetSignalChannel(ctx, "s")
	for {
		ch.Receive(ctx, nil)
	}
}

// benchEngine opens an engine with SignalSink workflows sink-0..sink-(n-1).
func benchEngine(b *testing.B, n int) *actor.Engine {
	j, err := journal.Open(b.TempDir(), journal.Options{})
	if err != nil {
		b.Fatal(err)
	}
	e, err := actor.NewEngine(j, actor.EngineOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = e.Close(); _ = j.Close() })
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(SignalSink)
	if _, err := e.StartWorker("q", reg, actor.WorkerOptions{}); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		if _, err := e.StartWorkflow(context.Background(), &actor.StartWorkflowRequest{
			WorkflowID: fmt.Sprintf("sink-%d", i), WorkflowType: "SignalSink", TaskQueue: "q"}); err != nil {
			b.Fatal(err)
		}
	}
	return e
}

// BenchmarkSignal sends signals to one workflow, one at a time: each is a
// message to the actor, a decision and a synced append.
func BenchmarkSignal(b *testing.B) {
	e := benchEngine(b, 1)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := e.SignalWorkflow(context.Background(), "", "sink-0", "", "s", nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signals/s")
}

// BenchmarkSignalParallel sends signals to 64 workflows at once, so their
// appends share fsyncs.
func BenchmarkSignalParallel(b *testing.B) {
	e := benchEngine(b, 64)
	var next atomic.Int64
	b.SetParallelism(32) // 32 × GOMAXPROCS(2) senders
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := fmt.Sprintf("sink-%d", next.Add(1)%64)
		for pb.Next() {
			if err := e.SignalWorkflow(context.Background(), "", id, "", "s", nil); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signals/s")
}
