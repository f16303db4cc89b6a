package journal

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/visibility"
)

// Visibility: the run metadata holds each run's search attributes and memo
// (WorkflowMeta), and two indexes, written in the same batch as the events
// that change them, let ListWorkflow avoid reading every run:
//
//	'k' | ns 0 attr 0 | EncodeKey(keyword) | wf 0 run 0   -> empty (keyword index)
//	's' | ns 0 | startTime | wf 0 run 0                    -> empty (start-time index)
//	'a' | ns 0 attr 0                                      -> type name (schema)
//
// Keyword attributes are indexed: WorkflowId, WorkflowType, TaskQueue,
// ExecutionStatus and custom Keyword attributes. A query with a top-level
// equality or IN on one of them reads only those index entries; one bounded
// on StartTime reads that range of the start-time index; any other query
// reads the start-time index of the namespace. Every candidate is checked
// with the query's Match. The schema records the type each custom
// attribute had when it was first set in the namespace.
const (
	tagKeywordIndex = 'k'
	tagStartIndex   = 's'
	tagSchema       = 'a'
)

// indexedSystemKeywords are the system attributes with a keyword index,
// and how to read each from a run's metadata.
var indexedSystemKeywords = []struct {
	name  string
	value func(*journalpb.WorkflowMeta) string
}{
	{"WorkflowId", (*journalpb.WorkflowMeta).GetWorkflowId},
	{"WorkflowType", (*journalpb.WorkflowMeta).GetWorkflowType},
	{"TaskQueue", (*journalpb.WorkflowMeta).GetTaskQueue},
	{"ExecutionStatus", func(m *journalpb.WorkflowMeta) string { return visibility.StatusName(m.GetStatus()) }},
}

// hasSystemKeywordIndex reports whether attr is an indexed system keyword.
func hasSystemKeywordIndex(attr string) bool {
	for _, k := range indexedSystemKeywords {
		if k.name == attr {
			return true
		}
	}
	return false
}

func keywordIndexPrefix(ns, attr string, value string) []byte {
	return appendKeywordIndexPrefix(make([]byte, 0, 1+len(ns)+len(attr)+len(value)+4), ns, attr, value)
}

func appendKeywordIndexPrefix(b []byte, ns, attr, value string) []byte {
	return visibility.AppendKeywordKey(appendString(appendString(append(b, tagKeywordIndex), ns), attr), value)
}

// appendKeywordIndexKey adds the index entry of run for attr = value.
func appendKeywordIndexKey(b []byte, run RunKey, attr, value string) []byte {
	return runSuffix(appendKeywordIndexPrefix(b, run.Namespace, attr, value), run)
}

// appendStartIndexKey adds the start-time index entry of run.
func appendStartIndexKey(b []byte, run RunKey, start time.Time) []byte {
	return runSuffix(appendTime(appendString(append(b, tagStartIndex), run.Namespace), start), run)
}

func startIndexPrefix(ns string) []byte { return appendString([]byte{tagStartIndex}, ns) }

func schemaPrefix(ns string) []byte { return appendString([]byte{tagSchema}, ns) }

// runSuffix is the workflow and run ID that end an index key.
func runSuffix(b []byte, run RunKey) []byte {
	return appendString(appendString(b, run.WorkflowID), run.RunID)
}

// decodeIndexRun reads the workflow and run ID at the end of an index key
// whose prefix has n bytes.
func decodeIndexRun(ns string, key []byte, n int) (RunKey, error) {
	parts, _, err := splitStrings(key[n:], 2)
	if err != nil {
		return RunKey{}, err
	}
	return RunKey{Namespace: ns, WorkflowID: parts[0], RunID: parts[1]}, nil
}

// keywordEntry is a keyword index entry of a run, less the run: an indexed
// keyword attribute and its value.
type keywordEntry struct{ attr, value string }

// indexEntries are index entries of one run, less the run: its start-time
// entry if hasStart, and keyword entries.
type indexEntries struct {
	hasStart bool
	start    time.Time
	keywords []keywordEntry
}

// indexOf returns all the index entries of the run meta describes: its
// start time, its indexed system keywords and its custom Keyword
// attributes. It runs on the committer for every start and close, so it
// reads the values straight from meta instead of building the run's whole
// visibility.Record.
func indexOf(meta *journalpb.WorkflowMeta) indexEntries {
	keywords := make([]keywordEntry, 0, len(indexedSystemKeywords)+len(meta.GetSearchAttributes()))
	for _, k := range indexedSystemKeywords {
		keywords = append(keywords, keywordEntry{k.name, k.value(meta)})
	}
	for name, p := range meta.GetSearchAttributes() {
		if isSystemAttribute(name) {
			continue // the system value wins, as in visibility.RecordOf
		}
		v, err := visibility.DecodePayload(p)
		if err != nil || v.Type() != visibility.Keyword {
			continue // attributes that do not decode are not indexed
		}
		keywords = append(keywords, keywordEntry{name, v.Interface().(string)})
	}
	return indexEntries{hasStart: true, start: meta.GetStartTime().AsTime(), keywords: keywords}
}

