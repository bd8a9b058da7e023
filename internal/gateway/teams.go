package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/openclaw/openclaw-go/internal/channel/msteams"
	"github.com/openclaw/openclaw-go/internal/config"
)

// teamsHolder owns the Microsoft Teams channel, if configured. The channel
// is replaced as a whole when its config changes.
type teamsHolder struct {
	mu  sync.Mutex
	ch  *msteams.Channel
	err error // why the configured channel could not start
}

// listenHost is the host the Teams own-port listener binds to: the gateway's
// first bind address.
func listenHost(cfg *config.Config) string {
	addrs, _, err := resolveBind(cfg)
	if err != nil || len(addrs) == 0 {
		return "127.0.0.1"
	}
	a := addrs[0]
	if i := strings.LastIndexByte(a, ':'); i >= 0 {
		a = a[:i]
	}
	return strings.Trim(a, "[]")
}

// startTeams builds and starts the channel when channels.msteams is enabled.
func (s *Server) startTeams(ctx context.Context, cfg *config.Config) error {
	s.teams.mu.Lock()
	defer s.teams.mu.Unlock()
	s.teams.ch, s.teams.err = nil, nil
	if cfg.Channels.MSTeams == nil {
		return nil
	}
	topts := msteams.Options{
		Config:      cfg.Channels.MSTeams,
		StateDir:    s.opts.Paths.StateDir,
		ListenHost:  listenHost(cfg),
		GatewayPort: cfg.Gateway.Port,
		Agent:       s.runtime,
		Logger:      s.log,
		Getenv:      s.opts.Getenv,
	}
	s.shared.applyTeams(&topts)
	ch, err := msteams.New(topts)
	if errors.Is(err, msteams.ErrDisabled) {
		return nil
	}
	if err == nil {
		err = ch.Start(context.WithoutCancel(ctx))
	}
	if err != nil {
		s.teams.err = err
		return err
	}
	s.teams.ch = ch
	return nil
}

// stopTeams closes the channel, letting its in-flight turns finish within ctx.
func (s *Server) stopTeams(ctx context.Context) {
	s.teams.mu.Lock()
	ch := s.teams.ch
	s.teams.ch = nil
	s.teams.mu.Unlock()
	if ch != nil {
		if err := ch.Close(ctx); err != nil {
			s.log.Warn("msteams channel close", slog.String("error", err.Error()))
		}
	}
}

// reloadTeams restarts the channel when channels.msteams changed.
func (s *Server) reloadTeams(ctx context.Context, old, cfg *config.Config) {
	if reflect.DeepEqual(old.Channels.MSTeams, cfg.Channels.MSTeams) {
		return
	}
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s.stopTeams(sctx)
	if err := s.startTeams(ctx, cfg); err != nil {
		s.log.Error("msteams channel failed to restart after config change", slog.String("error", err.Error()))
		return
	}
	s.log.Info("msteams channel restarted after config change")
}

// mountedWebhook returns the Teams handler when the webhook is mounted on
// the gateway port (webhook.port: "gateway") and path is its path.
func (s *Server) mountedWebhook(path string) http.Handler {
	s.teams.mu.Lock()
	ch := s.teams.ch
	s.teams.mu.Unlock()
	if ch == nil || !ch.OnGateway() || path != ch.Path() {
		return nil
	}
	return ch.Handler()
}

// teamsReady reports the channel's readiness for /readyz; ok is false when
// no Teams channel is configured.
func (s *Server) teamsReady() (name string, err error, ok bool) {
	s.teams.mu.Lock()
	ch, startErr := s.teams.ch, s.teams.err
	s.teams.mu.Unlock()
	switch {
	case startErr != nil:
		return "msteams", startErr, true
	case ch == nil:
		return "", nil, false
	}
	return "msteams", ch.Ready(), true
}

// teamsStatus is the channel's status snapshot for /v1/openclaw/status.
func (s *Server) teamsStatus() (string, any, bool) {
	s.teams.mu.Lock()
	ch, startErr := s.teams.ch, s.teams.err
	s.teams.mu.Unlock()
	switch {
	case startErr != nil:
		return "msteams", map[string]any{"state": "failed", "lastError": startErr.Error()}, true
	case ch == nil:
		return "", nil, false
	}
	return "msteams", ch.Status(), true
}
