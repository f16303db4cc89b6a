package visibility

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func date(s string) Value {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return DatetimeValue(t)
}

func TestMatch(t *testing.T) {
	full := Record{
		"WorkflowId":      KeywordValue("order-42"),
		"WorkflowType":    KeywordValue("Order"),
		"ExecutionStatus": KeywordValue("Running"),
		"StartTime":       date("2026-03-01T12:00:00Z"),
		"Kw":              KeywordValue("beta"),
		"Txt":             TextValue("The quick  brown\tFox"),
		"N":               IntValue(5),
		"D":               DoubleValue(2.5),
		"B":               BoolValue(true),
		"T":               date("2026-03-01T12:00:00.5Z"),
		"KL":              KeywordListValue("red", "green"),
	}
	empty := Record{}
	tests := []struct {
		query  string
		record Record
		want   bool
	}{
		// No condition.
		{"", full, true},
		{"", empty, true},
		{"ORDER BY StartTime DESC", empty, true},

		// Keyword: exact, byte-wise order.
		{"Kw = 'beta'", full, true},
		{"Kw = 'Beta'", full, false},
		{"Kw = 'bet'", full, false},
		{"Kw != 'beta'", full, false},
		{"Kw != 'alpha'", full, true},
		{"Kw < 'c'", full, true},
		{"Kw < 'beta'", full, false},
		{"Kw <= 'beta'", full, true},
		{"Kw > 'b'", full, true},
		{"Kw > 'beta'", full, false},
		{"Kw >= 'beta'", full, true},
		{"Kw > 'B'", full, true}, // 'b' (0x62) > 'B' (0x42)
		{"Kw IN ('alpha', 'beta')", full, true},
		{"Kw IN ('alpha', 'gamma')", full, false},
		{"Kw NOT IN ('alpha', 'gamma')", full, true},
		{"Kw NOT IN ('alpha', 'beta')", full, false},
		{"Kw STARTS_WITH 'be'", full, true},
		{"Kw STARTS_WITH ''", full, true},
		{"Kw STARTS_WITH 'eta'", full, false},
		{"Kw BETWEEN 'alpha' AND 'beta'", full, true},
		{"Kw BETWEEN 'beta' AND 'gamma'", full, true},
		{"Kw BETWEEN 'c' AND 'd'", full, false},
		{"Kw NOT BETWEEN 'c' AND 'd'", full, true},
		{"Kw NOT BETWEEN 'a' AND 'c'", full, false},
		{"WorkflowId = 'order-42' AND WorkflowType = 'Order'", full, true},
		{"ExecutionStatus = 'Running'", full, true},
		{"ExecutionStatus IN ('Completed', 'Failed')", full, false},
		{"ExecutionStatus STARTS_WITH 'Run'", full, true},

		// Text: every word of the literal, ignoring case.
		{"Txt = 'fox'", full, true},
		{"Txt = 'FOX quick'", full, true},
		{"Txt = 'brown   the'", full, true},
		{"Txt = 'fox cat'", full, false},
		{"Txt = 'qui'", full, false},
		{"Txt = 'quick brown fox jumps'", full, false},
		{"Txt = ''", full, true}, // no words: nothing to miss
		{"Txt != 'cat'", full, true},
		{"Txt != 'Fox'", full, false},

		// Int.
		{"N = 5", full, true},
		{"N = 6", full, false},
		{"N != 6", full, true},
		{"N != 5", full, false},
		{"N < 6", full, true},
		{"N < 5", full, false},
		{"N <= 5", full, true},
		{"N <= 4", full, false},
		{"N > 4", full, true},
		{"N > 5", full, false},
		{"N >= 5", full, true},
		{"N >= 6", full, false},
		{"N > -1", full, true},
		{"N IN (1, 5)", full, true},
		{"N IN (1, 2)", full, false},
		{"N NOT IN (1, 2)", full, true},
		{"N NOT IN (5)", full, false},
		{"N BETWEEN 5 AND 5", full, true},
		{"N BETWEEN 1 AND 4", full, false},
		{"N BETWEEN 6 AND 1", full, false}, // empty range, as in SQL
		{"N NOT BETWEEN 1 AND 4", full, true},
		{"N NOT BETWEEN 5 AND 9", full, false},

		// Double, with integer and float literals.
		{"D = 2.5", full, true},
		{"D = 2", full, false},
		{"D > 2", full, true},
		{"D < 3", full, true},
		{"D >= 2.5 AND D <= 2.5", full, true},
		{"D > 2.5", full, false},
		{"D != 2.5", full, false},
		{"D IN (1, 2.5e0)", full, true},
		{"D BETWEEN 2 AND 3", full, true},
		{"D NOT BETWEEN 2 AND 3", full, false},
		{"D < 0", Record{"D": DoubleValue(math.Inf(-1))}, true},
		{"D = 0", Record{"D": DoubleValue(math.Copysign(0, -1))}, true},
		{"D != 1", Record{"D": DoubleValue(math.NaN())}, false},
		{"D NOT IN (1)", Record{"D": DoubleValue(math.NaN())}, false},
		{"D NOT BETWEEN 1 AND 2", Record{"D": DoubleValue(math.NaN())}, false},

		// Bool.
		{"B = true", full, true},
		{"B = false", full, false},
		{"B != false", full, true},
		{"B != true", full, false},
		{"B IN (false, true)", full, true},
		{"B NOT IN (true)", full, false},
		{"B = false", Record{"B": BoolValue(false)}, true},

		// Datetime: instants, whatever the zone.
		{"T = '2026-03-01T12:00:00.5Z'", full, true},
		{"T = '2026-03-01T13:00:00.500+01:00'", full, true},
		{"T = '2026-03-01T12:00:00Z'", full, false},
		{"T > '2026-03-01T12:00:00Z'", full, true},
		{"T > '2026-03-01T12:00:00.5Z'", full, false},
		{"T >= '2026-03-01T12:00:00.5Z'", full, true},
		{"T < '2026-03-01T12:00:01Z'", full, true},
		{"T <= '2026-03-01T12:00:00.499999999Z'", full, false},
		{"T != '2026-03-01T12:00:00Z'", full, true},
		{"T IN ('2020-01-01T00:00:00Z', '2026-03-01T12:00:00.5Z')", full, true},
		{"T BETWEEN '2026-03-01T00:00:00Z' AND '2026-03-02T00:00:00Z'", full, true},
		{"T NOT BETWEEN '2026-03-01T00:00:00Z' AND '2026-03-02T00:00:00Z'", full, false},
		{"StartTime > '2026-01-01T00:00:00Z'", full, true},

		// KeywordList: element by element.
		{"KL = 'red'", full, true},
		{"KL = 'blue'", full, false},
		{"KL = 're'", full, false},
		{"KL != 'blue'", full, true},
		{"KL != 'green'", full, false},
		{"KL IN ('blue', 'green')", full, true},
		{"KL IN ('blue', 'black')", full, false},
		{"KL NOT IN ('blue', 'black')", full, true},
		{"KL NOT IN ('blue', 'red')", full, false},
		{"KL STARTS_WITH 'gr'", full, true},
		{"KL STARTS_WITH 'bl'", full, false},
		{"KL = 'red'", Record{"KL": KeywordListValue()}, false},
		{"KL != 'red'", Record{"KL": KeywordListValue()}, true},
		{"KL IS NULL", Record{"KL": KeywordListValue()}, false},

		// NULL: every comparison with a missing attribute is false.
		{"Kw = 'x'", empty, false},
		{"Kw != 'x'", empty, false},
		{"Kw < 'x'", empty, false},
		{"Kw IN ('x')", empty, false},
		{"Kw NOT IN ('x')", empty, false},
		{"Kw STARTS_WITH ''", empty, false},
		{"N BETWEEN 1 AND 2", empty, false},
		{"N NOT BETWEEN 1 AND 2", empty, false},
		{"Txt = 'a'", empty, false},
		{"Txt != 'a'", empty, false},
		{"KL = 'a'", empty, false},
		{"KL != 'a'", empty, false},
		{"KL NOT IN ('a')", empty, false},
		{"B != true", empty, false},
		{"T != '2026-01-01T00:00:00Z'", empty, false},
		{"Kw IS NULL", empty, true},
		{"Kw IS NULL", full, false},
		{"Kw IS NOT NULL", empty, false},
		{"Kw IS NOT NULL", full, true},
		{"Kw IS NULL", Record{"Kw": {}}, true}, // the zero Value is NULL
		{"Kw != 'x'", Record{"Kw": {}}, false},
		{"Kw != 'x' OR Kw IS NULL", empty, true},
		{"Kw = 'x' OR N = 5", Record{"N": IntValue(5)}, true},
		{"Kw != 'x' AND N = 5", Record{"N": IntValue(5)}, false},

		// A value of another type than the schema's satisfies no comparison.
		{"N = 5", Record{"N": DoubleValue(5)}, false},
		{"N != 5", Record{"N": KeywordValue("5")}, false},
		{"Kw = 'beta'", Record{"Kw": TextValue("beta")}, false},
		{"KL = 'red'", Record{"KL": KeywordValue("red")}, false},
		{"N IS NOT NULL", Record{"N": KeywordValue("5")}, true},

		// Precedence: AND binds tighter than OR.
		{"a = 1 OR b = 2 AND c = 3", Record{"a": IntValue(1)}, true},
		{"a = 1 OR b = 2 AND c = 3", Record{"b": IntValue(2)}, false},
		{"a = 1 OR b = 2 AND c = 3", Record{"b": IntValue(2), "c": IntValue(3)}, true},
		{"b = 2 AND c = 3 OR a = 1", Record{"a": IntValue(1)}, true},
		{"(a = 1 OR b = 2) AND c = 3", Record{"a": IntValue(1)}, false},
		{"(a = 1 OR b = 2) AND c = 3", Record{"a": IntValue(1), "c": IntValue(3)}, true},
		{"a = 1 AND (b = 2 OR c = 3)", Record{"a": IntValue(1), "c": IntValue(3)}, true},
		{"a = 1 AND (b = 2 OR c = 3)", Record{"a": IntValue(1)}, false},
		{"(((a = 1)))", Record{"a": IntValue(1)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q := mustParse(t, tt.query)
			require.Equal(t, tt.want, q.Match(tt.record), "record %v", tt.record)
		})
	}
}

