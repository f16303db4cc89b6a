// Package testsuite runs workflow and activity unit tests in memory, shaped
// like the Temporal Go SDK's testsuite package: tests written for
// go.temporal.io/sdk/testsuite compile against it once the import path is
// changed.
//
// A TestWorkflowEnvironment runs the same deterministic runtime a node runs,
// with the engine replaced by an in-memory loop: activities run for real or
// are mocked with OnActivity (testify's mock), and time is virtual, so a
// workflow that waits seven days on a timer finishes in milliseconds.
//
//	func TestApproval(t *testing.T) {
//		var ts testsuite.WorkflowTestSuite
//		env := ts.NewTestWorkflowEnvironment()
//		env.OnActivity(Notify, mock.Anything, "ann").Return(nil)
//		env.RegisterDelayedCallback(func() { env.SignalWorkflow("approve", true) }, 48*time.Hour)
//		env.ExecuteWorkflow(Approval, "ann")
//		require.True(t, env.IsWorkflowCompleted())
//		require.NoError(t, env.GetWorkflowError())
//		env.AssertExpectations(t)
//	}
//
// Delayed callbacks, listeners (SetOnActivityStartedListener and the
// others) and mocks of child workflows and external signals run on the
// goroutine that calls ExecuteWorkflow, one at a time and never while the
// workflow code runs, so they can share the test's variables freely.
// Activities, and the mocks that stand for them, run on goroutines of their
// own: what they share with the rest of the test needs synchronization.
package testsuite

import "github.com/grainflow/grainflow/sdk/internal"

type (
	// WorkflowTestSuite creates test environments; embed it in a testify
	// suite or declare one in a test.
	WorkflowTestSuite = internal.WorkflowTestSuite
	// TestWorkflowEnvironment runs one workflow in memory with a virtual clock.
	TestWorkflowEnvironment = internal.TestWorkflowEnvironment
	// TestActivityEnvironment runs activities directly, as a worker would.
	TestActivityEnvironment = internal.TestActivityEnvironment
	// MockCallWrapper is one mock expectation set with OnActivity,
	// OnWorkflow, OnSignalExternalWorkflow or OnRequestCancelExternalWorkflow.
	MockCallWrapper = internal.MockCallWrapper
	// TestUpdateCallback receives the stages of an update sent with
	// TestWorkflowEnvironment.UpdateWorkflow through optional functions.
	TestUpdateCallback = internal.TestUpdateCallback
	// WorkerOptions are the worker options SetWorkerOptions takes (of the
	// workflow and the activity environment), the same type as
	// worker.Options; the environments honour BackgroundActivityContext and
	// DeadlockDetectionTimeout.
	WorkerOptions = internal.WorkerOptions
)
