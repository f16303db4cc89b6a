// Package visibility implements the filter language of ListWorkflow and
// CountWorkflow: a small SQL-like WHERE clause over the search attributes of
// workflow runs, with an optional ORDER BY, such as
//
//	WorkflowType = 'Order' AND StartTime > '2026-01-01T00:00:00Z' ORDER BY StartTime DESC
//
// Parse checks a query against a Schema (the attributes a query may name and
// their types) and returns a Query. To answer it without reading every run,
// the engine asks the Query which index range to scan (KeywordLookup,
// TimeRange), builds its Pebble index keys with EncodeKey so that byte order
// is value order, and keeps the candidates for which Match reports true.
//
// # Grammar
//
// Keywords are case-insensitive; attribute names are case-sensitive.
//
//	query     = [ or ] [ ORDER BY attr [ ASC | DESC ] ]
//	or        = and { OR and }
//	and       = primary { AND primary }
//	primary   = "(" or ")" | predicate
//	predicate = attr ( "=" | "!=" | "<" | "<=" | ">" | ">=" ) value
//	          | attr [ NOT ] IN "(" value { "," value } ")"
//	          | attr STARTS_WITH string
//	          | attr [ NOT ] BETWEEN value AND value
//	          | attr IS [ NOT ] NULL
//	attr      = identifier | "`" name "`"
//	value     = string | number | TRUE | FALSE
//
// AND binds tighter than OR. A string is written in single or double quotes;
// inside it a backslash takes the next character literally and a doubled
// quote stands for one quote. A Datetime is written as a string in RFC 3339
// form, with optional fractional seconds. A name that is not a plain
// identifier, or that is a keyword, is written in backquotes. ORDER BY
// accepts StartTime, CloseTime and ExecutionTime, ascending by default.
//
// # Operators
//
// Which operators an attribute accepts depends on its type:
//
//	Keyword      = != < <= > >= IN, NOT IN, BETWEEN, NOT BETWEEN, STARTS_WITH
//	Int, Double  = != < <= > >= IN, NOT IN, BETWEEN, NOT BETWEEN
//	Datetime     = != < <= > >= IN, NOT IN, BETWEEN, NOT BETWEEN
//	Bool         = != IN, NOT IN
//	Text         = !=
//	KeywordList  = != IN, NOT IN, STARTS_WITH
//
// and every type accepts IS NULL and IS NOT NULL. Keywords compare byte by
// byte. Int and Double compare as numbers; an integer literal is accepted
// for a Double attribute. Datetimes compare as instants, whatever their time
// zone. For Text, "=" holds when every word of the literal, ignoring case,
// is among the words of the attribute, and "!=" is its negation. For
// KeywordList, "=" holds when the list contains the value, "!=" when it does
// not, IN when it contains any of the values, NOT IN when it contains none
// of them and STARTS_WITH when one of its elements has the prefix.
// ExecutionStatus only accepts the status names Running, Completed, Failed,
// Canceled, Terminated, ContinuedAsNew and TimedOut, spelled exactly so.
//
// # NULL
//
// An attribute a record lacks is NULL. As in SQL, a comparison with NULL is
// not true, so every predicate on a missing attribute is false, including
// "!=", NOT IN and NOT BETWEEN; only IS NULL holds. Because the language has
// AND and OR but no general NOT, treating "not true" as false gives exactly
// the rows SQL's three-valued logic would return.
package visibility
