package internal

import (
	"fmt"
	"math"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// RetryPolicy says how a failed activity (or workflow) is retried. Zero
// fields take Temporal's documented defaults: InitialInterval 1 s,
// BackoffCoefficient 2.0, MaximumInterval 100 × InitialInterval,
// MaximumAttempts 0 (unlimited).
type RetryPolicy struct {
	// InitialInterval is the delay before the first retry (default 1 s).
	InitialInterval time.Duration
	// BackoffCoefficient multiplies the delay after each retry; at least 1
	// (default 2.0).
	BackoffCoefficient float64
	// MaximumInterval caps the delay (default 100 × InitialInterval).
	MaximumInterval time.Duration
	// MaximumAttempts bounds the attempts, the first included; 0 means
	// unlimited (an activity's ScheduleToCloseTimeout still ends retries).
	MaximumAttempts int32
	// NonRetryableErrorTypes lists ApplicationError types that stop
	// retries. Cancellations, and timeouts other than StartToClose and
	// Heartbeat, are never retried.
	NonRetryableErrorTypes []string
}

// RetryPolicyToProto converts p for the journal; nil stays nil.
func RetryPolicyToProto(p *RetryPolicy) *journalpb.RetryPolicy {
	if p == nil {
		return nil
	}
	return &journalpb.RetryPolicy{
		InitialInterval:        durationpb.New(p.InitialInterval),
		BackoffCoefficient:     p.BackoffCoefficient,
		MaximumInterval:        durationpb.New(p.MaximumInterval),
		MaximumAttempts:        p.MaximumAttempts,
		NonRetryableErrorTypes: p.NonRetryableErrorTypes,
	}
}

// RetryPolicyFromProto converts a journal retry policy; nil stays nil.
func RetryPolicyFromProto(p *journalpb.RetryPolicy) *RetryPolicy {
	if p == nil {
		return nil
	}
	return &RetryPolicy{
		InitialInterval:        p.GetInitialInterval().AsDuration(),
		BackoffCoefficient:     p.GetBackoffCoefficient(),
		MaximumInterval:        p.GetMaximumInterval().AsDuration(),
		MaximumAttempts:        p.GetMaximumAttempts(),
		NonRetryableErrorTypes: p.GetNonRetryableErrorTypes(),
	}
}

// ValidateRetryPolicy reports a policy the engine cannot follow: negative
// intervals or attempts, a backoff coefficient below 1 (other than 0, the
// default), or a maximum interval shorter than the initial one.
func ValidateRetryPolicy(p *RetryPolicy) error {
	if p == nil {
		return nil
	}
	initial := p.InitialInterval
	if initial == 0 {
		initial = time.Second
	}
	switch {
	case p.InitialInterval < 0:
		return fmt.Errorf("invalid RetryPolicy: negative InitialInterval %v", p.InitialInterval)
	case p.MaximumInterval < 0:
		return fmt.Errorf("invalid RetryPolicy: negative MaximumInterval %v", p.MaximumInterval)
	case p.BackoffCoefficient != 0 && p.BackoffCoefficient < 1:
		return fmt.Errorf("invalid RetryPolicy: BackoffCoefficient %v is below 1", p.BackoffCoefficient)
	case p.MaximumAttempts < 0:
		return fmt.Errorf("invalid RetryPolicy: negative MaximumAttempts %d", p.MaximumAttempts)
	case p.MaximumInterval > 0 && p.MaximumInterval < initial:
		return fmt.Errorf("invalid RetryPolicy: MaximumInterval %v is shorter than InitialInterval %v", p.MaximumInterval, initial)
	}
	return nil
}

// NextRetryDelay decides whether attempt (1-based) that failed with failure
// is retried under policy p. It returns the delay before the next attempt
// and RETRY_STATE_IN_PROGRESS, or a negative delay and the retry state that
// says why not. A nil policy means the default policy, as for activities.
//
// The delay is InitialInterval × BackoffCoefficient^(attempt-1), capped at
// MaximumInterval, unless the failure is an ApplicationError with a
// positive NextRetryDelay, which is used as it is.
func NextRetryDelay(p *journalpb.RetryPolicy, attempt int32, failure *journalpb.Failure) (time.Duration, journalpb.RetryState) {
	attempt = max(attempt, 1)
	if !IsRetryable(failure, p.GetNonRetryableErrorTypes()) {
		if failure.GetTimeout() != nil {
			return -1, journalpb.RetryState_RETRY_STATE_TIMEOUT
		}
		if failure.GetCanceled() != nil {
			return -1, journalpb.RetryState_RETRY_STATE_CANCEL_REQUESTED
		}
		return -1, journalpb.RetryState_RETRY_STATE_NON_RETRYABLE_FAILURE
	}
	if limit := p.GetMaximumAttempts(); limit > 0 && attempt >= limit {
		return -1, journalpb.RetryState_RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED
	}
	if d := failure.GetApplication().GetNextRetryDelay().AsDuration(); d > 0 {
		return d, journalpb.RetryState_RETRY_STATE_IN_PROGRESS
	}
	initial := p.GetInitialInterval().AsDuration()
	if initial <= 0 {
		initial = time.Second
	}
	coefficient := p.GetBackoffCoefficient()
	if coefficient < 1 {
		coefficient = 2
	}
	maximum := p.GetMaximumInterval().AsDuration()
	if maximum <= 0 {
		maximum = 100 * initial
	}
	delay := float64(initial) * math.Pow(coefficient, float64(attempt-1))
	if delay > float64(maximum) || math.IsInf(delay, 0) {
		return maximum, journalpb.RetryState_RETRY_STATE_IN_PROGRESS
	}
	return time.Duration(delay), journalpb.RetryState_RETRY_STATE_IN_PROGRESS
}

// IsRetryable reports whether a failure may be retried: not a cancellation,
// not a schedule-to-start or schedule-to-close timeout, not a non-retryable
// application error, and not of a type listed in nonRetryableTypes.
func IsRetryable(f *journalpb.Failure, nonRetryableTypes []string) bool {
	if f == nil {
		return true
	}
	switch info := f.GetInfo().(type) {
	case *journalpb.Failure_Canceled, *journalpb.Failure_Terminated:
		return false
	case *journalpb.Failure_Timeout:
		t := info.Timeout.GetTimeoutType()
		return t == journalpb.TimeoutType_TIMEOUT_TYPE_START_TO_CLOSE || t == journalpb.TimeoutType_TIMEOUT_TYPE_HEARTBEAT
	case *journalpb.Failure_Application:
		return !info.Application.GetNonRetryable() && !slices.Contains(nonRetryableTypes, info.Application.GetType())
	case *journalpb.Failure_Server:
		return !info.Server.GetNonRetryable()
	}
	return true
}
