package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// Echo is the no-op activity: a short string in, the same string out.
func Echo(ctx context.Context, s string) (string, error) { return s, nil }

var activityOptions = workflow.ActivityOptions{StartToCloseTimeout: time.Minute}

// Seq3 runs three Echo activities one after the other.
func Seq3(ctx workflow.Context, s string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, activityOptions)
	for range 3 {
		if err := workflow.ExecuteActivity(ctx, Echo, s).Get(ctx, &s); err != nil {
			return "", err
		}
	}
	return s, nil
}

// FanOut runs k Echo activities in parallel and returns how many answered.
func FanOut(ctx workflow.Context, k int) (int, error) {
	ctx = workflow.WithActivityOptions(ctx, activityOptions)
	futures := make([]workflow.Future, k)
	for i := range futures {
		futures[i] = workflow.ExecuteActivity(ctx, Echo, fmt.Sprint(i))
	}
	n := 0
	for i, f := range futures {
		var s string
		if err := f.Get(ctx, &s); err != nil {
			return n, err
		}
		if s == fmt.Sprint(i) {
			n++
		}
	}
	return n, nil
}

// Counter receives "add" signals until it has counted want of them. A
// negative want is learned from a "total" signal instead, sent after the
// adds; the adds are counted as they arrive all the same.
func Counter(ctx workflow.Context, want int) (int, error) {
	ch := workflow.GetSignalChannel(ctx, "add")
	if want < 0 {
		return countUntilTotal(ctx, ch)
	}
	n := 0
	for n < want {
		var one int
		ch.Receive(ctx, &one)
		n += one
	}
	return n, nil
}

func countUntilTotal(ctx workflow.Context, adds workflow.ReceiveChannel) (int, error) {
	n, want := 0, -1
	totals := workflow.GetSignalChannel(ctx, "total")
	for want < 0 || n < want {
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(adds, func(c workflow.ReceiveChannel, _ bool) {
			var one int
			c.Receive(ctx, &one)
			n += one
		})
		sel.AddReceive(totals, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, &want) })
		sel.Select(ctx)
	}
	return n, nil
}

// Sleeper sleeps for d and returns the workflow time when it woke: the
// time the engine recorded the timer's firing.
func Sleeper(ctx workflow.Context, d time.Duration) (time.Time, error) {
	if err := workflow.Sleep(ctx, d); err != nil {
		return time.Time{}, err
	}
	return workflow.Now(ctx), nil
}

func register(w worker.Worker) {
	w.RegisterWorkflow(Seq3)
	w.RegisterWorkflow(FanOut)
	w.RegisterWorkflow(Counter)
	w.RegisterWorkflow(Sleeper)
	w.RegisterWorkflow(SlowSeq)
	w.RegisterActivity(Echo)
	w.RegisterActivity(Slow)
}

func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// runParallel runs do(i) for i in [0, n) on c goroutines, each recording
// into one histogram through latencies of its own, and returns that
// histogram and the first error. A non-zero stopAt ends it earlier: no i
// starts after that time. done counts the calls that completed; every i
// handed out is run to completion, so they are always [0, done).
func runParallel(ctx context.Context, n, c int, stopAt time.Time, done *atomic.Int64, do func(i int, l *latencies) error) (*latencies, error) {
	next := atomic.Int64{}
	all := newLatencies()
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := all.recorder()
			defer l.flush()
			for ctx.Err() == nil && (stopAt.IsZero() || time.Now().Before(stopAt)) {
				i := int(next.Add(1) - 1)
				if i >= n {
					break
				}
				if err := do(i, l); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					break
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return all, firstErr
}

// measure runs do(i) for i in [0, count) on c goroutines with a progress
// bar; with cfg.Duration it ignores count and starts calls until the
// duration has passed. It returns the latencies (with the throughput
// timeline), how many calls completed and the wall time.
func measure(ctx context.Context, cfg Config, name string, count, c int, do func(i int, l *latencies) error) (*latencies, int, time.Duration, error) {
	var stopAt time.Time
	if cfg.Duration > 0 {
		count, stopAt = math.MaxInt, time.Now().Add(cfg.Duration)
	}
	var done atomic.Int64
	stop := progress(cfg, name, count, &done)
	stopSampling, timeline := sample(&done)
	start := time.Now()
	lat, err := runParallel(ctx, count, c, stopAt, &done, do)
	elapsed := time.Since(start)
	stopSampling()
	stop()
	lat.timeline = *timeline
	return lat, int(done.Load()), elapsed, err
}

// timelineStep is the width of one throughput sample.
const timelineStep = 100 * time.Millisecond

// sample records, every timelineStep, how many units completed in that
// step, scaled to units per second.
func sample(done *atomic.Int64) (stop func(), timeline *[]float64) {
	var points []float64
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(timelineStep)
		defer t.Stop()
		last := int64(0)
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				now := done.Load()
				points = append(points, float64(now-last)/timelineStep.Seconds())
				last = now
			}
		}
	}()
	return func() { close(quit); <-finished }, &points
}

