package internal

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime/debug"
	"sync"
	"time"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// ErrResultPending, returned by an activity, means the activity will be
// completed later by client.CompleteActivity (with its Info.TaskToken) or
// CompleteActivityByID. Its start-to-close and schedule-to-close timeouts
// still apply.
var ErrResultPending = errors.New("not error: do not autocomplete, using Client.CompleteActivity() to complete")

// ActivityType names an activity.
type ActivityType struct {
	// Name is the activity's registered name.
	Name string
}

// GetName returns t.Name; it lets code written against Temporal's protobuf
// activity type (ActivityError.ActivityType().GetName()) compile unchanged.
func (t *ActivityType) GetName() string {
	if t == nil {
		return ""
	}
	return t.Name
}

// ActivityInfo describes the running activity attempt; activity.GetInfo
// returns it. WorkflowExecution plus ActivityID identify the activity across
// attempts and restarts, which makes them a good idempotency key.
type ActivityInfo struct {
	// TaskToken identifies this activity for the engine.
	TaskToken []byte
	// WorkflowType is the type of the workflow that scheduled the activity.
	WorkflowType *WorkflowType
	// WorkflowNamespace is the namespace of that workflow. Deprecated: use
	// Namespace, which holds the same value.
	WorkflowNamespace string
	// WorkflowExecution is the ID and run ID of that workflow.
	WorkflowExecution WorkflowExecution
	// ActivityID is the activity's ID, unique within the workflow run.
	ActivityID string
	// ActivityType is the activity's registered name.
	ActivityType ActivityType
	// TaskQueue is the task queue the activity was scheduled on.
	TaskQueue string
	// Namespace is the activity's namespace.
	Namespace string
	// HeartbeatTimeout is the longest allowed gap between heartbeats; 0
	// means none is required.
	HeartbeatTimeout time.Duration
	// ScheduleToCloseTimeout bounds the activity, retries included.
	ScheduleToCloseTimeout time.Duration
	// StartToCloseTimeout bounds one attempt.
	StartToCloseTimeout time.Duration
	// ScheduledTime is when the workflow scheduled the activity.
	ScheduledTime time.Time
	// StartedTime is when this attempt started.
	StartedTime time.Time
	// Deadline is when this attempt times out.
	Deadline time.Time
	// Attempt is 1 for the first attempt and grows with each retry.
	Attempt int32
	// IsLocalActivity is always false: local activities are not supported.
	IsLocalActivity bool
	// RetryPolicy is the activity's retry policy, if the workflow set one.
	RetryPolicy *RetryPolicy
}

// IsWorkflowActivity reports whether a workflow scheduled the activity
// (always, in this engine).
func (i *ActivityInfo) IsWorkflowActivity() bool { return i.WorkflowExecution.ID != "" }

// ActivityEnvironment is what an activity attempt can reach through its
// context: its info, the previous attempt's heartbeat details, and the
// engine's heartbeat callback. The engine builds one per attempt.
type ActivityEnvironment struct {
	Info ActivityInfo
	// NewTaskToken, if set and Info.TaskToken is not, builds the task token
	// the first time the activity asks for its info: few activities need
	// it, so an engine can leave it unbuilt for the others.
	NewTaskToken func() []byte
	// HeartbeatDetails are the last details an earlier attempt heartbeated.
	HeartbeatDetails *journalpb.Payloads
	// DataConverter encodes arguments, results and heartbeat details
	// (default GetDefaultDataConverter()).
	DataConverter DataConverter
	// Logger is what activity.GetLogger returns. If it is nil, NewLogger
	// builds it the first time the activity logs; without either, entries
	// are discarded.
	Logger Logger
	// NewLogger builds the logger on first use, for an engine whose
	// per-attempt logger costs something to make and is seldom used.
	NewLogger func() Logger
	// Heartbeat delivers encoded heartbeat details to the engine; it must be
	// safe to call from any goroutine.
	Heartbeat func(details *journalpb.Payloads)
}

