package internal

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// MetadataEncoding is the payload metadata key that names the encoding.
const MetadataEncoding = "encoding"

// Encodings of the default payload converters.
const (
	EncodingNull      = "binary/null"
	EncodingByteSlice = "binary/plain"
	EncodingProto     = "binary/protobuf"
	EncodingProtoJSON = "json/protobuf"
	EncodingJSON      = "json/plain"
)

// DataConverter turns values into payloads and back. Workflow arguments,
// results, signals, queries and activity inputs all pass through one.
type DataConverter interface {
	ToPayload(value any) (*journalpb.Payload, error)
	FromPayload(payload *journalpb.Payload, valuePtr any) error
	ToPayloads(value ...any) (*journalpb.Payloads, error)
	FromPayloads(payloads *journalpb.Payloads, valuePtrs ...any) error
	ToString(input *journalpb.Payload) string
	ToStrings(input *journalpb.Payloads) []string
}

// PayloadConverter converts values of one encoding. ToPayload returns a nil
// payload and no error for a value it does not handle.
type PayloadConverter interface {
	ToPayload(value any) (*journalpb.Payload, error)
	FromPayload(payload *journalpb.Payload, valuePtr any) error
	ToString(*journalpb.Payload) string
	Encoding() string
}

// CompositeDataConverter tries its payload converters in order when encoding
// and picks the one named by the payload's encoding when decoding.
type CompositeDataConverter struct {
	converters []PayloadConverter
	byEncoding map[string]PayloadConverter
}

// NewCompositeDataConverter returns a DataConverter over the given payload
// converters, tried in order.
func NewCompositeDataConverter(converters ...PayloadConverter) DataConverter {
	c := &CompositeDataConverter{converters: converters, byEncoding: make(map[string]PayloadConverter, len(converters))}
	for _, pc := range converters {
		c.byEncoding[pc.Encoding()] = pc
	}
	return c
}

var defaultDataConverter = NewCompositeDataConverter(
	NilPayloadConverter{},
	ByteSlicePayloadConverter{},
	ProtoJSONPayloadConverter{},
	ProtoPayloadConverter{},
	JSONPayloadConverter{},
)

// GetDefaultDataConverter returns the converter used when none is set: nil,
// []byte, protobuf messages (as protojson) and everything else as JSON.
func GetDefaultDataConverter() DataConverter { return defaultDataConverter }

func (c *CompositeDataConverter) ToPayload(value any) (*journalpb.Payload, error) {
	for _, pc := range c.converters {
		p, err := pc.ToPayload(value)
		if err != nil {
			return nil, err
		}
		if p != nil {
			return p, nil
		}
	}
	return nil, fmt.Errorf("converter: no payload converter accepts a value of type %T", value)
}

func (c *CompositeDataConverter) FromPayload(payload *journalpb.Payload, valuePtr any) error {
	if payload == nil {
		return nil
	}
	enc := string(payload.GetMetadata()[MetadataEncoding])
	pc, ok := c.byEncoding[enc]
	if !ok {
		return fmt.Errorf("converter: payload has unknown encoding %q", enc)
	}
	return pc.FromPayload(payload, valuePtr)
}

func (c *CompositeDataConverter) ToPayloads(values ...any) (*journalpb.Payloads, error) {
	if len(values) == 0 {
		return nil, nil
	}
	out := &journalpb.Payloads{Payloads: make([]*journalpb.Payload, 0, len(values))}
	for i, v := range values {
		p, err := c.ToPayload(v)
		if err != nil {
			return nil, fmt.Errorf("value %d: %w", i, err)
		}
		out.Payloads = append(out.Payloads, p)
	}
	return out, nil
}

func (c *CompositeDataConverter) FromPayloads(payloads *journalpb.Payloads, valuePtrs ...any) error {
	for i, p := range payloads.GetPayloads() {
		if i >= len(valuePtrs) {
			break
		}
		if err := c.FromPayload(p, valuePtrs[i]); err != nil {
			return fmt.Errorf("value %d: %w", i, err)
		}
	}
	return nil
}

func (c *CompositeDataConverter) ToString(payload *journalpb.Payload) string {
	if pc, ok := c.byEncoding[string(payload.GetMetadata()[MetadataEncoding])]; ok {
		return pc.ToString(payload)
	}
	return fmt.Sprintf("unknown encoding: %q", payload.GetData())
}

