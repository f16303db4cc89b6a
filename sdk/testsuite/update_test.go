package testsuite_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// Reserve is the activity an "add" update runs before it changes the counter.
func Reserve(_ context.Context, n int) (int, error) { return n, nil }

// CounterWorkflow keeps a total that "add" updates change (negative addends
// are rejected by the validator) until a "done" signal, then waits for
// running handlers and returns the total.
func CounterWorkflow(ctx workflow.Context) (int, error) {
	total := 0
	err := workflow.SetUpdateHandlerWithOptions(ctx, "add", func(ctx workflow.Context, n int) (int, error) {
		info := workflow.GetCurrentUpdateInfo(ctx)
		ctx = workflow.WithActivityOptions(ctx, activityOptions)
		var reserved int
		if err := workflow.ExecuteActivity(ctx, Reserve, n).Get(ctx, &reserved); err != nil {
			return 0, err
		}
		if reserved == 13 {
			return 0, temporal.NewApplicationError("unlucky number "+info.ID, "Unlucky")
		}
		if err := workflow.Sleep(ctx, time.Hour); err != nil {
			return 0, err
		}
		total += reserved
		return total, nil
	}, workflow.UpdateHandlerOptions{
		Validator: func(n int) error {
			if n < 0 {
				return fmt.Errorf("negative addend %d", n)
			}
			return nil
		},
	})
	if err != nil {
		return 0, err
	}
	workflow.GetSignalChannel(ctx, "done").Receive(ctx, nil)
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return 0, err
	}
	return total, nil
}

// updateLog records what the callbacks of one update saw.
type updateLog struct {
	accepted bool
	rejected error
	result   any
	err      error
	done     bool
}

func (l *updateLog) callbacks() *testsuite.TestUpdateCallback {
	return &testsuite.TestUpdateCallback{
		OnAccept:   func() { l.accepted = true },
		OnReject:   func(err error) { l.rejected = err },
		OnComplete: func(r any, err error) { l.result, l.err, l.done = r, err, true },
	}
}

func TestUpdateAcceptedRejectedAndCompleted(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterActivity(Reserve)
	var first, negative, unlucky, unknown updateLog
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow("add", "u1", first.callbacks(), 5)
		env.UpdateWorkflow("add", "u2", negative.callbacks(), -1)
		env.UpdateWorkflow("add", "u3", unlucky.callbacks(), 13)
		env.UpdateWorkflow("subtract", "u4", unknown.callbacks(), 1)
	}, time.Minute)
	env.RegisterDelayedCallback(func() {
		// The first update still sleeps: the workflow waits for it.
		require.False(t, first.done)
		env.SignalWorkflow("done", nil)
	}, 30*time.Minute)
	start := env.Now()
	env.ExecuteWorkflow(CounterWorkflow)

	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var total int
	require.NoError(t, env.GetWorkflowResult(&total))
	require.Equal(t, 5, total)
	// The handler slept an hour of virtual time, which the workflow awaited.
	require.Equal(t, start.Add(time.Minute+time.Hour), env.Now())

	require.True(t, first.accepted)
	require.NoError(t, first.rejected)
	require.True(t, first.done)
	require.NoError(t, first.err)
	require.Equal(t, 5, first.result)

	require.False(t, negative.accepted)
	require.ErrorContains(t, negative.rejected, "negative addend -1")
	require.False(t, negative.done)

	require.True(t, unlucky.accepted)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(unlucky.err, &appErr))
	require.Equal(t, "Unlucky", appErr.Type())
	require.ErrorContains(t, unlucky.err, "unlucky number u3")

	require.False(t, unknown.accepted)
	require.ErrorContains(t, unknown.rejected, `unknown update "subtract"; known update names: [add]`)
}

func TestUpdateWithMockedActivity(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.OnActivity(Reserve, mock.Anything, 2).Return(40, nil).Once()
	var l updateLog
	env.RegisterDelayedCallback(func() { env.UpdateWorkflow("add", "", l.callbacks(), 2) }, time.Second)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow("done", nil) }, 2*time.Second)
	env.ExecuteWorkflow(CounterWorkflow)
	require.NoError(t, env.GetWorkflowError())
	var total int
	require.NoError(t, env.GetWorkflowResult(&total))
	require.Equal(t, 40, total)
	require.Equal(t, 40, l.result)
	env.AssertExpectations(t)
}

// ValidatorThatSleeps has a validator that tries to block, which validators
// must not do: the update is rejected.
func ValidatorThatSleeps(ctx workflow.Context) (string, error) {
	err := workflow.SetUpdateHandlerWithOptions(ctx, "poke", func(ctx workflow.Context) error { return nil },
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context) error { return workflow.Sleep(ctx, time.Second) }})
	if err != nil {
		return "", err
	}
	workflow.GetSignalChannel(ctx, "done").Receive(ctx, nil)
	return "ok", nil
}

func TestUpdateValidatorMustNotBlock(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	var l updateLog
	env.RegisterDelayedCallback(func() { env.UpdateWorkflow("poke", "p", l.callbacks()) }, time.Second)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow("done", nil) }, 2*time.Second)
	env.ExecuteWorkflow(ValidatorThatSleeps)
	require.ErrorContains(t, l.rejected, "validator panicked")
	require.False(t, l.accepted)
	require.NoError(t, env.GetWorkflowError())
}

func TestUpdateHandlerRegistrationErrors(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	var errs []string
	env.ExecuteWorkflow(func(ctx workflow.Context) error {
		for _, err := range []error{
			workflow.SetUpdateHandler(ctx, "noctx", func(n int) error { return nil }),
			workflow.SetUpdateHandler(ctx, "__reserved", func(ctx workflow.Context) error { return nil }),
			workflow.SetUpdateHandlerWithOptions(ctx, "mismatch", func(ctx workflow.Context, n int) error { return nil },
				workflow.UpdateHandlerOptions{Validator: func(s string) error { return nil }}),
		} {
			errs = append(errs, fmt.Sprint(err))
		}
		return nil
	})
	require.NoError(t, env.GetWorkflowError())
	require.Contains(t, errs[0], "must take a workflow.Context as its first parameter")
	require.Contains(t, errs[1], "reserved")
	require.Contains(t, errs[2], "must take the handler's parameters")
}

func TestUpdateUnfinishedWhenWorkflowReturns(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	var l updateLog
	env.ExecuteWorkflow(func(ctx workflow.Context) error {
		if err := workflow.SetUpdateHandler(ctx, "wait", func(ctx workflow.Context) error {
			return workflow.Sleep(ctx, 24*time.Hour)
		}); err != nil {
			return err
		}
		env.UpdateWorkflow("wait", "w", l.callbacks())
		return workflow.Sleep(ctx, time.Hour)
	})
	require.NoError(t, env.GetWorkflowError())
	require.True(t, l.accepted)
	require.True(t, l.done)
	require.ErrorContains(t, l.err, "closed before the update completed")
}
