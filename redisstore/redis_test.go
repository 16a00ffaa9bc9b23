package redisstore_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// needServer skips a test that needs an outside server, loudly, when run
// outside CI without it, and fails it in CI, where .ci/services.sh must
// have provided it.
func needServer(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("CI: %s is not available; .ci/run must `source .ci/services.sh` and install redis-server", what)
	}
	t.Skipf("SKIPPING: %s is not available. Run `source .ci/services.sh` first (it starts redis-server and exports GOCRED_REDIS_ADDR).", what)
}

// sharedRedis returns a client of the Redis .ci/services.sh started, and a
// key prefix of this test's own, so tests never see each other's keys.
func sharedRedis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	addr := os.Getenv("GOCRED_REDIS_ADDR")
	if addr == "" {
		needServer(t, "Redis (GOCRED_REDIS_ADDR is unset)")
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { rdb.Close() })
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("GOCRED_REDIS_ADDR=%s does not answer: %v", addr, err)
	}
	return rdb, testPrefix()
}

func testPrefix() string { return "gocredtest:" + rand.Text()[:10] + ":" }

// redisServer is a redis-server of a test's own, which it may stop and
// start again on the same port.
type redisServer struct {
	t    testing.TB
	bin  string
	port int
	cmd  *exec.Cmd
	args []string // more arguments to redis-server
}

// ownRedis starts a redis-server for this test alone, without persistence,
// as .ci/services.sh runs the shared one, with more arguments if given.
func ownRedis(t testing.TB, args ...string) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		needServer(t, "redis-server (not on PATH)")
	}
	s := &redisServer{t: t, bin: bin, port: freePort(t), args: args}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

func (s *redisServer) start() {
	s.t.Helper()
	args := []string{"--bind", "127.0.0.1", "--port", strconv.Itoa(s.port),
		"--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction", "--dir", s.t.TempDir()}
	s.cmd = exec.Command(s.bin, append(args, s.args...)...)
	var out strings.Builder
	s.cmd.Stdout, s.cmd.Stderr = &out, &out
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("starting redis-server: %v", err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: s.addr(), MaxRetries: -1, ContextTimeoutEnabled: true})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for rdb.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			s.t.Fatalf("redis-server on %s did not answer within 10s:\n%s", s.addr(), out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop kills the server (as a crash would: nothing is saved) and waits.
func (s *redisServer) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.cmd = nil
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// keysUnder lists the keys with prefix.
func keysUnder(t testing.TB, rdb *redis.Client, prefix string) []string {
	t.Helper()
	keys, err := rdb.Keys(context.Background(), prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func mustNoErr(t testing.TB, err error, what string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(what, args...), err)
	}
}

// newClient returns a client with short timeouts and no retries, so a
// stopped server shows at once.
func newClient(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr:                  addr,
		DialTimeout:           time.Second,
		ReadTimeout:           time.Second,
		WriteTimeout:          time.Second,
		MaxRetries:            -1,
		ContextTimeoutEnabled: true,
	})
}
