// Package continueasnew shows a workflow that runs for as long as the thing
// it watches exists, processing signals in a loop, and keeps its history
// short by continuing as new: after a number of events it ends the run with
// workflow.NewContinueAsNewError, handing its state to a fresh run of the
// same workflow ID.
//
// The example monitors a bank account: every transaction arrives as a
// signal, updates the balance, and large ones are reported for review by
// an activity. Every EventsPerRun transactions the run continues as new
// with the balance and counters as its input. Before it does, it handles
// the transactions that have already arrived, so none is left behind in
// the old run; transactions sent while the new run starts wait for it. A
// close signal ends the monitor with the final state.
//
// Use this pattern for entity workflows (an account, a device, a
// subscription) and for any loop whose history would otherwise grow
// without bound. Everything the next run needs must be in its input.
package continueasnew

import (
	"context"
	"sync"
	"time"

	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// TaskQueue is where the example's workflow and activities run.
const TaskQueue = "account-monitor"

// The signals the monitor handles: a Transaction, and the account's
// closure (no payload).
const (
	TransactionSignal = "transaction"
	CloseSignal       = "close"
)

// StateQuery returns the monitor's MonitorState.
const StateQuery = "state"

// DefaultEventsPerRun is how many transactions a run handles before it
// continues as new, when MonitorState.EventsPerRun is not positive.
const DefaultEventsPerRun = 1000

// Transaction is the payload of TransactionSignal; AmountCents is negative
// for a debit.
type Transaction struct {
	ID          string
	AmountCents int64
}

// MonitorState is the workflow's input, the state each run hands to the
// next, and the final result.
type MonitorState struct {
	Account      string
	BalanceCents int64
	Processed    int // transactions over all runs
	Reported     int // large transactions reported for review
	Runs         int // runs so far, this one included
	// LargeCents is the amount, debit or credit, from which a transaction
	// is reported.
	LargeCents int64
	// EventsPerRun overrides DefaultEventsPerRun when positive.
	EventsPerRun int
}

// MonitorAccount applies the account's transactions until it is closed,
// continuing as new every EventsPerRun transactions.
func MonitorAccount(ctx workflow.Context, state MonitorState) (MonitorState, error) {
	state.Runs++
	if err := workflow.SetQueryHandler(ctx, StateQuery, func() (MonitorState, error) { return state, nil }); err != nil {
		return state, err
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	limit := state.EventsPerRun
	if limit <= 0 {
		limit = DefaultEventsPerRun
	}
	transactions := workflow.GetSignalChannel(ctx, TransactionSignal)
	closing := workflow.GetSignalChannel(ctx, CloseSignal)

	for handled := 0; handled < limit; handled++ {
		var t Transaction
		closed := false
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(transactions, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, &t) })
		sel.AddReceive(closing, func(c workflow.ReceiveChannel, _ bool) {
			c.Receive(ctx, nil)
			closed = true
		})
		sel.Select(ctx)
		if closed {
			// Transactions sent before the closure still count.
			return state, drain(ctx, transactions, &state)
		}
		if err := apply(ctx, t, &state); err != nil {
			return state, err
		}
	}

	// Handle what has already arrived, so that this run's history holds
	// everything it received, then carry the state over.
	if err := drain(ctx, transactions, &state); err != nil {
		return state, err
	}
	return state, workflow.NewContinueAsNewError(ctx, MonitorAccount, state)
}

// apply adds a transaction to the state and reports it if it is large.
func apply(ctx workflow.Context, t Transaction, state *MonitorState) error {
	state.BalanceCents += t.AmountCents
	state.Processed++
	if state.LargeCents > 0 && max(t.AmountCents, -t.AmountCents) >= state.LargeCents {
		var c *Compliance
		if err := workflow.ExecuteActivity(ctx, c.ReportLargeTransaction, state.Account, t).Get(ctx, nil); err != nil {
			return err
		}
		state.Reported++
	}
	return nil
}

// drain applies the transactions already received and not yet handled.
func drain(ctx workflow.Context, transactions workflow.ReceiveChannel, state *MonitorState) error {
	var t Transaction
	for transactions.ReceiveAsync(&t) {
		if err := apply(ctx, t, state); err != nil {
			return err
		}
	}
	return nil
}

// Compliance is a fake compliance desk that collects reports.
type Compliance struct {
	mu      sync.Mutex
	reports []string
}

// ReportLargeTransaction files a report about t.
func (c *Compliance) ReportLargeTransaction(_ context.Context, account string, t Transaction) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reports = append(c.reports, account+"/"+t.ID)
	return nil
}

// Reports returns the reports filed, as "account/transaction ID".
func (c *Compliance) Reports() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.reports...)
}

// Register registers the example's workflow and activity on w.
func Register(w worker.Worker, c *Compliance) {
	w.RegisterWorkflow(MonitorAccount)
	w.RegisterActivity(c.ReportLargeTransaction)
}