// activityAttempt is what an activity context carries: RunActivity's copy
// of the environment, whose task token and logger are built on first use.
// Read them through info and logger only, which may run concurrently.
type activityAttempt struct {
	env                  ActivityEnvironment
	infoOnce, loggerOnce sync.Once
}

// info returns the attempt's info, with its task token.
func (a *activityAttempt) info() ActivityInfo {
	a.infoOnce.Do(func() {
		if a.env.Info.TaskToken == nil && a.env.NewTaskToken != nil {
			a.env.Info.TaskToken = a.env.NewTaskToken()
		}
	})
	return a.env.Info
}

// logger returns the attempt's logger.
func (a *activityAttempt) logger() Logger {
	a.loggerOnce.Do(func() {
		switch {
		case a.env.Logger != nil:
		case a.env.NewLogger != nil:
			a.env.Logger = a.env.NewLogger()
		default:
			a.env.Logger = discardLogger{}
		}
	})
	return a.env.Logger
}

type activityAttemptKey struct{}

// withActivityAttempt returns a context for an attempt in env: it carries
// a copy of env, with the default data converter and namespace filled in.
func withActivityAttempt(ctx context.Context, env *ActivityEnvironment) (context.Context, *activityAttempt) {
	a := &activityAttempt{env: *env}
	if a.env.DataConverter == nil {
		a.env.DataConverter = GetDefaultDataConverter()
	}
	if a.env.Info.Namespace == "" {
		a.env.Info.Namespace = a.env.Info.WorkflowNamespace
	}
	return context.WithValue(ctx, activityAttemptKey{}, a), a
}

// IsActivityContext reports whether ctx is (or derives from) the context
// of an activity attempt.
func IsActivityContext(ctx context.Context) bool {
	_, ok := ctx.Value(activityAttemptKey{}).(*activityAttempt)
	return ok
}

// mustActivityAttempt returns the attempt of an activity context for the
// activity package's functions, which panic outside an activity, as
// Temporal's do: calling them elsewhere is a programming error.
func mustActivityAttempt(ctx context.Context, op string) *activityAttempt {
	a, ok := ctx.Value(activityAttemptKey{}).(*activityAttempt)
	if !ok {
		panic(fmt.Sprintf("activity.%s called outside an activity context", op))
	}
	return a
}

// GetActivityInfo returns the info of the running activity.
func GetActivityInfo(ctx context.Context) ActivityInfo {
	return mustActivityAttempt(ctx, "GetInfo").info()
}

// RecordActivityHeartbeat reports that the activity is alive, with progress
// details that a later attempt can read with GetActivityHeartbeatDetails
// and that a heartbeat timeout error carries. Details that cannot be
// encoded are logged and not sent.
func RecordActivityHeartbeat(ctx context.Context, details ...any) {
	a := mustActivityAttempt(ctx, "RecordHeartbeat")
	env := &a.env
	payloads, err := env.DataConverter.ToPayloads(details...)
	if err != nil {
		a.logger().Error("activity heartbeat details cannot be encoded; heartbeat not sent", "error", err)
		return
	}
	if env.Heartbeat != nil {
		env.Heartbeat(payloads)
	}
}

// HasActivityHeartbeatDetails reports whether an earlier attempt heartbeated details.
func HasActivityHeartbeatDetails(ctx context.Context) bool {
	return len(mustActivityAttempt(ctx, "HasHeartbeatDetails").env.HeartbeatDetails.GetPayloads()) > 0
}

// GetActivityHeartbeatDetails decodes the last details an earlier attempt
// heartbeated, or returns ErrNoData.
func GetActivityHeartbeatDetails(ctx context.Context, valuePtrs ...any) error {
	env := &mustActivityAttempt(ctx, "GetHeartbeatDetails").env
	if len(env.HeartbeatDetails.GetPayloads()) == 0 {
		return ErrNoData
	}
	return env.DataConverter.FromPayloads(env.HeartbeatDetails, valuePtrs...)
}

// GetActivityLogger returns the activity's logger.
func GetActivityLogger(ctx context.Context) Logger {
	return mustActivityAttempt(ctx, "GetLogger").logger()
}

