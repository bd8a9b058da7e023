package e2e

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/bench/mock"
)

// The hostile-input table runs every request below against the real binary
// in each auth mode. Every case states the status and error code expected
// in each mode; the upstream counts its calls, and a case that is not
// expected to succeed must not reach it.

const hostilePassword = "e2e-password-9f8e7d6c5b4a39281706f5e4d3c2b1a0"

type authMode struct {
	name   string
	secret string   // the bearer a valid caller sends ("" for none)
	valid  []string // header pairs of a valid caller
	config string   // gateway section (without endpoints)
}

var hostileModes = []authMode{
	{name: "token", secret: testToken, valid: []string{"Authorization", "Bearer " + testToken},
		config: `auth: { mode: "token", token: "` + testToken + `" },`},
	{name: "password", secret: hostilePassword, valid: []string{"Authorization", "Bearer " + hostilePassword},
		config: `auth: { mode: "password", password: "` + hostilePassword + `" },`},
	{name: "trusted-proxy", secret: testToken, valid: []string{"X-Forwarded-For", "203.0.113.7", "X-Proxy-Auth", "p1", "X-Forwarded-User", "alice@example.com"},
		config: `trustedProxies: ["127.0.0.1"],
    auth: { mode: "trusted-proxy", trustedProxy: { userHeader: "x-forwarded-user", requiredHeaders: ["x-proxy-auth"],
            allowUsers: ["alice@example.com"], allowLoopback: true } },`},
	{name: "none", config: `auth: { mode: "none" },`},
}

// exp is the expected status and error code ("" when the answer is not a
// gateway JSON error: a 200, or a rejection by Go's HTTP server itself).
type exp struct {
	status int
	code   string
}

// perMode lists the expectation for token, password, trusted-proxy, none.
type perMode [4]exp

func all(e exp) perMode { return perMode{e, e, e, e} }

var (
	ok200    = exp{200, ""}
	noCreds  = perMode{{401, "gateway_token_missing"}, {401, "gateway_password_missing"}, {403, "trusted_proxy_missing_header_x-proxy-auth"}, ok200}
	badCreds = perMode{{401, "gateway_token_mismatch"}, {401, "gateway_password_mismatch"}, {403, "trusted_proxy_missing_header_x-proxy-auth"}, ok200}
	proxyAtt = exp{403, "proxy_attribution_required"}
	// forwarded: a request carrying forwarding headers from loopback is
	// refused before credentials unless loopback is a trusted proxy.
	forwarded = func(x exp) perMode { return perMode{proxyAtt, proxyAtt, x, proxyAtt} }
)

type hostileCase struct {
	name   string
	method string
	target string
	auth   bool     // send the mode's valid credentials
	hdr    []string // extra header pairs, in order, duplicates kept; {SECRET} is the mode's secret
	body   []byte
	want   perMode

	raw       func(mode authMode) []byte // the whole request, when set
	bigChunk  int64                      // stream this many body bytes chunked
	bigLength int64                      // declare this Content-Length, send only a little
}

func chatJSON(content string) []byte {
	return []byte(`{"model":"openclaw/default","messages":[{"role":"user","content":"` + content + `"}]}`)
}

