package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openclaw/openclaw-go/internal/apierr"
	"github.com/openclaw/openclaw-go/internal/config"
	"github.com/openclaw/openclaw-go/internal/provider"
	"github.com/openclaw/openclaw-go/internal/provider/registry"
	"github.com/openclaw/openclaw-go/internal/session"
)

// ErrUnknownAgent is returned (wrapped) when an agent id is not configured.
var ErrUnknownAgent = errors.New("unknown agent")

// ErrNoModel is returned (wrapped) when an agent has no model configured.
var ErrNoModel = errors.New("no model configured")

// AgentInfo describes one configured agent.
type AgentInfo struct {
	ID      string
	Name    string
	Default bool
}

// Options are the runtime's dependencies.
type Options struct {
	// Providers resolves model refs to providers. Required.
	Providers *registry.Registry
	// Store keeps transcripts; nil disables persistence (every turn is
	// stateless).
	Store session.Store
	// StateDir is used for the default workspace (<state dir>/workspace).
	StateDir string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger; nil means slog.Default().
	Logger *slog.Logger
	// TranscriptCacheBytes, when positive, keeps recently used transcripts
	// in memory (write-through, bounded by this many bytes). Only for a
	// store that this process alone writes (the embedded SQLite default).
	TranscriptCacheBytes int
	// Observer receives per-attempt and per-turn measurements (metrics);
	// nil means none.
	Observer Observer
	// RetryBackoff is the pause before retrying the same model once
	// (default 250 ms). An upstream Retry-After up to MaxRetryAfter is
	// honoured instead.
	RetryBackoff  time.Duration
	MaxRetryAfter time.Duration
}

// Runtime runs turns. It is safe for concurrent use; Reload swaps its
// configuration atomically without disturbing turns in flight.
type Runtime struct {
	opts  Options
	state atomic.Pointer[state]
	ws    *workspaceCache
	cache *transcriptCache // nil: always load from the store
	// prompts caches system prompts (promptKey → *promptEntry); the
	// channels are few and the agents are the configured ones, so it stays
	// small.
	prompts sync.Map
}

// state is the immutable, config-derived part of the runtime.
type state struct {
	agents    []AgentInfo
	byID      map[string]*agentConf
	defaultID string
	providers *registry.Registry
}

type agentConf struct {
	id        string
	name      string
	workspace string
	models    []string // primary then fallbacks
	embedding string
}

