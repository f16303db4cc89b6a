package client_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grainflow/grainflow/actor"
	"github.com/grainflow/grainflow/cluster"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/enums"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// Item is what a cart's "add" update adds.
type Item struct {
	SKU string
	Qty int
}

// gate holds "slow" items' price lookups until the test opens it.
var gate = make(chan struct{})

// Price looks up an item's price; items whose SKU starts with "slow" wait
// for the gate, "gone" ones fail.
func Price(ctx context.Context, it Item) (int, error) {
	switch {
	case strings.HasPrefix(it.SKU, "slow"):
		select {
		case <-gate:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	case it.SKU == "gone":
		return 0, temporal.NewNonRetryableApplicationError("no such item", "OutOfStock", nil)
	}
	return 100 * it.Qty, nil
}

// Cart totals the items "add" updates put in it (the validator refuses
// empty SKUs and quantities below one) until a "checkout" signal; it waits
// for running handlers unless told not to.
func Cart(ctx workflow.Context, waitForHandlers bool) (int, error) {
	total := 0
	err := workflow.SetUpdateHandlerWithOptions(ctx, "add", func(ctx workflow.Context, it Item) (int, error) {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
		var price int
		if err := workflow.ExecuteActivity(ctx, Price, it).Get(ctx, &price); err != nil {
			return 0, err
		}
		total += price
		return total, nil
	}, workflow.UpdateHandlerOptions{Validator: func(it Item) error {
		if it.SKU == "" || it.Qty < 1 {
			return temporal.NewApplicationError("an item needs a SKU and a quantity of at least 1", "BadItem")
		}
		return nil
	}})
	if err != nil {
		return 0, err
	}
	workflow.GetSignalChannel(ctx, "checkout").Receive(ctx, nil)
	if waitForHandlers {
		if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
			return 0, err
		}
	}
	return total, nil
}

// openNode opens a node on dir with a started worker for taskQueue, on
// which register puts workflows and activities; stop closes all three.
func openNode(t *testing.T, dir, taskQueue string, register func(worker.Worker)) (c client.Client, stop func()) {
	t.Helper()
	node, err := cluster.Open(cluster.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if c, err = client.Dial(client.Options{Node: node}); err != nil {
		t.Fatal(err)
	}
	w := worker.New(c, taskQueue, worker.Options{})
	register(w)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	return c, func() { w.Stop(); c.Close(); _ = node.Close() }
}

func openCartNode(t *testing.T, dir string) (client.Client, func()) {
	return openNode(t, dir, "carts", func(w worker.Worker) {
		w.RegisterWorkflow(Cart)
		w.RegisterActivity(Price)
	})
}

func startCart(t *testing.T, c client.Client, id string, waitForHandlers bool) client.WorkflowRun {
	t.Helper()
	run, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: id, TaskQueue: "carts"}, Cart, waitForHandlers)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func update(t *testing.T, c client.Client, opts client.UpdateWorkflowOptions) client.WorkflowUpdateHandle {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, err := c.UpdateWorkflow(ctx, opts)
	if err != nil {
		t.Fatalf("UpdateWorkflow %s: %v", opts.UpdateID, err)
	}
	return h
}

// countEvents counts the run's events for which match is true.
func countEvents(t *testing.T, c client.Client, id string, match func(ev string) bool) int {
	t.Helper()
	it := c.GetWorkflowHistory(context.Background(), id, "", false, client.HistoryEventFilterTypeAllEvent)
	n := 0
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if match(ev.String()) {
			n++
		}
	}
	return n
}

func acceptedEvents(t *testing.T, c client.Client, id string) int {
	return countEvents(t, c, id, func(ev string) bool { return strings.Contains(ev, "workflow_execution_update_accepted") })
}