func hostileCases() []hostileCase {
	jsonCT := []string{"Content-Type", "application/json"}
	nested := bytes.Repeat([]byte("["), 100000)
	nested = append(nested, bytes.Repeat([]byte("]"), 100000)...)
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	_, _ = zw.Write([]byte(`{"model":"openclaw/default","messages":[{"role":"user","content":"`))
	_, _ = zw.Write(bytes.Repeat([]byte("A"), 16<<20))
	_, _ = zw.Write([]byte(`"}]}`))
	_ = zw.Close()
	invalidUTF8 := []byte("{\"model\":\"openclaw/default\",\"messages\":[{\"role\":\"user\",\"content\":\"bad \xff\xfe bytes\"}]}")
	notAllowed := exp{405, "method_not_allowed"}
	notFound := exp{404, "route_not_found"}

	return []hostileCase{
		// Credentials.
		{name: "no credentials", want: noCreds},
		{name: "valid credentials (control)", auth: true, want: all(ok200)},
		{name: "wrong bearer", hdr: []string{"Authorization", "Bearer not-the-secret"}, want: badCreds},
		{name: "JWT-looking bearer", hdr: []string{"Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"}, want: badCreds},
		{name: "empty bearer", hdr: []string{"Authorization", "Bearer   "}, want: noCreds},
		{name: "scheme without credential", hdr: []string{"Authorization", "Bearer"}, want: noCreds},
		{name: "lower-case scheme with the right secret", hdr: []string{"Authorization", "bearer {SECRET}"},
			want: perMode{ok200, ok200, {403, "trusted_proxy_missing_header_x-proxy-auth"}, ok200}},
		{name: "secret with a trailing character", hdr: []string{"Authorization", "Bearer {SECRET}x"}, want: badCreds},
		{name: "secret prefix only", hdr: []string{"Authorization", "Bearer e2e-"}, want: badCreds},
		{name: "8 KiB bearer", hdr: []string{"Authorization", "Bearer " + strings.Repeat("a", 8<<10)}, want: badCreds},
		{name: "non-ASCII bearer", hdr: []string{"Authorization", "Bearer tökén-ünïcödé-✓"}, want: badCreds},
		{name: "Latin-1 byte in the bearer", hdr: []string{"Authorization", "Bearer caf\xe9"}, want: badCreds},
		{name: "bearer with a control character", hdr: []string{"Authorization", "Bearer a\x01b"}, want: all(exp{400, ""})},
		{name: "Basic scheme", hdr: []string{"Authorization", "Basic dXNlcjpwYXNz"},
			want: perMode{{401, "auth_scheme_unsupported"}, {401, "auth_scheme_unsupported"}, {403, "trusted_proxy_missing_header_x-proxy-auth"}, ok200}},
		{name: "secret in the query string", target: "/v1/models?token={SECRET}&api_key={SECRET}", want: noCreds},
		{name: "secret in X-Api-Key and a cookie", hdr: []string{"X-Api-Key", "{SECRET}", "Cookie", "token={SECRET}"}, want: noCreds},
		{name: "two Authorization headers, both right", hdr: []string{"Authorization", "Bearer {SECRET}", "Authorization", "Bearer {SECRET}"},
			want: perMode{{401, "auth_header_multiple"}, {401, "auth_header_multiple"}, {403, "trusted_proxy_missing_header_x-proxy-auth"}, ok200}},
		{name: "two Authorization headers, wrong then right", hdr: []string{"Authorization", "Bearer wrong", "Authorization", "Bearer {SECRET}"},
			want: perMode{{401, "auth_header_multiple"}, {401, "auth_header_multiple"}, {403, "trusted_proxy_missing_header_x-proxy-auth"}, ok200}},
		{name: "bearer over the 64 KiB header limit", hdr: []string{"Authorization", "Bearer " + strings.Repeat("b", 80<<10)}, want: all(exp{431, ""})},
		{name: "many small headers", hdr: manyHeaders(500), want: noCreds},

		// Forwarding headers and proxies.
		{name: "forged X-Forwarded-For with valid credentials", auth: true, hdr: []string{"X-Forwarded-For", "198.51.100.1"}, want: forwarded(ok200)},
		{name: "chained X-Forwarded-For claiming loopback", hdr: []string{"X-Forwarded-For", "127.0.0.1, ::1, 127.0.0.1"},
			want: forwarded(exp{403, "trusted_proxy_missing_header_x-proxy-auth"})},
		{name: "X-Forwarded-For on several lines", hdr: []string{"X-Forwarded-For", "127.0.0.1", "X-Forwarded-For", "10.0.0.1"},
			want: forwarded(exp{403, "trusted_proxy_missing_header_x-proxy-auth"})},
		{name: "Forwarded: for=127.0.0.1", hdr: []string{"Forwarded", "for=127.0.0.1;proto=https"}, want: forwarded(exp{403, "trusted_proxy_missing_header_x-proxy-auth"})},
		{name: "X-Real-IP: 127.0.0.1", hdr: []string{"X-Real-IP", "127.0.0.1"}, want: forwarded(exp{403, "trusted_proxy_missing_header_x-proxy-auth"})},
		{name: "lower-case x-forwarded-for with valid credentials", auth: true, hdr: []string{"x-forwarded-for", "10.1.1.1"}, want: forwarded(ok200)},
		{name: "X-Forwarded-Host only", hdr: []string{"X-Forwarded-Host", "admin.internal"}, want: forwarded(exp{403, "trusted_proxy_missing_header_x-proxy-auth"})},
		{name: "empty X-Forwarded-For", hdr: []string{"X-Forwarded-For", ""}, want: forwarded(exp{403, "trusted_proxy_missing_header_x-proxy-auth"})},
		{name: "garbage X-Forwarded-For", hdr: []string{"X-Forwarded-For", "unknown, _hidden, [::1"}, want: forwarded(exp{403, "trusted_proxy_missing_header_x-proxy-auth"})},
		{name: "user header without the required proxy header", hdr: []string{"X-Forwarded-User", "alice@example.com"},
			want: forwarded(exp{403, "trusted_proxy_missing_header_x-proxy-auth"})},
		{name: "user not in allowUsers", hdr: []string{"X-Proxy-Auth", "p1", "X-Forwarded-User", "mallory@example.com"},
			want: forwarded(exp{403, "trusted_proxy_user_not_allowed"})},
		{name: "allowed user in other letter case", hdr: []string{"X-Proxy-Auth", "p1", "X-Forwarded-User", "ALICE@Example.COM"}, want: forwarded(ok200)},
		{name: "blank user header", hdr: []string{"X-Proxy-Auth", "p1", "X-Forwarded-User", "   "}, want: forwarded(exp{403, "trusted_proxy_user_missing"})},
		{name: "two user headers, the allowed one first", hdr: []string{"X-Proxy-Auth", "p1", "X-Forwarded-User", "alice@example.com", "X-Forwarded-User", "mallory@example.com"},
			want: forwarded(exp{403, "trusted_proxy_user_multiple"})},
		{name: "scopes header cannot widen an identity", method: "POST", target: "/v1/chat/completions", auth: true,
			hdr: append([]string{"X-Openclaw-Scopes", "operator.admin", "X-Openclaw-Model", "nope/none"}, jsonCT...), body: chatJSON("hi"),
			// Shared-secret callers may override; an unknown model is then
			// the caller's 400, and no provider is called.
			want: perMode{{400, "unknown_model_override"}, {400, "unknown_model_override"}, {403, "missing_scope"}, {403, "missing_scope"}}},

		// Paths and methods.
		{name: "double slash path", target: "//v1/models", want: all(notFound)},
		{name: "encoded dot segments to /metrics", target: "/v1/%2e%2e/metrics", want: all(notFound)},
		{name: "dot segments to /metrics", target: "/v1/models/../../metrics", want: all(notFound)},
		{name: "mixed-case path", target: "/V1/Models", want: all(notFound)},
		{name: "encoded slash in the path", target: "/v1%2fmodels", want: all(notFound)},
		{name: "metrics without credentials", target: "/metrics", want: noCreds},
		{name: "status without credentials", target: "/v1/openclaw/status", want: noCreds},
		{name: "method override header on a GET route", method: "POST", target: "/v1/models", auth: true,
			hdr: []string{"X-HTTP-Method-Override", "GET", "X-Method-Override", "GET"}, want: all(notAllowed)},
		{name: "method override header on the chat route", method: "GET", target: "/v1/chat/completions", auth: true,
			hdr: []string{"X-HTTP-Method-Override", "POST"}, want: all(notAllowed)},
		{name: "method override without credentials", method: "POST", target: "/v1/models?_method=GET", hdr: []string{"X-HTTP-Method-Override", "GET"},
			want: perMode{noCreds[0], noCreds[1], noCreds[2], notAllowed}},
		{name: "TRACE without credentials", method: "TRACE", want: perMode{noCreds[0], noCreds[1], noCreds[2], notAllowed}},
		{name: "absolute-form request target", target: "http://evil.example/v1/models", want: noCreds},
		{name: "HTTP/1.1 without Host", raw: func(authMode) []byte { return []byte("GET /v1/models HTTP/1.1\r\nConnection: close\r\n\r\n") }, want: all(exp{400, ""})},
		{name: "header name with a space", hdr: []string{"X Bad", "1"}, want: all(exp{400, ""})},
		{name: "Content-Length and Transfer-Encoding together", raw: func(authMode) []byte {
			return []byte("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n")
		}, want: perMode{noCreds[0], noCreds[1], noCreds[2], {400, "invalid_json"}}}, // chunked wins (RFC 9112 6.3): an empty body

		// Bodies.
		{name: "chat without credentials", method: "POST", target: "/v1/chat/completions", hdr: jsonCT, body: chatJSON("hi"), want: noCreds},
		{name: "declared body over 20 MB", method: "POST", target: "/v1/chat/completions", auth: true, hdr: jsonCT, bigLength: 21 << 20,
			want: all(exp{413, "request_too_large"})},
		{name: "chunked body over 20 MB", method: "POST", target: "/v1/chat/completions", auth: true, hdr: jsonCT, bigChunk: 21 << 20,
			want: all(exp{413, "request_too_large"})},
		{name: "2 MB message without credentials", method: "POST", target: "/v1/chat/completions", hdr: jsonCT, body: chatJSON(strings.Repeat("x", 2<<20)), want: noCreds},
		{name: "deeply nested JSON", method: "POST", target: "/v1/chat/completions", auth: true, hdr: jsonCT, body: nested, want: all(exp{400, "invalid_json"})},
		{name: "invalid UTF-8 in a message", method: "POST", target: "/v1/chat/completions", auth: true, hdr: jsonCT, body: invalidUTF8, want: all(exp{400, "invalid_json"})},
		{name: "text/plain body", method: "POST", target: "/v1/chat/completions", auth: true, hdr: []string{"Content-Type", "text/plain"}, body: chatJSON("hi"),
			want: all(exp{415, "unsupported_media_type"})},
		{name: "JSON in Latin-1", method: "POST", target: "/v1/chat/completions", auth: true, hdr: []string{"Content-Type", "application/json; charset=iso-8859-1"}, body: chatJSON("hi"),
			want: all(exp{415, "unsupported_media_type"})},
		{name: "gzip bomb (16 MB in a few KB)", method: "POST", target: "/v1/chat/completions", auth: true,
			hdr: append([]string{"Content-Encoding", "gzip"}, jsonCT...), body: gz.Bytes(), want: all(exp{400, "invalid_json"})}, // never decompressed
		{name: "reserved session key namespace", method: "POST", target: "/v1/chat/completions", auth: true,
			hdr: append([]string{"X-Openclaw-Session-Key", "subagent:evil"}, jsonCT...), body: chatJSON("hi"), want: all(exp{400, "reserved_session_key"})},
		{name: "session key over 512 bytes", method: "POST", target: "/v1/chat/completions", auth: true,
			hdr: append([]string{"X-Openclaw-Session-Key", strings.Repeat("k", 600)}, jsonCT...), body: chatJSON("hi"), want: all(exp{400, "invalid_session_key"})},
		{name: "1 MB model name", method: "POST", target: "/v1/chat/completions", auth: true, hdr: jsonCT,
			body: []byte(`{"model":"` + strings.Repeat("m", 1<<20) + `","messages":[{"role":"user","content":"hi"}]}`), want: all(exp{404, "model_not_found"})},
		{name: "embeddings without credentials", method: "POST", target: "/v1/embeddings", hdr: jsonCT, body: []byte(`{"model":"openclaw/default","input":"x"}`),
			want: perMode{noCreds[0], noCreds[1], noCreds[2], {400, "embedding_model_not_configured"}}},
		{name: "responses without credentials", method: "POST", target: "/v1/responses", hdr: jsonCT, body: []byte(`{"model":"openclaw/default","input":"x"}`),
			want: perMode{noCreds[0], noCreds[1], noCreds[2], ok200}},
	}
}

