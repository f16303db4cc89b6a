// Package internalbindings exposes the parts of the SDK's internal runtime
// that the engine (package actor) drives: the deterministic Execution, the
// registry, activity invocation, failures and retry rules. Go forbids actor/
// from importing sdk/internal directly; this package is that bridge, as
// Temporal's internalbindings is for its own engine-side users. Application
// code should not import it.
package internalbindings

import (
	"context"

	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/sdk/internal"
)

type (
	Execution           = internal.Execution
	ExecutionOptions    = internal.ExecutionOptions
	Registry            = internal.Registry
	DataConverter       = internal.DataConverter
	ActivityEnvironment = internal.ActivityEnvironment
	ActivityInfo        = internal.ActivityInfo
	ActivityType        = internal.ActivityType
	WorkflowType        = internal.WorkflowType
	WorkflowExecution   = internal.WorkflowExecution
	UnknownTypeError    = internal.UnknownTypeError
	Logger              = internal.Logger
)

var (
	NewExecution            = internal.NewExecution
	RunsCode                = internal.RunsCode
	CloseStatus             = internal.CloseStatus
	ChildParentExecution    = internal.ChildParentExecution
	ConvertErrorToFailure   = internal.ConvertErrorToFailure
	NewTimeoutError         = internal.NewTimeoutError
	NewCanceledError        = internal.NewCanceledError
	NewApplicationError     = internal.NewApplicationError
	NextRetryDelay          = internal.NextRetryDelay
	RetryPolicyFromProto    = internal.RetryPolicyFromProto
	ErrResultPending        = internal.ErrResultPending
	GetDefaultDataConverter = internal.GetDefaultDataConverter
	NewStructuredLogger     = internal.NewStructuredLogger
)

var (
	NewRegistry           = internal.NewRegistry
	FunctionName          = internal.FunctionName
	ConvertFailureToError = internal.ConvertFailureToError
)

type (
	NonDeterminismError    = internal.NonDeterminismError
	WorkflowTaskPanicError = internal.WorkflowTaskPanicError
	DeadlockError          = internal.DeadlockError
)

// RunActivity is internal.RunActivity. It is a function, not a variable
// like the bindings above, so that the compiler sees that env does not
// escape and the engine can keep each attempt's environment on its stack.
func RunActivity(ctx context.Context, fn any, env *ActivityEnvironment, input *journalpb.Payloads) (*journalpb.Payloads, error) {
	return internal.RunActivity(ctx, fn, env, input)
}
