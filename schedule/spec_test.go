package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// wholeDays is a Skip calendar that removes every second of the given days of
// the week.
func wholeDays(dow ...Range) CalendarSpec {
	return CalendarSpec{
		Second: []Range{rr(0, 59)}, Minute: []Range{rr(0, 59)}, Hour: []Range{rr(0, 23)},
		DayOfWeek: dow,
	}
}

func TestSkipRemovesMatches(t *testing.T) {
	// Weekdays at 09:00 except Christmas Day (Thursday 2025-12-25).
	c := compile(t, Spec{
		Calendars: []CalendarSpec{weekdays0900},
		Skip:      []CalendarSpec{{Month: []Range{r(12)}, DayOfMonth: []Range{r(25)}, Hour: []Range{r(9)}}},
	})
	require.Equal(t, []string{
		"2025-12-24T09:00:00Z",
		"2025-12-26T09:00:00Z",
		"2025-12-29T09:00:00Z",
	}, texts(c.Describe(at("2025-12-23T12:00:00Z"), 3)))

	// A Skip that differs in one field (here the default second 0 vs 30)
	// removes nothing.
	c = compile(t, Spec{
		Calendars: []CalendarSpec{{Hour: []Range{r(9)}, Second: []Range{r(30)}}},
		Skip:      []CalendarSpec{{Hour: []Range{r(9)}}},
	})
	requireNext(t, c, "2025-12-23T12:00:00Z", "2025-12-24T09:00:30Z")
}

func TestSkipWholeDaysOfAnInterval(t *testing.T) {
	// Every 6 hours, but not at weekends (Saturday 0-6 and Sunday 0).
	c := compile(t, Spec{
		Intervals: []IntervalSpec{{Every: 6 * time.Hour}},
		Skip:      []CalendarSpec{wholeDays(r(0), r(6))},
	})
	require.Equal(t, []string{
		"2025-01-03T00:00:00Z", // Friday
		"2025-01-03T06:00:00Z",
		"2025-01-03T12:00:00Z",
		"2025-01-03T18:00:00Z",
		"2025-01-06T00:00:00Z", // Monday
		"2025-01-06T06:00:00Z",
	}, texts(c.Describe(at("2025-01-02T23:00:00Z"), 6)))

	// Every second, skip Saturday and Sunday: still one step per day.
	c = compile(t, Spec{
		Intervals: []IntervalSpec{{Every: time.Second}},
		Skip:      []CalendarSpec{wholeDays(r(0), r(6))},
	})
	requireNext(t, c, "2025-01-03T23:59:59Z", "2025-01-06T00:00:00Z")
}

func TestSkipInSpecTimeZone(t *testing.T) {
	// Hourly, skip 09:00-09:59:59 Berlin wall time (08:00Z in winter).
	c := compile(t, Spec{
		Intervals:    []IntervalSpec{{Every: time.Hour}},
		Skip:         []CalendarSpec{{Hour: []Range{r(9)}, Minute: []Range{rr(0, 59)}, Second: []Range{rr(0, 59)}}},
		TimeZoneName: "Europe/Berlin",
	})
	require.Equal(t, []string{
		"2025-01-01T07:00:00Z",
		"2025-01-01T09:00:00Z",
	}, textsUTC(c.Describe(at("2025-01-01T06:30:00Z"), 2)))
}

func TestSkipWholeYearsAndEverything(t *testing.T) {
	all := CalendarSpec{
		Second: []Range{rr(0, 59)}, Minute: []Range{rr(0, 59)}, Hour: []Range{rr(0, 23)},
	}
	years := all
	years.Year = []Range{rr(2026, 2030)}
	c := compile(t, Spec{Calendars: []CalendarSpec{{}}, Skip: []CalendarSpec{years}})
	require.Equal(t, []string{
		"2025-12-31T00:00:00Z",
		"2031-01-01T00:00:00Z",
	}, texts(c.Describe(at("2025-12-30T12:00:00Z"), 2)))

	// Skipping everything terminates and finds nothing.
	c = compile(t, Spec{Intervals: []IntervalSpec{{Every: time.Second}}, Skip: []CalendarSpec{all}})
	start := time.Now()
	requireNone(t, c, "2025-01-01T00:00:00Z")
	require.Less(t, time.Since(start), 5*time.Second)
}

