// Package journal is grainflow's durable record: the history of every workflow
// run, the due-timer index, the set of runs that need an owner after a restart,
// and per-workflow metadata for describe and list.
//
// The Journal interface is what the workflow actors depend on. The local
// implementation (Open) keeps everything in one Pebble database per node; a
// Raft-replicated implementation can take its place without touching the
// actors, because every method either reads committed state or returns only
// after the write is durable.
package journal

import (
	"context"
	"errors"
	"time"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// Errors returned by Append and the readers. Callers test them with errors.Is.
var (
	// ErrOutOfSequence means the first appended event does not carry the
	// run's next event ID, or the events are not consecutive.
	ErrOutOfSequence = errors.New("journal: events out of sequence")
	// ErrRunClosed means the run has already recorded a close event.
	ErrRunClosed = errors.New("journal: run is closed")
	// ErrNotFound means no such workflow or run is recorded.
	ErrNotFound = errors.New("journal: not found")
	// ErrCorrupt means a stored record could not be decoded.
	ErrCorrupt = errors.New("journal: corrupt record")
	// ErrClosed means the journal has been closed.
	ErrClosed = errors.New("journal: closed")
)

// RunKey names one run of a workflow.
type RunKey struct {
	Namespace  string
	WorkflowID string
	RunID      string
}

// Timer is an entry of the due-timer index. The actor chooses ID; it is unique
// within the run (for example "timer/5" or "activity/7/retry").
type Timer struct {
	Run    RunKey
	ID     string
	FireAt time.Time
}

// TimerScan says what DueTimers reads of a partition's due-timer index.
type TimerScan struct {
	Partition int
	// From skips the timers that fire before it, which the caller knows
	// there are none of. Deleted timers leave tombstones in the index until
	// compaction removes them, and reading over those is most of what a
	// scan from the start of a busy index costs.
	From time.Time
	// After, when set, starts the scan after that timer, so a caller can
	// page through a backlog without reading again what it has seen. It
	// takes the place of From.
	After *Timer
	// Now is the time at or before which a timer is due.
	Now time.Time
	// Limit bounds how many due timers are returned; zero means no limit.
	Limit int
}

// AppendRequest is one atomic write to a run: events, timer index changes and
// the run's new metadata all commit together or not at all.
type AppendRequest struct {
	Run RunKey
	// Events are appended in order. The first must carry the run's next event
	// ID (1 for a new run, whose first event must be WorkflowExecutionStarted)
	// and the rest must follow without gaps. May be empty when only timers
	// or the wake flag change.
	Events []*journalpb.Event
	// AddTimers and DeleteTimers change the due-timer index.
	AddTimers    []Timer
	DeleteTimers []Timer
	// Wake, when set, records whether the run must be re-activated after a
	// restart even without a due timer (it has activities in flight or work
	// it could not finish). A closing append clears it unless Wake is true
	// (another run is to follow the closed one).
	Wake *bool
	// Status, when not UNSPECIFIED, becomes the run's status. A closing status
	// sets the close time and starts the retention clock.
	Status journalpb.WorkflowStatus
}

// Journal is the storage the workflow actors write through.
type Journal interface {
	// Partitions is the fixed partition count P recorded at creation.
	Partitions() int
	// PartitionOf maps a workflow to its partition in [0, P).
	PartitionOf(namespace, workflowID string) int

	// Append writes req atomically and returns only once it is durable (a
	// synced commit). Concurrent appends share fsyncs. Appending to a closed
	// run or out of sequence returns ErrRunClosed or ErrOutOfSequence and
	// writes nothing. It keeps no reference to req or its slices once it
	// returns: callers reuse that memory.
	Append(ctx context.Context, req *AppendRequest) error

	// History returns the run's events in order.
	History(ctx context.Context, run RunKey) ([]*journalpb.Event, error)
	// LastEvent returns the run's last event (a closed run's close event)
	// without reading the rest of its history.
	LastEvent(ctx context.Context, run RunKey) (*journalpb.Event, error)
	// Run returns the metadata of one run.
	Run(ctx context.Context, run RunKey) (*journalpb.WorkflowMeta, error)
	// Current returns the metadata of the workflow ID's latest run.
	Current(ctx context.Context, namespace, workflowID string) (*journalpb.WorkflowMeta, error)
	// List returns the latest run of each workflow in the namespace, ordered
	// by workflow ID, starting after the given workflow ID, at most limit.
	List(ctx context.Context, namespace, afterWorkflowID string, limit int) ([]*journalpb.WorkflowMeta, error)
	// ListRuns returns the runs a visibility query selects, a page at a
	// time, and CountRuns how many it selects (see package visibility).
	ListRuns(ctx context.Context, req ListRequest) (runs []*journalpb.WorkflowMeta, nextPageToken []byte, err error)
	CountRuns(ctx context.Context, namespace, query string) (int64, error)

	// DueTimers returns up to scan.Limit timers of scan.Partition due at or
	// before scan.Now, earliest first, and the fire time of the earliest
	// timer not yet due (zero if there is none), reading the part of the
	// index that scan gives.
	DueTimers(ctx context.Context, scan TimerScan) (due []Timer, next time.Time, err error)
	// WakeRuns returns the runs of the partition whose wake flag is set.
	WakeRuns(ctx context.Context, partition int) ([]RunKey, error)

	Close() error
}
