// Package bench is grainflow's load harness. Each scenario runs real
// workflows on an embedded node with durable (synced) appends, checks every
// result, and reports throughput, latency percentiles from an HDR
// histogram, CPU seconds, peak RSS and bytes written per workflow.
// `grainflow bench` runs it from the command line.
package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/grainflow/grainflow/cluster"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/worker"
)

// Config selects a scenario and its sizes. Zero fields take each
// scenario's default.
type Config struct {
	// Scenario is one of Scenarios, or "all".
	Scenario string
	// N is the number of workflows (seq3, timer) or of repetitions (fanout).
	N int
	// C is the number of concurrent starters or senders.
	C int
	// K is the fan-out width.
	K int
	// E is the number of entity workflows (signal).
	E int
	// S is the number of signals (signal).
	S int
	// Duration, when positive, makes the open-ended scenarios (see
	// OpenEnded) keep starting work until it has passed, instead of
	// stopping at N or S; what was started by then is finished and counted.
	Duration time.Duration
	// Partitions of the node's journal (default 16).
	Partitions int
	// DataDir is where nodes keep their journals; a temporary directory,
	// removed afterwards, when empty.
	DataDir string
	// Progress receives a progress line now and then (nil: none).
	Progress io.Writer
	// ChildCommand makes the command of the recovery scenario's child
	// process, which must call RunChild with args.
	ChildCommand func(args ...string) *exec.Cmd
}

// Result is what one scenario measured.
type Result struct {
	Scenario string `json:"scenario"`
	// Count of units completed, and the unit ("workflows", "signals", ...).
	Count int    `json:"count"`
	Unit  string `json:"unit"`
	// Elapsed wall time and Count per second over it.
	Elapsed    time.Duration `json:"elapsed_ns"`
	Throughput float64       `json:"per_second"`
	// Latency percentiles of one unit; what a unit's latency is depends on
	// the scenario (see Describe).
	P50 time.Duration `json:"p50_ns"`
	P95 time.Duration `json:"p95_ns"`
	P99 time.Duration `json:"p99_ns"`
	Max time.Duration `json:"max_ns"`
	// CPUSeconds is user+system CPU of the process during the scenario,
	// with that of the node processes the recovery scenario runs.
	CPUSeconds float64 `json:"cpu_seconds"`
	// PeakRSSBytes is the peak resident set so far of the process, or of
	// the largest node process the recovery scenario ran.
	PeakRSSBytes int64 `json:"peak_rss_bytes"`
	// Workflows is how many workflows the scenario ran: what the figures
	// per workflow divide by (0 for the Pebble ceiling).
	Workflows int `json:"workflows,omitempty"`
	// DiskBytesPerWorkflow is the data directory's size over workflows run.
	DiskBytesPerWorkflow float64 `json:"disk_bytes_per_workflow"`
	// WrittenBytesPerWorkflow is what the scenario wrote to storage (the
	// write-ahead log, flushes and compactions: the data directory's size
	// times the write amplification) over workflows run.
	WrittenBytesPerWorkflow float64 `json:"written_bytes_per_workflow"`
	// Notes are scenario-specific figures (for example the ratio to the
	// Pebble ceiling).
	Notes map[string]string `json:"notes,omitempty"`
	// Timeline is the throughput (units per second) of each 100 ms of the
	// measured phase.
	Timeline []float64 `json:"throughput_per_100ms,omitempty"`
}

// Scenarios lists the scenarios in the order "all" runs them.
var Scenarios = []string{"pebble-ceiling", "seq3", "fanout", "signal", "timer", "idle", "recovery"}

// Describe says what each scenario measures.
var Describe = map[string]string{
	"pebble-ceiling": "raw Pebble synced batches of 200-byte events from C writers: the ceiling for journal appends",
	"seq3":           "N workflows of 3 sequential no-op activities from C starters; latency = start to result",
	"fanout":         "N times, one workflow runs K activities in parallel and waits for all; latency = one workflow",
	"signal":         "E entity workflows count S signals sent round robin by C senders; latency = one accepted (durable) signal",
	"timer":          "N workflows started by C starters each sleep 1 s; latency = how late each wakes after its timer was due (start included)",
	"idle":           "E entity workflows wait for a signal and passivate; memory and disk per workflow, then latency to wake 1,000 random ones with a signal",
	"recovery":       "N workflows of three 100 ms activities in a child process, killed with SIGKILL while they run; time from restart until all completed",
}

