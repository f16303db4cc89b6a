package schedule

import (
	"testing"
	"time"
	_ "time/tzdata" // tests must not depend on the host's zoneinfo

	"github.com/stretchr/testify/require"
)

// compile compiles s or fails the test.
func compile(t *testing.T, s Spec) *Compiled {
	t.Helper()
	c, err := Compile(s)
	require.NoError(t, err)
	return c
}

// at parses an RFC 3339 time or panics; test fixtures are written as text so
// that the wall clock and offset are visible.
func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// texts renders times as RFC 3339 in their own location.
func texts(ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Format(time.RFC3339Nano)
	}
	return out
}

// textsUTC renders times as RFC 3339 in UTC.
func textsUTC(ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.UTC().Format(time.RFC3339Nano)
	}
	return out
}

// requireNext asserts that Next(after) is want (RFC 3339, compared as text in
// the result's own zone).
func requireNext(t *testing.T, c *Compiled, after, want string) {
	t.Helper()
	got, ok := c.Next(at(after))
	require.True(t, ok, "Next(%s) found nothing", after)
	require.Equal(t, want, got.Format(time.RFC3339Nano), "Next(%s)", after)
}

// requireNone asserts that Next(after) finds nothing.
func requireNone(t *testing.T, c *Compiled, after string) {
	t.Helper()
	got, ok := c.Next(at(after))
	require.False(t, ok, "Next(%s) = %s, want none", after, got)
	require.True(t, got.IsZero())
}

// r is shorthand for a single-value Range.
func r(v int) Range { return Range{Start: v} }

// rr is shorthand for an inclusive range.
func rr(a, b int) Range { return Range{Start: a, End: b} }