func manyHeaders(n int) []string {
	var h []string
	for i := 0; i < n; i++ {
		h = append(h, "X-Filler-"+strconv.Itoa(i), "v")
	}
	return h
}

// hostileUpstream is the mock upstream behind one mode, counting calls.
type hostileUpstream struct {
	*httptest.Server
	calls atomic.Int64
}

func newHostileUpstream(t *testing.T) *hostileUpstream {
	u := &hostileUpstream{}
	m := mock.New(mock.Options{})
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.calls.Add(1)
		m.ServeHTTP(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

// TestHostileInput runs the hostile table in every auth mode.
func TestHostileInput(t *testing.T) {
	cases := hostileCases()
	var tried, bypasses, mismatches atomic.Int64
	var wg sync.WaitGroup
	for mi, mode := range hostileModes {
		up := newHostileUpstream(t)
		cfg := `{
  gateway: { mode: "local",
    ` + mode.config + `
    http: { endpoints: { chatCompletions: { enabled: true }, responses: { enabled: true } } },
  },
  agents: { defaults: { model: "mock/m1" } },
  models: { providers: { mock: { baseUrl: "` + up.URL + `/v1", api: "openai-completions", models: [{ id: "m1" }] } } },
}`
		dir := stateDir(t, cfg)
		g := startGateway(t, dir, baseEnv(dir))
		wg.Add(1)
		t.Run(mode.name, func(t *testing.T) {
			defer wg.Done()
			t.Parallel()
			addr := "127.0.0.1:" + strconv.Itoa(g.port)
			slow := startSlowloris(t, addr)
			for _, tc := range cases {
				want := tc.want[mi]
				before := up.calls.Load()
				st, hdr, body, err := sendHostile(addr, mode, tc)
				tried.Add(1)
				reached := up.calls.Load() - before
				if err != nil {
					t.Errorf("%s: %v", tc.name, err)
					continue
				}
				gotCode := ""
				if hdr.Get("X-Openclaw-Surface") == "gateway" && st >= 400 {
					var e apiError
					if jerr := decodeJSON(body, &e); jerr != nil {
						t.Errorf("%s: %d error is not OpenAI JSON: %q", tc.name, st, trunc(body))
					} else if e.Error.Code != nil {
						gotCode = *e.Error.Code
					}
				}
				if st >= 200 && st < 300 && want.status >= 400 && !tc.auth && mode.name != "none" {
					bypasses.Add(1)
					t.Errorf("BYPASS %s: got %d, want %d %s", tc.name, st, want.status, want.code)
				}
				if authed := tc.auth || mode.name == "none" || mode.name == "trusted-proxy" && want.status == 200; reached > 0 && !authed {
					bypasses.Add(1)
					t.Errorf("BYPASS %s: reached the provider %d times (status %d)", tc.name, reached, st)
				}
				if st != want.status || gotCode != want.code {
					mismatches.Add(1)
					t.Errorf("%s: got %d %q, want %d %q; body %q", tc.name, st, gotCode, want.status, want.code, trunc(body))
				}
				if strings.Contains(strings.ToLower(hdr.Get("Content-Type")), "html") || bytes.Contains(bytes.ToLower(body), []byte("<html")) || bytes.Contains(body, []byte("<a href")) {
					t.Errorf("%s: answered with HTML: %q", tc.name, trunc(body))
				}
				if mode.secret != "" && bytes.Contains(body, []byte(mode.secret)) {
					t.Errorf("%s: the secret is echoed in the body", tc.name)
				}
			}
			slow.check(t)
			tried.Add(1)
			// The process survived the table.
			if st, _, _ := do(t, "GET", g.url("/healthz"), "", ""); st != 200 {
				t.Fatalf("healthz after the table: %d", st)
			}
			select {
			case <-g.exited:
				t.Fatalf("gateway exited: %v", g.err)
			default:
			}
		})
	}
	t.Cleanup(func() {
		wg.Wait()
		suiteReport(t, "hostile", "cases", len(cases)+1, "modes", len(hostileModes), "requests", tried.Load(),
			"bypasses", bypasses.Load(), "unexpected", mismatches.Load())
	})
}

func decodeJSON(b []byte, v any) error {
	dec := bytesDecoder(b)
	return dec.Decode(v)
}

func trunc(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// buildHostile renders tc for mode as raw HTTP/1.1 bytes (headers and the
// fixed body; big bodies are streamed by sendHostile).
func buildHostile(mode authMode, tc hostileCase) []byte {
	if tc.raw != nil {
		return tc.raw(mode)
	}
	method, target := tc.method, tc.target
	if method == "" {
		method = "GET"
	}
	if target == "" {
		target = "/v1/models"
	}
	sub := func(s string) string { return strings.ReplaceAll(s, "{SECRET}", mode.secret) }
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n", method, sub(target))
	var hdr []string
	if tc.auth {
		hdr = append(hdr, mode.valid...)
	}
	hdr = append(hdr, tc.hdr...)
	for i := 0; i+1 < len(hdr); i += 2 {
		fmt.Fprintf(&b, "%s: %s\r\n", hdr[i], sub(hdr[i+1]))
	}
	switch {
	case tc.bigChunk > 0:
		b.WriteString("Transfer-Encoding: chunked\r\n")
	case tc.bigLength > 0:
		fmt.Fprintf(&b, "Content-Length: %d\r\n", tc.bigLength)
	case tc.body != nil:
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(tc.body))
	}
	b.WriteString("\r\n")
	b.Write(tc.body)
	return b.Bytes()
}

// sendHostile sends one case over a fresh connection and reads the answer.
func sendHostile(addr string, mode authMode, tc hostileCase) (int, http.Header, []byte, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, nil, nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	head := buildHostile(mode, tc)
	// Write in the background: the gateway may answer (and stop reading)
	// before a big body is through.
	go func() {
		if _, err := conn.Write(head); err != nil {
			return
		}
		chunk := bytes.Repeat([]byte("A"), 64<<10)
		switch {
		case tc.bigChunk > 0:
			for sent := int64(0); sent < tc.bigChunk; sent += int64(len(chunk)) {
				if _, err := fmt.Fprintf(conn, "%x\r\n%s\r\n", len(chunk), chunk); err != nil {
					return
				}
			}
			_, _ = conn.Write([]byte("0\r\n\r\n"))
		case tc.bigLength > 0:
			_, _ = conn.Write(chunk)
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("no HTTP answer: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, resp.Header, body, nil
}

// slowloris trickles a request's headers one byte a second; the gateway
// must close the connection by its header timeout (10 s) and keep serving
// others meanwhile.
type slowloris struct {
	addr   string
	closed chan time.Duration
}

func startSlowloris(t *testing.T, addr string) *slowloris {
	s := &slowloris{addr: addr, closed: make(chan time.Duration, 1)}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	go func() {
		defer conn.Close()
		req := "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + strings.Repeat("s", 40)
		for i := 0; i < len(req) && time.Since(start) < 25*time.Second; i++ {
			if _, err := conn.Write([]byte{req[i]}); err != nil {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		// Wait for the server to close (read returns) or give up.
		_ = conn.SetReadDeadline(start.Add(25 * time.Second))
		_, _ = io.Copy(io.Discard, conn)
		s.closed <- time.Since(start)
	}()
	return s
}

func (s *slowloris) check(t *testing.T) {
	t.Helper()
	d := <-s.closed
	if d > 15*time.Second {
		t.Errorf("slowloris: a trickled request kept its connection for %v (want it closed by the 10 s header timeout)", d.Round(time.Second))
	}
}

func bytesDecoder(b []byte) *json.Decoder { return json.NewDecoder(bytes.NewReader(b)) }
