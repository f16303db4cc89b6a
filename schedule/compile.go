package schedule

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Year bounds accepted in calendar and cron year fields.
const (
	minYear = 1970
	maxYear = 9999
)

// Compiled is a validated [Spec] ready to answer "when next?" questions. It is
// immutable after [Compile] and therefore safe for concurrent use.
type Compiled struct {
	loc       *time.Location
	calendars []*calendar // from Calendars and from cron field expressions
	intervals []interval  // from Intervals and from @every expressions
	skip      []*calendar
	startAt   time.Time
	endAt     time.Time
	jitter    time.Duration
}

// Compile validates s and prepares it for evaluation. It checks every part of
// the spec once, so that later queries cannot fail, and reports the first
// problem as a *[SpecError] naming the field.
//
// Compile does not keep references to s's slices; changing s afterwards does
// not change the result.
func Compile(s Spec) (*Compiled, error) {
	loc, err := loadZone(s.TimeZoneName)
	if err != nil {
		return nil, &SpecError{Field: "TimeZoneName", Value: strconv.Quote(s.TimeZoneName), Err: err}
	}
	if len(s.Calendars) == 0 && len(s.Intervals) == 0 && len(s.CronExpressions) == 0 {
		return nil, &SpecError{Field: "Spec", Err: errors.New("needs at least one of Calendars, Intervals or CronExpressions")}
	}
	c := &Compiled{loc: loc, startAt: s.StartAt, endAt: s.EndAt, jitter: s.Jitter}

	for i, cs := range s.Calendars {
		cal, err := compileCalendar(fmt.Sprintf("Calendars[%d]", i), cs, loc)
		if err != nil {
			return nil, err
		}
		c.calendars = append(c.calendars, cal)
	}
	for i, is := range s.Intervals {
		iv, err := compileInterval(is.Every, is.Offset)
		if err != nil {
			var se *SpecError
			if errors.As(err, &se) {
				se.Field = fmt.Sprintf("Intervals[%d].%s", i, se.Field)
			}
			return nil, err
		}
		c.intervals = append(c.intervals, iv)
	}
	for i, expr := range s.CronExpressions {
		cal, iv, err := parseCron(expr, loc)
		if err != nil {
			return nil, &SpecError{Field: fmt.Sprintf("CronExpressions[%d]", i), Value: strconv.Quote(expr), Err: err}
		}
		if cal != nil {
			c.calendars = append(c.calendars, cal)
		} else {
			c.intervals = append(c.intervals, *iv)
		}
	}
	for i, cs := range s.Skip {
		cal, err := compileCalendar(fmt.Sprintf("Skip[%d]", i), cs, loc)
		if err != nil {
			return nil, err
		}
		c.skip = append(c.skip, cal)
	}
	if s.Jitter < 0 {
		return nil, &SpecError{Field: "Jitter", Value: s.Jitter.String(), Err: errors.New("must not be negative")}
	}
	if !s.StartAt.IsZero() && !s.EndAt.IsZero() && s.EndAt.Before(s.StartAt) {
		return nil, &SpecError{
			Field: "EndAt",
			Value: s.EndAt.Format(time.RFC3339Nano),
			Err:   fmt.Errorf("is before StartAt %s", s.StartAt.Format(time.RFC3339Nano)),
		}
	}
	return c, nil
}

// loadZone resolves a zone name; "" is UTC.
func loadZone(name string) (*time.Location, error) {
	switch name {
	case "", "UTC":
		return time.UTC, nil
	case "Local":
		return nil, errors.New(`"Local" depends on the host; name the zone, e.g. "Europe/Berlin"`)
	}
	return time.LoadLocation(name)
}

// compileInterval validates an interval; errors name the sub-field only
// ("Every" or "Offset") so callers can prefix their own path.
func compileInterval(every, offset time.Duration) (interval, error) {
	if every <= 0 {
		return interval{}, &SpecError{Field: "Every", Value: every.String(), Err: errors.New("must be positive")}
	}
	if offset < 0 || offset >= every {
		return interval{}, &SpecError{Field: "Offset", Value: offset.String(), Err: fmt.Errorf("must be in [0, Every=%s)", every)}
	}
	return interval{every: every, offset: offset}, nil
}

