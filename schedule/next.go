package schedule

import (
	"encoding/binary"
	"hash/fnv"
	"math/big"
	"math/bits"
	"time"
)

// Search bounds; see the package documentation.
const (
	// MaxCandidateDays is how many fully matching days (year, month, day of
	// month and day of week all match) one calendar or cron expression
	// examines before Next gives up on it: five years of days. A day is only
	// passed over when none of its times exists (daylight-saving gap) or
	// when all of them are not after the query time, so hitting this bound
	// means the calendar effectively never fires.
	MaxCandidateDays = 5 * 366

	// MaxSkippedCandidates is how many consecutive candidate times Skip may
	// remove before Next gives up and reports no next time.
	MaxSkippedCandidates = 100_000
)

// maxTime is the latest time this package returns: the end of year 9999 UTC.
var maxTime = time.Date(maxYear, time.December, 31, 23, 59, 59, 999_999_999, time.UTC)

// interval is a validated IntervalSpec.
type interval struct {
	every, offset time.Duration
}

var (
	bigBillion = big.NewInt(int64(time.Second))
	maxUnixSec = maxTime.Unix()
)

// next returns the first time epoch + offset + k*every (k >= 0) strictly
// after after. The arithmetic is done in big integers so that it is exact for
// every representable time, not only the ±292 years around 1970 that fit in
// int64 nanoseconds.
func (iv interval) next(after time.Time) (time.Time, bool) {
	// a = nanoseconds from (epoch + offset) to after.
	a := new(big.Int).Mul(big.NewInt(after.Unix()), bigBillion)
	a.Add(a, big.NewInt(int64(after.Nanosecond())))
	a.Sub(a, big.NewInt(int64(iv.offset)))
	every := big.NewInt(int64(iv.every))
	k := new(big.Int)
	if a.Sign() >= 0 {
		k.Quo(a, every)
		k.Add(k, big.NewInt(1))
	}
	ns := k.Mul(k, every)
	ns.Add(ns, big.NewInt(int64(iv.offset)))
	sec, nsec := new(big.Int).DivMod(ns, bigBillion, new(big.Int))
	if !sec.IsInt64() || sec.Int64() > maxUnixSec {
		return time.Time{}, false
	}
	return time.Unix(sec.Int64(), nsec.Int64()), true
}

// next returns the earliest instant strictly after after whose wall clock in
// c.loc matches the calendar. It walks forward through wall-clock days,
// jumping over years and months that cannot match, and within a matching day
// tries times in increasing order. Repeated wall times resolve to their first
// instant and missing ones are passed over (see resolveWall); with that rule
// instants increase with wall time, so the first acceptable time found is the
// earliest.
func (c *calendar) next(after time.Time) (time.Time, bool) {
	if c.never {
		return time.Time{}, false
	}
	w := after.In(c.loc)
	sy, sm, sd := w.Date()
	sh, smin, ss := w.Clock()
	y, m, d := sy, sm, sd
	candidates := 0
	for y <= maxYear {
		ny, ok := c.nextYear(y)
		if !ok {
			return time.Time{}, false
		}
		if ny != y {
			y, m, d = ny, time.January, 1
		}
		nm := nextBit(c.month, int(m))
		if nm < 0 {
			y, m, d = y+1, time.January, 1
			continue
		}
		if time.Month(nm) != m {
			m, d = time.Month(nm), 1
		}
		for dim := daysIn(y, m); d <= dim; d++ {
			if c.dom&(1<<uint(d)) == 0 || c.dow&(1<<uint(weekday(y, m, d))) == 0 {
				continue
			}
			candidates++
			if candidates > MaxCandidateDays {
				return time.Time{}, false
			}
			h0, mi0, s0 := 0, 0, 0
			if y == sy && m == sm && d == sd {
				h0, mi0, s0 = sh, smin, ss
			}
			if t, ok := c.firstOnDay(y, m, d, h0, mi0, s0, after); ok {
				return t, true
			}
		}
		d = 1
		if m++; m > time.December {
			y, m = y+1, time.January
		}
	}
	return time.Time{}, false
}

// firstOnDay returns the first matching time on the given wall-clock day at or
// after h0:mi0:s0 that exists and is strictly after after.
func (c *calendar) firstOnDay(y int, m time.Month, d, h0, mi0, s0 int, after time.Time) (time.Time, bool) {
	for h := nextBit(c.hour, h0); h >= 0; h = nextBit(c.hour, h+1) {
		loMin := 0
		if h == h0 {
			loMin = mi0
		}
		for mi := nextBit(c.minute, loMin); mi >= 0; mi = nextBit(c.minute, mi+1) {
			loSec := 0
			if h == h0 && mi == mi0 {
				loSec = s0
			}
			for s := nextBit(c.second, loSec); s >= 0; s = nextBit(c.second, s+1) {
				if t, ok := resolveWall(y, m, d, h, mi, s, c.loc); ok && t.After(after) {
					return t, true
				}
			}
		}
	}
	return time.Time{}, false
}

