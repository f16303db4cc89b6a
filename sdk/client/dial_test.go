package client_test

import (
	"context"
	"strings"
	"testing"

	"github.com/grainflow/grainflow/cluster"
	"github.com/grainflow/grainflow/sdk/client"
)

// TestDialWithHostPort: Temporal-shaped code that dials a server address
// gets an error that says to pass a node instead; with a node, HostPort is
// ignored and the namespace defaults to DefaultNamespace.
func TestDialWithHostPort(t *testing.T) {
	if client.DefaultHostPort != "localhost:7233" || client.DefaultNamespace != "default" {
		t.Fatalf("DefaultHostPort %q, DefaultNamespace %q: want Temporal's", client.DefaultHostPort, client.DefaultNamespace)
	}
	_, err := client.Dial(client.Options{HostPort: client.DefaultHostPort, Namespace: client.DefaultNamespace})
	if err == nil {
		t.Fatal("Dial with a HostPort and no Node succeeded")
	}
	for _, want := range []string{"embeds", client.DefaultHostPort, "Options.Node", "cluster.Open"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if _, err := client.NewClient(client.Options{HostPort: "temporal.example:7233"}); err == nil || !strings.Contains(err.Error(), "Options.Node") {
		t.Errorf("NewClient with a HostPort and no Node: %v", err)
	}

	node, err := cluster.Open(cluster.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = node.Close() }()
	c, err := client.Dial(client.Options{Node: node, HostPort: client.DefaultHostPort})
	if err != nil {
		t.Fatalf("Dial with a Node and a HostPort: %v", err)
	}
	defer c.Close()
	if ns, ok := c.(interface{ Namespace() string }); !ok || ns.Namespace() != client.DefaultNamespace {
		t.Errorf("the client's namespace is not DefaultNamespace")
	}
	if err := c.SignalWorkflow(context.Background(), "missing", "", "s", nil); err == nil {
		t.Fatal("signal to a missing workflow succeeded")
	}
}
