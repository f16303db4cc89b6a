package testsuite_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

type tenantKey struct{}

// Tenant reads a value the worker put in the background activity context.
func Tenant(ctx context.Context) (string, error) {
	tenant, _ := ctx.Value(tenantKey{}).(string)
	return tenant, nil
}

// Activity contexts derive from the BackgroundActivityContext of the
// worker options, in both environments.
func TestBackgroundActivityContext(t *testing.T) {
	background := context.WithValue(context.Background(), tenantKey{}, "acme")
	var ts testsuite.WorkflowTestSuite

	env := ts.NewTestWorkflowEnvironment()
	env.SetWorkerOptions(testsuite.WorkerOptions{BackgroundActivityContext: background})
	env.RegisterActivity(Tenant)
	env.ExecuteWorkflow(func(ctx workflow.Context) (string, error) {
		ctx = workflow.WithActivityOptions(ctx, activityOptions)
		var tenant string
		err := workflow.ExecuteActivity(ctx, Tenant).Get(ctx, &tenant)
		return tenant, err
	})
	var tenant string
	require.NoError(t, env.GetWorkflowResult(&tenant))
	require.Equal(t, "acme", tenant)

	actEnv := ts.NewTestActivityEnvironment()
	actEnv.SetWorkerOptions(worker.Options{BackgroundActivityContext: background}) // Temporal's spelling
	v, err := actEnv.ExecuteActivity(Tenant)
	require.NoError(t, err)
	require.NoError(t, v.Get(&tenant))
	require.Equal(t, "acme", tenant)
}