// nextYear returns the smallest matching year >= y.
func (c *calendar) nextYear(y int) (int, bool) {
	if c.years == nil {
		return y, true
	}
	best, found := 0, false
	for _, r := range c.years {
		v := r.Start
		if y > v {
			v += (y - v + r.Step - 1) / r.Step * r.Step
		}
		if v <= r.End && (!found || v < best) {
			best, found = v, true
		}
	}
	return best, found
}

// yearMatches reports whether y is in the calendar's year set.
func (c *calendar) yearMatches(y int) bool {
	v, ok := c.nextYear(y)
	return ok && v == y
}

// matches reports whether t's wall clock in c.loc matches every field.
func (c *calendar) matches(t time.Time) bool {
	w := t.In(c.loc)
	y, m, d := w.Date()
	h, mi, s := w.Clock()
	return c.second&(1<<uint(s)) != 0 &&
		c.minute&(1<<uint(mi)) != 0 &&
		c.hour&(1<<uint(h)) != 0 &&
		c.dom&(1<<uint(d)) != 0 &&
		c.month&(1<<uint(m)) != 0 &&
		c.dow&(1<<uint(w.Weekday())) != 0 &&
		c.yearMatches(y)
}

// skipResume is called for a time t that the skip calendar c matches. It
// returns the last instant of the run of time, starting at t, that c is
// certain to remove: the rest of t's wall-clock minute if c matches every
// second, the rest of the hour if it also matches every minute, and so on up
// to the whole year. The caller continues searching strictly after it.
func (c *calendar) skipResume(t time.Time) time.Time {
	w := t.In(c.loc)
	y, m, d := w.Date()
	h, mi, _ := w.Clock()
	var ny, nm, nd, nh, nmi int // first wall time after the removed block
	switch {
	case c.second != fullSecond:
		return t
	case c.minute != fullMinute:
		ny, nm, nd, nh, nmi = y, int(m), d, h, mi+1
	case c.hour != fullHour:
		ny, nm, nd, nh, nmi = y, int(m), d, h+1, 0
	case c.dom != fullDom || c.dow != fullDow:
		ny, nm, nd = y, int(m), d+1
	case c.month != fullMonth:
		ny, nm, nd = y, int(m)+1, 1
	default:
		ny, nm, nd = y+1, 1, 1
	}
	// Normalise the wall time (e.g. minute 60) through UTC, which has no
	// gaps, then find the instant it starts at.
	n := time.Date(ny, time.Month(nm), nd, nh, nmi, 0, 0, time.UTC)
	end, ok := resolveWall(n.Year(), n.Month(), n.Day(), n.Hour(), n.Minute(), 0, c.loc)
	if !ok || !end.After(t) {
		// The block ends in a daylight-saving gap; fall back to the
		// always-correct single step.
		return t
	}
	return end.Add(-time.Nanosecond)
}

// resolveWall returns the instant at which the wall clock in loc reads the
// given date and time. When the wall time occurs twice it returns the first
// (earlier) instant; when it does not occur at all it returns false.
//
// Instants x with that wall time satisfy x + offset(x) = u, where u is the
// wall time read as if it were UTC. Any such x lies within a day of u, so the
// offsets worth trying are those in force a day before u, at u and a day
// after u; each is kept only if it is really the offset at the instant it
// implies.
func resolveWall(y int, m time.Month, d, h, mi, s int, loc *time.Location) (time.Time, bool) {
	u := time.Date(y, m, d, h, mi, s, 0, time.UTC)
	if loc == time.UTC {
		return u, true
	}
	us := u.Unix()
	var best int64
	found := false
	for _, probe := range [3]int64{us - 86400, us, us + 86400} {
		off := offsetAt(probe, loc)
		x := us - int64(off)
		if offsetAt(x, loc) == off && (!found || x < best) {
			best, found = x, true
		}
	}
	if !found {
		return time.Time{}, false
	}
	return time.Unix(best, 0).In(loc), true
}

// offsetAt is loc's UTC offset in seconds at the given Unix second.
func offsetAt(unix int64, loc *time.Location) int {
	_, off := time.Unix(unix, 0).In(loc).Zone()
	return off
}

// nextBit returns the smallest set bit of mask that is >= from, or -1.
func nextBit(mask uint64, from int) int {
	if from < 0 {
		from = 0
	}
	if from > 63 {
		return -1
	}
	rest := mask &^ (1<<uint(from) - 1)
	if rest == 0 {
		return -1
	}
	return bits.TrailingZeros64(rest)
}

