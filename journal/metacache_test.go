package journal

import (
	"testing"

	"github.com/grainflow/grainflow/journal/journalpb"
)

func TestMetaCacheEvictsTheOldestAndLeavesOutClosedRuns(t *testing.T) {
	c := newMetaCache(2)
	running := func(n int64) *journalpb.WorkflowMeta {
		return &journalpb.WorkflowMeta{Status: journalpb.WorkflowStatus_WORKFLOW_STATUS_RUNNING, NextEventId: n}
	}
	c.put("a", running(1))
	c.put("b", running(1))
	c.put("a", running(2)) // an update keeps a's place
	if m, ok := c.get("a"); !ok || m.GetNextEventId() != 2 {
		t.Fatalf("a = %v, %v; want the updated meta", m, ok)
	}
	c.put("c", running(1)) // full: evicts a, the oldest added
	if _, ok := c.get("a"); ok {
		t.Fatal("a is still cached after c evicted it")
	}
	for _, k := range []string{"b", "c"} {
		if _, ok := c.get(k); !ok {
			t.Fatalf("%s was evicted; want only a gone", k)
		}
	}
	c.put("b", &journalpb.WorkflowMeta{Status: journalpb.WorkflowStatus_WORKFLOW_STATUS_COMPLETED})
	if _, ok := c.get("b"); ok {
		t.Fatal("a closed run is cached")
	}
	c.put("d", running(1)) // evicts b's slot, which is empty now
	c.put("e", running(1)) // evicts c
	if len(c.entries) != 2 {
		t.Fatalf("%d entries, want 2 (the cache's size)", len(c.entries))
	}
}
