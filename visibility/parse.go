package visibility

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Limits on what Parse accepts, so that a hostile query cannot exhaust
// memory or the stack.
const (
	// MaxQueryLen is the longest query, in bytes, that Parse accepts.
	MaxQueryLen = 16 << 10
	// MaxDepth is how deeply Parse lets parentheses nest.
	MaxDepth = 64
)

// orderableAttributes are the attributes ORDER BY accepts.
var orderableAttributes = []string{"StartTime", "CloseTime", "ExecutionTime"}

// keywords are the reserved words of the language. An attribute with one of
// these names must be written in backquotes.
var keywords = []string{
	"AND", "OR", "NOT", "IN", "IS", "NULL", "BETWEEN", "STARTS_WITH",
	"ORDER", "BY", "ASC", "DESC", "TRUE", "FALSE",
}

// isKeyword reports whether word is a reserved word, in any case.
func isKeyword(word string) bool {
	return slices.ContainsFunc(keywords, func(kw string) bool { return strings.EqualFold(kw, word) })
}

// Parse parses a list filter against schema, which names the attributes the
// query may use. The empty query, or one of only white space, matches every
// record.
//
// Every error describes a problem with the query, so callers can report it
// as an invalid argument: a *SyntaxError for malformed text, and otherwise
// an error naming the unknown attribute, the attribute whose type does not
// fit the operator or value, or the limit (MaxQueryLen, MaxDepth) exceeded.
func Parse(query string, schema Schema) (*Query, error) {
	if len(query) > MaxQueryLen {
		return nil, fmt.Errorf("visibility: query: %d bytes long, longer than the limit of %d", len(query), MaxQueryLen)
	}
	toks, err := lex(query)
	if err != nil {
		return nil, err
	}
	p := &parser{src: query, schema: schema, toks: toks}
	return p.parseQuery()
}

// SyntaxError reports a malformed query: where it is malformed and what was
// expected there.
type SyntaxError struct {
	Offset int    // byte offset in the query where the problem starts
	Near   string // a short excerpt of the query starting at Offset; empty at its end
	Msg    string // what was expected, or what is wrong, such as "expected a value"
}

// Error returns the message with the offset and the excerpt, such as
// `visibility: query: at offset 17 near "AND )": expected a value`.
func (e *SyntaxError) Error() string {
	if e.Near == "" {
		return fmt.Sprintf("visibility: query: at offset %d (end of query): %s", e.Offset, e.Msg)
	}
	return fmt.Sprintf("visibility: query: at offset %d near %q: %s", e.Offset, e.Near, e.Msg)
}

// nearLen is how many bytes of the query a SyntaxError quotes.
const nearLen = 16

// syntaxError returns a SyntaxError at byte offset pos of src.
func syntaxError(src string, pos int, format string, args ...any) *SyntaxError {
	near := src[pos:]
	if len(near) > nearLen {
		near = near[:nearLen]
	}
	return &SyntaxError{Offset: pos, Near: near, Msg: fmt.Sprintf(format, args...)}
}

// errorAt returns an error about a part of the query, at byte offset pos,
// that is well-formed but invalid, such as an unknown attribute.
func errorAt(pos int, format string, args ...any) error {
	return fmt.Errorf("visibility: query: at offset %d: %s", pos, fmt.Sprintf(format, args...))
}

// parser is a recursive-descent parser over the tokens of one query. Each
// parseX method reads the construct X of the grammar in the package
// documentation, starting at the current token and stopping just after it.
type parser struct {
	src    string
	schema Schema
	toks   []token
	i      int // index in toks of the current token
	depth  int // parentheses open around the current token
}

func (p *parser) tok() token { return p.toks[p.i] }

// advance moves to the next token; it stays on the final tokEOF.
func (p *parser) advance() {
	if p.toks[p.i].kind != tokEOF {
		p.i++
	}
}

// atKeyword reports whether the current token is the keyword kw.
func (p *parser) atKeyword(kw string) bool {
	t := p.tok()
	return t.kind == tokWord && strings.EqualFold(t.text, kw)
}

// atSymbol reports whether the current token is the symbol s.
func (p *parser) atSymbol(s string) bool {
	t := p.tok()
	return t.kind == tokSymbol && t.text == s
}

// expected returns a SyntaxError saying that what was expected is missing at
// the current token.
func (p *parser) expected(what string) error {
	return syntaxError(p.src, p.tok().pos, "expected %s", what)
}

// attrName returns the attribute name of the current token, if it is one.
func (p *parser) attrName() (string, bool) {
	t := p.tok()
	switch {
	case t.kind == tokName:
		return t.text, true
	case t.kind == tokWord && !isKeyword(t.text):
		return t.text, true
	}
	return "", false
}

