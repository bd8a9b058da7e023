package msteams

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/openclaw/openclaw-go/internal/agent"
	"github.com/openclaw/openclaw-go/internal/config"
)

// Agent runs turns; *agent.Runtime satisfies it.
type Agent interface {
	ResolveAgent(id string) (string, error)
	Run(ctx context.Context, req *agent.TurnRequest) (*agent.Result, error)
}

// Options are the channel's dependencies.
type Options struct {
	Config *config.MSTeams
	// StateDir holds the file stores (pairing, approved senders,
	// conversation references). Required unless Pairing and References are
	// both set.
	StateDir string
	// ListenHost is the gateway's bind host; the own-port listener uses it.
	ListenHost string
	// GatewayPort is named in the misroute hint (where /v1 really is).
	GatewayPort int
	Agent       Agent
	HTTPClient  *http.Client     // Microsoft calls; nil: a client with timeouts
	Logger      *slog.Logger     // nil: discard
	Now         func() time.Time // nil: time.Now
	// Getenv supplies MSTEAMS_APP_ID / MSTEAMS_APP_PASSWORD /
	// MSTEAMS_TENANT_ID when the config leaves them empty (config.Load
	// already applies them; nil means no environment).
	Getenv func(string) string
	// TurnTimeout bounds one agent turn (0: 10 minutes).
	TurnTimeout time.Duration

	// Optional store overrides (nil: files under StateDir, or memory).
	Pairing    PairingStore
	Dedup      Deduper
	Tokens     TokenCache
	References ReferenceStore
}

const (
	defaultTurnTimeout = 10 * time.Minute
	dedupTTL           = 10 * time.Minute
	typingInterval     = 3 * time.Second
	maxBodyBytes       = 2 << 20
)

// Channel is a running Teams channel. Create it with New, then Start; Close
// stops it.
type Channel struct {
	set        *settings
	log        *slog.Logger
	now        func() time.Time
	listenHost string
	gwPort     int
	turnTO     time.Duration

	agent   Agent
	keys    *keyring
	auth    *validator
	conn    *connector
	pairing PairingStore
	dedup   Deduper
	refs    ReferenceStore
	handler http.Handler

	convMu sync.Mutex
	convs  map[string]*convLock

	mu       sync.Mutex
	srv      *http.Server
	addr     string // actual own-port listen address
	started  bool
	closed   bool
	cancel   context.CancelFunc // background work and turns
	bgCtx    context.Context
	turns    sync.WaitGroup
	bg       sync.WaitGroup
	srvErr   error
	stats    stats
	lastSeen time.Time
}

type convLock struct {
	mu   sync.Mutex
	refs int
}

// New checks the config and builds the channel. It returns ErrDisabled when
// channels.msteams is absent or disabled.
func New(opts Options) (*Channel, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	set, err := resolveSettings(opts.Config, getenv)
	if err != nil {
		return nil, err
	}
	if opts.Agent == nil {
		return nil, errors.New("msteams: no agent runtime")
	}
	c := &Channel{
		set: set, log: opts.Logger, now: opts.Now, listenHost: opts.ListenHost, gwPort: opts.GatewayPort,
		turnTO: opts.TurnTimeout, agent: opts.Agent, pairing: opts.Pairing, dedup: opts.Dedup, refs: opts.References,
		convs: map[string]*convLock{},
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With(slog.String("channel", "msteams"))
	if c.now == nil {
		c.now = time.Now
	}
	if c.turnTO <= 0 {
		c.turnTO = defaultTurnTimeout
	}
	if _, err := c.agent.ResolveAgent(set.agent); err != nil {
		return nil, fmt.Errorf("channels.msteams.agent %q: %w", set.agent, err)
	}
	if (c.pairing == nil || c.refs == nil) && opts.StateDir == "" {
		return nil, errors.New("msteams: no state dir for the pairing and conversation stores")
	}
	if c.pairing == nil {
		c.pairing = NewFilePairingStore(opts.StateDir, c.now)
	}
	if c.refs == nil {
		fr, err := NewFileReferenceStore(opts.StateDir)
		if err != nil {
			return nil, fmt.Errorf("msteams: conversation references: %w", err)
		}
		c.refs = fr
	}
	if c.dedup == nil {
		c.dedup = NewMemoryDeduper(c.now)
	}
	tokens := opts.Tokens
	if tokens == nil {
		tokens = NewMemoryTokenCache()
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: requestTimeout}
	}

	sources := []*keySource{newKeySource("botframework", set.openIDURL, client, c.now)}
	if set.tenantOpenIDURL != "" {
		sources = append(sources, newKeySource("tenant", set.tenantOpenIDURL, client, c.now))
	}
	c.keys = &keyring{sources: sources}
	c.auth = newValidator(set.appID, set.tenantID, c.keys, c.now)
	c.conn = &connector{
		client: client, log: c.log, sleep: sleepCtx, allowed: &hostSet{m: map[string]bool{}},
		tokens: &tokenSource{
			url: set.tokenURL, clientID: set.appID, secret: set.appPassword, client: client,
			cache: tokens, key: set.appID + "|" + set.tenantID, now: c.now,
		},
	}
	// References on disk came from validated activities: their service URLs
	// stay allowed across restarts.
	if list, err := c.refs.List(context.Background()); err == nil {
		for _, r := range list {
			if u, err := validServiceURL(r.ServiceURL); err == nil {
				c.conn.allowed.add(u)
			}
		}
	}
	c.bgCtx, c.cancel = context.WithCancel(context.Background())
	c.handler = c.routes()
	return c, nil
}

