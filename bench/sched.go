package bench

import (
	"math"
	"runtime/metrics"
	"time"
)

// schedLatencyMetric is the runtime's histogram of the time goroutines
// spent runnable before they ran. Every hand-off on a workflow's path (to
// its actor, the committer, Pebble's WAL writer, an activity) waits this
// long; when it is a large share of a scenario's latency, the CPUs, not
// the disk, are what the work queues for.
const schedLatencyMetric = "/sched/latencies:seconds"

// schedLatencies returns the histogram's counts so far.
func schedLatencies() *metrics.Float64Histogram {
	s := []metrics.Sample{{Name: schedLatencyMetric}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return nil
	}
	return s[0].Value.Float64Histogram()
}

// schedLatencyQuantile returns the q-quantile (0 < q < 1) of the scheduling
// latencies recorded between the snapshots before and after, as the upper
// bound of the bucket it falls in (the lower bound for the last, open
// bucket). It returns 0 if nothing was recorded.
func schedLatencyQuantile(before, after *metrics.Float64Histogram, q float64) time.Duration {
	if before == nil || after == nil || len(before.Counts) != len(after.Counts) {
		return 0
	}
	var total uint64
	for i := range after.Counts {
		total += after.Counts[i] - before.Counts[i]
	}
	if total == 0 {
		return 0
	}
	rank := uint64(q * float64(total)) // how many latencies lie below the quantile
	var seen uint64
	for i := range after.Counts {
		seen += after.Counts[i] - before.Counts[i]
		if seen > rank {
			bound := after.Buckets[i+1]
			if math.IsInf(bound, 1) {
				bound = after.Buckets[i]
			}
			return time.Duration(bound * float64(time.Second))
		}
	}
	return 0 // not reached: seen ends at total, which exceeds rank
}
