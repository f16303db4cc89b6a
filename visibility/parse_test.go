package visibility

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// testSchema is the system attributes plus one custom attribute of each
// type, and a few with names that need backquotes.
func testSchema() Schema {
	s := SystemAttributes()
	s["Kw"] = Keyword
	s["Txt"] = Text
	s["N"] = Int
	s["D"] = Double
	s["B"] = Bool
	s["T"] = Datetime
	s["KL"] = KeywordList
	s["a"] = Int
	s["b"] = Int
	s["c"] = Int
	s["Order"] = Keyword
	s["my-attr"] = Keyword
	return s
}

func mustParse(t *testing.T, query string) *Query {
	t.Helper()
	q, err := Parse(query, testSchema())
	require.NoError(t, err, "query %q", query)
	return q
}

func TestParseNormalizedString(t *testing.T) {
	tests := []struct {
		query string
		want  string
	}{
		{"", ""},
		{" \t\r\n ", ""},
		{"WorkflowId = 'wf-1'", "WorkflowId = 'wf-1'"},
		{`WorkflowId="wf-1"`, "WorkflowId = 'wf-1'"},
		{"N != 5 and N < 6 AnD N <= 7 And N > -8 AND N >= 9", "N != 5 AND N < 6 AND N <= 7 AND N > -8 AND N >= 9"},
		{"a = 1 OR b = 2 AND c = 3", "a = 1 OR b = 2 AND c = 3"},
		{"(a = 1 OR b = 2) AND c = 3", "(a = 1 OR b = 2) AND c = 3"},
		{"((a = 1)) AND ((b = 2 AND c = 3))", "a = 1 AND b = 2 AND c = 3"},
		{"(a = 1 OR (b = 2 OR c = 3))", "a = 1 OR b = 2 OR c = 3"},
		{"a = 1 AND (b = 2 AND (c = 3 OR a = 4))", "a = 1 AND b = 2 AND (c = 3 OR a = 4)"},
		{"Kw in ('x', \"y\",'z')", "Kw IN ('x', 'y', 'z')"},
		{"Kw not IN ('x')", "Kw NOT IN ('x')"},
		{"Kw starts_with 'pre'", "Kw STARTS_WITH 'pre'"},
		{"N between 1 and 10", "N BETWEEN 1 AND 10"},
		{"N NOT BETWEEN 1 AND 10", "N NOT BETWEEN 1 AND 10"},
		{"Kw is null", "Kw IS NULL"},
		{"Kw IS NOT NULL", "Kw IS NOT NULL"},
		{"B = TRUE OR B = false", "B = true OR B = false"},
		{"D = 5", "D = 5"},
		{"D < 1.5e3 AND D > -0.25", "D < 1500 AND D > -0.25"},
		{"D = 1e21", "D = 1e+21"},
		{"T = '2026-01-02T03:04:05+02:00'", "T = '2026-01-02T01:04:05Z'"},
		{"T = '2026-01-02T03:04:05.123456789Z'", "T = '2026-01-02T03:04:05.123456789Z'"},
		{`Kw = 'it''s'`, `Kw = 'it\'s'`},
		{`Kw = 'it\'s \\ "q"'`, `Kw = 'it\'s \\ "q"'`},
		{`Kw = "say ""hi"""`, `Kw = 'say "hi"'`},
		{`Kw = 'a\b'`, `Kw = 'ab'`},
		{"`Kw` = 'x'", "Kw = 'x'"},
		{"`Order` = 'x'", "`Order` = 'x'"},
		{"`my-attr` = 'x'", "`my-attr` = 'x'"},
		{"ExecutionStatus = 'Running'", "ExecutionStatus = 'Running'"},
		{"Txt = 'Hello World'", "Txt = 'Hello World'"},
		{"KL = 'x' AND KL IN ('y')", "KL = 'x' AND KL IN ('y')"},
		{"ORDER BY StartTime", "ORDER BY StartTime ASC"},
		{"order by CloseTime desc", "ORDER BY CloseTime DESC"},
		{"WorkflowType = 'Order' AND StartTime > '2026-01-01T00:00:00Z' ORDER BY StartTime DESC",
			"WorkflowType = 'Order' AND StartTime > '2026-01-01T00:00:00Z' ORDER BY StartTime DESC"},
		{"N = 1 ORDER BY ExecutionTime ASC", "N = 1 ORDER BY ExecutionTime ASC"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			require.Equal(t, tt.want, mustParse(t, tt.query).String())
		})
	}
}