func TestValueString(t *testing.T) {
	require.Equal(t, "'it\\'s'", KeywordValue("it's").String())
	require.Equal(t, "'a b'", TextValue("a b").String())
	require.Equal(t, "-7", IntValue(-7).String())
	require.Equal(t, "0.5", DoubleValue(0.5).String())
	require.Equal(t, "false", BoolValue(false).String())
	require.Equal(t, "'2026-01-02T01:04:05Z'", date("2026-01-02T03:04:05+02:00").String())
	require.Equal(t, "('a', 'b')", KeywordListValue("a", "b").String())
	require.Equal(t, "NULL", Value{}.String())
}

func TestValueType(t *testing.T) {
	require.Equal(t, Keyword, KeywordValue("x").Type())
	require.Equal(t, Text, TextValue("x").Type())
	require.Equal(t, Int, IntValue(1).Type())
	require.Equal(t, Double, DoubleValue(1).Type())
	require.Equal(t, Bool, BoolValue(true).Type())
	require.Equal(t, Datetime, DatetimeValue(time.Now()).Type())
	require.Equal(t, KeywordList, KeywordListValue().Type())
	require.Equal(t, ValueType(0), Value{}.Type())

	names := map[ValueType]string{
		Keyword: "Keyword", Text: "Text", Int: "Int", Double: "Double",
		Bool: "Bool", Datetime: "Datetime", KeywordList: "KeywordList", 0: "ValueType(0)",
	}
	for typ, name := range names {
		require.Equal(t, name, typ.String())
	}
}

func TestKeywordListValueCopies(t *testing.T) {
	elems := []string{"a"}
	v := KeywordListValue(elems...)
	elems[0] = "b"
	require.True(t, mustParse(t, "KL = 'a'").Match(Record{"KL": v}))
}

func TestSystemAttributesIsFresh(t *testing.T) {
	s := SystemAttributes()
	s["Custom"] = Int
	_, shared := SystemAttributes()["Custom"]
	require.False(t, shared)
	require.Equal(t, Schema{
		"WorkflowId": Keyword, "RunId": Keyword, "WorkflowType": Keyword, "TaskQueue": Keyword,
		"ExecutionStatus": Keyword, "StartTime": Datetime, "CloseTime": Datetime, "ExecutionTime": Datetime,
	}, SystemAttributes())
}
