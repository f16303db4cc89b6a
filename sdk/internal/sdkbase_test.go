package internal

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/grainflow/grainflow/journal/journalpb"
)

func TestDefaultConverterRoundTrips(t *testing.T) {
	dc := GetDefaultDataConverter()
	type order struct {
		ID    string
		Items []string
	}
	cases := []struct {
		in       any
		out      any
		encoding string
	}{
		{order{ID: "o1", Items: []string{"a"}}, &order{}, EncodingJSON},
		{42, new(int), EncodingJSON},
		{[]byte{1, 2, 3}, new([]byte), EncodingByteSlice},
		{wrapperspb.String("hi"), new(*wrapperspb.StringValue), EncodingProtoJSON},
		{nil, new(*order), EncodingNull},
	}
	for _, c := range cases {
		p, err := dc.ToPayload(c.in)
		if err != nil {
			t.Fatalf("ToPayload(%v): %v", c.in, err)
		}
		if enc := string(p.GetMetadata()[MetadataEncoding]); enc != c.encoding {
			t.Fatalf("%T encoded as %s, want %s", c.in, enc, c.encoding)
		}
		if err := dc.FromPayload(p, c.out); err != nil {
			t.Fatalf("FromPayload(%T): %v", c.in, err)
		}
	}
	if got := *cases[0].out.(*order); got.ID != "o1" || len(got.Items) != 1 {
		t.Fatalf("struct round trip: %+v", got)
	}
	if got := (*cases[3].out.(**wrapperspb.StringValue)).GetValue(); got != "hi" {
		t.Fatalf("proto round trip: %q", got)
	}
}

func TestConverterRejectsWrongTargets(t *testing.T) {
	dc := GetDefaultDataConverter()
	p, _ := dc.ToPayload("text")
	var n int
	if err := dc.FromPayload(p, &n); err == nil {
		t.Fatal("decoding a string into an int succeeded")
	}
	if err := dc.FromPayload(p, n); err == nil {
		t.Fatal("decoding into a non-pointer succeeded")
	}
	p.Metadata[MetadataEncoding] = []byte("no/such")
	if err := dc.FromPayload(p, new(string)); err == nil || !strings.Contains(err.Error(), "no/such") {
		t.Fatalf("unknown encoding: %v", err)
	}
}

func TestFailureRoundTrip(t *testing.T) {
	dc := GetDefaultDataConverter()
	appErr := NewApplicationErrorWithOptions("card declined", "Declined", ApplicationErrorOptions{
		NonRetryable: true, Details: []any{"visa", 3}, Cause: errors.New("bank said no")})
	actErr := NewActivityError(7, "Charge", "3", journalpb.RetryState_RETRY_STATE_NON_RETRYABLE_FAILURE, appErr)
	back := ConvertFailureToError(ConvertErrorToFailure(actErr, dc), dc)

	var gotAct *ActivityError
	if !errors.As(back, &gotAct) || gotAct.ScheduledEventID() != 7 || gotAct.ActivityType().Name != "Charge" || gotAct.ActivityID() != "3" {
		t.Fatalf("activity error lost: %#v", back)
	}
	var gotApp *ApplicationError
	if !errors.As(back, &gotApp) || gotApp.Type() != "Declined" || !gotApp.NonRetryable() || gotApp.Message() != "card declined" {
		t.Fatalf("application error lost: %v", back)
	}
	var card string
	var tries int
	if err := gotApp.Details(&card, &tries); err != nil || card != "visa" || tries != 3 {
		t.Fatalf("details %q %d %v", card, tries, err)
	}
	if cause := errors.Unwrap(gotApp); cause == nil || !strings.Contains(cause.Error(), "bank said no") {
		t.Fatalf("cause lost: %v", cause)
	}

	timeout := ConvertFailureToError(ConvertErrorToFailure(NewTimeoutError("slow", journalpb.TimeoutType_TIMEOUT_TYPE_HEARTBEAT, nil, "50%"), dc), dc)
	var gotTimeout *TimeoutError
	var progress string
	if !errors.As(timeout, &gotTimeout) || gotTimeout.TimeoutType() != journalpb.TimeoutType_TIMEOUT_TYPE_HEARTBEAT ||
		gotTimeout.LastHeartbeatDetails(&progress) != nil || progress != "50%" {
		t.Fatalf("timeout error: %v (%q)", timeout, progress)
	}
	for _, err := range []error{NewCanceledError(), NewPanicError("boom", "stack"), NewTerminatedError()} {
		back := ConvertFailureToError(ConvertErrorToFailure(err, dc), dc)
		if fmt.Sprintf("%T", back) != fmt.Sprintf("%T", err) {
			t.Fatalf("%T came back as %T", err, back)
		}
	}
	plain := ConvertErrorToFailure(fmt.Errorf("wrapped: %w", errors.New("x")), dc)
	if plain.GetApplication().GetType() != "wrapError" {
		t.Fatalf("plain error type %q", plain.GetApplication().GetType())
	}
}

