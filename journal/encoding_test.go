package journal

import (
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// TestGeneratedCodersMatchTheProtoRuntime checks that the vtprotobuf coders
// the journal uses read and write every field the same as the proto runtime
// does, for every kind of event and for the metadata. It fails when the
// .proto changes and only protoc-gen-go is rerun: the stale coders would
// drop the new fields silently.
func TestGeneratedCodersMatchTheProtoRuntime(t *testing.T) {
	var messages []interface {
		proto.Message
		encodable
		decodable
	}
	attributes := (&journalpb.Event{}).ProtoReflect().Descriptor().Oneofs().ByName("attributes").Fields()
	for i := range attributes.Len() {
		e := &journalpb.Event{}
		fill(e.ProtoReflect().Mutable(attributes.Get(i)).Message(), 1)
		fill(e.ProtoReflect(), 0) // the event's own fields
		messages = append(messages, e)
	}
	meta := &journalpb.WorkflowMeta{}
	fill(meta.ProtoReflect(), 0)
	messages = append(messages, meta)

	for _, m := range messages {
		name := m.ProtoReflect().Descriptor().FullName()
		if e, ok := m.(*journalpb.Event); ok {
			name = e.ProtoReflect().WhichOneof(e.ProtoReflect().Descriptor().Oneofs().ByName("attributes")).FullName()
		}
		generated, err := appendEncoded([]byte("prefix"), m)
		if err != nil {
			t.Fatalf("%s: encode: %v", name, err)
		}
		if string(generated[:6]) != "prefix" {
			t.Fatalf("%s: appendEncoded overwrote what was in the buffer", name)
		}
		generated = generated[6:]
		if m.SizeVT() != proto.Size(m) || len(generated) != proto.Size(m) {
			t.Errorf("%s: generated size %d, encoding %d bytes, proto runtime size %d", name, m.SizeVT(), len(generated), proto.Size(m))
		}
		viaRuntime := m.ProtoReflect().New().Interface()
		if err := proto.Unmarshal(generated, viaRuntime); err != nil {
			t.Fatalf("%s: the proto runtime cannot decode the generated encoding: %v", name, err)
		}
		if !proto.Equal(m, viaRuntime) {
			t.Errorf("%s: generated encoding decodes to\n%v\nwant\n%v", name, viaRuntime, m)
		}
		runtime, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		viaGenerated := m.ProtoReflect().New().Interface().(decodable)
		if err := viaGenerated.UnmarshalVT(runtime); err != nil {
			t.Fatalf("%s: the generated decoder cannot read the runtime's encoding: %v", name, err)
		}
		if !proto.Equal(m, viaGenerated.(proto.Message)) {
			t.Errorf("%s: generated decoder reads\n%v\nwant\n%v", name, viaGenerated, m)
		}
	}
}

// TestGeneratedDecoderRefusesGarbage checks that a record that is not a
// valid encoding is an error, not a panic or a silently empty message.
func TestGeneratedDecoderRefusesGarbage(t *testing.T) {
	valid, err := proto.Marshal(&journalpb.Event{EventId: 3, Time: timestamppb.Now(),
		Attributes: &journalpb.Event_WorkflowExecutionSignaled{WorkflowExecutionSignaled: &journalpb.WorkflowExecutionSignaled{SignalName: "s"}}})
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"truncated":     valid[:len(valid)-2],
		"bad wire type": {0x0f},
		"huge length":   {0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f},
	} {
		if err := (&journalpb.Event{}).UnmarshalVT(data); err == nil {
			t.Errorf("%s: decoded without an error", name)
		}
	}
}
