package testsuite_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/grainflow/grainflow/sdk/converter"
	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// InfoChild reports what its WorkflowInfo says about its parent and cron
// schedule.
func InfoChild(ctx workflow.Context) (string, error) {
	info := workflow.GetInfo(ctx)
	return fmt.Sprintf("parent %s/%s, cron %q", info.ParentWorkflowNamespace, info.ParentWorkflowExecution.ID, info.CronSchedule), nil
}

// InfoReader reads its memo and search attributes from WorkflowInfo before
// and after upserting them, then runs InfoChild.
func InfoReader(ctx workflow.Context) ([]string, error) {
	dc := converter.GetDefaultDataConverter()
	read := func() string {
		info := workflow.GetInfo(ctx)
		var owner, region string
		if p := info.Memo.GetFields()["owner"]; p != nil {
			_ = dc.FromPayload(p, &owner)
		}
		if p := info.SearchAttributes.GetIndexedFields()["Region"]; p != nil {
			_ = dc.FromPayload(p, &region)
		}
		return owner + "@" + region
	}
	out := []string{read()}
	if err := workflow.UpsertMemo(ctx, map[string]any{"owner": "bob"}); err != nil {
		return nil, err
	}
	if err := workflow.UpsertSearchAttributes(ctx, map[string]any{"Region": "eu"}); err != nil {
		return nil, err
	}
	out = append(out, read())
	var child string
	err := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: "info-child"}), InfoChild).Get(ctx, &child)
	return append(out, child), err
}

func TestWorkflowInfoCarriesMemoSearchAttributesAndParent(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(InfoChild)
	require.NoError(t, env.SetMemoOnStart(map[string]any{"owner": "ann"}))
	require.NoError(t, env.SetSearchAttributesOnStart(map[string]any{"Region": "us"}))
	env.ExecuteWorkflow(InfoReader)
	var got []string
	require.NoError(t, env.GetWorkflowResult(&got))
	require.Equal(t, []string{"ann@us", "bob@eu", `parent default-test-namespace/default-test-workflow-id, cron ""`}, got)
}

// RootReporter reports its root execution ("none" without one), then what
// its descendants report, down depth generations of children.
func RootReporter(ctx workflow.Context, depth int) ([]string, error) {
	out := []string{"none"}
	if root := workflow.GetInfo(ctx).RootWorkflowExecution; root != nil {
		out[0] = root.ID + "/" + root.RunID
	}
	if depth == 0 {
		return out, nil
	}
	var below []string
	opts := workflow.ChildWorkflowOptions{WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID + "-child"}
	err := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts), RootReporter, depth-1).Get(ctx, &below)
	return append(out, below...), err
}

func TestRootWorkflowExecution(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(RootReporter)
	env.ExecuteWorkflow(RootReporter, 2)
	var got []string
	require.NoError(t, env.GetWorkflowResult(&got))
	require.Len(t, got, 3)
	require.Equal(t, "none", got[0])
	require.Regexp(t, "^default-test-workflow-id/.+", got[1], "the child's root is the top workflow's run")
	require.Equal(t, got[1], got[2], "the grandchild's root is the child's root")
}
