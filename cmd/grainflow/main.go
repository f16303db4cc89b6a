// Command grainflow is grainflow's command line. In this release it has one
// real subcommand, demo, which runs the example workflows on an embedded
// node with a data directory that persists between runs.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/grainflow/grainflow/bench"
)

const usage = `grainflow: a durable-execution engine embedded in Go services.

Usage:
  grainflow demo [--data-dir DIR] [--orders N]   run the example workflows on an embedded node
  grainflow bench [--scenario S] [flags]         measure throughput and latency (bench --help)
  grainflow help                                 show this help

Run demo twice: the second run shows what the journal kept from the first.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args and returns the process exit code:
// 0 on success, 1 when the command failed, 2 for a usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "demo":
		fs := flag.NewFlagSet("demo", flag.ContinueOnError)
		fs.SetOutput(stderr)
		dataDir := fs.String("data-dir", defaultDataDir(), "directory of the demo node's journal")
		orders := fs.Int("orders", 5, "number of orders to process")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		if fs.NArg() > 0 {
			fmt.Fprintf(stderr, "grainflow demo: unexpected argument %q\n", fs.Arg(0))
			return 2
		}
		if *orders < 1 {
			fmt.Fprintln(stderr, "grainflow demo: --orders must be at least 1")
			return 2
		}
		if err := runDemo(ctx, stdout, *dataDir, *orders); err != nil {
			fmt.Fprintln(stderr, "grainflow demo:", err)
			return 1
		}
		return 0
	case "bench":
		return runBench(ctx, args[1:], stdout, stderr)
	case benchChildCommand: // not in the usage: the recovery scenario's child process
		if err := bench.RunChild(ctx, args[1:], stdout); err != nil {
			fmt.Fprintln(stderr, "grainflow:", err)
			return 1
		}
		return 0
	default:
		fmt.Fprintf(stderr, "grainflow: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}

// defaultDataDir is $XDG_DATA_HOME/grainflow-demo, else
// ~/.local/share/grainflow-demo, else ./.grainflow.
func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return d + "/grainflow-demo"
	}
	if home, err := os.UserHomeDir(); err == nil {
		return home + "/.local/share/grainflow-demo"
	}
	return ".grainflow"
}
