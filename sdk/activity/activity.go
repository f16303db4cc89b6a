// Package activity is what activity code calls on its context, as in the
// Temporal Go SDK's activity package: its info (attempt, workflow and
// activity IDs), heartbeats and the previous attempt's heartbeat details,
// its logger, and the client of its worker. The functions panic outside an
// activity context.
package activity

import (
	"context"

	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/internal"
	"github.com/grainflow/grainflow/sdk/log"
)

type (
	// Info describes the running activity attempt.
	Info = internal.ActivityInfo
	// Type names an activity.
	Type = internal.ActivityType
	// RegisterOptions configures registration of activities.
	RegisterOptions = internal.RegisterActivityOptions
)

// ErrResultPending, returned by an activity, means it will be completed
// later with client.CompleteActivity (Info.TaskToken) or CompleteActivityByID.
var ErrResultPending = internal.ErrResultPending

// GetInfo returns the running activity's info.
func GetInfo(ctx context.Context) Info { return internal.GetActivityInfo(ctx) }

// RecordHeartbeat reports that the activity is alive, with progress details
// that a retried attempt can read back with GetHeartbeatDetails.
func RecordHeartbeat(ctx context.Context, details ...any) {
	internal.RecordActivityHeartbeat(ctx, details...)
}

// HasHeartbeatDetails reports whether an earlier attempt heartbeated details.
func HasHeartbeatDetails(ctx context.Context) bool { return internal.HasActivityHeartbeatDetails(ctx) }

// GetHeartbeatDetails decodes the last heartbeat details of an earlier attempt.
func GetHeartbeatDetails(ctx context.Context, d ...any) error {
	return internal.GetActivityHeartbeatDetails(ctx, d...)
}

// GetLogger returns the activity's logger.
func GetLogger(ctx context.Context) log.Logger { return internal.GetActivityLogger(ctx) }

// IsActivity reports whether ctx is an activity's context.
func IsActivity(ctx context.Context) bool { return internal.IsActivityContext(ctx) }

// GetClient returns the client of the worker running the activity, so that
// an activity can start, signal or query workflows on the same node. It is
// nil in the test environment's activities, as in Temporal's.
func GetClient(ctx context.Context) client.Client {
	c, _ := internal.ActivityClient(ctx).(client.Client)
	return c
}
