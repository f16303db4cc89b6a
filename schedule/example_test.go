package schedule_test

import (
	"fmt"
	"time"

	"github.com/grainflow/grainflow/schedule"
)

// A schedule that runs at 09:00 Berlin time on weekdays and, separately,
// every 15 minutes two minutes past the quarter hour.
func Example() {
	c, err := schedule.Compile(schedule.Spec{
		Calendars: []schedule.CalendarSpec{{
			Hour:      []schedule.Range{{Start: 9}},
			DayOfWeek: []schedule.Range{{Start: 1, End: 5}},
			Comment:   "weekday mornings",
		}},
		TimeZoneName: "Europe/Berlin",
	})
	if err != nil {
		panic(err)
	}
	// Across the spring-forward weekend the wall clock stays at 09:00.
	for _, t := range c.Describe(time.Date(2025, 3, 27, 12, 0, 0, 0, time.UTC), 3) {
		fmt.Println(t.Format(time.RFC3339), t.UTC().Format(time.RFC3339))
	}

	c, err = schedule.Compile(schedule.Spec{CronExpressions: []string{"@every 15m/2m"}})
	if err != nil {
		panic(err)
	}
	next, _ := c.Next(time.Date(2025, 1, 1, 10, 2, 0, 0, time.UTC))
	fmt.Println(next.Format(time.RFC3339))

	// Output:
	// 2025-03-28T09:00:00+01:00 2025-03-28T08:00:00Z
	// 2025-03-31T09:00:00+02:00 2025-03-31T07:00:00Z
	// 2025-04-01T09:00:00+02:00 2025-04-01T07:00:00Z
	// 2025-01-01T10:17:00Z
}