func TestNextRetryDelay(t *testing.T) {
	retryable := &journalpb.Failure{Info: &journalpb.Failure_Application{Application: &journalpb.ApplicationFailureInfo{Type: "Flaky"}}}
	policy := &journalpb.RetryPolicy{InitialInterval: durationpb.New(time.Second), BackoffCoefficient: 2,
		MaximumInterval: durationpb.New(5 * time.Second), MaximumAttempts: 5, NonRetryableErrorTypes: []string{"Fatal"}}
	for attempt, want := range map[int32]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 5 * time.Second} {
		if d, state := NextRetryDelay(policy, attempt, retryable); d != want || state != journalpb.RetryState_RETRY_STATE_IN_PROGRESS {
			t.Errorf("attempt %d: %v %v, want %v", attempt, d, state, want)
		}
	}
	if d, state := NextRetryDelay(policy, 5, retryable); d >= 0 || state != journalpb.RetryState_RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED {
		t.Errorf("at the maximum: %v %v", d, state)
	}
	fatal := &journalpb.Failure{Info: &journalpb.Failure_Application{Application: &journalpb.ApplicationFailureInfo{Type: "Fatal"}}}
	if d, state := NextRetryDelay(policy, 1, fatal); d >= 0 || state != journalpb.RetryState_RETRY_STATE_NON_RETRYABLE_FAILURE {
		t.Errorf("non-retryable type: %v %v", d, state)
	}
	flagged := &journalpb.Failure{Info: &journalpb.Failure_Application{Application: &journalpb.ApplicationFailureInfo{NonRetryable: true}}}
	if d, _ := NextRetryDelay(nil, 1, flagged); d >= 0 {
		t.Errorf("non-retryable error retried after %v", d)
	}
	// The default policy: 1 s doubling, capped at 100 s, unlimited attempts.
	if d, _ := NextRetryDelay(nil, 20, retryable); d != 100*time.Second {
		t.Errorf("default cap: %v", d)
	}
	override := &journalpb.Failure{Info: &journalpb.Failure_Application{Application: &journalpb.ApplicationFailureInfo{NextRetryDelay: durationpb.New(7 * time.Second)}}}
	if d, _ := NextRetryDelay(policy, 1, override); d != 7*time.Second {
		t.Errorf("NextRetryDelay override: %v", d)
	}
	scheduleToStart := &journalpb.Failure{Info: &journalpb.Failure_Timeout{Timeout: &journalpb.TimeoutFailureInfo{TimeoutType: journalpb.TimeoutType_TIMEOUT_TYPE_SCHEDULE_TO_START}}}
	if d, state := NextRetryDelay(policy, 1, scheduleToStart); d >= 0 || state != journalpb.RetryState_RETRY_STATE_TIMEOUT {
		t.Errorf("schedule-to-start timeout retried: %v %v", d, state)
	}
}