// Application error types of the failures RunActivity produces itself.
const (
	// ActivityArgumentsErrorType marks input that does not fit the
	// function's parameters (too many values, or a value of the wrong type).
	ActivityArgumentsErrorType = "BadArguments"
	// ActivityResultErrorType marks a result that cannot be encoded.
	ActivityResultErrorType = "BadResult"
	// ActivitySignatureErrorType marks a fn that is not a valid activity.
	ActivitySignatureErrorType = "BadActivityFunction"
)

// RunActivity runs one attempt of activity fn: it decodes input into fn's
// parameters, calls fn with a context that carries a copy of env, and
// encodes the result. (Temporal's SDK calls this ExecuteActivity; in this
// package that name is the workflow API's.)
//
// Input with fewer values than fn has parameters leaves the rest at their
// zero values, as Temporal does, so parameters can be added to an activity
// without breaking workflows that schedule it. Input that does not fit
// (more values, or a value of the wrong type), an invalid fn, and a result
// that cannot be encoded give a non-retryable ApplicationError, since
// another attempt would fail the same way. A panic in fn becomes a
// retryable PanicError carrying the stack. Errors fn returns are returned
// unchanged.
func RunActivity(ctx context.Context, fn any, env *ActivityEnvironment, input *journalpb.Payloads) (result *journalpb.Payloads, err error) {
	name := env.Info.ActivityType.Name
	defer func() {
		if p := recover(); p != nil {
			result, err = nil, newActivityPanicError(p, string(debug.Stack()))
		}
	}()

	fv := reflect.ValueOf(fn)
	if fv.Kind() != reflect.Func {
		return nil, NewApplicationError(fmt.Sprintf("activity %s: %T is not a function", name, fn), ActivitySignatureErrorType, true, nil)
	}
	if err := validateActivityFunc(fv.Type()); err != nil {
		return nil, NewApplicationError(fmt.Sprintf("activity %s: %v", name, err), ActivitySignatureErrorType, true, nil)
	}
	ctx, attempt := withActivityAttempt(ctx, env)
	args, err := decodeActivityArgs(fv.Type(), ctx, input, attempt.env.DataConverter)
	if err != nil {
		return nil, NewApplicationError(fmt.Sprintf("activity %s: %v", name, err), ActivityArgumentsErrorType, true, nil)
	}
	out := fv.Call(args)
	if errV := out[len(out)-1]; !errV.IsNil() {
		return nil, errV.Interface().(error)
	}
	if len(out) == 1 {
		return nil, nil
	}
	encoded, err := attempt.env.DataConverter.ToPayloads(out[0].Interface())
	if err != nil {
		return nil, NewApplicationError(fmt.Sprintf("activity %s: encoding the result: %v", name, err), ActivityResultErrorType, true, nil)
	}
	return encoded, nil
}

// decodeActivityArgs builds the argument list of ft: ctx first if ft takes
// a context.Context, then one decoded value per remaining parameter.
func decodeActivityArgs(ft reflect.Type, ctx context.Context, input *journalpb.Payloads, dc DataConverter) ([]reflect.Value, error) {
	args := make([]reflect.Value, 0, ft.NumIn())
	first := 0
	if ft.NumIn() > 0 && ft.In(0) == reflect.TypeFor[context.Context]() {
		args = append(args, reflect.ValueOf(ctx))
		first = 1
	}
	payloads := input.GetPayloads()
	if params := ft.NumIn() - first; len(payloads) > params {
		return nil, fmt.Errorf("takes %d arguments, got %d", params, len(payloads))
	}
	for i := first; i < ft.NumIn(); i++ {
		v := reflect.New(ft.In(i))
		if n := i - first; n < len(payloads) {
			if err := dc.FromPayload(payloads[n], v.Interface()); err != nil {
				return nil, fmt.Errorf("argument %d (%s): %w", n+1, ft.In(i), err)
			}
		}
		args = append(args, v.Elem())
	}
	return args, nil
}
