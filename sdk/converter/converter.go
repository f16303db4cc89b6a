// Package converter turns values into payloads and back, as the Temporal Go
// SDK's converter package does, over grainflow's journalpb payloads. The
// default converter handles nil, []byte, protobuf messages (as protojson;
// binary protobuf is decoded too) and everything else as JSON.
package converter

import (
	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/sdk/internal"
)

type (
	// DataConverter converts values to payloads and back.
	DataConverter = internal.DataConverter
	// PayloadConverter converts the values of one encoding.
	PayloadConverter = internal.PayloadConverter
	// CompositeDataConverter tries payload converters in order.
	CompositeDataConverter = internal.CompositeDataConverter
	// EncodedValue is one value in its encoded form.
	EncodedValue = internal.EncodedValue
	// EncodedValues is a list of values in their encoded form.
	EncodedValues = internal.EncodedValues
	// RawValue is a payload that converters pass through unconverted.
	RawValue = internal.RawValue
	// NilPayloadConverter encodes nil as binary/null.
	NilPayloadConverter = internal.NilPayloadConverter
	// ByteSlicePayloadConverter passes []byte through as binary/plain.
	ByteSlicePayloadConverter = internal.ByteSlicePayloadConverter
	// ProtoJSONPayloadConverter encodes protobuf messages as json/protobuf.
	ProtoJSONPayloadConverter = internal.ProtoJSONPayloadConverter
	// ProtoJSONPayloadConverterOptions configures a ProtoJSONPayloadConverter.
	ProtoJSONPayloadConverterOptions = internal.ProtoJSONPayloadConverterOptions
	// ProtoPayloadConverter encodes protobuf messages as binary/protobuf.
	ProtoPayloadConverter = internal.ProtoPayloadConverter
	// ProtoPayloadConverterOptions configures a ProtoPayloadConverter.
	ProtoPayloadConverterOptions = internal.ProtoPayloadConverterOptions
	// JSONPayloadConverter encodes values as json/plain.
	JSONPayloadConverter = internal.JSONPayloadConverter
)

// Payload metadata keys and the encodings of the standard converters.
const (
	MetadataEncoding          = internal.MetadataEncoding
	MetadataMessageType       = internal.MetadataMessageType
	MetadataEncodingNil       = internal.MetadataEncodingNil
	MetadataEncodingBinary    = internal.MetadataEncodingBinary
	MetadataEncodingProto     = internal.MetadataEncodingProto
	MetadataEncodingProtoJSON = internal.MetadataEncodingProtoJSON
	MetadataEncodingJSON      = internal.MetadataEncodingJSON
)

// Errors the converters wrap; test for them with errors.Is.
var (
	ErrMetadataIsNotSet             = internal.ErrMetadataIsNotSet
	ErrEncodingIsNotSet             = internal.ErrEncodingIsNotSet
	ErrEncodingIsNotSupported       = internal.ErrEncodingIsNotSupported
	ErrUnableToEncode               = internal.ErrUnableToEncode
	ErrUnableToDecode               = internal.ErrUnableToDecode
	ErrUnableToFindConverter        = internal.ErrUnableToFindConverter
	ErrTypeNotImplementProtoMessage = internal.ErrTypeNotImplementProtoMessage
	ErrValuePtrIsNotPointer         = internal.ErrValuePtrIsNotPointer
	ErrValuePtrMustConcreteType     = internal.ErrValuePtrMustConcreteType
	ErrTypeIsNotByteSlice           = internal.ErrTypeIsNotByteSlice
)

// GetDefaultDataConverter returns the converter used when none is set.
func GetDefaultDataConverter() DataConverter { return internal.GetDefaultDataConverter() }

// NewCompositeDataConverter returns a converter over payload converters,
// tried in order when encoding.
func NewCompositeDataConverter(payloadConverters ...PayloadConverter) DataConverter {
	return internal.NewCompositeDataConverter(payloadConverters...)
}

// NewNilPayloadConverter returns a NilPayloadConverter.
func NewNilPayloadConverter() *NilPayloadConverter { return internal.NewNilPayloadConverter() }

// NewByteSlicePayloadConverter returns a ByteSlicePayloadConverter.
func NewByteSlicePayloadConverter() *ByteSlicePayloadConverter {
	return internal.NewByteSlicePayloadConverter()
}

// NewProtoJSONPayloadConverter returns a ProtoJSONPayloadConverter.
func NewProtoJSONPayloadConverter() *ProtoJSONPayloadConverter {
	return internal.NewProtoJSONPayloadConverter()
}

// NewProtoJSONPayloadConverterWithOptions returns a ProtoJSONPayloadConverter
// configured by options.
func NewProtoJSONPayloadConverterWithOptions(options ProtoJSONPayloadConverterOptions) *ProtoJSONPayloadConverter {
	return internal.NewProtoJSONPayloadConverterWithOptions(options)
}

// NewProtoPayloadConverter returns a ProtoPayloadConverter.
func NewProtoPayloadConverter() *ProtoPayloadConverter { return internal.NewProtoPayloadConverter() }

// NewProtoPayloadConverterWithOptions returns a ProtoPayloadConverter
// configured by options.
func NewProtoPayloadConverterWithOptions(options ProtoPayloadConverterOptions) *ProtoPayloadConverter {
	return internal.NewProtoPayloadConverterWithOptions(options)
}

// NewJSONPayloadConverter returns a JSONPayloadConverter.
func NewJSONPayloadConverter() *JSONPayloadConverter { return internal.NewJSONPayloadConverter() }

// NewRawValue wraps a payload so that converters pass it through.
func NewRawValue(payload *journalpb.Payload) RawValue { return internal.NewRawValue(payload) }
