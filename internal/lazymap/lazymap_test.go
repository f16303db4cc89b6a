package lazymap

import "testing"

func TestSetMakesTheMapOnceAndKeepsIt(t *testing.T) {
	var m map[string]int
	Set(&m, "a", 1)
	first := m
	Set(&m, "b", 2)
	if len(m) != 2 || m["a"] != 1 || m["b"] != 2 {
		t.Fatalf("m = %v, want a:1 b:2", m)
	}
	first["c"] = 3
	if m["c"] != 3 {
		t.Fatal("the second Set made a new map")
	}
}
