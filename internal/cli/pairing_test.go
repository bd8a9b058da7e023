package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/openclaw/openclaw-go/internal/channel/msteams"
)

// runSub runs one command tree built by build (independent of the root's
// registration) with env and returns stdout, stderr and the error.
func runSub(t *testing.T, env map[string]string, build func(*App) *cobra.Command, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	a := &App{Ctx: context.Background(), Getenv: func(k string) string { return env[k] }, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut}
	cmd := build(a)
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func exitCode(err error) int {
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	if err != nil {
		return -1
	}
	return 0
}

func TestPairingListAndApprove(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	env := map[string]string{"OPENCLAW_STATE_DIR": state}

	out, _, err := runSub(t, env, newPairingCmd, "list", "msteams")
	if err != nil || !strings.Contains(out, "No pending msteams pairing requests") {
		t.Fatalf("empty list: %q %v", out, err)
	}

	store := msteams.NewFilePairingStore(state, nil)
	req, created, err := store.Request(context.Background(), msteams.PairingRequest{SenderID: "aad-bob", Name: "Bob"})
	if err != nil || !created {
		t.Fatal(err)
	}
	out, _, err = runSub(t, env, newPairingCmd, "list", "msteams")
	if err != nil || !strings.Contains(out, req.Code) || !strings.Contains(out, "aad-bob") || !strings.Contains(out, "Bob") {
		t.Fatalf("list: %q %v", out, err)
	}
	out, _, err = runSub(t, env, newPairingCmd, "list", "msteams", "--json")
	var list []msteams.PairingRequest
	if err != nil || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0].Code != req.Code {
		t.Fatalf("list --json: %q %v", out, err)
	}

	out, _, err = runSub(t, env, newPairingCmd, "approve", "msteams", strings.ToLower(req.Code))
	if err != nil || !strings.Contains(out, "Approved Bob (aad-bob)") {
		t.Fatalf("approve: %q %v", out, err)
	}
	if ok, err := store.Approved(context.Background(), "aad-bob"); !ok || err != nil {
		t.Fatalf("not approved: %v", err)
	}
	out, _, _ = runSub(t, env, newPairingCmd, "list", "msteams")
	if !strings.Contains(out, "No pending") {
		t.Errorf("approved request still listed: %q", out)
	}
}

func TestPairingErrors(t *testing.T) {
	t.Parallel()
	env := map[string]string{"OPENCLAW_STATE_DIR": t.TempDir()}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"an unknown code fails with the next step", []string{"approve", "msteams", "NOPE1234"}, 1, "openclaw pairing list msteams"},
		{"an unknown channel is a usage error", []string{"list", "telegram"}, 2, "pairing is available for msteams"},
	} {
		_, _, err := runSub(t, env, newPairingCmd, tc.args...)
		if exitCode(err) != tc.code || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v (exit %d)", tc.name, err, exitCode(err))
		}
	}
}