// keys calls fn with the key of each entry of run, built in buf, which it
// returns grown for reuse. fn must not keep the key.
func (e *indexEntries) keys(buf []byte, run RunKey, fn func(key []byte)) []byte {
	if e.hasStart {
		buf = appendStartIndexKey(buf[:0], run, e.start)
		fn(buf)
	}
	for _, k := range e.keywords {
		buf = appendKeywordIndexKey(buf[:0], run, k.attr, k.value)
		fn(buf)
	}
	return buf
}

// systemAttributes are the attributes every run has.
var systemAttributes = visibility.SystemAttributes()

func isSystemAttribute(name string) bool {
	_, ok := systemAttributes[name]
	return ok
}

// visibilityChange is what an append changes in the indexes and schema.
type visibilityChange struct {
	run           RunKey
	deletes, sets indexEntries
	schema        map[string]visibility.ValueType // custom attributes set, by name, with their recorded types
}

// planVisibility returns the changes that bring the indexes from the run's
// old metadata (nil for a new run) to its new one, and records the types of
// the attributes the append sets. It reads the schema but writes nothing,
// so that a failed read leaves the batch untouched. Entries are compared
// rather than keys: two entries of one run have the same key exactly when
// they are equal, so only the keys written are built.
func (db *DB) planVisibility(old, meta *journalpb.WorkflowMeta, set map[string]*journalpb.Payload) (*visibilityChange, error) {
	c := &visibilityChange{run: RunKey{Namespace: meta.GetNamespace(), WorkflowID: meta.GetWorkflowId(), RunID: meta.GetRunId()}}
	now := indexOf(meta)
	if old == nil {
		c.sets = now
	} else {
		was := indexOf(old)
		if was.start.UnixNano() != now.start.UnixNano() { // as appendTime encodes them
			c.deletes.hasStart, c.deletes.start = true, was.start
			c.sets.hasStart, c.sets.start = true, now.start
		}
		for _, k := range was.keywords {
			if !slices.Contains(now.keywords, k) {
				c.deletes.keywords = append(c.deletes.keywords, k)
			}
		}
		for _, k := range now.keywords {
			if !slices.Contains(was.keywords, k) {
				c.sets.keywords = append(c.sets.keywords, k)
			}
		}
	}
	for name, p := range set {
		if prev := old.GetSearchAttributes()[name]; prev != nil && bytes.Equal(prev.GetMetadata()["type"], p.GetMetadata()["type"]) {
			continue // its type is recorded already
		}
		v, err := visibility.DecodePayload(p)
		if err != nil || v.Type() == 0 {
			continue
		}
		t, err := db.schema.typeOf(db, meta.GetNamespace(), name, v.Type())
		if err != nil {
			return nil, err
		}
		if c.schema == nil {
			c.schema = map[string]visibility.ValueType{}
		}
		c.schema[name] = t
	}
	return c, nil
}

// write adds the changes to batch, building each key in buf, which it
// returns grown for reuse. Schema entries are written again whenever an
// attribute is set with a new type, so a lost write heals.
func (c *visibilityChange) write(batch *pebble.Batch, buf []byte) []byte {
	buf = c.deletes.keys(buf, c.run, func(key []byte) { _ = batch.Delete(key, nil) })
	buf = c.sets.keys(buf, c.run, func(key []byte) { _ = batch.Set(key, nil, nil) })
	for name, t := range c.schema {
		buf = appendString(appendString(append(buf[:0], tagSchema), c.run.Namespace), name)
		_ = batch.Set(buf, []byte(t.String()), nil)
	}
	return buf
}

