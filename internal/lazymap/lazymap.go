// Package lazymap sets entries of maps that are made on their first entry.
// The engine's per-run state has many maps (activities, timers, children,
// signal channels, handlers) of which most runs use few; leaving them nil
// until they are written spares every run the ones it never uses.
package lazymap

// Set sets (*m)[k] = v, making the map first if it is nil.
func Set[K comparable, V any](m *map[K]V, k K, v V) {
	if *m == nil {
		*m = make(map[K]V)
	}
	(*m)[k] = v
}
