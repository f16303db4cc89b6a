package visibility

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// Query is a parsed list filter: a condition on records and an optional
// ORDER BY. It is immutable and safe for concurrent use.
type Query struct {
	where   expr   // nil when the query has no condition: every record matches
	orderBy string // "" when the query has no ORDER BY
	desc    bool
}

// Match reports whether record r satisfies the query's condition. ORDER BY
// plays no part. See the package documentation for the meaning of each
// operator and of NULL.
func (q *Query) Match(r Record) bool {
	return q.where == nil || q.where.match(r)
}

// OrderBy returns the attribute of the ORDER BY clause and whether it sorts
// in descending order. ok is false when the query has no ORDER BY, and the
// order is then the caller's choice.
func (q *Query) OrderBy() (attr string, desc bool, ok bool) {
	return q.orderBy, q.desc, q.orderBy != ""
}

// String returns the query in a normalized form that Parse accepts and
// turns back into an equal Query: keywords in upper case, strings in single
// quotes, datetimes in UTC, redundant parentheses dropped, and the
// direction of ORDER BY always written. The empty query gives "".
func (q *Query) String() string {
	var b strings.Builder
	if q.where != nil {
		q.where.format(&b)
	}
	if q.orderBy != "" {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("ORDER BY " + formatName(q.orderBy))
		if q.desc {
			b.WriteString(" DESC")
		} else {
			b.WriteString(" ASC")
		}
	}
	return b.String()
}

// expr is a node of the condition's syntax tree.
type expr interface {
	// match reports whether record r satisfies the node.
	match(r Record) bool
	// format writes the node in the form Query.String documents.
	format(b *strings.Builder)
}

// andExpr holds when all of its terms hold. It has at least two terms, none
// of them an andExpr.
type andExpr struct{ terms []expr }

func (e *andExpr) match(r Record) bool {
	for _, t := range e.terms {
		if !t.match(r) {
			return false
		}
	}
	return true
}

func (e *andExpr) format(b *strings.Builder) {
	for i, t := range e.terms {
		if i > 0 {
			b.WriteString(" AND ")
		}
		if _, isOr := t.(*orExpr); isOr {
			b.WriteByte('(')
			t.format(b)
			b.WriteByte(')')
		} else {
			t.format(b)
		}
	}
}

// orExpr holds when any of its terms holds. It has at least two terms, none
// of them an orExpr.
type orExpr struct{ terms []expr }

func (e *orExpr) match(r Record) bool {
	for _, t := range e.terms {
		if t.match(r) {
			return true
		}
	}
	return false
}

func (e *orExpr) format(b *strings.Builder) {
	for i, t := range e.terms {
		if i > 0 {
			b.WriteString(" OR ")
		}
		t.format(b)
	}
}

// op is the operator of a predicate.
type op int

const (
	opEq op = iota
	opNe
	opLt
	opLe
	opGt
	opGe
	opIn
	opNotIn
	opStartsWith
	opBetween
	opNotBetween
	opIsNull
	opIsNotNull
)

var opNames = [...]string{
	opEq: "=", opNe: "!=", opLt: "<", opLe: "<=", opGt: ">", opGe: ">=",
	opIn: "IN", opNotIn: "NOT IN", opStartsWith: "STARTS_WITH",
	opBetween: "BETWEEN", opNotBetween: "NOT BETWEEN",
	opIsNull: "IS NULL", opIsNotNull: "IS NOT NULL",
}

func (o op) String() string { return opNames[o] }

// appliesTo reports whether the operator may be used with an attribute of
// type t, as tabled in the package documentation.
func (o op) appliesTo(t ValueType) bool {
	switch o {
	case opEq, opNe, opIsNull, opIsNotNull:
		return true
	case opIn, opNotIn:
		return t != Text
	case opStartsWith:
		return t == Keyword || t == KeywordList
	}
	// The ordering operators: <, <=, >, >=, BETWEEN and NOT BETWEEN.
	return t == Keyword || t == Int || t == Double || t == Datetime
}

// predicate is a condition on one attribute.
type predicate struct {
	attr string
	typ  ValueType // the attribute's type in the schema
	op   op
	// values are the operands, of type typ except that they are Keywords
	// for a KeywordList: none for IS [NOT] NULL, the low and high bounds for
	// [NOT] BETWEEN, the list for [NOT] IN and one value otherwise.
	values []Value
}

