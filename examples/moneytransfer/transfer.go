// Package moneytransfer is the money-transfer example: withdraw from one
// account, deposit into another, and refund the withdrawal if the deposit
// fails for good. The bank is idempotent by reference ID, so retried or
// re-dispatched activities never move money twice, and the sum of all
// balances is conserved.
package moneytransfer

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

// TaskQueue is where the example's workflows and activities run.
const TaskQueue = "transfers"

// Transfer is the workflow's input.
type Transfer struct {
	From, To string
	Amount   int64
}

// TransferMoney moves Amount from From to To, or leaves both as they were.
func TransferMoney(ctx workflow.Context, t Transfer) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        50 * time.Millisecond,
			MaximumAttempts:        3,
			NonRetryableErrorTypes: []string{"InsufficientFunds", "UnknownAccount"},
		},
	})
	var b *Bank
	if err := workflow.ExecuteActivity(ctx, b.Withdraw, t.From, t.Amount).Get(ctx, nil); err != nil {
		return "", fmt.Errorf("withdraw: %w", err)
	}
	if err := workflow.ExecuteActivity(ctx, b.Deposit, t.To, t.Amount).Get(ctx, nil); err != nil {
		if rerr := workflow.ExecuteActivity(ctx, b.Refund, t.From, t.Amount).Get(ctx, nil); rerr != nil {
			return "", fmt.Errorf("deposit failed (%v) and the refund failed: %w", err, rerr)
		}
		return "", fmt.Errorf("deposit failed, withdrawal refunded: %w", err)
	}
	return fmt.Sprintf("moved %d from %s to %s", t.Amount, t.From, t.To), nil
}

// Bank is an in-memory bank. Each operation carries a reference ID derived
// from the activity's identity and is applied at most once per reference.
type Bank struct {
	mu       sync.Mutex
	balances map[string]int64
	applied  map[string]bool
}

// NewBank returns a bank with the given balances.
func NewBank(balances map[string]int64) *Bank {
	b := &Bank{balances: map[string]int64{}, applied: map[string]bool{}}
	for k, v := range balances {
		b.balances[k] = v
	}
	return b
}

// Withdraw takes amount from account.
func (b *Bank) Withdraw(ctx context.Context, account string, amount int64) error {
	return b.apply(reference(ctx), account, -amount)
}

// Deposit adds amount to account.
func (b *Bank) Deposit(ctx context.Context, account string, amount int64) error {
	return b.apply(reference(ctx), account, amount)
}

// Refund gives amount back to account.
func (b *Bank) Refund(ctx context.Context, account string, amount int64) error {
	return b.apply(reference(ctx), account, amount)
}

func reference(ctx context.Context) string {
	info := activity.GetInfo(ctx)
	return info.WorkflowExecution.ID + "/" + info.WorkflowExecution.RunID + "/" + info.ActivityID
}

func (b *Bank) apply(ref, account string, delta int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.applied[ref] {
		return nil
	}
	balance, ok := b.balances[account]
	switch {
	case !ok:
		return temporal.NewNonRetryableApplicationError("no account "+account, "UnknownAccount", nil)
	case balance+delta < 0:
		return temporal.NewNonRetryableApplicationError("insufficient funds in "+account, "InsufficientFunds", nil)
	}
	b.balances[account] = balance + delta
	b.applied[ref] = true
	return nil
}

// Balance returns an account's balance.
func (b *Bank) Balance(account string) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.balances[account]
}

// Total returns the sum of all balances.
func (b *Bank) Total() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	var sum int64
	for _, v := range b.balances {
		sum += v
	}
	return sum
}

// Register registers the example's workflow and activities on w.
func Register(w worker.Worker, b *Bank) {
	w.RegisterWorkflow(TransferMoney)
	// Balance and Total are for callers, not activities.
	w.RegisterActivityWithOptions(b, activity.RegisterOptions{SkipInvalidStructFunctions: true})
}
