package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestModelsStatusNamesTheMissingKey(t *testing.T) {
	dir := t.TempDir()
	cfg := `{gateway:{mode:"local"},agents:{defaults:{model:{primary:"openai/gpt-4o-mini",fallbacks:["anthropic/claude-haiku-4-5"]}}}}`
	if err := os.WriteFile(filepath.Join(dir, "openclaw.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"OPENCLAW_STATE_DIR": dir, "HOME": dir, "OPENAI_API_KEY": "sk-test"}
	var out, errOut bytes.Buffer
	err := Run(context.Background(), []string{"openclaw", "models", "status"}, func(k string) string { return env[k] },
		strings.NewReader(""), &out, &errOut)
	if ExitCode(err) != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", ExitCode(err), out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "ok   openai/gpt-4o-mini") || !strings.Contains(out.String(), "set ANTHROPIC_API_KEY") {
		t.Fatalf("output:\n%s", out.String())
	}
	if strings.Contains(out.String()+errOut.String(), "sk-test") {
		t.Fatal("API key printed")
	}
	env["ANTHROPIC_API_KEY"] = "k"
	out.Reset()
	if err := Run(context.Background(), []string{"openclaw", "models", "status"}, func(k string) string { return env[k] },
		strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("all keys present: %v\n%s", err, out.String())
	}
}
