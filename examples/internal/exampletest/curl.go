package exampletest

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"testing"
	"time"
)

// CurlResult is what one curl run produced.
type CurlResult struct {
	Code   int    // curl's exit code: 0 on success, 67 for a refused FTP login, ...
	Status string // the HTTP status code (from -w), "000" when there was none
	Body   string // what curl wrote to stdout, minus the status line
	Stderr string // curl's diagnostics, with -v the protocol exchange
}

// Curl runs the real curl with args, adding -sS (quiet but with errors),
// timeouts and, for HTTP, a last line with the status code. It fails the
// test only if curl cannot be run at all; a non-zero exit is in Code.
func Curl(t testing.TB, args ...string) CurlResult {
	t.Helper()
	curl := Need(t, "curl")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	full := append([]string{"-sS", "--connect-timeout", "10", "--max-time", "50", "-w", "\n%{response_code}"}, args...)
	cmd := exec.CommandContext(ctx, curl, full...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("curl %q: %v", args, err)
	}
	res := CurlResult{Code: cmd.ProcessState.ExitCode(), Stderr: stderr.String()}
	out := stdout.String()
	if i := bytes.LastIndexByte(stdout.Bytes(), '\n'); i >= 0 {
		res.Body, res.Status = out[:i], out[i+1:]
	}
	return res
}