func TestParseRoundTrip(t *testing.T) {
	queries := []string{
		"",
		"a = 1 OR b = 2 AND c = 3",
		"(a = 1 OR b = 2) AND (c = 3 OR a = 4) ORDER BY StartTime DESC",
		"Kw IN ('x', 'y') AND Kw NOT IN ('z') OR Kw STARTS_WITH 'p'",
		"N BETWEEN -5 AND 5 AND N NOT BETWEEN 1 AND 2",
		"D >= 0.1 AND D < 1e300 AND D != 5",
		"T BETWEEN '2026-01-01T00:00:00+05:30' AND '2026-12-31T23:59:59.999999999Z'",
		"B = true AND Txt != 'a b' AND KL = 'k' AND Kw IS NULL AND N IS NOT NULL",
		`Kw = 'quote '' backslash \\ double "' AND Kw = "tab	newline
"`,
		"`Order` = 'x' AND `my-attr` != 'y' ORDER BY CloseTime",
		"ORDER BY ExecutionTime DESC",
		"T >= '0000-01-01T00:00:00Z' AND T <= '9999-12-31T23:59:59.999999999Z'",
	}
	for _, query := range queries {
		t.Run(query, func(t *testing.T) {
			q := mustParse(t, query)
			again := mustParse(t, q.String())
			require.Equal(t, q, again)
			require.Equal(t, q.String(), again.String())
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		query  string
		syntax bool     // whether the error is a *SyntaxError
		offset int      // its Offset, when it is one
		want   []string // substrings of the message
	}{
		{"missing value", "WorkflowId = 'x' AND )", true, 21, []string{`at offset 21 near ")": expected an attribute name or (`}},
		{"value expected", "a = 1 AND b = )", true, 14, []string{`at offset 14 near ")": expected a value`}},
		{"value at end", "a = ", true, 4, []string{"at offset 4 (end of query): expected a value"}},
		{"NULL as a value", "Kw = NULL", true, 5, []string{"expected a value; test for NULL with IS NULL"}},
		{"unquoted string", "Kw = abc", true, 5, []string{"expected a value"}},
		{"missing operator", "a 1", true, 2, []string{"expected an operator"}},
		{"trailing junk", "a = 1 b = 2", true, 6, []string{`near "b = 2": expected AND, OR, ORDER BY or end of query`}},
		{"unclosed paren", "(a = 1", true, 6, []string{"expected AND, OR or )"}},
		{"extra paren", "a = 1)", true, 5, []string{"expected AND, OR, ORDER BY or end of query"}},
		{"empty parens", "()", true, 1, []string{"expected an attribute name or ("}},
		{"dangling AND", "a = 1 AND", true, 9, []string{"expected an attribute name or ("}},
		{"keyword as name", "AND = 1", true, 0, []string{"expected an attribute name or ("}},
		{"unterminated string", "Kw = 'abc", true, 5, []string{"expected a closing '"}},
		{"unterminated double", `Kw = "abc\"`, true, 5, []string{`expected a closing "`}},
		{"unterminated name", "`Kw = 'x'", true, 0, []string{"expected a closing `"}},
		{"empty name", "`` = 'x'", true, 0, []string{"expected an attribute name between the backquotes"}},
		{"bad character", "a = 1 # x", true, 6, []string{`unexpected character '#'`}},
		{"bang alone", "a ! 1", true, 2, []string{"expected = after !"}},
		{"bad decimal", "D = 1.", true, 4, []string{"expected a digit after the decimal point"}},
		{"bad exponent", "D = 1e+", true, 4, []string{"expected a digit in the exponent"}},
		{"empty IN", "Kw IN ()", true, 7, []string{"expected a value"}},
		{"IN without parens", "Kw IN 'x'", true, 6, []string{"expected ("}},
		{"IN missing comma", "Kw IN ('x' 'y')", true, 11, []string{"expected , or )"}},
		{"NOT alone", "Kw NOT = 'x'", true, 7, []string{"expected IN or BETWEEN"}},
		{"IS junk", "Kw IS 'x'", true, 6, []string{"expected NULL or NOT NULL"}},
		{"IS NOT junk", "Kw IS NOT 5", true, 10, []string{"expected NULL"}},
		{"BETWEEN without AND", "N BETWEEN 1 OR 2", true, 12, []string{"expected AND"}},
		{"STARTS_WITH number", "Kw STARTS_WITH 5", true, 15, []string{"expected a quoted prefix"}},
		{"ORDER without BY", "ORDER StartTime", true, 6, []string{"expected BY"}},
		{"ORDER BY nothing", "ORDER BY", true, 8, []string{"expected an attribute name"}},
		{"ORDER BY junk", "ORDER BY StartTime sideways", true, 19, []string{"expected ASC, DESC or end of query"}},
		{"ORDER BY two", "ORDER BY StartTime DESC, CloseTime", true, 23, []string{"expected end of query"}},
		{"excerpt is short", "a = 1 AND b = 2 AND c = 3 AND a 12345678901234567890", true, 32, []string{`at offset 32 near "1234567890123456": expected an operator`}},

		{"unknown attribute", "Nope = 1", false, 0, []string{`at offset 0: unknown attribute "Nope"`}},
		{"names are case-sensitive", "a = 1 AND workflowid = 'x'", false, 0, []string{`at offset 10: unknown attribute "workflowid"`}},
		{"unknown in parens", "(a = 1 OR `x y` = 2)", false, 0, []string{`at offset 10: unknown attribute "x y"`}},
		{"ORDER BY other attribute", "ORDER BY WorkflowId", false, 0, []string{"at offset 9: cannot ORDER BY WorkflowId"}},
		{"datetime with int", "StartTime = 5", false, 0, []string{"at offset 12: attribute StartTime of type Datetime cannot be compared with 5"}},
		{"datetime with bad string", "StartTime > 'yesterday'", false, 0, []string{"attribute StartTime of type Datetime needs an RFC 3339 time", "'yesterday'"}},
		{"datetime date only", "T < '2026-01-01'", false, 0, []string{"attribute T of type Datetime needs an RFC 3339 time"}},
		{"datetime before year 0 in UTC", "T = '0000-01-01T00:00:00+01:00'", false, 0, []string{"at offset 4: time '0000-01-01T00:00:00+01:00' of attribute T is outside the years 0000 to 9999 in UTC"}},
		{"datetime after year 9999 in UTC", "T = '9999-12-31T23:00:00-02:00'", false, 0, []string{"outside the years 0000 to 9999 in UTC"}},
		{"int with string", "N = '5'", false, 0, []string{"attribute N of type Int cannot be compared with '5'"}},
		{"int with float", "N = 1.5", false, 0, []string{"attribute N of type Int cannot be compared with 1.5"}},
		{"int with bool", "N = true", false, 0, []string{"attribute N of type Int cannot be compared with true"}},
		{"int out of range", "N = 9223372036854775808", false, 0, []string{"integer 9223372036854775808 is out of range for attribute N"}},
		{"double out of range", "D = 1e400", false, 0, []string{"number 1e400 is out of range for attribute D"}},
		{"double with string", "D = '1'", false, 0, []string{"attribute D of type Double cannot be compared with '1'"}},
		{"keyword with number", "Kw = 1", false, 0, []string{"attribute Kw of type Keyword cannot be compared with 1"}},
		{"bool with string", "B = 'true'", false, 0, []string{"attribute B of type Bool cannot be compared with 'true'"}},
		{"text with number", "Txt = 1", false, 0, []string{"attribute Txt of type Text cannot be compared with 1"}},
		{"in list mismatch", "N IN (1, 'two')", false, 0, []string{"at offset 9: attribute N of type Int cannot be compared with 'two'"}},
		{"between mismatch", "N BETWEEN 1 AND 'z'", false, 0, []string{"attribute N of type Int cannot be compared with 'z'"}},
		{"status lower case", "ExecutionStatus = 'running'", false, 0, []string{"attribute ExecutionStatus has no value 'running'", "Running, Completed"}},
		{"status in list", "ExecutionStatus IN ('Failed', 'Done')", false, 0, []string{"has no value 'Done'"}},
		{"starts_with on int", "N STARTS_WITH '1'", false, 0, []string{"at offset 2: operator STARTS_WITH does not apply to attribute N of type Int"}},
		{"starts_with on text", "Txt STARTS_WITH 'a'", false, 0, []string{"operator STARTS_WITH does not apply to attribute Txt of type Text"}},
		{"less on bool", "B < true", false, 0, []string{"operator < does not apply to attribute B of type Bool"}},
		{"less on keyword list", "KL < 'x'", false, 0, []string{"operator < does not apply to attribute KL of type KeywordList"}},
		{"between on text", "Txt BETWEEN 'a' AND 'b'", false, 0, []string{"operator BETWEEN does not apply to attribute Txt of type Text"}},
		{"not between on bool", "B NOT BETWEEN false AND true", false, 0, []string{"operator NOT BETWEEN does not apply to attribute B of type Bool"}},
		{"in on text", "Txt IN ('a')", false, 0, []string{"operator IN does not apply to attribute Txt of type Text"}},
		{"too long", strings.Repeat(" ", MaxQueryLen+1), false, 0, []string{"longer than the limit of 16384"}},
		{"too deep", strings.Repeat("(", MaxDepth+1) + "a = 1" + strings.Repeat(")", MaxDepth+1), false, 0, []string{"at offset 64: parentheses nested deeper than 64"}},
		{"very deep", strings.Repeat("(", MaxQueryLen), false, 0, []string{"parentheses nested deeper than 64"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := Parse(tt.query, testSchema())
			require.Error(t, err)
			require.Nil(t, q)
			msg := err.Error()
			require.True(t, strings.HasPrefix(msg, "visibility: query: "), msg)
			for _, want := range tt.want {
				require.Contains(t, msg, want)
			}
			var syntaxErr *SyntaxError
			require.Equal(t, tt.syntax, errors.As(err, &syntaxErr), msg)
			if tt.syntax {
				require.Equal(t, tt.offset, syntaxErr.Offset, msg)
				require.LessOrEqual(t, len(syntaxErr.Near), 16)
			}
		})
	}
}

func TestSyntaxErrorMessage(t *testing.T) {
	err := &SyntaxError{Offset: 17, Near: "AND )", Msg: "expected a value"}
	require.Equal(t, `visibility: query: at offset 17 near "AND )": expected a value`, err.Error())
}

func TestParseLimits(t *testing.T) {
	deepest := strings.Repeat("(", MaxDepth) + "a = 1" + strings.Repeat(")", MaxDepth)
	require.Equal(t, "a = 1", mustParse(t, deepest).String())

	long := "a = 1" + strings.Repeat(" OR a = 1", (MaxQueryLen-5)/9)
	require.LessOrEqual(t, len(long), MaxQueryLen)
	require.True(t, mustParse(t, long).Match(Record{"a": IntValue(1)}))
}

func TestParseNilSchema(t *testing.T) {
	_, err := Parse("WorkflowId = 'x'", nil)
	require.EqualError(t, err, `visibility: query: at offset 0: unknown attribute "WorkflowId"`)

	q, err := Parse("ORDER BY StartTime", nil)
	require.NoError(t, err)
	require.True(t, q.Match(nil))
}
