package gateway

import (
	"context"
	"log/slog"

	"github.com/openclaw/openclaw-go/internal/config"
	"github.com/openclaw/openclaw-go/internal/provider/registry"
)

// watchConfig applies config edits while the gateway runs. Auth, rate
// limits, endpoint toggles, agents, providers and channels change in place;
// open streams keep the state they started with. An invalid file is
// rejected with a log line naming every error, and the old config stays.
func (s *Server) watchConfig(ctx context.Context) {
	err := config.Watch(ctx, s.opts.Paths.ConfigPath, s.opts.Getenv, func(cfg *config.Config, err error) {
		if err != nil {
			s.log.Error("config reload rejected; the previous config stays in force",
				slog.String("path", s.opts.Paths.ConfigPath), slog.String("errors", err.Error()))
			s.metrics.reload(false)
			return
		}
		if err := s.Reload(ctx, cfg); err != nil {
			s.log.Error("config reload rejected; the previous config stays in force",
				slog.String("path", s.opts.Paths.ConfigPath), slog.String("errors", err.Error()))
			s.metrics.reload(false)
			return
		}
		s.metrics.reload(true)
	})
	if err != nil && ctx.Err() == nil {
		s.log.Warn("config watcher stopped; edits need a restart", slog.String("error", err.Error()))
	}
}

// Reload applies a new, already validated config.
func (s *Server) Reload(ctx context.Context, cfg *config.Config) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	applyOverrides(cfg, s.opts.Overrides)
	old := s.live.Load().cfg
	authn, err := s.buildAuth(cfg)
	if err != nil {
		return err
	}
	reg, err := registry.New(cfg.Models, s.opts.Getenv, registry.WithTransport(s.opts.Transport))
	if err != nil {
		return err
	}
	if err := s.runtime.Reload(cfg, reg); err != nil {
		return err
	}
	if old.Gateway.Port != cfg.Gateway.Port || old.Gateway.Bind != cfg.Gateway.Bind || old.Gateway.CustomBindHost != cfg.Gateway.CustomBindHost {
		s.log.Warn("gateway.port / gateway.bind changed: restart the gateway to listen on the new address",
			slog.Int("port", old.Gateway.Port), slog.String("bind", old.Gateway.Bind))
		// Keep listening where we are; report the address we really use.
		cfg.Gateway.Port, cfg.Gateway.Bind, cfg.Gateway.CustomBindHost = old.Gateway.Port, old.Gateway.Bind, old.Gateway.CustomBindHost
	}
	if cfg.Storage.Sessions != old.Storage.Sessions {
		s.log.Warn("storage.sessions changed: restart the gateway to switch session stores")
	}
	s.live.Store(&liveState{cfg: cfg, auth: authn})
	s.reloadTeams(ctx, old, cfg)
	s.log.Info("config reloaded", slog.String("path", s.opts.Paths.ConfigPath), slog.String("auth", cfg.Gateway.Auth.Mode))
	return nil
}
