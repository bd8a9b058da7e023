// Package upstream is the HTTP call machinery shared by the provider adapters:
// connect, first-byte and idle timeouts that cancel the request, mapping of
// transport failures and error responses to *provider.Error, Retry-After
// parsing, and releasing the connection on Close. It knows no wire format;
// each adapter passes a function that extracts the message from its
// provider's error body.
package upstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/openclaw/openclaw-go/internal/provider"
)

// Causes with which a call's context is canceled.
var (
	errConnectTimeout   = errors.New("connect timeout")
	errFirstByteTimeout = errors.New("first-byte timeout")
	errIdleTimeout      = errors.New("idle timeout")
	// ErrClosed is returned by reads after Close.
	ErrClosed = errors.New("provider stream closed")
)

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 64 << 10

// ErrorParser extracts the human message and the provider's error type from
// an error response body; ok is false when the body is not the provider's
// error JSON.
type ErrorParser func(body []byte) (message, errType string, ok bool)

// Target names the call for error messages.
type Target struct {
	Provider string
	Model    string
	// AuthHint is the Hint of a 401/403 error ("check OPENAI_API_KEY …").
	AuthHint string
}

// Call is one upstream request whose response status was a success. Its body
// reads reset the idle timer; Close cancels the request.
type Call struct {
	Resp   *http.Response
	target Target
	parent context.Context
	ctx    context.Context
	cancel context.CancelCauseFunc
	// One timer bounds every phase of the call (connect, first byte, idle
	// gaps, the drain on Close): it is re-armed as the call moves on, and
	// phase says which cause to cancel with when it fires.
	timer  *time.Timer
	phase  atomic.Int32
	due    atomic.Int64 // when the current phase times out, as a monoNow reading
	idleD  time.Duration
	done   atomic.Bool // the caller consumed the stream to its end
	eof    atomic.Bool // the body was read to its end
	closed atomic.Bool
}

// The phases of a call, and the cause each one's timeout cancels it with.
const (
	phaseConnect int32 = iota
	phaseFirstByte
	phaseIdle
	phaseDrain
)

var phaseCause = [...]error{errConnectTimeout, errFirstByteTimeout, errIdleTimeout, ErrClosed}

// monoEpoch anchors monoNow.
var monoEpoch = time.Now()

// monoNow reads the monotonic clock (timers run on it; the wall clock may
// step backwards).
func monoNow() int64 { return int64(time.Since(monoEpoch)) }

// expired cancels the call with the cause of its phase, unless the timer
// fired for an earlier deadline that was moved while this callback was
// starting (a new phase, or progress in the idle one): the re-armed timer
// fires again at the new one.
func (c *Call) expired() {
	if monoNow() < c.due.Load() {
		return
	}
	c.cancel(phaseCause[c.phase.Load()])
}

// enter moves the call to phase p, due after d. The deadline is read
// before the timer is armed, so that the timer never fires before it.
func (c *Call) enter(p int32, d time.Duration) {
	c.due.Store(monoNow() + int64(d))
	c.phase.Store(p)
	c.timer.Reset(d)
}

