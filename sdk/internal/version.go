package internal

import (
	"fmt"

	"github.com/grainflow/grainflow/internal/lazymap"
	"github.com/grainflow/grainflow/journal/journalpb"
)

// Version is a version of a workflow code change, chosen by GetVersion.
type Version int

// DefaultVersion is the version of code that ran before GetVersion was
// added around a change.
const DefaultVersion Version = -1

// versionMarker names the markers GetVersion records.
const versionMarker = "Version"

// GetVersion lets workflow code change while runs that started with the old
// code are still open. The first time a run reaches GetVersion for
// changeID, the version is chosen and recorded as a marker: maxSupported for
// a run executing live, the recorded version when a recorded task is
// replayed, and DefaultVersion when the history shows that the code that
// ran there did not call GetVersion (a run older than the change). Later
// calls for the same changeID return the same version. A version outside
// [minSupported, maxSupported] means the code no longer supports a run in
// progress: the workflow task fails (the workflow blocks until fixed).
func GetVersion(ctx Context, changeID string, minSupported, maxSupported Version) Version {
	e := executionOf(ctx, "GetVersion")
	e.mustBeInTask("GetVersion")
	version, known := e.versions[changeID]
	if !known {
		version = e.chooseVersion(changeID, maxSupported)
		lazymap.Set(&e.versions, changeID, version)
	}
	if version < minSupported || version > maxSupported {
		panic(fmt.Sprintf("workflow.GetVersion: change %q is at version %d in this run, outside the supported range [%d, %d]",
			changeID, version, minSupported, maxSupported))
	}
	return version
}

// chooseVersion decides the version of changeID the first time the run
// reaches it, recording a marker unless the version is DefaultVersion.
func (e *Execution) chooseVersion(changeID string, maxSupported Version) Version {
	version := maxSupported
	if e.recordedMarkers != nil { // replaying a recorded task
		version = DefaultVersion
		for _, m := range e.recordedMarkers {
			if m.GetMarkerName() != versionMarker {
				continue
			}
			var id string
			var v Version
			if e.dc.FromPayloads(m.GetDetails()["changeId"], &id) == nil && id == changeID &&
				e.dc.FromPayloads(m.GetDetails()["version"], &v) == nil {
				version = v
			}
		}
		if version == DefaultVersion {
			return version // the old code ran here: no marker, no command
		}
	}
	id, err := e.dc.ToPayloads(changeID)
	if err != nil {
		panic(fmt.Sprintf("workflow.GetVersion: encode the change ID: %v", err))
	}
	v, err := e.dc.ToPayloads(version)
	if err != nil {
		panic(fmt.Sprintf("workflow.GetVersion: encode the version: %v", err))
	}
	e.addCommand(&journalpb.Event{Attributes: &journalpb.Event_MarkerRecorded{MarkerRecorded: &journalpb.MarkerRecorded{
		Seq: e.nextSequence(), MarkerName: versionMarker,
		Details: map[string]*journalpb.Payloads{"changeId": id, "version": v},
	}}}, nil)
	return version
}
