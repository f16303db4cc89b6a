package journal

import "slices"

// The journal encodes and decodes its records with the coders vtprotobuf
// generates beside the protobuf types (journalpb/journal_vtproto.pb.go).
// They write and read the same wire format as proto.Marshal and
// proto.Unmarshal, without reflection: the proto runtime walks a map field,
// such as a Payload's metadata, through reflect and allocates for every
// entry, on every event the committer encodes.

// encodable is a journalpb message with generated encoding methods.
type encodable interface {
	SizeVT() int
	MarshalToSizedBufferVT(buf []byte) (int, error)
}

// decodable is a journalpb message with a generated decoding method.
type decodable interface {
	// UnmarshalVT merges the encoded message into the receiver. The
	// journal gives it an empty message, so that it reads as
	// proto.Unmarshal would, except for history records: each record's
	// events are added to those of the records before (decodeRecord).
	UnmarshalVT(data []byte) error
}

// appendEncoded appends the encoding of m to b. On error b is returned as
// it was.
func appendEncoded(b []byte, m encodable) ([]byte, error) {
	n := m.SizeVT()
	start := len(b)
	b = slices.Grow(b, n)[:start+n]
	if _, err := m.MarshalToSizedBufferVT(b[start:]); err != nil {
		return b[:start], err
	}
	return b, nil
}
