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

// skipListSeparators skips OWS and empty list elements.
func skipListSeparators(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == ',') {
		i++
	}
	return i
}

// readParamName reads a parameter's name (a token) at s[i:], and the '='
// after it with optional whitespace around, returning the name lower-cased
// and the index after the '='.
func readParamName(s string, i int) (name string, next int, err error) {
	start := i
	upper := false
	for i < len(s) {
		c := s[i]
		if !tchar[c] {
			break
		}
		upper = upper || 'A' <= c && c <= 'Z'
		i++
	}
	if i == start {
		return "", 0, errParamSyntax
	}
	name = s[start:i]
	if upper {
		name = strings.ToLower(name)
	}
	i = skipOWS(s, i)
	if i == len(s) || s[i] != '=' {
		return "", 0, errParamSyntax
	}
	return name, i + 1, nil
}

// readParamValue reads a parameter's value (a token or a quoted-string,
// with optional whitespace around) at s[i:], just after the '=', and
// checks that the list element ends there; it returns the unescaped value
// and the index of the ',' or the end.
func readParamValue(s string, i int) (value string, next int, err error) {
	i = skipOWS(s, i)
	if i == len(s) {
		return "", 0, errParamSyntax
	}
	if s[i] == '"' {
		v, end, ok := readQuoted(s, i)
		if !ok {
			return "", 0, errParamSyntax
		}
		value, i = v, end
	} else {
		start := i
		for i < len(s) && tchar[s[i]] {
			i++
		}
		if i == start {
			return "", 0, errParamSyntax
		}
		value = s[start:i]
	}
	i = skipOWS(s, i)
	if i < len(s) && s[i] != ',' {
		return "", 0, errParamSyntax
	}
	return value, i, nil
}

// readQuoted reads the quoted-string starting at s[i] == '"', returning its
// unescaped content and the index after the closing quote.
func readQuoted(s string, i int) (string, int, bool) {
	i++ // opening quote
	start := i
	escaped := false
	for i < len(s) {
		// qdtext runs are the common case: eight bytes at a time, then
		// one table lookup a byte.
		for i+8 <= len(s) && plainQdtext8(s[i:i+8]) {
			i += 8
		}
		for i < len(s) && qdtext[s[i]] {
			i++
		}
		if i == len(s) {
			break
		}
		switch s[i] {
		case '"':
			v := s[start:i]
			if escaped {
				v = unescapeQuoted(v)
			}
			return v, i + 1, true
		case '\\':
			if i+1 == len(s) || !isQuotedPairChar(s[i+1]) {
				return "", 0, false
			}
			escaped = true
			i += 2
		default:
			return "", 0, false // a control character
		}
	}
	return "", 0, false // no closing quote: the header was cut short
}

// plainQdtext8 reports whether the 8 bytes of s are all qdtext other than
// tab (so no '"', '\\', control character or DEL), testing them as one
// word: the standard "has a zero byte" and "has a byte less than n" bit
// tricks, which never miss such a byte.
func plainQdtext8(s string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	_ = s[7]
	x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	hasZero := func(v uint64) uint64 { return (v - ones) & ^v & highs }
	bad := (x - ones*0x20) & ^x & highs // a byte below 0x20
	bad |= hasZero(x ^ (ones * '"'))
	bad |= hasZero(x ^ (ones * '\\'))
	bad |= hasZero(x ^ (ones * 0x7f))
	return bad == 0
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

// tchar marks the RFC 9110 token characters; qdtext the bytes a
// quoted-string holds unescaped (any but '"', '\\' and controls other than
// tab). Tables, because header parsing runs on every request.
var tchar, qdtext = func() (t, q [256]bool) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		t[c] = 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
		q[c] = isQuotedPairChar(b) && b != '"' && b != '\\'
	}
	return t, q
}()

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
