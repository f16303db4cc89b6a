package workflow_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// CountUntilSuggested receives "blob" signals until continue-as-new is
// suggested and then continues as new, passing on how many it received.
func CountUntilSuggested(ctx workflow.Context, received int) error {
	blobs := workflow.GetSignalChannel(ctx, "blob")
	for !workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
		blobs.Receive(ctx, nil)
		received++
	}
	return workflow.NewContinueAsNewError(ctx, CountUntilSuggested, received)
}

// TestContinueAsNewSuggestedInTheTestEnvironment: the suggestion comes from
// the runtime, so the test environment gives it too.
func TestContinueAsNewSuggestedInTheTestEnvironment(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	blob := strings.Repeat("x", 1<<20-4096)
	for i := 1; i <= 6; i++ {
		env.RegisterDelayedCallback(func() { env.SignalWorkflow("blob", blob) }, time.Duration(i)*time.Minute)
	}
	env.ExecuteWorkflow(CountUntilSuggested, 0)
	var can *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("workflow returned %v, want a continue-as-new once the history passed 4 MiB", err)
	}
}
