package testsuite_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/workflow"
)

var statusKey = temporal.NewSearchAttributeKeyKeyword("OrderStatus")

// Tracker records its progress in a search attribute and returns what it
// reads back.
func Tracker(ctx workflow.Context) ([]string, error) {
	var seen []string
	for _, s := range []string{"received", "paid"} {
		if err := workflow.UpsertTypedSearchAttributes(ctx, statusKey.ValueSet(s)); err != nil {
			return nil, err
		}
		v, _ := workflow.GetTypedSearchAttributes(ctx).GetKeyword(statusKey)
		seen = append(seen, v)
	}
	if err := workflow.UpsertSearchAttributes(ctx, map[string]any{"OrderStatus": nil}); err != nil {
		return nil, err
	}
	if workflow.GetTypedSearchAttributes(ctx).ContainsKey(statusKey) {
		seen = append(seen, "still set")
	}
	if err := workflow.UpsertMemo(ctx, map[string]any{"note": "done"}); err != nil {
		return nil, err
	}
	if err := workflow.UpsertSearchAttributes(ctx, map[string]any{"Bad": struct{}{}}); err == nil {
		seen = append(seen, "accepted a struct")
	}
	return seen, nil
}

func TestUpsertSearchAttributesInTheTestEnvironment(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.ExecuteWorkflow(Tracker)
	require.NoError(t, env.GetWorkflowError())
	var seen []string
	require.NoError(t, env.GetWorkflowResult(&seen))
	require.Equal(t, []string{"received", "paid"}, seen)
}

// The search attributes and memo a workflow starts with are set with
// Set*OnStart; values that cannot be encoded are refused.
func TestSearchAttributesAndMemoOnStart(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	priority := temporal.NewSearchAttributeKeyInt64("Priority")
	require.NoError(t, env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(statusKey.ValueSet("new"), priority.ValueSet(3))))
	require.NoError(t, env.SetMemoOnStart(map[string]any{"owner": "ann"}))
	require.Error(t, env.SetMemoOnStart(map[string]any{"bad": func() {}}))
	require.Error(t, env.SetSearchAttributesOnStart(map[string]any{"Bad": struct{}{}}))
	env.ExecuteWorkflow(func(ctx workflow.Context) (string, error) {
		sa := workflow.GetTypedSearchAttributes(ctx)
		status, _ := sa.GetKeyword(statusKey)
		p, _ := sa.GetInt64(priority)
		return fmt.Sprintf("%s/%d", status, p), nil
	})
	var got string
	require.NoError(t, env.GetWorkflowResult(&got))
	require.Equal(t, "new/3", got)

	env = ts.NewTestWorkflowEnvironment()
	require.NoError(t, env.SetSearchAttributesOnStart(map[string]any{"OrderStatus": "old"}))
	env.ExecuteWorkflow(func(ctx workflow.Context) (string, error) {
		status, _ := workflow.GetTypedSearchAttributes(ctx).GetKeyword(statusKey)
		return status, nil
	})
	require.NoError(t, env.GetWorkflowResult(&got))
	require.Equal(t, "old", got)
}

// Once an upsert mock is set, every upsert of that kind must match one, as
// in Temporal; the upserts still apply. Without a mock they just apply.
func TestUpsertMocks(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.OnUpsertTypedSearchAttributes(temporal.NewSearchAttributes(statusKey.ValueSet("received"))).Return().Once()
	env.OnUpsertTypedSearchAttributes(temporal.NewSearchAttributes(statusKey.ValueSet("paid"))).Return().Once()
	env.OnUpsertSearchAttributes(map[string]any{"OrderStatus": nil}).Return().Once()
	// Invalid upserts reach the mock too (and still fail), as in Temporal.
	env.OnUpsertSearchAttributes(map[string]any{"Bad": struct{}{}}).Return().Once()
	env.OnUpsertMemo(mock.Anything).Return()
	env.ExecuteWorkflow(Tracker)
	var seen []string
	require.NoError(t, env.GetWorkflowResult(&seen))
	require.Equal(t, []string{"received", "paid"}, seen)
	env.AssertExpectations(t)
	env.AssertWorkflowCalled(t, "workflow.UpsertMemo", map[string]any{"note": "done"})

	// An upsert no mock matches fails the workflow.
	env = ts.NewTestWorkflowEnvironment()
	env.OnUpsertTypedSearchAttributes(temporal.NewSearchAttributes(statusKey.ValueSet("received"))).Return()
	env.ExecuteWorkflow(Tracker)
	var panicErr *temporal.PanicError
	require.ErrorAs(t, env.GetWorkflowError(), &panicErr)
	require.ErrorContains(t, env.GetWorkflowError(), "UpsertTypedSearchAttributes")
}
