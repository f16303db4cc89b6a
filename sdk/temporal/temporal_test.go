package temporal_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/grainflow/grainflow/sdk/internal"
	"github.com/grainflow/grainflow/sdk/temporal"
)

func TestIsHelpers(t *testing.T) {
	app := temporal.NewApplicationError("declined", "Declined")
	canceled := temporal.NewCanceledError()
	timeout := temporal.NewHeartbeatTimeoutError("50%")
	panicErr := internal.NewPanicError("boom", "")
	terminated := internal.NewTerminatedError()
	is := map[string]func(error) bool{
		"IsApplicationError": temporal.IsApplicationError,
		"IsCanceledError":    temporal.IsCanceledError,
		"IsTimeoutError":     temporal.IsTimeoutError,
		"IsPanicError":       temporal.IsPanicError,
		"IsTerminatedError":  temporal.IsTerminatedError,
	}
	cases := []struct {
		name string
		err  error
		want string // the one helper that must say true
	}{
		{"application", app, "IsApplicationError"},
		{"canceled", canceled, "IsCanceledError"},
		{"timeout", timeout, "IsTimeoutError"},
		{"panic", panicErr, "IsPanicError"},
		{"terminated", terminated, "IsTerminatedError"},
		{"wrapped in fmt.Errorf", fmt.Errorf("step: %w", canceled), "IsCanceledError"},
		{"cause of a workflow execution error", internal.NewWorkflowExecutionError("wf", "run", "T", terminated), "IsTerminatedError"},
		{"plain error", errors.New("x"), ""},
		{"nil", nil, ""},
	}
	for _, c := range cases {
		for name, f := range is {
			if got := f(c.err); got != (name == c.want) {
				t.Errorf("%s: %s = %v", c.name, name, got)
			}
		}
	}
}

func TestConstructors(t *testing.T) {
	var app *temporal.ApplicationError
	cause := errors.New("root")
	if err := temporal.NewApplicationError("m", "T", "d"); !errors.As(err, &app) || app.NonRetryable() || !app.HasDetails() {
		t.Errorf("NewApplicationError = %v", err)
	}
	if err := temporal.NewApplicationErrorWithCause("m", "T", cause); !errors.As(err, &app) || app.NonRetryable() || !errors.Is(err, cause) {
		t.Errorf("NewApplicationErrorWithCause = %v", err)
	}
	if err := temporal.NewNonRetryableApplicationError("m", "T", cause); !errors.As(err, &app) || !app.NonRetryable() || !errors.Is(err, cause) {
		t.Errorf("NewNonRetryableApplicationError = %v", err)
	}
	if err := temporal.NewApplicationErrorWithOptions("m", "T", temporal.ApplicationErrorOptions{
		Category: temporal.ApplicationErrorCategoryBenign}); !errors.As(err, &app) || app.Category() != temporal.ApplicationErrorCategoryBenign {
		t.Errorf("NewApplicationErrorWithOptions = %v", err)
	}
	var detail string
	if err := temporal.NewPayloadValidationError("bad amount"); !errors.As(err, &app) || app.Type() != "PayloadValidationError" ||
		!app.NonRetryable() || app.Details(&detail) != nil || detail != "bad amount" {
		t.Errorf("NewPayloadValidationError = %v (detail %q)", err, detail)
	}
	if err := temporal.NewPayloadValidationError(nil); !errors.As(err, &app) || app.HasDetails() {
		t.Errorf("NewPayloadValidationError(nil) = %v", err)
	}

	var timeout *temporal.TimeoutError
	var progress string
	if err := temporal.NewHeartbeatTimeoutError("50%"); !errors.As(err, &timeout) || timeout.TimeoutType() != temporal.TimeoutTypeHeartbeat ||
		timeout.LastHeartbeatDetails(&progress) != nil || progress != "50%" {
		t.Errorf("NewHeartbeatTimeoutError = %v", err)
	}
	if err := temporal.NewTimeoutError(temporal.TimeoutTypeScheduleToClose, cause); !errors.As(err, &timeout) ||
		timeout.TimeoutType() != temporal.TimeoutTypeScheduleToClose || !errors.Is(err, cause) {
		t.Errorf("NewTimeoutError = %v", err)
	}

	var canceled *temporal.CanceledError
	if err := temporal.NewCanceledErrorWithOptions(temporal.CanceledErrorOptions{Message: "stop", Cause: cause}); !errors.As(err, &canceled) ||
		err.Error() != "stop: root" || !errors.Is(err, cause) {
		t.Errorf("NewCanceledErrorWithOptions = %v", err)
	}
	if err := temporal.NewCanceledError().(*temporal.CanceledError).Details(&progress); !errors.Is(err, temporal.ErrNoData) {
		t.Errorf("Details of a canceled error without details = %v, want ErrNoData", err)
	}
}
