package cli

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/internal/channel/msteams"
)

func writeConfig(t *testing.T, dir, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "openclaw.json"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// fakeStatusGateway serves /v1/openclaw/status for token "gw-token".
func fakeStatusGateway(t *testing.T, st *msteams.Status) int {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != statusPath {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Authorization") != "Bearer gw-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"channels": map[string]any{"msteams": st}})
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().(*net.TCPAddr).Port
}

func TestChannelsStatusFromRunningGateway(t *testing.T) {
	t.Parallel()
	seen := time.Now().Add(-time.Minute)
	port := fakeStatusGateway(t, &msteams.Status{
		Enabled: true, Mode: "own-port", Listen: "127.0.0.1:3978", Path: "/api/messages", Listening: true, Ready: true,
		AppID: "app-1", DMPolicy: "pairing", Group: "allowlist", LastActivityAt: &seen,
		Token: msteams.TokenStatus{State: "valid"}, Keys: []msteams.KeyStatus{{Source: "botframework", Keys: 3, LoadedAt: &seen}},
	})
	dir := t.TempDir()
	env := map[string]string{"OPENCLAW_STATE_DIR": dir}

	writeConfig(t, dir, `{gateway: {port: `+strconv.Itoa(port)+`, auth: {token: "gw-token"}}}`)
	out, _, err := runSub(t, env, newChannelsCmd, "status")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Microsoft Teams: ready", "127.0.0.1:3978/api/messages (listening)", "app-1", "connector token:    valid", "botframework keys:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	out, _, err = runSub(t, env, newChannelsCmd, "status", "--json")
	var got msteams.Status
	if err != nil || json.Unmarshal([]byte(out), &got) != nil || got.Listen != "127.0.0.1:3978" || !got.Ready {
		t.Fatalf("--json: %q %v", out, err)
	}

	// The token comes from the environment too.
	writeConfig(t, dir, `{gateway: {port: `+strconv.Itoa(port)+`}}`)
	if _, _, err := runSub(t, map[string]string{"OPENCLAW_STATE_DIR": dir, "OPENCLAW_GATEWAY_TOKEN": "gw-token"}, newChannelsCmd, "status"); err != nil {
		t.Errorf("token from env: %v", err)
	}
	writeConfig(t, dir, `{gateway: {port: `+strconv.Itoa(port)+`, auth: {token: "wrong"}}}`)
	if _, _, err := runSub(t, env, newChannelsCmd, "status"); exitCode(err) != 1 || !strings.Contains(err.Error(), "rejected the credentials") {
		t.Errorf("wrong token: %v", err)
	}
}

func TestChannelsStatusGatewayNotRunning(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	writeConfig(t, dir, `{gateway: {port: `+strconv.Itoa(port)+`, auth: {token: "gw-token"}},
	  channels: {msteams: {appId: "a", appPassword: "p", webhook: {port: 3999, path: "/teams"}}}}`)
	out, _, err := runSub(t, map[string]string{"OPENCLAW_STATE_DIR": dir}, newChannelsCmd, "status")
	if exitCode(err) != 1 {
		t.Fatalf("exit %d (%v)", exitCode(err), err)
	}
	if !strings.Contains(out, "not running") || !strings.Contains(out, "http://127.0.0.1:3999/teams") {
		t.Errorf("output:\n%s", out)
	}
}
