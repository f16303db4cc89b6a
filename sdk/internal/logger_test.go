package internal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// jsonLogs returns a structured logger writing JSON lines with sources at
// Info level and above, and a function that parses what it wrote.
func jsonLogs(t *testing.T) (Logger, func() []map[string]any) {
	var buf bytes.Buffer
	l := NewStructuredLogger(slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{AddSource: true, Level: slog.LevelInfo})))
	return l, func() []map[string]any {
		var entries []map[string]any
		for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			if line == "" {
				continue
			}
			var e map[string]any
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatalf("log line %q: %v", line, err)
			}
			entries = append(entries, e)
		}
		return entries
	}
}

// lineAbove returns "file:line" of the line above its call.
func lineAbove() string {
	_, file, line, _ := runtime.Caller(1)
	return fmt.Sprintf("%s:%d", filepath.Base(file), line-1)
}

func sourceOf(e map[string]any) string {
	src, _ := e["source"].(map[string]any)
	line, _ := src["line"].(float64)
	file, _ := src["file"].(string)
	return fmt.Sprintf("%s:%d", filepath.Base(file), int(line))
}

func TestStructuredLogger(t *testing.T) {
	l, entries := jsonLogs(t)
	l.Debug("hidden", "k", 1)
	l.Info("started", "order", "o1", "items", 2)
	infoLine := lineAbove()
	l.Warn("slow", "ms", 900)
	l.Error("failed", "error", "boom")

	got := entries()
	if len(got) != 3 {
		t.Fatalf("%d entries, want 3 (Debug filtered out): %v", len(got), got)
	}
	want := []struct{ level, msg, key string }{{"INFO", "started", "order"}, {"WARN", "slow", "ms"}, {"ERROR", "failed", "error"}}
	for i, w := range want {
		if got[i]["level"] != w.level || got[i]["msg"] != w.msg || got[i][w.key] == nil {
			t.Errorf("entry %d = %v, want %s %q with %s", i, got[i], w.level, w.msg, w.key)
		}
	}
	// The source is the line that called Info, not the adapter.
	if src := sourceOf(got[0]); src != infoLine {
		t.Errorf("source %s, want %s", src, infoLine)
	}
}

func TestLoggerWithAndSkip(t *testing.T) {
	l, entries := jsonLogs(t)
	child := LoggerWith(l, "workflow_id", "wf-1")
	child.Info("hello", "step", 1)
	LoggerWith(child, "attempt", 2).Info("nested")
	if LoggerWith(l) != l {
		t.Error("LoggerWith without keyvals returned another logger")
	}

	// A helper that logs for its caller skips its own frame.
	logFor := func(msg string) { LoggerSkip(l, 1).Info(msg) }
	logFor("from helper")
	callLine := lineAbove()

	got := entries()
	if len(got) != 3 {
		t.Fatalf("entries = %v", got)
	}
	if got[0]["workflow_id"] != "wf-1" || got[0]["step"] != float64(1) {
		t.Errorf("With entry = %v", got[0])
	}
	if got[1]["workflow_id"] != "wf-1" || got[1]["attempt"] != float64(2) {
		t.Errorf("nested With entry = %v", got[1])
	}
	if src := sourceOf(got[2]); src != callLine {
		t.Errorf("source with Skip = %s, want the helper's caller %s", src, callLine)
	}
}

// plainLogger is a Logger with neither With nor WithCallerSkip.
type plainLogger struct{ lines *[]string }

func (p plainLogger) Debug(msg string, kv ...any) { p.add("DEBUG", msg, kv) }
func (p plainLogger) Info(msg string, kv ...any)  { p.add("INFO", msg, kv) }
func (p plainLogger) Warn(msg string, kv ...any)  { p.add("WARN", msg, kv) }
func (p plainLogger) Error(msg string, kv ...any) { p.add("ERROR", msg, kv) }
func (p plainLogger) add(level, msg string, kv []any) {
	*p.lines = append(*p.lines, fmt.Sprint(level, " ", msg, " ", kv))
}

func TestLoggerWithOnAPlainLogger(t *testing.T) {
	var lines []string
	l := LoggerWith(plainLogger{&lines}, "a", 1)
	l.Debug("d", "b", 2)
	LoggerWith(l, "c", 3).Error("e")
	if LoggerSkip(plainLogger{&lines}, 2) != (plainLogger{&lines}) {
		t.Error("LoggerSkip changed a logger that cannot skip")
	}
	want := []string{"DEBUG d [a 1 b 2]", "ERROR e [a 1 c 3]"}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Errorf("lines = %q, want %q", lines, want)
	}
}

func TestNewStructuredLoggerWithNil(t *testing.T) {
	// A nil *slog.Logger means slog.Default(); logging must not panic.
	NewStructuredLogger(nil).Debug("to the default logger")
}
