package httpauth

// The general auth-param list parser: the reference parseDigest is checked
// against (FuzzParseAuthParams), and what the tests' own Digest client
// parses challenges with. The server parses Digest responses with
// parseDigest, from the same pieces.

// parseAuthParams parses an RFC 7235 #auth-param list (name=token or
// name="quoted string", comma separated, optional whitespace, empty list
// elements allowed) and calls fn for each parameter with its lower-cased
// name and its unescaped value. A name given twice is an error, because a
// client that sends two realms or two responses cannot be answered safely.
func parseAuthParams(s string, fn func(name, value string) error) error {
	var seen [maxAuthParams]string
	n := 0
	for i := 0; ; {
		name, value, next, err := nextAuthParam(s, i)
		if err != nil || next < 0 {
			return err
		}
		i = next
		if n == maxAuthParams {
			return errParamTooMany
		}
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

// nextAuthParam reads the auth-param of s starting at or after i (past
// whitespace and empty list elements): its lower-cased name, its unescaped
// value and the index to read on from. next is -1 at the end of the list.
func nextAuthParam(s string, i int) (name, value string, next int, err error) {
	i = skipListSeparators(s, i)
	if i == len(s) {
		return "", "", -1, nil
	}
	name, i, err = readParamName(s, i)
	if err != nil {
		return "", "", 0, err
	}
	value, i, err = readParamValue(s, i)
	if err != nil {
		return "", "", 0, err
	}
	return name, value, i, nil
}

// parseDigestParams is parseDigest returning the parameters.
func parseDigestParams(params string) (digestParams, error) {
	var p digestParams
	if err := parseDigest(&p, params); err != nil {
		return digestParams{}, err
	}
	return p, nil
}