// applyVisibility updates meta (a copy the append owns, which may share its
// maps with older metadata: see copyMeta) with the search attributes, memo
// and execution time that events set. It returns the
// search attributes the events set or removed (nil if none), even those a
// later event of the same append removed again.
func applyVisibility(meta *journalpb.WorkflowMeta, events []*journalpb.Event) (set map[string]*journalpb.Payload, changed bool) {
	collect := func(attrs map[string]*journalpb.Payload) {
		for k, p := range attrs {
			if set == nil {
				set = map[string]*journalpb.Payload{}
			}
			if _, seen := set[k]; !seen || len(p.GetData()) > 0 {
				set[k] = p
			}
		}
	}
	for _, ev := range events {
		switch x := ev.GetAttributes().(type) {
		case *journalpb.Event_WorkflowExecutionStarted:
			started := x.WorkflowExecutionStarted
			mergeCopy(&meta.SearchAttributes, started.GetSearchAttributes())
			collect(started.GetSearchAttributes())
			mergeCopy(&meta.Memo, started.GetMemo())
			if b := started.GetFirstWorkflowTaskBackoff(); b != nil {
				meta.ExecutionTime = timestamppb.New(ev.GetTime().AsTime().Add(b.AsDuration()))
			}
			changed = true
		case *journalpb.Event_UpsertWorkflowSearchAttributes:
			mergeCopy(&meta.SearchAttributes, x.UpsertWorkflowSearchAttributes.GetSearchAttributes())
			collect(x.UpsertWorkflowSearchAttributes.GetSearchAttributes())
			changed = true
		case *journalpb.Event_WorkflowPropertiesModified:
			mergeCopy(&meta.Memo, x.WorkflowPropertiesModified.GetUpsertedMemo())
		}
	}
	return set, changed
}

// mergeCopy replaces *dst with a copy that has upserts merged in (see
// visibility.Merge), so that the map it replaces, which older metadata may
// share, is left as it was.
func mergeCopy(dst *map[string]*journalpb.Payload, upserts map[string]*journalpb.Payload) {
	if len(upserts) == 0 {
		return
	}
	*dst = maps.Clone(*dst)
	visibility.Merge(dst, upserts)
}

// schemaCache holds the types of custom search attributes by namespace and
// name, as recorded under 'a' keys.
type schemaCache struct {
	mu    sync.Mutex
	types map[string]visibility.ValueType // ns 0 name
}

// typeOf returns the recorded type of a custom attribute, recording t if
// it has none yet: the first type set in a namespace wins.
func (c *schemaCache) typeOf(db *DB, ns, name string, t visibility.ValueType) (visibility.ValueType, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := ns + "\x00" + name
	if known, ok := c.types[key]; ok {
		return known, nil
	}
	v, closer, err := db.pebble.Get(appendString(schemaPrefix(ns), name))
	switch {
	case errors.Is(err, pebble.ErrNotFound):
	case err != nil:
		return 0, fmt.Errorf("journal: read the type of search attribute %s: %w", name, err)
	default:
		recorded, ok := visibility.ParseValueType(string(v))
		closer.Close()
		if !ok {
			return 0, fmt.Errorf("%w: search attribute %s has type %q", ErrCorrupt, name, v)
		}
		t = recorded
	}
	if c.types == nil {
		c.types = map[string]visibility.ValueType{}
	}
	c.types[key] = t
	return t, nil
}

// Schema returns the attributes a query in namespace ns may name: the
// system attributes and the custom ones set so far.
func (db *DB) Schema(ctx context.Context, ns string) (visibility.Schema, error) {
	schema := visibility.SystemAttributes()
	prefix := schemaPrefix(ns)
	iter, err := db.pebble.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return nil, fmt.Errorf("journal: read the search attributes of namespace %s: %w", ns, err)
	}
	defer iter.Close()
	for iter.First(); iter.Valid(); iter.Next() {
		name := string(bytes.TrimSuffix(iter.Key()[len(prefix):], []byte{0}))
		t, ok := visibility.ParseValueType(string(iter.Value()))
		if !ok {
			return nil, fmt.Errorf("%w: search attribute %s has type %q", ErrCorrupt, name, iter.Value())
		}
		if _, system := schema[name]; !system {
			schema[name] = t
		}
	}
	return schema, iter.Error()
}

// ListRequest selects runs of a namespace with a visibility query.
type ListRequest struct {
	Namespace string
	// Query is a filter in the language of package visibility; empty
	// selects every run.
	Query string
	// PageSize bounds the runs returned; 0 means 1,000.
	PageSize int
	// PageToken continues a listing where the previous page ended.
	PageToken []byte
}

