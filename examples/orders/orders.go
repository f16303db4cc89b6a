// Package orders is the order-processing example: validate the order,
// charge the customer, ship the goods, and refund the charge if shipping
// fails for good (a saga with one compensation).
package orders

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/grainflow/grainflow/sdk/activity"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// TaskQueue is where the example's workflows and activities run.
const TaskQueue = "orders"

// Order is the workflow's input.
type Order struct {
	ID          string
	Customer    string
	Items       []string
	AmountCents int64
	Address     string
}

// Result is the workflow's output.
type Result struct {
	ChargeID   string
	TrackingID string
}

// ProcessOrder validates, charges and ships an order. If shipping fails
// after its retries, the charge is refunded and the workflow fails with an
// error saying so.
func ProcessOrder(ctx workflow.Context, order Order) (Result, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        100 * time.Millisecond,
			MaximumAttempts:        3,
			NonRetryableErrorTypes: []string{"InvalidOrder"},
		},
	})
	var a *Activities
	if err := workflow.ExecuteActivity(ctx, a.ValidateOrder, order).Get(ctx, nil); err != nil {
		return Result{}, err
	}
	var result Result
	if err := workflow.ExecuteActivity(ctx, a.ChargePayment, order).Get(ctx, &result.ChargeID); err != nil {
		return Result{}, err
	}
	if err := workflow.ExecuteActivity(ctx, a.ShipOrder, order).Get(ctx, &result.TrackingID); err != nil {
		// Compensate in a context that is not canceled with the workflow,
		// so the refund runs even when cancellation caused the failure.
		refundCtx, _ := workflow.NewDisconnectedContext(ctx)
		if rerr := workflow.ExecuteActivity(refundCtx, a.RefundPayment, result.ChargeID).Get(refundCtx, nil); rerr != nil {
			return Result{}, fmt.Errorf("shipping failed (%w) and the refund failed too: %v", err, rerr)
		}
		return Result{}, fmt.Errorf("order %s refunded: shipping failed: %w", order.ID, err)
	}
	return result, nil
}

// Activities holds the order activities' dependencies: a payment provider
// and a shipper. Both are in-memory fakes here.
type Activities struct {
	Payments *Payments
	Shipper  *Shipper
}

// ValidateOrder rejects orders that cannot be processed; the error is not retryable.
func (a *Activities) ValidateOrder(ctx context.Context, order Order) error {
	switch {
	case len(order.Items) == 0:
		return temporal.NewNonRetryableApplicationError("order has no items", "InvalidOrder", nil)
	case order.AmountCents <= 0:
		return temporal.NewNonRetryableApplicationError("order amount must be positive", "InvalidOrder", nil)
	}
	return nil
}

// ChargePayment charges the customer once per activity, however often it is
// retried: the idempotency key is the workflow and activity ID.
func (a *Activities) ChargePayment(ctx context.Context, order Order) (string, error) {
	return a.Payments.Charge(idempotencyKey(ctx), order.Customer, order.AmountCents)
}

// ShipOrder ships the order and returns a tracking ID.
func (a *Activities) ShipOrder(ctx context.Context, order Order) (string, error) {
	return a.Shipper.Ship(idempotencyKey(ctx), order.Address)
}

// RefundPayment refunds a charge.
func (a *Activities) RefundPayment(ctx context.Context, chargeID string) error {
	return a.Payments.Refund(chargeID)
}

func idempotencyKey(ctx context.Context) string {
	info := activity.GetInfo(ctx)
	return info.WorkflowExecution.ID + "/" + info.ActivityID
}

// Payments is a fake payment provider, idempotent by key.
type Payments struct {
	mu       sync.Mutex
	charges  map[string]string // idempotency key -> charge ID
	amounts  map[string]int64  // charge ID -> amount
	refunded map[string]bool
	Calls    int
}

// NewPayments returns an empty payment provider.
func NewPayments() *Payments {
	return &Payments{charges: map[string]string{}, amounts: map[string]int64{}, refunded: map[string]bool{}}
}

// Charge records a charge once per key and returns its ID.
func (p *Payments) Charge(key, customer string, cents int64) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.Calls++
	if id, ok := p.charges[key]; ok {
		return id, nil
	}
	id := fmt.Sprintf("ch-%d", len(p.charges)+1)
	p.charges[key], p.amounts[id] = id, cents
	return id, nil
}

// Refund marks a charge refunded; refunding twice is harmless.
func (p *Payments) Refund(chargeID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.amounts[chargeID]; !ok {
		return temporal.NewNonRetryableApplicationError("no charge "+chargeID, "UnknownCharge", nil)
	}
	p.refunded[chargeID] = true
	return nil
}

// Charged returns the number of distinct charges and how many were refunded.
func (p *Payments) Charged() (charges, refunds int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.amounts), len(p.refunded)
}

// Shipper is a fake shipper that cannot deliver to addresses in Unreachable.
type Shipper struct {
	mu          sync.Mutex
	Unreachable map[string]bool
	shipments   map[string]string
	Calls       int
}

// ErrUnreachable is what Ship returns for an address it cannot serve.
var ErrUnreachable = errors.New("address unreachable")

// Ship ships once per key and returns a tracking ID.
func (s *Shipper) Ship(key, address string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Calls++
	if s.Unreachable[address] {
		return "", ErrUnreachable
	}
	if s.shipments == nil {
		s.shipments = map[string]string{}
	}
	if id, ok := s.shipments[key]; ok {
		return id, nil
	}
	id := fmt.Sprintf("track-%d", len(s.shipments)+1)
	s.shipments[key] = id
	return id, nil
}

// Register registers the example's workflow and activities on w.
func Register(w worker.Worker, a *Activities) {
	w.RegisterWorkflow(ProcessOrder)
	w.RegisterActivity(a)
}
