package continueasnew_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/grainflow/grainflow/examples/continueasnew"
	"github.com/grainflow/grainflow/examples/internal/testnode"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/converter"
	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

var c *continueasnew.Compliance

// nextRunInput decodes the state a run handed to its continuation.
func nextRunInput(t *testing.T, err error) continueasnew.MonitorState {
	t.Helper()
	require.True(t, workflow.IsContinueAsNewError(err), "want a continue-as-new, got %v", err)
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(err, &can))
	require.Equal(t, "MonitorAccount", can.WorkflowType.Name)
	var next continueasnew.MonitorState
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	return next
}

func signalAt(env *testsuite.TestWorkflowEnvironment, delay time.Duration, name string, arg any) {
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(name, arg) }, delay)
}

func TestContinuesAsNewAfterEventsPerRun(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.OnActivity(c.ReportLargeTransaction, mock.Anything, "acc-1", continueasnew.Transaction{ID: "t2", AmountCents: -90000}).Return(nil).Once()
	for i, amount := range []int64{5000, -90000, 1200, 700} {
		signalAt(env, time.Duration(i+1)*time.Minute, continueasnew.TransactionSignal, continueasnew.Transaction{ID: fmt.Sprint("t", i+1), AmountCents: amount})
	}
	var midway continueasnew.MonitorState
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(continueasnew.StateQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(&midway))
	}, 150*time.Second)

	env.ExecuteWorkflow(continueasnew.MonitorAccount, continueasnew.MonitorState{Account: "acc-1", LargeCents: 50000, EventsPerRun: 3})

	require.True(t, env.IsWorkflowCompleted())
	next := nextRunInput(t, env.GetWorkflowError())
	require.Equal(t, continueasnew.MonitorState{
		Account: "acc-1", BalanceCents: 5000 - 90000 + 1200, Processed: 3, Reported: 1, Runs: 1, LargeCents: 50000, EventsPerRun: 3,
	}, next)
	require.Equal(t, 2, midway.Processed)
	env.AssertExpectations(t)
}

func TestTransactionsAlreadyReceivedAreHandledBeforeContinuing(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	// Five transactions in the same instant: the run's limit is three, and
	// the two others are drained rather than left in the old run.
	env.RegisterDelayedCallback(func() {
		for i := 1; i <= 5; i++ {
			env.SignalWorkflow(continueasnew.TransactionSignal, continueasnew.Transaction{ID: fmt.Sprint("t", i), AmountCents: 100})
		}
	}, time.Minute)

	env.ExecuteWorkflow(continueasnew.MonitorAccount, continueasnew.MonitorState{Account: "acc-1", EventsPerRun: 3})

	next := nextRunInput(t, env.GetWorkflowError())
	require.Equal(t, 5, next.Processed)
	require.Equal(t, int64(500), next.BalanceCents)
}

func TestALaterRunStartsFromTheCarriedState(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	carried := continueasnew.MonitorState{Account: "acc-1", BalanceCents: 12000, Processed: 40, Reported: 2, Runs: 4, LargeCents: 50000, EventsPerRun: 10}
	signalAt(env, time.Hour, continueasnew.TransactionSignal, continueasnew.Transaction{ID: "t41", AmountCents: -2000})
	signalAt(env, 2*time.Hour, continueasnew.TransactionSignal, continueasnew.Transaction{ID: "t42", AmountCents: 500})
	signalAt(env, 3*time.Hour, continueasnew.CloseSignal, nil)

	env.ExecuteWorkflow(continueasnew.MonitorAccount, carried)

	var final continueasnew.MonitorState
	require.NoError(t, env.GetWorkflowResult(&final))
	require.Equal(t, int64(10500), final.BalanceCents)
	require.Equal(t, 42, final.Processed)
	require.Equal(t, 5, final.Runs)
	require.Equal(t, 2, final.Reported)
}

func TestNoTransactionIsLostAcrossRunsOnANode(t *testing.T) {
	compliance := &continueasnew.Compliance{}
	cl := testnode.Start(t, continueasnew.TaskQueue, func(w worker.Worker) { continueasnew.Register(w, compliance) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	run, err := cl.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "monitor-acc-9", TaskQueue: continueasnew.TaskQueue},
		continueasnew.MonitorAccount, continueasnew.MonitorState{Account: "acc-9", LargeCents: 1000, EventsPerRun: 4})
	require.NoError(t, err)
	const n = 30
	var want int64
	for i := 1; i <= n; i++ {
		amount := int64(i * 100)
		want += amount
		require.NoError(t, cl.SignalWorkflow(ctx, "monitor-acc-9", "", continueasnew.TransactionSignal, continueasnew.Transaction{ID: fmt.Sprint("t", i), AmountCents: amount}))
	}
	require.NoError(t, cl.SignalWorkflow(ctx, "monitor-acc-9", "", continueasnew.CloseSignal, nil))

	// Get follows the chain of runs to the last one.
	var final continueasnew.MonitorState
	require.NoError(t, run.Get(ctx, &final))
	require.Equal(t, n, final.Processed)
	require.Equal(t, want, final.BalanceCents)
	require.Greater(t, final.Runs, 1, "the monitor should have continued as new")
	// t10 to t30 are of 1,000 cents or more: reported once each.
	require.Equal(t, 21, final.Reported)
	require.Len(t, compliance.Reports(), 21)
}
