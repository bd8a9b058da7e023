// Package gateway runs the OpenClaw gateway process: it resolves the bind
// addresses, refuses unsafe configurations, serves the HTTP routes through one
// middleware chain, hot-reloads the config and shuts down gracefully. It wires
// the packages that do the work (auth, openai, agent, session, channels) and
// is imported only by the CLI.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openclaw/openclaw-go/internal/agent"
	"github.com/openclaw/openclaw-go/internal/auth"
	"github.com/openclaw/openclaw-go/internal/config"
	"github.com/openclaw/openclaw-go/internal/openai"
	"github.com/openclaw/openclaw-go/internal/provider"
	"github.com/openclaw/openclaw-go/internal/provider/registry"
	"github.com/openclaw/openclaw-go/internal/session"
)

// Overrides are command-line flags that take precedence over the config file
// (and keep doing so across reloads).
type Overrides struct {
	Port     int
	Bind     string
	Auth     string
	Token    string
	Password string
}

// Options configure a Server.
type Options struct {
	Paths     config.Paths
	Getenv    func(string) string
	Overrides Overrides
	Logger    *slog.Logger
	// Out receives the few user-facing lines printed at startup (listening
	// addresses, first-run notice). Never secrets.
	Out io.Writer
	// ShutdownTimeout bounds how long in-flight requests and streams may run
	// after a shutdown signal (default 15 s).
	ShutdownTimeout time.Duration
	// Transport is shared by every provider client (nil: a tuned default).
	Transport http.RoundTripper
	// OnListen is called with the bound addresses once listening (tests).
	OnListen func(addrs []net.Addr)
}

// phases of the process, for /startupz and /readyz.
const (
	phaseStarting int32 = iota
	phaseStarted
	phaseDraining
)

// Server is one gateway process.
type Server struct {
	opts    Options
	log     *slog.Logger
	started time.Time
	phase   atomic.Int32

	live    atomic.Pointer[liveState]
	shared  *sharedState // failed-auth limiter (memory or Redis), Teams stores
	runtime *agent.Runtime
	store   session.Store
	driver  string // the session store's driver, for /readyz
	api     http.Handler
	metrics *metrics
	teams   teamsHolder

	listenMu sync.Mutex
	listen   []string // bound addresses, for status
	reloadMu sync.Mutex
}

// liveState is everything a config reload replaces atomically.
type liveState struct {
	cfg  *config.Config
	auth *auth.Authenticator
}

// New validates cfg against the startup safety rules and builds the server.
// It does not listen yet.
func New(cfg *config.Config, opts Options) (*Server, error) {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	opts.Logger = slog.New(requestIDHandler{opts.Logger.Handler()})
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.ShutdownTimeout == 0 {
		opts.ShutdownTimeout = 15 * time.Second
	}
	if opts.Transport == nil {
		opts.Transport = provider.NewTransport()
	}
	s := &Server{opts: opts, log: opts.Logger, started: time.Now(), metrics: newMetrics()}
	applyOverrides(cfg, opts.Overrides)
	sh, err := openSharedState(cfg, opts.Logger)
	if err != nil {
		return nil, err
	}
	s.shared = sh
	authn, err := s.buildAuth(cfg)
	if err != nil {
		_ = sh.Close()
		return nil, err
	}
	reg, err := registry.New(cfg.Models, opts.Getenv, registry.WithTransport(opts.Transport))
	if err != nil {
		_ = sh.Close()
		return nil, fmt.Errorf("models.providers: %w", err)
	}
	store, err := OpenSessionStore(cfg, opts.Paths.StateDir)
	if err != nil {
		_ = sh.Close()
		return nil, err
	}
	s.store, s.driver = store, EmbeddedSessionDriver(cfg, opts.Paths.StateDir)
	if cfg.Storage.Sessions.Driver == "" && s.driver == "sqlite" {
		s.log.Info("session store: SQLite, because the state dir holds agents/sessions.db from an earlier version; "+
			"`openclaw sessions migrate --from sqlite --to jsonl` moves it to the default JSON Lines files",
			slog.String("path", SQLiteSessionsPath(opts.Paths.StateDir)))
	}
	rt, err := agent.New(cfg, agent.Options{Providers: reg, Store: store, StateDir: opts.Paths.StateDir, Logger: opts.Logger, Observer: s.metrics,
		TranscriptCacheBytes: transcriptCacheBytes(cfg)})
	if err != nil {
		_ = store.Close()
		_ = sh.Close()
		return nil, err
	}
	s.runtime = rt
	s.live.Store(&liveState{cfg: cfg, auth: authn})
	s.api = openai.NewHandler(openai.Options{
		Runtime:          rt,
		Endpoints:        func() config.Endpoints { return s.live.Load().cfg.Gateway.HTTP.Endpoints },
		CanOverrideModel: canOverrideModel,
		Logger:           opts.Logger,
	})
	return s, nil
}