func (p *parser) parseQuery() (*Query, error) {
	q := &Query{}
	if p.tok().kind != tokEOF && !p.atKeyword("ORDER") {
		where, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		q.where = where
	}
	if p.atKeyword("ORDER") {
		if err := p.parseOrderBy(q); err != nil {
			return nil, err
		}
	}
	if p.tok().kind != tokEOF {
		if q.orderBy != "" {
			return nil, p.expected("end of query")
		}
		return nil, p.expected("AND, OR, ORDER BY or end of query")
	}
	return q, nil
}

// parseOrderBy reads ORDER BY attr [ASC|DESC] into q.
func (p *parser) parseOrderBy(q *Query) error {
	p.advance()
	if !p.atKeyword("BY") {
		return p.expected("BY")
	}
	p.advance()
	at := p.tok()
	name, ok := p.attrName()
	if !ok {
		return p.expected("an attribute name")
	}
	if !slices.Contains(orderableAttributes, name) {
		return errorAt(at.pos, "cannot ORDER BY %s: only StartTime, CloseTime and ExecutionTime are supported", name)
	}
	p.advance()
	q.orderBy = name
	switch {
	case p.atKeyword("DESC"):
		q.desc = true
		p.advance()
	case p.atKeyword("ASC"):
		p.advance()
	case p.tok().kind != tokEOF:
		return p.expected("ASC, DESC or end of query")
	}
	return nil
}

// parseOr reads terms joined by OR. Nested ORs, from parentheses, are
// flattened into one list.
func (p *parser) parseOr() (expr, error) {
	var terms []expr
	for {
		e, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		if or, ok := e.(*orExpr); ok {
			terms = append(terms, or.terms...)
		} else {
			terms = append(terms, e)
		}
		if !p.atKeyword("OR") {
			break
		}
		p.advance()
	}
	if len(terms) == 1 {
		return terms[0], nil
	}
	return &orExpr{terms: terms}, nil
}

// parseAnd reads terms joined by AND. Nested ANDs, from parentheses, are
// flattened into one list.
func (p *parser) parseAnd() (expr, error) {
	var terms []expr
	for {
		e, err := p.parsePrimary()
		if err != nil {
			return nil, err
		}
		if and, ok := e.(*andExpr); ok {
			terms = append(terms, and.terms...)
		} else {
			terms = append(terms, e)
		}
		if !p.atKeyword("AND") {
			break
		}
		p.advance()
	}
	if len(terms) == 1 {
		return terms[0], nil
	}
	return &andExpr{terms: terms}, nil
}

func (p *parser) parsePrimary() (expr, error) {
	if !p.atSymbol("(") {
		return p.parsePredicate()
	}
	if p.depth == MaxDepth {
		return nil, errorAt(p.tok().pos, "parentheses nested deeper than %d", MaxDepth)
	}
	p.depth++
	p.advance()
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if !p.atSymbol(")") {
		return nil, p.expected("AND, OR or )")
	}
	p.advance()
	p.depth--
	return e, nil
}

func (p *parser) parsePredicate() (expr, error) {
	at := p.tok()
	name, ok := p.attrName()
	if !ok {
		return nil, p.expected("an attribute name or (")
	}
	typ, ok := p.schema[name]
	if !ok {
		return nil, errorAt(at.pos, "unknown attribute %q", name)
	}
	p.advance()
	opAt := p.tok()
	op, err := p.parseOperator()
	if err != nil {
		return nil, err
	}
	if !op.appliesTo(typ) {
		return nil, errorAt(opAt.pos, "operator %s does not apply to attribute %s of type %s", op, name, typ)
	}
	pred := &predicate{attr: name, typ: typ, op: op}
	switch op {
	case opIsNull, opIsNotNull:
	case opIn, opNotIn:
		pred.values, err = p.parseValueList(name, typ)
	case opBetween, opNotBetween:
		pred.values, err = p.parseRange(name, typ)
	case opStartsWith:
		if p.tok().kind != tokString {
			return nil, p.expected("a quoted prefix")
		}
		pred.values = []Value{KeywordValue(p.tok().text)}
		p.advance()
	default:
		var v Value
		v, err = p.parseValue(name, typ)
		pred.values = []Value{v}
	}
	if err != nil {
		return nil, err
	}
	return pred, nil
}

// symbolOps are the operators written as symbols.
var symbolOps = map[string]op{"=": opEq, "!=": opNe, "<": opLt, "<=": opLe, ">": opGt, ">=": opGe}

