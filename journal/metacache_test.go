package journal

import (
	"testing"

	"github.com/grainflow/grainflow/journal/journalpb"
)

func TestMetaCacheEvictsTheOldestAndLeavesOutClosedRuns(t *testing.T) {
	c := newMetaCache(2)
	running := func(key string, next int64) runState {
		return runState{key: key, meta: &journalpb.WorkflowMeta{Status: journalpb.WorkflowStatus_WORKFLOW_STATUS_RUNNING}, next: next}
	}
	c.put(running("a", 1))
	c.put(running("b", 1))
	c.put(running("a", 2)) // an update keeps a's place
	if st, ok := c.get("a"); !ok || st.next != 2 {
		t.Fatalf("a = %v, %v; want the updated state", st, ok)
	}
	c.put(running("c", 1)) // full: evicts a, the oldest added
	if _, ok := c.get("a"); ok {
		t.Fatal("a is still cached after c evicted it")
	}
	for _, k := range []string{"b", "c"} {
		if _, ok := c.get(k); !ok {
			t.Fatalf("%s was evicted; want only a gone", k)
		}
	}
	c.put(runState{key: "b", meta: &journalpb.WorkflowMeta{Status: journalpb.WorkflowStatus_WORKFLOW_STATUS_COMPLETED}})
	if _, ok := c.get("b"); ok {
		t.Fatal("a closed run is cached")
	}
	c.put(running("d", 1)) // evicts b's slot, which is empty now
	c.put(running("e", 1)) // evicts c
	if len(c.entries) != 2 {
		t.Fatalf("%d entries, want 2 (the cache's size)", len(c.entries))
	}
}
