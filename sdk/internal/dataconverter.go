package internal

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// Payload metadata keys, and the encodings of the default payload
// converters. A payload's "encoding" metadata names the converter that
// decodes it, so histories stay readable by a worker whose converter lists
// the converters in another order.
const (
	MetadataEncoding          = "encoding"
	MetadataMessageType       = "messageType"
	MetadataEncodingNil       = "binary/null"
	MetadataEncodingBinary    = "binary/plain"
	MetadataEncodingProto     = "binary/protobuf"
	MetadataEncodingProtoJSON = "json/protobuf"
	MetadataEncodingJSON      = "json/plain"
)

// Errors the converters wrap, so that callers can tell failures apart with
// errors.Is.
var (
	ErrMetadataIsNotSet             = errors.New("converter: payload has no metadata")
	ErrEncodingIsNotSet             = errors.New("converter: payload has no encoding metadata")
	ErrEncodingIsNotSupported       = errors.New("converter: payload encoding is not supported")
	ErrUnableToEncode               = errors.New("converter: unable to encode")
	ErrUnableToDecode               = errors.New("converter: unable to decode")
	ErrUnableToFindConverter        = errors.New("converter: no payload converter accepts the value")
	ErrTypeNotImplementProtoMessage = errors.New("converter: type does not implement proto.Message")
	ErrValuePtrIsNotPointer         = errors.New("converter: target is not a non-nil pointer")
	ErrValuePtrMustConcreteType     = errors.New("converter: target must be a concrete type, not an interface")
	ErrTypeIsNotByteSlice           = errors.New("converter: target is not a byte slice")
)

// ErrNoData is returned when decoding values, details or heartbeat details
// that are not there.
var ErrNoData = errors.New("no data available")

// DataConverter turns values into payloads and back. Workflow arguments and
// results, signals, queries, activity inputs and results, heartbeat and
// error details all pass through one.
type DataConverter interface {
	// ToPayload encodes one value.
	ToPayload(value any) (*journalpb.Payload, error)
	// FromPayload decodes one payload into the value valuePtr points to.
	FromPayload(payload *journalpb.Payload, valuePtr any) error
	// ToPayloads encodes values in order, for example a call's arguments.
	ToPayloads(value ...any) (*journalpb.Payloads, error)
	// FromPayloads decodes payloads in order into valuePtrs. Payloads beyond
	// len(valuePtrs) are ignored; pointers beyond the payloads are left as
	// they are.
	FromPayloads(payloads *journalpb.Payloads, valuePtrs ...any) error
	// ToString renders a payload for people (logs, describe output).
	ToString(input *journalpb.Payload) string
	// ToStrings renders each payload with ToString.
	ToStrings(input *journalpb.Payloads) []string
}

// PayloadConverter converts the values of one encoding.
type PayloadConverter interface {
	// ToPayload encodes value, or returns a nil payload and no error if the
	// converter does not handle values of its type, so that a composite
	// converter tries the next one.
	ToPayload(value any) (*journalpb.Payload, error)
	// FromPayload decodes a payload of this converter's encoding into the
	// value valuePtr points to, or returns an error if the target's type
	// does not fit.
	FromPayload(payload *journalpb.Payload, valuePtr any) error
	// ToString renders a payload of this encoding for people.
	ToString(*journalpb.Payload) string
	// Encoding is the value of the "encoding" metadata this converter
	// writes and reads.
	Encoding() string
}

// CompositeDataConverter is a DataConverter over payload converters. It
// encodes a value with the first converter that accepts it and decodes a
// payload with the converter its encoding names.
type CompositeDataConverter struct {
	converters []PayloadConverter
	byEncoding map[string]PayloadConverter
}

// NewCompositeDataConverter returns a DataConverter that tries converters in
// the order given. If two converters share an encoding, the first decodes.
func NewCompositeDataConverter(converters ...PayloadConverter) DataConverter {
	c := &CompositeDataConverter{converters: converters, byEncoding: make(map[string]PayloadConverter, len(converters))}
	for _, pc := range converters {
		if _, taken := c.byEncoding[pc.Encoding()]; !taken {
			c.byEncoding[pc.Encoding()] = pc
		}
	}
	return c
}

