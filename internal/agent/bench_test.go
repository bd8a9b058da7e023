package agent_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/openclaw/openclaw-go/internal/agent"
	"github.com/openclaw/openclaw-go/internal/provider/providertest"
)

// BenchmarkResolveAgent resolves the model ids clients send
// (openclaw/default, openclaw/<agentId>) to an agent: the per-request
// lookup before a turn starts.
func BenchmarkResolveAgent(b *testing.B) {
	s := newSetup(b, nil, nil)
	ids := []string{"", "default", "main", "other"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.rt.ResolveAgent(ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkTurn runs whole non-stream turns against a local fake upstream:
// stateless, and with a session that is loaded (from the transcript cache)
// and appended to (JSON Lines store) on every turn. The difference is what
// a session costs per turn, network to the fake upstream included in both.
func BenchmarkTurn(b *testing.B) {
	reply := providertest.Reply{Text: "Oslo sits at the head of the Oslofjord."}
	for _, withSession := range []bool{false, true} {
		name := "stateless"
		if withSession {
			name = "session"
		}
		b.Run(name, func(b *testing.B) {
			// The transcript cache on, as the gateway runs the embedded store.
			s := newSetup(b, providertest.Replies(reply), nil, func(o *agent.Options) { o.TranscriptCacheBytes = 64 << 20 })
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				req := &agent.TurnRequest{Messages: userMsg("What is the capital of Norway?")}
				if withSession {
					// A new session every 16 turns, as the load harness does.
					req.SessionKey = fmt.Sprintf("bench-%d", i/16)
				}
				if _, err := s.rt.Run(ctx, req); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
