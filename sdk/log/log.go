// Package log is the logging interface of workflow and activity code, as in
// the Temporal Go SDK's log package.
package log

import (
	"log/slog"

	"github.com/grainflow/grainflow/sdk/internal"
)

// Logger logs a message with alternating keys and values.
type Logger = internal.Logger

// NewStructuredLogger returns a Logger that writes to a *slog.Logger.
func NewStructuredLogger(l *slog.Logger) Logger { return internal.NewStructuredLogger(l) }