func (p *predicate) match(r Record) bool {
	v := r[p.attr]
	switch p.op {
	case opIsNull:
		return v.typ == 0
	case opIsNotNull:
		return v.typ != 0
	}
	if v.typ != p.typ { // NULL, or a value of another type
		return false
	}
	switch v.typ {
	case Text: // the operator is = or !=
		return containsWords(v.str, p.values[0].str) == (p.op == opEq)
	case KeywordList:
		return p.matchList(v.list)
	}
	return p.matchScalar(v)
}

// containsWords reports whether every white-space separated word of words
// is, ignoring case, among the words of text.
func containsWords(text, words string) bool {
	have := strings.Fields(text)
	for _, w := range strings.Fields(words) {
		if !slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(h, w) }) {
			return false
		}
	}
	return true
}

// matchList evaluates the predicate on a KeywordList attribute holding list.
func (p *predicate) matchList(list []string) bool {
	contains := func(v Value) bool { return slices.Contains(list, v.str) }
	switch p.op {
	case opEq:
		return contains(p.values[0])
	case opNe:
		return !contains(p.values[0])
	case opIn:
		return slices.ContainsFunc(p.values, contains)
	case opNotIn:
		return !slices.ContainsFunc(p.values, contains)
	case opStartsWith:
		prefix := p.values[0].str
		return slices.ContainsFunc(list, func(s string) bool { return strings.HasPrefix(s, prefix) })
	}
	return false
}

// matchScalar evaluates the predicate on v, a value of the attribute's
// type that is neither Text nor KeywordList.
func (p *predicate) matchScalar(v Value) bool {
	switch p.op {
	case opStartsWith:
		return strings.HasPrefix(v.str, p.values[0].str)
	case opIn, opNotIn:
		for _, w := range p.values {
			c, ok := compare(v, w)
			if !ok {
				return false
			}
			if c == 0 {
				return p.op == opIn
			}
		}
		return p.op == opNotIn
	case opBetween, opNotBetween:
		low, okLow := compare(v, p.values[0])
		high, okHigh := compare(v, p.values[1])
		if !okLow || !okHigh {
			return false
		}
		return (low >= 0 && high <= 0) == (p.op == opBetween)
	}
	c, ok := compare(v, p.values[0])
	if !ok {
		return false
	}
	switch p.op {
	case opEq:
		return c == 0
	case opNe:
		return c != 0
	case opLt:
		return c < 0
	case opLe:
		return c <= 0
	case opGt:
		return c > 0
	}
	return c >= 0 // opGe
}

// compare compares two values of the same scalar type, returning -1, 0 or
// +1. ok is false when they do not compare: a NaN Double, or a type without
// an order.
func compare(a, b Value) (c int, ok bool) {
	switch a.typ {
	case Keyword:
		return strings.Compare(a.str, b.str), true
	case Int:
		return cmp.Compare(a.num, b.num), true
	case Double:
		if math.IsNaN(a.dbl) || math.IsNaN(b.dbl) {
			return 0, false
		}
		return cmp.Compare(a.dbl, b.dbl), true
	case Bool:
		if a.b == b.b {
			return 0, true
		}
		if b.b {
			return -1, true
		}
		return 1, true
	case Datetime:
		return a.t.Compare(b.t), true
	}
	return 0, false
}

func (p *predicate) format(b *strings.Builder) {
	b.WriteString(formatName(p.attr) + " " + p.op.String())
	switch p.op {
	case opIsNull, opIsNotNull:
	case opIn, opNotIn:
		b.WriteString(" (")
		for i, v := range p.values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(v.String())
		}
		b.WriteByte(')')
	case opBetween, opNotBetween:
		b.WriteString(" " + p.values[0].String() + " AND " + p.values[1].String())
	default:
		b.WriteString(" " + p.values[0].String())
	}
}

// formatName returns an attribute name as a query must write it: bare when
// it is an identifier that is not a keyword, and in backquotes otherwise.
func formatName(name string) string {
	bare := name != "" && isLetter(name[0]) && !isKeyword(name)
	for i := 0; bare && i < len(name); i++ {
		bare = isLetter(name[i]) || isDigit(name[i])
	}
	if bare {
		return name
	}
	return "`" + name + "`"
}
