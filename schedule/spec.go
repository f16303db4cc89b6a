package schedule

import (
	"time"
)

// Spec describes the set of times at which a schedule takes an action. It has
// the shape of Temporal's client.ScheduleSpec so that specs can be carried
// over unchanged.
//
// The matching times are the union of Calendars, Intervals and
// CronExpressions, minus every time matched by Skip, restricted to the
// inclusive range [StartAt, EndAt]. At least one of Calendars, Intervals or
// CronExpressions must be given. Call [Compile] to validate a Spec and query
// it.
type Spec struct {
	// Calendars are wall-clock patterns evaluated in the spec's time zone.
	Calendars []CalendarSpec

	// Intervals are fixed periods counted from the Unix epoch.
	Intervals []IntervalSpec

	// CronExpressions are cron strings, kept for easy migration from cron
	// workflows. Accepted forms:
	//
	//   - 5 fields: minute hour day-of-month month day-of-week
	//   - 6 fields: the same plus a trailing year
	//   - 7 fields: second, the five above, and year
	//   - a descriptor instead of the fields: @yearly (or @annually),
	//     @monthly, @weekly, @daily (or @midnight), @hourly
	//   - @every <interval>[/<offset>], which becomes an [IntervalSpec];
	//     durations use Go syntax plus a leading "<n>d" for days, e.g.
	//     "@every 1d", "@every 15m/2m", "@every 1d12h"
	//
	// Field syntax is that of standard cron: "*", "?", numbers, names
	// (JAN-DEC, SUN-SAT), ranges "a-b", steps "*/n", "a/n", "a-b/n" and
	// comma-separated lists. Day of week is 0-6 with 0 = Sunday. A year step
	// without a start ("*/4") counts from 1970.
	//
	// An expression may start with "CRON_TZ=<zone> " (or "TZ=<zone> ");
	// that expression is then evaluated in that zone instead of
	// TimeZoneName. Anything after a "#" is a comment and is ignored.
	//
	// Unlike classic cron, and like Temporal schedules, day of month and
	// day of week must BOTH match when both are restricted:
	// "0 0 13 * FRI" is Friday the 13th, not "every 13th and every Friday".
	CronExpressions []string

	// Skip removes every time that one of these calendars matches. All
	// fields, including seconds, must match for a time to be removed, so
	// remember that Second, Minute and Hour default to 0.
	Skip []CalendarSpec

	// StartAt, if not zero, removes every time before it (inclusive bound).
	StartAt time.Time

	// EndAt, if not zero, removes every time after it (inclusive bound).
	EndAt time.Time

	// Jitter, if positive, delays each action by a deterministic
	// pseudo-random amount in [0, Jitter), capped by the time to the next
	// action. See [Compiled.Jittered].
	Jitter time.Duration

	// TimeZoneName is the IANA zone (e.g. "Europe/Berlin") in which
	// Calendars, Skip and cron expressions without their own CRON_TZ are
	// evaluated. Empty means UTC. It is loaded with time.LoadLocation;
	// "Local" is rejected because it depends on the host.
	TimeZoneName string
}

// IntervalSpec matches the times Unix epoch + Offset + k*Every for every
// integer k >= 0, as Temporal defines it. Interval times are absolute, so they
// are unaffected by time zones and daylight saving time.
//
// For example Every = 1h, Offset = 19m matches every hh:19:00 UTC, and
// Every = 28*24h, Offset = 0 matches 2022-02-17T00:00:00Z.
type IntervalSpec struct {
	// Every is the period; it must be positive.
	Every time.Duration

	// Offset shifts the grid; it must be in [0, Every).
	Offset time.Duration
}

// CalendarSpec matches wall-clock times field by field, like a structured
// cron line. A time matches when each field matches at least one of its
// ranges. An empty list takes Temporal's default: Second, Minute and Hour
// default to 0; DayOfMonth, Month, Year and DayOfWeek default to "every".
//
// Day of month and day of week must both match (they are not or-ed as in
// classic cron).
type CalendarSpec struct {
	// Second ranges (0-59); empty means 0.
	Second []Range

	// Minute ranges (0-59); empty means 0.
	Minute []Range

	// Hour ranges (0-23); empty means 0.
	Hour []Range

	// DayOfMonth ranges (1-31); empty means every day. Days beyond the end
	// of a month never match (31 skips 30-day months).
	DayOfMonth []Range

	// Month ranges (1-12); empty means every month.
	Month []Range

	// Year ranges (1970-9999); empty means every year.
	Year []Range

	// DayOfWeek ranges (0-6, 0 = Sunday); empty means every day.
	DayOfWeek []Range

	// Comment is free text describing the intent; it does not affect
	// matching.
	Comment string
}

// Range is a set of integers Start, Start+Step, ... up to End (inclusive),
// used for the fields of a [CalendarSpec]. Following Temporal: an End below
// Start means End = Start (so Range{Start: 5} is just 5), and a Step of 0
// means 1. A negative Step is invalid.
type Range struct {
	// Start is the first value (inclusive).
	Start int

	// End is the last value that may match (inclusive); End < Start means
	// End = Start.
	End int

	// Step is the distance between values; 0 means 1.
	Step int
}

// SpecError reports what is wrong with a [Spec] and names the offending field
// (for example "CronExpressions[1]" or "Calendars[0].Hour[2]"), so callers of
// ScheduleClient get an actionable message and can use errors.As to find it.
type SpecError struct {
	// Field is the path of the offending field, e.g. "Intervals[0].Offset".
	Field string

	// Value is the offending value as written in the spec, quoted when it
	// is text; it may be empty.
	Value string

	// Err describes the problem.
	Err error
}

// Error formats the error as `schedule: Field Value: problem`.
func (e *SpecError) Error() string {
	s := "schedule: " + e.Field
	if e.Value != "" {
		s += " " + e.Value
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the underlying problem.
func (e *SpecError) Unwrap() error { return e.Err }
