package checkers

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"strings"

	"github.com/gocred/gocred/cred"
)

// digestAlgorithms lists the base Digest algorithms a plaintext store can
// compute HA1s for.
var digestAlgorithms = []string{cred.AlgorithmMD5, cred.AlgorithmSHA256, cred.AlgorithmSHA512_256}

// digestHashFunc returns the hash of a Digest algorithm name (RFC 7616;
// case-insensitive, "-sess" variants use the same function), or nil.
func digestHashFunc(algorithm string) func() hash.Hash {
	alg := strings.ToUpper(strings.TrimSuffix(strings.ToUpper(algorithm), "-SESS"))
	switch alg {
	case "", cred.AlgorithmMD5: // RFC 7616: a missing algorithm means MD5
		return md5.New
	case cred.AlgorithmSHA256:
		return sha256.New
	case cred.AlgorithmSHA512_256:
		return sha512.New512_256
	}
	return nil
}

// digestHex returns hex H(parts joined by ":").
func digestHex(newHash func() hash.Hash, parts ...string) string {
	h := newHash()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{':'})
		}
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}