func TestStartAtAndEndAt(t *testing.T) {
	hourly := []IntervalSpec{{Every: time.Hour}}

	// StartAt is inclusive.
	c := compile(t, Spec{Intervals: hourly, StartAt: at("2025-01-01T10:00:00Z")})
	requireNext(t, c, "2025-01-01T00:00:00Z", "2025-01-01T10:00:00Z")
	requireNext(t, c, "2025-01-01T10:00:00Z", "2025-01-01T11:00:00Z")

	c = compile(t, Spec{Intervals: hourly, StartAt: at("2025-01-01T10:30:00Z")})
	requireNext(t, c, "2025-01-01T00:00:00Z", "2025-01-01T11:00:00Z")

	// EndAt is inclusive.
	c = compile(t, Spec{
		Intervals: hourly,
		StartAt:   at("2025-01-01T10:00:00Z"),
		EndAt:     at("2025-01-01T12:00:00Z"),
	})
	require.Equal(t, []string{
		"2025-01-01T10:00:00Z",
		"2025-01-01T11:00:00Z",
		"2025-01-01T12:00:00Z",
	}, texts(c.Describe(at("2024-06-01T00:00:00Z"), 10)))
	requireNone(t, c, "2025-01-01T12:00:00Z")
	requireNone(t, c, "2026-01-01T00:00:00Z")

	// StartAt == EndAt is a single possible time.
	c = compile(t, Spec{Intervals: hourly, StartAt: at("2025-01-01T10:00:00Z"), EndAt: at("2025-01-01T10:00:00Z")})
	require.Equal(t, []string{"2025-01-01T10:00:00Z"}, texts(c.Describe(time.Time{}, 10)))
}

func TestUnionWithoutDuplicates(t *testing.T) {
	c := compile(t, Spec{
		Calendars:       []CalendarSpec{{Hour: []Range{r(12)}}},
		Intervals:       []IntervalSpec{{Every: 6 * time.Hour}},
		CronExpressions: []string{"0 12 * * *", "@every 12h", "30 7 * * *"},
	})
	require.Equal(t, []string{
		"2025-01-01T06:00:00Z",
		"2025-01-01T07:30:00Z",
		"2025-01-01T12:00:00Z",
		"2025-01-01T18:00:00Z",
		"2025-01-02T00:00:00Z",
		"2025-01-02T06:00:00Z",
	}, texts(c.Describe(at("2025-01-01T00:00:00Z"), 6)))
}

func TestNextIsStrictlyAfter(t *testing.T) {
	c := compile(t, Spec{Calendars: []CalendarSpec{{Hour: []Range{r(9)}}}, TimeZoneName: "Europe/Berlin"})
	requireNext(t, c, "2025-01-01T09:00:00+01:00", "2025-01-02T09:00:00+01:00")
	requireNext(t, c, "2025-01-01T08:59:59.999999999+01:00", "2025-01-01T09:00:00+01:00")
	// The zone of the argument does not matter, only the instant.
	requireNext(t, c, "2025-01-01T08:00:00Z", "2025-01-02T09:00:00+01:00")
	requireNext(t, c, "2025-01-01T09:00:00.5+01:00", "2025-01-02T09:00:00+01:00")
}

func TestBetween(t *testing.T) {
	c := compile(t, Spec{Intervals: []IntervalSpec{{Every: 15 * time.Minute}}})
	from, to := at("2025-01-01T10:00:00Z"), at("2025-01-01T11:00:00Z")

	// (from, to]: from is excluded, to included.
	require.Equal(t, []string{
		"2025-01-01T10:15:00Z",
		"2025-01-01T10:30:00Z",
		"2025-01-01T10:45:00Z",
		"2025-01-01T11:00:00Z",
	}, texts(c.Between(from, to, 100)))

	require.Equal(t, []string{
		"2025-01-01T10:15:00Z",
		"2025-01-01T10:30:00Z",
	}, texts(c.Between(from, to, 2)))

	require.Empty(t, c.Between(from, to, 0))
	require.Empty(t, c.Between(from, to, -1))
	require.Empty(t, c.Between(to, from, 10))
	require.Empty(t, c.Between(from, from.Add(time.Minute), 10))
}

