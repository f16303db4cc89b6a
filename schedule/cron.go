package schedule

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/robfig/cron/v3"
)

// cronFields parses the six fields second..day-of-week. The year field, the
// time zone prefix, comments and descriptors are handled here, so robfig only
// ever sees plain fields.
var cronFields = cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// robfigStar is the bit robfig sets on a field written as "*" or "?". It only
// drives robfig's own day-of-month/day-of-week "or" rule, which schedules do
// not use, so it is cleared.
const robfigStar = 1 << 63

// cronDescriptors maps the predefined descriptors to the five fields they
// stand for.
var cronDescriptors = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly":   "0 * * * *",
}

// parseCron converts one cron expression into either a calendar or an
// interval. defLoc is the zone used unless the expression names its own.
func parseCron(expr string, defLoc *time.Location) (*calendar, *interval, error) {
	s := expr
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)

	loc := defLoc
	for _, prefix := range []string{"CRON_TZ=", "TZ="} {
		if !strings.HasPrefix(s, prefix) {
			continue
		}
		name, after := firstWord(s[len(prefix):])
		if name == "" {
			return nil, nil, fmt.Errorf("%s needs a time zone name", prefix)
		}
		l, err := loadZone(name)
		if err != nil {
			return nil, nil, fmt.Errorf("%s%s: %w", prefix, name, err)
		}
		loc = l
		s = after
		break
	}
	if s == "" {
		return nil, nil, errors.New("empty expression")
	}

	if strings.HasPrefix(s, "@") {
		word, arg := firstWord(s)
		word = strings.ToLower(word)
		if word == "@every" {
			iv, err := parseEvery(arg)
			if err != nil {
				return nil, nil, err
			}
			return nil, &iv, nil
		}
		fields, ok := cronDescriptors[word]
		if !ok {
			return nil, nil, fmt.Errorf("unknown descriptor %s", word)
		}
		if arg != "" {
			return nil, nil, fmt.Errorf("descriptor %s takes no arguments", word)
		}
		s = fields
	}

	fields := strings.Fields(s)
	for _, f := range fields {
		if i := strings.IndexFunc(f, badCronRune); i >= 0 {
			return nil, nil, fmt.Errorf("unexpected character %q in field %q", f[i:i+1], f)
		}
	}
	second, year := "0", "*"
	switch len(fields) {
	case 5:
	case 6:
		year = fields[5]
		fields = fields[:5]
	case 7:
		second, year = fields[0], fields[6]
		fields = fields[1:6]
	default:
		return nil, nil, fmt.Errorf("expected 5, 6 or 7 fields, found %d", len(fields))
	}
	sched, err := cronFields.Parse(second + " " + strings.Join(fields, " "))
	if err != nil {
		return nil, nil, err
	}
	spec, ok := sched.(*cron.SpecSchedule)
	if !ok {
		return nil, nil, fmt.Errorf("unsupported cron form")
	}
	years, err := parseYearField(year)
	if err != nil {
		return nil, nil, err
	}
	cal := &calendar{
		loc:    loc,
		second: spec.Second &^ robfigStar,
		minute: spec.Minute &^ robfigStar,
		hour:   spec.Hour &^ robfigStar,
		dom:    spec.Dom &^ robfigStar,
		month:  spec.Month &^ robfigStar,
		dow:    spec.Dow &^ robfigStar,
		years:  years,
	}
	cal.never = !daysCanMatch(cal.month, cal.dom)
	return cal, nil, nil
}

// firstWord splits s at its first run of white space and trims the rest.
func firstWord(s string) (word, rest string) {
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// badCronRune reports characters that never appear in a cron field. Checking
// them up front keeps odd input (such as a second "TZ=") away from robfig.
func badCronRune(r rune) bool {
	switch {
	case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		return false
	case r == '*', r == '?', r == ',', r == '-', r == '/':
		return false
	}
	return true
}

// parseEvery parses the argument of "@every": <interval>[/<offset>].
func parseEvery(arg string) (interval, error) {
	if arg == "" {
		return interval{}, errors.New("@every needs an interval")
	}
	if strings.IndexFunc(arg, unicode.IsSpace) >= 0 {
		return interval{}, fmt.Errorf("@every takes one argument, got %q", arg)
	}
	everyText, offsetText, hasOffset := strings.Cut(arg, "/")
	every, err := parseCronDuration(everyText)
	if err != nil {
		return interval{}, fmt.Errorf("@every interval: %w", err)
	}
	var offset time.Duration
	if hasOffset {
		if offset, err = parseCronDuration(offsetText); err != nil {
			return interval{}, fmt.Errorf("@every offset: %w", err)
		}
	}
	iv, err := compileInterval(every, offset)
	if err != nil {
		var se *SpecError
		if errors.As(err, &se) {
			return interval{}, fmt.Errorf("@every %s %s: %w", strings.ToLower(se.Field), se.Value, se.Err)
		}
		return interval{}, err
	}
	return iv, nil
}

// parseCronDuration parses a Go duration optionally preceded by a whole
// number of days: "90m", "1d", "2d12h".
func parseCronDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, errors.New("empty duration")
	}
	var total time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		days, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil || days < 0 {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		if days > int64(math.MaxInt64/int64(24*time.Hour)) {
			return 0, fmt.Errorf("duration %q is too long", s)
		}
		total = time.Duration(days) * 24 * time.Hour
		s = s[i+1:]
		if s == "" {
			return total, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d < 0 {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	if total > math.MaxInt64-d {
		return 0, fmt.Errorf("duration %q is too long", s)
	}
	return total + d, nil
}

// parseYearField parses the optional cron year field: "*" or "?" (every
// year, returned as nil), or a comma list of "y", "a-b", "a/n", "a-b/n" and
// "*/n" (which counts from 1970).
func parseYearField(field string) ([]Range, error) {
	if field == "*" || field == "?" {
		return nil, nil
	}
	var out []Range
	for _, item := range strings.Split(field, ",") {
		r, err := parseYearItem(item)
		if err != nil {
			return nil, fmt.Errorf("year %q: %w", item, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// parseYearItem parses one element of the year list.
func parseYearItem(item string) (Range, error) {
	if item == "" {
		return Range{}, errors.New("empty element")
	}
	rangeText, stepText, hasStep := strings.Cut(item, "/")
	r := Range{Step: 1}
	if hasStep {
		step, err := strconv.Atoi(stepText)
		if err != nil || step <= 0 {
			return Range{}, fmt.Errorf("step %q must be a positive number", stepText)
		}
		r.Step = step
	}
	if rangeText == "*" || rangeText == "?" {
		r.Start, r.End = minYear, maxYear
		return r, nil
	}
	startText, endText, hasEnd := strings.Cut(rangeText, "-")
	start, err := parseYear(startText)
	if err != nil {
		return Range{}, err
	}
	r.Start, r.End = start, start
	switch {
	case hasEnd:
		if r.End, err = parseYear(endText); err != nil {
			return Range{}, err
		}
		if r.End < r.Start {
			return Range{}, fmt.Errorf("range end %d is before its start %d", r.End, r.Start)
		}
	case hasStep:
		r.End = maxYear // "a/n" means a, a+n, ... as in the other fields
	}
	return r, nil
}

// parseYear parses a single year within the supported bounds.
func parseYear(s string) (int, error) {
	y, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a year", s)
	}
	if y < minYear || y > maxYear {
		return 0, fmt.Errorf("year %d is out of range %d-%d", y, minYear, maxYear)
	}
	return y, nil
}
