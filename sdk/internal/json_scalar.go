package internal

import (
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// Most workflow and activity arguments and results are plain strings and
// integers, and encoding/json reaches them through reflection and a pooled
// encoder: for a three-activity workflow that was a few percent of the
// engine's CPU. jsonScalar and decodeJSONScalar handle exactly those
// values by hand and give up on everything else, including every case
// where encoding/json would escape, reject or transform something, so the
// bytes and the decoded values are always the ones encoding/json gives.

// jsonScalar returns the JSON encoding of v, in a slice of its exact size,
// if v is a string, a bool or an integer of a built-in type.
func jsonScalar(v any) ([]byte, bool) {
	var num [20]byte // the longest integer, math.MinInt64, has 20 bytes
	var b []byte
	switch v := v.(type) {
	case string:
		if !plainJSONString(v) {
			return nil, false
		}
		q := make([]byte, len(v)+2)
		q[0], q[len(q)-1] = '"', '"'
		copy(q[1:], v)
		return q, true
	case bool:
		b = strconv.AppendBool(num[:0], v)
	case int:
		b = strconv.AppendInt(num[:0], int64(v), 10)
	case int8:
		b = strconv.AppendInt(num[:0], int64(v), 10)
	case int16:
		b = strconv.AppendInt(num[:0], int64(v), 10)
	case int32:
		b = strconv.AppendInt(num[:0], int64(v), 10)
	case int64:
		b = strconv.AppendInt(num[:0], v, 10)
	case uint:
		b = strconv.AppendUint(num[:0], uint64(v), 10)
	case uint16:
		b = strconv.AppendUint(num[:0], uint64(v), 10)
	case uint32:
		b = strconv.AppendUint(num[:0], uint64(v), 10)
	case uint64:
		b = strconv.AppendUint(num[:0], v, 10)
	default:
		// uint8 is left out on purpose: a []uint8 is base64 to
		// encoding/json, and keeping all byte-typed values on one path
		// avoids surprises.
		return nil, false
	}
	return append([]byte(nil), b...), true
}

// plainJSONString reports whether encoding/json writes s between quotes as
// it is: printable ASCII without the characters it escapes (the quote, the
// backslash and, for HTML safety, <, > and &).
func plainJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= utf8.RuneSelf, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// decodeJSONScalar decodes data into *valuePtr if valuePtr points to a
// string, a bool or a built-in integer and data is the plain form
// jsonScalar writes (a quoted string without escapes, true or false,
// a decimal integer in range). It reports whether it did; on false nothing
// was changed and encoding/json must decide, including what error to give.
// valuePtr must not be a nil pointer.
func decodeJSONScalar(data []byte, valuePtr any) bool {
	switch p := valuePtr.(type) {
	case *string:
		s, ok := plainQuoted(data)
		if ok {
			*p = s
		}
		return ok
	case *bool:
		switch string(data) {
		case "true":
			*p = true
		case "false":
			*p = false
		default:
			return false
		}
		return true
	case *int:
		return decodeJSONSigned(data, p)
	case *int8:
		return decodeJSONSigned(data, p)
	case *int16:
		return decodeJSONSigned(data, p)
	case *int32:
		return decodeJSONSigned(data, p)
	case *int64:
		return decodeJSONSigned(data, p)
	case *uint:
		return decodeJSONUnsigned(data, p)
	case *uint16:
		return decodeJSONUnsigned(data, p)
	case *uint32:
		return decodeJSONUnsigned(data, p)
	case *uint64:
		return decodeJSONUnsigned(data, p)
	}
	return false
}

// plainQuoted returns the text between the quotes of data if data is a
// JSON string whose text needs no unescaping or UTF-8 repair.
func plainQuoted(data []byte) (string, bool) {
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return "", false
	}
	inner := data[1 : len(data)-1]
	for _, c := range inner {
		if c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' {
			return "", false
		}
	}
	return string(inner), true
}

// plainJSONInteger reports whether data is a JSON integer: an optional
// minus and digits without a leading zero (a lone 0 aside).
func plainJSONInteger(data []byte) bool {
	digits := data
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || (digits[0] == '0' && len(digits) > 1) {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// decodeJSONSigned sets *p to the integer data holds if it is a plain JSON
// integer within T's range.
func decodeJSONSigned[T int | int8 | int16 | int32 | int64](data []byte, p *T) bool {
	if !plainJSONInteger(data) {
		return false
	}
	n, err := strconv.ParseInt(string(data), 10, int(unsafe.Sizeof(*p))*8)
	if err != nil {
		return false // out of range: encoding/json words the error
	}
	*p = T(n)
	return true
}

// decodeJSONUnsigned is decodeJSONSigned for unsigned T.
func decodeJSONUnsigned[T uint | uint16 | uint32 | uint64](data []byte, p *T) bool {
	if !plainJSONInteger(data) || data[0] == '-' {
		return false
	}
	n, err := strconv.ParseUint(string(data), 10, int(unsafe.Sizeof(*p))*8)
	if err != nil {
		return false
	}
	*p = T(n)
	return true
}
