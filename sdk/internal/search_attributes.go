package internal

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/visibility"
)

// SearchAttributeKey is a typed search attribute name: the key types below
// set and read values of their own type only.
type SearchAttributeKey interface {
	// GetName returns the attribute's name.
	GetName() string
	// GetValueType returns the attribute's indexed type.
	GetValueType() journalpb.IndexedValueType
	// GetReflectType returns the Go type of its values.
	GetReflectType() reflect.Type
}

// SearchAttributeUpdate sets or unsets one attribute; the ValueSet and
// ValueUnset methods of the keys make them.
type SearchAttributeUpdate func(*SearchAttributes)

// SearchAttributes is an immutable set of typed search attribute values.
type SearchAttributes struct {
	values map[SearchAttributeKey]any // a nil value marks an attribute to unset
}

// NewSearchAttributes returns the attributes that updates set.
func NewSearchAttributes(updates ...SearchAttributeUpdate) SearchAttributes {
	sa := SearchAttributes{values: map[SearchAttributeKey]any{}}
	for _, u := range updates {
		u(&sa)
	}
	return sa
}

func (sa SearchAttributes) get(key SearchAttributeKey) (any, bool) {
	v, ok := sa.values[key]
	return v, ok && v != nil
}

// valueOf returns the value of key as a T, the Go type of the key's kind.
func valueOf[T any](sa SearchAttributes, key SearchAttributeKey) (T, bool) {
	v, ok := sa.get(key)
	t, _ := v.(T)
	return t, ok
}

// GetString returns the value of a Text attribute.
func (sa SearchAttributes) GetString(key SearchAttributeKeyString) (string, bool) {
	return valueOf[string](sa, key)
}

// GetKeyword returns the value of a Keyword attribute.
func (sa SearchAttributes) GetKeyword(key SearchAttributeKeyKeyword) (string, bool) {
	return valueOf[string](sa, key)
}

// GetBool returns the value of a Bool attribute.
func (sa SearchAttributes) GetBool(key SearchAttributeKeyBool) (bool, bool) {
	return valueOf[bool](sa, key)
}

// GetInt64 returns the value of an Int attribute.
func (sa SearchAttributes) GetInt64(key SearchAttributeKeyInt64) (int64, bool) {
	return valueOf[int64](sa, key)
}

// GetFloat64 returns the value of a Double attribute.
func (sa SearchAttributes) GetFloat64(key SearchAttributeKeyFloat64) (float64, bool) {
	return valueOf[float64](sa, key)
}

// GetTime returns the value of a Datetime attribute.
func (sa SearchAttributes) GetTime(key SearchAttributeKeyTime) (time.Time, bool) {
	return valueOf[time.Time](sa, key)
}

// GetKeywordList returns the value of a KeywordList attribute.
func (sa SearchAttributes) GetKeywordList(key SearchAttributeKeyKeywordList) ([]string, bool) {
	l, ok := valueOf[[]string](sa, key)
	return slices.Clone(l), ok
}

// ContainsKey reports whether the attribute has a value.
func (sa SearchAttributes) ContainsKey(key SearchAttributeKey) bool {
	_, ok := sa.get(key)
	return ok
}

// Size returns the number of attributes with a value.
func (sa SearchAttributes) Size() int {
	n := 0
	for _, v := range sa.values {
		if v != nil {
			n++
		}
	}
	return n
}

// GetUntypedValues returns the attributes with a value.
func (sa SearchAttributes) GetUntypedValues() map[SearchAttributeKey]any {
	out := map[SearchAttributeKey]any{}
	for k, v := range sa.values {
		if v != nil {
			out[k] = v
		}
	}
	return out
}

// Copy returns an update that sets every attribute of sa.
func (sa SearchAttributes) Copy() SearchAttributeUpdate {
	values := maps.Clone(sa.values)
	return func(dst *SearchAttributes) { maps.Copy(dst.values, values) }
}

// searchAttributeKey is what the key types share: the name, the types.
type searchAttributeKey struct {
	name      string
	valueType journalpb.IndexedValueType
	reflect   reflect.Type
}

