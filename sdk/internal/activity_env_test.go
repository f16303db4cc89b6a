package internal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grainflow/grainflow/journal/journalpb"
)

func payloadsOf(t *testing.T, values ...any) *journalpb.Payloads {
	t.Helper()
	p, err := GetDefaultDataConverter().ToPayloads(values...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// newTestActivityEnv returns an environment whose heartbeats are recorded
// in the returned slice.
func newTestActivityEnv(t *testing.T) (*ActivityEnvironment, *[][]any) {
	var mu sync.Mutex
	var heartbeats [][]any
	env := &ActivityEnvironment{
		Info: ActivityInfo{ActivityType: ActivityType{Name: "Test"}, ActivityID: "5", Attempt: 1,
			WorkflowNamespace: "ns", WorkflowExecution: WorkflowExecution{ID: "wf", RunID: "run"}},
		Heartbeat: func(d *journalpb.Payloads) {
			var progress string
			var percent int
			if err := GetDefaultDataConverter().FromPayloads(d, &progress, &percent); err != nil {
				t.Errorf("heartbeat details: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			heartbeats = append(heartbeats, []any{progress, percent})
		},
	}
	return env, &heartbeats
}

type activityOrder struct {
	ID    string
	Items int
}

func TestRunActivityDecodesArgumentsAndEncodesTheResult(t *testing.T) {
	cases := []struct {
		name  string
		fn    any
		input *journalpb.Payloads
		want  any // decoded result; nil for none
	}{
		{"context and two ints", func(ctx context.Context, a, b int) (int, error) { return a + b, nil }, payloadsOf(t, 2, 3), 5},
		{"no context", func(s string) (string, error) { return strings.ToUpper(s), nil }, payloadsOf(t, "ab"), "AB"},
		{"struct argument", func(ctx context.Context, o activityOrder) (string, error) { return o.ID, nil },
			payloadsOf(t, activityOrder{ID: "o7", Items: 2}), "o7"},
		{"pointer argument", func(o *activityOrder) (int, error) { return o.Items, nil }, payloadsOf(t, &activityOrder{Items: 4}), 4},
		{"error only", func(ctx context.Context) error { return nil }, nil, nil},
		{"missing arguments are zero values", func(ctx context.Context, a int, s string) (string, error) {
			return strings.Repeat("x", a) + s + "!", nil
		}, payloadsOf(t, 2), "xx!"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env, _ := newTestActivityEnv(t)
			out, err := RunActivity(context.Background(), c.fn, env, c.input)
			if err != nil {
				t.Fatalf("RunActivity: %v", err)
			}
			if c.want == nil {
				if out != nil {
					t.Errorf("result %v, want none", out)
				}
				return
			}
			got := NewEncodedValues(out, nil)
			switch want := c.want.(type) {
			case int:
				var n int
				if err := got.Get(&n); err != nil || n != want {
					t.Errorf("result %d (%v), want %d", n, err, want)
				}
			case string:
				var s string
				if err := got.Get(&s); err != nil || s != want {
					t.Errorf("result %q (%v), want %q", s, err, want)
				}
			}
		})
	}
}

func TestRunActivityFailures(t *testing.T) {
	errDeclined := errors.New("declined")
	add := func(ctx context.Context, a, b int) (int, error) { return a + b, nil }
	cases := []struct {
		name     string
		fn       any
		input    *journalpb.Payloads
		check    func(t *testing.T, err error)
		wantType string // for errors RunActivity makes itself
		wantText string
	}{
		{name: "argument of the wrong type", fn: add, input: payloadsOf(t, 1, "two"),
			wantType: ActivityArgumentsErrorType, wantText: "activity Test: argument 2 (int): "},
		{name: "too many arguments", fn: add, input: payloadsOf(t, 1, 2, 3),
			wantType: ActivityArgumentsErrorType, wantText: "takes 2 arguments, got 3"},
		{name: "result that cannot be encoded", fn: func() (chan int, error) { return make(chan int), nil },
			wantType: ActivityResultErrorType, wantText: "encoding the result"},
		{name: "not a function", fn: "Add", wantType: ActivitySignatureErrorType, wantText: "string is not a function"},
		{name: "invalid signature", fn: func() int { return 1 }, wantType: ActivitySignatureErrorType, wantText: "must return error"},
		{name: "the activity's own error is returned unchanged", fn: func(ctx context.Context) error { return errDeclined },
			check: func(t *testing.T, err error) {
				if err != errDeclined {
					t.Errorf("err = %v, want the activity's error itself", err)
				}
			}},
		{name: "a canceled context reaches the activity", fn: func(ctx context.Context) error { return ctx.Err() },
			check: func(t *testing.T, err error) {
				if !errors.Is(err, context.Canceled) {
					t.Errorf("err = %v, want context.Canceled", err)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env, _ := newTestActivityEnv(t)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			out, err := RunActivity(ctx, c.fn, env, c.input)
			if out != nil || err == nil {
				t.Fatalf("RunActivity = %v, %v; want an error", out, err)
			}
			if c.check != nil {
				c.check(t, err)
				return
			}
			var app *ApplicationError
			if !errors.As(err, &app) || app.Type() != c.wantType || !app.NonRetryable() || !strings.Contains(app.Message(), c.wantText) {
				t.Errorf("err = %v, want a non-retryable %s saying %q", err, c.wantType, c.wantText)
			}
		})
	}
}

func TestRunActivityRecoversPanics(t *testing.T) {
	env, _ := newTestActivityEnv(t)
	out, err := RunActivity(context.Background(), func(ctx context.Context) error {
		var m map[string]int
		m["x"]++
		return nil
	}, env, nil)
	var p *PanicError
	if out != nil || !errors.As(err, &p) {
		t.Fatalf("RunActivity = %v, %v; want a PanicError", out, err)
	}
	if !strings.Contains(p.Error(), "nil map") || !strings.Contains(p.StackTrace(), "TestRunActivityRecoversPanics") {
		t.Errorf("panic %q, stack:\n%s", p.Error(), p.StackTrace())
	}
	if f := ConvertErrorToFailure(err, nil); f.GetApplication().GetNonRetryable() {
		t.Error("an activity panic must be retryable")
	}
}

func TestActivityContext(t *testing.T) {
	t.Run("heartbeats reach the engine", func(t *testing.T) {
		env, heartbeats := newTestActivityEnv(t)
		_, err := RunActivity(context.Background(), func(ctx context.Context) error {
			RecordActivityHeartbeat(ctx, "copying", 40)
			RecordActivityHeartbeat(ctx, "copying", 80)
			return nil
		}, env, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(*heartbeats) != 2 || (*heartbeats)[1][0] != "copying" || (*heartbeats)[1][1] != 80 {
			t.Errorf("heartbeats = %v", *heartbeats)
		}
	})
	t.Run("the previous attempt's heartbeat details", func(t *testing.T) {
		env, _ := newTestActivityEnv(t)
		env.Info.Attempt = 2
		env.HeartbeatDetails = payloadsOf(t, "copying", 40)
		var progress string
		var percent int
		_, err := RunActivity(context.Background(), func(ctx context.Context) error {
			if !HasActivityHeartbeatDetails(ctx) {
				return errors.New("no heartbeat details")
			}
			// Details recorded now are for the next attempt, not this one.
			RecordActivityHeartbeat(ctx, "copying", 60)
			return GetActivityHeartbeatDetails(ctx, &progress, &percent)
		}, env, nil)
		if err != nil || progress != "copying" || percent != 40 {
			t.Errorf("details %q %d, %v", progress, percent, err)
		}
	})
	t.Run("no heartbeat details on a first attempt", func(t *testing.T) {
		env, _ := newTestActivityEnv(t)
		_, err := RunActivity(context.Background(), func(ctx context.Context) error {
			if HasActivityHeartbeatDetails(ctx) {
				return errors.New("HasActivityHeartbeatDetails is true")
			}
			return GetActivityHeartbeatDetails(ctx, new(string))
		}, env, nil)
		if !errors.Is(err, ErrNoData) {
			t.Errorf("GetActivityHeartbeatDetails = %v, want ErrNoData", err)
		}
	})
	t.Run("details that cannot be encoded are logged, not sent", func(t *testing.T) {
		env, heartbeats := newTestActivityEnv(t)
		var logs bytes.Buffer
		env.Logger = NewStructuredLogger(slog.New(slog.NewTextHandler(&logs, nil)))
		if _, err := RunActivity(context.Background(), func(ctx context.Context) error {
			RecordActivityHeartbeat(ctx, make(chan int))
			return nil
		}, env, nil); err != nil {
			t.Fatal(err)
		}
		if len(*heartbeats) != 0 || !strings.Contains(logs.String(), "heartbeat details cannot be encoded") {
			t.Errorf("heartbeats %v, log %q", *heartbeats, logs.String())
		}
	})
	t.Run("info, logger and defaults", func(t *testing.T) {
		env, _ := newTestActivityEnv(t)
		env.Heartbeat = nil
		env.Info.StartToCloseTimeout = time.Minute
		var info ActivityInfo
		_, err := RunActivity(context.Background(), func(ctx context.Context) error {
			info = GetActivityInfo(ctx)
			GetActivityLogger(ctx).Info("logging goes nowhere by default")
			RecordActivityHeartbeat(ctx) // no callback: nothing happens
			if !IsActivityContext(ctx) {
				return errors.New("no environment in the activity's context")
			}
			return nil
		}, env, nil)
		if err != nil {
			t.Fatal(err)
		}
		if info.ActivityID != "5" || info.Namespace != "ns" || info.StartToCloseTimeout != time.Minute || !info.IsWorkflowActivity() {
			t.Errorf("info = %+v", info)
		}
		if env.DataConverter != nil || env.Logger != nil || env.Info.Namespace != "" {
			t.Error("RunActivity changed the caller's environment")
		}
	})
}

func TestActivityBuildsTokenAndLoggerOnFirstUse(t *testing.T) {
	env, _ := newTestActivityEnv(t)
	var mu sync.Mutex
	var tokens, loggers int
	var logs bytes.Buffer
	env.NewTaskToken = func() []byte {
		mu.Lock()
		defer mu.Unlock()
		tokens++
		return []byte("token")
	}
	env.NewLogger = func() Logger {
		mu.Lock()
		defer mu.Unlock()
		loggers++
		return NewStructuredLogger(slog.New(slog.NewTextHandler(&logs, nil)))
	}
	_, err := RunActivity(context.Background(), func(ctx context.Context) error {
		mu.Lock()
		built := tokens + loggers
		mu.Unlock()
		if built != 0 {
			return errors.New("token or logger built before the activity asked")
		}
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if got := string(GetActivityInfo(ctx).TaskToken); got != "token" {
					t.Errorf("task token %q", got)
				}
				GetActivityLogger(ctx).Info("logged")
			})
		}
		wg.Wait()
		return nil
	}, env, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tokens != 1 || loggers != 1 || strings.Count(logs.String(), "logged") != 4 {
		t.Errorf("built %d tokens and %d loggers; logs %q", tokens, loggers, logs.String())
	}

	// A token or logger already set wins over its builder.
	env.Info.TaskToken, env.Logger = []byte("set"), discardLogger{}
	_, err = RunActivity(context.Background(), func(ctx context.Context) error {
		if got := string(GetActivityInfo(ctx).TaskToken); got != "set" {
			return fmt.Errorf("task token %q", got)
		}
		if _, ok := GetActivityLogger(ctx).(discardLogger); !ok {
			return errors.New("the builder replaced the logger that was set")
		}
		return nil
	}, env, nil)
	if err != nil {
		t.Fatal(err)
	}
}

func TestActivityFunctionsOutsideAnActivity(t *testing.T) {
	ctx := context.Background()
	if IsActivityContext(ctx) {
		t.Fatal("a plain context has an activity environment")
	}
	for name, f := range map[string]func(){
		"GetInfo":             func() { GetActivityInfo(ctx) },
		"RecordHeartbeat":     func() { RecordActivityHeartbeat(ctx) },
		"HasHeartbeatDetails": func() { HasActivityHeartbeatDetails(ctx) },
		"GetHeartbeatDetails": func() { _ = GetActivityHeartbeatDetails(ctx) },
		"GetLogger":           func() { GetActivityLogger(ctx) },
	} {
		mustPanicWith(t, "activity."+name+" called outside an activity context", f)
	}
}
