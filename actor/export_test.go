package actor

// ActiveWorkflows is the number of workflow actors in memory, so tests can
// see passivation happen.
func ActiveWorkflows(e *Engine) int {
	n := 0
	for _, h := range e.hosts {
		h.mu.Lock()
		n += len(h.actors)
		h.mu.Unlock()
	}
	return n
}
