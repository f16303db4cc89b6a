package visibility

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// ValueType is the type of a search attribute, after Temporal's
// IndexedValueType. It decides which literals and operators a query may use
// with the attribute and how values of the attribute compare.
type ValueType int

// The attribute types. The zero ValueType is not a valid type.
const (
	// Keyword is a string compared as a whole, such as an ID or a status.
	Keyword ValueType = iota + 1
	// Text is free text, matched word by word.
	Text
	// Int is a signed 64-bit integer.
	Int
	// Double is a 64-bit floating-point number.
	Double
	// Bool is true or false.
	Bool
	// Datetime is an instant in time.
	Datetime
	// KeywordList is a list of Keywords, matched element by element.
	KeywordList
)

// String returns the name of the type, such as "Keyword".
func (t ValueType) String() string {
	switch t {
	case Keyword:
		return "Keyword"
	case Text:
		return "Text"
	case Int:
		return "Int"
	case Double:
		return "Double"
	case Bool:
		return "Bool"
	case Datetime:
		return "Datetime"
	case KeywordList:
		return "KeywordList"
	}
	return "ValueType(" + strconv.Itoa(int(t)) + ")"
}

// Schema maps the name of each attribute a query may name to its type.
// Parse rejects a query that names an attribute missing from the schema.
type Schema map[string]ValueType

// SystemAttributes returns a new Schema holding the attributes every
// workflow run has. Callers add their custom search attributes to the
// returned map before passing it to Parse; each call returns a fresh map, so
// that changes no one else's schema.
func SystemAttributes() Schema {
	return Schema{
		"WorkflowId":      Keyword,
		"RunId":           Keyword,
		"WorkflowType":    Keyword,
		"TaskQueue":       Keyword,
		"ExecutionStatus": Keyword,
		"StartTime":       Datetime,
		"CloseTime":       Datetime,
		"ExecutionTime":   Datetime,
	}
}

// executionStatuses are the values a query may compare ExecutionStatus
// with: the names of Temporal's WorkflowExecutionStatus. A record should
// hold its status under the same names.
var executionStatuses = []string{
	"Running", "Completed", "Failed", "Canceled", "Terminated", "ContinuedAsNew", "TimedOut",
}

// Value is one typed value: a field of a Record or a literal of a query.
// Build it with the constructor for its type. The zero Value is NULL.
type Value struct {
	typ  ValueType
	str  string    // Keyword and Text
	num  int64     // Int
	dbl  float64   // Double
	b    bool      // Bool
	t    time.Time // Datetime, in UTC
	list []string  // KeywordList
}

// KeywordValue returns a Keyword value.
func KeywordValue(s string) Value { return Value{typ: Keyword, str: s} }

// TextValue returns a Text value.
func TextValue(s string) Value { return Value{typ: Text, str: s} }

// IntValue returns an Int value.
func IntValue(n int64) Value { return Value{typ: Int, num: n} }

// DoubleValue returns a Double value.
func DoubleValue(f float64) Value { return Value{typ: Double, dbl: f} }

// BoolValue returns a Bool value.
func BoolValue(b bool) Value { return Value{typ: Bool, b: b} }

// DatetimeValue returns a Datetime value. Only the instant is kept: the time
// zone and monotonic clock reading of t are dropped.
func DatetimeValue(t time.Time) Value { return Value{typ: Datetime, t: t.UTC()} }

// KeywordListValue returns a KeywordList value holding a copy of elems.
func KeywordListValue(elems ...string) Value {
	return Value{typ: KeywordList, list: slices.Clone(elems)}
}

// Type returns the type of v, or 0 for the zero (NULL) Value.
func (v Value) Type() ValueType { return v.typ }

// String returns v as it would be written in a query: strings and
// datetimes quoted, a KeywordList as a parenthesized list, and NULL for the
// zero Value.
func (v Value) String() string {
	switch v.typ {
	case Keyword, Text:
		return quote(v.str)
	case Int:
		return strconv.FormatInt(v.num, 10)
	case Double:
		return strconv.FormatFloat(v.dbl, 'g', -1, 64)
	case Bool:
		return strconv.FormatBool(v.b)
	case Datetime:
		return quote(v.t.Format(time.RFC3339Nano))
	case KeywordList:
		quoted := make([]string, len(v.list))
		for i, s := range v.list {
			quoted[i] = quote(s)
		}
		return "(" + strings.Join(quoted, ", ") + ")"
	}
	return "NULL"
}

// quote returns s as a single-quoted query string literal.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('\'')
	return b.String()
}

// Record holds the attribute values of one workflow run, keyed by attribute
// name. An attribute that is absent, or holds the zero Value, is NULL. A
// value whose type differs from the attribute's type in the schema the
// query was parsed with is not NULL but satisfies no comparison.
type Record map[string]Value
