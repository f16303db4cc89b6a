package internal

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// insufficientFunds is a user-defined error type, converted to an
// application failure typed by its Go type name.
type insufficientFunds struct{ missing int }

func (e *insufficientFunds) Error() string { return fmt.Sprintf("missing %d", e.missing) }

// genericError checks that type arguments stay out of the type name.
type genericError[T any] struct{ v T }

func (e genericError[T]) Error() string { return fmt.Sprint(e.v) }

// failureRoundTrip converts err to a failure and back.
func failureRoundTrip(t *testing.T, err error) (*journalpb.Failure, error) {
	t.Helper()
	f := ConvertErrorToFailure(err, nil)
	return f, ConvertFailureToError(f, GetDefaultDataConverter())
}

func TestFailureRoundTrip(t *testing.T) {
	cases := []struct {
		name  string
		err   error
		check func(t *testing.T, f *journalpb.Failure, back error)
	}{
		{
			name: "application error with details, delay and a cause",
			err: NewApplicationErrorWithOptions("card declined", "Declined", ApplicationErrorOptions{
				NonRetryable: true, Details: []any{"visa", 3}, NextRetryDelay: 5 * time.Second, Cause: errors.New("bank said no")}),
			check: func(t *testing.T, f *journalpb.Failure, back error) {
				info := f.GetApplication()
				if f.GetMessage() != "card declined" || info.GetType() != "Declined" || !info.GetNonRetryable() ||
					info.GetNextRetryDelay().AsDuration() != 5*time.Second || len(info.GetDetails().GetPayloads()) != 2 {
					t.Errorf("failure = %v", f)
				}
				var app *ApplicationError
				if !errors.As(back, &app) {
					t.Fatalf("came back as %T", back)
				}
				if app.Message() != "card declined" || app.Type() != "Declined" || !app.NonRetryable() || app.NextRetryDelay() != 5*time.Second {
					t.Errorf("ApplicationError = %v", app)
				}
				var card string
				var tries int
				if !app.HasDetails() || app.Details(&card, &tries) != nil || card != "visa" || tries != 3 {
					t.Errorf("details %q %d", card, tries)
				}
				if cause := errors.Unwrap(app); cause == nil || cause.Error() != "bank said no" {
					t.Errorf("cause = %v", cause)
				}
				if want := "card declined (type: Declined, retryable: false): bank said no"; back.Error() != want {
					t.Errorf("Error() = %q, want %q", back.Error(), want)
				}
			},
		},
		{
			name: "canceled error with message, details and cause",
			err:  NewCanceledErrorWithOptions(CanceledErrorOptions{Message: "stopped by user", Details: []any{"why"}, Cause: NewTerminatedError()}),
			check: func(t *testing.T, f *journalpb.Failure, back error) {
				var c *CanceledError
				var why string
				if !errors.As(back, &c) || c.Error() != "stopped by user: terminated" || c.Details(&why) != nil || why != "why" {
					t.Errorf("CanceledError = %v (details %q)", back, why)
				}
				var term *TerminatedError
				if !errors.As(back, &term) {
					t.Errorf("cause lost: %v", back)
				}
			},
		},
		{
			name: "timeout with heartbeat details and the last attempt's error",
			err: NewTimeoutError("activity heartbeat", journalpb.TimeoutType_TIMEOUT_TYPE_HEARTBEAT,
				NewApplicationError("slow disk", "IOError", false, nil), "50%"),
			check: func(t *testing.T, f *journalpb.Failure, back error) {
				var te *TimeoutError
				var progress string
				if !errors.As(back, &te) || te.TimeoutType() != journalpb.TimeoutType_TIMEOUT_TYPE_HEARTBEAT ||
					te.Message() != "activity heartbeat" || !te.HasLastHeartbeatDetails() || te.LastHeartbeatDetails(&progress) != nil || progress != "50%" {
					t.Errorf("TimeoutError = %v (progress %q)", back, progress)
				}
				var app *ApplicationError
				if !errors.As(back, &app) || app.Type() != "IOError" {
					t.Errorf("cause lost: %v", back)
				}
			},
		},
		{
			name: "activity error over a chain of three causes",
			err: NewActivityError(7, "Charge", "3", journalpb.RetryState_RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED,
				NewApplicationError("charge failed", "ChargeError", false, &insufficientFunds{missing: 10})),
			check: func(t *testing.T, f *journalpb.Failure, back error) {
				if f.GetActivity() == nil || f.GetCause().GetApplication() == nil || f.GetCause().GetCause().GetApplication().GetType() != "insufficientFunds" {
					t.Fatalf("failure chain = %v", f)
				}
				var act *ActivityError
				if !errors.As(back, &act) || act.ScheduledEventID() != 7 || act.ActivityType().GetName() != "Charge" ||
					act.ActivityID() != "3" || act.RetryState() != journalpb.RetryState_RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED {
					t.Fatalf("ActivityError = %v", back)
				}
				var app *ApplicationError
				if !errors.As(back, &app) || app.Type() != "ChargeError" {
					t.Fatalf("ApplicationError lost: %v", back)
				}
				var root *ApplicationError
				if !errors.As(errors.Unwrap(app), &root) || root.Type() != "insufficientFunds" || root.Message() != "missing 10" {
					t.Errorf("root cause = %v", errors.Unwrap(app))
				}
			},
		},
		{
			name: "workflow panic",
			err:  NewPanicError("boom", "goroutine 1 [running]:\nmain.f()"),
			check: func(t *testing.T, f *journalpb.Failure, back error) {
				if f.GetApplication().GetType() != "PanicError" || !f.GetApplication().GetNonRetryable() {
					t.Errorf("a workflow panic's failure must be a non-retryable PanicError: %v", f)
				}
				var p *PanicError
				if !errors.As(back, &p) || p.Error() != "boom" || !strings.Contains(p.StackTrace(), "main.f()") {
					t.Errorf("PanicError = %v", back)
				}
			},
		},
		{
			name: "activity panic",
			err:  newActivityPanicError(fmt.Errorf("nil map"), "stack"),
			check: func(t *testing.T, f *journalpb.Failure, back error) {
				if f.GetApplication().GetType() != "PanicError" || f.GetApplication().GetNonRetryable() || f.GetMessage() != "nil map" {
					t.Errorf("an activity panic's failure must be a retryable PanicError: %v", f)
				}
				if _, ok := back.(*PanicError); !ok {
					t.Errorf("came back as %T", back)
				}
			},
		},
		{
			name: "terminated",
			err:  NewTerminatedError(),
			check: func(t *testing.T, f *journalpb.Failure, back error) {
				if _, ok := back.(*TerminatedError); !ok || f.GetTerminated() == nil {
					t.Errorf("came back as %T from %v", back, f)
				}
			},
		},
		{
			name: "server error",
			err:  NewServerError("journal unavailable", true, errors.New("disk full")),
			check: func(t *testing.T, f *journalpb.Failure, back error) {
				var s *ServerError
				if !errors.As(back, &s) || s.Message() != "journal unavailable" || !f.GetServer().GetNonRetryable() ||
					back.Error() != "journal unavailable: disk full" {
					t.Errorf("ServerError = %v from %v", back, f)
				}
			},
		},
		{
			name: "errors.New has no type",
			err:  errors.New("plain"),
			check: func(t *testing.T, f *journalpb.Failure, back error) {
				var app *ApplicationError
				if !errors.As(back, &app) || app.Type() != "" || app.NonRetryable() || back.Error() != "plain" {
					t.Errorf("plain error = %v (%v)", back, f)
				}
			},
		},
		{
			name: "a wrapped SDK error stays reachable",
			err:  fmt.Errorf("charging: %w", NewApplicationError("declined", "Declined", true, nil)),
			check: func(t *testing.T, f *journalpb.Failure, back error) {
				if f.GetApplication().GetType() != "wrapError" || f.GetMessage() != "charging: declined (type: Declined, retryable: false)" {
					t.Errorf("wrapper failure = %v", f)
				}
				var app *ApplicationError
				if !errors.As(back, &app) || app.Type() != "wrapError" {
					t.Fatalf("wrapper came back as %v", back)
				}
				var inner *ApplicationError
				if !errors.As(app.Unwrap(), &inner) || inner.Type() != "Declined" || !inner.NonRetryable() {
					t.Errorf("wrapped error = %v", app.Unwrap())
				}
			},
		},
		{
			name: "generic error type",
			err:  genericError[int]{v: 1},
			check: func(t *testing.T, f *journalpb.Failure, back error) {
				if got := f.GetApplication().GetType(); got != "genericError" {
					t.Errorf("type = %q", got)
				}
			},
		},
		{
			name: "workflow execution error keeps its cause",
			err:  NewWorkflowExecutionError("wf", "run", "Order", NewTerminatedError()),
			check: func(t *testing.T, f *journalpb.Failure, back error) {
				var term *TerminatedError
				if f.GetApplication().GetType() != "WorkflowExecutionError" || !errors.As(back, &term) {
					t.Errorf("failure %v came back as %v", f, back)
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, back := failureRoundTrip(t, c.err)
			if f.GetSource() != failureSource {
				t.Errorf("source = %q", f.GetSource())
			}
			c.check(t, f, back)
			// Converting the rebuilt error gives the same failure again.
			if again := ConvertErrorToFailure(back, nil); !proto.Equal(again, f) {
				t.Errorf("second round trip changed the failure:\n%v\n%v", f, again)
			}
		})
	}
	if ConvertErrorToFailure(nil, nil) != nil || ConvertFailureToError(nil, nil) != nil {
		t.Error("nil did not convert to nil")
	}
}

func TestConvertedErrorsKeepTheirFailure(t *testing.T) {
	// A failure with fields the error types do not model: a stack trace on
	// an application failure, and a foreign source.
	original := &journalpb.Failure{Message: "declined", Source: "OtherSDK", StackTrace: "at Charge()",
		Info:  &journalpb.Failure_Application{Application: &journalpb.ApplicationFailureInfo{Type: "Declined"}},
		Cause: &journalpb.Failure{Message: "root", Info: &journalpb.Failure_Server{Server: &journalpb.ServerFailureInfo{}}}}
	err := ConvertFailureToError(original, nil)
	original.Message = "changed by the caller afterwards"

	var app *ApplicationError
	if !errors.As(err, &app) || app.Failure().GetStackTrace() != "at Charge()" || app.Message() != "declined" {
		t.Fatalf("error = %v, failure %v", err, app.Failure())
	}
	back := ConvertErrorToFailure(err, nil)
	if back.GetSource() != "OtherSDK" || back.GetStackTrace() != "at Charge()" || back.GetCause().GetMessage() != "root" {
		t.Errorf("failure not preserved: %v", back)
	}
	back.Message = "changed"
	if app.Failure().GetMessage() != "declined" {
		t.Error("modifying a converted failure changed the error's failure")
	}
	var server *ServerError
	if !errors.As(err, &server) || server.Failure() != app.Failure().GetCause() {
		t.Errorf("the cause does not hold its part of the failure")
	}
	// An error built by a constructor has no failure.
	if NewApplicationError("x", "", false, nil).(*ApplicationError).Failure() != nil {
		t.Error("a new error claims a failure")
	}
}

func TestErrorDetails(t *testing.T) {
	type receipt struct{ Amount int }
	t.Run("readable before and after the journal", func(t *testing.T) {
		err := NewApplicationError("x", "T", false, nil, receipt{Amount: 5}, "note")
		for name, e := range map[string]error{"before": err, "after": ConvertFailureToError(ConvertErrorToFailure(err, nil), nil)} {
			var r receipt
			var note string
			if e.(*ApplicationError).Details(&r, &note) != nil || r.Amount != 5 || note != "note" {
				t.Errorf("%s: details %+v %q", name, r, note)
			}
			var wrongType int
			if err := e.(*ApplicationError).Details(&wrongType); err == nil {
				t.Errorf("%s: decoding a struct into an int succeeded", name)
			}
		}
	})
	t.Run("none", func(t *testing.T) {
		for _, e := range []error{NewApplicationError("x", "T", false, nil), NewCanceledError()} {
			for name, e := range map[string]error{"before": e, "after": ConvertFailureToError(ConvertErrorToFailure(e, nil), nil)} {
				d := e.(interface {
					HasDetails() bool
					Details(...any) error
				})
				var s string
				if d.HasDetails() || !errors.Is(d.Details(&s), ErrNoData) {
					t.Errorf("%T %s: HasDetails %v, Details %v", e, name, d.HasDetails(), d.Details(&s))
				}
			}
		}
		timeout := NewTimeoutError("t", journalpb.TimeoutType_TIMEOUT_TYPE_START_TO_CLOSE, nil)
		if timeout.HasLastHeartbeatDetails() || !errors.Is(timeout.LastHeartbeatDetails(new(string)), ErrNoData) {
			t.Error("a timeout without heartbeat details claims some")
		}
	})
	t.Run("encoded values given as the single detail", func(t *testing.T) {
		payloads, _ := GetDefaultDataConverter().ToPayloads("from history")
		err := NewCanceledError(NewEncodedValues(payloads, nil))
		var s string
		if err.Details(&s) != nil || s != "from history" {
			t.Errorf("details %q", s)
		}
		f := ConvertErrorToFailure(err, nil)
		if !proto.Equal(f.GetCanceled().GetDetails(), payloads) {
			t.Errorf("details re-encoded as %v, want the payloads themselves", f.GetCanceled().GetDetails())
		}
	})
	t.Run("details the converter cannot encode are dropped with a note", func(t *testing.T) {
		f := ConvertErrorToFailure(NewApplicationError("bad details", "T", false, nil, make(chan int)), nil)
		if f.GetApplication().GetDetails() != nil || !strings.HasPrefix(f.GetMessage(), "bad details (details dropped: ") {
			t.Errorf("failure = %v", f)
		}
	})
}

func TestErrorsAsThroughTheChain(t *testing.T) {
	chain := NewActivityError(1, "A", "1", journalpb.RetryState_RETRY_STATE_TIMEOUT,
		NewTimeoutError("t", journalpb.TimeoutType_TIMEOUT_TYPE_START_TO_CLOSE,
			NewApplicationError("last attempt", "E", false, nil)))
	wrapped := fmt.Errorf("step 2: %w", chain)
	for name, err := range map[string]error{"in memory": wrapped, "from a failure": ConvertFailureToError(ConvertErrorToFailure(wrapped, nil), nil)} {
		cases := []struct {
			target any
			want   bool
		}{
			{new(*ActivityError), true},
			{new(*TimeoutError), true},
			{new(*ApplicationError), true},
			{new(*CanceledError), false},
			{new(*PanicError), false},
			{new(*TerminatedError), false},
			{new(*ServerError), false},
		}
		for _, c := range cases {
			if got := errors.As(err, c.target); got != c.want {
				t.Errorf("%s: errors.As(%T) = %v, want %v", name, c.target, got, c.want)
			}
		}
	}
	if !errors.Is(fmt.Errorf("ctx: %w", ErrCanceled), ErrCanceled) {
		t.Error("errors.Is does not find ErrCanceled")
	}
}

func TestFailureOfUnknownKind(t *testing.T) {
	f := &journalpb.Failure{Message: "outer", Cause: &journalpb.Failure{Message: "inner"}}
	err := ConvertFailureToError(f, nil)
	if err.Error() != "outer: inner" || errors.Unwrap(err) == nil || errors.Unwrap(err).Error() != "inner" {
		t.Errorf("error = %v, cause %v", err, errors.Unwrap(err))
	}
}