func (k searchAttributeKey) GetName() string                          { return k.name }
func (k searchAttributeKey) GetValueType() journalpb.IndexedValueType { return k.valueType }
func (k searchAttributeKey) GetReflectType() reflect.Type             { return k.reflect }

func setValue(key SearchAttributeKey, v any) SearchAttributeUpdate {
	return func(sa *SearchAttributes) { sa.values[key] = v }
}

// The key types, one per indexed type.
type (
	// SearchAttributeKeyString is a Text attribute: matched word by word.
	SearchAttributeKeyString struct{ searchAttributeKey }
	// SearchAttributeKeyKeyword is a Keyword attribute: matched as a whole
	// and indexed, so that a filter on it reads only the runs it selects.
	SearchAttributeKeyKeyword struct{ searchAttributeKey }
	// SearchAttributeKeyBool is a Bool attribute.
	SearchAttributeKeyBool struct{ searchAttributeKey }
	// SearchAttributeKeyInt64 is an Int attribute.
	SearchAttributeKeyInt64 struct{ searchAttributeKey }
	// SearchAttributeKeyFloat64 is a Double attribute.
	SearchAttributeKeyFloat64 struct{ searchAttributeKey }
	// SearchAttributeKeyTime is a Datetime attribute.
	SearchAttributeKeyTime struct{ searchAttributeKey }
	// SearchAttributeKeyKeywordList is a KeywordList attribute.
	SearchAttributeKeyKeywordList struct{ searchAttributeKey }
)

func newKey(name string, t journalpb.IndexedValueType, sample any) searchAttributeKey {
	return searchAttributeKey{name: name, valueType: t, reflect: reflect.TypeOf(sample)}
}

// NewSearchAttributeKeyString returns the key of a Text attribute.
func NewSearchAttributeKeyString(name string) SearchAttributeKeyString {
	return SearchAttributeKeyString{newKey(name, journalpb.IndexedValueType_INDEXED_VALUE_TYPE_TEXT, "")}
}

// NewSearchAttributeKeyKeyword returns the key of a Keyword attribute.
func NewSearchAttributeKeyKeyword(name string) SearchAttributeKeyKeyword {
	return SearchAttributeKeyKeyword{newKey(name, journalpb.IndexedValueType_INDEXED_VALUE_TYPE_KEYWORD, "")}
}

// NewSearchAttributeKeyBool returns the key of a Bool attribute.
func NewSearchAttributeKeyBool(name string) SearchAttributeKeyBool {
	return SearchAttributeKeyBool{newKey(name, journalpb.IndexedValueType_INDEXED_VALUE_TYPE_BOOL, false)}
}

// NewSearchAttributeKeyInt64 returns the key of an Int attribute.
func NewSearchAttributeKeyInt64(name string) SearchAttributeKeyInt64 {
	return SearchAttributeKeyInt64{newKey(name, journalpb.IndexedValueType_INDEXED_VALUE_TYPE_INT, int64(0))}
}

// NewSearchAttributeKeyFloat64 returns the key of a Double attribute.
func NewSearchAttributeKeyFloat64(name string) SearchAttributeKeyFloat64 {
	return SearchAttributeKeyFloat64{newKey(name, journalpb.IndexedValueType_INDEXED_VALUE_TYPE_DOUBLE, float64(0))}
}

// NewSearchAttributeKeyTime returns the key of a Datetime attribute.
func NewSearchAttributeKeyTime(name string) SearchAttributeKeyTime {
	return SearchAttributeKeyTime{newKey(name, journalpb.IndexedValueType_INDEXED_VALUE_TYPE_DATETIME, time.Time{})}
}

// NewSearchAttributeKeyKeywordList returns the key of a KeywordList attribute.
func NewSearchAttributeKeyKeywordList(name string) SearchAttributeKeyKeywordList {
	return SearchAttributeKeyKeywordList{newKey(name, journalpb.IndexedValueType_INDEXED_VALUE_TYPE_KEYWORD_LIST, []string(nil))}
}

