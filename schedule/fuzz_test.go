package schedule

import (
	"strings"
	"testing"
	"time"
)

// FuzzCron feeds arbitrary text to Compile as a cron expression. Compile must
// not panic; an error must name the field; a compiled spec must answer
// Describe and Jittered without panicking, with increasing times after the
// query time.
//
//	go test -run x -fuzz FuzzCron -fuzztime 20s ./schedule
func FuzzCron(f *testing.F) {
	for _, seed := range []string{
		"* * * * *",
		"*/15 9-17 * * MON-FRI",
		"0 12 * * MON-WED,FRI",
		"0 0 13 * FRI",
		"0 0 30 2 *",
		"61 * * * *",
		"30 0 12 1 1 * 2030",
		"0 12 1 1 * 2027-2028,2031/3",
		"@daily",
		"@every 15m/2m",
		"@every 1d12h",
		"CRON_TZ=Europe/Berlin 30 2 * * *",
		"TZ=America/New_York @hourly # comment",
		"CRON_TZ= ",
		"TZ=",
		"1-2-3 * * * *",
		"*/ * * * *",
		"5/ * * * *",
		"-1 * * * *",
		"@every -1s",
		"@every 9999999999d",
		"0 0 * * * */0",
		"0 0 29 2 1 2101-9999/4",
	} {
		f.Add(seed)
	}
	from := time.Date(2025, 3, 29, 23, 59, 59, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr string) {
		c, err := Compile(Spec{CronExpressions: []string{expr}, Jitter: time.Minute})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "schedule: CronExpressions[0] ") {
				t.Fatalf("error does not name the field: %v", err)
			}
			return
		}
		prev := from
		for _, next := range c.Describe(from, 3) {
			if !next.After(prev) {
				t.Fatalf("%q: %s is not after %s", expr, next, prev)
			}
			if j := c.Jittered(next, "fuzz"); j.Before(next) {
				t.Fatalf("%q: jittered %s before nominal %s", expr, j, next)
			}
			prev = next
		}
	})
}