type registryActivities struct{}

func (registryActivities) Charge(ctx context.Context, cents int) (string, error) { return "", nil }
func (registryActivities) Ship(ctx context.Context) error                        { return nil }
func (registryActivities) Helper() int                                           { return 0 }

func expectPanic(t *testing.T, what, contains string, f func()) {
	t.Helper()
	defer func() {
		p := recover()
		if p == nil || !strings.Contains(fmt.Sprint(p), contains) {
			t.Fatalf("%s: panic %v, want one mentioning %q", what, p, contains)
		}
	}()
	f()
}

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	r.RegisterWorkflow(func(ctx Context) error { return nil })
	r.RegisterActivityWithOptions(&registryActivities{}, RegisterActivityOptions{Name: "Pay.", SkipInvalidStructFunctions: true})
	if got := fmt.Sprint(r.ActivityTypes()); got != "[Pay.Charge Pay.Ship]" {
		t.Fatalf("struct activities registered as %s", got)
	}
	expectPanic(t, "invalid struct method", "Helper", func() { NewRegistry().RegisterActivity(&registryActivities{}) })
	expectPanic(t, "workflow without Context", "workflow.Context", func() { r.RegisterWorkflow(func(ctx context.Context) error { return nil }) })
	expectPanic(t, "bad results", "must return", func() { r.RegisterActivity(func() int { return 0 }) })
	expectPanic(t, "duplicate", "already registered", func() {
		r.RegisterActivityWithOptions(func() error { return nil }, RegisterActivityOptions{Name: "Pay.Ship"})
	})
}

func TestRunActivity(t *testing.T) {
	var heartbeats []string
	env := &ActivityEnvironment{
		Info:             ActivityInfo{ActivityType: ActivityType{Name: "Add"}, Attempt: 2},
		HeartbeatDetails: mustPayloads(t, "from attempt 1"),
		Heartbeat: func(d *journalpb.Payloads) {
			var s string
			_ = GetDefaultDataConverter().FromPayloads(d, &s)
			heartbeats = append(heartbeats, s)
		},
	}
	add := func(ctx context.Context, a, b int) (int, error) {
		var last string
		if err := GetActivityHeartbeatDetails(ctx, &last); err != nil || last != "from attempt 1" {
			return 0, fmt.Errorf("previous heartbeat %q, %v", last, err)
		}
		if GetActivityInfo(ctx).Attempt != 2 {
			return 0, errors.New("wrong attempt")
		}
		RecordActivityHeartbeat(ctx, "halfway")
		return a + b, nil
	}
	out, err := RunActivity(context.Background(), add, env, mustPayloads(t, 2, 3))
	var sum int
	if err != nil || GetDefaultDataConverter().FromPayloads(out, &sum) != nil || sum != 5 {
		t.Fatalf("result %d, %v", sum, err)
	}
	if fmt.Sprint(heartbeats) != "[halfway]" {
		t.Fatalf("heartbeats %v", heartbeats)
	}

	_, err = RunActivity(context.Background(), add, env, mustPayloads(t, "two", 3))
	var appErr *ApplicationError
	if !errors.As(err, &appErr) || !appErr.NonRetryable() || !strings.Contains(err.Error(), "argument 1") {
		t.Fatalf("bad argument: %v", err)
	}
	_, err = RunActivity(context.Background(), func(context.Context) error { panic("boom") }, env, nil)
	var panicErr *PanicError
	if !errors.As(err, &panicErr) || panicErr.Error() != "boom" || !strings.Contains(panicErr.StackTrace(), "goroutine") {
		t.Fatalf("panic: %v", err)
	}
}

func mustPayloads(t *testing.T, values ...any) *journalpb.Payloads {
	t.Helper()
	p, err := GetDefaultDataConverter().ToPayloads(values...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
