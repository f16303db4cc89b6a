package internal

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/grainflow/grainflow/journal/journalpb"
)

func TestNextRetryDelay(t *testing.T) {
	failureOf := func(err error) *journalpb.Failure { return ConvertErrorToFailure(err, nil) }
	flaky := failureOf(NewApplicationError("flaky", "Flaky", false, nil))
	timeout := func(tt journalpb.TimeoutType) *journalpb.Failure {
		return failureOf(NewTimeoutError("t", tt, nil))
	}
	policy := func(initial time.Duration, coefficient float64, maximum time.Duration, attempts int32, nonRetryable ...string) *journalpb.RetryPolicy {
		return RetryPolicyToProto(&RetryPolicy{InitialInterval: initial, BackoffCoefficient: coefficient,
			MaximumInterval: maximum, MaximumAttempts: attempts, NonRetryableErrorTypes: nonRetryable})
	}
	const (
		inProgress   = journalpb.RetryState_RETRY_STATE_IN_PROGRESS
		nonRetryable = journalpb.RetryState_RETRY_STATE_NON_RETRYABLE_FAILURE
		maxAttempts  = journalpb.RetryState_RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED
		timedOut     = journalpb.RetryState_RETRY_STATE_TIMEOUT
		canceled     = journalpb.RetryState_RETRY_STATE_CANCEL_REQUESTED
	)
	cases := []struct {
		name      string
		policy    *journalpb.RetryPolicy
		attempt   int32
		failure   *journalpb.Failure
		wantDelay time.Duration // negative: not retried
		wantState journalpb.RetryState
	}{
		{"default policy, first retry", nil, 1, flaky, time.Second, inProgress},
		{"default policy doubles", nil, 3, flaky, 4 * time.Second, inProgress},
		{"default policy caps at 100 × initial", nil, 8, flaky, 100 * time.Second, inProgress},
		{"default policy never overflows", nil, 5000, flaky, 100 * time.Second, inProgress},
		{"default policy has no attempt limit", nil, 1000, flaky, 100 * time.Second, inProgress},
		{"zero fields take defaults", policy(0, 0, 0, 0), 2, flaky, 2 * time.Second, inProgress},
		{"attempt 0 counts as the first", nil, 0, flaky, time.Second, inProgress},
		{"initial interval and coefficient", policy(2*time.Second, 3, 0, 0), 3, flaky, 18 * time.Second, inProgress},
		{"coefficient 1 keeps the interval", policy(500*time.Millisecond, 1, 0, 0), 9, flaky, 500 * time.Millisecond, inProgress},
		{"default maximum follows the initial interval", policy(10*time.Millisecond, 2, 0, 0), 20, flaky, time.Second, inProgress},
		{"maximum interval", policy(time.Second, 2, 5*time.Second, 0), 4, flaky, 5 * time.Second, inProgress},
		{"below maximum attempts", policy(time.Second, 2, 0, 3), 2, flaky, 2 * time.Second, inProgress},
		{"maximum attempts reached", policy(time.Second, 2, 0, 3), 3, flaky, -1, maxAttempts},
		{"one attempt means no retry", policy(0, 0, 0, 1), 1, flaky, -1, maxAttempts},
		{"listed non-retryable type", policy(0, 0, 0, 0, "Other", "Flaky"), 1, flaky, -1, nonRetryable},
		{"type not listed", policy(0, 0, 0, 0, "Other"), 1, flaky, time.Second, inProgress},
		{"non-retryable application error", nil, 1, failureOf(NewApplicationError("no", "X", true, nil)), -1, nonRetryable},
		{"plain Go error is retryable", nil, 1, failureOf(errors.New("oops")), time.Second, inProgress},
		{"plain Go error listed by its type name", policy(0, 0, 0, 0, "insufficientFunds"), 1,
			failureOf(&insufficientFunds{}), -1, nonRetryable},
		{"NextRetryDelay overrides the policy and its maximum", policy(time.Second, 2, 5*time.Second, 0), 1,
			failureOf(NewApplicationErrorWithOptions("later", "X", ApplicationErrorOptions{NextRetryDelay: 7 * time.Second})), 7 * time.Second, inProgress},
		{"NextRetryDelay does not lift maximum attempts", policy(0, 0, 0, 2), 2,
			failureOf(NewApplicationErrorWithOptions("later", "X", ApplicationErrorOptions{NextRetryDelay: time.Minute})), -1, maxAttempts},
		{"non-retryable wins over NextRetryDelay", nil, 1,
			failureOf(NewApplicationErrorWithOptions("no", "X", ApplicationErrorOptions{NonRetryable: true, NextRetryDelay: time.Minute})), -1, nonRetryable},
		{"start-to-close timeout is retried", nil, 1, timeout(journalpb.TimeoutType_TIMEOUT_TYPE_START_TO_CLOSE), time.Second, inProgress},
		{"heartbeat timeout is retried", nil, 2, timeout(journalpb.TimeoutType_TIMEOUT_TYPE_HEARTBEAT), 2 * time.Second, inProgress},
		{"schedule-to-start timeout is final", nil, 1, timeout(journalpb.TimeoutType_TIMEOUT_TYPE_SCHEDULE_TO_START), -1, timedOut},
		{"schedule-to-close timeout is final", nil, 1, timeout(journalpb.TimeoutType_TIMEOUT_TYPE_SCHEDULE_TO_CLOSE), -1, timedOut},
		{"cancellation is not retried", nil, 1, failureOf(NewCanceledError()), -1, canceled},
		{"termination is not retried", nil, 1, failureOf(NewTerminatedError()), -1, nonRetryable},
		{"retryable server error", nil, 1, failureOf(NewServerError("busy", false, nil)), time.Second, inProgress},
		{"non-retryable server error", nil, 1, failureOf(NewServerError("gone", true, nil)), -1, nonRetryable},
		{"activity panic is retried", nil, 1, failureOf(newActivityPanicError("boom", "")), time.Second, inProgress},
		{"workflow panic is not retried", nil, 1, failureOf(NewPanicError("boom", "")), -1, nonRetryable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			delay, state := NextRetryDelay(c.policy, c.attempt, c.failure)
			if state != c.wantState || (c.wantDelay >= 0 && delay != c.wantDelay) || (c.wantDelay < 0 && delay >= 0) {
				t.Errorf("NextRetryDelay = %v, %v; want %v, %v", delay, state, c.wantDelay, c.wantState)
			}
		})
	}
}