var defaultDataConverter = NewCompositeDataConverter(
	NewNilPayloadConverter(),
	NewByteSlicePayloadConverter(),
	NewProtoJSONPayloadConverter(),
	NewProtoPayloadConverter(),
	NewJSONPayloadConverter(),
)

// GetDefaultDataConverter returns the converter used when none is set. It
// encodes nil (binary/null), []byte (binary/plain), protobuf messages
// (json/protobuf) and everything else as JSON (json/plain), and decodes all
// of these plus binary protobuf (binary/protobuf).
func GetDefaultDataConverter() DataConverter { return defaultDataConverter }

// ToPayload encodes value with the first payload converter that accepts it.
// A RawValue is passed through as it is.
func (c *CompositeDataConverter) ToPayload(value any) (*journalpb.Payload, error) {
	if raw, ok := value.(RawValue); ok {
		return raw.Payload(), nil
	}
	for _, pc := range c.converters {
		p, err := pc.ToPayload(value)
		if err != nil {
			return nil, err
		}
		if p != nil {
			return p, nil
		}
	}
	return nil, fmt.Errorf("value of type %T: %w", value, ErrUnableToFindConverter)
}

// FromPayload decodes payload with the converter its encoding names. A nil
// payload leaves the target unchanged; a *RawValue target receives the
// payload itself.
func (c *CompositeDataConverter) FromPayload(payload *journalpb.Payload, valuePtr any) error {
	if payload == nil {
		return nil
	}
	if raw, ok := valuePtr.(*RawValue); ok {
		*raw = NewRawValue(payload)
		return nil
	}
	pc, err := c.converterOf(payload)
	if err != nil {
		return err
	}
	return pc.FromPayload(payload, valuePtr)
}

// converterOf returns the payload converter named by the payload's encoding.
func (c *CompositeDataConverter) converterOf(payload *journalpb.Payload) (PayloadConverter, error) {
	if payload.GetMetadata() == nil {
		return nil, ErrMetadataIsNotSet
	}
	enc, ok := payload.GetMetadata()[MetadataEncoding]
	if !ok {
		return nil, ErrEncodingIsNotSet
	}
	pc, ok := c.byEncoding[string(enc)]
	if !ok {
		return nil, fmt.Errorf("encoding %q: %w", enc, ErrEncodingIsNotSupported)
	}
	return pc, nil
}

// ToPayloads encodes values in order; no values give nil payloads.
func (c *CompositeDataConverter) ToPayloads(values ...any) (*journalpb.Payloads, error) {
	if len(values) == 0 {
		return nil, nil
	}
	var out *journalpb.Payloads
	if len(values) == 1 {
		// Most calls encode one value: the message and its slice in one
		// allocation.
		one := &struct {
			payloads journalpb.Payloads
			slot     [1]*journalpb.Payload
		}{}
		out = &one.payloads
		out.Payloads = one.slot[:0]
	} else {
		out = &journalpb.Payloads{Payloads: make([]*journalpb.Payload, 0, len(values))}
	}
	for i, v := range values {
		p, err := c.ToPayload(v)
		if err != nil {
			return nil, fmt.Errorf("value %d: %w", i+1, err)
		}
		out.Payloads = append(out.Payloads, p)
	}
	return out, nil
}

// FromPayloads decodes payloads in order into valuePtrs.
func (c *CompositeDataConverter) FromPayloads(payloads *journalpb.Payloads, valuePtrs ...any) error {
	for i, p := range payloads.GetPayloads() {
		if i >= len(valuePtrs) {
			break
		}
		if err := c.FromPayload(p, valuePtrs[i]); err != nil {
			return fmt.Errorf("value %d: %w", i+1, err)
		}
	}
	return nil
}

// ToString renders payload with the converter its encoding names, or says
// why it cannot.
func (c *CompositeDataConverter) ToString(payload *journalpb.Payload) string {
	if payload == nil {
		return ""
	}
	pc, err := c.converterOf(payload)
	if err != nil {
		return err.Error()
	}
	return pc.ToString(payload)
}

