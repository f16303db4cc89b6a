package client

import "time"

// The schedule tests run minutes of schedule life in seconds: schedule
// workflows continue as new after a few passes (so every test crosses runs),
// and catch-up windows may be as short as a second.
func init() {
	scheduleContinueAsNewAfter = 5
	minCatchupWindow = time.Second
}
