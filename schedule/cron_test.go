package schedule

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func cronSpec(exprs ...string) Spec { return Spec{CronExpressions: exprs} }

func TestCronFiveFields(t *testing.T) {
	c := compile(t, cronSpec("*/15 9-17 * * MON-FRI"))
	require.Equal(t, []string{
		"2025-01-03T17:45:00Z", // Friday
		"2025-01-06T09:00:00Z", // Monday
		"2025-01-06T09:15:00Z",
	}, texts(c.Describe(at("2025-01-03T17:40:00Z"), 3)))

	c = compile(t, cronSpec("0 12 * * MON-WED,FRI"))
	require.Equal(t, []string{
		"2025-01-01T12:00:00Z", // Wednesday
		"2025-01-03T12:00:00Z", // Friday
		"2025-01-06T12:00:00Z", // Monday
	}, texts(c.Describe(at("2025-01-01T00:00:00Z"), 3)))

	// Day of month AND day of week, as in Temporal schedules.
	c = compile(t, cronSpec("0 0 13 * fri"))
	require.Equal(t, []string{
		"2025-06-13T00:00:00Z",
		"2026-02-13T00:00:00Z",
	}, texts(c.Describe(at("2025-01-01T00:00:00Z"), 2)))

	// "?" and month names.
	c = compile(t, cronSpec("30 6 1 jan,Jul ?"))
	require.Equal(t, []string{
		"2025-07-01T06:30:00Z",
		"2026-01-01T06:30:00Z",
	}, texts(c.Describe(at("2025-01-01T07:00:00Z"), 2)))
}

func TestCronMatchesEquivalentCalendar(t *testing.T) {
	fromCron := compile(t, cronSpec("0 12 * * MON-WED,FRI"))
	fromCal := compile(t, Spec{Calendars: []CalendarSpec{{
		Hour:      []Range{r(12)},
		DayOfWeek: []Range{rr(1, 3), r(5)},
	}}})
	from := at("2025-01-01T00:00:00Z")
	require.Equal(t, fromCal.Describe(from, 60), fromCron.Describe(from, 60))
}

func TestCronDescriptors(t *testing.T) {
	from := "2025-01-01T10:30:00Z" // a Wednesday
	for expr, want := range map[string]string{
		"@hourly":   "2025-01-01T11:00:00Z",
		"@daily":    "2025-01-02T00:00:00Z",
		"@midnight": "2025-01-02T00:00:00Z",
		"@weekly":   "2025-01-05T00:00:00Z", // Sunday
		"@monthly":  "2025-02-01T00:00:00Z",
		"@yearly":   "2026-01-01T00:00:00Z",
		"@annually": "2026-01-01T00:00:00Z",
		"@DAILY":    "2025-01-02T00:00:00Z",
	} {
		t.Run(expr, func(t *testing.T) {
			requireNext(t, compile(t, cronSpec(expr)), from, want)
		})
	}
}

func TestCronEvery(t *testing.T) {
	from := "2025-01-01T00:00:00Z" // a multiple of 90 minutes since the epoch
	cases := []struct {
		expr string
		want []string
	}{
		{"@every 90m", []string{"2025-01-01T01:30:00Z", "2025-01-01T03:00:00Z"}},
		{"@every 1h/15m", []string{"2025-01-01T00:15:00Z", "2025-01-01T01:15:00Z"}},
		{"@every 1d", []string{"2025-01-02T00:00:00Z", "2025-01-03T00:00:00Z"}},
		{"@every 1d12h", []string{"2025-01-01T12:00:00Z", "2025-01-03T00:00:00Z"}},
		{"@every 15m/2m # with a comment", []string{"2025-01-01T00:02:00Z", "2025-01-01T00:17:00Z"}},
	}
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			c := compile(t, cronSpec(tc.expr))
			require.Equal(t, tc.want, texts(c.Describe(at(from), 2)))
		})
	}
}

func TestCronTimeZones(t *testing.T) {
	// CRON_TZ= evaluates that expression in its zone.
	c := compile(t, cronSpec("CRON_TZ=Europe/Berlin 0 9 * * *"))
	requireNext(t, c, "2025-01-01T00:00:00Z", "2025-01-01T08:00:00Z")
	requireNext(t, c, "2025-07-01T00:00:00Z", "2025-07-01T07:00:00Z")

	c = compile(t, cronSpec("TZ=America/New_York 30 8 * * *"))
	requireNext(t, c, "2025-01-01T00:00:00Z", "2025-01-01T13:30:00Z")

	// The spec's zone applies to expressions without their own, the prefix
	// wins otherwise, and results are expressed in the spec's zone.
	c = compile(t, Spec{
		CronExpressions: []string{"0 9 * * *", "CRON_TZ=UTC 0 9 * * *"},
		TimeZoneName:    "Asia/Tokyo",
	})
	require.Equal(t, []string{
		"2025-01-01T09:00:00+09:00",
		"2025-01-01T18:00:00+09:00",
		"2025-01-02T09:00:00+09:00",
	}, texts(c.Describe(at("2024-12-31T23:00:00Z"), 3)))

	// A descriptor with a zone.
	c = compile(t, cronSpec("CRON_TZ=Asia/Kolkata @daily"))
	requireNext(t, c, "2025-01-01T00:00:00Z", "2025-01-01T18:30:00Z")
}

func TestCronYearAndSecondFields(t *testing.T) {
	// Six fields: the sixth is the year.
	c := compile(t, cronSpec("0 12 1 1 * 2027-2028"))
	require.Equal(t, []string{
		"2027-01-01T12:00:00Z",
		"2028-01-01T12:00:00Z",
	}, texts(c.Describe(at("2025-01-01T00:00:00Z"), 5)))

	// Seven fields: second first, year last.
	c = compile(t, cronSpec("30 0 12 1 1 * 2030"))
	requireNext(t, c, "2025-01-01T00:00:00Z", "2030-01-01T12:00:30Z")

	c = compile(t, cronSpec("0 0 0 1 1 * 2026/5,2029"))
	require.Equal(t, []string{
		"2026-01-01T00:00:00Z",
		"2029-01-01T00:00:00Z",
		"2031-01-01T00:00:00Z",
	}, texts(c.Describe(at("2025-01-01T00:00:00Z"), 3)))

	c = compile(t, cronSpec("0 0 1 1 * */4"))
	requireNext(t, c, "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z") // 1970 + 14*4
}

func TestCronComment(t *testing.T) {
	c := compile(t, cronSpec("0 9 * * * # morning report"))
	requireNext(t, c, "2025-01-01T00:00:00Z", "2025-01-01T09:00:00Z")
}

func TestCronNeverMatching(t *testing.T) {
	c := compile(t, cronSpec("0 0 30 2 *"))
	requireNone(t, c, "2025-01-01T00:00:00Z")
}
