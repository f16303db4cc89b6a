package internal

import (
	"context"
	"log/slog"
	"runtime"
	"time"
)

// Logger is the logging interface of workflow and activity code, as in
// Temporal: a message and alternating keys and values.
type Logger interface {
	Debug(msg string, keyvals ...any)
	Info(msg string, keyvals ...any)
	Warn(msg string, keyvals ...any)
	Error(msg string, keyvals ...any)
}

// WithLogger is implemented by a Logger that can return a child logger
// adding keyvals to every entry. With must not change the receiver.
type WithLogger interface {
	With(keyvals ...any) Logger
}

// WithSkipCallers is implemented by a Logger that reports the source line
// of its caller and can return a child logger that skips more stack frames,
// for wrappers that log on their caller's behalf. WithCallerSkip must not
// change the receiver.
type WithSkipCallers interface {
	WithCallerSkip(depth int) Logger
}

// NewStructuredLogger returns a Logger that writes to l (slog.Default() if
// l is nil). Entries carry the source line of the code that called the
// Logger, for handlers with AddSource. The logger implements WithLogger and
// WithSkipCallers.
func NewStructuredLogger(l *slog.Logger) Logger {
	if l == nil {
		l = slog.Default()
	}
	return structuredLogger{l: l}
}

// structuredLogger adapts a *slog.Logger to Logger.
type structuredLogger struct {
	l *slog.Logger
	// skip is the number of extra frames between the code that logs and
	// this adapter's methods.
	skip int
}

func (s structuredLogger) Debug(msg string, keyvals ...any) { s.log(slog.LevelDebug, msg, keyvals) }
func (s structuredLogger) Info(msg string, keyvals ...any)  { s.log(slog.LevelInfo, msg, keyvals) }
func (s structuredLogger) Warn(msg string, keyvals ...any)  { s.log(slog.LevelWarn, msg, keyvals) }
func (s structuredLogger) Error(msg string, keyvals ...any) { s.log(slog.LevelError, msg, keyvals) }

// With returns a logger that adds keyvals to every entry.
func (s structuredLogger) With(keyvals ...any) Logger {
	return structuredLogger{l: s.l.With(keyvals...), skip: s.skip}
}

// WithCallerSkip returns a logger that reports the source line depth frames
// further up the stack.
func (s structuredLogger) WithCallerSkip(depth int) Logger {
	return structuredLogger{l: s.l, skip: s.skip + depth}
}

// log writes one record whose source is the caller of Debug/Info/Warn/Error
// (plus skip frames). Calling slog.Logger's methods instead would record
// this file as the source.
func (s structuredLogger) log(level slog.Level, msg string, keyvals []any) {
	ctx := context.Background()
	if !s.l.Enabled(ctx, level) {
		return
	}
	var pcs [1]uintptr
	// Skip runtime.Callers, log, and the exported method.
	runtime.Callers(3+s.skip, pcs[:])
	r := slog.NewRecord(time.Now(), level, msg, pcs[0])
	r.Add(keyvals...)
	_ = s.l.Handler().Handle(ctx, r)
}

// LoggerWith returns a logger that adds keyvals to every entry of logger:
// logger.With(keyvals...) if logger implements WithLogger, otherwise a
// wrapper that prepends keyvals to each call. It is log.With.
func LoggerWith(logger Logger, keyvals ...any) Logger {
	if len(keyvals) == 0 {
		return logger
	}
	if wl, ok := logger.(WithLogger); ok {
		return wl.With(keyvals...)
	}
	return keyvalsLogger{next: LoggerSkip(logger, 1), keyvals: keyvals}
}

// LoggerSkip returns a logger that reports the source line depth frames
// further up the stack, if logger implements WithSkipCallers; otherwise
// logger itself. It is log.Skip.
func LoggerSkip(logger Logger, depth int) Logger {
	if sl, ok := logger.(WithSkipCallers); ok {
		return sl.WithCallerSkip(depth)
	}
	return logger
}

// keyvalsLogger prepends keyvals to the entries of a logger that cannot
// add them itself. next already skips the wrapper's frame.
type keyvalsLogger struct {
	next    Logger
	keyvals []any
}

func (k keyvalsLogger) Debug(msg string, keyvals ...any) { k.next.Debug(msg, k.join(keyvals)...) }
func (k keyvalsLogger) Info(msg string, keyvals ...any)  { k.next.Info(msg, k.join(keyvals)...) }
func (k keyvalsLogger) Warn(msg string, keyvals ...any)  { k.next.Warn(msg, k.join(keyvals)...) }
func (k keyvalsLogger) Error(msg string, keyvals ...any) { k.next.Error(msg, k.join(keyvals)...) }

func (k keyvalsLogger) join(keyvals []any) []any {
	return append(append(make([]any, 0, len(k.keyvals)+len(keyvals)), k.keyvals...), keyvals...)
}

// With returns a wrapper that prepends both sets of keyvals.
func (k keyvalsLogger) With(keyvals ...any) Logger {
	return keyvalsLogger{next: k.next, keyvals: k.join(keyvals)}
}

// WithCallerSkip passes the extra depth on to the wrapped logger.
func (k keyvalsLogger) WithCallerSkip(depth int) Logger {
	return keyvalsLogger{next: LoggerSkip(k.next, depth), keyvals: k.keyvals}
}
