// Package testnode starts an embedded node, a client and a worker for the
// examples' tests.
package testnode

import (
	"testing"

	"github.com/grainflow/grainflow/cluster"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/worker"
)

// Start opens a node in a temp dir and returns a client and a started worker
// for taskQueue; register adds workflows and activities before the start.
// Everything is closed when the test ends.
func Start(t *testing.T, taskQueue string, register func(worker.Worker)) client.Client {
	t.Helper()
	node, err := cluster.Open(cluster.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(client.Options{Node: node})
	if err != nil {
		t.Fatal(err)
	}
	w := worker.New(c, taskQueue, worker.Options{})
	register(w)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		w.Stop()
		c.Close()
		if err := node.Close(); err != nil {
			t.Errorf("close node: %v", err)
		}
	})
	return c
}
