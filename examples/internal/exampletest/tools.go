package exampletest

import (
	"os"
	"os/exec"
	"testing"
)

// Need returns the path of the named program. If it is missing, the test
// fails under CI (the CI script installs it) and is skipped elsewhere, loudly.
func Need(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed, and CI must run this test: %v", name, err)
	}
	t.Skipf("SKIPPING: %s is not installed (%v); install it to run this test", name, err)
	return ""
}