func TestJitter(t *testing.T) {
	c := compile(t, Spec{Intervals: []IntervalSpec{{Every: time.Hour}}, Jitter: 10 * time.Minute})
	nominal := at("2025-01-01T10:00:00Z")

	// Deterministic, and a pinned value: changing the hash would change
	// the times of replayed schedules, so it must not change by accident.
	j := c.Jittered(nominal, "sched-a")
	require.Equal(t, j, c.Jittered(nominal, "sched-a"))
	require.Equal(t, "2025-01-01T10:09:13.095794159Z", j.Format(time.RFC3339Nano))

	// Only the instant counts, not its zone.
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	require.True(t, j.Equal(c.Jittered(nominal.In(berlin), "sched-a")))

	// Within [0, Jitter), varied across times and schedules.
	var minD, maxD time.Duration = time.Hour, 0
	same := 0
	for _, n := range c.Describe(nominal, 500) {
		d := c.Jittered(n, "sched-a").Sub(n)
		require.GreaterOrEqual(t, d, time.Duration(0))
		require.Less(t, d, 10*time.Minute)
		minD, maxD = min(minD, d), max(maxD, d)
		if d == c.Jittered(n, "sched-b").Sub(n) {
			same++
		}
	}
	require.Less(t, minD, time.Minute)
	require.Greater(t, maxD, 9*time.Minute)
	require.Less(t, same, 5)

	// No jitter configured: nominal unchanged.
	plain := compile(t, Spec{Intervals: []IntervalSpec{{Every: time.Hour}}})
	require.Equal(t, nominal, plain.Jittered(nominal, "sched-a"))
}

func TestJitterCappedByNextTime(t *testing.T) {
	// Jitter of 2h on an hourly schedule never reaches the next action.
	c := compile(t, Spec{Intervals: []IntervalSpec{{Every: time.Hour}}, Jitter: 2 * time.Hour})
	for _, n := range c.Describe(at("2025-01-01T00:00:00Z"), 200) {
		next, ok := c.Next(n)
		require.True(t, ok)
		require.True(t, c.Jittered(n, "x").Before(next))
	}

	// Actions at hh:00:00 and hh:00:05: the first is jittered by < 5s.
	c = compile(t, Spec{
		Calendars: []CalendarSpec{{Hour: []Range{rr(0, 23)}, Second: []Range{r(0), r(5)}}},
		Jitter:    time.Hour,
	})
	for _, n := range c.Describe(at("2025-01-01T00:00:00Z"), 100) {
		d := c.Jittered(n, "x").Sub(n)
		if n.Second() == 0 {
			require.Less(t, d, 5*time.Second)
		} else {
			require.Less(t, d, time.Hour-5*time.Second)
		}
	}

	// The last action before EndAt has no next one; the full jitter
	// applies.
	c = compile(t, Spec{
		Intervals: []IntervalSpec{{Every: time.Second}},
		EndAt:     at("2025-01-01T00:00:00Z"),
		Jitter:    time.Hour,
	})
	last := at("2025-01-01T00:00:00Z")
	require.Equal(t, "2025-01-01T00:09:16.954231303Z", c.Jittered(last, "x").Format(time.RFC3339Nano))
}

func TestCompiledIsIndependentOfSpec(t *testing.T) {
	s := Spec{Calendars: []CalendarSpec{{Hour: []Range{r(9)}}}}
	c := compile(t, s)
	s.Calendars[0].Hour[0] = r(10)
	requireNext(t, c, "2025-01-01T00:00:00Z", "2025-01-01T09:00:00Z")
}

func TestSkipGivesUpAfterMaxSkippedCandidates(t *testing.T) {
	// Every even second, skip every even second: Skip cannot be widened to
	// whole minutes (odd seconds are not covered), so each candidate costs a
	// step and Next stops after MaxSkippedCandidates of them.
	c := compile(t, Spec{
		Intervals: []IntervalSpec{{Every: 2 * time.Second}},
		Skip: []CalendarSpec{{
			Second: []Range{{Start: 0, End: 58, Step: 2}}, Minute: []Range{rr(0, 59)}, Hour: []Range{rr(0, 23)},
		}},
	})
	start := time.Now()
	requireNone(t, c, "2025-01-01T00:00:00Z")
	require.Less(t, time.Since(start), 5*time.Second)

	// One odd-second source among them is found even after many skipped
	// candidates (here 30 minutes of them: 900 < MaxSkippedCandidates).
	c = compile(t, Spec{
		Intervals:       []IntervalSpec{{Every: 2 * time.Second}},
		CronExpressions: []string{"1 30 0 * * * *"},
		Skip: []CalendarSpec{{
			Second: []Range{{Start: 0, End: 58, Step: 2}}, Minute: []Range{rr(0, 59)}, Hour: []Range{rr(0, 23)},
		}},
	})
	requireNext(t, c, "2025-01-01T00:00:00Z", "2025-01-01T00:30:01Z")
}