// ValueSet returns the update that sets the attribute to value.
func (k SearchAttributeKeyString) ValueSet(value string) SearchAttributeUpdate {
	return setValue(k, value)
}

// ValueUnset returns the update that removes the attribute.
func (k SearchAttributeKeyString) ValueUnset() SearchAttributeUpdate { return setValue(k, nil) }

// ValueSet returns the update that sets the attribute to value.
func (k SearchAttributeKeyKeyword) ValueSet(value string) SearchAttributeUpdate {
	return setValue(k, value)
}

// ValueUnset returns the update that removes the attribute.
func (k SearchAttributeKeyKeyword) ValueUnset() SearchAttributeUpdate { return setValue(k, nil) }

// ValueSet returns the update that sets the attribute to value.
func (k SearchAttributeKeyBool) ValueSet(value bool) SearchAttributeUpdate { return setValue(k, value) }

// ValueUnset returns the update that removes the attribute.
func (k SearchAttributeKeyBool) ValueUnset() SearchAttributeUpdate { return setValue(k, nil) }

// ValueSet returns the update that sets the attribute to value.
func (k SearchAttributeKeyInt64) ValueSet(value int64) SearchAttributeUpdate {
	return setValue(k, value)
}

// ValueUnset returns the update that removes the attribute.
func (k SearchAttributeKeyInt64) ValueUnset() SearchAttributeUpdate { return setValue(k, nil) }

// ValueSet returns the update that sets the attribute to value.
func (k SearchAttributeKeyFloat64) ValueSet(value float64) SearchAttributeUpdate {
	return setValue(k, value)
}

// ValueUnset returns the update that removes the attribute.
func (k SearchAttributeKeyFloat64) ValueUnset() SearchAttributeUpdate { return setValue(k, nil) }

// ValueSet returns the update that sets the attribute to value.
func (k SearchAttributeKeyTime) ValueSet(value time.Time) SearchAttributeUpdate {
	return setValue(k, value)
}

// ValueUnset returns the update that removes the attribute.
func (k SearchAttributeKeyTime) ValueUnset() SearchAttributeUpdate { return setValue(k, nil) }

// ValueSet returns the update that sets the attribute to values.
func (k SearchAttributeKeyKeywordList) ValueSet(values []string) SearchAttributeUpdate {
	return setValue(k, slices.Clone(values))
}

// ValueUnset returns the update that removes the attribute.
func (k SearchAttributeKeyKeywordList) ValueUnset() SearchAttributeUpdate { return setValue(k, nil) }

// visibilityTypes maps indexed types to the visibility package's.
var visibilityTypes = map[journalpb.IndexedValueType]visibility.ValueType{
	journalpb.IndexedValueType_INDEXED_VALUE_TYPE_TEXT:         visibility.Text,
	journalpb.IndexedValueType_INDEXED_VALUE_TYPE_KEYWORD:      visibility.Keyword,
	journalpb.IndexedValueType_INDEXED_VALUE_TYPE_BOOL:         visibility.Bool,
	journalpb.IndexedValueType_INDEXED_VALUE_TYPE_INT:          visibility.Int,
	journalpb.IndexedValueType_INDEXED_VALUE_TYPE_DOUBLE:       visibility.Double,
	journalpb.IndexedValueType_INDEXED_VALUE_TYPE_DATETIME:     visibility.Datetime,
	journalpb.IndexedValueType_INDEXED_VALUE_TYPE_KEYWORD_LIST: visibility.KeywordList,
}

