package httpauth

import (
	"errors"
	"strings"
)

// maxAuthParams bounds the number of parameters in one Authorization header,
// so a hostile header cannot make the parser do unbounded work.
const maxAuthParams = 32

var (
	errParamSyntax    = errors.New("malformed auth-param list")
	errParamDuplicate = errors.New("duplicate auth-param")
	errParamTooMany   = errors.New("too many auth-params")
)

// parseAuthParams parses an RFC 7235 #auth-param list (name=token or
// name="quoted string", comma separated, optional whitespace, empty list
// elements allowed) and calls fn for each parameter with its lower-cased
// name and its unescaped value. A name given twice is an error, because a
// client that sends two realms or two responses cannot be answered safely.
func parseAuthParams(s string, fn func(name, value string) error) error {
	var seen [maxAuthParams]string
	n := 0
	i := 0
	for {
		// Skip OWS and empty list elements.
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == ',') {
			i++
		}
		if i == len(s) {
			return nil
		}
		start := i
		for i < len(s) && isTokenChar(s[i]) {
			i++
		}
		if i == start {
			return errParamSyntax
		}
		name := s[start:i]
		i = skipOWS(s, i)
		if i == len(s) || s[i] != '=' {
			return errParamSyntax
		}
		i = skipOWS(s, i+1)
		if i == len(s) {
			return errParamSyntax
		}
		var value string
		if s[i] == '"' {
			v, next, ok := readQuoted(s, i)
			if !ok {
				return errParamSyntax
			}
			value, i = v, next
		} else {
			start := i
			for i < len(s) && isTokenChar(s[i]) {
				i++
			}
			if i == start {
				return errParamSyntax
			}
			value = s[start:i]
		}
		i = skipOWS(s, i)
		if i < len(s) && s[i] != ',' {
			return errParamSyntax
		}
		if n == maxAuthParams {
			return errParamTooMany
		}
		name = lowerASCII(name)
		for _, prev := range seen[:n] {
			if prev == name {
				return errParamDuplicate
			}
		}
		seen[n] = name
		n++
		if err := fn(name, value); err != nil {
			return err
		}
	}
}

// readQuoted reads the quoted-string starting at s[i] == '"', returning its
// unescaped content and the index after the closing quote.
func readQuoted(s string, i int) (string, int, bool) {
	i++ // opening quote
	start := i
	escaped := false
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			v := s[start:i]
			if escaped {
				v = unescapeQuoted(v)
			}
			return v, i + 1, true
		case c == '\\':
			if i+1 == len(s) || !isQuotedPairChar(s[i+1]) {
				return "", 0, false
			}
			escaped = true
			i += 2
		case c == '\t' || (c >= 0x20 && c != 0x7f):
			i++
		default:
			return "", 0, false // a control character
		}
	}
	return "", 0, false // no closing quote: the header was cut short
}

func unescapeQuoted(v string) string {
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

func isQuotedPairChar(c byte) bool { return c == '\t' || (c >= 0x20 && c != 0x7f) }

func skipOWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// isTokenChar reports whether c is an RFC 9110 tchar.
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// appendQuoted appends s as an RFC 9110 quoted-string.
func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			dst = append(dst, '\\')
		}
		dst = append(dst, s[i])
	}
	return append(dst, '"')
}

// quote returns s as an RFC 9110 quoted-string, escaping '"' and '\'.
func quote(s string) string {
	if !strings.ContainsAny(s, `"\`) {
		return `"` + s + `"`
	}
	var b strings.Builder
	b.Grow(len(s) + 4)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// validRealm reports whether realm can be sent in a quoted-string: no
// control characters, valid UTF-8 is the caller's business.
func validRealm(realm string) bool {
	for i := 0; i < len(realm); i++ {
		if !isQuotedPairChar(realm[i]) {
			return false
		}
	}
	return true
}