func TestUpdateCompletesRejectsAndDeduplicates(t *testing.T) {
	c, stop := openCartNode(t, t.TempDir())
	defer stop()
	run := startCart(t, c, "cart-1", true)
	ctx := context.Background()

	h := update(t, c, client.UpdateWorkflowOptions{WorkflowID: "cart-1", UpdateID: "add-book", UpdateName: "add",
		Args: []any{Item{SKU: "book", Qty: 2}}, WaitForStage: client.WorkflowUpdateStageCompleted})
	var total int
	if err := h.Get(ctx, &total); err != nil || total != 200 {
		t.Fatalf("add book: total %d, %v", total, err)
	}
	if h.RunID() != run.GetRunID() || h.WorkflowID() != "cart-1" || h.UpdateID() != "add-book" {
		t.Errorf("handle names %s/%s/%s", h.WorkflowID(), h.RunID(), h.UpdateID())
	}

	// A rejected update changes nothing in the history.
	before := countEvents(t, c, "cart-1", func(string) bool { return true })
	bad := update(t, c, client.UpdateWorkflowOptions{WorkflowID: "cart-1", UpdateID: "add-nothing", UpdateName: "add",
		Args: []any{Item{SKU: "pen", Qty: 0}}, WaitForStage: client.WorkflowUpdateStageCompleted})
	var appErr *temporal.ApplicationError
	if err := bad.Get(ctx, nil); !errors.As(err, &appErr) || appErr.Type() != "BadItem" {
		t.Fatalf("rejected update: %v", err)
	}
	unknown := update(t, c, client.UpdateWorkflowOptions{WorkflowID: "cart-1", UpdateName: "remove",
		WaitForStage: client.WorkflowUpdateStageAccepted})
	if err := unknown.Get(ctx, nil); err == nil || !strings.Contains(err.Error(), `unknown update "remove"; known update names: [add]`) {
		t.Fatalf("unknown update: %v", err)
	}
	if after := countEvents(t, c, "cart-1", func(string) bool { return true }); after != before {
		t.Fatalf("rejected updates changed the history: %d events, then %d", before, after)
	}

	// Sent again with the same ID, an update is not run again.
	again := update(t, c, client.UpdateWorkflowOptions{WorkflowID: "cart-1", UpdateID: "add-book", UpdateName: "add",
		Args: []any{Item{SKU: "book", Qty: 2}}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err := again.Get(ctx, &total); err != nil || total != 200 {
		t.Fatalf("repeated update: total %d, %v", total, err)
	}
	if n := acceptedEvents(t, c, "cart-1"); n != 1 {
		t.Fatalf("%d accepted events, want 1", n)
	}

	// A handler's error reaches Get.
	gone := update(t, c, client.UpdateWorkflowOptions{WorkflowID: "cart-1", UpdateName: "add",
		Args: []any{Item{SKU: "gone", Qty: 1}}, WaitForStage: client.WorkflowUpdateStageCompleted})
	var actErr *temporal.ActivityError
	if err := gone.Get(ctx, nil); !errors.As(err, &actErr) || !errors.As(err, &appErr) || appErr.Type() != "OutOfStock" {
		t.Fatalf("failing handler: %v", err)
	}

	if err := c.SignalWorkflow(ctx, "cart-1", "", "checkout", nil); err != nil {
		t.Fatal(err)
	}
	if err := run.Get(ctx, &total); err != nil || total != 200 {
		t.Fatalf("cart result %d, %v", total, err)
	}
	// The workflow is closed: an update is not delivered.
	_, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: "cart-1", UpdateName: "add",
		Args: []any{Item{SKU: "book", Qty: 1}}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil || !strings.Contains(err.Error(), "already completed") {
		t.Fatalf("update of a closed workflow: %v", err)
	}
}

func TestUpdateWaitForAcceptedThenGet(t *testing.T) {
	c, stop := openCartNode(t, t.TempDir())
	defer stop()
	run := startCart(t, c, "cart-2", true)
	ctx := context.Background()

	h := update(t, c, client.UpdateWorkflowOptions{WorkflowID: "cart-2", UpdateID: "slow-1", UpdateName: "add",
		Args: []any{Item{SKU: "slow-lamp", Qty: 3}}, WaitForStage: client.WorkflowUpdateStageAccepted})
	// Accepted and recorded, but its activity waits for the gate.
	if n := acceptedEvents(t, c, "cart-2"); n != 1 {
		t.Fatalf("%d accepted events after acceptance, want 1", n)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	var timeout *client.WorkflowUpdateServiceTimeoutOrCanceledError
	if err := h.Get(short, nil); !errors.As(err, &timeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get before completion: %v", err)
	}
	cancel()
	if err := c.SignalWorkflow(ctx, "cart-2", "", "checkout", nil); err != nil {
		t.Fatal(err)
	}
	gate <- struct{}{}
	var total int
	if err := h.Get(ctx, &total); err != nil || total != 300 {
		t.Fatalf("Get: %d, %v", total, err)
	}
	byID := c.GetWorkflowUpdateHandle(client.GetWorkflowUpdateHandleOptions{WorkflowID: "cart-2", UpdateID: "slow-1"})
	if err := byID.Get(ctx, &total); err != nil || total != 300 {
		t.Fatalf("GetWorkflowUpdateHandle: %d, %v", total, err)
	}
	// The workflow waited for the handler before returning.
	if err := run.Get(ctx, &total); err != nil || total != 300 {
		t.Fatalf("cart result %d, %v", total, err)
	}
	// The run is closed; its history still has the outcome.
	old := c.GetWorkflowUpdateHandle(client.GetWorkflowUpdateHandleOptions{WorkflowID: "cart-2", RunID: run.GetRunID(), UpdateID: "slow-1"})
	if err := old.Get(ctx, &total); err != nil || total != 300 {
		t.Fatalf("handle on the closed run: %d, %v", total, err)
	}
}

func TestUpdateAbandonedWhenTheRunCloses(t *testing.T) {
	c, stop := openCartNode(t, t.TempDir())
	defer stop()
	run := startCart(t, c, "cart-3", false)
	ctx := context.Background()
	h := update(t, c, client.UpdateWorkflowOptions{WorkflowID: "cart-3", UpdateID: "slow-2", UpdateName: "add",
		Args: []any{Item{SKU: "slow-desk", Qty: 1}}, WaitForStage: client.WorkflowUpdateStageAccepted})
	if err := c.SignalWorkflow(ctx, "cart-3", "", "checkout", nil); err != nil {
		t.Fatal(err)
	}
	var total int
	if err := run.Get(ctx, &total); err != nil || total != 0 {
		t.Fatalf("cart result %d, %v", total, err)
	}
	var abandoned *actor.UpdateAbandonedError
	if err := h.Get(ctx, nil); !errors.As(err, &abandoned) {
		t.Fatalf("Get of an update whose run closed: %v", err)
	}
}

func TestUpdateOptionsAreChecked(t *testing.T) {
	c, stop := openCartNode(t, t.TempDir())
	defer stop()
	startCart(t, c, "cart-4", true)
	ctx := context.Background()
	for _, tc := range []struct {
		opts client.UpdateWorkflowOptions
		want string
	}{
		{client.UpdateWorkflowOptions{UpdateName: "add", WaitForStage: client.WorkflowUpdateStageCompleted}, "WorkflowID is required"},
		{client.UpdateWorkflowOptions{WorkflowID: "cart-4", WaitForStage: client.WorkflowUpdateStageCompleted}, "UpdateName is required"},
		{client.UpdateWorkflowOptions{WorkflowID: "cart-4", UpdateName: "add"}, "WaitForStage is required"},
		{client.UpdateWorkflowOptions{WorkflowID: "cart-4", UpdateName: "add", WaitForStage: client.WorkflowUpdateStageAdmitted}, "not supported"},
		{client.UpdateWorkflowOptions{WorkflowID: "nope", UpdateName: "add", WaitForStage: client.WorkflowUpdateStageCompleted}, "no such workflow"},
		{client.UpdateWorkflowOptions{WorkflowID: "cart-4", UpdateName: "add", WaitForStage: client.WorkflowUpdateStageCompleted,
			FirstExecutionRunID: "other"}, "does not descend from first run other"},
		{client.UpdateWorkflowOptions{WorkflowID: "cart-4", UpdateName: "add", WaitForStage: client.WorkflowUpdateStageCompleted,
			Args: []any{func() {}}}, "encode update add"},
	} {
		if _, err := c.UpdateWorkflow(ctx, tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("UpdateWorkflow(%+v) = %v, want an error containing %q", tc.opts, err, tc.want)
		}
	}
	if n := acceptedEvents(t, c, "cart-4"); n != 0 {
		t.Fatalf("%d accepted events, want 0", n)
	}
}

// An update accepted before the node stops completes after a restart, and a
// client that sends it again gets its result without it running twice.
func TestUpdateSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	c, stop := openCartNode(t, dir)
	startCart(t, c, "cart-5", true)
	update(t, c, client.UpdateWorkflowOptions{WorkflowID: "cart-5", UpdateID: "slow-3", UpdateName: "add",
		Args: []any{Item{SKU: "slow-chair", Qty: 4}}, WaitForStage: client.WorkflowUpdateStageAccepted})
	stop()

	c, stop = openCartNode(t, dir)
	defer stop()
	go func() { gate <- struct{}{} }()
	h := update(t, c, client.UpdateWorkflowOptions{WorkflowID: "cart-5", UpdateID: "slow-3", UpdateName: "add",
		Args: []any{Item{SKU: "slow-chair", Qty: 4}}, WaitForStage: client.WorkflowUpdateStageCompleted})
	var total int
	if err := h.Get(context.Background(), &total); err != nil || total != 400 {
		t.Fatalf("after restart: %d, %v", total, err)
	}
	if n := acceptedEvents(t, c, "cart-5"); n != 1 {
		t.Fatalf("%d accepted events, want 1", n)
	}
}

func TestUpdateWithStart(t *testing.T) {
	c, stop := openCartNode(t, t.TempDir())
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	startOp := func(policy enums.WorkflowIdConflictPolicy) client.WithStartWorkflowOperation {
		return c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{ID: "cart-ws", TaskQueue: "carts",
			WorkflowIDConflictPolicy: policy}, Cart, true)
	}
	addOptions := func(it Item) client.UpdateWorkflowOptions {
		return client.UpdateWorkflowOptions{UpdateName: "add", Args: []any{it}, WaitForStage: client.WorkflowUpdateStageCompleted}
	}

	// No run yet: the cart starts and the update is its first input.
	op := startOp(enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
	h, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: op, UpdateOptions: addOptions(Item{"a", 2})})
	if err != nil {
		t.Fatal(err)
	}
	var total int
	if err := h.Get(ctx, &total); err != nil || total != 200 {
		t.Fatalf("first update: total %d, %v; want 200", total, err)
	}
	run, err := op.Get(ctx)
	if err != nil || run.GetRunID() != h.RunID() || run.GetID() != "cart-ws" {
		t.Fatalf("start operation: run %v, %v; the update went to run %s", run, err, h.RunID())
	}
	var kinds []string
	it := c.GetWorkflowHistory(ctx, "cart-ws", "", false, client.HistoryEventFilterTypeAllEvent)
	for it.HasNext() && len(kinds) < 3 {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, ev.GetEventType().String())
	}
	// The first workflow task registers the handler; the update is accepted next.
	if want := []string{"EVENT_TYPE_WORKFLOW_EXECUTION_STARTED", "EVENT_TYPE_WORKFLOW_TASK_COMPLETED",
		"EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED"}; !slices.Equal(kinds, want) {
		t.Fatalf("history starts %v, want %v", kinds, want)
	}
	if _, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: op, UpdateOptions: addOptions(Item{"a", 1})}); err == nil ||
		!strings.Contains(err.Error(), "used already") {
		t.Fatalf("a start operation used twice: %v", err)
	}

	// A running cart with USE_EXISTING: the update goes to it.
	h, err = c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: startOp(enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING), UpdateOptions: addOptions(Item{"b", 1})})
	if err != nil || h.RunID() != run.GetRunID() {
		t.Fatalf("update-with-start on the running cart went to run %v, %v; want %s", h, err, run.GetRunID())
	}
	if err := h.Get(ctx, &total); err != nil || total != 300 {
		t.Fatalf("second update: total %d, %v; want 300", total, err)
	}

	// With FAIL, the running cart is an error and gets no update.
	failing := startOp(enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
	_, err = c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: failing, UpdateOptions: addOptions(Item{"c", 1})})
	var started *client.WorkflowExecutionAlreadyStartedError
	if !errors.As(err, &started) {
		t.Fatalf("FAIL on a running workflow: %v", err)
	}
	if _, err := failing.Get(ctx); err == nil {
		t.Fatal("the failed start operation returned a run")
	}
	if n := acceptedEvents(t, c, "cart-ws"); n != 2 {
		t.Fatalf("%d accepted updates, want 2", n)
	}

	// Options the call refuses before anything is sent.
	for _, tc := range []struct {
		options client.UpdateWithStartWorkflowOptions
		want    string
	}{
		{client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: c.NewWithStartWorkflowOperation(
			client.StartWorkflowOptions{ID: "cart-x", TaskQueue: "carts"}, Cart, true), UpdateOptions: addOptions(Item{"a", 1})}, "needs a WorkflowIDConflictPolicy"},
		{client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: startOp(enums.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING),
			UpdateOptions: addOptions(Item{"a", 1})}, "needs the ID conflict policy"},
		{client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: startOp(enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING),
			UpdateOptions: client.UpdateWorkflowOptions{WorkflowID: "other", UpdateName: "add", WaitForStage: client.WorkflowUpdateStageCompleted}}, "the update names workflow other"},
		{client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: startOp(enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING),
			UpdateOptions: client.UpdateWorkflowOptions{RunID: "r", UpdateName: "add", WaitForStage: client.WorkflowUpdateStageCompleted}}, "cannot name a run"},
		{client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: startOp(enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING),
			UpdateOptions: client.UpdateWorkflowOptions{UpdateName: "add"}}, "WaitForStage is required"},
	} {
		if _, err := c.UpdateWithStartWorkflow(ctx, tc.options); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("UpdateWithStartWorkflow(%+v) = %v, want an error containing %q", tc.options.UpdateOptions, err, tc.want)
		}
	}
	if n := acceptedEvents(t, c, "cart-ws"); n != 2 {
		t.Fatalf("%d accepted updates after refused calls, want 2", n)
	}

	// A rejected update still leaves the new workflow started, as in Temporal.
	op = c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{ID: "cart-rejected", TaskQueue: "carts",
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL}, Cart, true)
	h, err = c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: op, UpdateOptions: addOptions(Item{"", 1})})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Get(ctx, &total); err == nil || !strings.Contains(err.Error(), "needs a SKU") {
		t.Fatalf("a rejected update's Get: %v", err)
	}
	if run, err := op.Get(ctx); err != nil || run.GetRunID() == "" {
		t.Fatalf("the rejected update's start: %v, %v", run, err)
	}

	if err := c.SignalWorkflow(ctx, "cart-ws", "", "checkout", nil); err != nil {
		t.Fatal(err)
	}
	if err := run.Get(ctx, &total); err != nil || total != 300 {
		t.Fatalf("cart total %d, %v; want 300", total, err)
	}
}
