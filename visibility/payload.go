package visibility

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// Search attribute values travel and are stored as payloads: the JSON of the
// value, with the attribute's type in the "type" metadata, so that the
// journal can index a value without knowing the code that set it. A payload
// with no data (or JSON null) removes the attribute.

// Payload metadata keys and the encoding of search attribute payloads.
const (
	metadataEncoding = "encoding"
	metadataType     = "type"
	encodingJSON     = "json/plain"
)

// ParseValueType returns the ValueType named name ("Keyword", "Int", ...).
func ParseValueType(name string) (ValueType, bool) {
	for t := Keyword; t <= KeywordList; t++ {
		if t.String() == name {
			return t, true
		}
	}
	return 0, false
}

// ValueOf returns the Value of type t holding x: a string for Keyword and
// Text, an integer for Int, a number for Double, a bool, a time.Time for
// Datetime, a []string for KeywordList.
func ValueOf(t ValueType, x any) (Value, error) {
	bad := func() (Value, error) { return Value{}, fmt.Errorf("a %s search attribute cannot hold %T", t, x) }
	switch t {
	case Keyword, Text:
		s, ok := x.(string)
		if !ok {
			return bad()
		}
		return Value{typ: t, str: s}, nil
	case Int:
		switch n := x.(type) {
		case int:
			return IntValue(int64(n)), nil
		case int32:
			return IntValue(int64(n)), nil
		case int64:
			return IntValue(n), nil
		}
		return bad()
	case Double:
		switch f := x.(type) {
		case float64:
			return DoubleValue(f), nil
		case float32:
			return DoubleValue(float64(f)), nil
		case int:
			return DoubleValue(float64(f)), nil
		}
		return bad()
	case Bool:
		b, ok := x.(bool)
		if !ok {
			return bad()
		}
		return BoolValue(b), nil
	case Datetime:
		tm, ok := x.(time.Time)
		if !ok {
			return bad()
		}
		return DatetimeValue(tm), nil
	case KeywordList:
		l, ok := x.([]string)
		if !ok {
			return bad()
		}
		return KeywordListValue(l...), nil
	}
	return Value{}, fmt.Errorf("unknown search attribute type %v", t)
}

// Interface returns the Go value v holds (see ValueOf), or nil for NULL.
func (v Value) Interface() any {
	switch v.typ {
	case Keyword, Text:
		return v.str
	case Int:
		return v.num
	case Double:
		return v.dbl
	case Bool:
		return v.b
	case Datetime:
		return v.t
	case KeywordList:
		return slices.Clone(v.list)
	}
	return nil
}

// EncodePayload returns v as a search attribute payload; the NULL Value
// gives the payload that removes an attribute.
func EncodePayload(v Value) (*journalpb.Payload, error) {
	if v.typ == 0 {
		return &journalpb.Payload{Metadata: map[string][]byte{metadataEncoding: []byte(encodingJSON)}}, nil
	}
	x := v.Interface()
	if v.typ == Datetime {
		x = v.t.Format(time.RFC3339Nano)
	}
	data, err := json.Marshal(x)
	if err != nil {
		return nil, fmt.Errorf("encode %s search attribute: %w", v.typ, err)
	}
	return &journalpb.Payload{
		Metadata: map[string][]byte{metadataEncoding: []byte(encodingJSON), metadataType: []byte(v.typ.String())},
		Data:     data,
	}, nil
}

