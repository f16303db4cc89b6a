// Package converter turns values into payloads and back, as the Temporal Go
// SDK's converter package does. The default converter handles nil, []byte,
// protobuf messages (as protojson) and everything else as JSON.
package converter

import "github.com/grainflow/grainflow/sdk/internal"

type (
	// DataConverter converts values to payloads and back.
	DataConverter = internal.DataConverter
	// PayloadConverter converts values of one encoding.
	PayloadConverter = internal.PayloadConverter
	// EncodedValue is one value in its encoded form.
	EncodedValue = internal.EncodedValue
	// EncodedValues is a list of values in their encoded form.
	EncodedValues = internal.EncodedValues
	// NilPayloadConverter encodes nil.
	NilPayloadConverter = internal.NilPayloadConverter
	// ByteSlicePayloadConverter passes []byte through.
	ByteSlicePayloadConverter = internal.ByteSlicePayloadConverter
	// ProtoJSONPayloadConverter encodes protobuf messages as protojson.
	ProtoJSONPayloadConverter = internal.ProtoJSONPayloadConverter
	// ProtoPayloadConverter encodes protobuf messages in binary.
	ProtoPayloadConverter = internal.ProtoPayloadConverter
	// JSONPayloadConverter encodes values with encoding/json.
	JSONPayloadConverter = internal.JSONPayloadConverter
)

// MetadataEncoding is the payload metadata key naming the encoding.
const MetadataEncoding = internal.MetadataEncoding

// ErrNoValue is returned when decoding an empty encoded value.
var ErrNoValue = internal.ErrNoValue

// GetDefaultDataConverter returns the default converter.
func GetDefaultDataConverter() DataConverter { return internal.GetDefaultDataConverter() }

// NewCompositeDataConverter returns a converter over payload converters,
// tried in order when encoding.
func NewCompositeDataConverter(converters ...PayloadConverter) DataConverter {
	return internal.NewCompositeDataConverter(converters...)
}
