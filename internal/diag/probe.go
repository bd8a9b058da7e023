package diag

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/openclaw/openclaw-go/internal/version"
)

// Response headers that say which OpenClaw component answered (gateway.md
// §5, "Beyond, diagnosability").
const (
	SurfaceHeader = "X-OpenClaw-Surface"
	VersionHeader = "X-OpenClaw-Version"
)

// Values of TargetReport.Surface.
const (
	SurfaceGateway = "gateway"         // the OpenClaw gateway's main listener
	SurfaceTeams   = "msteams-webhook" // our Teams webhook listener
	SurfaceNone    = "none"            // something without our header answered
)

// Values of TargetReport.TLS.
const (
	TLSNone   = "none" // plain http: nothing to check
	TLSOK     = "ok"
	TLSFailed = "failed"
)

// DefaultModel is the model id every OpenClaw gateway lists.
const DefaultModel = "openclaw/default"

// snippetBytes is how much of a foreign body a report quotes.
const snippetBytes = 200

// ProbeReport is the result of `openclaw gateway probe`, printed as is with
// --json. The field names are a stable interface: add fields, never rename
// or remove them.
type ProbeReport struct {
	Targets []TargetReport `json:"targets"`
	// OK is true when every target is healthy.
	OK bool `json:"ok"`
}

// TargetReport is what the probe learned about one base URL.
type TargetReport struct {
	// Name is "local" (the loopback gateway from the config) or "url" (--url).
	Name string `json:"name"`
	// URL is the base URL probed, ending in /v1.
	URL string `json:"url"`
	// Credential is what the probe sent as the bearer: "token", "password"
	// or "none". The secret itself is never reported.
	Credential string `json:"credential"`
	// Reachable is true when a TCP connection was made.
	Reachable bool `json:"reachable"`
	// Error names the connection or TLS failure; "" when a response came.
	Error string `json:"error"`
	// TLS is "ok", "failed", or "none" for plain http.
	TLS string `json:"tls"`
	// Surface is X-OpenClaw-Surface of the first response: "gateway",
	// "msteams-webhook", "none" (something else answered) or "" (no
	// response).
	Surface string `json:"surface"`
	// Version is X-OpenClaw-Version of the first response.
	Version string `json:"version"`
	// AuthOK: the gateway accepted the credentials on GET /v1/models.
	AuthOK bool `json:"authOk"`
	// ModelsOK: GET /v1/models answered 200 and lists openclaw/default.
	ModelsOK bool `json:"modelsOk"`
	// ChatRouteOK: POST /v1/chat/completions with an empty message list got
	// the gateway's own 400 naming "messages" (no tokens are spent).
	ChatRouteOK bool `json:"chatRouteOk"`
	// Status, Server, Via and BodySnippet quote the response the diagnosis
	// is about (on success, the /v1/models response). BodySnippet is at most
	// the first 200 bytes.
	Status      int    `json:"status"`
	Server      string `json:"server"`
	Via         string `json:"via"`
	BodySnippet string `json:"bodySnippet"`
	// Steps are the requests made, in order.
	Steps []Step `json:"steps"`
	// Diagnosis names the problem; ID is "ok" when the target is healthy.
	Diagnosis Diagnosis `json:"diagnosis"`
	// OK is true when the target is healthy.
	OK bool `json:"ok"`
}

// Step is one request of the probe.
type Step struct {
	// Name is "models" or "chat".
	Name   string `json:"name"`
	Method string `json:"method"`
	URL    string `json:"url"`
	// Status is 0 when no response came.
	Status int `json:"status"`
	// Surface is as in TargetReport ("" when no response came).
	Surface string `json:"surface"`
	// Code is error.code of an OpenAI error body, if any.
	Code string `json:"code"`
	OK   bool   `json:"ok"`
}

// Diagnosis is a named cause with its fix. IDs are stable; docs/
// troubleshooting.md lists them all.
type Diagnosis struct {
	ID    string `json:"id"`
	Cause string `json:"cause"`
	Fix   string `json:"fix"`
}

// Target is one base URL to probe.
type Target struct {
	Name    string
	BaseURL string
}

