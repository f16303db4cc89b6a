package internal

import (
	"context"
	"fmt"
	"reflect"
	"runtime/debug"
	"time"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// ActivityType names an activity.
type ActivityType struct {
	Name string
}

// ActivityInfo describes the running activity attempt; activity.GetInfo
// returns it. WorkflowExecution plus ActivityID identify the activity across
// attempts and restarts, which makes them a good idempotency key.
type ActivityInfo struct {
	TaskToken         []byte
	WorkflowType      *WorkflowType
	WorkflowNamespace string
	WorkflowExecution WorkflowExecution
	ActivityID        string
	ActivityType      ActivityType
	TaskQueue         string
	HeartbeatTimeout  time.Duration
	ScheduledTime     time.Time
	StartedTime       time.Time
	Deadline          time.Time
	// Attempt is 1 for the first attempt and grows with each retry.
	Attempt         int32
	IsLocalActivity bool
}

// ActivityEnvironment is what an activity attempt can reach through its
// context: its info, the previous attempt's heartbeat details, and the
// engine's heartbeat callback.
type ActivityEnvironment struct {
	Info             ActivityInfo
	HeartbeatDetails *journalpb.Payloads
	DataConverter    DataConverter
	Logger           Logger
	// Heartbeat delivers encoded heartbeat details to the engine.
	Heartbeat func(details *journalpb.Payloads)
}

type activityEnvKey struct{}

// ActivityEnvironmentOf returns the environment of an activity context, or
// nil if ctx is not one.
func ActivityEnvironmentOf(ctx context.Context) *ActivityEnvironment {
	env, _ := ctx.Value(activityEnvKey{}).(*ActivityEnvironment)
	return env
}

// mustActivityEnvironment is ActivityEnvironmentOf for the activity package's
// functions, which Temporal documents as panicking outside an activity.
func mustActivityEnvironment(ctx context.Context, op string) *ActivityEnvironment {
	env := ActivityEnvironmentOf(ctx)
	if env == nil {
		panic(fmt.Sprintf("activity.%s called outside an activity context", op))
	}
	return env
}

// GetActivityInfo returns the info of the running activity.
func GetActivityInfo(ctx context.Context) ActivityInfo {
	return mustActivityEnvironment(ctx, "GetInfo").Info
}

// RecordActivityHeartbeat reports liveness and progress details.
func RecordActivityHeartbeat(ctx context.Context, details ...any) {
	env := mustActivityEnvironment(ctx, "RecordHeartbeat")
	payloads, err := env.DataConverter.ToPayloads(details...)
	if err != nil {
		env.Logger.Error("cannot encode heartbeat details", "error", err)
		return
	}
	if env.Heartbeat != nil {
		env.Heartbeat(payloads)
	}
}

// HasActivityHeartbeatDetails reports whether an earlier attempt heartbeated details.
func HasActivityHeartbeatDetails(ctx context.Context) bool {
	return len(mustActivityEnvironment(ctx, "HasHeartbeatDetails").HeartbeatDetails.GetPayloads()) > 0
}

// GetActivityHeartbeatDetails decodes the last details an earlier attempt heartbeated.
func GetActivityHeartbeatDetails(ctx context.Context, valuePtrs ...any) error {
	env := mustActivityEnvironment(ctx, "GetHeartbeatDetails")
	if len(env.HeartbeatDetails.GetPayloads()) == 0 {
		return ErrNoValue
	}
	return env.DataConverter.FromPayloads(env.HeartbeatDetails, valuePtrs...)
}

// GetActivityLogger returns the activity's logger.
func GetActivityLogger(ctx context.Context) Logger {
	return mustActivityEnvironment(ctx, "GetLogger").Logger
}

// RunActivity runs one attempt of activity fn: it decodes input into fn's
// parameters, calls fn with a context that carries env, and encodes the
// result. Arguments that do not fit fn give a non-retryable ApplicationError;
// a panic becomes a PanicError carrying the stack.
func RunActivity(ctx context.Context, fn any, env *ActivityEnvironment, input *journalpb.Payloads) (result *journalpb.Payloads, err error) {
	if env.DataConverter == nil {
		env.DataConverter = GetDefaultDataConverter()
	}
	if env.Logger == nil {
		env.Logger = discardLogger{}
	}
	fv := reflect.ValueOf(fn)
	ft := fv.Type()
	ctx = context.WithValue(ctx, activityEnvKey{}, env)
	args, err := decodeActivityArgs(ft, ctx, input, env.DataConverter)
	if err != nil {
		return nil, NewApplicationError(fmt.Sprintf("activity %s: %v", env.Info.ActivityType.Name, err), "BadArguments", true, nil)
	}
	defer func() {
		if p := recover(); p != nil {
			result, err = nil, NewPanicError(p, string(debug.Stack()))
		}
	}()
	out := fv.Call(args)
	if errV := out[len(out)-1]; !errV.IsNil() {
		return nil, errV.Interface().(error)
	}
	if len(out) == 1 {
		return nil, nil
	}
	encoded, err := env.DataConverter.ToPayloads(out[0].Interface())
	if err != nil {
		return nil, NewApplicationError(fmt.Sprintf("activity %s: encode result: %v", env.Info.ActivityType.Name, err), "BadResult", true, nil)
	}
	return encoded, nil
}

// decodeActivityArgs builds the argument list of ft: ctx first if ft takes a
// context.Context, then one decoded payload per remaining parameter.
func decodeActivityArgs(ft reflect.Type, ctx context.Context, input *journalpb.Payloads, dc DataConverter) ([]reflect.Value, error) {
	var args []reflect.Value
	first := 0
	if ft.NumIn() > 0 && ft.In(0) == contextContextType {
		args = append(args, reflect.ValueOf(ctx))
		first = 1
	}
	payloads := input.GetPayloads()
	if want := ft.NumIn() - first; want != len(payloads) {
		return nil, fmt.Errorf("takes %d arguments, got %d", want, len(payloads))
	}
	for i, p := range payloads {
		t := ft.In(first + i)
		v := reflect.New(t)
		if err := dc.FromPayload(p, v.Interface()); err != nil {
			return nil, fmt.Errorf("argument %d (%s): %w", i+1, t, err)
		}
		args = append(args, v.Elem())
	}
	return args, nil
}
