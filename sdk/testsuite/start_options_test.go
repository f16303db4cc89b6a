package testsuite_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/workflow"
)

var regionKey = temporal.NewSearchAttributeKeyKeyword("Region")

// Describe reports what the workflow knows of how it was started, and
// waits for a "done" signal if asked to.
func Describe(ctx workflow.Context, wait bool) (string, error) {
	if wait {
		workflow.GetSignalChannel(ctx, "done").Receive(ctx, nil)
	}
	info := workflow.GetInfo(ctx)
	region, _ := workflow.GetTypedSearchAttributes(ctx).GetKeyword(regionKey)
	var attempts int32
	if info.RetryPolicy != nil {
		attempts = info.RetryPolicy.MaximumAttempts
	}
	return fmt.Sprintf("%s on %s, run %v of %v, task %v, %d attempts, region %s",
		info.WorkflowExecution.ID, info.TaskQueueName, info.WorkflowRunTimeout, info.WorkflowExecutionTimeout,
		info.WorkflowTaskTimeout, attempts, region), nil
}

func TestSetStartWorkflowOptions(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{
		ID: "order-7", TaskQueue: "orders",
		WorkflowExecutionTimeout: 2 * time.Hour, WorkflowRunTimeout: time.Hour, WorkflowTaskTimeout: 5 * time.Second,
		RetryPolicy:           &temporal.RetryPolicy{MaximumAttempts: 3},
		TypedSearchAttributes: temporal.NewSearchAttributes(regionKey.ValueSet("eu")),
		Memo:                  map[string]any{"note": "rush"},
	})
	// The workflow ID the options set is the one signals reach.
	env.RegisterDelayedCallback(func() { require.NoError(t, env.SignalWorkflowByID("order-7", "done", nil)) }, time.Minute)
	env.ExecuteWorkflow(Describe, true)
	var out string
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, "order-7 on orders, run 1h0m0s of 2h0m0s, task 5s, 3 attempts, region eu", out)
}

func TestStartWorkflowOptionsDefaults(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{SearchAttributes: map[string]any{"Region": "us"}})
	env.ExecuteWorkflow(Describe, false)
	var out string
	require.NoError(t, env.GetWorkflowResult(&out))
	// Without a run timeout the workflow under test gets ten years, as in
	// Temporal's test environment.
	require.Equal(t, "default-test-workflow-id on default-test-taskqueue, run 87600h0m0s of 0s, task 0s, 0 attempts, region us", out)
}

func TestStartWorkflowOptionsTimeouts(t *testing.T) {
	for _, c := range []struct {
		name               string
		execution, run, at time.Duration
	}{
		{"execution timeout first", time.Hour, 3 * time.Hour, time.Hour},
		{"run timeout first", 3 * time.Hour, time.Hour, time.Hour},
		{"execution timeout alone", 90 * time.Minute, 0, 90 * time.Minute},
	} {
		t.Run(c.name, func(t *testing.T) {
			var ts testsuite.WorkflowTestSuite
			env := ts.NewTestWorkflowEnvironment()
			start := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
			env.SetStartTime(start)
			env.SetStartWorkflowOptions(client.StartWorkflowOptions{WorkflowExecutionTimeout: c.execution, WorkflowRunTimeout: c.run})
			env.ExecuteWorkflow(Describe, true)
			var timeoutErr *temporal.TimeoutError
			require.ErrorAs(t, env.GetWorkflowError(), &timeoutErr)
			require.Equal(t, start.Add(c.at), env.Now(), "when the workflow timed out on the virtual clock")
		})
	}
}

func TestStartWorkflowOptionsRunTimeoutWinsOverSetWorkflowRunTimeout(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	start := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	env.SetWorkflowRunTimeout(time.Hour)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{WorkflowRunTimeout: 2 * time.Hour})
	env.ExecuteWorkflow(Describe, true)
	require.Error(t, env.GetWorkflowError())
	require.Equal(t, start.Add(2*time.Hour), env.Now())
}

func TestStartWorkflowOptionsThatCannotBeEncoded(t *testing.T) {
	for _, c := range []struct {
		opts client.StartWorkflowOptions
		want string
	}{
		{client.StartWorkflowOptions{Memo: map[string]any{"bad": make(chan int)}}, `memo "bad"`},
		{client.StartWorkflowOptions{SearchAttributes: map[string]any{"Bad": struct{}{}}}, "Bad"},
	} {
		var ts testsuite.WorkflowTestSuite
		env := ts.NewTestWorkflowEnvironment()
		env.SetStartWorkflowOptions(c.opts)
		env.ExecuteWorkflow(Describe, false)
		require.False(t, env.IsWorkflowCompleted(), c.want)
		require.ErrorContains(t, env.GetWorkflowError(), "ExecuteWorkflow: ")
		require.ErrorContains(t, env.GetWorkflowError(), c.want)
	}
}