// ProbeOptions configure Probe.
type ProbeOptions struct {
	Targets []Target
	// Bearer is sent as `Authorization: Bearer <Bearer>` when non-empty;
	// Credential says what it is ("token" or "password").
	Bearer     string
	Credential string
	// Timeout bounds each request (default 5s).
	Timeout time.Duration
	// GatewayPort is the configured gateway.port, named in fixes.
	GatewayPort int
	// Transport replaces the network (tests). Nil means a fresh
	// http.Transport that honours HTTPS_PROXY for non-loopback hosts.
	Transport http.RoundTripper
}

// NormalizeBaseURL turns what a user types into a base URL ending in /v1:
// "https://h" and "https://h/" become "https://h/v1"; "https://h/v1/",
// "https://h/x/v1/chat/completions" are cut after "/v1".
func NormalizeBaseURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("invalid URL %q: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("invalid URL %q: it must start with http:// or https:// (e.g. https://example.com/v1)", raw)
	}
	if u.Host == "" {
		return "", fmt.Errorf("invalid URL %q: no host", raw)
	}
	u.RawQuery, u.Fragment, u.RawPath = "", "", ""
	p := strings.TrimRight(u.Path, "/")
	switch {
	case strings.HasSuffix(p, "/v1"):
	case strings.Contains(p+"/", "/v1/"):
		p = p[:strings.LastIndex(p+"/", "/v1/")+3]
	default:
		p += "/v1"
	}
	u.Path = p
	return u.String(), nil
}

// Probe checks every target (concurrently) and returns the report; it
// never fails as a whole: each problem is a diagnosis in the report.
func Probe(ctx context.Context, o ProbeOptions) ProbeReport {
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Credential == "" || o.Bearer == "" {
		o.Credential = "none"
	}
	client := &http.Client{
		Transport: o.Transport,
		// A redirect is an answer worth reporting (often an SSO login page),
		// not something to follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if client.Transport == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DisableKeepAlives = true
		client.Transport = tr
	}
	rep := ProbeReport{Targets: make([]TargetReport, len(o.Targets)), OK: true}
	var wg sync.WaitGroup
	for i, t := range o.Targets {
		wg.Go(func() { rep.Targets[i] = probeTarget(ctx, client, t, o) })
	}
	wg.Wait()
	for _, t := range rep.Targets {
		rep.OK = rep.OK && t.OK
	}
	return rep
}

// chatProbeBody is a request the gateway must reject before any agent
// runs: the gateway answers 400 with param "messages".
const chatProbeBody = `{"model":"openclaw/default","messages":[]}`

func probeTarget(ctx context.Context, c *http.Client, t Target, o ProbeOptions) TargetReport {
	r := TargetReport{Name: t.Name, URL: t.BaseURL, Credential: o.Credential, TLS: TLSNone, Steps: []Step{}}
	https := strings.HasPrefix(t.BaseURL, "https:")
	env := explainEnv{target: t.Name, gatewayPort: o.GatewayPort, credentialSent: o.Credential != "none", timeout: o.Timeout}

	models := fetch(ctx, c, o, "models", http.MethodGet, t.BaseURL+"/models", "")
	r.Steps = append(r.Steps, models.step())
	if models.err != nil {
		r.Reachable = models.connected
		r.Error = models.err.Error()
		if https && models.connected {
			r.TLS = TLSFailed
			if models.tlsDone {
				r.TLS = TLSOK
			}
		}
		r.Diagnosis = explainTransport(models, env)
		return r
	}
	r.Reachable = true
	if https {
		r.TLS = TLSOK
	}
	r.Surface = models.surface
	r.Version = models.header.Get(VersionHeader)

	chat := fetch(ctx, c, o, "chat", http.MethodPost, t.BaseURL+"/chat/completions", chatProbeBody)

	fromGW := models.surface == SurfaceGateway
	r.AuthOK = fromGW && models.status != http.StatusUnauthorized && models.status != http.StatusForbidden &&
		models.status != http.StatusTooManyRequests
	models.ok = fromGW && models.status == http.StatusOK && listsModel(models.body, DefaultModel)
	r.ModelsOK = models.ok
	chat.ok = chat.err == nil && chat.surface == SurfaceGateway && chat.status == http.StatusBadRequest && chat.param == "messages"
	r.ChatRouteOK = chat.ok
	r.Steps[0] = models.step()
	r.Steps = append(r.Steps, chat.step())

	telling := models
	switch {
	case !models.ok:
		r.Diagnosis = explainResponse(models, env)
	case chat.err != nil:
		telling = chat
		r.Diagnosis = explainTransport(chat, env)
	case !chat.ok:
		telling = chat
		r.Diagnosis = explainResponse(chat, env)
		if chat.surface != SurfaceGateway {
			r.Diagnosis.Cause = "GET /v1/models reaches the gateway but POST /v1/chat/completions does not: " + r.Diagnosis.Cause
		}
	default:
		r.OK = true
		r.Diagnosis = Diagnosis{ID: "ok", Cause: "", Fix: ""}
	}
	r.Status = telling.status
	r.Server = telling.header.Get("Server")
	r.Via = telling.header.Get("Via")
	r.BodySnippet = snippet(telling.body)
	return r
}

