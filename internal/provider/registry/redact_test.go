package registry_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/openclaw/openclaw-go/internal/config"
	"github.com/openclaw/openclaw-go/internal/provider"
	"github.com/openclaw/openclaw-go/internal/provider/providertest"
	"github.com/openclaw/openclaw-go/internal/provider/registry"
)

const echoedKey = "sk-echo-SECRET-0123456789"

func TestUpstreamEchoOfTheKeyIsRedacted(t *testing.T) {
	for _, kind := range []string{"openai-completions", "anthropic-messages"} {
		t.Run(kind, func(t *testing.T) {
			msg := "Incorrect API key provided: " + echoedKey
			var srv *providertest.Server
			script := providertest.Replies(
				providertest.Reply{Status: 401, ErrorMessage: msg},
				providertest.Reply{Text: "partial", StreamError: "overloaded_error", ErrorMessage: msg},
			)
			if kind == "anthropic-messages" {
				srv = providertest.NewAnthropic(t, script)
			} else {
				srv = providertest.NewOpenAI(t, script)
			}
			reg, err := registry.New(config.Models{Providers: map[string]config.Provider{
				"p": {BaseURL: srv.BaseURL(), API: kind, APIKey: config.Secret(echoedKey)},
			}}, func(string) string { return "" })
			if err != nil {
				t.Fatal(err)
			}
			p, _ := reg.Get("p")
			_, err = p.Stream(context.Background(), &provider.Request{Model: "m", Messages: []provider.Message{{Role: "user", Content: "hi"}}})
			pe, ok := provider.AsError(err)
			if !ok || pe.Status != 401 {
				t.Fatalf("want a 401 *provider.Error, got %v", err)
			}
			if strings.Contains(err.Error(), echoedKey) || strings.Contains(pe.Message, echoedKey) {
				t.Fatalf("key in error: %v", err)
			}
			if !strings.Contains(pe.Message, "Incorrect API key provided") {
				t.Fatalf("message lost: %q", pe.Message)
			}
			// Mid-stream errors are cleaned too.
			s, err := p.Stream(context.Background(), &provider.Request{Model: "m", Messages: []provider.Message{{Role: "user", Content: "hi"}}})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for {
				_, err := s.Next()
				if errors.Is(err, io.EOF) {
					t.Fatal("stream ended without the scripted error")
				}
				if err != nil {
					if strings.Contains(err.Error(), echoedKey) {
						t.Fatalf("key in mid-stream error: %v", err)
					}
					break
				}
			}
		})
	}
}
