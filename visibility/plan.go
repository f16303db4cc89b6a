package visibility

import (
	"slices"
	"time"
)

// conjuncts returns the predicates every matching record satisfies: the
// condition itself when it is a single predicate, or the predicates directly
// under a top-level AND. A top-level OR has none.
func (q *Query) conjuncts() []*predicate {
	switch e := q.where.(type) {
	case *predicate:
		return []*predicate{e}
	case *andExpr:
		var preds []*predicate
		for _, t := range e.terms {
			if p, ok := t.(*predicate); ok {
				preds = append(preds, p)
			}
		}
		return preds
	}
	return nil
}

// KeywordLookup returns a Keyword attribute and a set of values such that
// every record the query matches has the attribute equal to one of the
// values, so the caller can read just those entries of its index on attr and
// apply Match to each. It comes from a top-level conjunct attr = 'v' or
// attr IN ('v1', 'v2', ...); among several, the one with the fewest distinct
// values wins, the first in the query on a tie. values are sorted and
// distinct. ok is false when there is no such conjunct, for example when the
// condition is an OR at the top level.
func (q *Query) KeywordLookup() (attr string, values []string, ok bool) {
	for _, p := range q.conjuncts() {
		if p.typ != Keyword || (p.op != opEq && p.op != opIn) {
			continue
		}
		vals := make([]string, len(p.values))
		for i, v := range p.values {
			vals[i] = v.str
		}
		slices.Sort(vals)
		vals = slices.Compact(vals)
		if !ok || len(vals) < len(values) {
			attr, values, ok = p.attr, vals, true
		}
	}
	return attr, values, ok
}

// TimeRange returns the instants between which the Datetime attribute attr
// of every record the query matches lies, so the caller can scan just that
// range of its index on attr and apply Match to each record found. It comes
// from the top-level conjuncts on attr with =, <, <=, >, >= or BETWEEN.
// Both bounds are inclusive, so the range may hold records Match rejects,
// such as one equal to the bound of a strict comparison. A zero from or to
// means that side is unbounded. from is after to when the conjuncts
// contradict each other, and then nothing matches. ok is false when no
// conjunct bounds attr, for example when the condition is an OR at the top
// level.
func (q *Query) TimeRange(attr string) (from, to time.Time, ok bool) {
	lower := func(t time.Time) {
		if from.IsZero() || t.After(from) {
			from = t
		}
	}
	upper := func(t time.Time) {
		if to.IsZero() || t.Before(to) {
			to = t
		}
	}
	for _, p := range q.conjuncts() {
		if p.attr != attr || p.typ != Datetime {
			continue
		}
		switch p.op {
		case opEq:
			lower(p.values[0].t)
			upper(p.values[0].t)
		case opGt, opGe:
			lower(p.values[0].t)
		case opLt, opLe:
			upper(p.values[0].t)
		case opBetween:
			lower(p.values[0].t)
			upper(p.values[1].t)
		default:
			continue
		}
		ok = true
	}
	return from, to, ok
}
