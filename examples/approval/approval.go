// Package approval is the expense-approval example: a request waits for a
// manager's decision, sent as a signal, or for seven days, after which it
// expires. Its status can be queried at any time.
package approval

import (
	"time"

	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// TaskQueue is where the example's workflows run.
const TaskQueue = "approvals"

// DecisionSignal is the signal a manager sends.
const DecisionSignal = "decision"

// StatusQuery returns the request's status.
const StatusQuery = "status"

// DefaultTimeout is how long a request waits for a decision.
const DefaultTimeout = 7 * 24 * time.Hour

// Request is the workflow's input.
type Request struct {
	Employee    string
	AmountCents int64
	Purpose     string
	// Timeout overrides DefaultTimeout when positive (tests use seconds).
	Timeout time.Duration
}

// Decision is the payload of DecisionSignal.
type Decision struct {
	Approved bool
	Reason   string
}

// The outcomes and statuses of a request.
const (
	StatusPending  = "PENDING"
	StatusApproved = "APPROVED"
	StatusRejected = "REJECTED"
	StatusExpired  = "EXPIRED"
)

// ApproveExpense waits for a decision or the timeout and returns the outcome.
func ApproveExpense(ctx workflow.Context, req Request) (string, error) {
	status := StatusPending
	if err := workflow.SetQueryHandler(ctx, StatusQuery, func() (string, error) { return status, nil }); err != nil {
		return "", err
	}
	timeout := DefaultTimeout
	if req.Timeout > 0 {
		timeout = req.Timeout
	}
	timerCtx, cancelTimer := workflow.WithCancel(ctx)
	var decision Decision
	decided := false
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(workflow.GetSignalChannel(ctx, DecisionSignal), func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, &decision)
		decided = true
	})
	sel.AddFuture(workflow.NewTimer(timerCtx, timeout), func(workflow.Future) {})
	sel.Select(ctx)
	cancelTimer()
	switch {
	case !decided:
		status = StatusExpired
	case decision.Approved:
		status = StatusApproved
	default:
		status = StatusRejected
	}
	return status, nil
}

// Register registers the example's workflow on w.
func Register(w worker.Worker) {
	w.RegisterWorkflow(ApproveExpense)
}
