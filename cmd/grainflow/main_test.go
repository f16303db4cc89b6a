package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDemoKeepsWorkflowsAcrossRuns(t *testing.T) {
	dir := t.TempDir()
	var first, second, stderr bytes.Buffer
	if code := run(context.Background(), []string{"demo", "--data-dir", dir, "--orders", "2"}, &first, &stderr); code != 0 {
		t.Fatalf("first run exited %d: %s", code, stderr.String())
	}
	if !strings.Contains(first.String(), "first run") || !strings.Contains(first.String(), "refunded") {
		t.Fatalf("first run output:\n%s", first.String())
	}
	if code := run(context.Background(), []string{"demo", "--data-dir", dir, "--orders", "2"}, &second, &stderr); code != 0 {
		t.Fatalf("second run exited %d: %s", code, stderr.String())
	}
	out := second.String()
	// 2 orders + 2 transfers + 2 approvals from the first run.
	if !strings.Contains(out, "kept from earlier runs: 6 workflows") || !strings.Contains(out, "expense-waiting: still waiting since") {
		t.Fatalf("second run did not report the first run's workflows:\n%s", out)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"demo", "--orders", "0"}, {"demo", "--no-such-flag"}, {"demo", "extra"}, {"bench", "--scenario", "nope"}, {"bench", "--format", "xml"}, {"bench", "-n", "-1"},
		{"bench", "-duration", "-1s"}, {"bench", "--scenario", "timer", "-duration", "1s"}} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code != 2 {
			t.Errorf("%v exited %d, want 2", args, code)
		}
		if errOut.Len() == 0 {
			t.Errorf("%v printed no error", args)
		}
	}
	var out bytes.Buffer
	if code := run(context.Background(), []string{"help"}, &out, &out); code != 0 || !strings.Contains(out.String(), "Usage") {
		t.Errorf("help: %d %s", code, out.String())
	}
}

func TestBenchCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	args := []string{"bench", "--scenario", "seq3", "-n", "10", "-c", "2", "--format", "markdown", "--quiet", "--data-dir", t.TempDir()}
	if code := run(context.Background(), args, &out, &errOut); code != 0 {
		t.Fatalf("bench exited %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "| seq3 | 10 workflows |") {
		t.Fatalf("bench output:\n%s", out.String())
	}
}

// The profile and trace flags leave files that the Go tools read: a pprof
// profile is gzip-compressed, an execution trace starts with its version.
func TestBenchProfileAndTraceFiles(t *testing.T) {
	dir := t.TempDir()
	cpu, mem, tr := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof"), filepath.Join(dir, "run.trace")
	var out, errOut bytes.Buffer
	args := []string{"bench", "--scenario", "seq3", "-n", "10", "-c", "2", "--quiet", "--data-dir", filepath.Join(dir, "data"),
		"-cpuprofile", cpu, "-memprofile", mem, "-trace", tr}
	if code := run(context.Background(), args, &out, &errOut); code != 0 {
		t.Fatalf("bench exited %d: %s", code, errOut.String())
	}
	for path, prefix := range map[string]string{cpu: "\x1f\x8b", mem: "\x1f\x8b", tr: "go 1."} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte(prefix)) {
			t.Errorf("%s starts with %q, want %q", filepath.Base(path), b[:min(len(b), 8)], prefix)
		}
	}
}
