package client_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/converter"
	"github.com/grainflow/grainflow/sdk/internal"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
	"github.com/grainflow/grainflow/visibility"
)

var (
	customerKey = temporal.NewSearchAttributeKeyKeyword("Customer")
	amountKey   = temporal.NewSearchAttributeKeyInt64("Amount")
	stageKey    = temporal.NewSearchAttributeKeyKeyword("Stage")
	tagsKey     = temporal.NewSearchAttributeKeyKeywordList("Tags")
	noteKey     = temporal.NewSearchAttributeKeyString("Note")
	weightKey   = temporal.NewSearchAttributeKeyFloat64("Weight")
	rushKey     = temporal.NewSearchAttributeKeyBool("Rush")
	dueKey      = temporal.NewSearchAttributeKeyTime("DueAt")
)

// Shipment moves through stages recorded as a search attribute and in its
// memo; a "ship" signal ends it. After "restart" signals it continues as
// new, keeping its attributes.
func Shipment(ctx workflow.Context) (string, error) {
	if err := workflow.SetQueryHandler(ctx, "stage", func() (string, error) {
		s, _ := workflow.GetTypedSearchAttributes(ctx).GetKeyword(stageKey)
		return s, nil
	}); err != nil {
		return "", err
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, stageKey.ValueSet("packed"), rushKey.ValueUnset()); err != nil {
		return "", err
	}
	if err := workflow.UpsertMemo(ctx, map[string]any{"packer": "zoe"}); err != nil {
		return "", err
	}
	var what string
	workflow.GetSignalChannel(ctx, "next").Receive(ctx, &what)
	if what == "restart" {
		return "", workflow.NewContinueAsNewError(ctx, Shipment)
	}
	if err := workflow.UpsertSearchAttributes(ctx, map[string]any{"Stage": "shipped"}); err != nil {
		return "", err
	}
	return "shipped", nil
}

func openVisibilityNode(t *testing.T) client.Client {
	c, stop := openNode(t, t.TempDir(), "shipping", func(w worker.Worker) { w.RegisterWorkflow(Shipment) })
	t.Cleanup(stop)
	return c
}

func list(t *testing.T, c client.Client, query string) []string {
	t.Helper()
	resp, err := c.ListWorkflow(context.Background(), &client.ListWorkflowExecutionsRequest{Query: query})
	if err != nil {
		t.Fatalf("ListWorkflow(%q): %v", query, err)
	}
	var ids []string
	for _, info := range resp.Executions {
		ids = append(ids, info.Execution.ID)
	}
	return ids
}

