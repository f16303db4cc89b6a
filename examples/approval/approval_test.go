package approval_test

import (
	"context"
	"testing"
	"time"

	"github.com/grainflow/grainflow/examples/approval"
	"github.com/grainflow/grainflow/examples/internal/testnode"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/worker"
)

func start(t *testing.T, c client.Client, id string, req approval.Request) client.WorkflowRun {
	t.Helper()
	r, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: id, TaskQueue: approval.TaskQueue}, approval.ApproveExpense, req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func outcome(t *testing.T, r client.WorkflowRun) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var s string
	if err := r.Get(ctx, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func status(t *testing.T, c client.Client, id string) string {
	t.Helper()
	v, err := c.QueryWorkflow(context.Background(), id, "", approval.StatusQuery)
	if err != nil {
		t.Fatal(err)
	}
	var s string
	if err := v.Get(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestApprovalBySignal(t *testing.T) {
	c := testnode.Start(t, approval.TaskQueue, func(w worker.Worker) { approval.Register(w) })
	ok := start(t, c, "exp-1", approval.Request{Employee: "ann", AmountCents: 4200, Purpose: "train"})
	no := start(t, c, "exp-2", approval.Request{Employee: "bob", AmountCents: 99900, Purpose: "yacht"})
	if s := status(t, c, "exp-1"); s != approval.StatusPending {
		t.Fatalf("status before a decision: %s", s)
	}
	ctx := context.Background()
	if err := c.SignalWorkflow(ctx, "exp-1", "", approval.DecisionSignal, approval.Decision{Approved: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.SignalWorkflow(ctx, "exp-2", "", approval.DecisionSignal, approval.Decision{Reason: "no"}); err != nil {
		t.Fatal(err)
	}
	if got := outcome(t, ok); got != approval.StatusApproved {
		t.Fatalf("exp-1: %s", got)
	}
	if got := outcome(t, no); got != approval.StatusRejected {
		t.Fatalf("exp-2: %s", got)
	}
	if s := status(t, c, "exp-1"); s != approval.StatusApproved {
		t.Fatalf("status after approval: %s", s)
	}
}

func TestApprovalExpires(t *testing.T) {
	c := testnode.Start(t, approval.TaskQueue, func(w worker.Worker) { approval.Register(w) })
	r := start(t, c, "exp-3", approval.Request{Employee: "cy", AmountCents: 100, Timeout: 200 * time.Millisecond})
	if got := outcome(t, r); got != approval.StatusExpired {
		t.Fatalf("outcome %s", got)
	}
}
