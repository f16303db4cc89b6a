package testsuite_test

import (
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

// Notifier signals and cancels workflows outside the environment and
// reports how each call ended: "ok", or the error's type and message.
func Notifier(ctx workflow.Context) ([]string, error) {
	var out []string
	record := func(what string, f workflow.Future) {
		err := f.Get(ctx, nil)
		var appErr *temporal.ApplicationError
		switch {
		case err == nil:
			out = append(out, what+": ok")
		case errors.As(err, &appErr):
			out = append(out, fmt.Sprintf("%s: %s: %s", what, appErr.Type(), appErr.Message()))
		default:
			out = append(out, what+": "+err.Error())
		}
	}
	record("signal billing", workflow.SignalExternalWorkflow(ctx, "billing", "", "charge", 42))
	record("signal audit", workflow.SignalExternalWorkflow(ctx, "audit", "run-7", "log", "x"))
	record("cancel billing", workflow.RequestCancelExternalWorkflow(ctx, "billing", ""))
	return out, nil
}

func TestMockedExternalSignalsAndCancels(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	start := env.Now()
	env.OnSignalExternalWorkflow(mock.Anything, "billing", "", "charge", 42).Return(nil).After(time.Minute).Once()
	env.OnSignalExternalWorkflow(mock.Anything, "audit", mock.Anything, mock.Anything, mock.Anything).Return(
		func(namespace, workflowID, runID, signalName string, arg interface{}) error {
			return fmt.Errorf("%s/%s in %s refused %s %v", workflowID, runID, namespace, signalName, arg)
		}).Once()
	env.OnRequestCancelExternalWorkflow("default-test-namespace", "billing", "").Return(nil).Once()

	env.ExecuteWorkflow(Notifier)

	var out []string
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, []string{
		"signal billing: ok",
		"signal audit: UnknownExternalWorkflowExecution: audit/run-7 in default-test-namespace refused log x",
		"cancel billing: ok",
	}, out)
	require.Equal(t, start.Add(time.Minute), env.Now(), "After delays the signal's outcome on the virtual clock")
	env.AssertExpectations(t)
	env.AssertWorkflowNumberOfCalls(t, "workflow.SignalExternalWorkflow", 2)
}

// Without mocks, signals and cancel requests to workflows outside the
// environment fail as on a node.
func TestUnmockedExternalSignalsAndCancelsFail(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()

	env.ExecuteWorkflow(Notifier)

	var out []string
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, []string{
		`signal billing: UnknownExternalWorkflowExecution: no workflow "billing" in the test environment`,
		`signal audit: UnknownExternalWorkflowExecution: no workflow "audit" in the test environment`,
		`cancel billing: UnknownExternalWorkflowExecution: no workflow "billing" in the test environment`,
	}, out)
}

// A signal that no expectation of OnSignalExternalWorkflow matches fails
// with testify's account of the mismatch.
func TestExternalSignalNoMockMatches(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.OnSignalExternalWorkflow(mock.Anything, "elsewhere", mock.Anything, mock.Anything, mock.Anything).Return(nil).Maybe()
	env.OnRequestCancelExternalWorkflow(mock.Anything, mock.Anything, mock.Anything).Return(nil).Once()

	env.ExecuteWorkflow(Notifier)

	var out []string
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Len(t, out, 3)
	require.Contains(t, out[0], "signal billing: UnknownExternalWorkflowExecution: mock of workflow.SignalExternalWorkflow: ")
	require.Contains(t, out[0], "mock: Unexpected Method Call")
	require.Equal(t, "cancel billing: ok", out[2])
	env.AssertExpectations(t)
}

// A child of the environment that has closed is not outside it: a signal
// to it fails even when a mock would match any signal.
func TestExternalSignalToAClosedChildIsNotMocked(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(Reminder)
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything).Return(nil).Maybe()

	env.ExecuteWorkflow(func(ctx workflow.Context) error {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: "done-child"})
		if err := workflow.ExecuteChildWorkflow(cctx, Reminder, "ann").Get(ctx, nil); err != nil {
			return err
		}
		return workflow.SignalExternalWorkflow(ctx, "done-child", "", "late", nil).Get(ctx, nil)
	})

	var appErr *temporal.ApplicationError
	require.ErrorAs(t, env.GetWorkflowError(), &appErr)
	require.Equal(t, "UnknownExternalWorkflowExecution", appErr.Type())
	require.Equal(t, `workflow "done-child" already closed`, appErr.Message())
	env.AssertWorkflowNotCalled(t, "workflow.SignalExternalWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything)
}
