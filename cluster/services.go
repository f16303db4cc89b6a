package cluster

import (
	"fmt"
	"sync"
)

// A service is a part of a node that runs beside its engine for as long as
// the node is open, such as the worker that fires schedules.
type service struct {
	name  string
	start func(*Node) (stop func(), err error)
}

var (
	servicesMu sync.Mutex
	services   []service
)

// RegisterService makes every node that Open starts from now on run a
// service: Open calls start once the engine runs (a failure fails Open), and
// Close calls the stop function start returned before it stops the engine.
// Services start in the order they were registered and stop in reverse.
//
// Packages register their services from init functions, so that every node
// of a program that links them runs them, also after a restart, without the
// program asking. sdk/client registers the worker that runs schedules this
// way. Registering a name twice panics.
func RegisterService(name string, start func(*Node) (stop func(), err error)) {
	servicesMu.Lock()
	defer servicesMu.Unlock()
	for _, s := range services {
		if s.name == name {
			panic(fmt.Sprintf("cluster: service %q registered twice", name))
		}
	}
	services = append(services, service{name: name, start: start})
}

// startServices starts the registered services on n; if one fails, the
// ones already started are stopped.
func (n *Node) startServices() error {
	servicesMu.Lock()
	list := append([]service(nil), services...)
	servicesMu.Unlock()
	for _, s := range list {
		stop, err := s.start(n)
		if err != nil {
			n.stopServices()
			return fmt.Errorf("cluster: start service %s: %w", s.name, err)
		}
		if stop != nil {
			n.stops = append(n.stops, stop)
		}
	}
	return nil
}

// stopServices stops the services in reverse order of their start.
func (n *Node) stopServices() {
	n.stopMu.Lock()
	stops := n.stops
	n.stops = nil
	n.stopMu.Unlock()
	for i := len(stops) - 1; i >= 0; i-- {
		stops[i]()
	}
}
