package internal

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// TestActivityEnvironment runs activities in a unit test as a worker runs
// them, without a workflow: the activity gets an activity context (GetInfo,
// RecordHeartbeat, GetLogger work), its arguments and result go through the
// data converter, and errors come back as the workflow would see them.
type TestActivityEnvironment struct {
	registry          *Registry
	dc                DataConverter
	logger            Logger
	heartbeatDetails  *journalpb.Payloads
	heartbeatListener func(*ActivityInfo, EncodedValues)
	workerOpts        WorkerOptions
}

// SetWorkerOptions sets the worker options the environment honours:
// BackgroundActivityContext, the parent of the activity's context (so the
// activity can read values from it). The other options have no effect on
// activities run here.
func (t *TestActivityEnvironment) SetWorkerOptions(options WorkerOptions) *TestActivityEnvironment {
	t.workerOpts = options
	return t
}

// RegisterActivity registers an activity function, or the methods of a
// struct pointer, under their names.
func (t *TestActivityEnvironment) RegisterActivity(a any) { t.registry.RegisterActivity(a) }

// RegisterActivityWithOptions registers activities with options.
func (t *TestActivityEnvironment) RegisterActivityWithOptions(a any, options RegisterActivityOptions) {
	t.registry.RegisterActivityWithOptions(a, options)
}

// SetDataConverter sets the converter of arguments, results and details.
func (t *TestActivityEnvironment) SetDataConverter(dc DataConverter) *TestActivityEnvironment {
	t.dc = dc
	return t
}

// defaultTestActivityTimeout is the start-to-close and schedule-to-close
// timeout of an activity run by a TestActivityEnvironment, as in Temporal.
const defaultTestActivityTimeout = 10 * time.Minute

// SetTestTimeout is offered for compatibility with Temporal's test
// environment, where it has no effect on ExecuteActivity either: an
// activity run here has ten minutes (its start-to-close and
// schedule-to-close timeouts, and its context's deadline).
func (t *TestActivityEnvironment) SetTestTimeout(time.Duration) *TestActivityEnvironment { return t }

// SetHeartbeatDetails sets the details a previous attempt heartbeated, which
// activity.GetHeartbeatDetails returns.
func (t *TestActivityEnvironment) SetHeartbeatDetails(details any) {
	p, err := t.dc.ToPayloads(details)
	if err != nil {
		panic(fmt.Sprintf("SetHeartbeatDetails: %v", err))
	}
	t.heartbeatDetails = p
}

// SetOnActivityHeartbeatListener sets a function called on each heartbeat
// reported, on the goroutine that records it: the one running
// ExecuteActivity, unless the activity heartbeats from a goroutine of its
// own or the heartbeat was held back. Heartbeats are throttled as in
// Temporal: the first is reported at once, those within the next 30 s are
// held back and the latest of them is reported when the 30 s end, or when
// the activity returns an error (a successful activity drops it).
func (t *TestActivityEnvironment) SetOnActivityHeartbeatListener(listener func(activityInfo *ActivityInfo, details EncodedValues)) *TestActivityEnvironment {
	t.heartbeatListener = listener
	return t
}

// ExecuteActivity runs activity (a function or a registered name) with args
// and returns its encoded result. A function that is not registered yet is
// registered under its name.
func (t *TestActivityEnvironment) ExecuteActivity(activity any, args ...any) (EncodedValue, error) {
	name, fn, err := t.activity(activity)
	if err != nil {
		return nil, err
	}
	if err := checkActivityArgs(name, reflect.TypeOf(fn), args); err != nil {
		return nil, err
	}
	input, err := t.dc.ToPayloads(args...)
	if err != nil {
		return nil, fmt.Errorf("ExecuteActivity %s: encoding the arguments: %w", name, err)
	}
	now := time.Now()
	ctx, cancel := context.WithDeadline(t.workerOpts.backgroundContext(), now.Add(defaultTestActivityTimeout))
	defer cancel()
	env := &ActivityEnvironment{
		Info: ActivityInfo{
			TaskToken:              []byte(defaultTestWorkflowID + "/" + name),
			WorkflowType:           &WorkflowType{Name: "default-test-workflow-type"},
			WorkflowNamespace:      defaultTestNamespace,
			Namespace:              defaultTestNamespace,
			WorkflowExecution:      WorkflowExecution{ID: defaultTestWorkflowID, RunID: defaultTestRunID},
			ActivityID:             "0",
			ActivityType:           ActivityType{Name: name},
			TaskQueue:              defaultTestTaskQueue,
			ScheduledTime:          now,
			StartedTime:            now,
			Deadline:               now.Add(defaultTestActivityTimeout),
			StartToCloseTimeout:    defaultTestActivityTimeout,
			ScheduleToCloseTimeout: defaultTestActivityTimeout,
			Attempt:                1,
		},
		HeartbeatDetails: t.heartbeatDetails,
		DataConverter:    t.dc,
		Logger:           t.logger,
	}
	heartbeats := newHeartbeatThrottle(heartbeatThrottleInterval(0), func(details *journalpb.Payloads) {
		if t.heartbeatListener != nil {
			t.heartbeatListener(&env.Info, NewEncodedValues(details, t.dc))
		}
	})
	env.Heartbeat = heartbeats.record
	result, err := RunActivity(ctx, fn, env, input)
	heartbeats.close(err != nil)
	if err != nil {
		// The workflow would see the error after a trip through its
		// failure form; so does the test.
		return nil, ConvertFailureToError(ConvertErrorToFailure(err, t.dc), t.dc)
	}
	return NewEncodedValue(firstPayload(result), t.dc), nil
}

// ExecuteLocalActivity runs activity as ExecuteActivity does: local
// activities are activities in this engine.
func (t *TestActivityEnvironment) ExecuteLocalActivity(activity any, args ...any) (EncodedValue, error) {
	return t.ExecuteActivity(activity, args...)
}

// activity returns the name and function of activity, registering a
// function that is not registered yet.
func (t *TestActivityEnvironment) activity(activity any) (string, any, error) {
	if name, ok := activity.(string); ok {
		fn, registered := t.registry.Activity(name)
		if !registered {
			return "", nil, &UnknownTypeError{Kind: "activity", Name: name, Known: t.registry.ActivityTypes()}
		}
		return name, fn, nil
	}
	if reflect.TypeOf(activity) == nil || reflect.TypeOf(activity).Kind() != reflect.Func {
		return "", nil, fmt.Errorf("ExecuteActivity: activity must be a function or a registered name, not %T", activity)
	}
	name := t.registry.activityNameOf(activity)
	if _, registered := t.registry.Activity(name); !registered {
		if err := validateActivityFunc(reflect.TypeOf(activity)); err != nil {
			return "", nil, fmt.Errorf("ExecuteActivity %s: %w", name, err)
		}
		t.registry.RegisterActivityWithOptions(activity, RegisterActivityOptions{Name: name, DisableAlreadyRegisteredCheck: true})
	}
	fn, _ := t.registry.Activity(name)
	return name, fn, nil
}
