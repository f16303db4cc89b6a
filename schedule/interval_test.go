package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestIntervalEvery15MinutesOffset2(t *testing.T) {
	c := compile(t, Spec{Intervals: []IntervalSpec{{Every: 15 * time.Minute, Offset: 2 * time.Minute}}})

	require.Equal(t, []string{
		"2025-01-01T10:02:00Z",
		"2025-01-01T10:17:00Z",
		"2025-01-01T10:32:00Z",
		"2025-01-01T10:47:00Z",
		"2025-01-01T11:02:00Z",
	}, texts(c.Describe(at("2025-01-01T10:00:00Z"), 5)))

	// Strictly after: a matching time is not its own successor.
	requireNext(t, c, "2025-01-01T10:02:00Z", "2025-01-01T10:17:00Z")
	requireNext(t, c, "2025-01-01T10:01:59.999999999Z", "2025-01-01T10:02:00Z")
	requireNext(t, c, "2025-01-01T10:02:00.000000001Z", "2025-01-01T10:17:00Z")
}

func TestIntervalCountsFromTheEpoch(t *testing.T) {
	// The examples from Temporal's documentation of ScheduleIntervalSpec.
	c := compile(t, Spec{Intervals: []IntervalSpec{{Every: 28 * 24 * time.Hour}}})
	requireNext(t, c, "2022-02-16T12:00:00Z", "2022-02-17T00:00:00Z")
	requireNext(t, c, "2022-02-17T00:00:00Z", "2022-03-17T00:00:00Z")

	c = compile(t, Spec{Intervals: []IntervalSpec{{
		Every:  28 * 24 * time.Hour,
		Offset: 3*24*time.Hour + 5*time.Hour + 23*time.Minute,
	}}})
	requireNext(t, c, "2022-02-17T00:00:00Z", "2022-02-20T05:23:00Z")

	// k counts from 0: before epoch+offset the first match is epoch+offset.
	c = compile(t, Spec{Intervals: []IntervalSpec{{Every: time.Hour, Offset: 2 * time.Minute}}})
	requireNext(t, c, "1960-06-01T00:00:00Z", "1970-01-01T00:02:00Z")
}

func TestIntervalIsAbsoluteAcrossDST(t *testing.T) {
	// Hourly in Europe/Berlin on the night clocks go back: intervals are
	// absolute, so 02:00 happens twice (once per offset) and the results
	// are expressed in the spec's zone.
	c := compile(t, Spec{
		Intervals:    []IntervalSpec{{Every: time.Hour}},
		TimeZoneName: "Europe/Berlin",
	})
	got := c.Describe(at("2025-10-25T23:30:00Z"), 3)
	require.Equal(t, []string{
		"2025-10-26T02:00:00+02:00",
		"2025-10-26T02:00:00+01:00",
		"2025-10-26T03:00:00+01:00",
	}, texts(got))
	require.Equal(t, []string{
		"2025-10-26T00:00:00Z",
		"2025-10-26T01:00:00Z",
		"2025-10-26T02:00:00Z",
	}, textsUTC(got))
}

func TestIntervalNanosecondsAndFarTimes(t *testing.T) {
	c := compile(t, Spec{Intervals: []IntervalSpec{{Every: 1500 * time.Millisecond, Offset: 1}}})
	requireNext(t, c, "2025-01-01T00:00:00Z", "2025-01-01T00:00:00.000000001Z")
	requireNext(t, c, "2025-01-01T00:00:00.000000001Z", "2025-01-01T00:00:01.500000001Z")

	// Beyond int64 nanoseconds (year 2262) the arithmetic stays exact.
	c = compile(t, Spec{Intervals: []IntervalSpec{{Every: time.Hour}}})
	requireNext(t, c, "3000-05-05T05:05:05Z", "3000-05-05T06:00:00Z")
	requireNext(t, c, "1500-05-05T05:05:05Z", "1970-01-01T00:00:00Z")

	// Nothing after the end of year 9999.
	requireNone(t, c, "9999-12-31T23:30:00Z")
}
