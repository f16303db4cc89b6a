// Package fanout shows parallel fan-out and fan-in: the workflow starts one
// activity per item without waiting, keeps the futures, and then collects
// them into one result.
//
// The example bills a month of metered usage: each account's charge is read
// from the metering service by its own activity, all at once, and the
// charges are added up. An account whose usage cannot be read is listed in
// the summary instead of failing the run, so one broken account does not
// hold up everybody's invoice; only when more accounts fail than the batch
// tolerates does the workflow fail.
//
// Use this pattern when the items are independent and a batch is small
// enough for one workflow history (hundreds of items). For larger batches,
// give each slice of the batch its own child workflow (see childfanout).
package fanout

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/grainflow/grainflow/sdk/activity"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// TaskQueue is where the example's workflow and activities run.
const TaskQueue = "fanout-billing"

// ErrTypeUnknownAccount is the error type of an account the meter does not
// know; retrying cannot help, so it is not retried.
const ErrTypeUnknownAccount = "UnknownAccount"

// ErrTypeTooManyFailures is the error type the workflow fails with when
// more accounts failed than Batch.MaxFailures.
const ErrTypeTooManyFailures = "TooManyFailures"

// Batch is the workflow's input: the accounts to bill for one period.
type Batch struct {
	Period   string // for example "2026-03"
	Accounts []string
	// MaxFailures is how many accounts may fail while the batch still
	// succeeds.
	MaxFailures int
}

// Summary is the workflow's result.
type Summary struct {
	Period       string
	TotalCents   int64
	ChargesCents map[string]int64 // by account
	// Failed lists the accounts that could not be billed, in batch order.
	Failed []string
}

// BillUsage reads every account's charge in parallel and adds them up.
func BillUsage(ctx workflow.Context, batch Batch) (Summary, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			MaximumAttempts:        3,
			NonRetryableErrorTypes: []string{ErrTypeUnknownAccount},
		},
	})

	// Fan out: schedule every activity before waiting for any of them.
	var m *Meter
	futures := make([]workflow.Future, len(batch.Accounts))
	for i, account := range batch.Accounts {
		futures[i] = workflow.ExecuteActivity(ctx, m.UsageCharge, batch.Period, account)
	}

	// Fan in: waiting in batch order keeps the summary deterministic; the
	// activities still run concurrently.
	summary := Summary{Period: batch.Period, ChargesCents: map[string]int64{}}
	for i, f := range futures {
		account := batch.Accounts[i]
		var cents int64
		if err := f.Get(ctx, &cents); err != nil {
			workflow.GetLogger(ctx).Warn("account not billed", "account", account, "error", err)
			summary.Failed = append(summary.Failed, account)
			continue
		}
		summary.ChargesCents[account] = cents
		summary.TotalCents += cents
	}
	if len(summary.Failed) > batch.MaxFailures {
		return Summary{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%d of %d accounts could not be billed", len(summary.Failed), len(batch.Accounts)),
			ErrTypeTooManyFailures, nil, summary.Failed)
	}
	return summary, nil
}

// Meter is a fake metering service: charges by period and account. It can
// be told to fail the first attempts for some accounts, to show retries.
type Meter struct {
	mu      sync.Mutex
	charges map[string]int64 // key: period + "/" + account
	flaky   map[string]int   // account -> attempts that fail before one succeeds
	calls   int
}

// NewMeter returns a meter with the charges of one period.
func NewMeter(period string, charges map[string]int64) *Meter {
	m := &Meter{charges: map[string]int64{}, flaky: map[string]int{}}
	for account, cents := range charges {
		m.charges[period+"/"+account] = cents
	}
	return m
}

// FailFirstAttempts makes the first n attempts for account fail with a
// retryable error.
func (m *Meter) FailFirstAttempts(account string, n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.flaky[account] = n
}

// Calls returns how many times UsageCharge ran, retries included.
func (m *Meter) Calls() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls
}

// UsageCharge is the activity: the account's charge for the period in cents.
func (m *Meter) UsageCharge(ctx context.Context, period, account string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if int(activity.GetInfo(ctx).Attempt) <= m.flaky[account] {
		return 0, fmt.Errorf("metering service busy for %s", account)
	}
	cents, ok := m.charges[period+"/"+account]
	if !ok {
		return 0, temporal.NewNonRetryableApplicationError("no usage record for "+account, ErrTypeUnknownAccount, nil)
	}
	return cents, nil
}

// Register registers the example's workflow and the meter's activity on w.
func Register(w worker.Worker, m *Meter) {
	w.RegisterWorkflow(BillUsage)
	w.RegisterActivity(m.UsageCharge)
}