func (c *CompositeDataConverter) ToStrings(payloads *journalpb.Payloads) []string {
	out := make([]string, 0, len(payloads.GetPayloads()))
	for _, p := range payloads.GetPayloads() {
		out = append(out, c.ToString(p))
	}
	return out
}

func newPayload(encoding string, data []byte) *journalpb.Payload {
	return &journalpb.Payload{Metadata: map[string][]byte{MetadataEncoding: []byte(encoding)}, Data: data}
}

// settable returns the element valuePtr points to, or an error naming the problem.
func settable(valuePtr any) (reflect.Value, error) {
	v := reflect.ValueOf(valuePtr)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return reflect.Value{}, fmt.Errorf("converter: target must be a non-nil pointer, got %T", valuePtr)
	}
	return v.Elem(), nil
}

// NilPayloadConverter encodes nil.
type NilPayloadConverter struct{}

func (NilPayloadConverter) ToPayload(value any) (*journalpb.Payload, error) {
	if value == nil {
		return newPayload(EncodingNull, nil), nil
	}
	if rv := reflect.ValueOf(value); (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Map || rv.Kind() == reflect.Slice ||
		rv.Kind() == reflect.Interface) && rv.IsNil() && rv.Type() != reflect.TypeOf([]byte(nil)) {
		return newPayload(EncodingNull, nil), nil
	}
	return nil, nil
}

func (NilPayloadConverter) FromPayload(_ *journalpb.Payload, valuePtr any) error {
	v, err := settable(valuePtr)
	if err != nil {
		return err
	}
	v.Set(reflect.Zero(v.Type()))
	return nil
}

func (NilPayloadConverter) ToString(*journalpb.Payload) string { return "nil" }
func (NilPayloadConverter) Encoding() string                   { return EncodingNull }

// ByteSlicePayloadConverter passes []byte through unchanged.
type ByteSlicePayloadConverter struct{}

func (ByteSlicePayloadConverter) ToPayload(value any) (*journalpb.Payload, error) {
	if b, ok := value.([]byte); ok {
		return newPayload(EncodingByteSlice, b), nil
	}
	return nil, nil
}

func (ByteSlicePayloadConverter) FromPayload(payload *journalpb.Payload, valuePtr any) error {
	v, err := settable(valuePtr)
	if err != nil {
		return err
	}
	switch {
	case v.Type() == reflect.TypeOf([]byte(nil)):
		v.SetBytes(payload.GetData())
	case v.Kind() == reflect.Interface && v.NumMethod() == 0:
		v.Set(reflect.ValueOf(payload.GetData()))
	default:
		return fmt.Errorf("converter: cannot decode %s into %s", EncodingByteSlice, v.Type())
	}
	return nil
}

func (ByteSlicePayloadConverter) ToString(p *journalpb.Payload) string {
	return fmt.Sprintf("%x", p.GetData())
}
func (ByteSlicePayloadConverter) Encoding() string { return EncodingByteSlice }

// ProtoJSONPayloadConverter encodes protobuf messages as protojson, readable
// in histories.
type ProtoJSONPayloadConverter struct{}

func (ProtoJSONPayloadConverter) ToPayload(value any) (*journalpb.Payload, error) {
	m, ok := value.(proto.Message)
	if !ok {
		return nil, nil
	}
	b, err := protojson.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("converter: encode %T as protojson: %w", value, err)
	}
	p := newPayload(EncodingProtoJSON, b)
	p.Metadata["messageType"] = []byte(m.ProtoReflect().Descriptor().FullName())
	return p, nil
}

func (ProtoJSONPayloadConverter) FromPayload(payload *journalpb.Payload, valuePtr any) error {
	m, err := protoTarget(valuePtr)
	if err != nil {
		return err
	}
	return protojson.Unmarshal(payload.GetData(), m)
}

func (ProtoJSONPayloadConverter) ToString(p *journalpb.Payload) string { return string(p.GetData()) }
func (ProtoJSONPayloadConverter) Encoding() string                     { return EncodingProtoJSON }

// ProtoPayloadConverter decodes protobuf messages in binary form. It encodes
// only when placed before ProtoJSONPayloadConverter in a composite.
type ProtoPayloadConverter struct{}

