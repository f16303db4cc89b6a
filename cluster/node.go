// Package cluster runs a grainflow node. In this release a node is a single
// process: it opens the journal in its data directory and hosts the workflow
// actors of every partition. Membership, Raft replication and the network API
// come later and will live here too, behind the same Node.
package cluster

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/grainflow/grainflow/actor"
	"github.com/grainflow/grainflow/journal"
)

// Options configures a node. The zero value of each field picks its default.
type Options struct {
	// DataDir holds the journal. It is created if missing. Required.
	DataDir string
	// Partitions is the partition count, fixed when the data directory is
	// first created (default 16). Opening an existing directory with another
	// non-zero count is an error.
	Partitions int
	// Retention is how long closed workflows keep their history (default 7 days).
	Retention time.Duration
	// IdleTimeout is how long a workflow actor stays in memory without
	// messages before it passivates (default 60 s).
	IdleTimeout time.Duration
	// MaxPayloadBytes bounds a single start, signal or query payload (default 2 MiB).
	MaxPayloadBytes int
	// DeadlockTimeout is how long workflow code may run without yielding
	// before its task fails as a deadlock (default 1 s).
	DeadlockTimeout time.Duration
	// Namespace is the default namespace of clients (default "default").
	Namespace string
	// Logger receives the node's logs (default: discard).
	Logger *slog.Logger
}

// Node is one running grainflow node.
type Node struct {
	journal *journal.DB
	engine  *actor.Engine

	stopMu sync.Mutex
	stops  []func() // of the running services (services.go)
}

// Open starts a node on opts.DataDir. Workflows found in the journal resume
// as soon as a worker for their task queue starts.
func Open(opts Options) (*Node, error) {
	if opts.DataDir == "" {
		return nil, errors.New("cluster: Options.DataDir is required")
	}
	if err := os.MkdirAll(opts.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("cluster: create data directory %s: %w", opts.DataDir, err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	j, err := journal.Open(opts.DataDir, journal.Options{
		Partitions: opts.Partitions,
		Retention:  opts.Retention,
		Logger:     logger,
	})
	if err != nil {
		return nil, err
	}
	e, err := actor.NewEngine(j, actor.EngineOptions{
		Namespace:       opts.Namespace,
		IdleTimeout:     opts.IdleTimeout,
		MaxPayloadBytes: opts.MaxPayloadBytes,
		DeadlockTimeout: opts.DeadlockTimeout,
		Logger:          logger,
	})
	if err != nil {
		_ = j.Close()
		return nil, err
	}
	n := &Node{journal: j, engine: e}
	if err := n.startServices(); err != nil {
		_ = e.Close()
		_ = j.Close()
		return nil, err
	}
	return n, nil
}

// Engine returns the node's workflow engine, which sdk/client and sdk/worker drive.
func (n *Node) Engine() *actor.Engine { return n.engine }

// JournalStats returns the journal's counters: appends, events and the
// synced commits they shared.
func (n *Node) JournalStats() journal.Stats { return n.journal.Stats() }

// Close stops the node's services (such as the schedule worker), the
// workflow actors and activity workers, then closes the journal.
func (n *Node) Close() error {
	n.stopServices()
	return errors.Join(n.engine.Close(), n.journal.Close())
}
