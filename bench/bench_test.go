package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// childEnv carries the recovery child's arguments when this test binary is
// started as that child.
const childEnv = "GRAINFLOW_BENCH_CHILD_ARGS"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(childEnv); ok {
		if err := RunChild(context.Background(), strings.Split(args, "\x1f"), os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// childCommand starts this test binary as the recovery child.
func childCommand(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join(args, "\x1f"))
	cmd.Stderr = os.Stderr
	return cmd
}

// TestScenariosVerifyTheirResults runs every scenario at a tiny size: each
// checks its workflows' outputs, so a broken engine fails here.
func TestScenariosVerifyTheirResults(t *testing.T) {
	results, err := Run(context.Background(), Config{Scenario: "all", N: 20, C: 4, K: 5, E: 5, S: 50, Partitions: 4, DataDir: t.TempDir(),
		ChildCommand: childCommand})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(Scenarios) {
		t.Fatalf("%d results for %d scenarios", len(results), len(Scenarios))
	}
	for _, r := range results {
		if r.Count == 0 || r.Throughput <= 0 || (r.Scenario != "recovery" && r.P50 <= 0) || r.Max < r.P50 {
			t.Errorf("%s: implausible result %+v", r.Scenario, r)
		}
		if r.Scenario != "pebble-ceiling" && r.Scenario != "idle" && r.Scenario != "recovery" && r.Notes["pebble_ceiling_ratio"] == "" {
			t.Errorf("%s: no ratio to the Pebble ceiling", r.Scenario)
		}
		if w := r.Notes["sched_wait_p99"]; w == "" || w == "-" {
			t.Errorf("%s: no scheduling wait (%q)", r.Scenario, w)
		}
		if r.Scenario != "pebble-ceiling" && (r.Workflows <= 0 || r.DiskBytesPerWorkflow <= 0 || r.WrittenBytesPerWorkflow < 0) {
			t.Errorf("%s: implausible figures per workflow %+v", r.Scenario, r)
		}
	}
	var out bytes.Buffer
	if err := Write(&out, "json", results); err != nil {
		t.Fatal(err)
	}
	var back []Result
	if err := json.Unmarshal(out.Bytes(), &back); err != nil || len(back) != len(results) {
		t.Fatalf("json output does not round trip: %v", err)
	}
	for _, f := range []string{"table", "markdown", "html"} {
		out.Reset()
		if err := Write(&out, f, results); err != nil || !strings.Contains(out.String(), "seq3") {
			t.Fatalf("%s output: %v\n%s", f, err, out.String())
		}
	}
	if err := Write(&out, "xml", results); err == nil {
		t.Fatal("an unknown format was accepted")
	}
	if _, err := Run(context.Background(), Config{Scenario: "nope"}); err == nil {
		t.Fatal("an unknown scenario was accepted")
	}
}

// writtenBytes counts what the process sends to storage: a synced
// megabyte counts at least a megabyte. (On tmpfs nothing is sent to
// storage, so there it cannot be checked.)
func TestWrittenBytesCountsSyncedWrites(t *testing.T) {
	dir := t.TempDir()
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		t.Fatal(err)
	}
	if fs.Type == 0x01021994 { // TMPFS_MAGIC
		t.Skip("the temporary directory is on tmpfs, which writes to no storage")
	}
	f, err := os.Create(filepath.Join(dir, "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	before := writtenBytes()
	if _, err := f.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if written := writtenBytes() - before; written < 1<<20 {
		t.Fatalf("a synced MiB counted as %d bytes written", written)
	}
}

// TestOpenEndedScenarios runs each open-ended scenario for a duration
// instead of a count: it must keep going past the count it would have
// stopped at, and still verify every result (the signal scenario tells each
// entity its total at the end).
func TestOpenEndedScenarios(t *testing.T) {
	const tinyCount = 3
	for _, name := range OpenEnded {
		t.Run(name, func(t *testing.T) {
			results, err := Run(context.Background(), Config{Scenario: name, Duration: 300 * time.Millisecond,
				N: tinyCount, S: tinyCount, E: 7, C: 4, K: 5, Partitions: 4, DataDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			r := results[0]
			if r.Count <= tinyCount || r.Elapsed < 300*time.Millisecond || r.Throughput <= 0 {
				t.Fatalf("ran %d %s in %v: the duration did not replace the count", r.Count, r.Unit, r.Elapsed)
			}
		})
	}
	if _, err := Run(context.Background(), Config{Scenario: "timer", Duration: time.Second, DataDir: t.TempDir()}); err == nil {
		t.Fatal("a duration was accepted for the fixed-count timer scenario")
	}
}

// Every value each goroutine of runParallel records reaches the shared
// histogram, the last partial batch included.
func TestRunParallelRecordsEveryLatency(t *testing.T) {
	const n = 3*latencyBatch + 17
	var done atomic.Int64
	lat, err := runParallel(context.Background(), n, 7, time.Time{}, &done, func(i int, l *latencies) error {
		l.record(time.Duration(i+1) * time.Microsecond)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var r Result
	lat.fill(&r)
	if got := lat.h.TotalCount(); got != n || done.Load() != n {
		t.Fatalf("histogram holds %d values (%d calls done), want %d", got, done.Load(), n)
	}
	if r.Max != n*time.Microsecond {
		t.Errorf("max %v, want %v", r.Max, n*time.Microsecond)
	}
}