// DecodePayload returns the Value of a search attribute payload: NULL for a
// payload that removes the attribute, an error for one that is malformed.
func DecodePayload(p *journalpb.Payload) (Value, error) {
	if len(p.GetData()) == 0 || string(p.GetData()) == "null" {
		return Value{}, nil
	}
	name := string(p.GetMetadata()[metadataType])
	t, ok := ParseValueType(name)
	if !ok {
		return Value{}, fmt.Errorf("search attribute payload has type %q; want one of Keyword, Text, Int, Double, Bool, Datetime, KeywordList", name)
	}
	var err error
	var v Value
	switch t {
	case Keyword, Text:
		var s string
		err = json.Unmarshal(p.GetData(), &s)
		v = Value{typ: t, str: s}
	case Int:
		var n int64
		err = json.Unmarshal(p.GetData(), &n)
		v = IntValue(n)
	case Double:
		var f float64
		err = json.Unmarshal(p.GetData(), &f)
		v = DoubleValue(f)
	case Bool:
		var b bool
		err = json.Unmarshal(p.GetData(), &b)
		v = BoolValue(b)
	case Datetime:
		var s string
		if err = json.Unmarshal(p.GetData(), &s); err == nil {
			var tm time.Time
			tm, err = time.Parse(time.RFC3339Nano, s)
			v = DatetimeValue(tm)
		}
	case KeywordList:
		var l []string
		err = json.Unmarshal(p.GetData(), &l)
		v = KeywordListValue(l...)
	}
	if err != nil {
		return Value{}, fmt.Errorf("decode %s search attribute: %w", t, err)
	}
	return v, nil
}

// StatusName is the ExecutionStatus value of a run status ("Running", ...),
// as queries spell it.
func StatusName(s journalpb.WorkflowStatus) string {
	switch s {
	case journalpb.WorkflowStatus_WORKFLOW_STATUS_RUNNING:
		return "Running"
	case journalpb.WorkflowStatus_WORKFLOW_STATUS_COMPLETED:
		return "Completed"
	case journalpb.WorkflowStatus_WORKFLOW_STATUS_FAILED:
		return "Failed"
	case journalpb.WorkflowStatus_WORKFLOW_STATUS_CANCELED:
		return "Canceled"
	case journalpb.WorkflowStatus_WORKFLOW_STATUS_TERMINATED:
		return "Terminated"
	case journalpb.WorkflowStatus_WORKFLOW_STATUS_CONTINUED_AS_NEW:
		return "ContinuedAsNew"
	case journalpb.WorkflowStatus_WORKFLOW_STATUS_TIMED_OUT:
		return "TimedOut"
	}
	return s.String()
}

// RecordOf returns the attributes of the run meta describes: the system
// attributes and its custom search attributes. Custom attributes that do
// not decode are left out and reported in the error, with the rest of the
// record still usable.
func RecordOf(meta *journalpb.WorkflowMeta) (Record, error) {
	r := Record{
		"WorkflowId":      KeywordValue(meta.GetWorkflowId()),
		"RunId":           KeywordValue(meta.GetRunId()),
		"WorkflowType":    KeywordValue(meta.GetWorkflowType()),
		"TaskQueue":       KeywordValue(meta.GetTaskQueue()),
		"ExecutionStatus": KeywordValue(StatusName(meta.GetStatus())),
	}
	if meta.GetStartTime() != nil {
		r["StartTime"] = DatetimeValue(meta.GetStartTime().AsTime())
	}
	if meta.GetCloseTime() != nil {
		r["CloseTime"] = DatetimeValue(meta.GetCloseTime().AsTime())
	}
	if meta.GetExecutionTime() != nil {
		r["ExecutionTime"] = DatetimeValue(meta.GetExecutionTime().AsTime())
	} else if meta.GetStartTime() != nil {
		r["ExecutionTime"] = r["StartTime"]
	}
	var firstErr error
	for name, p := range meta.GetSearchAttributes() {
		if _, system := r[name]; system {
			continue
		}
		v, err := DecodePayload(p)
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("search attribute %s: %w", name, err)
			}
			continue
		}
		if v.typ != 0 {
			r[name] = v
		}
	}
	return r, firstErr
}

// Merge applies upserted fields (search attributes or memo) to *dst: a
// payload without data, or JSON null, removes its field.
func Merge(dst *map[string]*journalpb.Payload, upserts map[string]*journalpb.Payload) {
	for k, p := range upserts {
		if len(p.GetData()) == 0 || string(p.GetData()) == "null" {
			delete(*dst, k)
			continue
		}
		if *dst == nil {
			*dst = map[string]*journalpb.Payload{}
		}
		(*dst)[k] = p
	}
}
