package checkers_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"

	auth "github.com/abbot/go-http-auth"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
)

// Every store that knows its users refuses a name it does not hold with
// cred.ErrUnknownUser and a wrong password with a plain
// cred.ErrUnauthorizedLogin; both match ErrUnauthorizedLogin and read the
// same, so nothing a protocol shows or logs tells them apart.
func TestStoresTellUnknownUsersFromWrongPasswordsToChainsOnly(t *testing.T) {
	bcryptHash, err := checkers.Bcrypt{Cost: 4}.Hash("right")
	if err != nil {
		t.Fatal(err)
	}
	memory := checkers.NewMemory(checkers.Bcrypt{Cost: 4})
	if err := memory.Add("alice", "right"); err != nil {
		t.Fatal(err)
	}
	htpasswd, err := checkers.NewHtpasswd(tempFile(t, "users.htpasswd", "alice:"+bcryptHash+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum([]byte("alice:r:right"))
	htdigest, err := checkers.NewHtdigest(tempFile(t, "users.htdigest", "alice:r:"+hex.EncodeToString(sum[:])+"\n"), "r")
	if err != nil {
		t.Fatal(err)
	}
	secrets := func(user, realm string) string {
		if user == "alice" {
			return bcryptHash
		}
		return ""
	}
	ha1s := func(user, realm string) string {
		if user == "alice" {
			return hex.EncodeToString(sum[:])
		}
		return ""
	}
	for name, c := range map[string]cred.Checker{
		"Memory":                   memory,
		"Htpasswd":                 htpasswd,
		"Htdigest":                 htdigest,
		"InsecurePlaintext":        checkers.NewInsecurePlaintext(map[string]string{"alice": "right"}),
		"FromBasicSecretProvider":  checkers.FromBasicSecretProvider(auth.SecretProvider(secrets), "r"),
		"FromDigestSecretProvider": checkers.FromDigestSecretProvider(auth.SecretProvider(ha1s), "r"),
		"a Chain of two":           checkers.NewChain(checkers.NewInsecurePlaintext(map[string]string{"bob": "x"}), memory),
	} {
		t.Run(name, func(t *testing.T) {
			login := func(user, pw string) error {
				_, err := c.RequestAvatarID(context.Background(), cred.NewUsernamePassword(user, pw), cred.Mind{})
				return err
			}
			if err := login("alice", "right"); err != nil {
				t.Fatalf("the right password: %v", err)
			}
			wrong, unknown := login("alice", "wrong"), login("nobody", "wrong")
			if !errors.Is(wrong, cred.ErrUnauthorizedLogin) || errors.Is(wrong, cred.ErrUnknownUser) {
				t.Errorf("a wrong password: %v, want ErrUnauthorizedLogin and not ErrUnknownUser", wrong)
			}
			if !errors.Is(unknown, cred.ErrUnknownUser) || !errors.Is(unknown, cred.ErrUnauthorizedLogin) {
				t.Errorf("an unknown user: %v, want ErrUnknownUser, matching ErrUnauthorizedLogin", unknown)
			}
			if wrong != nil && unknown != nil && wrong.Error() != unknown.Error() {
				t.Errorf("the texts differ: %q and %q", wrong, unknown)
			}
			if cred.OutcomeOf(unknown) != cred.OutcomeUnauthorized {
				t.Errorf("an unknown user's outcome: %v", cred.OutcomeOf(unknown))
			}
		})
	}
}

// A member that cannot tell unknown users from wrong passwords (a checker
// of one's own) may hold everyone, also inside a nested chain: guesses
// refused there are counted while a later member is down.
func TestANestedChainsMemberThatCannotTellMayHoldTheUser(t *testing.T) {
	opaque := cred.NewCheckerFunc(func(_ context.Context, c cred.Credentials, _ cred.Mind) (cred.AvatarID, error) {
		up := c.(cred.UsernamePassword)
		if up.Username() == "alice" && up.CheckPassword("right") {
			return cred.UserID("alice"), nil
		}
		return cred.AvatarID{}, cred.ErrUnauthorizedLogin
	}, cred.UsernamePasswordType)
	down := cred.NewCheckerFunc(func(context.Context, cred.Credentials, cred.Mind) (cred.AvatarID, error) {
		return cred.AvatarID{}, errors.New("store down")
	}, cred.UsernamePasswordType)
	th := checkers.NewThrottle(checkers.NewChain(checkers.NewChain(checkers.NewInsecurePlaintext(map[string]string{"bob": "x"}), opaque), down),
		checkers.NewMemoryThrottleStore(), checkers.ThrottlePolicy{MaxUserFailures: 3, MaxAddrFailures: -1})
	for range 3 {
		th.RequestAvatarID(context.Background(), cred.NewUsernamePassword("alice", "wrong"), cred.Mind{})
	}
	if _, err := th.RequestAvatarID(context.Background(), cred.NewUsernamePassword("alice", "right"), cred.Mind{}); !errors.Is(err, cred.ErrThrottled) {
		t.Fatalf("after three refused guesses: %v, want ErrThrottled", err)
	}
}

// tempFile writes contents to a new file named name and returns its path.
func tempFile(t *testing.T, name, contents string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(contents), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
