package internal

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/grainflow/grainflow/journal/journalpb"
)

type convOrder struct {
	ID    string
	Items []string
	Total float64
}

func TestDefaultConverterRoundTrips(t *testing.T) {
	cases := []struct {
		name        string
		value       any
		encoding    string
		messageType string
		target      func() any // a pointer to decode into
		want        any        // what the target points to afterwards
	}{
		{"struct", convOrder{ID: "o1", Items: []string{"a", "b"}, Total: 9.5}, MetadataEncodingJSON, "",
			func() any { return new(convOrder) }, convOrder{ID: "o1", Items: []string{"a", "b"}, Total: 9.5}},
		{"struct pointer", &convOrder{ID: "o2"}, MetadataEncodingJSON, "",
			func() any { return new(*convOrder) }, &convOrder{ID: "o2"}},
		{"int", 42, MetadataEncodingJSON, "", func() any { return new(int) }, 42},
		{"string", "hello", MetadataEncodingJSON, "", func() any { return new(string) }, "hello"},
		{"map", map[string]int{"a": 1}, MetadataEncodingJSON, "",
			func() any { return new(map[string]int) }, map[string]int{"a": 1}},
		{"bytes", []byte{0, 1, 2}, MetadataEncodingBinary, "", func() any { return new([]byte) }, []byte{0, 1, 2}},
		{"bytes into any", []byte{7}, MetadataEncodingBinary, "", func() any { return new(any) }, []byte{7}},
		{"nil bytes stay bytes", []byte(nil), MetadataEncodingBinary, "", func() any { return new([]byte) }, []byte(nil)},
		{"nil", nil, MetadataEncodingNil, "",
			func() any { p := &convOrder{ID: "stale"}; return &p }, (*convOrder)(nil)},
		{"nil pointer", (*convOrder)(nil), MetadataEncodingNil, "",
			func() any { n := 5; return &n }, 0},
		{"proto into message pointer", wrapperspb.String("hi"), MetadataEncodingProtoJSON, "google.protobuf.StringValue",
			func() any { return new(*wrapperspb.StringValue) }, wrapperspb.String("hi")},
	}
	dc := GetDefaultDataConverter()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := dc.ToPayload(c.value)
			if err != nil {
				t.Fatalf("ToPayload(%#v): %v", c.value, err)
			}
			if got := string(p.GetMetadata()[MetadataEncoding]); got != c.encoding {
				t.Errorf("encoding = %q, want %q", got, c.encoding)
			}
			if got := string(p.GetMetadata()[MetadataMessageType]); got != c.messageType {
				t.Errorf("messageType = %q, want %q", got, c.messageType)
			}
			target := c.target()
			if err := dc.FromPayload(p, target); err != nil {
				t.Fatalf("FromPayload into %T: %v", target, err)
			}
			got := reflect.ValueOf(target).Elem().Interface()
			if m, ok := c.want.(proto.Message); ok {
				if !proto.Equal(got.(proto.Message), m) {
					t.Errorf("decoded %v, want %v", got, m)
				}
			} else if !reflect.DeepEqual(got, c.want) {
				t.Errorf("decoded %#v, want %#v", got, c.want)
			}
		})
	}
}

func TestProtoPayloadsDecodeIntoEitherTargetForm(t *testing.T) {
	for _, pc := range []PayloadConverter{NewProtoJSONPayloadConverter(), NewProtoPayloadConverter()} {
		t.Run(pc.Encoding(), func(t *testing.T) {
			p, err := pc.ToPayload(wrapperspb.Int64(7))
			if err != nil {
				t.Fatal(err)
			}
			// The default converter decodes both protobuf encodings.
			msg := &wrapperspb.Int64Value{}
			if err := GetDefaultDataConverter().FromPayload(p, msg); err != nil || msg.GetValue() != 7 {
				t.Errorf("into *Int64Value: %v, %v", msg, err)
			}
			var ptr *wrapperspb.Int64Value
			if err := GetDefaultDataConverter().FromPayload(p, &ptr); err != nil || ptr.GetValue() != 7 {
				t.Errorf("into **Int64Value: %v, %v", ptr, err)
			}
		})
	}
}

