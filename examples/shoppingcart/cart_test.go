package shoppingcart_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/suite"

	"github.com/grainflow/grainflow/examples/internal/testnode"
	"github.com/grainflow/grainflow/examples/shoppingcart"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/worker"
)

func catalog() *shoppingcart.Catalog {
	return &shoppingcart.Catalog{Prices: map[string]int{"book": 1500, "pen": 250}}
}

type CartSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	env *testsuite.TestWorkflowEnvironment
}

func TestCart(t *testing.T) { suite.Run(t, new(CartSuite)) }

func (s *CartSuite) SetupTest() {
	s.env = s.NewTestWorkflowEnvironment()
	s.env.RegisterActivity(catalog())
}

func (s *CartSuite) AfterTest(_, _ string) { s.env.AssertExpectations(s.T()) }

func (s *CartSuite) TestAddRemoveAndCheckout() {
	var added, removed shoppingcart.Cart
	var orderID string
	var zeroRejected, emptyRejected, missingRejected error
	s.env.RegisterDelayedCallback(func() {
		s.env.UpdateWorkflow(shoppingcart.CheckoutUpdate, "early", &testsuite.TestUpdateCallback{OnReject: func(err error) { emptyRejected = err }})
		s.env.UpdateWorkflow(shoppingcart.AddItemUpdate, "", &testsuite.TestUpdateCallback{}, "book", 2)
		s.env.UpdateWorkflow(shoppingcart.AddItemUpdate, "", &testsuite.TestUpdateCallback{OnReject: func(err error) { zeroRejected = err }}, "pen", 0)
	}, time.Hour)
	s.env.RegisterDelayedCallback(func() {
		// Sent after the book's update completed: handlers of concurrent
		// updates interleave, each returning the cart as it was then.
		s.env.UpdateWorkflow(shoppingcart.AddItemUpdate, "", &testsuite.TestUpdateCallback{
			OnComplete: func(r any, _ error) { added = r.(shoppingcart.Cart) }}, "pen", 3)
	}, 90*time.Minute)
	s.env.RegisterDelayedCallback(func() {
		s.env.UpdateWorkflow(shoppingcart.RemoveItemUpdate, "", &testsuite.TestUpdateCallback{OnReject: func(err error) { missingRejected = err }}, "lamp")
		s.env.UpdateWorkflow(shoppingcart.RemoveItemUpdate, "", &testsuite.TestUpdateCallback{
			OnComplete: func(r any, _ error) { removed = r.(shoppingcart.Cart) }}, "pen")
		v, err := s.env.QueryWorkflow(shoppingcart.CartQuery)
		s.NoError(err)
		var cart shoppingcart.Cart
		s.NoError(v.Get(&cart))
		s.Equal(3750, cart.TotalCents, "the query sees the cart before the removal runs")
	}, 2*time.Hour)
	s.env.RegisterDelayedCallback(func() {
		s.env.UpdateWorkflow(shoppingcart.CheckoutUpdate, "", &testsuite.TestUpdateCallback{
			OnComplete: func(r any, err error) { s.NoError(err); orderID = r.(string) }})
	}, 3*time.Hour)
	s.env.ExecuteWorkflow(shoppingcart.CartWorkflow)

	s.True(s.env.IsWorkflowCompleted())
	s.NoError(s.env.GetWorkflowError())
	var cart shoppingcart.Cart
	s.NoError(s.env.GetWorkflowResult(&cart))
	s.Equal("checked-out", cart.Status)
	s.Equal(3000, cart.TotalCents)
	s.Equal("order-default-test-workflow-id-3000", orderID)
	s.Equal(orderID, cart.OrderID)
	s.Equal(3750, added.TotalCents)
	s.Equal([]shoppingcart.Line{{SKU: "book", Quantity: 2, PriceCents: 1500}}, removed.Lines)
	s.ErrorContains(emptyRejected, "the cart is empty")
	s.ErrorContains(zeroRejected, "quantity from 1 to 99")
	s.ErrorContains(missingRejected, "lamp is not in the cart")
}

func (s *CartSuite) TestUnknownProductFailsTheUpdateOnly() {
	var failed error
	s.env.RegisterDelayedCallback(func() {
		s.env.UpdateWorkflow(shoppingcart.AddItemUpdate, "", &testsuite.TestUpdateCallback{
			OnComplete: func(_ any, err error) { failed = err }}, "unicorn", 1)
	}, time.Minute)
	start := s.env.Now()
	s.env.ExecuteWorkflow(shoppingcart.CartWorkflow)
	var appErr *temporal.ApplicationError
	s.True(errors.As(failed, &appErr))
	s.Equal(shoppingcart.ErrUnknownProduct, appErr.Type())
	var cart shoppingcart.Cart
	s.NoError(s.env.GetWorkflowResult(&cart))
	s.Equal("abandoned", cart.Status)
	s.Empty(cart.Lines)
	// Abandoned a day after the last update.
	s.Equal(start.Add(time.Minute+shoppingcart.IdleTimeout), s.env.Now())
}

func (s *CartSuite) TestIdleCartIsAbandoned() {
	s.env.OnActivity((*shoppingcart.Catalog)(nil).Price, mock.Anything, "book").Return(999, nil).Once()
	s.env.RegisterDelayedCallback(func() {
		s.env.UpdateWorkflowNoRejection(shoppingcart.AddItemUpdate, "", s.T(), "book", 1)
	}, 10*time.Hour)
	start := s.env.Now()
	s.env.ExecuteWorkflow(shoppingcart.CartWorkflow)
	var cart shoppingcart.Cart
	s.NoError(s.env.GetWorkflowResult(&cart))
	s.Equal("abandoned", cart.Status)
	s.Equal(999, cart.TotalCents)
	s.Equal(start.Add(10*time.Hour+shoppingcart.IdleTimeout), s.env.Now())
}

// TestCartOnNode drives a cart on a real node through client updates.
func TestCartOnNode(t *testing.T) {
	c := testnode.Start(t, shoppingcart.TaskQueue, func(w worker.Worker) { shoppingcart.Register(w, catalog()) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "cart-42", TaskQueue: shoppingcart.TaskQueue}, shoppingcart.CartWorkflow)
	if err != nil {
		t.Fatal(err)
	}
	send := func(name string, args ...any) client.WorkflowUpdateHandle {
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: "cart-42", UpdateName: name, Args: args,
			WaitForStage: client.WorkflowUpdateStageCompleted})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	var cart shoppingcart.Cart
	if err := send(shoppingcart.AddItemUpdate, "book", 1).Get(ctx, &cart); err != nil || cart.TotalCents != 1500 {
		t.Fatalf("add book: %+v, %v", cart, err)
	}
	if err := send(shoppingcart.AddItemUpdate, "", 1).Get(ctx, nil); err == nil {
		t.Fatal("an item without a SKU was accepted")
	}
	var orderID string
	if err := send(shoppingcart.CheckoutUpdate).Get(ctx, &orderID); err != nil || orderID != "order-cart-42-1500" {
		t.Fatalf("checkout: %q, %v", orderID, err)
	}
	if err := run.Get(ctx, &cart); err != nil || cart.Status != "checked-out" {
		t.Fatalf("cart: %+v, %v", cart, err)
	}
}
