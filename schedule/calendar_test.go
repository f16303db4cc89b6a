package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// weekdays0900 is "09:00 on weekdays".
var weekdays0900 = CalendarSpec{Hour: []Range{r(9)}, DayOfWeek: []Range{rr(1, 5)}, Comment: "weekday mornings"}

func TestCalendarWeekdaysBerlinSpringForward(t *testing.T) {
	// Clocks in Berlin go from 02:00 CET to 03:00 CEST on Sunday 2025-03-30.
	c := compile(t, Spec{Calendars: []CalendarSpec{weekdays0900}, TimeZoneName: "Europe/Berlin"})
	got := c.Describe(at("2025-03-27T12:00:00Z"), 3)
	require.Equal(t, []string{
		"2025-03-28T09:00:00+01:00", // Friday, CET
		"2025-03-31T09:00:00+02:00", // Monday, CEST: still 09:00 on the wall
		"2025-04-01T09:00:00+02:00",
	}, texts(got))
	require.Equal(t, []string{
		"2025-03-28T08:00:00Z",
		"2025-03-31T07:00:00Z",
		"2025-04-01T07:00:00Z",
	}, textsUTC(got))
}

func TestCalendarWeekdaysBerlinFallBack(t *testing.T) {
	// Clocks in Berlin go from 03:00 CEST back to 02:00 CET on Sunday
	// 2025-10-26.
	c := compile(t, Spec{Calendars: []CalendarSpec{weekdays0900}, TimeZoneName: "Europe/Berlin"})
	got := c.Describe(at("2025-10-23T12:00:00Z"), 3)
	require.Equal(t, []string{
		"2025-10-24T09:00:00+02:00", // Friday, CEST
		"2025-10-27T09:00:00+01:00", // Monday, CET
		"2025-10-28T09:00:00+01:00",
	}, texts(got))
	require.Equal(t, []string{
		"2025-10-24T07:00:00Z",
		"2025-10-27T08:00:00Z",
		"2025-10-28T08:00:00Z",
	}, textsUTC(got))
}

func TestCalendarMissingWallTimeIsSkipped(t *testing.T) {
	// 02:30 does not exist in Berlin on 2025-03-30: no action that day, and
	// it is not moved to 03:30 either.
	c := compile(t, Spec{
		Calendars:    []CalendarSpec{{Hour: []Range{r(2)}, Minute: []Range{r(30)}}},
		TimeZoneName: "Europe/Berlin",
	})
	require.Equal(t, []string{
		"2025-03-29T02:30:00+01:00",
		"2025-03-31T02:30:00+02:00",
		"2025-04-01T02:30:00+02:00",
	}, texts(c.Describe(at("2025-03-28T12:00:00Z"), 3)))
}

func TestCalendarRepeatedWallTimeFiresOnce(t *testing.T) {
	// 02:30 happens twice in Berlin on 2025-10-26; it fires once, at the
	// first (summer-time) occurrence.
	c := compile(t, Spec{
		Calendars:    []CalendarSpec{{Hour: []Range{r(2)}, Minute: []Range{r(30)}}},
		TimeZoneName: "Europe/Berlin",
	})
	require.Equal(t, []string{
		"2025-10-25T02:30:00+02:00",
		"2025-10-26T02:30:00+02:00",
		"2025-10-27T02:30:00+01:00",
	}, texts(c.Describe(at("2025-10-24T12:00:00Z"), 3)))

	// From the first occurrence, and from inside the repeated hour, the
	// next action is the following day, not the second 02:30.
	requireNext(t, c, "2025-10-26T02:30:00+02:00", "2025-10-27T02:30:00+01:00")
	requireNext(t, c, "2025-10-26T02:10:00+01:00", "2025-10-27T02:30:00+01:00")
	// Just before the first occurrence it is that occurrence.
	requireNext(t, c, "2025-10-26T02:29:59+02:00", "2025-10-26T02:30:00+02:00")
}

func TestCalendarQuarterHoursAcrossFallBack(t *testing.T) {
	c := compile(t, Spec{
		Calendars: []CalendarSpec{{
			Minute: []Range{{Start: 0, End: 45, Step: 15}},
			Hour:   []Range{rr(0, 23)},
		}},
		TimeZoneName: "Europe/Berlin",
	})
	// The repeated 02:xx hour fires only during its first pass.
	require.Equal(t, []string{
		"2025-10-26T02:30:00+02:00",
		"2025-10-26T02:45:00+02:00",
		"2025-10-26T03:00:00+01:00",
		"2025-10-26T03:15:00+01:00",
	}, texts(c.Describe(at("2025-10-26T02:20:00+02:00"), 4)))
	// Asked from inside the second pass, the next action is 03:00.
	requireNext(t, c, "2025-10-26T02:10:00+01:00", "2025-10-26T03:00:00+01:00")

	// Spring forward: 02:00-02:45 do not exist.
	require.Equal(t, []string{
		"2025-03-30T01:30:00+01:00",
		"2025-03-30T01:45:00+01:00",
		"2025-03-30T03:00:00+02:00",
		"2025-03-30T03:15:00+02:00",
	}, texts(c.Describe(at("2025-03-30T01:20:00+01:00"), 4)))
}

