package actor

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/grainflow/grainflow/journal/journalpb"
	internal "github.com/grainflow/grainflow/sdk/internalbindings"
)

// A pool goroutine reuses its attempt context, so a cancel request or
// heartbeat timeout that arrives after an attempt returned must not end the
// next attempt's context.
func TestFinishedAttemptIgnoresLateStop(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	first := &runningAttempt{cancel: cancel}
	first.finish()
	first.stop(errHeartbeatLost)
	if ctx.Err() != nil {
		t.Fatal("a stop after the attempt returned canceled the shared context")
	}
	next := &runningAttempt{cancel: cancel}
	next.stop(errCancelRequested)
	if !errors.Is(context.Cause(ctx), errCancelRequested) {
		t.Fatalf("cause %v, want the cancel request", context.Cause(ctx))
	}
}

func echoActivity(_ context.Context, s string) (string, error) { return s, nil }

// BenchmarkActivityAttempt runs attempts of a no-op activity the way a pool
// goroutine does, without the engine around it: its allocations are what
// each attempt costs the task queue.
func BenchmarkActivityAttempt(b *testing.B) {
	reg := internal.NewRegistry()
	reg.RegisterActivity(echoActivity)
	q := newTaskQueue(&Engine{opts: EngineOptions{Logger: slog.New(slog.DiscardHandler), MaxPayloadBytes: 2 << 20}}, "q")
	cfg := &workerConfig{registry: reg, opts: WorkerOptions{DataConverter: internal.GetDefaultDataConverter(),
		BackgroundActivityContext: context.Background()}}
	input, err := internal.GetDefaultDataConverter().ToPayloads("hello")
	if err != nil {
		b.Fatal(err)
	}
	scheduled := &journalpb.ActivityTaskScheduled{ActivityId: "1", ActivityType: "echoActivity", Input: input,
		StartToCloseTimeout: durationpb.New(time.Minute)}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	b.ReportAllocs()
	for b.Loop() {
		now := time.Now()
		t := &activityTask{namespace: "ns", workflowID: "wf", runID: "run", workflowType: "W", scheduledEventID: 5,
			scheduled: scheduled, scheduledTime: now, attempt: 1, enqueued: now}
		attempt := &runningAttempt{cancel: cancel}
		if r, _ := q.runAttemptSafely(ctx, context.Background(), cfg, t, attempt); r.failure != nil {
			b.Fatal(r.failure)
		}
		attempt.finish()
	}
}