// Start sends req (whose context must be ctx) and waits for the response
// headers. A non-2xx status becomes an *provider.Error built with parse.
//
// The request goes straight to the client's transport (http.DefaultTransport
// when it has none), not through client.Do: an API call has no cookies to
// keep and must not follow redirects silently (a redirect is answered as an
// error that names the new address), and skipping the client saves it
// copying the headers of every request for a redirect that never comes.
func Start(ctx context.Context, client *http.Client, req *http.Request, t provider.Timeouts, target Target, parse ErrorParser) (*Call, error) {
	t = t.WithDefaults()
	cctx, cancel := context.WithCancelCause(ctx)
	c := &Call{target: target, parent: ctx, ctx: cctx, cancel: cancel, idleD: t.Idle}
	// Until a connection is in hand the connect timeout runs, unless the
	// first-byte one (counted from the start too) ends sooner.
	start := time.Now()
	first := phaseFirstByte
	if t.Connect < t.FirstByte {
		first = phaseConnect
	}
	c.phase.Store(first)
	c.due.Store(monoNow() + int64(min(t.Connect, t.FirstByte)))
	c.timer = time.AfterFunc(min(t.Connect, t.FirstByte), c.expired)
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) {
		if c.phase.Load() == phaseConnect {
			c.enter(phaseFirstByte, t.FirstByte-time.Since(start))
		}
	}}
	req = req.WithContext(httptrace.WithClientTrace(cctx, trace))

	rt := client.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	resp, err := rt.RoundTrip(req)
	c.timer.Stop()
	if err != nil {
		// Name the request in the error, as client.Do does.
		err = &url.Error{Op: req.Method[:1] + strings.ToLower(req.Method[1:]), URL: req.URL.Redacted(), Err: err}
		err = c.mapErr(err, false)
		cancel(ErrClosed)
		return nil, err
	}
	c.Resp = resp
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer c.Close()
		return nil, c.statusError(resp, parse)
	}
	c.enter(phaseIdle, t.Idle)
	return c, nil
}

// Read reads the response body, resetting the idle timer on progress and
// mapping failures to *provider.Error.
func (c *Call) Read(p []byte) (int, error) {
	n, err := c.Resp.Body.Read(p)
	if n > 0 && !c.closed.Load() {
		c.enter(phaseIdle, c.idleD)
	}
	if err == io.EOF {
		c.eof.Store(true)
	} else if err != nil {
		err = c.mapErr(err, true)
	}
	return n, err
}

// Err maps a failure seen while reading to the error the caller should see;
// it is what Read already returns, exposed for errors found by parsers above.
func (c *Call) Err(err error) error { return c.mapErr(err, true) }

// Done records that the stream was read to its logical end, so that Close
// may try to keep the connection for reuse.
func (c *Call) Done() { c.done.Store(true) }

// drainTimeout bounds how long Close waits for the end of a body whose
// logical stream is finished, so that the keep-alive connection is reused.
const drainTimeout = 200 * time.Millisecond

// Close releases the request. If the stream was not consumed to its end it
// cancels the upstream request at once (the server sees the connection
// close); otherwise it briefly drains the body so the connection returns to
// the pool. Close is safe to call concurrently with Read and more than once.
func (c *Call) Close() error {
	if !c.closed.CompareAndSwap(false, true) {
		return nil
	}
	if c.Resp != nil {
		if c.eof.Load() {
			// Read to its end: the connection is back in the pool already.
		} else if c.done.Load() {
			c.enter(phaseDrain, drainTimeout)
			_, _ = io.Copy(io.Discard, io.LimitReader(c.Resp.Body, 64<<10))
		} else {
			c.cancel(ErrClosed)
		}
		_ = c.Resp.Body.Close()
	}
	c.timer.Stop()
	c.cancel(ErrClosed)
	return nil
}

func (c *Call) newErr(kind provider.ErrorKind, msg string, err error) *provider.Error {
	return &provider.Error{Provider: c.target.Provider, Model: c.target.Model, Kind: kind, Message: msg, Err: err}
}

// mapErr classifies a transport error; midStream tells whether response
// headers had already arrived.
func (c *Call) mapErr(err error, midStream bool) error {
	var pe *provider.Error
	if errors.As(err, &pe) {
		return err
	}
	switch cause := context.Cause(c.ctx); {
	case cause == errConnectTimeout:
		return c.newErr(provider.KindTimeout, "no connection within the connect timeout", context.DeadlineExceeded)
	case cause == errFirstByteTimeout:
		return c.newErr(provider.KindTimeout, "no response within the first-byte timeout", context.DeadlineExceeded)
	case cause == errIdleTimeout:
		return c.newErr(provider.KindTimeout, "stream stalled past the idle timeout", context.DeadlineExceeded)
	case cause == ErrClosed && c.parent.Err() == nil:
		return ErrClosed
	}
	if perr := c.parent.Err(); perr != nil {
		if errors.Is(perr, context.DeadlineExceeded) {
			return c.newErr(provider.KindTimeout, "request deadline exceeded", perr)
		}
		// The caller went away (client disconnect): not a provider failure.
		return fmt.Errorf("provider %s: %w", c.target.Provider, perr)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return c.newErr(provider.KindTimeout, "network timeout: "+err.Error(), err)
	}
	if midStream {
		return c.newErr(provider.KindUnreachable, "connection lost mid-stream: "+describe(err), err)
	}
	return c.newErr(provider.KindUnreachable, "cannot reach the provider: "+describe(err), err)
}

