package internal

import "log/slog"

// Logger is the logging interface of workflow and activity code, as in
// Temporal: a message and alternating keys and values.
type Logger interface {
	Debug(msg string, keyvals ...any)
	Info(msg string, keyvals ...any)
	Warn(msg string, keyvals ...any)
	Error(msg string, keyvals ...any)
}

// structuredLogger adapts a *slog.Logger to Logger.
type structuredLogger struct{ l *slog.Logger }

// NewStructuredLogger returns a Logger that writes to l.
func NewStructuredLogger(l *slog.Logger) Logger { return structuredLogger{l: l} }

func (s structuredLogger) Debug(msg string, keyvals ...any) { s.l.Debug(msg, keyvals...) }
func (s structuredLogger) Info(msg string, keyvals ...any)  { s.l.Info(msg, keyvals...) }
func (s structuredLogger) Warn(msg string, keyvals ...any)  { s.l.Warn(msg, keyvals...) }
func (s structuredLogger) Error(msg string, keyvals ...any) { s.l.Error(msg, keyvals...) }
