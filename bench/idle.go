package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/grainflow/grainflow/sdk/client"
)

// idle creates E entity workflows that wait for one signal, lets them
// passivate, and reports what a waiting workflow costs in memory and disk,
// then how long waking a random one with a signal takes.
func idle(ctx context.Context, cfg Config, dir string) (Result, error) {
	entities, c := orDefault(cfg.E, 1_000_000), orDefault(cfg.C, 200)
	const idleTimeout = 2 * time.Second
	const wakes = 1000
	// Return freed memory to the OS first, so that the RSS baseline is what
	// is live now, not what earlier scenarios of the same run left mapped.
	debug.FreeOSMemory()
	heapBefore, rssBefore := heapInUse(), currentRSS()

	n, err := openNodeWith(cfg, dir, idleTimeout)
	if err != nil {
		return Result{}, err
	}
	defer n.close()
	var created atomic.Int64
	stop := progress(cfg, "idle", entities, &created)
	start := time.Now()
	if _, err := runParallel(ctx, entities, c, time.Time{}, &created, func(i int, _ *latencies) error {
		_, err := n.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("idle-%d", i), TaskQueue: taskQueue}, Counter, 1)
		return err
	}); err != nil {
		stop()
		return Result{}, err
	}
	stop()
	elapsed := time.Since(start)
	for n.node.Engine().ActiveWorkflows() > 0 {
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		time.Sleep(100 * time.Millisecond)
	}
	debug.FreeOSMemory()
	heapPer := float64(heapInUse()-heapBefore) / float64(entities)
	rssPer := float64(currentRSS()-rssBefore) / float64(entities)

	lat := newLatencies()
	picked := rand.Perm(entities)[:min(wakes, entities)]
	for _, i := range picked {
		t0 := time.Now()
		if err := n.client.SignalWorkflow(ctx, fmt.Sprintf("idle-%d", i), "", "add", 1); err != nil {
			return Result{}, err
		}
		lat.record(time.Since(t0))
	}
	for _, i := range picked {
		var got int
		if err := n.client.GetWorkflow(ctx, fmt.Sprintf("idle-%d", i), "").Get(ctx, &got); err != nil || got != 1 {
			return Result{}, fmt.Errorf("idle-%d: counted %d, %v", i, got, err)
		}
	}
	r := Result{Count: entities, Unit: "passivated workflows", Elapsed: elapsed, Throughput: float64(entities) / elapsed.Seconds()}
	lat.fill(&r)
	r.Workflows = entities
	r.DiskBytesPerWorkflow = float64(dirSize(dir)) / float64(entities)
	r.Notes = map[string]string{
		"heap_bytes_per_idle_workflow": fmt.Sprintf("%.0f", heapPer),
		"rss_bytes_per_idle_workflow":  fmt.Sprintf("%.0f", rssPer),
		"wake_latency":                 "p50..max above are for waking one passivated workflow with a durable signal",
	}
	return r, nil
}

func heapInUse() int64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}

// currentRSS reads the process's resident set from /proc (0 if unavailable).
func currentRSS() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(b))
	if len(fields) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(fields[1], 10, 64)
	return pages * int64(os.Getpagesize())
}