// ListRuns returns the runs the query selects, in its ORDER BY order
// (default: newest start first), a page at a time; nextPageToken is nil on
// the last page. A query that does not parse returns a
// *visibility.SyntaxError that says where.
func (db *DB) ListRuns(ctx context.Context, req ListRequest) (runs []*journalpb.WorkflowMeta, nextPageToken []byte, err error) {
	matches, q, err := db.matchRuns(ctx, req.Namespace, req.Query)
	if err != nil {
		return nil, nil, err
	}
	attr, desc, ok := q.OrderBy()
	if !ok {
		attr, desc = "StartTime", true
	}
	timeOf := func(m *journalpb.WorkflowMeta) time.Time {
		switch attr {
		case "CloseTime":
			if m.GetCloseTime() == nil {
				return time.Unix(1<<40, 0) // open runs last in ascending order, as NULLs
			}
			return m.GetCloseTime().AsTime()
		case "ExecutionTime":
			if m.GetExecutionTime() != nil {
				return m.GetExecutionTime().AsTime()
			}
		}
		return m.GetStartTime().AsTime()
	}
	slices.SortStableFunc(matches, func(a, b *journalpb.WorkflowMeta) int {
		c := timeOf(a).Compare(timeOf(b))
		if c == 0 {
			c = cmp.Or(cmp.Compare(a.GetWorkflowId(), b.GetWorkflowId()), cmp.Compare(a.GetRunId(), b.GetRunId()))
		}
		if desc {
			return -c
		}
		return c
	})
	offset := 0
	if len(req.PageToken) > 0 {
		n, read := binary.Uvarint(req.PageToken)
		if read <= 0 || read != len(req.PageToken) {
			return nil, nil, fmt.Errorf("journal: list workflows: malformed page token")
		}
		offset = int(min(n, uint64(len(matches))))
	}
	size := req.PageSize
	if size <= 0 {
		size = 1000
	}
	end := min(offset+size, len(matches))
	if end < len(matches) {
		nextPageToken = binary.AppendUvarint(nil, uint64(end))
	}
	return matches[offset:end], nextPageToken, nil
}

// CountRuns returns how many runs of namespace ns the query selects.
func (db *DB) CountRuns(ctx context.Context, ns, query string) (int64, error) {
	matches, _, err := db.matchRuns(ctx, ns, query)
	return int64(len(matches)), err
}

// matchRuns parses query and returns the runs it selects, unordered.
func (db *DB) matchRuns(ctx context.Context, ns, query string) ([]*journalpb.WorkflowMeta, *visibility.Query, error) {
	schema, err := db.Schema(ctx, ns)
	if err != nil {
		return nil, nil, err
	}
	q, err := visibility.Parse(query, schema)
	if err != nil {
		return nil, nil, err
	}
	var matches []*journalpb.WorkflowMeta
	consider := func(run RunKey) error {
		db.visibilityReads.Add(1)
		meta, err := db.Run(ctx, run)
		if errors.Is(err, ErrNotFound) {
			return nil // swept between the index read and this one
		}
		if err != nil {
			return err
		}
		record, _ := visibility.RecordOf(meta)
		if q.Match(record) {
			matches = append(matches, meta)
		}
		return nil
	}
	if attr, values, ok := q.KeywordLookup(); ok && db.indexed(schema, attr) {
		for _, v := range values {
			prefix := keywordIndexPrefix(ns, attr, v)
			if err := db.scanIndex(ctx, ns, prefix, prefixEnd(prefix), len(prefix), consider); err != nil {
				return nil, nil, err
			}
		}
		return matches, q, nil
	}
	prefix := startIndexPrefix(ns)
	lower, upper := prefix, prefixEnd(prefix)
	if from, to, ok := q.TimeRange("StartTime"); ok {
		if !from.IsZero() {
			lower = appendTime(bytes.Clone(prefix), from)
		}
		if !to.IsZero() {
			upper = appendTime(bytes.Clone(prefix), to.Add(time.Nanosecond))
		}
		if bytes.Compare(lower, upper) >= 0 {
			return nil, q, nil
		}
	}
	return matches, q, db.scanIndex(ctx, ns, lower, upper, len(prefix)+8, consider)
}

// indexed reports whether attr has a keyword index.
func (db *DB) indexed(schema visibility.Schema, attr string) bool {
	if hasSystemKeywordIndex(attr) {
		return true
	}
	return !isSystemAttribute(attr) && schema[attr] == visibility.Keyword
}

// scanIndex calls fn with the run of each index key in [lower, upper),
// whose run IDs start at byte n.
func (db *DB) scanIndex(ctx context.Context, ns string, lower, upper []byte, n int, fn func(RunKey) error) error {
	iter, err := db.pebble.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return fmt.Errorf("journal: scan the visibility index of namespace %s: %w", ns, err)
	}
	defer iter.Close()
	for iter.First(); iter.Valid(); iter.Next() {
		run, err := decodeIndexRun(ns, iter.Key(), n)
		if err != nil {
			return err
		}
		if err := fn(run); err != nil {
			return err
		}
	}
	return iter.Error()
}