// ToStrings renders each payload with ToString.
func (c *CompositeDataConverter) ToStrings(payloads *journalpb.Payloads) []string {
	if payloads == nil {
		return nil
	}
	out := make([]string, 0, len(payloads.GetPayloads()))
	for _, p := range payloads.GetPayloads() {
		out = append(out, c.ToString(p))
	}
	return out
}

func newPayload(encoding string, data []byte) *journalpb.Payload {
	return &journalpb.Payload{Metadata: map[string][]byte{MetadataEncoding: encodingBytes(encoding)}, Data: data}
}

// The encodings of the built-in converters as metadata values. Payloads
// of these encodings share them rather than copying the name each time
// (every argument, result and signal is a payload): metadata values are
// read, and replaced rather than changed in place.
var (
	encodingNilBytes       = []byte(MetadataEncodingNil)
	encodingBinaryBytes    = []byte(MetadataEncodingBinary)
	encodingProtoBytes     = []byte(MetadataEncodingProto)
	encodingProtoJSONBytes = []byte(MetadataEncodingProtoJSON)
	encodingJSONBytes      = []byte(MetadataEncodingJSON)
)

// encodingBytes returns encoding as a metadata value.
func encodingBytes(encoding string) []byte {
	switch encoding {
	case MetadataEncodingJSON:
		return encodingJSONBytes
	case MetadataEncodingNil:
		return encodingNilBytes
	case MetadataEncodingBinary:
		return encodingBinaryBytes
	case MetadataEncodingProto:
		return encodingProtoBytes
	case MetadataEncodingProtoJSON:
		return encodingProtoJSONBytes
	}
	return []byte(encoding)
}

// decodeTarget returns the value valuePtr points to, ready to be set.
func decodeTarget(valuePtr any) (reflect.Value, error) {
	v := reflect.ValueOf(valuePtr)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return reflect.Value{}, fmt.Errorf("got %T: %w", valuePtr, ErrValuePtrIsNotPointer)
	}
	return v.Elem(), nil
}

// NilPayloadConverter encodes nil and nil pointers as binary/null, and
// decodes binary/null as the target's zero value.
type NilPayloadConverter struct{}

// NewNilPayloadConverter returns a NilPayloadConverter.
func NewNilPayloadConverter() *NilPayloadConverter { return &NilPayloadConverter{} }

// ToPayload encodes nil and nil pointers and declines everything else.
func (NilPayloadConverter) ToPayload(value any) (*journalpb.Payload, error) {
	if value == nil {
		return newPayload(MetadataEncodingNil, nil), nil
	}
	if v := reflect.ValueOf(value); v.Kind() == reflect.Pointer && v.IsNil() {
		return newPayload(MetadataEncodingNil, nil), nil
	}
	return nil, nil
}

// FromPayload sets the target to its zero value.
func (NilPayloadConverter) FromPayload(_ *journalpb.Payload, valuePtr any) error {
	v, err := decodeTarget(valuePtr)
	if err != nil {
		return err
	}
	v.SetZero()
	return nil
}

// ToString returns "nil".
func (NilPayloadConverter) ToString(*journalpb.Payload) string { return "nil" }

// Encoding returns MetadataEncodingNil.
func (NilPayloadConverter) Encoding() string { return MetadataEncodingNil }

// ByteSlicePayloadConverter stores a []byte as the payload's data, unchanged.
type ByteSlicePayloadConverter struct{}

// NewByteSlicePayloadConverter returns a ByteSlicePayloadConverter.
func NewByteSlicePayloadConverter() *ByteSlicePayloadConverter { return &ByteSlicePayloadConverter{} }

// ToPayload encodes a []byte and declines everything else.
func (ByteSlicePayloadConverter) ToPayload(value any) (*journalpb.Payload, error) {
	if b, ok := value.([]byte); ok {
		return newPayload(MetadataEncodingBinary, b), nil
	}
	return nil, nil
}