// OnGateway reports whether the webhook is mounted on the gateway port
// (webhook.port: "gateway"); the gateway then routes Path() to Handler().
func (c *Channel) OnGateway() bool { return c.set.onGateway }

// Path is the webhook path (webhook.path, default /api/messages).
func (c *Channel) Path() string { return c.set.path }

// Handler is the webhook handler. It serves Path(); any other path answers
// a JSON 404 (a misroute explanation for /v1/…).
func (c *Channel) Handler() http.Handler { return c.handler }

// ListenAddr is the configured own-port address ("" on the gateway port).
func (c *Channel) ListenAddr() string {
	if c.set.onGateway {
		return ""
	}
	return net.JoinHostPort(c.listenHost, strconv.Itoa(c.set.port))
}

// Start begins the background key refresh and, unless the webhook is on the
// gateway port, listens on ListenHost:webhook.port. A failure to reach
// Microsoft is not an error here (Ready reports it); a failure to listen is.
func (c *Channel) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errors.New("msteams: channel is closed")
	}
	if c.started {
		return errors.New("msteams: channel already started")
	}
	if !c.set.onGateway {
		var lc net.ListenConfig
		ln, err := lc.Listen(ctx, "tcp", c.ListenAddr())
		if err != nil {
			return fmt.Errorf("msteams webhook: listen on %s: %w (change channels.msteams.webhook.port, or set it to \"gateway\")", c.ListenAddr(), err)
		}
		c.addr = ln.Addr().String()
		c.srv = &http.Server{
			Handler:           c.handler,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          slog.NewLogLogger(c.log.Handler(), slog.LevelWarn),
		}
		c.bg.Go(func() {
			if err := c.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				c.log.Error("msteams webhook listener stopped", slog.Any("err", err))
				c.mu.Lock()
				c.srvErr = err
				c.mu.Unlock()
				c.recordError("listener: " + err.Error())
			}
		})
		c.log.Info("msteams webhook listening", slog.String("addr", c.addr), slog.String("path", c.set.path))
	}
	c.started = true
	c.bg.Go(func() {
		c.keys.run(c.bgCtx, func(err error) {
			c.log.Warn("msteams: cannot load Microsoft signing keys", slog.Any("err", err))
			c.recordError("signing keys: " + err.Error())
		})
	})
	return nil
}

// Addr is the own-port listener's actual address once started ("" otherwise).
func (c *Channel) Addr() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.addr
}

// Ready is nil once the Bot Framework keys loaded and, on its own port, the
// listener is serving.
func (c *Channel) Ready() error {
	c.mu.Lock()
	started, closed, srvErr := c.started, c.closed, c.srvErr
	c.mu.Unlock()
	switch {
	case closed:
		return errors.New("msteams: closed")
	case !started:
		return errors.New("msteams: not started")
	case srvErr != nil:
		return fmt.Errorf("msteams: webhook listener failed: %w", srvErr)
	}
	return c.keys.ready()
}

// Close stops the listener, then waits for in-flight turns; when ctx ends
// first the turns are cancelled and Close returns ctx's error.
func (c *Channel) Close(ctx context.Context) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	srv := c.srv
	c.mu.Unlock()

	var err error
	if srv != nil {
		if serr := srv.Shutdown(ctx); serr != nil {
			err = serr
			_ = srv.Close()
		}
	}
	done := make(chan struct{})
	go func() { c.turns.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		err = errors.Join(err, fmt.Errorf("msteams: in-flight turns cancelled: %w", ctx.Err()))
	}
	c.cancel()
	c.turns.Wait()
	c.bg.Wait()
	return err
}

// lockConversation serialises turns of one conversation so that session
// appends and replies stay in order.
func (c *Channel) lockConversation(id string) func() {
	c.convMu.Lock()
	l := c.convs[id]
	if l == nil {
		l = &convLock{}
		c.convs[id] = l
	}
	l.refs++
	c.convMu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		c.convMu.Lock()
		if l.refs--; l.refs == 0 {
			delete(c.convs, id)
		}
		c.convMu.Unlock()
	}
}