// finish fills the figures every engine scenario reports.
func finish(r *Result, n *node, workflows int, elapsed time.Duration) {
	r.Elapsed = elapsed
	r.Throughput = float64(r.Count) / elapsed.Seconds()
	st := n.node.JournalStats()
	r.Notes = map[string]string{
		"events_per_second":  fmt.Sprintf("%.0f", float64(st.Events)/elapsed.Seconds()),
		"appends_per_second": fmt.Sprintf("%.0f", float64(st.Appends)/elapsed.Seconds()),
		"appends_per_commit": fmt.Sprintf("%.1f", float64(st.Appends)/float64(max(1, st.Commits))),
		"appends_per_fsync":  fmt.Sprintf("%.1f", float64(st.Appends)/float64(max(1, st.Fsyncs))),
		"fsync_mean_ms":      fmt.Sprintf("%.2f", st.FsyncTime.Seconds()*1000/float64(max(1, st.Fsyncs))),
		"fsyncs_per_second":  fmt.Sprintf("%.0f", float64(st.Fsyncs)/elapsed.Seconds()),
	}
	if f := n.node.Engine().Stats().WorkflowTaskFailures; f > 0 {
		// Each failed task waits for its retry: it shows in the latencies.
		r.Notes["workflow_task_failures"] = fmt.Sprint(f)
	}
	r.Workflows = workflows
	r.DiskBytesPerWorkflow = float64(dirSize(n.dir)) / float64(max(1, workflows))
}

func seq3(ctx context.Context, cfg Config, dir string) (Result, error) {
	count, c := orDefault(cfg.N, 20000), orDefault(cfg.C, 200)
	n, err := openNode(cfg, dir)
	if err != nil {
		return Result{}, err
	}
	defer n.close()
	lat, count, elapsed, err := measure(ctx, cfg, "seq3", count, c, func(i int, l *latencies) error {
		t0 := time.Now()
		in := fmt.Sprintf("wf-%d", i)
		run, err := n.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: in, TaskQueue: taskQueue}, Seq3, in)
		if err != nil {
			return err
		}
		var out string
		if err := run.Get(ctx, &out); err != nil {
			return err
		}
		if out != in {
			return fmt.Errorf("workflow %s returned %q", in, out)
		}
		l.record(time.Since(t0))
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	r := Result{Count: count, Unit: "workflows"}
	lat.fill(&r)
	finish(&r, n, count, elapsed)
	return r, nil
}

func fanout(ctx context.Context, cfg Config, dir string) (Result, error) {
	reps, k := orDefault(cfg.N, 100), orDefault(cfg.K, 100)
	n, err := openNode(cfg, dir)
	if err != nil {
		return Result{}, err
	}
	defer n.close()
	lat, reps, elapsed, err := measure(ctx, cfg, "fanout", reps, 1, func(i int, l *latencies) error {
		t0 := time.Now()
		run, err := n.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("fan-%d", i), TaskQueue: taskQueue}, FanOut, k)
		if err != nil {
			return err
		}
		var got int
		if err := run.Get(ctx, &got); err != nil {
			return err
		}
		if got != k {
			return fmt.Errorf("fan-out %d: %d of %d activities answered", i, got, k)
		}
		l.record(time.Since(t0))
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	r := Result{Count: reps, Unit: "fan-outs"}
	lat.fill(&r)
	finish(&r, n, reps, elapsed)
	r.Notes["activities_per_second"] = fmt.Sprintf("%.0f", float64(reps*k)/elapsed.Seconds())
	return r, nil
}

