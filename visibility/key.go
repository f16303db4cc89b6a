package visibility

import (
	"encoding/binary"
	"math"
	"slices"
	"time"
)

// EncodeKey returns v encoded for use in an index key: for two values of
// the same type, bytes.Compare of their encodings orders them as the values
// are ordered. The encodings of one type are prefix-free, so a key can hold
// more after the encoded value (such as a run ID) without disturbing the
// order or letting a lookup of 'ab' also find 'abc'. Values of different
// types are not comparable; keep them under different key prefixes.
//
//   - Int: 8 bytes, big-endian, with the sign bit flipped so negative numbers
//     sort first.
//   - Double: 8 bytes, the IEEE 754 bits with the sign bit flipped for
//     positive numbers and all bits flipped for negative ones. -0 is encoded
//     as +0 and every NaN as one NaN that sorts after +Inf.
//   - Datetime: the Unix time in nanoseconds, encoded as an Int. Instants
//     before 1678 or after 2262, outside that range, are clamped to its ends.
//   - Keyword and Text: the bytes, with each 0x00 written as 0x00 0xFF,
//     followed by the terminator 0x00 0x01.
//   - Bool: one byte, 0 for false and 1 for true.
//   - KeywordList: each element as 0x01 followed by its Keyword encoding,
//     then 0x00; lists sort element by element, a list before its
//     extensions. To find runs by one element, index each element as a
//     Keyword instead.
//
// The zero (NULL) Value encodes as nil.
func EncodeKey(v Value) []byte {
	switch v.typ {
	case Keyword, Text:
		return appendString(nil, v.str)
	case Int:
		return appendInt(nil, v.num)
	case Double:
		f := v.dbl
		switch {
		case f == 0:
			f = 0 // turns -0 into +0
		case math.IsNaN(f):
			f = math.NaN()
		}
		bits := math.Float64bits(f)
		if bits>>63 == 0 {
			bits |= 1 << 63
		} else {
			bits = ^bits
		}
		return binary.BigEndian.AppendUint64(nil, bits)
	case Bool:
		if v.b {
			return []byte{1}
		}
		return []byte{0}
	case Datetime:
		return appendInt(nil, unixNano(v.t))
	case KeywordList:
		var b []byte
		for _, s := range v.list {
			b = appendString(append(b, 1), s)
		}
		return append(b, 0)
	}
	return nil
}

// AppendKeywordKey appends the encoding of the Keyword s, EncodeKey's for
// KeywordValue(s), to b: for callers that build a longer key in one buffer.
func AppendKeywordKey(b []byte, s string) []byte { return appendString(b, s) }

// appendInt appends the order-preserving encoding of n to b.
func appendInt(b []byte, n int64) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(n)^(1<<63))
}

// appendString appends the order-preserving, prefix-free encoding of s to b.
func appendString(b []byte, s string) []byte {
	b = slices.Grow(b, len(s)+2)
	for i := 0; i < len(s); i++ {
		b = append(b, s[i])
		if s[i] == 0 {
			b = append(b, 0xFF)
		}
	}
	return append(b, 0, 1)
}

// The instants whose Unix time in nanoseconds fits an int64.
var (
	minUnixNano = time.Unix(0, math.MinInt64)
	maxUnixNano = time.Unix(0, math.MaxInt64)
)

// unixNano returns t as Unix nanoseconds, clamped to the range of int64.
func unixNano(t time.Time) int64 {
	switch {
	case t.Before(minUnixNano):
		return math.MinInt64
	case t.After(maxUnixNano):
		return math.MaxInt64
	}
	return t.UnixNano()
}
