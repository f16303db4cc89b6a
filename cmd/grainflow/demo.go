package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/grainflow/grainflow/cluster"
	"github.com/grainflow/grainflow/examples/approval"
	"github.com/grainflow/grainflow/examples/moneytransfer"
	"github.com/grainflow/grainflow/examples/orders"
	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/enums"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/worker"
)

// waitingApprovalID is the expense request every demo run leaves waiting on
// its 7-day timer; later runs find it still waiting.
const waitingApprovalID = "expense-waiting"

// runDemo opens a node on dataDir, reports what earlier runs left in the
// journal, then runs a batch of the example workflows and prints their
// progress.
func runDemo(ctx context.Context, out io.Writer, dataDir string, numOrders int) error {
	fmt.Fprintf(out, "grainflow demo: data directory %s\n", dataDir)
	node, err := cluster.Open(cluster.Options{DataDir: dataDir})
	if err != nil {
		return err
	}
	defer node.Close()
	c, err := client.Dial(client.Options{Node: node})
	if err != nil {
		return err
	}
	defer c.Close()

	if err := reportEarlierRuns(ctx, out, node); err != nil {
		return err
	}

	acts := &orders.Activities{Payments: orders.NewPayments(), Shipper: &orders.Shipper{Unreachable: map[string]bool{"Atlantis": true}}}
	bank := moneytransfer.NewBank(map[string]int64{"alice": 100, "bob": 50})
	for queue, register := range map[string]func(worker.Worker){
		orders.TaskQueue:        func(w worker.Worker) { orders.Register(w, acts) },
		moneytransfer.TaskQueue: func(w worker.Worker) { moneytransfer.Register(w, bank) },
		approval.TaskQueue:      func(w worker.Worker) { approval.Register(w) },
	} {
		w := worker.New(c, queue, worker.Options{})
		register(w)
		if err := w.Start(); err != nil {
			return err
		}
		defer w.Stop()
	}

	batch := time.Now().UTC().Format("20060102-150405")
	fmt.Fprintf(out, "\nstarting batch %s\n", batch)
	var runs []startedRun
	start := func(id, what string, queue string, wf any, arg any) error {
		r, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue}, wf, arg)
		if err != nil {
			return fmt.Errorf("start %s: %w", id, err)
		}
		runs = append(runs, startedRun{run: r, what: what, started: time.Now()})
		return nil
	}
	for i := range numOrders {
		order := orders.Order{ID: fmt.Sprintf("%s-%d", batch, i+1), Customer: "customer-" + fmt.Sprint(i+1),
			Items: []string{"book"}, AmountCents: int64(1000 + 100*i), Address: "Paris"}
		if i == numOrders-1 {
			order.Address = "Atlantis" // shipping fails: the saga refunds the charge
		}
		if err := start("order-"+order.ID, "order to "+order.Address, orders.TaskQueue, orders.ProcessOrder, order); err != nil {
			return err
		}
	}
	for i, tr := range []moneytransfer.Transfer{{From: "alice", To: "bob", Amount: 30}, {From: "bob", To: "nobody", Amount: 10}} {
		if err := start(fmt.Sprintf("transfer-%s-%d", batch, i+1), fmt.Sprintf("transfer %s→%s", tr.From, tr.To),
			moneytransfer.TaskQueue, moneytransfer.TransferMoney, tr); err != nil {
			return err
		}
	}
	approvedID := "expense-" + batch
	if err := start(approvedID, "expense approved by signal", approval.TaskQueue, approval.ApproveExpense,
		approval.Request{Employee: "ann", AmountCents: 4200, Purpose: "train tickets"}); err != nil {
		return err
	}
	// The long-waiting request: started once, kept across runs.
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: waitingApprovalID, TaskQueue: approval.TaskQueue,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING}, approval.ApproveExpense,
		approval.Request{Employee: "bob", AmountCents: 99900, Purpose: "conference"}); err != nil {
		return fmt.Errorf("start %s: %w", waitingApprovalID, err)
	}
	if err := c.SignalWorkflow(ctx, approvedID, "", approval.DecisionSignal, approval.Decision{Approved: true, Reason: "fine"}); err != nil {
		return err
	}

	failed := waitAndPrint(ctx, out, runs)
	charges, refunds := acts.Payments.Charged()
	fmt.Fprintf(out, "\nbatch %s: %d workflows, %d ended in an error (expected: the unreachable order and the transfer to a missing account)\n",
		batch, len(runs), failed)
	fmt.Fprintf(out, "payments: %d charges, %d refunded; bank total %d (conserved)\n", charges, refunds, bank.Total())
	fmt.Fprintf(out, "%s waits for a decision or its 7-day timer; run the demo again to see it kept.\n", waitingApprovalID)
	return nil
}

type startedRun struct {
	run     client.WorkflowRun
	what    string
	started time.Time
}

// waitAndPrint prints one line per workflow as it closes and returns how
// many ended in an error.
func waitAndPrint(ctx context.Context, out io.Writer, runs []startedRun) int {
	var mu sync.Mutex
	var wg sync.WaitGroup
	failed := 0
	for _, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var result any
			err := r.run.Get(ctx, &result)
			mu.Lock()
			defer mu.Unlock()
			status, detail := "completed", fmt.Sprint(result)
			if b, err := json.Marshal(result); err == nil && strings.HasPrefix(string(b), "{") {
				detail = string(b) // a struct result reads better as JSON than as a Go map
			}
			if err != nil {
				status, detail = "failed", err.Error()
				var appErr *temporal.ApplicationError
				if errors.As(err, &appErr) {
					detail = appErr.Message()
				}
				failed++
			}
			fmt.Fprintf(out, "  %-9s %-38s %-28s %6s  %s\n", status, r.run.GetID(), r.what,
				time.Since(r.started).Round(time.Millisecond), detail)
		}()
	}
	wg.Wait()
	return failed
}

// reportEarlierRuns prints what the journal holds from earlier runs.
func reportEarlierRuns(ctx context.Context, out io.Writer, node *cluster.Node) error {
	metas, err := node.Engine().ListWorkflows(ctx, "", "", 0)
	if err != nil {
		return err
	}
	if len(metas) == 0 {
		fmt.Fprintln(out, "the journal is empty: this is the first run")
		return nil
	}
	counts := map[string]int{}
	for _, m := range metas {
		counts[strings.ToLower(strings.TrimPrefix(m.GetStatus().String(), "WORKFLOW_STATUS_"))]++
	}
	var parts []string
	for status, n := range counts {
		parts = append(parts, fmt.Sprintf("%d %s", n, status))
	}
	sort.Strings(parts)
	fmt.Fprintf(out, "kept from earlier runs: %d workflows (%s)\n", len(metas), strings.Join(parts, ", "))
	desc, err := node.Engine().DescribeWorkflow(ctx, "", waitingApprovalID, "")
	if err == nil && desc.Meta.GetStatus() == journalpb.WorkflowStatus_WORKFLOW_STATUS_RUNNING {
		started := desc.Meta.GetStartTime().AsTime()
		line := fmt.Sprintf("%s: still waiting since %s", waitingApprovalID, started.Local().Format(time.DateTime))
		for _, t := range desc.PendingTimers {
			line += fmt.Sprintf("; its timer fires %s", t.FireTime.Local().Format(time.DateTime))
		}
		fmt.Fprintln(out, line)
	}
	return nil
}
