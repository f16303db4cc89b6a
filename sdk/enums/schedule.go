package enums

import "github.com/grainflow/grainflow/schedule"

// ScheduleOverlapPolicy says what a schedule does with an action that falls
// due while a workflow started by an earlier action is still running. It is
// the schedule package's OverlapPolicy: the same values, numbered as in
// Temporal, and String returns Temporal's short names ("Skip",
// "BufferOne", ...).
type ScheduleOverlapPolicy = schedule.OverlapPolicy

// The overlap policies. Unspecified means the schedule's own policy (for a
// trigger or backfill) or Skip (for the schedule).
const (
	// SCHEDULE_OVERLAP_POLICY_UNSPECIFIED is the zero value.
	SCHEDULE_OVERLAP_POLICY_UNSPECIFIED = schedule.OverlapUnspecified
	// SCHEDULE_OVERLAP_POLICY_SKIP drops an action while one runs (default).
	SCHEDULE_OVERLAP_POLICY_SKIP = schedule.OverlapSkip
	// SCHEDULE_OVERLAP_POLICY_BUFFER_ONE starts one dropped action after the
	// running one ends; further ones are dropped.
	SCHEDULE_OVERLAP_POLICY_BUFFER_ONE = schedule.OverlapBufferOne
	// SCHEDULE_OVERLAP_POLICY_BUFFER_ALL starts every action, one after the
	// other.
	SCHEDULE_OVERLAP_POLICY_BUFFER_ALL = schedule.OverlapBufferAll
	// SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER asks the running workflow to
	// cancel and starts the new one once it has closed.
	SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER = schedule.OverlapCancelOther
	// SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER terminates the running
	// workflow and starts the new one once the termination is recorded.
	SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER = schedule.OverlapTerminateOther
	// SCHEDULE_OVERLAP_POLICY_ALLOW_ALL starts every action at once, even
	// while others run.
	SCHEDULE_OVERLAP_POLICY_ALLOW_ALL = schedule.OverlapAllowAll
)
