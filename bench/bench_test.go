package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestScenariosVerifyTheirResults runs every scenario at a tiny size: each
// checks its workflows' outputs, so a broken engine fails here.
func TestScenariosVerifyTheirResults(t *testing.T) {
	results, err := Run(context.Background(), Config{Scenario: "all", N: 20, C: 4, K: 5, E: 5, S: 50, Partitions: 4, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(Scenarios) {
		t.Fatalf("%d results for %d scenarios", len(results), len(Scenarios))
	}
	for _, r := range results {
		if r.Count == 0 || r.Throughput <= 0 || r.P50 <= 0 || r.Max < r.P50 {
			t.Errorf("%s: implausible result %+v", r.Scenario, r)
		}
		if r.Scenario != "pebble-ceiling" && r.Scenario != "idle" && r.Notes["pebble_ceiling_ratio"] == "" {
			t.Errorf("%s: no ratio to the Pebble ceiling", r.Scenario)
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
	for _, f := range []string{"table", "markdown"} {
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
