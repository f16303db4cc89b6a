package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/grainflow/grainflow/cluster"
	"github.com/grainflow/grainflow/sdk/activity"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// DescribeOwnWorkflow asks, through the worker's client, for the status of
// the workflow that scheduled it.
func DescribeOwnWorkflow(ctx context.Context) (string, error) {
	c := activity.GetClient(ctx)
	desc, err := c.DescribeWorkflowExecution(ctx, activity.GetInfo(ctx).WorkflowExecution.ID, "")
	if err != nil {
		return "", err
	}
	return desc.Meta.GetStatus().String(), nil
}

// SelfAware runs DescribeOwnWorkflow.
func SelfAware(ctx workflow.Context) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var status string
	err := workflow.ExecuteActivity(ctx, DescribeOwnWorkflow).Get(ctx, &status)
	return status, err
}

func TestActivityGetClient(t *testing.T) {
	node, err := cluster.Open(cluster.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(client.Options{Node: node})
	if err != nil {
		t.Fatal(err)
	}
	w := worker.New(c, "self", worker.Options{})
	w.RegisterWorkflow(SelfAware)
	w.RegisterActivity(DescribeOwnWorkflow)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Stop(); c.Close(); _ = node.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "self-aware", TaskQueue: "self"}, SelfAware)
	if err != nil {
		t.Fatal(err)
	}
	var status string
	if err := run.Get(ctx, &status); err != nil || status != "WORKFLOW_STATUS_RUNNING" {
		t.Fatalf("activity saw its workflow as %q, %v; want WORKFLOW_STATUS_RUNNING", status, err)
	}
}
