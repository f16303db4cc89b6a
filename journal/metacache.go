package journal

import "github.com/grainflow/grainflow/journal/journalpb"

// metaCacheSize bounds the runs whose state the committer keeps.
const metaCacheSize = 1 << 15

// runState is what the committer knows of a run: its metadata record and
// its next event ID. Most appends (a signal, an activity's completion) move
// only the next event ID, so the state after them shares the record of the
// state before; an append that changes the record stages a copy of it
// (copyMeta). A record is never modified once it is in a runState, and its
// own NextEventId may lag next, as the stored one does (raiseNextEventID).
type runState struct {
	key  string // the run key, kept so that staging the run's next append makes no key
	meta *journalpb.WorkflowMeta
	next int64
}

// metaCache keeps the state of open runs the committer wrote lately, so
// that the next append to such a run (a workflow's appends follow each
// other within milliseconds) does not read it back from Pebble. It holds
// what reading it back would return: entries are put once their batch is
// applied.
// Closed runs are left out, so the retention sweep, which deletes only
// closed runs, never leaves a stale entry. Only the holder of DB.writeMu
// uses it.
type metaCache struct {
	entries map[string]runState
	// ring holds the keys in the order they were added; the oldest is
	// evicted when the cache is full.
	ring []string
	next int
}

func newMetaCache(size int) *metaCache {
	return &metaCache{entries: make(map[string]runState, size), ring: make([]string, 0, size)}
}

func (c *metaCache) get(key string) (runState, bool) {
	st, ok := c.entries[key]
	return st, ok
}

// put records the state of a run as applied. Closed runs are dropped: they
// take no more appends but clean-ups.
func (c *metaCache) put(st runState) {
	if isClosed(st.meta.GetStatus()) {
		delete(c.entries, st.key)
		return
	}
	if _, ok := c.entries[st.key]; ok {
		c.entries[st.key] = st
		return
	}
	if len(c.ring) < cap(c.ring) {
		c.ring = append(c.ring, st.key)
	} else {
		delete(c.entries, c.ring[c.next]) // a no-op if that key was dropped meanwhile
		c.ring[c.next] = st.key
		c.next = (c.next + 1) % len(c.ring)
	}
	c.entries[st.key] = st
}