func TestRetryPolicyProtoRoundTrip(t *testing.T) {
	if RetryPolicyToProto(nil) != nil || RetryPolicyFromProto(nil) != nil {
		t.Error("nil policy did not stay nil")
	}
	p := &RetryPolicy{InitialInterval: 2 * time.Second, BackoffCoefficient: 1.5, MaximumInterval: time.Minute,
		MaximumAttempts: 4, NonRetryableErrorTypes: []string{"A", "B"}}
	pb := RetryPolicyToProto(p)
	if pb.GetInitialInterval().AsDuration() != 2*time.Second || pb.GetMaximumAttempts() != 4 {
		t.Errorf("proto = %v", pb)
	}
	if back := RetryPolicyFromProto(pb); !reflect.DeepEqual(back, p) {
		t.Errorf("round trip = %+v, want %+v", back, p)
	}
	if got := RetryPolicyFromProto(&journalpb.RetryPolicy{MaximumInterval: durationpb.New(3 * time.Second)}); got.MaximumInterval != 3*time.Second || got.InitialInterval != 0 {
		t.Errorf("partial proto = %+v", got)
	}
}

func TestValidateRetryPolicy(t *testing.T) {
	cases := []struct {
		policy *RetryPolicy
		want   string // "" for valid
	}{
		{nil, ""},
		{&RetryPolicy{}, ""},
		{&RetryPolicy{InitialInterval: 100 * time.Millisecond, MaximumInterval: 500 * time.Millisecond, BackoffCoefficient: 1}, ""},
		{&RetryPolicy{InitialInterval: -time.Second}, "negative InitialInterval"},
		{&RetryPolicy{MaximumInterval: -time.Second}, "negative MaximumInterval"},
		{&RetryPolicy{BackoffCoefficient: 0.5}, "BackoffCoefficient 0.5 is below 1"},
		{&RetryPolicy{MaximumAttempts: -1}, "negative MaximumAttempts"},
		{&RetryPolicy{InitialInterval: 10 * time.Second, MaximumInterval: 5 * time.Second}, "MaximumInterval 5s is shorter than InitialInterval 10s"},
		{&RetryPolicy{MaximumInterval: 500 * time.Millisecond}, "shorter than InitialInterval 1s"},
	}
	for _, c := range cases {
		err := ValidateRetryPolicy(c.policy)
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("ValidateRetryPolicy(%+v) = %v, want %q", c.policy, err, c.want)
		}
	}
}
