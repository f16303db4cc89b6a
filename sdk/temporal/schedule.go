package temporal

import "errors"

var (
	// ErrScheduleAlreadyRunning is returned (wrapped) by
	// ScheduleClient.Create when a schedule with the ID exists and has not
	// been deleted. Test for it with errors.Is.
	ErrScheduleAlreadyRunning = errors.New("schedule with this ID is already registered")

	// ErrSkipScheduleUpdate, returned by a ScheduleUpdateOptions.DoUpdate
	// function, leaves the schedule as it is; ScheduleHandle.Update then
	// returns nil.
	ErrSkipScheduleUpdate = errors.New("skip schedule update")
)