// FromPayload decodes into a byte slice type or an interface that []byte
// satisfies (such as any).
func (ByteSlicePayloadConverter) FromPayload(payload *journalpb.Payload, valuePtr any) error {
	v, err := decodeTarget(valuePtr)
	if err != nil {
		return err
	}
	data := payload.GetData()
	switch {
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8:
		v.SetBytes(data)
	case v.Kind() == reflect.Interface && reflect.TypeFor[[]byte]().Implements(v.Type()):
		v.Set(reflect.ValueOf(data))
	default:
		return fmt.Errorf("decoding %s into %s: %w", MetadataEncodingBinary, v.Type(), ErrTypeIsNotByteSlice)
	}
	return nil
}

// ToString returns the data in base64.
func (ByteSlicePayloadConverter) ToString(p *journalpb.Payload) string {
	return base64.RawStdEncoding.EncodeToString(p.GetData())
}

// Encoding returns MetadataEncodingBinary.
func (ByteSlicePayloadConverter) Encoding() string { return MetadataEncodingBinary }

// ProtoJSONPayloadConverterOptions configures a ProtoJSONPayloadConverter.
type ProtoJSONPayloadConverterOptions struct {
	// ExcludeProtobufMessageTypes leaves the message's full name out of the
	// payload metadata; decoding then cannot check the target's type.
	ExcludeProtobufMessageTypes bool
	// AllowUnknownFields ignores fields the target message does not have
	// instead of failing.
	AllowUnknownFields bool
	// UseProtoNames writes the .proto field names instead of lowerCamelCase.
	UseProtoNames bool
	// UseEnumNumbers writes enum values as numbers instead of names.
	UseEnumNumbers bool
	// EmitUnpopulated writes fields that hold their zero value.
	EmitUnpopulated bool
}

// ProtoJSONPayloadConverter encodes protobuf messages as protojson
// (json/protobuf), which keeps them readable in histories.
type ProtoJSONPayloadConverter struct {
	options ProtoJSONPayloadConverterOptions
}

// NewProtoJSONPayloadConverter returns a ProtoJSONPayloadConverter with
// default options.
func NewProtoJSONPayloadConverter() *ProtoJSONPayloadConverter {
	return &ProtoJSONPayloadConverter{}
}

// NewProtoJSONPayloadConverterWithOptions returns a ProtoJSONPayloadConverter
// configured by options.
func NewProtoJSONPayloadConverterWithOptions(options ProtoJSONPayloadConverterOptions) *ProtoJSONPayloadConverter {
	return &ProtoJSONPayloadConverter{options: options}
}

// ToPayload encodes a proto.Message and declines everything else.
func (c ProtoJSONPayloadConverter) ToPayload(value any) (*journalpb.Payload, error) {
	m, ok := value.(proto.Message)
	if !ok {
		return nil, nil
	}
	b, err := protojson.MarshalOptions{
		UseProtoNames:   c.options.UseProtoNames,
		UseEnumNumbers:  c.options.UseEnumNumbers,
		EmitUnpopulated: c.options.EmitUnpopulated,
	}.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("%T as %s: %w: %v", value, MetadataEncodingProtoJSON, ErrUnableToEncode, err)
	}
	return newProtoPayload(MetadataEncodingProtoJSON, b, m, c.options.ExcludeProtobufMessageTypes), nil
}

// FromPayload decodes into a protobuf message: valuePtr is either the
// message (*pb.M) or a pointer to a message pointer (**pb.M), which gets a
// new message.
func (c ProtoJSONPayloadConverter) FromPayload(payload *journalpb.Payload, valuePtr any) error {
	m, err := protoTarget(payload, valuePtr)
	if err != nil {
		return err
	}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: c.options.AllowUnknownFields}).Unmarshal(payload.GetData(), m); err != nil {
		return fmt.Errorf("%s into %T: %w: %v", MetadataEncodingProtoJSON, valuePtr, ErrUnableToDecode, err)
	}
	return nil
}

// ToString returns the JSON text.
func (ProtoJSONPayloadConverter) ToString(p *journalpb.Payload) string { return string(p.GetData()) }

// Encoding returns MetadataEncodingProtoJSON.
func (ProtoJSONPayloadConverter) Encoding() string { return MetadataEncodingProtoJSON }

// ExcludeProtobufMessageTypes reports whether payloads omit the message type.
func (c ProtoJSONPayloadConverter) ExcludeProtobufMessageTypes() bool {
	return c.options.ExcludeProtobufMessageTypes
}

