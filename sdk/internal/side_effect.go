package internal

import (
	"fmt"

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
	var first *journalpb.Payload
	if len(data.GetPayloads()) > 0 {
		first = data.GetPayloads()[0]
	}
	return NewEncodedValue(first, e.dc)
}
