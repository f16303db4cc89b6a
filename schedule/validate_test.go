package schedule

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCompileErrors(t *testing.T) {
	daily := []CalendarSpec{{}}
	cases := []struct {
		name  string
		spec  Spec
		field string
		msg   string
	}{
		{"empty spec", Spec{}, "Spec",
			`schedule: Spec: needs at least one of Calendars, Intervals or CronExpressions`},
		{"only skip", Spec{Skip: daily}, "Spec",
			`schedule: Spec: needs at least one of Calendars, Intervals or CronExpressions`},
		{"unknown zone", Spec{Calendars: daily, TimeZoneName: "Mars/Olympus_Mons"}, "TimeZoneName",
			`schedule: TimeZoneName "Mars/Olympus_Mons": unknown time zone Mars/Olympus_Mons`},
		{"local zone", Spec{Calendars: daily, TimeZoneName: "Local"}, "TimeZoneName",
			`schedule: TimeZoneName "Local": "Local" depends on the host; name the zone, e.g. "Europe/Berlin"`},

		{"every zero", Spec{Intervals: []IntervalSpec{{}}}, "Intervals[0].Every",
			`schedule: Intervals[0].Every 0s: must be positive`},
		{"every negative", Spec{Intervals: []IntervalSpec{{Every: time.Hour}, {Every: -time.Second}}}, "Intervals[1].Every",
			`schedule: Intervals[1].Every -1s: must be positive`},
		{"offset too big", Spec{Intervals: []IntervalSpec{{Every: 15 * time.Minute, Offset: 15 * time.Minute}}}, "Intervals[0].Offset",
			`schedule: Intervals[0].Offset 15m0s: must be in [0, Every=15m0s)`},
		{"offset negative", Spec{Intervals: []IntervalSpec{{Every: time.Hour, Offset: -time.Minute}}}, "Intervals[0].Offset",
			`schedule: Intervals[0].Offset -1m0s: must be in [0, Every=1h0m0s)`},

		{"second", Spec{Calendars: []CalendarSpec{{Second: []Range{r(60)}}}}, "Calendars[0].Second[0]",
			`schedule: Calendars[0].Second[0]: Start 60 is out of range 0-59`},
		{"minute end", Spec{Calendars: []CalendarSpec{{Minute: []Range{rr(0, 60)}}}}, "Calendars[0].Minute[0]",
			`schedule: Calendars[0].Minute[0]: End 60 is out of range 0-59`},
		{"hour", Spec{Calendars: []CalendarSpec{{}, {Hour: []Range{r(9), r(24)}}}}, "Calendars[1].Hour[1]",
			`schedule: Calendars[1].Hour[1]: Start 24 is out of range 0-23`},
		{"day of month zero", Spec{Calendars: []CalendarSpec{{DayOfMonth: []Range{r(0)}}}}, "Calendars[0].DayOfMonth[0]",
			`schedule: Calendars[0].DayOfMonth[0]: Start 0 is out of range 1-31`},
		{"month", Spec{Calendars: []CalendarSpec{{Month: []Range{r(13)}}}}, "Calendars[0].Month[0]",
			`schedule: Calendars[0].Month[0]: Start 13 is out of range 1-12`},
		{"day of week", Spec{Calendars: []CalendarSpec{{DayOfWeek: []Range{rr(1, 7)}}}}, "Calendars[0].DayOfWeek[0]",
			`schedule: Calendars[0].DayOfWeek[0]: End 7 is out of range 0-6`},
		{"year", Spec{Calendars: []CalendarSpec{{Year: []Range{r(1969)}}}}, "Calendars[0].Year[0]",
			`schedule: Calendars[0].Year[0]: Start 1969 is out of range 1970-9999`},
		{"negative step", Spec{Calendars: []CalendarSpec{{Minute: []Range{{Start: 0, End: 30, Step: -5}}}}}, "Calendars[0].Minute[0]",
			`schedule: Calendars[0].Minute[0]: Step -5 must not be negative`},
		{"skip", Spec{Calendars: daily, Skip: []CalendarSpec{{}, {Hour: []Range{r(-1)}}}}, "Skip[1].Hour[0]",
			`schedule: Skip[1].Hour[0]: Start -1 is out of range 0-23`},

		{"cron minute", Spec{CronExpressions: []string{"0 9 * * *", "61 * * * *"}}, "CronExpressions[1]",
			`schedule: CronExpressions[1] "61 * * * *": end of range (61) above maximum (59): 61`},
		{"cron field count", Spec{CronExpressions: []string{"* * * *"}}, "CronExpressions[0]",
			`schedule: CronExpressions[0] "* * * *": expected 5, 6 or 7 fields, found 4`},
		{"cron empty", Spec{CronExpressions: []string{"  "}}, "CronExpressions[0]",
			`schedule: CronExpressions[0] "  ": empty expression`},
		{"cron only comment", Spec{CronExpressions: []string{"# nothing"}}, "CronExpressions[0]",
			`schedule: CronExpressions[0] "# nothing": empty expression`},
		{"cron bad name", Spec{CronExpressions: []string{"0 0 * * FUN"}}, "CronExpressions[0]",
			`schedule: CronExpressions[0] "0 0 * * FUN": failed to parse int from FUN: strconv.Atoi: parsing "FUN": invalid syntax`},
		{"cron bad character", Spec{CronExpressions: []string{"0 0 * * TZ=UTC"}}, "CronExpressions[0]",
			`schedule: CronExpressions[0] "0 0 * * TZ=UTC": unexpected character "=" in field "TZ=UTC"`},
		{"cron zero step", Spec{CronExpressions: []string{"*/0 * * * *"}}, "CronExpressions[0]",
			`schedule: CronExpressions[0] "*/0 * * * *": step of range should be a positive number: */0`},
		{"cron unknown zone", Spec{CronExpressions: []string{"CRON_TZ=Mars/Base 0 9 * * *"}}, "CronExpressions[0]",
			`schedule: CronExpressions[0] "CRON_TZ=Mars/Base 0 9 * * *": CRON_TZ=Mars/Base: unknown time zone Mars/Base`},
		{"cron zone without name", Spec{CronExpressions: []string{"TZ= 0 9 * * *"}}, "CronExpressions[0]",
			`schedule: CronExpressions[0] "TZ= 0 9 * * *": TZ= needs a time zone name`},
		{"cron zone without fields", Spec{CronExpressions: []string{"CRON_TZ=UTC"}}, "CronExpressions[0]",
			`schedule: CronExpressions[0] "CRON_TZ=UTC": empty expression`},
		{"cron unknown descriptor", Spec{CronExpressions: []string{"@fortnightly"}}, "CronExpressions[0]",
			`schedule: CronExpressions[0] "@fortnightly": unknown descriptor @fortnightly`},
		{"cron descriptor argument", Spec{CronExpressions: []string{"@daily 5"}}, "CronExpressions[0]",
			`schedule: CronExpressions[0] "@daily 5": descriptor @daily takes no arguments`},
		{"cron every missing", Spec{CronExpressions: []string{"@every"}}, "CronExpressions[0]",
			`schedule: CronExpressions[0] "@every": @every needs an interval`},
		{"cron every bad", Spec{CronExpressions: []string{"@every soon"}}, "CronExpressions[0]",
			`schedule: CronExpressions[0] "@every soon": @every interval: time: invalid duration "soon"`},
		{"cron every zero", Spec{CronExpressions: []string{"@every 0s"}}, "CronExpressions[0]",
			`schedule: CronExpressions[0] "@every 0s": @every every 0s: must be positive`},
		{"cron every offset", Spec{CronExpressions: []string{"@every 1h/1h"}}, "CronExpressions[0]",
			`schedule: CronExpressions[0] "@every 1h/1h": @every offset 1h0m0s: must be in [0, Every=1h0m0s)`},
		{"cron every two args", Spec{CronExpressions: []string{"@every 1h 2h"}}, "CronExpressions[0]",
			`schedule: CronExpressions[0] "@every 1h 2h": @every takes one argument, got "1h 2h"`},
		{"cron year", Spec{CronExpressions: []string{"0 0 1 1 * 1900"}}, "CronExpressions[0]",
			`schedule: CronExpressions[0] "0 0 1 1 * 1900": year "1900": year 1900 is out of range 1970-9999`},
		{"cron year range", Spec{CronExpressions: []string{"0 0 1 1 * 2030-2029"}}, "CronExpressions[0]",
			`schedule: CronExpressions[0] "0 0 1 1 * 2030-2029": year "2030-2029": range end 2029 is before its start 2030`},
		{"cron year step", Spec{CronExpressions: []string{"0 0 1 1 * 2030/0"}}, "CronExpressions[0]",
			`schedule: CronExpressions[0] "0 0 1 1 * 2030/0": year "2030/0": step "0" must be a positive number`},

		{"negative jitter", Spec{Calendars: daily, Jitter: -time.Second}, "Jitter",
			`schedule: Jitter -1s: must not be negative`},
		{"end before start", Spec{Calendars: daily, StartAt: at("2025-06-01T00:00:00Z"), EndAt: at("2025-05-01T00:00:00Z")}, "EndAt",
			`schedule: EndAt 2025-05-01T00:00:00Z: is before StartAt 2025-06-01T00:00:00Z`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Compile(tc.spec)
			require.Nil(t, c)
			require.EqualError(t, err, tc.msg)
			var se *SpecError
			require.True(t, errors.As(err, &se))
			require.Equal(t, tc.field, se.Field)
			require.NotNil(t, errors.Unwrap(err))
		})
	}
}

func TestCompileAcceptsEdgeValues(t *testing.T) {
	_, err := Compile(Spec{
		Calendars: []CalendarSpec{{
			Second: []Range{rr(0, 59)}, Minute: []Range{rr(0, 59)}, Hour: []Range{rr(0, 23)},
			DayOfMonth: []Range{rr(1, 31)}, Month: []Range{rr(1, 12)}, DayOfWeek: []Range{rr(0, 6)},
			Year: []Range{rr(1970, 9999)},
		}},
		Intervals:       []IntervalSpec{{Every: 1, Offset: 0}, {Every: time.Hour, Offset: time.Hour - 1}},
		CronExpressions: []string{"59 23 31 12 6", "@every 1ns", "TZ=UTC @hourly"},
		StartAt:         at("2025-01-01T00:00:00Z"),
		EndAt:           at("2025-01-01T00:00:00Z"),
		TimeZoneName:    "UTC",
	})
	require.NoError(t, err)
}