// ProtoPayloadConverterOptions configures a ProtoPayloadConverter.
type ProtoPayloadConverterOptions struct {
	// ExcludeProtobufMessageTypes leaves the message's full name out of the
	// payload metadata; decoding then cannot check the target's type.
	ExcludeProtobufMessageTypes bool
}

// ProtoPayloadConverter encodes protobuf messages in binary form
// (binary/protobuf). The default converter decodes this encoding but
// encodes messages as protojson; list this converter before
// ProtoJSONPayloadConverter in a composite to encode in binary.
type ProtoPayloadConverter struct {
	options ProtoPayloadConverterOptions
}

// NewProtoPayloadConverter returns a ProtoPayloadConverter with default options.
func NewProtoPayloadConverter() *ProtoPayloadConverter { return &ProtoPayloadConverter{} }

// NewProtoPayloadConverterWithOptions returns a ProtoPayloadConverter
// configured by options.
func NewProtoPayloadConverterWithOptions(options ProtoPayloadConverterOptions) *ProtoPayloadConverter {
	return &ProtoPayloadConverter{options: options}
}

// ToPayload encodes a proto.Message and declines everything else.
func (c ProtoPayloadConverter) ToPayload(value any) (*journalpb.Payload, error) {
	m, ok := value.(proto.Message)
	if !ok {
		return nil, nil
	}
	b, err := proto.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("%T as %s: %w: %v", value, MetadataEncodingProto, ErrUnableToEncode, err)
	}
	return newProtoPayload(MetadataEncodingProto, b, m, c.options.ExcludeProtobufMessageTypes), nil
}

// FromPayload decodes into a protobuf message, as
// ProtoJSONPayloadConverter.FromPayload does.
func (ProtoPayloadConverter) FromPayload(payload *journalpb.Payload, valuePtr any) error {
	m, err := protoTarget(payload, valuePtr)
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(payload.GetData(), m); err != nil {
		return fmt.Errorf("%s into %T: %w: %v", MetadataEncodingProto, valuePtr, ErrUnableToDecode, err)
	}
	return nil
}

// ToString returns the data in base64.
func (ProtoPayloadConverter) ToString(p *journalpb.Payload) string {
	return base64.RawStdEncoding.EncodeToString(p.GetData())
}

// Encoding returns MetadataEncodingProto.
func (ProtoPayloadConverter) Encoding() string { return MetadataEncodingProto }

// ExcludeProtobufMessageTypes reports whether payloads omit the message type.
func (c ProtoPayloadConverter) ExcludeProtobufMessageTypes() bool {
	return c.options.ExcludeProtobufMessageTypes
}

func newProtoPayload(encoding string, data []byte, m proto.Message, excludeType bool) *journalpb.Payload {
	p := newPayload(encoding, data)
	if !excludeType {
		p.Metadata[MetadataMessageType] = []byte(m.ProtoReflect().Descriptor().FullName())
	}
	return p
}

// protoTarget returns the message to decode payload into: valuePtr itself,
// or a new message stored into *valuePtr when valuePtr points to a message
// pointer. It fails if the payload names a message type other than the
// target's, since protobuf would otherwise decode it into the wrong fields.
func protoTarget(payload *journalpb.Payload, valuePtr any) (proto.Message, error) {
	m, ok := valuePtr.(proto.Message)
	if !ok || reflect.ValueOf(m).IsNil() {
		v, err := decodeTarget(valuePtr)
		if err != nil {
			return nil, err
		}
		switch {
		case v.Kind() == reflect.Interface:
			return nil, fmt.Errorf("decoding a protobuf payload into %s: %w", v.Type(), ErrValuePtrMustConcreteType)
		case v.Kind() != reflect.Pointer || !v.Type().Implements(reflect.TypeFor[proto.Message]()):
			return nil, fmt.Errorf("decoding a protobuf payload into %s: %w", v.Type(), ErrTypeNotImplementProtoMessage)
		}
		v.Set(reflect.New(v.Type().Elem()))
		m = v.Interface().(proto.Message)
	}
	if want, ok := payload.GetMetadata()[MetadataMessageType]; ok {
		if got := m.ProtoReflect().Descriptor().FullName(); string(want) != string(got) {
			return nil, fmt.Errorf("payload holds a %s, target is a %s: %w", want, got, ErrUnableToDecode)
		}
	}
	return m, nil
}