func TestConverterErrors(t *testing.T) {
	dc := GetDefaultDataConverter()
	mustPayload := func(v any) *journalpb.Payload {
		t.Helper()
		p, err := dc.ToPayload(v)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	binaryProto, _ := NewProtoPayloadConverter().ToPayload(wrapperspb.String("x"))
	corruptProto := proto.CloneOf(binaryProto)
	corruptProto.Data = []byte{0xff, 0xff, 0xff}
	cases := []struct {
		name    string
		payload *journalpb.Payload
		target  any
		want    error
	}{
		{"JSON string into int", mustPayload("text"), new(int), ErrUnableToDecode},
		{"JSON object into string", mustPayload(convOrder{ID: "x"}), new(string), ErrUnableToDecode},
		{"non-pointer target", mustPayload(1), 0, ErrValuePtrIsNotPointer},
		{"nil pointer target", mustPayload(1), (*int)(nil), ErrValuePtrIsNotPointer},
		{"bytes into string", mustPayload([]byte("x")), new(string), ErrTypeIsNotByteSlice},
		{"bytes into error interface", mustPayload([]byte("x")), new(error), ErrTypeIsNotByteSlice},
		{"proto into string", mustPayload(wrapperspb.String("x")), new(string), ErrTypeNotImplementProtoMessage},
		{"proto into any", mustPayload(wrapperspb.String("x")), new(any), ErrValuePtrMustConcreteType},
		{"proto of another message type", mustPayload(wrapperspb.String("x")), new(*wrapperspb.Int64Value), ErrUnableToDecode},
		{"binary proto of another message type", binaryProto, &wrapperspb.Int64Value{}, ErrUnableToDecode},
		{"corrupt binary proto", corruptProto, new(*wrapperspb.StringValue), ErrUnableToDecode},
		{"unknown encoding", &journalpb.Payload{Metadata: map[string][]byte{MetadataEncoding: []byte("no/such")}}, new(string), ErrEncodingIsNotSupported},
		{"no encoding", &journalpb.Payload{Metadata: map[string][]byte{"other": nil}}, new(string), ErrEncodingIsNotSet},
		{"no metadata", &journalpb.Payload{Data: []byte(`"x"`)}, new(string), ErrMetadataIsNotSet},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := dc.FromPayload(c.payload, c.target)
			if !errors.Is(err, c.want) {
				t.Fatalf("FromPayload into %T = %v, want %v", c.target, err, c.want)
			}
		})
	}

	t.Run("a value JSON cannot encode", func(t *testing.T) {
		if _, err := dc.ToPayload(make(chan int)); !errors.Is(err, ErrUnableToEncode) || !strings.Contains(err.Error(), "chan int") {
			t.Fatalf("ToPayload(chan) = %v, want ErrUnableToEncode naming the type", err)
		}
	})
	t.Run("no converter accepts the value", func(t *testing.T) {
		onlyNil := NewCompositeDataConverter(NewNilPayloadConverter())
		if _, err := onlyNil.ToPayload("x"); !errors.Is(err, ErrUnableToFindConverter) {
			t.Fatalf("ToPayload = %v, want ErrUnableToFindConverter", err)
		}
	})
	t.Run("a nil payload leaves the target alone", func(t *testing.T) {
		n := 3
		if err := dc.FromPayload(nil, &n); err != nil || n != 3 {
			t.Fatalf("FromPayload(nil) = %v, target %d", err, n)
		}
	})
}

