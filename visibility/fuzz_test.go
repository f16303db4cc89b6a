package visibility

import (
	"testing"
	"time"
)

// FuzzParse checks that no input makes Parse panic, and that every query it
// accepts survives a round trip through String and can be matched.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"",
		"WorkflowType = 'Order' AND StartTime > '2026-01-01T00:00:00Z' ORDER BY StartTime DESC",
		"a = 1 OR b = 2 AND c = 3",
		"(a = 1 OR (b = 2)) AND c != -3",
		"Kw IN ('x', \"y\") AND Kw NOT IN ('z') OR Kw STARTS_WITH 'p'",
		"N BETWEEN 1 AND 2 AND N NOT BETWEEN 3 AND 4",
		"D >= 1.5e-3 AND D < 7",
		"B = TRUE AND Txt = 'hello world' AND KL = 'k'",
		"Kw IS NULL OR Kw IS NOT NULL",
		"T BETWEEN '2026-01-01T00:00:00+05:30' AND '2026-01-01T00:00:00.123Z'",
		"`Order` = 'it''s' AND `my-attr` = 'a\\'b'",
		"ExecutionStatus = 'Running'",
		"T = '0000-01-01T00:30:00+00:15' OR T = '9999-12-31T23:59:59-00:01'",
		"order by CloseTime asc",
		"((((a = 1",
		"a = 1 AND )",
		"Kw = 'unterminated",
		"N = 99999999999999999999",
		"\x00\xff`",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	schema := testSchema()
	record := Record{
		"Kw":        KeywordValue("x"),
		"Txt":       TextValue("hello world"),
		"N":         IntValue(1),
		"D":         DoubleValue(1.5),
		"B":         BoolValue(true),
		"T":         DatetimeValue(time.Unix(1_800_000_000, 0)),
		"KL":        KeywordListValue("k", "l"),
		"StartTime": DatetimeValue(time.Unix(1_800_000_000, 0)),
	}
	f.Fuzz(func(t *testing.T, query string) {
		q, err := Parse(query, schema)
		if err != nil {
			if q != nil {
				t.Fatalf("Parse(%q) returned both a query and the error %v", query, err)
			}
			return
		}
		normal := q.String()
		again, err := Parse(normal, schema)
		if err != nil {
			t.Fatalf("Parse(%q) accepted, but its String %q is rejected: %v", query, normal, err)
		}
		if again.String() != normal {
			t.Fatalf("String of %q is %q, and of that %q", query, normal, again.String())
		}
		if q.Match(record) != again.Match(record) || q.Match(Record{}) != again.Match(Record{}) {
			t.Fatalf("%q and its String %q match differently", query, normal)
		}
		q.KeywordLookup()
		q.TimeRange("StartTime")
		q.OrderBy()
	})
}
