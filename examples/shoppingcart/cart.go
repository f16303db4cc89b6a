// Package shoppingcart is an entity workflow: one long-lived workflow per
// cart holds its items and answers updates. An update returns a result to
// the caller once it is durable, unlike a signal, and its validator turns
// bad requests away before anything is recorded; a query reads the cart
// without changing it. The cart checks out on an update, or is abandoned
// after a day without activity.
package shoppingcart

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// TaskQueue serves the cart workflows.
const TaskQueue = "shopping-carts"

// Update and query names.
const (
	AddItemUpdate    = "add-item"
	RemoveItemUpdate = "remove-item"
	CheckoutUpdate   = "checkout"
	CartQuery        = "cart"
)

// IdleTimeout is how long a cart waits for its next update before it is
// abandoned.
const IdleTimeout = 24 * time.Hour

// Line is one product in the cart.
type Line struct {
	SKU        string
	Quantity   int
	PriceCents int
}

// Cart is the workflow's state, returned by the query and the workflow.
type Cart struct {
	Lines      []Line
	TotalCents int
	Status     string // "open", "checked-out" or "abandoned"
	OrderID    string
}

// Catalog prices products; its activity stands in for a product service.
type Catalog struct {
	Prices map[string]int
}

// ErrUnknownProduct is the error type of a price lookup for a SKU the
// catalog does not sell.
const ErrUnknownProduct = "UnknownProduct"

// Price returns the unit price of sku in cents.
func (c *Catalog) Price(_ context.Context, sku string) (int, error) {
	p, ok := c.Prices[sku]
	if !ok {
		return 0, temporal.NewNonRetryableApplicationError("no product "+sku, ErrUnknownProduct, nil)
	}
	return p, nil
}

// PlaceOrder turns a cart into an order and returns its ID.
func (c *Catalog) PlaceOrder(_ context.Context, cartID string, cart Cart) (string, error) {
	return fmt.Sprintf("order-%s-%d", cartID, cart.TotalCents), nil
}

// Register adds the workflow and the catalog's activities to w.
func Register(w worker.Worker, catalog *Catalog) {
	w.RegisterWorkflow(CartWorkflow)
	w.RegisterActivity(catalog)
}

// CartWorkflow runs one cart until checkout or until it has been idle for
// IdleTimeout.
func CartWorkflow(ctx workflow.Context) (Cart, error) {
	cart := Cart{Status: "open"}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var c *Catalog // activity methods are named through a nil receiver
	lastActivity := workflow.Now(ctx)
	touched := func() { lastActivity = workflow.Now(ctx) }
	isOpen := func() error {
		if cart.Status != "open" {
			return fmt.Errorf("the cart is %s", cart.Status)
		}
		return nil
	}

	if err := workflow.SetQueryHandler(ctx, CartQuery, func() (Cart, error) { return cart, nil }); err != nil {
		return cart, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, AddItemUpdate,
		func(ctx workflow.Context, sku string, quantity int) (Cart, error) {
			touched()
			var price int
			if err := workflow.ExecuteActivity(ctx, c.Price, sku).Get(ctx, &price); err != nil {
				return cart, err
			}
			i := slices.IndexFunc(cart.Lines, func(l Line) bool { return l.SKU == sku })
			if i < 0 {
				cart.Lines = append(cart.Lines, Line{SKU: sku, PriceCents: price})
				i = len(cart.Lines) - 1
			}
			cart.Lines[i].Quantity += quantity
			cart.Lines[i].PriceCents = price
			cart.TotalCents = total(cart.Lines)
			return cart, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(sku string, quantity int) error {
			if err := isOpen(); err != nil {
				return err
			}
			if sku == "" || quantity < 1 || quantity > 99 {
				return errors.New("an item needs a SKU and a quantity from 1 to 99")
			}
			return nil
		}},
	); err != nil {
		return cart, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, RemoveItemUpdate,
		func(ctx workflow.Context, sku string) (Cart, error) {
			touched()
			cart.Lines = slices.DeleteFunc(cart.Lines, func(l Line) bool { return l.SKU == sku })
			cart.TotalCents = total(cart.Lines)
			return cart, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(sku string) error {
			if err := isOpen(); err != nil {
				return err
			}
			if !slices.ContainsFunc(cart.Lines, func(l Line) bool { return l.SKU == sku }) {
				return fmt.Errorf("%s is not in the cart", sku)
			}
			return nil
		}},
	); err != nil {
		return cart, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, CheckoutUpdate,
		func(ctx workflow.Context) (string, error) {
			cart.Status = "checking-out"
			var orderID string
			if err := workflow.ExecuteActivity(ctx, c.PlaceOrder, workflow.GetInfo(ctx).WorkflowExecution.ID, cart).Get(ctx, &orderID); err != nil {
				cart.Status = "open"
				return "", err
			}
			cart.Status, cart.OrderID = "checked-out", orderID
			return orderID, nil
		},
		workflow.UpdateHandlerOptions{Validator: func() error {
			if err := isOpen(); err != nil {
				return err
			}
			if len(cart.Lines) == 0 {
				return errors.New("the cart is empty")
			}
			return nil
		}},
	); err != nil {
		return cart, err
	}

	// Wait for checkout, or for a day without updates. A checkout that
	// fails to place the order leaves the cart open.
	for cart.Status == "open" {
		seen := lastActivity
		ok, err := workflow.AwaitWithTimeout(ctx, seen.Add(IdleTimeout).Sub(workflow.Now(ctx)), func() bool {
			return cart.Status != "open" || lastActivity != seen
		})
		if err != nil {
			return cart, err
		}
		if !ok {
			cart.Status = "abandoned"
		}
		// Let running handlers (a checkout placing the order) finish.
		if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
			return cart, err
		}
	}
	return cart, nil
}

func total(lines []Line) int {
	sum := 0
	for _, l := range lines {
		sum += l.Quantity * l.PriceCents
	}
	return sum
}