// New builds a runtime from a validated config.
func New(cfg *config.Config, opts Options) (*Runtime, error) {
	if opts.Providers == nil {
		return nil, errors.New("agent: Options.Providers is required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.RetryBackoff == 0 {
		opts.RetryBackoff = 250 * time.Millisecond
	}
	if opts.MaxRetryAfter == 0 {
		opts.MaxRetryAfter = 2 * time.Second
	}
	r := &Runtime{opts: opts, ws: newWorkspaceCache(opts.Now)}
	if opts.TranscriptCacheBytes > 0 && opts.Store != nil {
		r.cache = newTranscriptCache(opts.TranscriptCacheBytes)
	}
	if err := r.Reload(cfg, opts.Providers); err != nil {
		return nil, err
	}
	return r, nil
}

// Reload replaces the agent configuration and provider registry. Turns in
// flight keep the state they started with.
func (r *Runtime) Reload(cfg *config.Config, providers *registry.Registry) error {
	if providers == nil {
		providers = r.opts.Providers
	}
	st := &state{byID: map[string]*agentConf{}, providers: providers}
	defaults := cfg.Agents.Defaults
	defWorkspace := defaults.Workspace
	if defWorkspace == "" {
		defWorkspace = r.opts.StateDir + "/workspace"
	}
	st.defaultID = cfg.DefaultAgentID()
	for _, a := range cfg.AgentList() {
		ac := &agentConf{id: a.ID, name: a.Name, workspace: a.Workspace}
		if ac.name == "" {
			ac.name = a.ID
		}
		if ac.workspace == "" {
			ac.workspace = defWorkspace
		}
		ac.models = a.Model.Refs()
		if len(ac.models) == 0 {
			ac.models = defaults.Model.Refs()
		}
		ac.embedding = a.Embedding.Model
		if ac.embedding == "" {
			ac.embedding = defaults.Embedding.Model
		}
		st.byID[a.ID] = ac
		info := AgentInfo{ID: a.ID, Name: ac.name, Default: a.ID == st.defaultID}
		if info.Default {
			st.agents = append([]AgentInfo{info}, st.agents...)
		} else {
			st.agents = append(st.agents, info)
		}
	}
	if _, ok := st.byID[st.defaultID]; !ok {
		return fmt.Errorf("agent: default agent %q is not configured", st.defaultID)
	}
	r.state.Store(st)
	return nil
}

// Agents lists the configured top-level agents, default first.
func (r *Runtime) Agents() []AgentInfo { return r.state.Load().agents }

// DefaultAgent returns the default agent's id.
func (r *Runtime) DefaultAgent() string { return r.state.Load().defaultID }

// ResolveAgent returns the canonical id of agent id ("" or "default" = the
// default agent), or an *UnknownAgentError.
func (r *Runtime) ResolveAgent(id string) (string, error) {
	st := r.state.Load()
	if id == "" || id == "default" {
		return st.defaultID, nil
	}
	if _, ok := st.byID[id]; ok {
		return id, nil
	}
	return "", &UnknownAgentError{ID: id, Known: st.agents}
}

// UnknownAgentError names the missing agent and the valid ones.
type UnknownAgentError struct {
	ID    string
	Known []AgentInfo
}

func (e *UnknownAgentError) Error() string { return "unknown agent " + strconv.Quote(e.ID) }
func (e *UnknownAgentError) Unwrap() error { return ErrUnknownAgent }

// NoModelError says which agent lacks a model.
type NoModelError struct{ AgentID string }

func (e *NoModelError) Error() string {
	return "agent " + strconv.Quote(e.AgentID) + " has no model configured"
}
func (e *NoModelError) Unwrap() error { return ErrNoModel }

// FailoverError is returned when every model of an agent failed before any
// output. Attempts are in the order tried; the last one decides the status.
type FailoverError struct {
	AgentID  string
	Attempts []*provider.Error
}

func (e *FailoverError) Error() string {
	if len(e.Attempts) == 0 {
		return "no provider attempted"
	}
	last := e.Attempts[len(e.Attempts)-1]
	s := fmt.Sprintf("all %d attempts failed; last: %s", len(e.Attempts), last.Error())
	return s
}

// Unwrap returns the last attempt's error.
func (e *FailoverError) Unwrap() error {
	if len(e.Attempts) == 0 {
		return nil
	}
	return e.Attempts[len(e.Attempts)-1]
}

// Turn is a running turn. Next yields deltas; Close must be called and
// records the turn in the session when it completed.
type Turn struct {
	r       *Runtime
	req     *TurnRequest
	agentID string
	model   string
	stream  provider.Stream
	started time.Time

	peeked    *provider.Delta
	text      textAcc
	calls     []provider.ToolCall
	usage     *provider.Usage
	finish    string
	done      bool  // io.EOF seen
	failed    error // mid-stream error
	closed    bool
	recordErr error
}

// Observer is told about provider attempts and finished turns. It must be
// cheap and safe for concurrent use; the gateway's metrics implement it.
type Observer interface {
	// Attempt reports one provider call: the time until its first delta (or
	// failure) and the error, nil on success.
	Attempt(providerID, model string, ttfb time.Duration, err error)
	// TurnDone reports a turn whose stream was opened, when it is closed;
	// usage is nil when the provider reported none.
	TurnDone(agentID, model string, usage *provider.Usage, interrupted bool)
	// Recorded reports one append of a turn to its session: how long the
	// store took and the error, nil on success.
	Recorded(agentID string, took time.Duration, err error)
}

// Model returns "provider/model" of the model that answered.
func (t *Turn) Model() string { return t.model }

// AgentID returns the agent that runs the turn.
func (t *Turn) AgentID() string { return t.agentID }

func (t *Turn) next() (provider.Delta, error) {
	if t.peeked != nil {
		d := *t.peeked
		t.peeked = nil
		return d, nil
	}
	return t.stream.Next()
}

// Buffered reports whether Next will return without waiting for the
// upstream (see provider.Buffered); false when the provider cannot tell.
func (t *Turn) Buffered() bool {
	if t.peeked != nil || t.done || t.failed != nil {
		return true
	}
	b, ok := t.stream.(provider.Buffered)
	return ok && b.Buffered()
}

// Next returns the next delta, io.EOF at the end.
func (t *Turn) Next() (provider.Delta, error) {
	if t.done {
		return provider.Delta{}, io.EOF
	}
	if t.failed != nil {
		return provider.Delta{}, t.failed
	}
	d, err := t.next()
	if err == io.EOF {
		t.done = true
		return d, err
	}
	if err != nil {
		t.failed = err
		return d, err
	}
	switch {
	case d.Text != "":
		t.text.add(d.Text)
	case d.ToolCall != nil:
		t.calls = mergeToolCall(t.calls, d.ToolCall)
	case d.Usage != nil:
		t.usage = d.Usage
	case d.FinishReason != "":
		t.finish = d.FinishReason
	}
	return d, nil
}

// Close releases the upstream stream and appends the turn to its session.
// A turn that failed mid-stream is recorded with its assistant entry marked
// interrupted; a turn the caller abandoned is recorded the same way.
func (t *Turn) Close() error {
	if t.closed {
		return t.recordErr
	}
	t.closed = true
	if t.stream != nil {
		_ = t.stream.Close()
	}
	if obs := t.r.opts.Observer; obs != nil && t.stream != nil {
		obs.TurnDone(t.agentID, t.model, t.usage, !t.done)
	}
	if t.req.SessionKey == "" || t.r.opts.Store == nil {
		return nil
	}
	t.recordErr = t.r.record(t)
	return t.recordErr
}

// Start resolves the agent, session and model, and calls the provider. It
// returns once the first delta arrived, so that every failure before any
// output can be retried and failed over; after Start returns, the model is
// fixed and a failure ends the stream with an error.
func (r *Runtime) Start(ctx context.Context, req *TurnRequest) (*Turn, error) {
	return r.start(ctx, req, false)
}

// start is Start; noStream asks the provider for one whole completion
// instead of a stream (provider.Request.NoStream), for Run.
func (r *Runtime) start(ctx context.Context, req *TurnRequest, noStream bool) (*Turn, error) {
	st := r.state.Load()
	agentID, err := r.ResolveAgent(req.AgentID)
	if err != nil {
		return nil, err
	}
	ac := st.byID[agentID]
	refs := ac.models
	if req.ModelOverride != "" {
		// A bad override is the caller's mistake, not a provider failure.
		if _, _, err := st.providers.Resolve(req.ModelOverride); err != nil {
			return nil, apierr.Invalid("", "unknown_model_override",
				"x-openclaw-model "+strconv.Quote(req.ModelOverride)+" is not a configured model: "+err.Error()).
				WithHint("send provider/model with a provider from models.providers or a built-in one (openai, anthropic, ollama); `openclaw models list` shows the configured refs")
		}
		refs = []string{req.ModelOverride}
	}
	if len(refs) == 0 {
		return nil, &NoModelError{AgentID: agentID}
	}

	var history []session.Entry
	if req.SessionKey != "" && r.opts.Store != nil {
		if history, err = r.loadHistory(ctx, agentID, req.SessionKey); err != nil {
			return nil, &StoreError{Op: "load", Err: err}
		}
	}
	msgs, held := buildMessages(history, req.Messages)
	if held != nil {
		// Adapters encode the request before Stream returns and keep
		// nothing of it, so the list is free once the attempts are over.
		defer releaseMessages(held)
	}
	preq := &provider.Request{
		System:           r.systemPrompt(ac, req),
		Messages:         msgs,
		Tools:            req.Tools,
		ToolChoice:       req.ToolChoice,
		MaxTokens:        req.MaxTokens,
		Temperature:      req.Temperature,
		TopP:             req.TopP,
		FrequencyPenalty: req.FrequencyPenalty,
		PresencePenalty:  req.PresencePenalty,
		Seed:             req.Seed,
		Stop:             req.Stop,
		User:             req.User,
		NoStream:         noStream,
	}
	t := &Turn{r: r, req: req, agentID: agentID, started: r.opts.Now()}
	fe := &FailoverError{AgentID: agentID}
	for _, ref := range refs {
		if err := r.attempt(ctx, st, t, preq, ref, fe); err == nil {
			return t, nil
		} else if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return nil, fe
}

// loadHistory returns a session's transcript, from the cache when it has it.
func (r *Runtime) loadHistory(ctx context.Context, agentID, key string) ([]session.Entry, error) {
	if r.cache != nil {
		if h, ok := r.cache.get(agentID, key); ok {
			return h, nil
		}
	}
	h, err := r.opts.Store.Load(ctx, agentID, key)
	if err == nil && r.cache != nil {
		r.cache.put(agentID, key, h)
	}
	return h, err
}

// attempt tries one model: once, and once more after a backoff when the
// failure is retryable. Failures are appended to fe.
func (r *Runtime) attempt(ctx context.Context, st *state, t *Turn, preq *provider.Request, ref string, fe *FailoverError) error {
	pid, mid, err := st.providers.Resolve(ref)
	if err != nil {
		fe.Attempts = append(fe.Attempts, &provider.Error{Provider: ref, Kind: provider.KindConfig, Message: err.Error(),
			Hint: "check the model ref in agents.defaults.model or the agent's model; refs are provider/model"})
		return err
	}
	p, err := st.providers.Get(pid)
	if err != nil {
		fe.Attempts = append(fe.Attempts, &provider.Error{Provider: pid, Model: mid, Kind: provider.KindConfig, Message: err.Error()})
		return err
	}
	req := *preq
	req.Model = mid
	if req.MaxTokens == 0 {
		if spec, ok := st.providers.ModelSpec(pid, mid); ok {
			req.MaxTokens = spec.MaxTokens
		}
	}
	for try := 0; try < 2; try++ {
		began := time.Now()
		s, first, err := open(ctx, p, &req)
		if r.opts.Observer != nil && ctx.Err() == nil {
			r.opts.Observer.Attempt(pid, mid, time.Since(began), err)
		}
		if err == nil {
			t.stream, t.model = s, pid+"/"+mid
			t.peeked = &first
			return nil
		}
		pe, ok := provider.AsError(err)
		if !ok {
			pe = &provider.Error{Provider: pid, Kind: provider.KindUnreachable, Err: err}
		}
		if pe.Model == "" {
			pe.Model = mid
		}
		fe.Attempts = append(fe.Attempts, pe)
		r.opts.Logger.LogAttrs(ctx, slog.LevelWarn, "provider attempt failed",
			slog.String("agent", t.agentID), slog.String("model", pid+"/"+mid),
			slog.Int("try", try+1), slog.String("error", pe.Error()))
		if !pe.Retryable() || try == 1 || ctx.Err() != nil {
			return pe
		}
		wait := r.opts.RetryBackoff
		if pe.RetryAfter > 0 {
			if pe.RetryAfter > r.opts.MaxRetryAfter {
				return pe // too long to wait inline: fail over instead
			}
			wait = pe.RetryAfter
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
	return errors.New("unreachable")
}

// open starts a stream and reads its first delta, so that an upstream that
// answers 200 and then fails before any output still counts as a failure
// before the first byte.
func open(ctx context.Context, p provider.Provider, req *provider.Request) (provider.Stream, provider.Delta, error) {
	s, err := p.Stream(ctx, req)
	if err != nil {
		return nil, provider.Delta{}, err
	}
	d, err := s.Next()
	if err != nil && err != io.EOF {
		_ = s.Close()
		return nil, provider.Delta{}, err
	}
	if err == io.EOF {
		// An empty but complete reply: hand the EOF back on the first Next.
		return &eofStream{s}, provider.Delta{FinishReason: "stop"}, nil
	}
	return s, d, nil
}

type eofStream struct{ provider.Stream }

func (e *eofStream) Next() (provider.Delta, error) { return provider.Delta{}, io.EOF }

// StoreError is a session-store failure.
type StoreError struct {
	Op  string
	Err error
}

func (e *StoreError) Error() string { return "session store " + e.Op + ": " + e.Err.Error() }
func (e *StoreError) Unwrap() error { return e.Err }

// Run starts a turn and collects it to the end. Nothing is relayed before
// the end, so it asks the provider for a non-streamed completion.
func (r *Runtime) Run(ctx context.Context, req *TurnRequest) (*Result, error) {
	t, err := r.start(ctx, req, true)
	if err != nil {
		return nil, err
	}
	for {
		_, err := t.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			_ = t.Close()
			return nil, err
		}
	}
	res := &Result{AgentID: t.agentID, Model: t.model, Text: t.text.String(), ToolCalls: t.calls,
		FinishReason: t.finish, Usage: t.usage}
	if err := t.Close(); err != nil {
		return nil, err
	}
	return res, nil
}

// textAcc accumulates the text of a reply. A reply that came in one piece
// (every non-streamed one) is kept as that string, without a copy into a
// buffer and another out of it.
type textAcc struct {
	s string // the text so far, when b is nil
	b []byte // the text so far, once a second piece came
}

func (a *textAcc) add(s string) {
	switch {
	case a.b != nil:
		a.b = append(a.b, s...)
	case a.s == "":
		a.s = s
	default:
		a.b = append(make([]byte, 0, 2*(len(a.s)+len(s))), a.s...)
		a.b = append(a.b, s...)
		a.s = ""
	}
}

// String returns the text so far.
func (a *textAcc) String() string {
	if a.b != nil {
		a.s, a.b = string(a.b), nil
	}
	return a.s
}

// mergeToolCall folds one tool-call fragment into the list of calls.
func mergeToolCall(calls []provider.ToolCall, d *provider.ToolCallDelta) []provider.ToolCall {
	for len(calls) <= d.Index {
		calls = append(calls, provider.ToolCall{})
	}
	c := &calls[d.Index]
	if d.ID != "" {
		c.ID = d.ID
	}
	if d.Name != "" {
		c.Name = d.Name
	}
	c.Arguments += d.Arguments
	return calls
}

// Embed computes embeddings with the agent's embedding model, or with
// modelOverride ("provider/model") when set. It returns the model used.
func (r *Runtime) Embed(ctx context.Context, agentID, modelOverride string, input []string) (*provider.EmbedResponse, string, error) {
	st := r.state.Load()
	id, err := r.ResolveAgent(agentID)
	if err != nil {
		return nil, "", err
	}
	ref := modelOverride
	if ref == "" {
		ref = st.byID[id].embedding
	}
	if ref == "" {
		return nil, "", ErrNoEmbeddingModel
	}
	pid, mid, err := st.providers.Resolve(ref)
	if err != nil {
		return nil, "", &provider.Error{Provider: ref, Kind: provider.KindConfig, Message: err.Error()}
	}
	p, err := st.providers.Get(pid)
	if err != nil {
		return nil, "", &provider.Error{Provider: pid, Kind: provider.KindConfig, Message: err.Error()}
	}
	res, err := p.Embed(ctx, &provider.EmbedRequest{Model: mid, Input: input})
	if err != nil {
		return nil, "", err
	}
	return res, pid + "/" + mid, nil
}

// ErrNoEmbeddingModel is returned by Embed when neither an override nor an
// embedding model is configured.
var ErrNoEmbeddingModel = errors.New("no embedding model configured")