// daysIn is the number of days in month m of year y.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// weekday is the day of the week of a civil date.
func weekday(y int, m time.Month, d int) time.Weekday {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday()
}

// earliest is the first time strictly after after produced by any calendar
// or interval, ignoring Skip and the StartAt/EndAt bounds.
func (c *Compiled) earliest(after time.Time) (time.Time, bool) {
	var best time.Time
	found := false
	for _, cal := range c.calendars {
		if t, ok := cal.next(after); ok && (!found || t.Before(best)) {
			best, found = t, true
		}
	}
	for _, iv := range c.intervals {
		if t, ok := iv.next(after); ok && (!found || t.Before(best)) {
			best, found = t, true
		}
	}
	if !found || best.After(maxTime) {
		return time.Time{}, false
	}
	return best, true
}

// Next returns the earliest matching time strictly after after: the union of
// all calendars, intervals and cron expressions, minus Skip, within
// [StartAt, EndAt]. The time is nominal (before jitter; see Jittered) and is
// expressed in the spec's time zone. It returns false when there is no such
// time or when a search bound described in the package documentation is hit.
//
// Next(t) is what a scheduler workflow sleeps until after taking the action
// at t; times that several sources share are returned once.
func (c *Compiled) Next(after time.Time) (time.Time, bool) {
	if !c.startAt.IsZero() && after.Before(c.startAt) {
		after = c.startAt.Add(-time.Nanosecond)
	}
	for range MaxSkippedCandidates + 1 {
		t, ok := c.earliest(after)
		if !ok || (!c.endAt.IsZero() && t.After(c.endAt)) {
			return time.Time{}, false
		}
		resume, skipped := c.skipped(t)
		if !skipped {
			return t.In(c.loc), true
		}
		after = resume
	}
	return time.Time{}, false
}

// skipped reports whether a Skip calendar removes t and, if so, the last
// instant known to be removed along with it.
func (c *Compiled) skipped(t time.Time) (time.Time, bool) {
	resume, skipped := t, false
	for _, sc := range c.skip {
		if !sc.matches(t) {
			continue
		}
		skipped = true
		if r := sc.skipResume(t); r.After(resume) {
			resume = r
		}
	}
	return resume, skipped
}

// Between returns the nominal times in (from, to], earliest first, at most
// limit of them (limit <= 0 returns none). A scheduler workflow that was not
// running calls it with its last processed time and "now" to learn what it
// missed, then filters the result with CatchUp.
func (c *Compiled) Between(from, to time.Time, limit int) []time.Time {
	var out []time.Time
	for t := from; len(out) < limit; {
		next, ok := c.Next(t)
		if !ok || next.After(to) {
			break
		}
		out = append(out, next)
		t = next
	}
	return out
}

// Describe returns the next n nominal action times after from, earliest first
// (fewer if the schedule ends). It backs the "upcoming actions" of a schedule
// description.
func (c *Compiled) Describe(from time.Time, n int) []time.Time {
	return c.Between(from, maxTime, n)
}

// Jittered returns the time at which the action nominally due at nominal
// should really start: nominal plus a pseudo-random delay in [0, Jitter). The
// delay is derived from a hash of scheduleID and nominal, so every replay and
// every node computes the same value, while different schedules due at the
// same moment are spread out. The delay is capped to stay strictly before the
// next nominal time, so jitter never reorders or merges actions. Without
// Jitter it returns nominal unchanged.
func (c *Compiled) Jittered(nominal time.Time, scheduleID string) time.Time {
	if c.jitter <= 0 {
		return nominal
	}
	limit := c.jitter
	if next, ok := c.Next(nominal); ok {
		if gap := next.Sub(nominal); gap < limit {
			limit = gap
		}
	}
	if limit <= 0 {
		return nominal
	}
	// Scale the 64-bit hash into [0, limit): the high word of hash*limit.
	delay, _ := bits.Mul64(jitterHash(scheduleID, nominal), uint64(limit))
	return nominal.Add(time.Duration(delay))
}

// jitterHash mixes scheduleID and the instant nominal (not its zone or
// monotonic reading) into 64 well-spread bits: FNV-1a followed by the
// SplitMix64 finaliser, which FNV alone lacks for short inputs.
func jitterHash(scheduleID string, nominal time.Time) uint64 {
	h := fnv.New64a()
	h.Write([]byte(scheduleID))
	var buf [13]byte // a zero separator, then seconds and nanoseconds
	binary.BigEndian.PutUint64(buf[1:9], uint64(nominal.Unix()))
	binary.BigEndian.PutUint32(buf[9:], uint32(nominal.Nanosecond()))
	h.Write(buf[:])
	x := h.Sum64()
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