func queryStage(t *testing.T, c client.Client, id string) string {
	t.Helper()
	v, err := c.QueryWorkflow(context.Background(), id, "", "stage")
	if err != nil {
		t.Fatal(err)
	}
	var s string
	if err := v.Get(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestListWorkflowFiltersOnSearchAttributes(t *testing.T) {
	c := openVisibilityNode(t)
	ctx := context.Background()
	due := time.Date(2026, 12, 24, 0, 0, 0, 0, time.UTC)
	for i := range 6 {
		id := fmt.Sprintf("ship-%d", i)
		attrs := temporal.NewSearchAttributes(
			customerKey.ValueSet([]string{"ann", "bob", "cy"}[i%3]),
			amountKey.ValueSet(int64(1000*i)),
			tagsKey.ValueSet([]string{"gift", fmt.Sprintf("batch-%d", i/2)}),
			noteKey.ValueSet("Handle with care: fragile glass"),
			weightKey.ValueSet(1.5*float64(i)),
			rushKey.ValueSet(i%2 == 0),
			dueKey.ValueSet(due.Add(time.Duration(i)*time.Hour)),
		)
		if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: "shipping",
			TypedSearchAttributes: attrs, Memo: map[string]any{"origin": "depot-" + fmt.Sprint(i)}}, Shipment); err != nil {
			t.Fatal(err)
		}
		if s := queryStage(t, c, id); s != "packed" {
			t.Fatalf("%s stage %q", id, s)
		}
	}
	// ship-1 ships; ship-2 continues as new.
	if err := c.SignalWorkflow(ctx, "ship-1", "", "next", "ship"); err != nil {
		t.Fatal(err)
	}
	if err := c.GetWorkflow(ctx, "ship-1", "").Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.SignalWorkflow(ctx, "ship-2", "", "next", "restart"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(list(t, c, "WorkflowId = 'ship-2' AND ExecutionStatus = 'Running'")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("ship-2 did not continue as new")
		}
		time.Sleep(10 * time.Millisecond)
	}

	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"Customer = 'bob'", []string{"ship-4", "ship-1"}},
		{"Customer = 'bob' AND ExecutionStatus = 'Running'", []string{"ship-4"}},
		{"Stage = 'shipped'", []string{"ship-1"}},
		// ship-2's second run started last.
		{"Amount BETWEEN 2000 AND 4000 AND ExecutionStatus != 'ContinuedAsNew' ORDER BY StartTime ASC", []string{"ship-3", "ship-4", "ship-2"}},
		{"Tags = 'batch-1'", []string{"ship-2", "ship-3", "ship-2"}}, // both runs of ship-2, newest first
		{"Tags IN ('batch-0') AND Weight > 1", []string{"ship-1"}},
		{"Note = 'FRAGILE glass' AND Weight >= 3 AND WorkflowType = 'Shipment' AND ExecutionStatus = 'Running'", []string{"ship-2", "ship-5", "ship-4", "ship-3"}},
		{"Rush IS NULL", []string{"ship-2", "ship-5", "ship-4", "ship-3", "ship-2", "ship-1", "ship-0"}}, // every run unset it
		{"Rush = true", nil},
		{"Customer STARTS_WITH 'c' OR Amount >= 5000", []string{"ship-2", "ship-5", "ship-2"}},
		{fmt.Sprintf("DueAt > '%s' AND DueAt <= '%s' AND ExecutionStatus = 'Running'", due.Add(3*time.Hour).Format(time.RFC3339), due.Add(5*time.Hour).Format(time.RFC3339)), []string{"ship-5", "ship-4"}},
	} {
		if got := list(t, c, tc.query); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.query, got, tc.want)
		}
	}

	resp, err := c.ListWorkflow(ctx, &client.ListWorkflowExecutionsRequest{Query: "WorkflowId = 'ship-1'"})
	if err != nil || len(resp.Executions) != 1 {
		t.Fatalf("ship-1: %v, %v", resp, err)
	}
	info := resp.Executions[0]
	var packer, origin string
	if ok, err := info.DecodeMemo("packer", &packer); !ok || err != nil || packer != "zoe" {
		t.Errorf("memo packer %q %v %v", packer, ok, err)
	}
	if ok, err := info.DecodeMemo("origin", &origin); !ok || err != nil || origin != "depot-1" {
		t.Errorf("memo origin %q %v %v", origin, ok, err)
	}
	if stage, _ := info.SearchAttributes.GetKeyword(stageKey); stage != "shipped" || info.Status != journalpb.WorkflowStatus_WORKFLOW_STATUS_COMPLETED || info.CloseTime.IsZero() {
		t.Errorf("ship-1: stage %q status %v close %v", stage, info.Status, info.CloseTime)
	}
	if info.SearchAttributes.ContainsKey(rushKey) {
		t.Error("ship-1 still has Rush after unsetting it")
	}
	// The run ship-2 continued into kept its attributes.
	if got := list(t, c, "WorkflowId = 'ship-2' AND Stage = 'packed' AND Customer = 'cy' AND ExecutionStatus = 'Running'"); len(got) != 1 {
		t.Errorf("continued run: %v", got)
	}

	n, err := c.CountWorkflow(ctx, &client.CountWorkflowExecutionsRequest{Query: "ExecutionStatus = 'Running'"})
	if err != nil || n.Count != 5 {
		t.Errorf("count running: %v, %v", n, err)
	}
	var pages int
	var token []byte
	seen := 0
	for {
		resp, err := c.ListWorkflow(ctx, &client.ListWorkflowExecutionsRequest{PageSize: 3, NextPageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		seen += len(resp.Executions)
		if token = resp.NextPageToken; token == nil {
			break
		}
	}
	if pages != 3 || seen != 7 {
		t.Errorf("paging: %d pages, %d runs; want 3 and 7", pages, seen)
	}

	var syntax *visibility.SyntaxError
	if _, err := c.ListWorkflow(ctx, &client.ListWorkflowExecutionsRequest{Query: "Customer = 'ann' AND (Amount > 5"}); !errors.As(err, &syntax) || syntax.Offset != 32 {
		t.Errorf("malformed query: %v", err)
	}
	if _, err := c.CountWorkflow(ctx, &client.CountWorkflowExecutionsRequest{Query: "Amount = 'many'"}); err == nil {
		t.Error("a string for an Int attribute was accepted")
	}
}

func TestStartRejectsBadSearchAttributes(t *testing.T) {
	c := openVisibilityNode(t)
	_, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: "bad", TaskQueue: "shipping",
		SearchAttributes: map[string]any{"Size": struct{}{}}}, Shipment)
	if err == nil {
		t.Fatal("a struct search attribute was accepted")
	}
	if got := list(t, c, "WorkflowId = 'bad'"); len(got) != 0 {
		t.Fatalf("the rejected start left a run: %v", got)
	}
}

// Describe returns a run's memo and search attributes as they stand: those
// it started with and those its code upserted.
func TestDescribeReturnsMemoAndSearchAttributes(t *testing.T) {
	c := openVisibilityNode(t)
	ctx := context.Background()
	attrs := temporal.NewSearchAttributes(customerKey.ValueSet("ann"), rushKey.ValueSet(true))
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "described", TaskQueue: "shipping",
		TypedSearchAttributes: attrs, Memo: map[string]any{"origin": "depot-9"}}, Shipment)
	if err != nil {
		t.Fatal(err)
	}
	if s := queryStage(t, c, "described"); s != "packed" {
		t.Fatalf("stage %q", s)
	}
	check := func(when, wantStage string) {
		t.Helper()
		desc, err := c.DescribeWorkflowExecution(ctx, "described", "")
		if err != nil {
			t.Fatal(err)
		}
		memo := map[string]string{}
		for k, p := range desc.Meta.GetMemo() {
			var v string
			if err := converter.GetDefaultDataConverter().FromPayload(p, &v); err != nil {
				t.Fatalf("%s: memo %s: %v", when, k, err)
			}
			memo[k] = v
		}
		if want := map[string]string{"origin": "depot-9", "packer": "zoe"}; !maps.Equal(memo, want) {
			t.Errorf("%s: memo %v, want %v", when, memo, want)
		}
		sa := internal.DecodeSearchAttributes(desc.Meta.GetSearchAttributes())
		customer, _ := sa.GetKeyword(customerKey)
		stage, _ := sa.GetKeyword(stageKey)
		if customer != "ann" || stage != wantStage || sa.ContainsKey(rushKey) {
			t.Errorf("%s: search attributes customer %q stage %q rush %v", when, customer, stage, sa.ContainsKey(rushKey))
		}
	}
	check("running", "packed")
	if err := c.SignalWorkflow(ctx, "described", "", "next", "ship"); err != nil {
		t.Fatal(err)
	}
	if err := run.Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	check("closed", "shipped")
}
