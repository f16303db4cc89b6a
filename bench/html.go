package bench

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

// WriteHTML writes a self-contained page (inline SVG, no scripts) with,
// per scenario, its latency percentiles as bars and its throughput over
// time as a line, for readers who would rather look than read.
func WriteHTML(w io.Writer, results []Result) error {
	type chart struct {
		Result
		Bars, Line template.HTML
	}
	charts := make([]chart, 0, len(results))
	for _, r := range results {
		charts = append(charts, chart{Result: r, Bars: latencyBars(r), Line: throughputLine(r.Timeline)})
	}
	return htmlPage.Execute(w, charts)
}

// latencyBars draws p50, p95, p99 and max as horizontal bars.
func latencyBars(r Result) template.HTML {
	longest := max(r.Max, time.Microsecond)
	var b strings.Builder
	b.WriteString(`<svg width="420" height="100" role="img" aria-label="latency percentiles">`)
	for i, p := range []struct {
		label string
		d     time.Duration
	}{{"p50", r.P50}, {"p95", r.P95}, {"p99", r.P99}, {"max", r.Max}} {
		y := 6 + i*23
		width := 280 * float64(p.d) / float64(longest)
		fmt.Fprintf(&b, `<text x="0" y="%d">%s</text><rect x="40" y="%d" width="%.1f" height="16" fill="#47a"/><text x="%.1f" y="%d">%s</text>`,
			y+13, p.label, y, width, 46+width, y+13, ms(p.d))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// throughputLine draws the per-100 ms throughput as a line, with its peak.
func throughputLine(rates []float64) template.HTML {
	if len(rates) == 0 {
		return ""
	}
	peak := 1.0
	for _, v := range rates {
		peak = max(peak, v)
	}
	var b strings.Builder
	b.WriteString(`<svg width="420" height="130" role="img" aria-label="throughput over time"><polyline fill="none" stroke="#2a6" stroke-width="2" points="`)
	for i, v := range rates {
		fmt.Fprintf(&b, "%.1f,%.1f ", 410*float64(i)/float64(max(1, len(rates)-1)), 125-105*v/peak)
	}
	fmt.Fprintf(&b, `"/><text x="4" y="14">throughput: peak %.0f/s over %.1f s</text></svg>`,
		peak, float64(len(rates))*timelineStep.Seconds())
	return template.HTML(b.String())
}

var htmlPage = template.Must(template.New("report").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>grainflow bench</title>
<style>body{font:14px sans-serif;margin:2em}section{margin-bottom:2em}svg{background:#f7f7f7;margin-right:1em}text{font:12px sans-serif}</style>
</head><body><h1>grainflow bench</h1>
{{range .}}<section><h2>{{.Scenario}}</h2>
<p>{{.Count}} {{.Unit}} in {{printf "%.2f" .Elapsed.Seconds}} s: <b>{{printf "%.0f" .Throughput}} per second</b>;
CPU {{printf "%.1f" .CPUSeconds}} s{{if .Workflows}}; {{printf "%.0f" .DiskBytesPerWorkflow}} B on disk and {{printf "%.0f" .WrittenBytesPerWorkflow}} B written per workflow{{end}}{{range $k, $v := .Notes}}; {{$k}} {{$v}}{{end}}</p>
{{.Bars}}{{.Line}}</section>
{{end}}</body></html>
`))