// describe shortens common network errors to their cause.
func describe(err error) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by peer"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "connection closed before the response was complete"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "DNS lookup failed: " + dnsErr.Error()
	}
	return err.Error()
}

func (c *Call) statusError(resp *http.Response, parse ErrorParser) error {
	// Bound the body read by the idle time.
	c.enter(phaseIdle, c.idleD)
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	c.timer.Stop()
	e := c.newErr(provider.KindUpstream, "", nil)
	e.Status = resp.StatusCode
	e.RetryAfter = ParseRetryAfter(resp.Header, time.Now())
	if msg, typ, ok := parse(body); ok {
		e.Message = msg
		if e.Message == "" {
			e.Message = typ
		}
	} else {
		e.Message = Snippet(body, 512)
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		e.Hint = c.target.AuthHint
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		if loc := resp.Header.Get("Location"); loc != "" {
			e.Message = "the provider redirects this request to " + redactURL(loc)
		}
		e.Hint = fmt.Sprintf("API calls are not redirected: set models.providers.%s.baseUrl to the address the provider redirects to", c.target.Provider)
	case http.StatusNotFound:
		if c.target.Model != "" {
			e.Hint = fmt.Sprintf("check that model %q exists at provider %q and that its baseUrl is right", c.target.Model, c.target.Provider)
		}
	}
	return e
}

// redactURL drops the user info and query of a URL from a response header
// (they may hold credentials) before it goes into an error message.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return Snippet([]byte(s), 200)
	}
	u.User, u.RawQuery, u.ForceQuery = nil, "", false
	return u.String()
}

// Snippet returns at most n bytes of body as trimmed, valid UTF-8 text.
func Snippet(body []byte, n int) string {
	if len(body) > n {
		body = body[:n]
		for len(body) > 0 && !utf8.Valid(body) {
			body = body[:len(body)-1]
		}
	}
	return strings.TrimSpace(strings.ToValidUTF8(string(body), "\uFFFD"))
}

// ParseRetryAfter reads retry-after-ms (milliseconds, as OpenAI sends) or
// Retry-After (delay-seconds or an HTTP date, RFC 9110 §10.2.3). It returns
// 0 when neither is present or parseable.
func ParseRetryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("retry-after-ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && ms < 1e12 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 || s > 1e9 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// Body buffers are pooled: a non-streamed reply is decoded and dropped at
// once, so its buffer can serve the next one.
var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody is the largest buffer kept for reuse.
const maxPooledBody = 1 << 20

// ReadBody reads all of r, at most limit bytes (a longer body is cut
// there), into a pooled buffer; c, if not nil, is the call whose body r is,
// used to size the buffer from Content-Length. Errors are returned as r
// gives them (a Call's are already mapped). The caller must PutBody the
// buffer, also on error, and not use it afterwards.
func ReadBody(r io.Reader, c *Call, limit int64) (*bytes.Buffer, error) {
	b := bodyPool.Get().(*bytes.Buffer)
	b.Reset()
	if c != nil && c.Resp != nil && c.Resp.ContentLength > 0 && c.Resp.ContentLength <= limit {
		// ReadFrom wants MinRead bytes free before each read, the last one
		// (that sees EOF) included.
		b.Grow(int(c.Resp.ContentLength) + bytes.MinRead)
	}
	_, err := b.ReadFrom(io.LimitReader(r, limit))
	return b, err
}

// PutBody returns a buffer from ReadBody to the pool.
func PutBody(b *bytes.Buffer) {
	if b != nil && b.Cap() <= maxPooledBody {
		bodyPool.Put(b)
	}
}
