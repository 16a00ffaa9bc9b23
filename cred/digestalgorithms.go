package cred

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// allDigestAlgorithms are the Digest base algorithms a store of plaintext
// passwords can verify.
var allDigestAlgorithms = []string{AlgorithmMD5, AlgorithmSHA256, AlgorithmSHA512_256}

// DigestAlgorithmsOf reports the Digest base algorithms checker c can
// verify in realm. A checker none of whose credential interfaces Digest
// credentials could satisfy (UsernameHashedPassword, UsernameDigestHash or
// one they imply, such as any) never receives them and verifies none,
// whatever else it says (as does a nil c). Any other says what it reports
// (DigestAlgorithmReporter, with its error; else DigestAlgorithmer), or
// verifies all of them. Decorators and chains answer for what they wrap.
func DigestAlgorithmsOf(c Checker, realm string) ([]string, error) {
	if c == nil {
		return nil, nil
	}
	if !slices.ContainsFunc(c.CredentialInterfaces(), takesDigest) {
		return nil, nil
	}
	if r, ok := c.(DigestAlgorithmReporter); ok {
		return r.ReportDigestAlgorithms(realm)
	}
	if a, ok := c.(DigestAlgorithmer); ok {
		return a.DigestAlgorithms(realm), nil
	}
	return slices.Clone(allDigestAlgorithms), nil
}

// takesDigest reports whether credentials declared as iface may be Digest
// ones: routing goes by Implements, so a checker of an interface of its
// own that Digest credentials satisfy (or of any) receives them too.
func takesDigest(iface reflect.Type) bool {
	return iface != nil && (UsernameHashedPasswordType.Implements(iface) || UsernameDigestHashType.Implements(iface))
}

// AgreedDigestAlgorithms returns the Digest base algorithms that every one
// of checkers verifying some algorithm in realm verifies (see
// DigestAlgorithmsOf), in the order the first of them gives. Checkers
// verifying none there (no users in the realm) have no say; with none
// having a say, it returns nil. A client answers the first challenge it
// supports, so an algorithm one store lacks would lock that store's users
// out: it is an error if the checkers agree on none, naming what each
// verifies, or if one cannot say.
func AgreedDigestAlgorithms(realm string, checkers ...Checker) ([]string, error) {
	var algs []string
	seen := false
	for _, c := range checkers {
		mine, err := DigestAlgorithmsOf(c, realm)
		switch {
		case err != nil:
			return nil, err
		case len(mine) == 0:
			continue
		case !seen:
			algs, seen = slices.Clone(mine), true
		default:
			algs = slices.DeleteFunc(algs, func(a string) bool { return !slices.Contains(mine, a) })
		}
	}
	if seen && len(algs) == 0 {
		return nil, fmt.Errorf("cred: the checkers agree on no Digest algorithm in realm %q (%s): whichever were offered, some users could never log in", realm, DescribeDigestAlgorithms(realm, checkers...))
	}
	return algs, nil
}

// DescribeDigestAlgorithms says, for an error message, what each of
// checkers with a say verifies in realm (see DigestAlgorithmsOf): "htdigest
// file users.htdigest verifies [MD5]; ...", or that none has a say.
func DescribeDigestAlgorithms(realm string, checkers ...Checker) string {
	var said []string
	for _, c := range checkers {
		mine, err := DigestAlgorithmsOf(c, realm)
		switch {
		case err != nil:
			said = append(said, fmt.Sprintf("%s cannot say: %v", DescribeChecker(c), err))
		case len(mine) > 0:
			said = append(said, fmt.Sprintf("%s verifies %v", DescribeChecker(c), mine))
		}
	}
	if len(said) == 0 {
		return fmt.Sprintf("no checker verifies Digest responses in realm %q", realm)
	}
	return strings.Join(said, "; ")
}
