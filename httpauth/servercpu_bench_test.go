package httpauth

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// benchServerEnv names, in a child process of the test binary, the
// benchmark server it is to run (see TestMain).
const benchServerEnv = "GOCRED_BENCH_SERVER"

// TestMain runs the tests, or, in a child process started by
// BenchmarkServerCPU, one benchmark server.
func TestMain(m *testing.M) {
	if name := os.Getenv(benchServerEnv); name != "" {
		runBenchServer(name)
		return
	}
	os.Exit(m.Run())
}

// runBenchServer serves the benchmark case name on 127.0.0.1, prints its
// address and serves until killed. testing.Benchmark provides the
// *testing.B that authBenchCases builds with.
func runBenchServer(name string) {
	testing.Benchmark(func(b *testing.B) {
		for _, tc := range authBenchCases(b) {
			if tc.name != name {
				continue
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				fmt.Println("error:", err)
				os.Exit(1)
			}
			fmt.Println(ln.Addr())
			http.Serve(ln, tc.handler)
		}
		fmt.Println("error: no benchmark case", name)
		os.Exit(1)
	})
}

// BenchmarkServerCPU measures what each server costs the machine it runs
// on: the servers run in processes of their own, and the benchmark reads
// the CPU time each process used (from /proc) while serving the same
// number of requests. Unlike BenchmarkThroughput, the clients' own work
// (sending a longer header, say) is not counted against the server. It
// reports
//
//	server-ns/req  CPU time the server used per request
//	x-baseline      the no-auth server's CPU per request over this one's:
//	                the throughput it keeps when the server is the
//	                bottleneck (1.0 = authentication is free); the median
//	                over pairs of adjacent rounds
//	x-baseline-sum  the same over all rounds summed
//
// Run:
//
//	go test -run '^$' -bench BenchmarkServerCPU -benchtime 30000x ./httpauth/
func BenchmarkServerCPU(b *testing.B) {
	if _, err := os.Stat("/proc/self/task"); err != nil {
		b.Skip("needs Linux /proc to read a process's CPU time")
	}
	base := startBenchServer(b, "no-auth")
	for _, tc := range authBenchCases(b) {
		if tc.uncached {
			continue // go-http-auth's Basic hashes bcrypt on every request
		}
		b.Run(tc.name, func(b *testing.B) {
			srv := startBenchServer(b, tc.name)
			l := newLoad(b)
			defer l.close()
			for w := range l.headers {
				remoteHeaders(b, srv.url, tc, l.headers[w])
			}
			auth := l.headers[0][0] != ""
			cpu := func(s *benchServer, auth bool) func(n int) time.Duration {
				return func(n int) time.Duration {
					before := s.cpu(b)
					l.round(s.url, n, auth)
					return s.cpu(b) - before
				}
			}
			// Warm up: open the connections, let both servers settle.
			l.round(base.url, benchWorkers*4, false)
			l.round(srv.url, benchWorkers, auth)
			baseline, measured, ratio := alternate(b, cpu(base, false), cpu(srv, auth))
			b.ReportMetric(float64(measured.Nanoseconds())/float64(b.N), "server-ns/req")
			b.ReportMetric(ratio, "x-baseline")
			b.ReportMetric(float64(baseline)/float64(measured), "x-baseline-sum")
		})
	}
}

// benchServer is a benchmark server running in a child process.
type benchServer struct {
	url string
	pid int
}

// startBenchServer runs the benchmark case name in a child process of
// this test binary and returns once it listens.
func startBenchServer(b *testing.B, name string) *benchServer {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), benchServerEnv+"="+name)
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.HasPrefix(line, "error") {
		b.Fatalf("benchmark server %s: %q, %v", name, line, err)
	}
	return &benchServer{url: "http://" + strings.TrimSpace(line) + "/file.txt", pid: cmd.Process.Pid}
}

// cpu returns the CPU time the server process has used so far: the sum of
// its threads' run times in /proc/PID/task/*/schedstat (nanoseconds).
func (s *benchServer) cpu(b *testing.B) time.Duration {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", s.pid))
	if err != nil || len(tasks) == 0 {
		b.Fatalf("reading the server's CPU time: %v", err)
	}
	var total int64
	for _, t := range tasks {
		data, err := os.ReadFile(t)
		if err != nil {
			continue // a thread that just exited
		}
		f := strings.Fields(string(data))
		if len(f) == 0 {
			continue
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err == nil {
			total += ns
		}
	}
	return time.Duration(total)
}

// remoteHeaders fills out with Authorization headers for tc's scheme, for
// one client: Digest ones on a nonce of its own, fetched from url.
func remoteHeaders(b *testing.B, url string, tc authBenchCase, out []string) {
	switch {
	case tc.control:
		next := controlDigestHeaders(b)
		for i := range out {
			out[i] = next()
		}
	case tc.basic:
		for i := range out {
			out[i] = basicHeader(benchUser, benchPassword)
		}
	case tc.digestAlg != "":
		resp, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		var ch map[string]string
		for _, c := range challenges(b, resp.Header) {
			if strings.EqualFold(strings.Trim(c["algorithm"], `"`), tc.digestAlg) {
				ch = c
			}
		}
		if ch == nil {
			b.Fatalf("no %s challenge from %s", tc.digestAlg, url)
		}
		c := clientFor(ch, benchUser, benchPassword)
		c.algorithm = tc.digestAlg
		for i := range out {
			out[i] = c.header("GET", "/file.txt", nil)
		}
	}
}
