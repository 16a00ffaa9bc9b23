package ftpauth

import (
	"errors"

	"github.com/gocred/gocred/cred"
)

// The texts a client sees after PASS. ftpserverlib answers every refused
// login with 530 and closes the connection, so these texts are all that
// tells the outcomes apart; they never carry internal detail.
const (
	replyLoggedIn      = "Login successful."
	replyIncorrect     = "Login incorrect."
	replyNoUser        = "Login incorrect: send USER first."
	replyThrottled     = "Too many failed logins; try again later."
	replyNotAllowed    = "Login not allowed for this account."
	replyUnavailable   = "Service temporarily unavailable."
	replyShuttingDown  = "Service shutting down."
	replyTooManyConns  = "421 Too many connections; try again later.\r\n"
	replyDraining      = "server is shutting down"
	replyTLSNotEnabled = "TLS is not configured on this server"
)

// LoginError is the error AuthUser returns for a refused login. Its text is
// the generic reply the client sees; Unwrap gives the portal's error, for
// errors.Is against cred.ErrUnauthorizedLogin and friends.
type LoginError struct {
	// Outcome classifies the refusal.
	Outcome cred.Outcome
	// Err is the underlying error, which may hold internal detail and is
	// never sent to the client. Nil for a PASS without USER.
	Err   error
	reply string
}

// Error returns the generic text sent to the client.
func (e *LoginError) Error() string { return e.reply }

// Unwrap returns the underlying error.
func (e *LoginError) Unwrap() error { return e.Err }

// newLoginError classifies err, which the portal returned, into the reply
// the client sees.
func newLoginError(err error) *LoginError {
	o := cred.OutcomeOf(err)
	e := &LoginError{Outcome: o, Err: err}
	switch o {
	case cred.OutcomeUnauthorized:
		e.reply = replyIncorrect
	case cred.OutcomeThrottled:
		e.reply = replyThrottled
	case cred.OutcomeDenied:
		e.reply = replyNotAllowed
	default: // unhandled, canceled, internal: the server's fault, not the password's
		e.reply = replyUnavailable
	}
	return e
}

// replyFor is the text sent after PASS for the error AuthUser returned.
func replyFor(err error) string {
	if err == nil {
		return replyLoggedIn
	}
	var le *LoginError
	if errors.As(err, &le) {
		return le.reply
	}
	return replyUnavailable
}
