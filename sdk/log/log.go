// Package log is the logging interface of workflow and activity code, as in
// the Temporal Go SDK's log package.
package log

import (
	"log/slog"

	"github.com/grainflow/grainflow/sdk/internal"
)

type (
	// Logger logs a message with alternating keys and values.
	Logger = internal.Logger
	// WithLogger is implemented by loggers that can add keyvals to every
	// entry of a child logger.
	WithLogger = internal.WithLogger
	// WithSkipCallers is implemented by loggers that report their caller's
	// source line and can skip more frames for wrappers.
	WithSkipCallers = internal.WithSkipCallers
)

// NewStructuredLogger returns a Logger that writes to a *slog.Logger.
func NewStructuredLogger(logger *slog.Logger) Logger { return internal.NewStructuredLogger(logger) }

// With returns a logger that adds keyvals to every entry of logger.
func With(logger Logger, keyvals ...any) Logger { return internal.LoggerWith(logger, keyvals...) }

// Skip returns a logger that reports the source line depth frames further
// up the stack, if logger supports it (WithSkipCallers); otherwise logger.
func Skip(logger Logger, depth int) Logger { return internal.LoggerSkip(logger, depth) }