// calendar is a compiled CalendarSpec (or cron field expression). Each set is
// a bit mask where bit v means value v matches.
type calendar struct {
	loc    *time.Location
	second uint64 // bits 0-59
	minute uint64 // bits 0-59
	hour   uint64 // bits 0-23
	dom    uint64 // bits 1-31
	month  uint64 // bits 1-12
	dow    uint64 // bits 0-6
	years  []Range
	// never is set when no month in the month set has a matching day of
	// month (e.g. February 30); such a calendar is never searched.
	never bool
}

// Masks of every valid value of each field.
var (
	fullSecond = bitRange(0, 59)
	fullMinute = bitRange(0, 59)
	fullHour   = bitRange(0, 23)
	fullDom    = bitRange(1, 31)
	fullMonth  = bitRange(1, 12)
	fullDow    = bitRange(0, 6)
)

// bitRange returns a mask with bits lo..hi set.
func bitRange(lo, hi int) uint64 {
	var m uint64
	for v := lo; v <= hi; v++ {
		m |= 1 << uint(v)
	}
	return m
}

// compileCalendar validates cs and converts it to bit masks. path is the
// field path used in errors, e.g. "Calendars[2]".
func compileCalendar(path string, cs CalendarSpec, loc *time.Location) (*calendar, error) {
	cal := &calendar{loc: loc}
	fields := []struct {
		name     string
		ranges   []Range
		min, max int
		empty    uint64 // mask used when the list is empty
		dst      *uint64
	}{
		{"Second", cs.Second, 0, 59, 1, &cal.second},
		{"Minute", cs.Minute, 0, 59, 1, &cal.minute},
		{"Hour", cs.Hour, 0, 23, 1, &cal.hour},
		{"DayOfMonth", cs.DayOfMonth, 1, 31, fullDom, &cal.dom},
		{"Month", cs.Month, 1, 12, fullMonth, &cal.month},
		{"DayOfWeek", cs.DayOfWeek, 0, 6, fullDow, &cal.dow},
	}
	for _, f := range fields {
		if len(f.ranges) == 0 {
			*f.dst = f.empty
			continue
		}
		for j, r := range f.ranges {
			n, err := normalizeRange(r, f.min, f.max)
			if err != nil {
				return nil, &SpecError{Field: fmt.Sprintf("%s.%s[%d]", path, f.name, j), Err: err}
			}
			for v := n.Start; v <= n.End; v += n.Step {
				*f.dst |= 1 << uint(v)
			}
		}
	}
	for j, r := range cs.Year {
		n, err := normalizeRange(r, minYear, maxYear)
		if err != nil {
			return nil, &SpecError{Field: fmt.Sprintf("%s.Year[%d]", path, j), Err: err}
		}
		cal.years = append(cal.years, n)
	}
	cal.never = !daysCanMatch(cal.month, cal.dom)
	return cal, nil
}

// normalizeRange applies Temporal's defaults (End < Start means Start, Step 0
// means 1) and checks the bounds.
func normalizeRange(r Range, min, max int) (Range, error) {
	if r.Step < 0 {
		return Range{}, fmt.Errorf("Step %d must not be negative", r.Step)
	}
	if r.Start < min || r.Start > max {
		return Range{}, fmt.Errorf("Start %d is out of range %d-%d", r.Start, min, max)
	}
	if r.End < r.Start {
		r.End = r.Start
	}
	if r.End > max {
		return Range{}, fmt.Errorf("End %d is out of range %d-%d", r.End, min, max)
	}
	if r.Step == 0 {
		r.Step = 1
	}
	return r, nil
}

// daysCanMatch reports whether some month in months has a day in doms that
// exists in that month in at least some year (February counts 29 days).
func daysCanMatch(months, doms uint64) bool {
	maxDays := [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	for m := 1; m <= 12; m++ {
		if months&(1<<uint(m)) != 0 && doms&bitRange(1, maxDays[m]) != 0 {
			return true
		}
	}
	return false
}