// parseOperator reads an operator: a comparison symbol or one of IN, NOT IN,
// STARTS_WITH, BETWEEN, NOT BETWEEN, IS NULL and IS NOT NULL.
func (p *parser) parseOperator() (op, error) {
	if t := p.tok(); t.kind == tokSymbol {
		if o, ok := symbolOps[t.text]; ok {
			p.advance()
			return o, nil
		}
	}
	switch {
	case p.atKeyword("IN"):
		p.advance()
		return opIn, nil
	case p.atKeyword("STARTS_WITH"):
		p.advance()
		return opStartsWith, nil
	case p.atKeyword("BETWEEN"):
		p.advance()
		return opBetween, nil
	case p.atKeyword("NOT"):
		p.advance()
		if p.atKeyword("IN") {
			p.advance()
			return opNotIn, nil
		}
		if p.atKeyword("BETWEEN") {
			p.advance()
			return opNotBetween, nil
		}
		return 0, p.expected("IN or BETWEEN")
	case p.atKeyword("IS"):
		p.advance()
		if p.atKeyword("NOT") {
			p.advance()
			if !p.atKeyword("NULL") {
				return 0, p.expected("NULL")
			}
			p.advance()
			return opIsNotNull, nil
		}
		if !p.atKeyword("NULL") {
			return 0, p.expected("NULL or NOT NULL")
		}
		p.advance()
		return opIsNull, nil
	}
	return 0, p.expected("an operator such as =, IN or IS NULL")
}

// parseValueList reads the parenthesized, comma-separated operand of IN.
func (p *parser) parseValueList(name string, typ ValueType) ([]Value, error) {
	if !p.atSymbol("(") {
		return nil, p.expected("(")
	}
	p.advance()
	var values []Value
	for {
		v, err := p.parseValue(name, typ)
		if err != nil {
			return nil, err
		}
		values = append(values, v)
		if p.atSymbol(")") {
			p.advance()
			return values, nil
		}
		if !p.atSymbol(",") {
			return nil, p.expected(", or )")
		}
		p.advance()
	}
}

// parseRange reads the "low AND high" operand of BETWEEN.
func (p *parser) parseRange(name string, typ ValueType) ([]Value, error) {
	low, err := p.parseValue(name, typ)
	if err != nil {
		return nil, err
	}
	if !p.atKeyword("AND") {
		return nil, p.expected("AND")
	}
	p.advance()
	high, err := p.parseValue(name, typ)
	if err != nil {
		return nil, err
	}
	return []Value{low, high}, nil
}

// parseValue reads a literal and converts it to typ, the type of attribute
// name, rejecting a literal of another type.
func (p *parser) parseValue(name string, typ ValueType) (Value, error) {
	t := p.tok()
	var written string // the literal as a query would write it, for errors
	switch {
	case t.kind == tokString:
		written = quote(t.text)
	case t.kind == tokNumber, p.atKeyword("TRUE"), p.atKeyword("FALSE"):
		written = t.text
	case p.atKeyword("NULL"):
		return Value{}, p.expected("a value; test for NULL with IS NULL")
	default:
		return Value{}, p.expected("a value")
	}
	mismatch := func() error {
		return errorAt(t.pos, "attribute %s of type %s cannot be compared with %s", name, typ, written)
	}
	var v Value
	switch {
	case t.kind == tokString && (typ == Keyword || typ == KeywordList):
		if name == "ExecutionStatus" && typ == Keyword && !slices.Contains(executionStatuses, t.text) {
			return Value{}, errorAt(t.pos, "attribute ExecutionStatus has no value %s; it is one of %s",
				written, strings.Join(executionStatuses, ", "))
		}
		v = KeywordValue(t.text)
	case t.kind == tokString && typ == Text:
		v = TextValue(t.text)
	case t.kind == tokString && typ == Datetime:
		tm, err := time.Parse(time.RFC3339Nano, t.text)
		if err != nil {
			return Value{}, errorAt(t.pos, "attribute %s of type Datetime needs an RFC 3339 time such as '2026-01-02T15:04:05Z', not %s", name, written)
		}
		// String writes datetimes in UTC, which must stay within RFC 3339's
		// four-digit years for the result to parse again.
		if y := tm.UTC().Year(); y < 0 || y > 9999 {
			return Value{}, errorAt(t.pos, "time %s of attribute %s is outside the years 0000 to 9999 in UTC", written, name)
		}
		v = DatetimeValue(tm)
	case t.kind == tokNumber && typ == Int:
		if strings.ContainsAny(t.text, ".eE") {
			return Value{}, mismatch()
		}
		n, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			return Value{}, errorAt(t.pos, "integer %s is out of range for attribute %s of type Int", written, name)
		}
		v = IntValue(n)
	case t.kind == tokNumber && typ == Double:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return Value{}, errorAt(t.pos, "number %s is out of range for attribute %s of type Double", written, name)
		}
		v = DoubleValue(f)
	case t.kind == tokWord && typ == Bool:
		v = BoolValue(p.atKeyword("TRUE"))
	default:
		return Value{}, mismatch()
	}
	p.advance()
	return v, nil
}
