package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Formats are the output formats of Write.
var Formats = []string{"table", "json", "markdown", "html"}

// Write prints results in format ("table", "json", "markdown" or "html").
func Write(w io.Writer, format string, results []Result) error {
	switch format {
	case "html":
		return WriteHTML(w, results)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	case "table":
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "scenario\tcount\tper second\tp50\tp95\tp99\tmax\tcpu s\tpeak RSS\tdisk/wf\twritten/wf\tnotes")
		for _, r := range results {
			fmt.Fprintf(tw, "%s\t%d %s\t%.0f\t%s\t%s\t%s\t%s\t%.1f\t%s\t%s\t%s\t%s\n", r.Scenario, r.Count, r.Unit, r.Throughput,
				ms(r.P50), ms(r.P95), ms(r.P99), ms(r.Max), r.CPUSeconds, mib(r.PeakRSSBytes), perWorkflow(r.DiskBytesPerWorkflow),
				perWorkflow(r.WrittenBytesPerWorkflow), notes(r))
		}
		return tw.Flush()
	case "markdown":
		fmt.Fprintln(w, "| scenario | count | per second | p50 | p95 | p99 | max | CPU s | peak RSS | disk/workflow | written/workflow | notes |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|")
		for _, r := range results {
			fmt.Fprintf(w, "| %s | %d %s | %.0f | %s | %s | %s | %s | %.1f | %s | %s | %s | %s |\n", r.Scenario, r.Count, r.Unit, r.Throughput,
				ms(r.P50), ms(r.P95), ms(r.P99), ms(r.Max), r.CPUSeconds, mib(r.PeakRSSBytes), perWorkflow(r.DiskBytesPerWorkflow),
				perWorkflow(r.WrittenBytesPerWorkflow), notes(r))
		}
		return nil
	}
	return fmt.Errorf("bench: unknown format %q (have %s)", format, strings.Join(Formats, ", "))
}

// ms renders a latency; a scenario that measures none (recovery) has zero.
func ms(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}

func mib(b int64) string { return fmt.Sprintf("%.0fMiB", float64(b)/(1<<20)) }

func perWorkflow(b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0fB", b)
}

func notes(r Result) string {
	var parts []string
	for _, k := range sortedNotes(r.Notes) {
		parts = append(parts, k+"="+r.Notes[k])
	}
	return strings.Join(parts, " ")
}
