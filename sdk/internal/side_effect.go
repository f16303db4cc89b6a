package internal

import (
	"fmt"
	"reflect"

	"github.com/grainflow/grainflow/internal/lazymap"
	"github.com/grainflow/grainflow/journal/journalpb"
)

// sideEffectMarker names the markers SideEffect records.
const sideEffectMarker = "SideEffect"

// SideEffect runs f once and records its result in the history as a
// marker. When the workflow is replayed, f is not run again: the recorded
// result is returned, so code that needs a non-deterministic value (a
// random number, a UUID) stays deterministic. f must not fail; it runs
// inside the workflow task and must be quick.
func SideEffect(ctx Context, f func(ctx Context) any) EncodedValue {
	e := executionOf(ctx, "SideEffect")
	e.mustBeInTask("SideEffect")
	seq := e.nextSequence()
	var data *journalpb.Payloads
	if m, ok := e.recordedMarkers[seq]; ok && m.GetMarkerName() == sideEffectMarker {
		data = m.GetDetails()["data"]
	} else {
		// Live, or the history holds something else here: run f. In the
		// second case the command does not match the history and the task
		// fails with a NonDeterminismError.
		p, err := e.dc.ToPayloads(f(ctx))
		if err != nil {
			panic(fmt.Sprintf("workflow.SideEffect: encode the result: %v", err))
		}
		data = p
	}
	e.addCommand(&journalpb.Event{Attributes: &journalpb.Event_MarkerRecorded{MarkerRecorded: &journalpb.MarkerRecorded{
		Seq: seq, MarkerName: sideEffectMarker, Details: map[string]*journalpb.Payloads{"data": data},
	}}}, nil)
	return NewEncodedValue(firstPayload(data), e.dc)
}

// mutableSideEffectMarker names the markers MutableSideEffect records.
const mutableSideEffectMarker = "MutableSideEffect"

// MutableSideEffect runs f every time and records its result only when it
// differs (by equals) from the value last recorded for id, so a value that
// rarely changes (a configuration flag) costs an event only when it does.
// On replay f is not run: the recorded values are returned where they were
// recorded, and the last one in between.
func MutableSideEffect(ctx Context, id string, f func(ctx Context) any, equals func(a, b any) bool) EncodedValue {
	e := executionOf(ctx, "MutableSideEffect")
	e.mustBeInTask("MutableSideEffect")
	last, hasLast := e.mutableValues[id]
	if e.recordedMarkers != nil {
		// Replaying: a marker of this ID at the next sequence number means
		// the value changed here; otherwise the last value stands.
		if m, ok := e.recordedMarkers[e.seq+1]; ok && m.GetMarkerName() == mutableSideEffectMarker && markerID(e, m) == id {
			e.recordMutable(id, m.GetDetails()["data"])
			return NewEncodedValue(firstPayload(m.GetDetails()["data"]), e.dc)
		}
		if hasLast {
			return NewEncodedValue(firstPayload(last), e.dc)
		}
	}
	value := f(ctx)
	if hasLast {
		var previous any
		if decodeInto(e.dc, last, value, &previous) == nil && equals(previous, value) {
			return NewEncodedValue(firstPayload(last), e.dc)
		}
	}
	data, err := e.dc.ToPayloads(value)
	if err != nil {
		panic(fmt.Sprintf("workflow.MutableSideEffect: encode the result: %v", err))
	}
	e.recordMutable(id, data)
	return NewEncodedValue(firstPayload(data), e.dc)
}

// recordMutable records a MutableSideEffect value as a marker command.
func (e *Execution) recordMutable(id string, data *journalpb.Payloads) {
	idPayload, err := e.dc.ToPayloads(id)
	if err != nil {
		panic(fmt.Sprintf("workflow.MutableSideEffect: encode the ID: %v", err))
	}
	lazymap.Set(&e.mutableValues, id, data)
	e.addCommand(&journalpb.Event{Attributes: &journalpb.Event_MarkerRecorded{MarkerRecorded: &journalpb.MarkerRecorded{
		Seq: e.nextSequence(), MarkerName: mutableSideEffectMarker,
		Details: map[string]*journalpb.Payloads{"id": idPayload, "data": data},
	}}}, nil)
}

func markerID(e *Execution, m *journalpb.MarkerRecorded) string {
	var id string
	_ = e.dc.FromPayloads(m.GetDetails()["id"], &id)
	return id
}

func firstPayload(p *journalpb.Payloads) *journalpb.Payload {
	if len(p.GetPayloads()) == 0 {
		return nil
	}
	return p.GetPayloads()[0]
}

// decodeInto decodes p into a new value of like's type and stores it in *out.
func decodeInto(dc DataConverter, p *journalpb.Payloads, like any, out *any) error {
	if like == nil {
		*out = nil
		return nil
	}
	v := reflect.New(reflect.TypeOf(like))
	if err := dc.FromPayloads(p, v.Interface()); err != nil {
		return err
	}
	*out = v.Elem().Interface()
	return nil
}
