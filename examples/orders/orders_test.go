package orders_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/grainflow/grainflow/examples/internal/testnode"
	"github.com/grainflow/grainflow/examples/orders"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/worker"
)

func setup(t *testing.T) (client.Client, *orders.Activities) {
	acts := &orders.Activities{Payments: orders.NewPayments(), Shipper: &orders.Shipper{Unreachable: map[string]bool{"Atlantis": true}}}
	c := testnode.Start(t, orders.TaskQueue, func(w worker.Worker) { orders.Register(w, acts) })
	return c, acts
}

func run(t *testing.T, c client.Client, order orders.Order) (orders.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "order-" + order.ID, TaskQueue: orders.TaskQueue}, orders.ProcessOrder, order)
	if err != nil {
		t.Fatal(err)
	}
	var res orders.Result
	err = r.Get(ctx, &res)
	return res, err
}

func TestOrderShips(t *testing.T) {
	c, acts := setup(t)
	res, err := run(t, c, orders.Order{ID: "1", Customer: "ann", Items: []string{"book"}, AmountCents: 1299, Address: "Paris"})
	if err != nil {
		t.Fatal(err)
	}
	if res.ChargeID != "ch-1" || res.TrackingID != "track-1" {
		t.Fatalf("result %+v", res)
	}
	if charges, refunds := acts.Payments.Charged(); charges != 1 || refunds != 0 {
		t.Fatalf("charges %d refunds %d", charges, refunds)
	}
}

func TestFailedShippingIsRefunded(t *testing.T) {
	c, acts := setup(t)
	_, err := run(t, c, orders.Order{ID: "2", Customer: "bob", Items: []string{"map"}, AmountCents: 500, Address: "Atlantis"})
	var wfErr *temporal.WorkflowExecutionError
	if !errors.As(err, &wfErr) || !strings.Contains(err.Error(), "refunded") || !strings.Contains(err.Error(), orders.ErrUnreachable.Error()) {
		t.Fatalf("error %v", err)
	}
	if charges, refunds := acts.Payments.Charged(); charges != 1 || refunds != 1 {
		t.Fatalf("charges %d refunds %d, want the charge refunded", charges, refunds)
	}
	if acts.Shipper.Calls != 3 {
		t.Fatalf("shipping attempted %d times, want the policy's 3", acts.Shipper.Calls)
	}
}

func TestInvalidOrderIsNotRetried(t *testing.T) {
	c, acts := setup(t)
	_, err := run(t, c, orders.Order{ID: "3", Customer: "cy", AmountCents: 100})
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != "InvalidOrder" {
		t.Fatalf("error %v, want InvalidOrder", err)
	}
	if acts.Payments.Calls != 0 {
		t.Fatal("an invalid order was charged")
	}
}