func TestPayloadsKeepOrderAndNameTheFailingValue(t *testing.T) {
	dc := GetDefaultDataConverter()
	if p, err := dc.ToPayloads(); p != nil || err != nil {
		t.Fatalf("ToPayloads() = %v, %v; want nil, nil", p, err)
	}
	p, err := dc.ToPayloads("a", 2, []byte{3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var (
		s     string
		n     int
		b     []byte
		ptr   = &n
		extra = "untouched"
	)
	if err := dc.FromPayloads(p, &s, &n, &b, &ptr, &extra); err != nil {
		t.Fatal(err)
	}
	if s != "a" || n != 2 || !reflect.DeepEqual(b, []byte{3}) || ptr != nil || extra != "untouched" {
		t.Errorf("decoded %q %d %v %v %q", s, n, b, ptr, extra)
	}
	// Fewer pointers than payloads: the rest are ignored.
	var first string
	if err := dc.FromPayloads(p, &first); err != nil || first != "a" {
		t.Errorf("decoding only the first value: %q, %v", first, err)
	}
	if err := dc.FromPayloads(p, &s, &s); err == nil || !strings.Contains(err.Error(), "value 2") {
		t.Errorf("decoding an int into a string = %v, want an error naming value 2", err)
	}
	if _, err := dc.ToPayloads(1, make(chan int)); err == nil || !strings.Contains(err.Error(), "value 2") {
		t.Errorf("encoding a channel = %v, want an error naming value 2", err)
	}
	if got := dc.ToStrings(p); !reflect.DeepEqual(got, []string{`"a"`, "2", "Aw", "nil"}) {
		t.Errorf("ToStrings = %q", got)
	}
}

func TestRawValuePassesThroughUnconverted(t *testing.T) {
	dc := GetDefaultDataConverter()
	original, _ := dc.ToPayload(convOrder{ID: "raw"})
	p, err := dc.ToPayloads(NewRawValue(original))
	if err != nil || p.GetPayloads()[0] != original {
		t.Fatalf("ToPayloads(RawValue) = %v, %v; want the wrapped payload", p, err)
	}
	var raw RawValue
	if err := dc.FromPayloads(p, &raw); err != nil || raw.Payload() != original {
		t.Fatalf("FromPayloads into *RawValue: %v, %v", raw.Payload(), err)
	}
}

func TestCompositeConverterOrderAndOptions(t *testing.T) {
	binaryFirst := NewCompositeDataConverter(
		NewNilPayloadConverter(),
		NewProtoPayloadConverterWithOptions(ProtoPayloadConverterOptions{ExcludeProtobufMessageTypes: true}),
		NewProtoJSONPayloadConverterWithOptions(ProtoJSONPayloadConverterOptions{UseProtoNames: true}),
		NewJSONPayloadConverter(),
	)
	p, err := binaryFirst.ToPayload(wrapperspb.Bool(true))
	if err != nil {
		t.Fatal(err)
	}
	if enc := string(p.GetMetadata()[MetadataEncoding]); enc != MetadataEncodingProto {
		t.Errorf("encoding = %q, want the first listed converter's %q", enc, MetadataEncodingProto)
	}
	if _, ok := p.GetMetadata()[MetadataMessageType]; ok {
		t.Error("messageType written despite ExcludeProtobufMessageTypes")
	}
	// Without a message type the target's type cannot be checked, and the
	// payload decodes.
	var b *wrapperspb.BoolValue
	if err := binaryFirst.FromPayload(p, &b); err != nil || !b.GetValue() {
		t.Errorf("decoded %v, %v", b, err)
	}

	emitZero := NewProtoJSONPayloadConverterWithOptions(ProtoJSONPayloadConverterOptions{EmitUnpopulated: true, UseEnumNumbers: true})
	p, _ = emitZero.ToPayload(&journalpb.ActivityFailureInfo{RetryState: journalpb.RetryState_RETRY_STATE_TIMEOUT})
	if s := emitZero.ToString(p); !strings.Contains(s, `"activityId":""`) || !strings.Contains(s, `"retryState":3`) {
		t.Errorf("protojson with options = %s", s)
	}
	unknownField := newPayload(MetadataEncodingProtoJSON, []byte(`{"activityId":"a","extra":1}`))
	if err := NewProtoJSONPayloadConverter().FromPayload(unknownField, &journalpb.ActivityFailureInfo{}); !errors.Is(err, ErrUnableToDecode) {
		t.Errorf("unknown field without AllowUnknownFields = %v", err)
	}
	lenient := NewProtoJSONPayloadConverterWithOptions(ProtoJSONPayloadConverterOptions{AllowUnknownFields: true})
	info := &journalpb.ActivityFailureInfo{}
	if err := lenient.FromPayload(unknownField, info); err != nil || info.GetActivityId() != "a" {
		t.Errorf("unknown field with AllowUnknownFields = %v (decoded %v)", err, info)
	}
}

func TestToString(t *testing.T) {
	dc := GetDefaultDataConverter()
	cases := []struct {
		payload *journalpb.Payload
		want    string
	}{
		{nil, ""},
		{newPayload(MetadataEncodingJSON, []byte(`{"a":1}`)), `{"a":1}`},
		{newPayload(MetadataEncodingBinary, []byte("hi")), "aGk"},
		{newPayload(MetadataEncodingNil, nil), "nil"},
		{newPayload("no/such", nil), "no/such"},
	}
	for _, c := range cases {
		if got := dc.ToString(c.payload); !strings.Contains(got, c.want) || (c.want == "" && got != "") {
			t.Errorf("ToString(%v) = %q, want %q", c.payload, got, c.want)
		}
	}
}

func TestEncodedValues(t *testing.T) {
	var n int
	if v := NewEncodedValue(nil, nil); v.HasValue() || !errors.Is(v.Get(&n), ErrNoData) {
		t.Errorf("empty EncodedValue: HasValue %v, Get %v", v.HasValue(), v.Get(&n))
	}
	p, _ := GetDefaultDataConverter().ToPayload(5)
	if v := NewEncodedValue(p, nil); !v.HasValue() || v.Get(&n) != nil || n != 5 {
		t.Errorf("EncodedValue: HasValue %v, decoded %d", v.HasValue(), n)
	}
	if v := NewEncodedValues(&journalpb.Payloads{}, nil); v.HasValues() || !errors.Is(v.Get(&n), ErrNoData) {
		t.Errorf("empty EncodedValues: HasValues %v, Get %v", v.HasValues(), v.Get(&n))
	}
	ps, _ := GetDefaultDataConverter().ToPayloads("x", 6)
	var s string
	if v := NewEncodedValues(ps, nil); !v.HasValues() || v.Get(&s, &n) != nil || s != "x" || n != 6 {
		t.Errorf("EncodedValues: decoded %q %d", s, n)
	}
}
