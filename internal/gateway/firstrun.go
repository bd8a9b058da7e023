package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/openclaw/openclaw-go/internal/auth"
	"github.com/openclaw/openclaw-go/internal/config"
)

// ErrUnconfigured is returned by LoadConfig when the file exists but does
// not set gateway.mode.
var ErrUnconfigured = errors.New("gateway.mode is not set")

// InitialConfig is the config written on first run: a local gateway on
// loopback with a fresh token, the OpenAI-compatible endpoints on, and a
// default model chosen from the provider keys found in the environment.
func InitialConfig(getenv func(string) string) map[string]any {
	model := "ollama/llama3.2"
	switch {
	case getenv("OPENAI_API_KEY") != "":
		model = "openai/gpt-4o-mini"
	case getenv("ANTHROPIC_API_KEY") != "":
		model = "anthropic/claude-haiku-4-5"
	}
	return map[string]any{
		"gateway": map[string]any{
			"mode": "local",
			"port": 18789,
			"bind": "loopback",
			"auth": map[string]any{"mode": "token", "token": auth.NewToken()},
			"http": map[string]any{"endpoints": map[string]any{
				"chatCompletions": map[string]any{"enabled": true},
				"responses":       map[string]any{"enabled": true},
			}},
		},
		"agents": map[string]any{
			"defaults": map[string]any{"model": map[string]any{"primary": model}},
			"list":     []any{map[string]any{"id": "main", "default": true, "name": "Main"}},
		},
	}
}

// LoadConfig loads the config for the gateway. With no file, it writes the
// initial config (0600) and tells out where it is and how to read the token.
// A file without gateway.mode is refused unless allowUnconfigured.
func LoadConfig(paths config.Paths, getenv func(string) string, allowUnconfigured bool, out io.Writer) (*config.Config, error) {
	cfg, err := config.Load(paths.ConfigPath, getenv)
	if errors.Is(err, fs.ErrNotExist) {
		data, _ := json.MarshalIndent(InitialConfig(getenv), "", "  ")
		if err := os.MkdirAll(paths.StateDir, 0o700); err != nil {
			return nil, fmt.Errorf("create state dir %s: %w", paths.StateDir, err)
		}
		if err := config.WriteFile(paths.ConfigPath, append(data, '\n')); err != nil {
			return nil, fmt.Errorf("write initial config: %w", err)
		}
		fmt.Fprintf(out, "First run: wrote %s (gateway.mode local, bind loopback, token auth with a new random token).\n", paths.ConfigPath)
		fmt.Fprintf(out, "Read the token with: openclaw gateway auth-token --show\n")
		cfg, err = config.Load(paths.ConfigPath, getenv)
	}
	if err != nil {
		return nil, err
	}
	switch cfg.Gateway.Mode {
	case "local":
	case "":
		if !allowUnconfigured {
			return nil, fmt.Errorf("%w in %s: run `openclaw config set gateway.mode local` to run the gateway on this machine, or pass --allow-unconfigured", ErrUnconfigured, paths.ConfigPath)
		}
	default:
		if !allowUnconfigured {
			return nil, fmt.Errorf("gateway.mode is %q in %s: this machine is set up as a client of a remote gateway; run `openclaw config set gateway.mode local` to run one here, or pass --allow-unconfigured", cfg.Gateway.Mode, paths.ConfigPath)
		}
	}
	if err := os.MkdirAll(paths.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("create state dir %s: %w", paths.StateDir, err)
	}
	return cfg, nil
}
