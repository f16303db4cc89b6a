package bench

import (
	"math"
	"runtime/metrics"
	"testing"
	"time"
)

func TestSchedLatencyQuantileCountsOnlyTheScenariosWakeUps(t *testing.T) {
	buckets := []float64{0, 0.001, 0.002, 0.004, math.Inf(1)}
	before := &metrics.Float64Histogram{Buckets: buckets, Counts: []uint64{1000, 0, 0, 0}}
	// Between the snapshots: 50 wake-ups under 1 ms, 40 of 1-2 ms, 9 of
	// 2-4 ms and one longer.
	after := &metrics.Float64Histogram{Buckets: buckets, Counts: []uint64{1050, 40, 9, 1}}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{
		{0.25, time.Millisecond},
		{0.5, 2 * time.Millisecond}, // the 51st of 100 is the first of 1-2 ms
		{0.9, 4 * time.Millisecond},
		{0.995, 4 * time.Millisecond}, // the open bucket reports its lower bound
	} {
		if got := schedLatencyQuantile(before, after, c.q); got != c.want {
			t.Errorf("quantile %v = %v, want %v", c.q, got, c.want)
		}
	}
	if got := schedLatencyQuantile(before, before, 0.9); got != 0 {
		t.Errorf("quantile of no wake-ups = %v, want 0", got)
	}
	if got := schedLatencyQuantile(nil, after, 0.9); got != 0 {
		t.Errorf("quantile without a first snapshot = %v, want 0", got)
	}
}

func TestSchedLatenciesAreReadFromTheRuntime(t *testing.T) {
	if h := schedLatencies(); h == nil || len(h.Buckets) != len(h.Counts)+1 {
		t.Fatalf("schedLatencies() = %v; want the runtime's histogram", h)
	}
}