// OpenEnded lists the scenarios that can run for Config.Duration instead of
// a count. The others measure a fixed population (N timers, E idle
// workflows, N workflows killed and recovered) and always run at their
// counts.
var OpenEnded = []string{"pebble-ceiling", "seq3", "fanout", "signal"}

// Run runs cfg.Scenario ("all" runs every scenario) and returns the results.
// A scenario whose workflows do not all complete correctly is an error.
func Run(ctx context.Context, cfg Config) ([]Result, error) {
	names := []string{cfg.Scenario}
	if cfg.Scenario == "all" {
		names = Scenarios
	} else if cfg.Duration > 0 && !slices.Contains(OpenEnded, cfg.Scenario) {
		return nil, fmt.Errorf("bench: the %s scenario runs a fixed count; a duration applies only to %v", cfg.Scenario, OpenEnded)
	}
	if cfg.DataDir == "" {
		dir, err := os.MkdirTemp("", "grainflow-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		cfg.DataDir = dir
	}
	var results []Result
	var ceiling float64
	for _, name := range names {
		run, ok := scenarios[name]
		if !ok {
			return results, fmt.Errorf("bench: unknown scenario %q (have %v or all)", name, Scenarios)
		}
		dir := filepath.Join(cfg.DataDir, name)
		scfg := cfg
		if !slices.Contains(OpenEnded, name) {
			scfg.Duration = 0 // "all" runs the fixed populations at their counts
		}
		cpuBefore, writtenBefore, schedBefore := cpuSeconds(), writtenBytes(), schedLatencies()
		r, err := run(ctx, scfg, dir)
		if err != nil {
			return results, fmt.Errorf("bench: %s: %w", name, err)
		}
		r.Scenario = name
		r.CPUSeconds = cpuSeconds() - cpuBefore
		r.PeakRSSBytes = peakRSS()
		if sched := schedLatencies(); r.Notes != nil {
			// Half of all wake-ups run at once (the runtime runs the goroutine
			// just readied next), so the tail is what tells.
			r.Notes["sched_wait_p90"] = ms(schedLatencyQuantile(schedBefore, sched, 0.90))
			r.Notes["sched_wait_p99"] = ms(schedLatencyQuantile(schedBefore, sched, 0.99))
		}
		if r.Workflows > 0 {
			r.WrittenBytesPerWorkflow = float64(writtenBytes()-writtenBefore) / float64(r.Workflows)
		}
		if name == "pebble-ceiling" {
			ceiling = r.Throughput
		} else if ceiling > 0 && r.Notes["events_per_second"] != "" {
			var eps float64
			fmt.Sscan(r.Notes["events_per_second"], &eps)
			r.Notes["pebble_ceiling_ratio"] = fmt.Sprintf("%.2f", ceiling/eps)
		}
		results = append(results, r)
	}
	return results, nil
}

var scenarios = map[string]func(context.Context, Config, string) (Result, error){
	"pebble-ceiling": pebbleCeiling,
	"seq3":           seq3,
	"fanout":         fanout,
	"signal":         signal,
	"timer":          timer,
	"idle":           idle,
	"recovery":       recovery,
}

// node is an embedded node with a client and started workers for the
// bench's workflows.
type node struct {
	node   *cluster.Node
	client client.Client
	worker worker.Worker
	dir    string
}

const taskQueue = "bench"

func openNode(cfg Config, dir string) (*node, error) {
	return openNodeWith(cfg, dir, 0)
}

// openNodeWith opens a node whose idle workflows passivate after idle (0:
// the node's default).
func openNodeWith(cfg Config, dir string, idle time.Duration) (*node, error) {
	n, err := cluster.Open(cluster.Options{DataDir: dir, Partitions: cfg.Partitions, IdleTimeout: idle})
	if err != nil {
		return nil, err
	}
	c, err := client.Dial(client.Options{Node: n})
	if err != nil {
		_ = n.Close()
		return nil, err
	}
	w := worker.New(c, taskQueue, worker.Options{MaxConcurrentActivityExecutionSize: 256})
	register(w)
	if err := w.Start(); err != nil {
		_ = n.Close()
		return nil, err
	}
	return &node{node: n, client: c, worker: w, dir: dir}, nil
}

func (n *node) close() {
	n.worker.Stop()
	n.client.Close()
	_ = n.node.Close()
}

// latencies records durations into an HDR histogram (1 µs to 10 min, 3
// significant digits). The goroutines of runParallel each record through
// latencies of their own that share one histogram: values gather in a
// short buffer and go into the histogram a batch at a time under its lock.
// A histogram per goroutine (a third of a megabyte each) made the bench's
// own memory a fifth of the peak RSS it reported for seq3 and signal.
type latencies struct {
	h        *hdrhistogram.Histogram
	mu       *sync.Mutex // guards h for every latencies that records into it
	pending  []int64     // microseconds recorded and not yet in h
	timeline []float64   // set by measure
}

// latencyBatch is how many values a recorder keeps before it takes the lock.
const latencyBatch = 256

func newLatencies() *latencies {
	return &latencies{h: hdrhistogram.New(1, int64(10*time.Minute/time.Microsecond), 3), mu: new(sync.Mutex)}
}

// recorder returns latencies for one goroutine that record into l's
// histogram; the goroutine calls flush when it is done.
func (l *latencies) recorder() *latencies {
	return &latencies{h: l.h, mu: l.mu, pending: make([]int64, 0, latencyBatch)}
}

func (l *latencies) record(d time.Duration) {
	l.pending = append(l.pending, max(1, d.Microseconds()))
	if len(l.pending) >= latencyBatch {
		l.flush()
	}
}

// flush moves the pending values into the histogram.
func (l *latencies) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, v := range l.pending {
		_ = l.h.RecordValue(v)
	}
	l.pending = l.pending[:0]
}