// EncodeSearchAttributes encodes typed attributes as the payloads the
// journal indexes; an unset attribute becomes the payload that removes it.
func EncodeSearchAttributes(sa SearchAttributes) (map[string]*journalpb.Payload, error) {
	if len(sa.values) == 0 {
		return nil, nil
	}
	out := make(map[string]*journalpb.Payload, len(sa.values))
	for k, x := range sa.values {
		if k.GetName() == "" {
			return nil, errors.New("search attribute with an empty name")
		}
		var v visibility.Value
		if x != nil {
			var err error
			if v, err = visibility.ValueOf(visibilityTypes[k.GetValueType()], x); err != nil {
				return nil, fmt.Errorf("search attribute %s: %w", k.GetName(), err)
			}
		}
		p, err := visibility.EncodePayload(v)
		if err != nil {
			return nil, fmt.Errorf("search attribute %s: %w", k.GetName(), err)
		}
		out[k.GetName()] = p
	}
	return out, nil
}

// EncodeUntypedSearchAttributes encodes attributes given as Go values, the
// type following the value: string → Keyword, integers → Int, floats →
// Double, bool → Bool, time.Time → Datetime, []string → KeywordList, nil →
// removed. Use typed keys for Text.
func EncodeUntypedSearchAttributes(attrs map[string]any) (map[string]*journalpb.Payload, error) {
	sa := NewSearchAttributes()
	for name, x := range attrs {
		var key SearchAttributeKey
		switch v := x.(type) {
		case nil:
			key = NewSearchAttributeKeyKeyword(name)
		case string:
			key = NewSearchAttributeKeyKeyword(name)
		case int:
			key, x = NewSearchAttributeKeyInt64(name), int64(v)
		case int32:
			key, x = NewSearchAttributeKeyInt64(name), int64(v)
		case int64:
			key = NewSearchAttributeKeyInt64(name)
		case float32:
			key, x = NewSearchAttributeKeyFloat64(name), float64(v)
		case float64:
			key = NewSearchAttributeKeyFloat64(name)
		case bool:
			key = NewSearchAttributeKeyBool(name)
		case time.Time:
			key = NewSearchAttributeKeyTime(name)
		case []string:
			key = NewSearchAttributeKeyKeywordList(name)
		default:
			return nil, fmt.Errorf("search attribute %s: unsupported type %T (use string, int64, float64, bool, time.Time or []string)", name, x)
		}
		sa.values[key] = x
	}
	return EncodeSearchAttributes(sa)
}

// EncodeStartSearchAttributes encodes the search attributes a workflow
// starts with, given typed, untyped, or both (typed ones win).
func EncodeStartSearchAttributes(typed SearchAttributes, untyped map[string]any) (map[string]*journalpb.Payload, error) {
	out, err := EncodeUntypedSearchAttributes(untyped)
	if err != nil {
		return nil, err
	}
	typedPayloads, err := EncodeSearchAttributes(typed)
	if err != nil {
		return nil, err
	}
	visibility.Merge(&out, typedPayloads)
	return out, nil
}

// DecodeSearchAttributes returns the typed attributes of indexed payloads;
// payloads that do not decode are left out.
func DecodeSearchAttributes(payloads map[string]*journalpb.Payload) SearchAttributes {
	sa := NewSearchAttributes()
	for name, p := range payloads {
		v, err := visibility.DecodePayload(p)
		if err != nil || v.Type() == 0 {
			continue
		}
		var key SearchAttributeKey
		switch v.Type() {
		case visibility.Keyword:
			key = NewSearchAttributeKeyKeyword(name)
		case visibility.Text:
			key = NewSearchAttributeKeyString(name)
		case visibility.Int:
			key = NewSearchAttributeKeyInt64(name)
		case visibility.Double:
			key = NewSearchAttributeKeyFloat64(name)
		case visibility.Bool:
			key = NewSearchAttributeKeyBool(name)
		case visibility.Datetime:
			key = NewSearchAttributeKeyTime(name)
		case visibility.KeywordList:
			key = NewSearchAttributeKeyKeywordList(name)
		}
		sa.values[key] = v.Interface()
	}
	return sa
}

