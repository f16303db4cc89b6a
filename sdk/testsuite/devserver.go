package testsuite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/grainflow/grainflow/cluster"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/temporal"
)

// DevServer is a grainflow node for integration tests, the counterpart of
// Temporal's dev server: where Temporal starts a server process and a
// client dials it, grainflow opens an embedded node in this process and
// hands out a client of it. Workers started on that client run the
// workflows, as they would on a production node.
type DevServer struct {
	node   *cluster.Node
	client client.Client
	// tempDir is the node's data directory when it was made for this
	// server; Stop removes it.
	tempDir string
}

// DevServerOptions configure StartDevServer. The fields are those of
// Temporal's; the ones about a server process (ExistingPath,
// CachedDownload, EnableUI, UIPort, ExtraArgs) have nothing to act on in an
// embedded node and are ignored.
type DevServerOptions struct {
	ExistingPath   string
	CachedDownload CachedDownload
	// ClientOptions configure the client Client returns (namespace,
	// identity, data converter, logger); its Node is set to the dev node.
	ClientOptions *client.Options
	// DBFilename is the node's data directory, kept after Stop. Empty: a
	// temporary directory that Stop removes.
	DBFilename string
	EnableUI   bool
	UIPort     string
	// LogFormat ("pretty" or "text", the default; "json") and LogLevel
	// ("debug", "info", "warn" (default), "error") shape the node's log,
	// written to Stderr (default os.Stderr).
	LogFormat string
	LogLevel  string
	// SearchAttributes need no registration in grainflow (the first type
	// an attribute is set with in a namespace is its type); they are
	// ignored.
	SearchAttributes temporal.SearchAttributes
	ExtraArgs        []string
	Stdout           io.Writer
	Stderr           io.Writer
}

// CachedDownload is accepted for compatibility with Temporal's
// DevServerOptions; grainflow downloads nothing.
type CachedDownload struct {
	Version string
	DestDir string
}

// StartDevServer opens a node for a test and a client of it. Stop closes
// both.
func StartDevServer(ctx context.Context, options DevServerOptions) (*DevServer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	logger, err := devServerLogger(options)
	if err != nil {
		return nil, err
	}
	s := &DevServer{}
	dir := options.DBFilename
	if dir == "" {
		if dir, err = os.MkdirTemp("", "grainflow-devserver-"); err != nil {
			return nil, fmt.Errorf("testsuite: dev server data directory: %w", err)
		}
		s.tempDir = dir
	}
	if s.node, err = cluster.Open(cluster.Options{DataDir: dir, Logger: logger}); err != nil {
		s.removeTempDir()
		return nil, fmt.Errorf("testsuite: start dev server: %w", err)
	}
	var clientOptions client.Options
	if options.ClientOptions != nil {
		clientOptions = *options.ClientOptions
	}
	clientOptions.Node = s.node
	if s.client, err = client.Dial(clientOptions); err != nil {
		_ = s.Stop()
		return nil, fmt.Errorf("testsuite: dev server client: %w", err)
	}
	return s, nil
}

// devServerLogger builds the node's logger from the log options.
func devServerLogger(options DevServerOptions) (*slog.Logger, error) {
	var level slog.Level
	switch strings.ToLower(options.LogLevel) {
	case "debug":
		level = slog.LevelDebug
	case "info":
		level = slog.LevelInfo
	case "", "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	default:
		return nil, fmt.Errorf("testsuite: unknown dev server log level %q (have debug, info, warn, error)", options.LogLevel)
	}
	out := options.Stderr
	if out == nil {
		out = os.Stderr
	}
	handlerOptions := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(options.LogFormat) {
	case "", "pretty", "text":
		return slog.New(slog.NewTextHandler(out, handlerOptions)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(out, handlerOptions)), nil
	}
	return nil, fmt.Errorf("testsuite: unknown dev server log format %q (have pretty, text, json)", options.LogFormat)
}

// Client returns the client of the dev node. Stop closes it.
func (s *DevServer) Client() client.Client { return s.client }

// FrontendHostPort returns "": an embedded node has no network frontend.
// Code that dials an address needs the client from Client instead.
func (s *DevServer) FrontendHostPort() string { return "" }

// Stop closes the client and the node and removes a temporary data
// directory.
func (s *DevServer) Stop() error {
	if s.client != nil {
		s.client.Close()
	}
	var err error
	if s.node != nil {
		err = s.node.Close()
	}
	return errors.Join(err, s.removeTempDir())
}

func (s *DevServer) removeTempDir() error {
	if s.tempDir == "" {
		return nil
	}
	dir := s.tempDir
	s.tempDir = ""
	return os.RemoveAll(dir)
}