// JSONPayloadConverter encodes any value with encoding/json (json/plain).
type JSONPayloadConverter struct{}

// NewJSONPayloadConverter returns a JSONPayloadConverter.
func NewJSONPayloadConverter() *JSONPayloadConverter { return &JSONPayloadConverter{} }

// ToPayload encodes value as JSON.
func (JSONPayloadConverter) ToPayload(value any) (*journalpb.Payload, error) {
	if b, ok := jsonScalar(value); ok {
		return newPayload(MetadataEncodingJSON, b), nil
	}
	b, err := json.Marshal(value)
	if err != nil {
		return nil, fmt.Errorf("%T as JSON: %w: %v", value, ErrUnableToEncode, err)
	}
	return newPayload(MetadataEncodingJSON, b), nil
}

// FromPayload decodes JSON into the value valuePtr points to.
func (JSONPayloadConverter) FromPayload(payload *journalpb.Payload, valuePtr any) error {
	if _, err := decodeTarget(valuePtr); err != nil {
		return err
	}
	if decodeJSONScalar(payload.GetData(), valuePtr) {
		return nil
	}
	if err := json.Unmarshal(payload.GetData(), valuePtr); err != nil {
		return fmt.Errorf("JSON into %T: %w: %v", valuePtr, ErrUnableToDecode, err)
	}
	return nil
}

// ToString returns the JSON text.
func (JSONPayloadConverter) ToString(p *journalpb.Payload) string { return string(p.GetData()) }

// Encoding returns MetadataEncodingJSON.
func (JSONPayloadConverter) Encoding() string { return MetadataEncodingJSON }

// RawValue is a payload that a CompositeDataConverter passes through
// without converting it: code can take or return a RawValue to handle the
// encoded form itself.
type RawValue struct {
	payload *journalpb.Payload
}

// NewRawValue wraps payload.
func NewRawValue(payload *journalpb.Payload) RawValue { return RawValue{payload: payload} }

// Payload returns the wrapped payload.
func (v RawValue) Payload() *journalpb.Payload { return v.payload }

// EncodedValue is one value still in its encoded form, decoded on demand.
type EncodedValue interface {
	// HasValue reports whether there is a value.
	HasValue() bool
	// Get decodes the value into valuePtr, or returns ErrNoData.
	Get(valuePtr any) error
}

// EncodedValues is a list of values still in their encoded form.
type EncodedValues interface {
	// HasValues reports whether there is at least one value.
	HasValues() bool
	// Get decodes the values in order into valuePtrs, or returns ErrNoData.
	Get(valuePtr ...any) error
}

type encodedValue struct {
	payload *journalpb.Payload
	dc      DataConverter
}

// NewEncodedValue wraps one payload for decoding with dc (the default
// converter if dc is nil).
func NewEncodedValue(payload *journalpb.Payload, dc DataConverter) EncodedValue {
	if dc == nil {
		dc = GetDefaultDataConverter()
	}
	return encodedValue{payload: payload, dc: dc}
}

func (v encodedValue) HasValue() bool { return v.payload != nil }

func (v encodedValue) Get(valuePtr any) error {
	if v.payload == nil {
		return ErrNoData
	}
	return v.dc.FromPayload(v.payload, valuePtr)
}

type encodedValues struct {
	payloads *journalpb.Payloads
	dc       DataConverter
}

// NewEncodedValues wraps payloads for decoding with dc (the default
// converter if dc is nil).
func NewEncodedValues(payloads *journalpb.Payloads, dc DataConverter) EncodedValues {
	if dc == nil {
		dc = GetDefaultDataConverter()
	}
	return encodedValues{payloads: payloads, dc: dc}
}

func (v encodedValues) HasValues() bool { return len(v.payloads.GetPayloads()) > 0 }

func (v encodedValues) Get(valuePtr ...any) error {
	if !v.HasValues() {
		return ErrNoData
	}
	return v.dc.FromPayloads(v.payloads, valuePtr...)
}