func signal(ctx context.Context, cfg Config, dir string) (Result, error) {
	entities, signals, c := orDefault(cfg.E, 10000), orDefault(cfg.S, 200000), orDefault(cfg.C, 200)
	signals -= signals % entities // every entity gets the same number
	want := signals / entities
	if cfg.Duration > 0 {
		want = -1 // open-ended: each entity is told its total at the end
	}
	n, err := openNode(cfg, dir)
	if err != nil {
		return Result{}, err
	}
	defer n.close()
	runs := make([]client.WorkflowRun, entities)
	// A sender has the ID at hand; formatting it per signal would count
	// the bench's own work as the engine's.
	ids := make([]string, entities)
	for i := range ids {
		ids[i] = fmt.Sprintf("entity-%d", i)
	}
	var started atomic.Int64
	if _, err := runParallel(ctx, entities, c, time.Time{}, &started, func(i int, _ *latencies) error {
		run, err := n.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ids[i], TaskQueue: taskQueue}, Counter, want)
		runs[i] = run
		return err
	}); err != nil {
		return Result{}, err
	}
	start := time.Now()
	lat, signals, accepted, err := measure(ctx, cfg, "signal", signals, c, func(i int, l *latencies) error {
		t0 := time.Now()
		if err := n.client.SignalWorkflow(ctx, ids[i%entities], "", "add", 1); err != nil {
			return err
		}
		l.record(time.Since(t0))
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	// Signal i went to entity i % entities, for i in [0, signals).
	sentTo := func(entity int) int { return signals/entities + btoi(entity < signals%entities) }
	if want < 0 {
		if _, err := runParallel(ctx, entities, c, time.Time{}, &atomic.Int64{}, func(i int, _ *latencies) error {
			return n.client.SignalWorkflow(ctx, ids[i], "", "total", sentTo(i))
		}); err != nil {
			return Result{}, err
		}
	}
	for i, run := range runs {
		var got int
		if err := run.Get(ctx, &got); err != nil {
			return Result{}, err
		}
		if got != sentTo(i) {
			return Result{}, fmt.Errorf("entity-%d counted %d signals, want %d", i, got, sentTo(i))
		}
	}
	counted := time.Since(start)
	r := Result{Count: signals, Unit: "signals"}
	lat.fill(&r)
	finish(&r, n, entities, accepted)
	r.Notes["all_counted_after"] = counted.Round(time.Millisecond).String()
	return r, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func timer(ctx context.Context, cfg Config, dir string) (Result, error) {
	count, c := orDefault(cfg.N, 20000), orDefault(cfg.C, 200)
	const sleep = time.Second
	n, err := openNode(cfg, dir)
	if err != nil {
		return Result{}, err
	}
	defer n.close()
	runs := make([]client.WorkflowRun, count)
	due := make([]time.Time, count)
	var started atomic.Int64
	start := time.Now()
	if _, err := runParallel(ctx, count, c, time.Time{}, &started, func(i int, _ *latencies) error {
		due[i] = time.Now().Add(sleep)
		run, err := n.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("sleeper-%d", i), TaskQueue: taskQueue}, Sleeper, sleep)
		runs[i] = run
		return err
	}); err != nil {
		return Result{}, err
	}
	// Lateness is measured at the time the engine recorded the firing (the
	// workflow's result), not when this loop gets to the run.
	lat, _, _, err := measure(ctx, cfg, "timer", count, c, func(i int, l *latencies) error {
		var woke time.Time
		if err := runs[i].Get(ctx, &woke); err != nil {
			return err
		}
		l.record(woke.Sub(due[i]))
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	r := Result{Count: count, Unit: "timers"}
	lat.fill(&r)
	finish(&r, n, count, time.Since(start))
	r.Notes["last_fired_late_by"] = r.Max.Round(time.Millisecond).String()
	return r, nil
}

// pebbleCeiling measures raw Pebble: C writers each commit batches of one
// 200-byte event with a sync, for N batches in all. It is what the journal
// could at most reach on this disk.
func pebbleCeiling(ctx context.Context, cfg Config, dir string) (Result, error) {
	count, c := orDefault(cfg.N, 20000)*4, orDefault(cfg.C, 64)
	db, err := pebble.Open(dir, &pebble.Options{FormatMajorVersion: pebble.FormatNewest, MemTableSize: 32 << 20, Logger: quietLogger{}})
	if err != nil {
		return Result{}, err
	}
	defer db.Close()
	value := make([]byte, 200)
	lat, count, elapsed, err := measure(ctx, cfg, "pebble-ceiling", count, c, func(i int, l *latencies) error {
		t0 := time.Now()
		b := db.NewBatch()
		_ = b.Set(binary.BigEndian.AppendUint64([]byte("e"), uint64(i)), value, nil)
		err := b.Commit(pebble.Sync)
		_ = b.Close()
		l.record(time.Since(t0))
		return err
	})
	if err != nil {
		return Result{}, err
	}
	r := Result{Count: count, Unit: "synced batches", Elapsed: elapsed, Throughput: float64(count) / elapsed.Seconds()}
	lat.fill(&r)
	r.Notes = map[string]string{"events_per_second": fmt.Sprintf("%.0f", r.Throughput)}
	return r, nil
}

// quietLogger keeps Pebble's informational lines off the bench's output.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any)              {}
func (quietLogger) Errorf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
func (quietLogger) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
