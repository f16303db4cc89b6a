// Package schedule holds the pure time arithmetic behind grainflow's
// Temporal-shaped schedules ("run workflow X every weekday at 09:00 in
// Europe/Berlin", "every 15 minutes, two minutes past").
//
// The engine runs every schedule as a durable workflow. That workflow asks this
// package two questions: "when is the next action after t?" ([Compiled.Next])
// and "which action times fell due while the node was down?"
// ([Compiled.Between] followed by [CatchUp]). Because the answers are replayed
// from workflow history, everything here is deterministic: the same inputs
// always give the same outputs. Nothing reads the wall clock, nothing uses
// global randomness, and no map is iterated.
//
// # Describing times
//
// A [Spec] mirrors Temporal's client.ScheduleSpec. The set of matching times
// is the union of its Calendars, Intervals and CronExpressions, minus the times
// matched by Skip, limited to [StartAt, EndAt]. [Compile] validates a Spec once
// and returns a [Compiled] value that answers queries.
//
// Calendars and cron expressions are matched against the wall clock in a time
// zone (the Spec's TimeZoneName, UTC by default, or a CRON_TZ= prefix on a cron
// expression). Intervals are absolute: they count from the Unix epoch and do
// not care about time zones.
//
// # Daylight saving time
//
// Calendar and cron times are wall-clock times, so a change of UTC offset
// needs a rule:
//
//   - A wall time that does not exist (it falls in the gap when clocks jump
//     forward) does not fire that day. A schedule for 02:30 in Europe/Berlin
//     does not fire on the day clocks go from 02:00 to 03:00; it is not moved
//     to 03:00 either.
//   - A wall time that occurs twice (clocks go back) fires once, at its first
//     occurrence, i.e. the earlier instant with the summer-time offset.
//
// Temporal's server fires repeated wall times twice; grainflow deliberately
// fires them once so that a "daily at 02:30" schedule runs exactly once per
// day. Skip calendars, on the other hand, match by wall clock and therefore
// remove both occurrences of a repeated time (this only matters for intervals,
// which can produce both).
//
// Time zone definitions come from the host (time.LoadLocation). Nodes that
// share a schedule should share tz data; the name "Local" is rejected because
// it would make results depend on the host's configuration.
//
// # Search bounds
//
// Some specs never match (February 30, or 02:30 on the day that skips it, every
// year). So that such specs cannot make Next loop forever, searches are
// bounded; when a bound is hit Next reports that there is no next time:
//
//   - A calendar or cron expression examines at most [MaxCandidateDays] days
//     whose year, month, day of month and day of week all match (5 years of
//     days). Days, months and years that cannot match are skipped without
//     being counted. A calendar whose month and day-of-month sets can never
//     meet (February 30) is recognised by Compile and never searched.
//   - Next gives up after [MaxSkippedCandidates] consecutive candidate times
//     that Skip removed. Skip calendars whose finer fields cover everything
//     remove whole minutes, hours, days, months or years per step, so
//     "skip all of December" costs about one step, not one per candidate.
//   - Nothing later than the end of year 9999 UTC is ever returned.
//
// # Catch-up and overlap
//
// The helpers [CatchUp] and [OverlapPolicy.Decide] are small pure functions so
// the engine's scheduler workflow stays thin: it feeds them facts (missed
// times, whether a run is still going) and acts on the answer.
package schedule
