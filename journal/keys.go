package journal

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// Key layout. Integers are big-endian so keys sort numerically; variable
// strings end in 0x00 so that "wf-1" never matches a prefix of "wf-10".
// Partition-scoped keys carry the partition as two bytes after the tag.
//
//	'#' "partitions"                           -> uint32 P
//	'#' "format"                               -> uint32 journal format
//	'e' | p | ns 0 wf 0 run 0 | lastEventID    -> journalpb.History
//	'r' | p | ns 0 wf 0 run 0                  -> journalpb.WorkflowMeta
//	'c' | ns 0 wf 0                            -> current run ID
//	't' | p | fireAt | ns 0 wf 0 run 0 id 0    -> empty (due-timer index)
//	'w' | p | ns 0 wf 0 run 0                  -> empty (wake index)
//	'x' | closeTime | p | ns 0 wf 0 run 0      -> empty (retention index)
//
// Each append that has events writes them as one 'e' record, keyed by its
// last event ID: one key per append rather than per event halves the keys
// Pebble inserts, flushes and compacts for a signal (its event and the
// task-completed marker). An append's events are consecutive and appends
// are in order, so the records, read in key order, are the history.
//
// An append rewrites a run's 'r' record only when it changes a field other
// than next_event_id (it creates the run, sets a status, or its events set
// search attributes or memo: see changesMeta), so the stored next_event_id
// is a lower bound: the run's next event ID is one past the ID in its last
// 'e' key (see raiseNextEventID).
const (
	tagDatabase  = '#'
	tagEvent     = 'e'
	tagRun       = 'r'
	tagCurrent   = 'c'
	tagTimer     = 't'
	tagWake      = 'w'
	tagRetention = 'x'
)

var (
	partitionsKey = []byte{tagDatabase, 'p', 'a', 'r', 't', 'i', 't', 'i', 'o', 'n', 's'}
	formatKey     = []byte{tagDatabase, 'f', 'o', 'r', 'm', 'a', 't'}
)

func appendPartition(b []byte, p int) []byte { return binary.BigEndian.AppendUint16(b, uint16(p)) }

func appendString(b []byte, s string) []byte { return append(append(b, s...), 0) }

// appendTime encodes t as nanoseconds since the Unix epoch, offset so that
// times before 1970 still sort first.
func appendTime(b []byte, t time.Time) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(t.UnixNano())^(1<<63))
}

func decodeTime(b []byte) time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64(b)^(1<<63))).UTC()
}

// Every key has an append form, appendXKey(b, ...), which adds the key to
// b: the committer builds its keys in one reused buffer, as Pebble's Batch
// copies the keys it is given. The keys that readers build also have an
// allocating form, xKey(...), which sizes its buffer for the whole key so
// that building it allocates once.

// runLen is how many bytes appendRun adds for run.
func runLen(run RunKey) int { return len(run.Namespace) + len(run.WorkflowID) + len(run.RunID) + 3 }

func appendRun(b []byte, run RunKey) []byte {
	return appendString(appendString(appendString(b, run.Namespace), run.WorkflowID), run.RunID)
}

// appendEventPrefix adds the prefix of every event key of run in partition p.
func appendEventPrefix(b []byte, p int, run RunKey) []byte {
	return appendRun(appendPartition(append(b, tagEvent), p), run)
}

// eventPrefix leaves room for an event ID, so that a key made from it
// allocates no more.
func eventPrefix(p int, run RunKey) []byte {
	return appendEventPrefix(make([]byte, 0, 1+2+runLen(run)+8), p, run)
}

func appendEventKey(b []byte, p int, run RunKey, eventID int64) []byte {
	return binary.BigEndian.AppendUint64(appendEventPrefix(b, p, run), uint64(eventID))
}

func appendRunKey(b []byte, p int, run RunKey) []byte {
	return appendRun(appendPartition(append(b, tagRun), p), run)
}

func runKey(p int, run RunKey) []byte {
	return appendRunKey(make([]byte, 0, 1+2+runLen(run)), p, run)
}

func currentPrefix(namespace string) []byte { return appendString([]byte{tagCurrent}, namespace) }

func appendCurrentKey(b []byte, namespace, workflowID string) []byte {
	return appendString(appendString(append(b, tagCurrent), namespace), workflowID)
}

func currentKey(namespace, workflowID string) []byte {
	return appendCurrentKey(make([]byte, 0, 1+len(namespace)+len(workflowID)+2), namespace, workflowID)
}

func timerPrefix(p int) []byte { return appendPartition([]byte{tagTimer}, p) }

func appendTimerKey(b []byte, p int, t Timer) []byte {
	b = appendPartition(append(b, tagTimer), p)
	return appendString(appendRun(appendTime(b, t.FireAt), t.Run), t.ID)
}

func wakePrefix(p int) []byte { return appendPartition([]byte{tagWake}, p) }

func appendWakeKey(b []byte, p int, run RunKey) []byte {
	return appendRun(appendPartition(append(b, tagWake), p), run)
}

func appendRetentionKey(b []byte, closeTime time.Time, p int, run RunKey) []byte {
	return appendRun(appendPartition(appendTime(append(b, tagRetention), closeTime), p), run)
}

// prefixEnd returns the smallest key greater than every key with the prefix.
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// splitStrings reads n 0x00-terminated strings from b and returns the rest.
func splitStrings(b []byte, n int) ([]string, []byte, error) {
	out := make([]string, 0, n)
	for range n {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			return nil, nil, fmt.Errorf("%w: truncated key", ErrCorrupt)
		}
		out = append(out, string(b[:i]))
		b = b[i+1:]
	}
	return out, b, nil
}

// decodeTimerKey parses a key made by timerKey.
func decodeTimerKey(k []byte) (Timer, error) {
	const head = 1 + 2 + 8
	if len(k) < head {
		return Timer{}, fmt.Errorf("%w: short timer key %q", ErrCorrupt, k)
	}
	parts, _, err := splitStrings(k[head:], 4)
	if err != nil {
		return Timer{}, err
	}
	return Timer{
		Run:    RunKey{Namespace: parts[0], WorkflowID: parts[1], RunID: parts[2]},
		ID:     parts[3],
		FireAt: decodeTime(k[3:head]),
	}, nil
}

// decodeRunSuffix parses "ns 0 wf 0 run 0" at the start of b.
func decodeRunSuffix(b []byte) (RunKey, error) {
	parts, _, err := splitStrings(b, 3)
	if err != nil {
		return RunKey{}, err
	}
	return RunKey{Namespace: parts[0], WorkflowID: parts[1], RunID: parts[2]}, nil
}

// validName reports an error if s cannot be a key component.
func validName(what, s string) error {
	if s == "" {
		return fmt.Errorf("journal: %s is empty", what)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("journal: %s %q contains a NUL byte", what, s)
	}
	return nil
}

func validRun(run RunKey) error {
	if err := validName("namespace", run.Namespace); err != nil {
		return err
	}
	if err := validName("workflow ID", run.WorkflowID); err != nil {
		return err
	}
	return validName("run ID", run.RunID)
}
