// Package approvaltimeout shows a human approval step with a deadline and
// an escalation: the workflow asks for a decision, waits for it as a signal
// or for a timer, whichever comes first, and when the approver stays
// silent it escalates to a manager and waits again before giving up.
//
// The example approves purchase orders. The approver has a day to answer;
// then the manager is asked and has another day; after that the order
// expires. Decisions from anyone but the approver or the manager are
// ignored. A query reports where the order stands at any time.
//
// Use this pattern whenever a person has to act within a deadline: the
// workflow sleeps for days at no cost, and a timer and a signal channel in
// one Selector express "whichever happens first".
package approvaltimeout

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// TaskQueue is where the example's workflow and activities run.
const TaskQueue = "purchase-approvals"

// DecisionSignal carries a Decision.
const DecisionSignal = "decision"

// StatusQuery returns the order's status, one of the Status constants.
const StatusQuery = "status"

// DefaultWindow is how long the approver, and then the manager, may take.
const DefaultWindow = 24 * time.Hour

// The statuses of an order.
const (
	StatusAwaitingApprover = "AWAITING_APPROVER"
	StatusEscalated        = "ESCALATED"
	StatusApproved         = "APPROVED"
	StatusRejected         = "REJECTED"
	StatusExpired          = "EXPIRED"
)

// PurchaseOrder is the workflow's input.
type PurchaseOrder struct {
	ID          string
	Requester   string
	Item        string
	AmountCents int64
	Approver    string
	Manager     string
	// Window overrides DefaultWindow when positive.
	Window time.Duration
}

// Decision is the payload of DecisionSignal.
type Decision struct {
	By       string
	Approved bool
	Comment  string
}

// Outcome is the workflow's result.
type Outcome struct {
	Status    string
	DecidedBy string // empty when the order expired
	Escalated bool
	OrderRef  string // the supplier's reference of an approved order
}

// ApprovePurchase asks for approval, escalates once, and places the order
// if it is approved in time.
func ApprovePurchase(ctx workflow.Context, po PurchaseOrder) (Outcome, error) {
	status := StatusAwaitingApprover
	if err := workflow.SetQueryHandler(ctx, StatusQuery, func() (string, error) { return status, nil }); err != nil {
		return Outcome{}, err
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	window := DefaultWindow
	if po.Window > 0 {
		window = po.Window
	}

	var a *Activities
	if err := workflow.ExecuteActivity(ctx, a.AskForApproval, po, po.Approver).Get(ctx, nil); err != nil {
		return Outcome{}, err
	}
	var outcome Outcome
	decision, decided := awaitDecision(ctx, po, window)
	if !decided {
		status, outcome.Escalated = StatusEscalated, true
		if err := workflow.ExecuteActivity(ctx, a.AskForApproval, po, po.Manager).Get(ctx, nil); err != nil {
			return Outcome{}, err
		}
		decision, decided = awaitDecision(ctx, po, window)
	}

	switch {
	case !decided:
		outcome.Status = StatusExpired
	case decision.Approved:
		outcome.Status, outcome.DecidedBy = StatusApproved, decision.By
		if err := workflow.ExecuteActivity(ctx, a.PlaceOrder, po).Get(ctx, &outcome.OrderRef); err != nil {
			return Outcome{}, err
		}
	default:
		outcome.Status, outcome.DecidedBy = StatusRejected, decision.By
	}
	status = outcome.Status
	if err := workflow.ExecuteActivity(ctx, a.NotifyRequester, po, outcome).Get(ctx, nil); err != nil {
		return Outcome{}, err
	}
	return outcome, nil
}

// awaitDecision waits up to timeout for a decision by the order's approver
// or manager; decided is false if none came in time.
func awaitDecision(ctx workflow.Context, po PurchaseOrder, timeout time.Duration) (d Decision, decided bool) {
	// The timer is canceled when a decision comes first, so it does not
	// linger in the history as a pending timer.
	timerCtx, cancelTimer := workflow.WithCancel(ctx)
	defer cancelTimer()
	expired := false
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(workflow.GetSignalChannel(ctx, DecisionSignal), func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, &d)
	})
	sel.AddFuture(workflow.NewTimer(timerCtx, timeout), func(workflow.Future) { expired = true })
	for {
		sel.Select(ctx)
		if expired {
			return Decision{}, false
		}
		if d.By == po.Approver || d.By == po.Manager {
			return d, true
		}
		workflow.GetLogger(ctx).Warn("decision ignored: not an approver of the order", "by", d.By, "order", po.ID)
	}
}

// Activities sends the notifications and places orders. Its mailbox and
// supplier are in-memory fakes.
type Activities struct {
	mu     sync.Mutex
	mail   []string
	orders []string
}

// AskForApproval sends who a request to decide on the order.
func (a *Activities) AskForApproval(_ context.Context, po PurchaseOrder, who string) error {
	a.send(who, fmt.Sprintf("please approve %s: %s for %d cents", po.ID, po.Item, po.AmountCents))
	return nil
}

// PlaceOrder orders the item from the supplier and returns its reference.
func (a *Activities) PlaceOrder(_ context.Context, po PurchaseOrder) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.orders = append(a.orders, po.ID)
	return fmt.Sprintf("SUP-%d", len(a.orders)), nil
}

// NotifyRequester tells the requester how the order ended.
func (a *Activities) NotifyRequester(_ context.Context, po PurchaseOrder, outcome Outcome) error {
	a.send(po.Requester, fmt.Sprintf("%s is %s", po.ID, outcome.Status))
	return nil
}

func (a *Activities) send(to, text string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.mail = append(a.mail, to+": "+text)
}

// Mail returns the messages sent so far, as "recipient: text".
func (a *Activities) Mail() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.mail...)
}

// Orders returns the IDs of the orders placed so far.
func (a *Activities) Orders() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.orders...)
}

// Register registers the example's workflow and activities on w.
func Register(w worker.Worker, a *Activities) {
	w.RegisterWorkflow(ApprovePurchase)
	w.RegisterActivity(a.AskForApproval)
	w.RegisterActivity(a.PlaceOrder)
	w.RegisterActivity(a.NotifyRequester)
}
