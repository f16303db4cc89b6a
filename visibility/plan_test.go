package visibility

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestKeywordLookup(t *testing.T) {
	tests := []struct {
		query  string
		attr   string
		values []string // nil: no lookup
	}{
		{"WorkflowId = 'wf'", "WorkflowId", []string{"wf"}},
		{"WorkflowType IN ('b', 'a', 'b')", "WorkflowType", []string{"a", "b"}},
		{"N = 1 AND TaskQueue = 'q' AND a > 2", "TaskQueue", []string{"q"}},
		{"ExecutionStatus IN ('Running', 'Failed') AND WorkflowType = 'Order'", "WorkflowType", []string{"Order"}},
		{"WorkflowType = 'Order' AND ExecutionStatus = 'Running'", "WorkflowType", []string{"Order"}},
		{"Kw IN ('x', 'y') AND RunId IN ('r1', 'r2', 'r3')", "Kw", []string{"x", "y"}},
		{"(WorkflowId = 'wf' AND N = 1) AND (a = 1 OR b = 2) ORDER BY StartTime", "WorkflowId", []string{"wf"}},
		{"`Order` = 'x'", "Order", []string{"x"}},

		{"", "", nil},
		{"ORDER BY StartTime", "", nil},
		{"WorkflowId = 'a' OR WorkflowId = 'b'", "", nil},
		{"WorkflowType = 'a' AND N = 1 OR N = 2", "", nil},
		{"(WorkflowType = 'a' OR WorkflowType = 'b') AND N = 1", "", nil},
		{"WorkflowId != 'wf'", "", nil},
		{"WorkflowId NOT IN ('wf')", "", nil},
		{"WorkflowId STARTS_WITH 'wf'", "", nil},
		{"WorkflowId > 'wf'", "", nil},
		{"WorkflowId BETWEEN 'a' AND 'a'", "", nil},
		{"KL = 'x'", "", nil},
		{"Txt = 'x'", "", nil},
		{"N = 1", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			attr, values, ok := mustParse(t, tt.query).KeywordLookup()
			require.Equal(t, tt.values != nil, ok)
			require.Equal(t, tt.attr, attr)
			require.Equal(t, tt.values, values)
		})
	}
}

// TestKeywordLookupIsSound checks the promise callers rely on: a record the
// query matches has the attribute equal to one of the values.
func TestKeywordLookupIsSound(t *testing.T) {
	q := mustParse(t, "WorkflowType IN ('a', 'b') AND N > 1")
	attr, values, ok := q.KeywordLookup()
	require.True(t, ok)
	for _, typ := range []string{"a", "b", "c", ""} {
		for n := int64(0); n < 4; n++ {
			r := Record{"WorkflowType": KeywordValue(typ), "N": IntValue(n)}
			if q.Match(r) {
				require.Contains(t, values, r[attr].str)
			}
		}
	}
}

func TestTimeRange(t *testing.T) {
	t1 := "2026-01-01T00:00:00Z"
	t2 := "2026-02-01T00:00:00Z"
	t3 := "2026-03-01T00:00:00Z"
	at := func(s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		return date(s).t
	}
	tests := []struct {
		query    string
		attr     string
		ok       bool
		from, to string // "" is unbounded
	}{
		{"StartTime > '" + t1 + "'", "StartTime", true, t1, ""},
		{"StartTime >= '" + t1 + "'", "StartTime", true, t1, ""},
		{"StartTime < '" + t2 + "'", "StartTime", true, "", t2},
		{"StartTime <= '" + t2 + "'", "StartTime", true, "", t2},
		{"StartTime = '" + t2 + "'", "StartTime", true, t2, t2},
		{"StartTime BETWEEN '" + t1 + "' AND '" + t3 + "'", "StartTime", true, t1, t3},
		{"StartTime > '" + t1 + "' AND StartTime < '" + t3 + "'", "StartTime", true, t1, t3},
		{"StartTime > '" + t1 + "' AND StartTime > '" + t2 + "' AND StartTime < '" + t3 + "'", "StartTime", true, t2, t3},
		{"StartTime BETWEEN '" + t1 + "' AND '" + t3 + "' AND StartTime <= '" + t2 + "'", "StartTime", true, t1, t2},
		{"StartTime > '" + t3 + "' AND StartTime < '" + t1 + "'", "StartTime", true, t3, t1}, // contradiction
		{"CloseTime < '" + t2 + "' AND WorkflowType = 'x' ORDER BY CloseTime", "CloseTime", true, "", t2},
		{"CloseTime > '2026-01-01T02:00:00+02:00'", "CloseTime", true, t1, ""},
		{"T >= '" + t1 + "'", "T", true, t1, ""},

		{"", "StartTime", false, "", ""},
		{"CloseTime > '" + t1 + "'", "StartTime", false, "", ""},
		{"StartTime > '" + t1 + "' OR N = 1", "StartTime", false, "", ""},
		{"(StartTime > '" + t1 + "' OR StartTime < '" + t2 + "') AND N = 1", "StartTime", false, "", ""},
		{"StartTime != '" + t1 + "'", "StartTime", false, "", ""},
		{"StartTime NOT BETWEEN '" + t1 + "' AND '" + t2 + "'", "StartTime", false, "", ""},
		{"StartTime IN ('" + t1 + "')", "StartTime", false, "", ""},
		{"StartTime IS NOT NULL", "StartTime", false, "", ""},
		{"N > 1", "N", false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.query+"/"+tt.attr, func(t *testing.T) {
			from, to, ok := mustParse(t, tt.query).TimeRange(tt.attr)
			require.Equal(t, tt.ok, ok)
			require.True(t, at(tt.from).Equal(from), "from = %v", from)
			require.True(t, at(tt.to).Equal(to), "to = %v", to)
		})
	}
}

// TestTimeRangeIsSound checks that every instant a query matches lies in
// the range TimeRange returns.
func TestTimeRangeIsSound(t *testing.T) {
	q := mustParse(t, "StartTime > '2026-01-01T00:00:00Z' AND StartTime <= '2026-01-01T00:00:10Z' AND N = 1")
	from, to, ok := q.TimeRange("StartTime")
	require.True(t, ok)
	base := date("2026-01-01T00:00:00Z").t
	matched := 0
	for s := -5; s <= 15; s++ {
		ts := base.Add(time.Duration(s) * time.Second)
		if q.Match(Record{"StartTime": DatetimeValue(ts), "N": IntValue(1)}) {
			matched++
			require.False(t, ts.Before(from), ts)
			require.False(t, ts.After(to), ts)
		}
	}
	require.Equal(t, 10, matched)
}

func TestOrderBy(t *testing.T) {
	tests := []struct {
		query string
		attr  string
		desc  bool
		ok    bool
	}{
		{"", "", false, false},
		{"N = 1", "", false, false},
		{"ORDER BY StartTime", "StartTime", false, true},
		{"N = 1 ORDER BY StartTime ASC", "StartTime", false, true},
		{"N = 1 order by CloseTime DESC", "CloseTime", true, true},
		{"ORDER BY `ExecutionTime` desc", "ExecutionTime", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			attr, desc, ok := mustParse(t, tt.query).OrderBy()
			require.Equal(t, tt.attr, attr)
			require.Equal(t, tt.desc, desc)
			require.Equal(t, tt.ok, ok)
		})
	}
}
