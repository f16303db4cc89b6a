package mocks_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/mocks"
)

// checkout is code under test that takes a client: it starts an order
// workflow and waits for its result.
func checkout(ctx context.Context, c client.Client, orderID string) (string, error) {
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "order-" + orderID, TaskQueue: "orders"}, "OrderWorkflow", orderID)
	if err != nil {
		return "", err
	}
	var status string
	err = run.Get(ctx, &status)
	return status, err
}

func TestCheckoutWithMockedClient(t *testing.T) {
	run := mocks.NewWorkflowRun(t)
	run.On("Get", mock.Anything, mock.Anything).Return(func(_ context.Context, valuePtr any) error {
		*valuePtr.(*string) = "shipped"
		return nil
	})
	c := mocks.NewClient(t)
	c.On("ExecuteWorkflow", mock.Anything, mock.MatchedBy(func(o client.StartWorkflowOptions) bool { return o.ID == "order-7" }),
		"OrderWorkflow", "7").Return(run, nil).Once()

	status, err := checkout(context.Background(), c, "7")
	require.NoError(t, err)
	require.Equal(t, "shipped", status)
	// NewClient and NewWorkflowRun assert their expectations at cleanup.
}

func TestCheckoutReportsAStartFailure(t *testing.T) {
	c := mocks.NewClient(t)
	refused := errors.New("refused")
	c.On("ExecuteWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything).Return(nil, refused)
	_, err := checkout(context.Background(), c, "8")
	require.ErrorIs(t, err, refused)
}