func (ProtoPayloadConverter) ToPayload(value any) (*journalpb.Payload, error) {
	m, ok := value.(proto.Message)
	if !ok {
		return nil, nil
	}
	b, err := proto.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("converter: encode %T as protobuf: %w", value, err)
	}
	p := newPayload(EncodingProto, b)
	p.Metadata["messageType"] = []byte(m.ProtoReflect().Descriptor().FullName())
	return p, nil
}

func (ProtoPayloadConverter) FromPayload(payload *journalpb.Payload, valuePtr any) error {
	m, err := protoTarget(valuePtr)
	if err != nil {
		return err
	}
	return proto.Unmarshal(payload.GetData(), m)
}

func (ProtoPayloadConverter) ToString(p *journalpb.Payload) string {
	return fmt.Sprintf("%x", p.GetData())
}
func (ProtoPayloadConverter) Encoding() string { return EncodingProto }

// protoTarget returns the message to decode into: valuePtr itself, or a new
// message stored into *valuePtr when it is a pointer to a nil message pointer.
func protoTarget(valuePtr any) (proto.Message, error) {
	if m, ok := valuePtr.(proto.Message); ok && !reflect.ValueOf(m).IsNil() {
		return m, nil
	}
	v, err := settable(valuePtr)
	if err != nil {
		return nil, err
	}
	if v.Kind() == reflect.Pointer {
		if _, ok := reflect.New(v.Type().Elem()).Interface().(proto.Message); ok {
			v.Set(reflect.New(v.Type().Elem()))
			return v.Interface().(proto.Message), nil
		}
	}
	return nil, fmt.Errorf("converter: cannot decode a protobuf payload into %s", v.Type())
}

// JSONPayloadConverter encodes any value with encoding/json.
type JSONPayloadConverter struct{}

func (JSONPayloadConverter) ToPayload(value any) (*journalpb.Payload, error) {
	b, err := json.Marshal(value)
	if err != nil {
		return nil, fmt.Errorf("converter: encode %T as JSON: %w", value, err)
	}
	return newPayload(EncodingJSON, b), nil
}

func (JSONPayloadConverter) FromPayload(payload *journalpb.Payload, valuePtr any) error {
	if _, err := settable(valuePtr); err != nil {
		return err
	}
	if err := json.Unmarshal(payload.GetData(), valuePtr); err != nil {
		return fmt.Errorf("converter: decode JSON into %T: %w", valuePtr, err)
	}
	return nil
}

func (JSONPayloadConverter) ToString(p *journalpb.Payload) string { return string(p.GetData()) }
func (JSONPayloadConverter) Encoding() string                     { return EncodingJSON }

// EncodedValue is one value still in its encoded form.
type EncodedValue interface {
	HasValue() bool
	Get(valuePtr any) error
}

// EncodedValues is a list of values still in their encoded form.
type EncodedValues interface {
	HasValues() bool
	Get(valuePtr ...any) error
}

// ErrNoValue is returned by Get on an empty encoded value.
var ErrNoValue = errors.New("converter: no value to decode")

type encodedValue struct {
	payload *journalpb.Payload
	dc      DataConverter
}

// NewEncodedValue wraps one payload for later decoding with dc.
func NewEncodedValue(payload *journalpb.Payload, dc DataConverter) EncodedValue {
	if dc == nil {
		dc = GetDefaultDataConverter()
	}
	return encodedValue{payload: payload, dc: dc}
}

func (v encodedValue) HasValue() bool { return v.payload != nil }

func (v encodedValue) Get(valuePtr any) error {
	if v.payload == nil {
		return ErrNoValue
	}
	return v.dc.FromPayload(v.payload, valuePtr)
}

type encodedValues struct {
	payloads *journalpb.Payloads
	dc       DataConverter
}

// NewEncodedValues wraps payloads for later decoding with dc.
func NewEncodedValues(payloads *journalpb.Payloads, dc DataConverter) EncodedValues {
	if dc == nil {
		dc = GetDefaultDataConverter()
	}
	return encodedValues{payloads: payloads, dc: dc}
}

func (v encodedValues) HasValues() bool { return len(v.payloads.GetPayloads()) > 0 }

func (v encodedValues) Get(valuePtr ...any) error {
	if !v.HasValues() {
		return ErrNoValue
	}
	return v.dc.FromPayloads(v.payloads, valuePtr...)
}
