package cred

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"time"
)

// Outcome classifies how a login ended.
type Outcome uint8

// Login outcomes, kept apart so a wrong password is never confused with a
// broken store or a misconfiguration.
const (
	OutcomeSuccess      Outcome = iota // logged in
	OutcomeUnauthorized                // wrong password or unknown user
	OutcomeThrottled                   // refused unchecked: too many failures
	OutcomeDenied                      // the realm refused a known user
	OutcomeUnhandled                   // no checker for the credentials: misconfiguration
	OutcomeCanceled                    // the caller's context ended first
	OutcomeError                       // internal error: store down, bug
	OutcomeInconclusive                // accepted, yet not logged in: ErrInconclusive (a stale or replayed Digest request, say)
)

var outcomeNames = [...]string{"success", "unauthorized", "throttled", "denied", "unhandled", "canceled", "error", "inconclusive"}

// String returns the outcome's name: "success", "unauthorized", ...
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

// OutcomeOf classifies an error returned by Portal.Login.
func OutcomeOf(err error) Outcome {
	switch {
	case err == nil:
		return OutcomeSuccess
	case errors.Is(err, ErrThrottled):
		return OutcomeThrottled
	case errors.Is(err, ErrUnauthorizedLogin):
		return OutcomeUnauthorized
	case errors.Is(err, ErrLoginDenied):
		return OutcomeDenied
	case errors.Is(err, ErrUnhandledCredentials):
		return OutcomeUnhandled
	case errors.Is(err, ErrInconclusive):
		return OutcomeInconclusive
	case errors.As(err, new(*storeContextError)):
		return OutcomeError // a store's own timeout, not the caller giving up
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return OutcomeCanceled
	default:
		return OutcomeError
	}
}

// LoginEvent describes one login attempt. It never holds a password or hash.
type LoginEvent struct {
	Protocol   string         // Mind.Protocol: "http", "ftp", ...
	Username   string         // as the client gave it; empty for anonymous
	RemoteAddr netip.AddrPort // Mind.RemoteAddr; zero if unknown
	Outcome    Outcome        // how the login ended
	ID         AvatarID       // who logged in, on success
	Duration   time.Duration  // from the call to Login to its answer
	Err        error          // set for OutcomeError and OutcomeUnhandled only
}

// Observer is told of every login the portal handles, for audit logs and
// metrics. It is called synchronously and must be quick.
type Observer interface {
	// ObserveLogin is called once per login, after it is decided, with
	// the context Login was given.
	ObserveLogin(ctx context.Context, ev LoginEvent)
}

// ObserverFunc adapts a function into an Observer.
type ObserverFunc func(ctx context.Context, ev LoginEvent)

// ObserveLogin calls f.
func (f ObserverFunc) ObserveLogin(ctx context.Context, ev LoginEvent) { f(ctx, ev) }

// SlogObserver returns an Observer that logs each login to l: successes at
// Info, refusals at Warn, misconfigurations and internal errors at Error.
func SlogObserver(l *slog.Logger) Observer {
	return ObserverFunc(func(ctx context.Context, ev LoginEvent) {
		level := slog.LevelInfo
		msg := "login"
		switch ev.Outcome {
		case OutcomeUnauthorized, OutcomeThrottled, OutcomeDenied, OutcomeCanceled, OutcomeInconclusive:
			level = slog.LevelWarn
			msg = "login refused"
		case OutcomeUnhandled:
			level = slog.LevelError
			msg = "login misconfigured: no checker for these credentials"
		case OutcomeError:
			level = slog.LevelError
			msg = "login failed: internal error"
		}
		attrs := []slog.Attr{
			slog.String("protocol", ev.Protocol),
			slog.String("user", ev.Username),
			slog.String("outcome", ev.Outcome.String()),
			slog.Duration("duration", ev.Duration),
		}
		if ev.RemoteAddr.IsValid() {
			attrs = append(attrs, slog.String("remote", ev.RemoteAddr.String()))
		}
		if ev.Err != nil {
			attrs = append(attrs, slog.String("error", ev.Err.Error()))
		}
		l.LogAttrs(ctx, level, msg, attrs...)
	})
}