// observation is one request and what came back.
type observation struct {
	name, method, url string
	err               error
	connected         bool // a TCP connection was made
	tlsDone           bool // the TLS handshake completed
	status            int
	header            http.Header
	body              []byte
	surface           string
	// OpenAI error body fields, when the body is one.
	code, param, hint, message string
	ok                         bool
}

func (ob *observation) step() Step {
	return Step{Name: ob.name, Method: ob.method, URL: ob.url, Status: ob.status, Surface: ob.surface, Code: ob.code, OK: ob.ok}
}

// maxBody bounds what the probe reads of any response.
const maxBody = 1 << 20

func fetch(ctx context.Context, c *http.Client, o ProbeOptions, name, method, u, body string) *observation {
	ob := &observation{name: name, method: method, url: u, header: http.Header{}}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	var mu sync.Mutex
	trace := &httptrace.ClientTrace{
		ConnectDone: func(_, _ string, err error) {
			if err == nil {
				mu.Lock()
				ob.connected = true
				mu.Unlock()
			}
		},
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) {
			if err == nil {
				mu.Lock()
				ob.tlsDone = true
				mu.Unlock()
			}
		},
		GotConn: func(httptrace.GotConnInfo) {
			mu.Lock()
			ob.connected = true
			mu.Unlock()
		},
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), method, u, rd)
	if err != nil {
		ob.err = err
		return ob
	}
	req.Header.Set("User-Agent", "openclaw-probe/"+version.Version())
	req.Header.Set("Accept", "application/json")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if o.Bearer != "" {
		req.Header.Set("Authorization", "Bearer "+o.Bearer)
	}
	resp, err := c.Do(req)
	mu.Lock()
	defer mu.Unlock()
	if err != nil {
		ob.err = unwrapURLError(err)
		return ob
	}
	defer resp.Body.Close()
	ob.connected = true
	ob.status = resp.StatusCode
	ob.header = resp.Header
	ob.body, _ = io.ReadAll(io.LimitReader(resp.Body, maxBody))
	ob.surface = resp.Header.Get(SurfaceHeader)
	if ob.surface == "" {
		ob.surface = SurfaceNone
	}
	var e struct {
		Error struct {
			Message string  `json:"message"`
			Code    *string `json:"code"`
			Param   *string `json:"param"`
			Hint    string  `json:"hint"`
		} `json:"error"`
	}
	if json.Unmarshal(ob.body, &e) == nil {
		if e.Error.Code != nil {
			ob.code = *e.Error.Code
		}
		if e.Error.Param != nil {
			ob.param = *e.Error.Param
		}
		ob.hint, ob.message = e.Error.Hint, e.Error.Message
	}
	return ob
}

// unwrapURLError drops the "Get "url": " prefix that *url.Error adds; the
// report names the URL already.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// listsModel reports whether a /v1/models body lists id.
func listsModel(body []byte, id string) bool {
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &list) != nil {
		return false
	}
	for _, m := range list.Data {
		if m.ID == id {
			return true
		}
	}
	return false
}

// snippet returns at most the first 200 bytes of b, cut at a character
// boundary, without a trailing newline.
func snippet(b []byte) string {
	if len(b) > snippetBytes {
		b = b[:snippetBytes]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	return string(bytes.TrimRight(b, "\r\n"))
}