// UpsertTypedSearchAttributes sets or removes search attributes of the
// running workflow. The change is recorded with the workflow task, indexed
// for ListWorkflow, and visible at once to GetTypedSearchAttributes.
func UpsertTypedSearchAttributes(ctx Context, updates ...SearchAttributeUpdate) error {
	e := executionOf(ctx, "UpsertTypedSearchAttributes")
	sa := NewSearchAttributes(updates...)
	defer e.upserted("UpsertTypedSearchAttributes", sa)
	if len(updates) == 0 {
		return errors.New("UpsertTypedSearchAttributes: no search attributes")
	}
	payloads, err := EncodeSearchAttributes(sa)
	if err != nil {
		return fmt.Errorf("UpsertTypedSearchAttributes: %w", err)
	}
	e.upsertSearchAttributes(payloads)
	return nil
}

// upserted tells the owner of an upsert call (ExecutionOptions.Upserted).
func (e *Execution) upserted(method string, arg any) {
	if e.opts.Upserted != nil && !e.replaying {
		e.opts.Upserted(method, arg)
	}
}

// UpsertSearchAttributes is UpsertTypedSearchAttributes with attributes
// given as Go values (see EncodeUntypedSearchAttributes for their types).
func UpsertSearchAttributes(ctx Context, attributes map[string]any) error {
	e := executionOf(ctx, "UpsertSearchAttributes")
	defer e.upserted("UpsertSearchAttributes", attributes)
	if len(attributes) == 0 {
		return errors.New("UpsertSearchAttributes: no search attributes")
	}
	payloads, err := EncodeUntypedSearchAttributes(attributes)
	if err != nil {
		return fmt.Errorf("UpsertSearchAttributes: %w", err)
	}
	e.upsertSearchAttributes(payloads)
	return nil
}

func (e *Execution) upsertSearchAttributes(payloads map[string]*journalpb.Payload) {
	e.mustBeInTask("UpsertSearchAttributes")
	visibility.Merge(&e.searchAttributes, payloads)
	e.visibilityChanged()
	e.addCommand(&journalpb.Event{Attributes: &journalpb.Event_UpsertWorkflowSearchAttributes{UpsertWorkflowSearchAttributes: &journalpb.UpsertWorkflowSearchAttributes{
		Seq: e.nextSequence(), SearchAttributes: payloads}}}, nil)
}

// UpsertMemo sets memo fields of the running workflow (a nil value removes
// one). ListWorkflow returns the memo; it is not indexed.
func UpsertMemo(ctx Context, memo map[string]any) error {
	e := executionOf(ctx, "UpsertMemo")
	e.mustBeInTask("UpsertMemo")
	defer e.upserted("UpsertMemo", memo)
	if len(memo) == 0 {
		return errors.New("UpsertMemo: no memo fields")
	}
	payloads := make(map[string]*journalpb.Payload, len(memo))
	for k, v := range memo {
		if v == nil {
			payloads[k] = &journalpb.Payload{}
			continue
		}
		p, err := e.dc.ToPayload(v)
		if err != nil {
			return fmt.Errorf("UpsertMemo: field %s: %w", k, err)
		}
		payloads[k] = p
	}
	visibility.Merge(&e.memo, payloads)
	e.visibilityChanged()
	e.addCommand(&journalpb.Event{Attributes: &journalpb.Event_WorkflowPropertiesModified{WorkflowPropertiesModified: &journalpb.WorkflowPropertiesModified{
		Seq: e.nextSequence(), UpsertedMemo: payloads}}}, nil)
	return nil
}

// GetTypedSearchAttributes returns the workflow's current search attributes.
func GetTypedSearchAttributes(ctx Context) SearchAttributes {
	return DecodeSearchAttributes(executionOf(ctx, "GetTypedSearchAttributes").searchAttributes)
}

// visibilityChanged shows the run's current memo and search attributes in
// its WorkflowInfo, as Temporal's upserts do. Each upsert makes new
// structs, so a Memo or EncodedSearchAttributes taken before keeps what it
// saw.
func (e *Execution) visibilityChanged() {
	e.info.Memo = &Memo{Fields: maps.Clone(e.memo)}
	e.info.SearchAttributes = &EncodedSearchAttributes{IndexedFields: maps.Clone(e.searchAttributes)}
}