// Runtime returns the agent runtime (used by channels and the CLI).
func (s *Server) Runtime() *agent.Runtime { return s.runtime }

// canOverrideModel: x-openclaw-model needs operator.admin for
// identity-bearing callers; shared-secret callers have every scope.
func canOverrideModel(r *http.Request) bool {
	p, ok := auth.PrincipalFrom(r.Context())
	return ok && p.HasScope("operator.admin")
}

// transcriptCacheBytes sizes the in-memory transcript cache: on for the
// embedded stores, which normally only this process writes (an append by
// another process, say `openclaw agent`, shows in the seq numbers the store
// assigns and drops the cached copy), off for a store replicas share.
func transcriptCacheBytes(cfg *config.Config) int {
	switch cfg.Storage.Sessions.Driver {
	case "", "jsonl", "sqlite":
		// Enough for the recent history of a few hundred active sessions.
		// It is live heap: every collection marks it and GOGC scales the
		// heap from it, so a bigger cache costs CPU and RSS on every turn.
		return 16 << 20
	}
	return 0
}

// applyOverrides puts command-line flags over the config.
func applyOverrides(cfg *config.Config, o Overrides) {
	g := &cfg.Gateway
	if o.Port != 0 {
		g.Port = o.Port
	}
	if o.Bind != "" {
		g.Bind = o.Bind
	}
	if o.Auth != "" {
		g.Auth.Mode = o.Auth
	}
	if o.Token != "" {
		g.Auth.Token = config.Secret(o.Token)
	}
	if o.Password != "" {
		g.Auth.Password = config.Secret(o.Password)
	}
}

// buildAuth turns the config into an authenticator, refusing unsafe
// combinations (spec §3). The failed-auth limiter survives reloads.
func (s *Server) buildAuth(cfg *config.Config) (*auth.Authenticator, error) {
	set, err := auth.SettingsFromConfig(&cfg.Gateway)
	if err != nil {
		return nil, err
	}
	set.LocalAddrs = auth.InterfaceAddrs()
	if err := set.CheckStartup(!isLoopbackBind(cfg)); err != nil {
		return nil, err
	}
	rl := set.RateLimit
	s.shared.limiter.SetLimits(rl.MaxAttempts, rl.Window, rl.Lockout)
	return auth.New(set, s.shared.limiter, time.Now), nil
}

// Run listens, serves until ctx is canceled, then drains: new connections
// are refused, in-flight requests and streams get ShutdownTimeout to finish.
func (s *Server) Run(ctx context.Context) error {
	cfg := s.live.Load().cfg
	addrs, note, err := resolveBind(cfg)
	if err != nil {
		return err
	}
	if note != "" {
		s.log.Warn(note)
	}
	var lns []net.Listener
	for _, a := range addrs {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			for _, l := range lns {
				_ = l.Close()
			}
			return portError(a, err)
		}
		lns = append(lns, ln)
	}
	srv := &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       0, // bodies of up to 20 MB may arrive slowly; headers are bounded above
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, len(lns))
	var bound []net.Addr
	s.listenMu.Lock()
	for _, ln := range lns {
		bound = append(bound, ln.Addr())
		s.listen = append(s.listen, ln.Addr().String())
		go func(ln net.Listener) { errc <- srv.Serve(ln) }(ln)
	}
	s.listenMu.Unlock()

	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	var bg sync.WaitGroup
	bg.Add(1)
	go func() {
		defer bg.Done()
		s.watchConfig(watchCtx)
	}()
	if err := s.startTeams(ctx, cfg); err != nil {
		s.log.Error("msteams channel failed to start", slog.String("error", err.Error()))
	}
	s.phase.Store(phaseStarted)
	for _, a := range bound {
		fmt.Fprintf(s.opts.Out, "openclaw gateway listening on http://%s (auth: %s)\n", a, cfg.Gateway.Auth.Mode)
	}
	if s.opts.OnListen != nil {
		s.opts.OnListen(bound)
	}

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	s.phase.Store(phaseDraining)
	s.log.Info("gateway draining", slog.Duration("deadline", s.opts.ShutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	shutErr := srv.Shutdown(sctx)
	if errors.Is(shutErr, context.DeadlineExceeded) {
		s.log.Warn("shutdown deadline reached; closing remaining connections")
		_ = srv.Close()
	}
	stopWatch()
	bg.Wait()
	s.stopTeams(sctx)
	if err := s.store.Close(); err != nil {
		s.log.Warn("closing session store", slog.String("error", err.Error()))
	}
	if err := s.shared.Close(); err != nil {
		s.log.Warn("closing shared state", slog.String("error", err.Error()))
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return nil
}