func TestCalendarDefaultsAndRanges(t *testing.T) {
	// An empty calendar is midnight every day.
	c := compile(t, Spec{Calendars: []CalendarSpec{{}}})
	require.Equal(t, []string{
		"2025-01-02T00:00:00Z",
		"2025-01-03T00:00:00Z",
	}, texts(c.Describe(at("2025-01-01T00:00:00Z"), 2)))

	// End < Start means a single value; Step picks every n-th value.
	c = compile(t, Spec{Calendars: []CalendarSpec{{
		Hour:   []Range{{Start: 10, End: 5}},
		Minute: []Range{{Start: 0, End: 59, Step: 20}},
		Second: []Range{r(30)},
	}}})
	require.Equal(t, []string{
		"2025-01-01T10:00:30Z",
		"2025-01-01T10:20:30Z",
		"2025-01-01T10:40:30Z",
		"2025-01-02T10:00:30Z",
	}, texts(c.Describe(at("2025-01-01T00:00:00Z"), 4)))

	// Day 31 only exists in some months.
	c = compile(t, Spec{Calendars: []CalendarSpec{{DayOfMonth: []Range{r(31)}}}})
	require.Equal(t, []string{
		"2025-05-31T00:00:00Z",
		"2025-07-31T00:00:00Z",
		"2025-08-31T00:00:00Z",
	}, texts(c.Describe(at("2025-04-01T00:00:00Z"), 3)))

	// Day of month and day of week must both match: Friday the 13th.
	c = compile(t, Spec{Calendars: []CalendarSpec{{DayOfMonth: []Range{r(13)}, DayOfWeek: []Range{r(5)}}}})
	require.Equal(t, []string{
		"2025-06-13T00:00:00Z",
		"2026-02-13T00:00:00Z",
		"2026-03-13T00:00:00Z",
	}, texts(c.Describe(at("2025-01-01T00:00:00Z"), 3)))
}

func TestCalendarYears(t *testing.T) {
	// Feb 29 in 2025-2030 only exists in 2028.
	c := compile(t, Spec{Calendars: []CalendarSpec{{
		Month: []Range{r(2)}, DayOfMonth: []Range{r(29)}, Year: []Range{rr(2025, 2030)},
	}}})
	require.Equal(t, []string{"2028-02-29T00:00:00Z"}, texts(c.Describe(at("2025-01-01T00:00:00Z"), 5)))

	// Year steps and lists.
	c = compile(t, Spec{Calendars: []CalendarSpec{{
		Month: []Range{r(7)}, DayOfMonth: []Range{r(4)},
		Year: []Range{{Start: 2030, End: 2040, Step: 5}, r(2027)},
	}}})
	require.Equal(t, []string{
		"2027-07-04T00:00:00Z",
		"2030-07-04T00:00:00Z",
		"2035-07-04T00:00:00Z",
		"2040-07-04T00:00:00Z",
	}, texts(c.Describe(at("2025-01-01T00:00:00Z"), 10)))

	// Feb 29 falling on a Monday: the next one is 19 years away.
	c = compile(t, Spec{Calendars: []CalendarSpec{{
		Month: []Range{r(2)}, DayOfMonth: []Range{r(29)}, DayOfWeek: []Range{r(1)},
	}}})
	requireNext(t, c, "2025-01-01T00:00:00Z", "2044-02-29T00:00:00Z")
}

func TestCalendarNeverMatchingTerminates(t *testing.T) {
	cases := map[string]Spec{
		// Rejected by Compile's month/day check without any search.
		"Feb 30": {Calendars: []CalendarSpec{{Month: []Range{r(2)}, DayOfMonth: []Range{r(30)}}}},
		// Year bound: 02:30 on 2025-03-30 never exists in Berlin.
		"gap in a single year": {
			Calendars: []CalendarSpec{{
				Hour: []Range{r(2)}, Minute: []Range{r(30)},
				Month: []Range{r(3)}, DayOfMonth: []Range{r(30)}, Year: []Range{r(2025)},
			}},
			TimeZoneName: "Europe/Berlin",
		},
		// MaxCandidateDays bound: "02:30 on the last Sunday of March" is
		// in the gap every year, forever.
		"gap every year": {
			Calendars: []CalendarSpec{{
				Hour: []Range{r(2)}, Minute: []Range{r(30)},
				Month: []Range{r(3)}, DayOfMonth: []Range{rr(25, 31)}, DayOfWeek: []Range{r(0)},
			}},
			TimeZoneName: "Europe/Berlin",
		},
	}
	for name, s := range cases {
		t.Run(name, func(t *testing.T) {
			c := compile(t, s)
			start := time.Now()
			requireNone(t, c, "2025-01-01T00:00:00Z")
			require.Empty(t, c.Describe(at("2025-01-01T00:00:00Z"), 3))
			require.Less(t, time.Since(start), 5*time.Second)
		})
	}
}

func TestCalendarTimesStrictlyIncrease(t *testing.T) {
	// Every second of a whole day in Berlin around fall-back: each result
	// is strictly after the previous one and no result repeats.
	c := compile(t, Spec{
		Calendars: []CalendarSpec{{
			Second: []Range{{Start: 0, End: 59, Step: 7}},
			Minute: []Range{{Start: 0, End: 59, Step: 11}},
			Hour:   []Range{rr(0, 23)},
		}},
		TimeZoneName: "Europe/Berlin",
	})
	from := at("2025-10-25T22:00:00Z")
	got := c.Between(from, at("2025-10-26T04:00:00Z"), 10000)
	require.NotEmpty(t, got)
	prev := from
	for _, g := range got {
		require.True(t, g.After(prev), "%s not after %s", g, prev)
		prev = g
	}
	// 6 hours of UTC, minus the repeated hour: 5 wall hours * 6 minutes *
	// 9 seconds.
	require.Len(t, got, 5*6*9)
}
