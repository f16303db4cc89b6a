package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strings"

	"github.com/grainflow/grainflow/bench"
)

// benchChildCommand is the hidden subcommand the recovery scenario starts,
// kills and restarts.
const benchChildCommand = "__bench-child"

// runBench parses the bench flags, runs the scenarios and prints the results.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg bench.Config
	fs.StringVar(&cfg.Scenario, "scenario", "all", "scenario: "+strings.Join(bench.Scenarios, ", ")+", or all")
	fs.IntVar(&cfg.N, "n", 0, "workflows (seq3, timer) or repetitions (fanout); 0 = the scenario's default")
	fs.IntVar(&cfg.C, "c", 0, "concurrent starters or senders; 0 = default")
	fs.IntVar(&cfg.K, "k", 0, "fan-out width; 0 = 100")
	fs.IntVar(&cfg.E, "e", 0, "entity workflows of the signal scenario; 0 = 10000")
	fs.IntVar(&cfg.S, "s", 0, "signals of the signal scenario; 0 = 200000")
	fs.DurationVar(&cfg.Duration, "duration", 0, "run "+strings.Join(bench.OpenEnded, ", ")+" for this long instead of to a count (e.g. 30s); 0 = to the count")
	fs.IntVar(&cfg.Partitions, "partitions", 0, "journal partitions; 0 = 16")
	fs.StringVar(&cfg.DataDir, "data-dir", "", "where the nodes keep their journals (default: a temporary directory, removed after)")
	format := fs.String("format", "table", "output: "+strings.Join(bench.Formats, ", "))
	quiet := fs.Bool("quiet", false, "no progress bar")
	cpuProfile := fs.String("cpuprofile", "", "write a pprof CPU profile of the scenarios to this file")
	memProfile := fs.String("memprofile", "", "write a pprof allocation profile, taken after the scenarios, to this file")
	traceFile := fs.String("trace", "", "write a runtime execution trace of the scenarios to this file (go tool trace reads it)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: grainflow bench [flags]\n\nScenarios:")
		for _, s := range bench.Scenarios {
			fmt.Fprintf(stderr, "  %-15s %s\n", s, bench.Describe[s])
		}
		fmt.Fprintln(stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "grainflow bench: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if !slices.Contains(bench.Formats, *format) {
		fmt.Fprintf(stderr, "grainflow bench: unknown format %q (have %s)\n", *format, strings.Join(bench.Formats, ", "))
		return 2
	}
	if cfg.Scenario != "all" && !slices.Contains(bench.Scenarios, cfg.Scenario) {
		fmt.Fprintf(stderr, "grainflow bench: unknown scenario %q (have %s, all)\n", cfg.Scenario, strings.Join(bench.Scenarios, ", "))
		return 2
	}
	for _, v := range []int{cfg.N, cfg.C, cfg.K, cfg.E, cfg.S, cfg.Partitions} {
		if v < 0 {
			fmt.Fprintln(stderr, "grainflow bench: sizes must not be negative")
			return 2
		}
	}
	if cfg.Duration < 0 {
		fmt.Fprintln(stderr, "grainflow bench: -duration must not be negative")
		return 2
	}
	if cfg.Duration > 0 && cfg.Scenario != "all" && !slices.Contains(bench.OpenEnded, cfg.Scenario) {
		fmt.Fprintf(stderr, "grainflow bench: the %s scenario runs a fixed count; -duration applies to %s\n", cfg.Scenario, strings.Join(bench.OpenEnded, ", "))
		return 2
	}
	if !*quiet {
		cfg.Progress = stderr
	}
	cfg.ChildCommand = func(args ...string) *exec.Cmd {
		self, err := os.Executable()
		if err != nil {
			self = os.Args[0]
		}
		cmd := exec.Command(self, append([]string{benchChildCommand}, args...)...)
		cmd.Stderr = stderr
		return cmd
	}
	for _, r := range []recorder{
		{*cpuProfile, "CPU profile", pprof.StartCPUProfile, pprof.StopCPUProfile},
		{*traceFile, "execution trace", trace.Start, trace.Stop},
	} {
		if r.path == "" {
			continue
		}
		stop, err := r.begin()
		if err != nil {
			fmt.Fprintln(stderr, "grainflow bench:", err)
			return 1
		}
		defer stop()
	}
	results, err := bench.Run(ctx, cfg)
	if *memProfile != "" {
		if err := writeAllocProfile(*memProfile); err != nil {
			fmt.Fprintln(stderr, "grainflow bench:", err)
			return 1
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "grainflow bench:", err)
		return 1
	}
	if err := bench.Write(stdout, *format, results); err != nil {
		fmt.Fprintln(stderr, "grainflow bench:", err)
		return 1
	}
	return 0
}

// recorder is something the runtime writes to a file while the scenarios
// run: the CPU profiler or the execution tracer.
type recorder struct {
	path, what string
	start      func(io.Writer) error
	stop       func()
}

// begin creates the recorder's file and starts it; the returned function
// stops it and closes the file.
func (r recorder) begin() (stop func(), err error) {
	f, err := os.Create(r.path)
	if err != nil {
		return nil, err
	}
	if err := r.start(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("start %s: %w", r.what, err)
	}
	return func() {
		r.stop()
		_ = f.Close()
	}, nil
}

// writeAllocProfile writes the allocations made since the program started
// (pprof's allocs profile) to path.
func writeAllocProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		_ = f.Close()
		return fmt.Errorf("write allocation profile %s: %w", path, err)
	}
	return f.Close()
}
