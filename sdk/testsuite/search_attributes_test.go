package testsuite_test

import (
	"testing"

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
