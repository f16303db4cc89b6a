package moneytransfer_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/grainflow/grainflow/examples/internal/testnode"
	"github.com/grainflow/grainflow/examples/moneytransfer"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/worker"
)

func TestTransfersConserveMoney(t *testing.T) {
	bank := moneytransfer.NewBank(map[string]int64{"alice": 100, "bob": 50, "carol": 0})
	c := testnode.Start(t, moneytransfer.TaskQueue, func(w worker.Worker) { moneytransfer.Register(w, bank) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	transfers := []moneytransfer.Transfer{
		{From: "alice", To: "bob", Amount: 30},    // succeeds
		{From: "bob", To: "carol", Amount: 20},    // succeeds
		{From: "alice", To: "nobody", Amount: 10}, // deposit fails: refunded
		{From: "carol", To: "alice", Amount: 500}, // withdraw fails: nothing moves
	}
	var runs []client.WorkflowRun
	for i, tr := range transfers {
		r, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("transfer-%d", i), TaskQueue: moneytransfer.TaskQueue},
			moneytransfer.TransferMoney, tr)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	errs := make([]error, len(runs))
	for i, r := range runs {
		errs[i] = r.Get(ctx, nil)
	}
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("transfers failed: %v, %v", errs[0], errs[1])
	}
	if errs[2] == nil || !strings.Contains(errs[2].Error(), "refunded") {
		t.Fatalf("transfer to an unknown account: %v", errs[2])
	}
	if errs[3] == nil || !strings.Contains(errs[3].Error(), "insufficient funds") {
		t.Fatalf("overdraft: %v", errs[3])
	}
	if got := [3]int64{bank.Balance("alice"), bank.Balance("bob"), bank.Balance("carol")}; got != [3]int64{70, 60, 20} {
		t.Fatalf("balances %v", got)
	}
	if bank.Total() != 150 {
		t.Fatalf("total %d, want the conserved 150", bank.Total())
	}
}
