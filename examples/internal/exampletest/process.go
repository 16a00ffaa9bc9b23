package exampletest

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// StartTimeout bounds how long a program may take to print what a test waits
// for. It is generous: the race detector and a busy CI machine are slow.
const StartTimeout = 60 * time.Second

// Process is a running example program whose output (stdout and stderr,
// interleaved line by line) the test can wait on.
type Process struct {
	t    testing.TB
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // cmd.Wait's result, set before done closes

	mu      sync.Mutex
	lines   []string
	changed chan struct{} // closed and replaced when a line arrives
}

// Start runs bin with args and returns at once. The process is killed when
// the test ends, if it is still running, and its output is logged if the test
// failed.
func Start(t testing.TB, bin string, args ...string) *Process {
	t.Helper()
	p := &Process{t: t, done: make(chan struct{}), changed: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), "NO_COLOR=1")
	pr, pw := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = pw, pw
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			close(p.changed)
			p.changed = make(chan struct{})
			p.mu.Unlock()
		}
		io.Copy(io.Discard, pr)
	}()
	go func() {
		err := p.cmd.Wait()
		pw.Close()
		<-read
		p.err = err
		close(p.done)
	}()
	t.Cleanup(func() {
		// SIGTERM first, so the program cleans up after itself (the
		// fileserver removes its copy of the demo folder); killed if it
		// has not exited a few seconds later.
		select {
		case <-p.done:
		default:
			p.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.done:
			case <-time.After(5 * time.Second):
				p.cmd.Process.Kill()
				<-p.done
			}
		}
		if t.Failed() {
			t.Logf("output of %s:\n%s", bin, p.Output())
		}
	})
	return p
}

// Output returns everything the program has printed so far.
func (p *Process) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// WaitFor waits until a line of output matches re and returns its
// submatches. It fails the test if the program exits first or StartTimeout
// passes.
func (p *Process) WaitFor(re *regexp.Regexp) []string {
	p.t.Helper()
	m, err := p.waitFor(re, StartTimeout)
	if err != nil {
		p.t.Fatalf("waiting for output matching %q: %v\noutput so far:\n%s", re, err, p.Output())
	}
	return m
}

// Saw reports whether some line of output so far matches re, without waiting.
func (p *Process) Saw(re *regexp.Regexp) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.lines {
		if re.MatchString(l) {
			return true
		}
	}
	return false
}

// Eventually waits up to d for a line matching re, for log lines written
// just after the event a test caused; it reports whether one came.
func (p *Process) Eventually(re *regexp.Regexp, d time.Duration) bool {
	_, err := p.waitFor(re, d)
	return err == nil
}

func (p *Process) waitFor(re *regexp.Regexp, d time.Duration) ([]string, error) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	seen := 0
	for {
		p.mu.Lock()
		for ; seen < len(p.lines); seen++ {
			if m := re.FindStringSubmatch(p.lines[seen]); m != nil {
				p.mu.Unlock()
				return m, nil
			}
		}
		changed := p.changed
		p.mu.Unlock()
		select {
		case <-changed:
		case <-p.done:
			// Look once more: the last lines may have come with the exit.
			p.mu.Lock()
			n := len(p.lines)
			p.mu.Unlock()
			if seen == n {
				return nil, errors.New("the program exited: " + exitText(p.err))
			}
		case <-deadline.C:
			return nil, context.DeadlineExceeded
		}
	}
}

// Signal sends sig to the program.
func (p *Process) Signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %v: %v", sig, err)
	}
}

// Wait waits for the program to exit and returns its exit code. It fails the
// test if that takes longer than StartTimeout.
func (p *Process) Wait() int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(StartTimeout):
		p.t.Fatalf("the program did not exit within %v\noutput:\n%s", StartTimeout, p.Output())
	}
	return p.cmd.ProcessState.ExitCode()
}

func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// Run runs bin with args to completion and returns its exit code and
// combined output, for programs expected to refuse to start.
func Run(t testing.TB, bin string, args ...string) (code int, output string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run %s %q: %v", bin, args, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("%s %q did not exit within %v; output:\n%s", bin, args, StartTimeout, out)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}
