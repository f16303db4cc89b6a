package journal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/visibility"
)

func attr(t *testing.T, v visibility.Value) *journalpb.Payload {
	t.Helper()
	p, err := visibility.EncodePayload(v)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// startOrder appends the start of an "Order" run for customer at t0+minute
// minutes, with a Keyword "Customer" and an Int "Amount".
func startOrder(t *testing.T, db *DB, wf, customer string, amount int64, minute int) {
	t.Helper()
	ev := &journalpb.Event{EventId: 1, Time: timestamppb.New(t0.Add(time.Duration(minute) * time.Minute)),
		Attributes: &journalpb.Event_WorkflowExecutionStarted{WorkflowExecutionStarted: &journalpb.WorkflowExecutionStarted{
			WorkflowType: "Order", TaskQueue: "q",
			SearchAttributes: map[string]*journalpb.Payload{
				"Customer": attr(t, visibility.KeywordValue(customer)),
				"Amount":   attr(t, visibility.IntValue(amount)),
			}}}}
	mustAppend(t, db, &AppendRequest{Run: run(wf), Events: []*journalpb.Event{ev}})
}

func listIDs(t *testing.T, db *DB, query string) []string {
	t.Helper()
	runs, next, err := db.ListRuns(context.Background(), ListRequest{Namespace: "default", Query: query})
	if err != nil {
		t.Fatalf("ListRuns(%q): %v", query, err)
	}
	if next != nil {
		t.Fatalf("ListRuns(%q): unexpected next page", query)
	}
	var ids []string
	for _, r := range runs {
		ids = append(ids, r.GetWorkflowId())
	}
	return ids
}

func TestVisibilityIndexesAndQueries(t *testing.T) {
	db := openTest(t, t.TempDir(), Options{})
	ctx := context.Background()
	for i := range 20 {
		startOrder(t, db, fmt.Sprintf("order-%02d", i), []string{"ann", "bob", "cy", "dee"}[i%4], int64(100*i), i)
	}
	// order-03 completes; order-05 changes customer by an upsert and drops
	// its amount.
	mustAppend(t, db, &AppendRequest{Run: run("order-03"), Events: []*journalpb.Event{completed(2)},
		Status: journalpb.WorkflowStatus_WORKFLOW_STATUS_COMPLETED})
	mustAppend(t, db, &AppendRequest{Run: run("order-05"), Events: []*journalpb.Event{{EventId: 2, Time: timestamppb.New(t0),
		Attributes: &journalpb.Event_UpsertWorkflowSearchAttributes{UpsertWorkflowSearchAttributes: &journalpb.UpsertWorkflowSearchAttributes{
			Seq: 1, SearchAttributes: map[string]*journalpb.Payload{
				"Customer": attr(t, visibility.KeywordValue("eve")),
				"Amount":   attr(t, visibility.Value{}),
			}}}}}})

	before := db.Stats().VisibilityReads
	if got := listIDs(t, db, "Customer = 'bob'"); !slices.Equal(got, []string{"order-17", "order-13", "order-09", "order-01"}) {
		t.Errorf("Customer = 'bob' (newest first): %v", got)
	}
	if reads := db.Stats().VisibilityReads - before; reads != 4 {
		t.Errorf("the keyword lookup read %d runs, want only the 4 it selects", reads)
	}
	if got := listIDs(t, db, "Customer = 'eve'"); !slices.Equal(got, []string{"order-05"}) {
		t.Errorf("after the upsert: %v", got)
	}
	if got := listIDs(t, db, "Customer IN ('ann', 'cy') AND Amount >= 1200 ORDER BY StartTime ASC"); !slices.Equal(got, []string{"order-12", "order-14", "order-16", "order-18"}) {
		t.Errorf("IN and a range, ascending: %v", got)
	}
	if got := listIDs(t, db, "ExecutionStatus = 'Completed'"); !slices.Equal(got, []string{"order-03"}) {
		t.Errorf("completed: %v", got)
	}
	if got := listIDs(t, db, "Amount IS NULL"); !slices.Equal(got, []string{"order-05"}) {
		t.Errorf("Amount IS NULL: %v", got)
	}
	if got := listIDs(t, db, "WorkflowId STARTS_WITH 'order-1' AND Customer != 'ann' AND (Amount < 1200 OR Amount > 1800)"); !slices.Equal(got, []string{"order-19", "order-11", "order-10"}) {
		t.Errorf("STARTS_WITH, !=, OR: %v", got)
	}
	before = db.Stats().VisibilityReads
	from, to := t0.Add(2*time.Minute).Format(time.RFC3339), t0.Add(4*time.Minute).Format(time.RFC3339)
	if got := listIDs(t, db, fmt.Sprintf("StartTime BETWEEN '%s' AND '%s'", from, to)); !slices.Equal(got, []string{"order-04", "order-03", "order-02"}) {
		t.Errorf("StartTime BETWEEN: %v", got)
	}
	if reads := db.Stats().VisibilityReads - before; reads != 3 {
		t.Errorf("the start-time range read %d runs, want 3", reads)
	}
	if n, err := db.CountRuns(ctx, "default", "WorkflowType = 'Order' AND ExecutionStatus = 'Running'"); err != nil || n != 19 {
		t.Errorf("count running: %d, %v", n, err)
	}

	// Pages.
	var pages [][]string
	var token []byte
	for {
		runs, next, err := db.ListRuns(ctx, ListRequest{Namespace: "default", Query: "Customer = 'ann'", PageSize: 2, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range runs {
			ids = append(ids, r.GetWorkflowId())
		}
		pages = append(pages, ids)
		if token = next; token == nil {
			break
		}
	}
	if fmt.Sprint(pages) != "[[order-16 order-12] [order-08 order-04] [order-00]]" {
		t.Errorf("pages: %v", pages)
	}

	// Bad queries say where they are wrong.
	var syntax *visibility.SyntaxError
	if _, _, err := db.ListRuns(ctx, ListRequest{Namespace: "default", Query: "Customer = 'ann' AND"}); !errors.As(err, &syntax) || syntax.Offset != 20 {
		t.Errorf("truncated query: %v", err)
	}
	if _, err := db.CountRuns(ctx, "default", "Colour = 'red'"); err == nil {
		t.Error("a query on an unknown attribute succeeded")
	}
	if _, _, err := db.ListRuns(ctx, ListRequest{Namespace: "default", PageToken: []byte{0xff}}); err == nil {
		t.Error("a malformed page token was accepted")
	}
	schema, err := db.Schema(ctx, "default")
	if err != nil || schema["Customer"] != visibility.Keyword || schema["Amount"] != visibility.Int {
		t.Errorf("schema: %v, %v", schema, err)
	}
}

func TestVisibilitySurvivesReopenAndSweep(t *testing.T) {
	dir := t.TempDir()
	db := openTest(t, dir, Options{Retention: time.Hour})
	startOrder(t, db, "a", "ann", 1, 0)
	startOrder(t, db, "b", "ann", 2, 1)
	mustAppend(t, db, &AppendRequest{Run: run("a"), Events: []*journalpb.Event{completed(2)},
		Status: journalpb.WorkflowStatus_WORKFLOW_STATUS_COMPLETED})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openTest(t, dir, Options{Retention: time.Hour})
	if got := listIDs(t, db, "Customer = 'ann'"); !slices.Equal(got, []string{"b", "a"}) {
		t.Fatalf("after reopening: %v", got)
	}
	if n, err := db.Sweep(time.Now().Add(2 * time.Hour)); err != nil || n != 1 {
		t.Fatalf("sweep: %d, %v", n, err)
	}
	before := db.Stats().VisibilityReads
	if got := listIDs(t, db, "Customer = 'ann'"); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("after the sweep: %v", got)
	}
	if reads := db.Stats().VisibilityReads - before; reads != 1 {
		t.Fatalf("the sweep left index entries: %d runs read", reads)
	}
}
