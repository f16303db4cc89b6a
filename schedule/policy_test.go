package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCatchUp(t *testing.T) {
	now := at("2025-01-01T12:00:00Z")
	missed := []time.Time{
		at("2025-01-01T09:00:00Z"),
		at("2025-01-01T10:29:59Z"),
		at("2025-01-01T10:30:00Z"), // exactly window old: kept
		at("2025-01-01T11:00:00Z"),
		at("2025-01-01T12:00:00Z"), // now: kept
		at("2025-01-01T12:00:01Z"), // not missed yet
	}
	require.Equal(t, []string{
		"2025-01-01T10:30:00Z",
		"2025-01-01T11:00:00Z",
		"2025-01-01T12:00:00Z",
	}, texts(CatchUp(missed, now, 90*time.Minute)))

	// Zero (or negative) means the default of one year.
	yearly := []time.Time{
		at("2023-12-31T12:00:00Z"), // 367 days
		at("2024-01-01T12:00:00Z"), // 366 days (2024 is a leap year)
		at("2024-01-02T12:00:00Z"), // 365 days: kept
		at("2024-06-01T00:00:00Z"),
	}
	want := []string{"2024-01-02T12:00:00Z", "2024-06-01T00:00:00Z"}
	require.Equal(t, want, texts(CatchUp(yearly, now, 0)))
	require.Equal(t, want, texts(CatchUp(yearly, now, -time.Second)))
	require.Equal(t, 365*24*time.Hour, DefaultCatchupWindow)

	require.Empty(t, CatchUp(nil, now, time.Hour))

	// The result does not alias the input.
	in := []time.Time{now}
	out := CatchUp(in, now, time.Hour)
	out[0] = time.Time{}
	require.Equal(t, now, in[0])
}

func TestCatchUpWithBetween(t *testing.T) {
	// A node was down from 03:00 to 12:00 with an hourly schedule and a
	// two-hour catch-up window.
	c := compile(t, Spec{Intervals: []IntervalSpec{{Every: time.Hour}}})
	missed := c.Between(at("2025-01-01T03:00:00Z"), at("2025-01-01T12:00:00Z"), 1000)
	require.Len(t, missed, 9)
	require.Equal(t, []string{
		"2025-01-01T10:00:00Z",
		"2025-01-01T11:00:00Z",
		"2025-01-01T12:00:00Z",
	}, texts(CatchUp(missed, at("2025-01-01T12:00:00Z"), 2*time.Hour)))
}

func TestOverlapPolicyNames(t *testing.T) {
	for p, name := range map[OverlapPolicy]string{
		OverlapUnspecified:    "Unspecified",
		OverlapSkip:           "Skip",
		OverlapBufferOne:      "BufferOne",
		OverlapBufferAll:      "BufferAll",
		OverlapCancelOther:    "CancelOther",
		OverlapTerminateOther: "TerminateOther",
		OverlapAllowAll:       "AllowAll",
		OverlapPolicy(42):     "OverlapPolicy(42)",
		OverlapPolicy(-1):     "OverlapPolicy(-1)",
	} {
		require.Equal(t, name, p.String())
	}
	// Temporal's numbering.
	require.Equal(t, 1, int(OverlapSkip))
	require.Equal(t, 6, int(OverlapAllowAll))

	for text, want := range map[string]OverlapPolicy{
		"":                                    OverlapUnspecified,
		"Unspecified":                         OverlapUnspecified,
		"Skip":                                OverlapSkip,
		"skip":                                OverlapSkip,
		"BufferOne":                           OverlapBufferOne,
		"buffer_one":                          OverlapBufferOne,
		"SCHEDULE_OVERLAP_POLICY_BUFFER_ALL":  OverlapBufferAll,
		"cancel-other":                        OverlapCancelOther,
		"TERMINATE_OTHER":                     OverlapTerminateOther,
		" AllowAll ":                          OverlapAllowAll,
		"SCHEDULE_OVERLAP_POLICY_UNSPECIFIED": OverlapUnspecified,
		"schedule_overlap_policy_terminate_other": OverlapTerminateOther,
	} {
		got, err := ParseOverlapPolicy(text)
		require.NoError(t, err, text)
		require.Equal(t, want, got, text)
	}
	_, err := ParseOverlapPolicy("sometimes")
	require.EqualError(t, err, `schedule: unknown overlap policy "sometimes"`)
}

func TestOverlapDecide(t *testing.T) {
	type state struct {
		running  bool
		buffered int
	}
	idle, busy, busyBuf1, busyBuf2, draining := state{false, 0}, state{true, 0}, state{true, 1}, state{true, 2}, state{false, 1}
	cases := []struct {
		policy OverlapPolicy
		want   map[state]Action
	}{
		{OverlapUnspecified, map[state]Action{idle: ActionStart, busy: ActionDrop, busyBuf1: ActionDrop, draining: ActionStart}},
		{OverlapSkip, map[state]Action{idle: ActionStart, busy: ActionDrop, busyBuf1: ActionDrop, draining: ActionStart}},
		{OverlapBufferOne, map[state]Action{idle: ActionStart, busy: ActionBuffer, busyBuf1: ActionDrop, busyBuf2: ActionDrop, draining: ActionDrop}},
		{OverlapBufferAll, map[state]Action{idle: ActionStart, busy: ActionBuffer, busyBuf1: ActionBuffer, busyBuf2: ActionBuffer, draining: ActionBuffer}},
		{OverlapCancelOther, map[state]Action{idle: ActionStart, busy: ActionCancelThenStart, busyBuf1: ActionCancelThenStart}},
		{OverlapTerminateOther, map[state]Action{idle: ActionStart, busy: ActionTerminateThenStart, busyBuf1: ActionTerminateThenStart}},
		{OverlapAllowAll, map[state]Action{idle: ActionStart, busy: ActionStart, busyBuf2: ActionStart, draining: ActionStart}},
		{OverlapPolicy(99), map[state]Action{idle: ActionStart, busy: ActionDrop}},
		{OverlapBufferOne, map[state]Action{{false, -3}: ActionStart, {true, -3}: ActionBuffer}},
	}
	for _, tc := range cases {
		for s, want := range tc.want {
			require.Equal(t, want, tc.policy.Decide(s.running, s.buffered),
				"%s.Decide(running=%v, buffered=%d)", tc.policy, s.running, s.buffered)
		}
	}
}

func TestActionNames(t *testing.T) {
	require.Equal(t, "Start", ActionStart.String())
	require.Equal(t, "Buffer", ActionBuffer.String())
	require.Equal(t, "Drop", ActionDrop.String())
	require.Equal(t, "CancelThenStart", ActionCancelThenStart.String())
	require.Equal(t, "TerminateThenStart", ActionTerminateThenStart.String())
	require.Equal(t, "Action(0)", Action(0).String())
}
