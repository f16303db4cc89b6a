package journal

import "github.com/grainflow/grainflow/journal/journalpb"

// metaCacheSize bounds the runs whose metadata the committer keeps.
const metaCacheSize = 1 << 15

// metaCache keeps the metadata of open runs the committer wrote lately, so
// that the next append to such a run (a workflow's appends follow each
// other within milliseconds) does not read it back from Pebble. It holds
// what reading it back would return (the record, with the next event ID
// taken from the last event key): entries are put once their batch is
// applied.
// Closed runs are left out, so the retention sweep, which deletes only
// closed runs, never leaves a stale entry. Only the holder of DB.writeMu
// uses it. Entries are never modified; stage clones a meta before it
// changes it.
type metaCache struct {
	entries map[string]*journalpb.WorkflowMeta
	// ring holds the keys in the order they were added; the oldest is
	// evicted when the cache is full.
	ring []string
	next int
}

func newMetaCache(size int) *metaCache {
	return &metaCache{entries: make(map[string]*journalpb.WorkflowMeta, size), ring: make([]string, 0, size)}
}

func (c *metaCache) get(key string) (*journalpb.WorkflowMeta, bool) {
	m, ok := c.entries[key]
	return m, ok
}

// put records the metadata of a run as applied. Closed runs are dropped:
// they take no more appends but clean-ups.
func (c *metaCache) put(key string, m *journalpb.WorkflowMeta) {
	if isClosed(m.GetStatus()) {
		delete(c.entries, key)
		return
	}
	if _, ok := c.entries[key]; ok {
		c.entries[key] = m
		return
	}
	if len(c.ring) < cap(c.ring) {
		c.ring = append(c.ring, key)
	} else {
		delete(c.entries, c.ring[c.next]) // a no-op if that key was dropped meanwhile
		c.ring[c.next] = key
		c.next = (c.next + 1) % len(c.ring)
	}
	c.entries[key] = m
}
