package gateway

import (
	"context"
	"net/http"
	"sync"

	"github.com/openclaw/openclaw-go/internal/config"
)

// teamsHolder owns the Microsoft Teams channel, if configured.
type teamsHolder struct {
	mu sync.Mutex
}

func (s *Server) startTeams(ctx context.Context, cfg *config.Config) error { return nil }

func (s *Server) stopTeams(ctx context.Context) {}

func (s *Server) reloadTeams(ctx context.Context, old, cfg *config.Config) {}

func (s *Server) mountedWebhook(path string) http.Handler { return nil }

func (s *Server) teamsReady() (string, error, bool) { return "", nil, false }

func (s *Server) teamsStatus() (string, any, bool) { return "", nil, false }