func (l *latencies) fill(r *Result) {
	l.flush()
	at := func(q float64) time.Duration { return time.Duration(l.h.ValueAtQuantile(q)) * time.Microsecond }
	r.P50, r.P95, r.P99, r.Max = at(50), at(95), at(99), time.Duration(l.h.Max())*time.Microsecond
	r.Timeline = l.timeline
}

// progress prints "name done/total" (or, open-ended, done and the time
// left) every half second until stop is called.
func progress(cfg Config, name string, total int, done *atomic.Int64) (stop func()) {
	if cfg.Progress == nil {
		return func() {}
	}
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		start := time.Now()
		for {
			select {
			case <-quit:
				fmt.Fprintf(cfg.Progress, "\r%-15s %s\n", name, bar(int(done.Load()), total, time.Since(start), cfg.Duration))
				return
			case <-t.C:
				fmt.Fprintf(cfg.Progress, "\r%-15s %s", name, bar(int(done.Load()), total, time.Since(start), cfg.Duration))
			}
		}
	}()
	return func() { close(quit); <-finished }
}

// bar draws progress towards total or, when duration is positive, towards
// the end of the duration.
func bar(done, total int, elapsed, duration time.Duration) string {
	const width = 30
	filled := 0
	switch {
	case duration > 0:
		filled = min(width, int(elapsed*width/duration))
	case total > 0:
		filled = min(width, done*width/total)
	}
	b := make([]byte, width)
	for i := range b {
		b[i] = '.'
		if i < filled {
			b[i] = '#'
		}
	}
	if duration > 0 {
		return fmt.Sprintf("[%s] %d done %5.1fs of %s", b, done, elapsed.Seconds(), duration)
	}
	return fmt.Sprintf("[%s] %d/%d %5.1fs", b, done, total, elapsed.Seconds())
}

// dirSize is the total size of the files under dir.
func dirSize(dir string) int64 {
	var size int64
	_ = filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			size += info.Size()
		}
		return nil
	})
	return size
}

// usage is the resource use of the process and of its children that have
// ended (the recovery scenario's node processes).
func usage() (self, children syscall.Rusage) {
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	return self, children
}

// cpuSeconds is the user and system CPU of the process and its ended
// children.
func cpuSeconds() float64 {
	self, children := usage()
	cpu := func(ru syscall.Rusage) int64 { return ru.Utime.Nano() + ru.Stime.Nano() }
	return time.Duration(cpu(self) + cpu(children)).Seconds()
}

// writtenBytes is what the process and its ended children sent to storage
// so far (Linux counts ru_oublock in 512-byte blocks).
func writtenBytes() int64 {
	self, children := usage()
	return (self.Oublock + children.Oublock) * 512
}

// peakRSS is the largest resident set size of the process or of one of its
// ended children (Linux reports KiB).
func peakRSS() int64 {
	self, children := usage()
	return max(self.Maxrss, children.Maxrss) * 1024
}

// sortedNotes returns the note keys in order, for stable output.
func sortedNotes(notes map[string]string) []string {
	keys := make([]string, 0, len(notes))
	for k := range notes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
