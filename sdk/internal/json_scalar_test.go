package internal

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

// The JSON converter's hand-written paths for strings, bools and integers
// must give exactly what encoding/json gives; these values sit on and
// around the edges of what they accept.
var jsonScalarSamples = []any{
	"", "a", "order-42", "with space", "~tilde\x7f", "quote\"", `back\slash`, "<tag>", "a&b", "tab\t",
	"new\nline", "\x00", "é", "\u2028", "\xff", "日本",
	true, false,
	0, 1, -1, math.MaxInt, math.MinInt,
	int8(-128), int16(32767), int32(-5), int64(math.MinInt64),
	uint(7), uint16(65535), uint32(math.MaxUint32), uint64(math.MaxUint64),
	uint8(9), 1.5, []byte("raw"), nil, []string{"x"},
}

func TestJSONScalarEncodingMatchesEncodingJSON(t *testing.T) {
	for _, v := range jsonScalarSamples {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := NewJSONPayloadConverter().ToPayload(v)
		if err != nil {
			t.Fatalf("%#v: %v", v, err)
		}
		if string(got.GetData()) != string(want) {
			t.Errorf("%#v: encoded %q, encoding/json gives %q", v, got.GetData(), want)
		}
	}
	// The fast path is taken for the common values, not only correct when
	// it falls back.
	for _, v := range []any{"order-42", true, -12, int64(1 << 40), uint32(3)} {
		if _, ok := jsonScalar(v); !ok {
			t.Errorf("%#v went through encoding/json", v)
		}
	}
}

func TestJSONScalarDecodingMatchesEncodingJSON(t *testing.T) {
	inputs := []string{
		`"abc"`, `""`, `"a b~"`, `"\u0041"`, `"esc\"aped"`, `"é"`, "\"\xff\"", "\"tab\t\"", `"unterminated`, ` "padded"`,
		`true`, `false`, `null`, `tru`,
		`0`, `-0`, `7`, `-42`, `007`, `1.0`, `1e3`, `-`, `+1`, ` 5`,
		`127`, `128`, `-129`, `32767`, `65536`, `4294967295`, `4294967296`,
		`9223372036854775807`, `9223372036854775808`, `18446744073709551615`, `18446744073709551616`, `-1`,
	}
	targets := []func() any{
		func() any { s := "old"; return &s },
		func() any { b := true; return &b },
		func() any { n := 99; return &n },
		func() any { n := int8(99); return &n },
		func() any { n := int16(99); return &n },
		func() any { n := int32(99); return &n },
		func() any { n := int64(99); return &n },
		func() any { n := uint(99); return &n },
		func() any { n := uint16(99); return &n },
		func() any { n := uint32(99); return &n },
		func() any { n := uint64(99); return &n },
	}
	for _, in := range inputs {
		for _, target := range targets {
			want, got := target(), target()
			wantErr := json.Unmarshal([]byte(in), want)
			gotErr := NewJSONPayloadConverter().FromPayload(newPayload(MetadataEncodingJSON, []byte(in)), got)
			if (wantErr == nil) != (gotErr == nil) {
				t.Errorf("%s into %T: error %v, encoding/json says %v", in, got, gotErr, wantErr)
				continue
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s into %T: decoded %v, encoding/json gives %v",
					in, got, reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem())
			}
		}
	}
	// The converter takes the fast path: decoding an integer allocates
	// nothing, a string only itself (encoding/json allocates more).
	c, n, s := NewJSONPayloadConverter(), 0, ""
	intPayload, strPayload := newPayload(MetadataEncodingJSON, []byte("7")), newPayload(MetadataEncodingJSON, []byte(`"order-42"`))
	if allocs := testing.AllocsPerRun(100, func() { _ = c.FromPayload(intPayload, &n) }); allocs != 0 || n != 7 {
		t.Errorf("decoding 7 into an int: %v allocations, value %d; want 0 and 7", allocs, n)
	}
	if allocs := testing.AllocsPerRun(100, func() { _ = c.FromPayload(strPayload, &s) }); allocs != 1 || s != "order-42" {
		t.Errorf("decoding a plain string: %v allocations, value %q; want 1 and order-42", allocs, s)
	}
}

// FuzzJSONScalar checks both directions against encoding/json for any
// string and integer: run with go test -fuzz FuzzJSONScalar ./sdk/internal.
func FuzzJSONScalar(f *testing.F) {
	f.Add("order-42", int64(12), []byte(`"x"`))
	f.Add("<\u2028>", int64(-1), []byte(`-0`))
	f.Fuzz(func(t *testing.T, s string, n int64, data []byte) {
		for _, v := range []any{s, n, int32(n), uint64(n)} {
			want, _ := json.Marshal(v)
			if got, ok := jsonScalar(v); ok && string(got) != string(want) {
				t.Fatalf("%#v: %q, encoding/json gives %q", v, got, want)
			}
		}
		for _, target := range []func() any{
			func() any { return new(string) }, func() any { return new(int64) },
			func() any { return new(uint16) }, func() any { return new(bool) },
		} {
			want, got := target(), target()
			if json.Unmarshal(data, want) != nil {
				continue // the fast path must then decline, checked below
			}
			if decodeJSONScalar(data, got) && !reflect.DeepEqual(got, want) {
				t.Fatalf("%q into %T: %v, encoding/json gives %v", data, got, got, want)
			}
		}
		for _, target := range []any{new(string), new(int64), new(uint16), new(bool)} {
			if json.Unmarshal(data, reflect.New(reflect.TypeOf(target).Elem()).Interface()) != nil && decodeJSONScalar(data, target) {
				t.Fatalf("%q into %T: decoded what encoding/json rejects", data, target)
			}
		}
	})
}
