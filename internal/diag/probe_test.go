package diag

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// reply is a canned HTTP response.
type reply struct {
	status int
	header map[string]string
	body   string
}

// fakeNet answers requests by "METHOD URL" from a table; it plays every
// hop (gateway, proxy, Teams webhook) without a network, so golden output
// is stable.
type fakeNet struct {
	replies map[string]reply
	errs    map[string]error
	seen    []*http.Request
}

func (f *fakeNet) RoundTrip(r *http.Request) (*http.Response, error) {
	f.seen = append(f.seen, r)
	key := r.Method + " " + r.URL.String()
	if err, ok := f.errs[key]; ok {
		return nil, err
	}
	rp, ok := f.replies[key]
	if !ok {
		rp = reply{status: 599, body: "fakeNet: no reply for " + key}
	}
	h := http.Header{}
	for k, v := range rp.header {
		h.Set(k, v)
	}
	return &http.Response{StatusCode: rp.status, Header: h, Body: io.NopCloser(strings.NewReader(rp.body)), Request: r}, nil
}

const (
	localBase  = "http://127.0.0.1:18789/v1"
	remoteBase = "https://gw.example.com/v1"
	testBearer = "0123456789abcdef0123456789abcdef0123456789abcdef"
)

func gwHeaders(extra ...string) map[string]string {
	h := map[string]string{"X-OpenClaw-Surface": "gateway", "X-OpenClaw-Version": "1.2.3", "Content-Type": "application/json"}
	for i := 0; i+1 < len(extra); i += 2 {
		h[extra[i]] = extra[i+1]
	}
	return h
}

func gwError(status int, code, param, msg, hint string, extra ...string) reply {
	e := map[string]any{"message": msg, "type": "invalid_request_error", "code": code, "param": nil, "hint": hint}
	if param != "" {
		e["param"] = param
	}
	b, _ := json.Marshal(map[string]any{"error": e})
	return reply{status: status, header: gwHeaders(extra...), body: string(b)}
}

var (
	modelsOK   = reply{status: 200, header: gwHeaders(), body: `{"object":"list","data":[{"id":"openclaw","object":"model"},{"id":"openclaw/default","object":"model"},{"id":"openclaw/main","object":"model"}]}`}
	chatOK     = gwError(400, "missing_required_parameter", "messages", "messages must be a non-empty array.", "")
	jwtAuthErr = reply{status: 401, header: map[string]string{"Content-Type": "application/json; charset=utf-8", "Server": "Microsoft-Azure-Application-Gateway/v2"}, body: `{"jwt-auth-error":"invalid token"}`}
)

// healthy sets up a gateway answering at base.
func healthy(base string) map[string]reply {
	return map[string]reply{"GET " + base + "/models": modelsOK, "POST " + base + "/chat/completions": chatOK}
}

func bothHealthy() map[string]reply {
	m := healthy(localBase)
	maps.Copy(m, healthy(remoteBase))
	return m
}

func both(remote reply) map[string]reply {
	m := healthy(localBase)
	m["GET "+remoteBase+"/models"] = remote
	m["POST "+remoteBase+"/chat/completions"] = remote
	return m
}

func probeCases() []struct {
	name    string
	replies map[string]reply
	errs    map[string]error
	wantID  string // diagnosis of the url target
} {
	nginx502 := reply{status: 502, header: map[string]string{"Server": "nginx/1.22.1", "Content-Type": "text/html"},
		body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n"}
	chatMisrouted := healthy(localBase)
	chatMisrouted["GET "+remoteBase+"/models"] = modelsOK
	chatMisrouted["POST "+remoteBase+"/chat/completions"] = jwtAuthErr
	refused := healthy(remoteBase)
	refusedErr := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	return []struct {
		name    string
		replies map[string]reply
		errs    map[string]error
		wantID  string
	}{
		{"healthy", bothHealthy(), nil, "ok"},
		{"teams_jwt_misroute", both(jwtAuthErr), nil, "teams_jwt_misroute"},
		{"chat_route_misrouted", chatMisrouted, nil, "teams_jwt_misroute"},
		{"teams_webhook_misroute", both(reply{status: 404, header: map[string]string{"X-OpenClaw-Surface": "msteams-webhook", "X-OpenClaw-Version": "1.2.3", "Content-Type": "application/json"},
			body: `{"error":{"message":"This is the Microsoft Teams webhook of OpenClaw, not the OpenAI-compatible API.","type":"not_found_error","code":"wrong_surface","param":null}}`}), nil, "teams_webhook_misroute"},
		{"proxy_html_auth", both(reply{status: 403, header: map[string]string{"Server": "Microsoft-Azure-Application-Gateway/v2", "Content-Type": "text/html"},
			body: "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 Forbidden</h1></center>\r\n<hr><center>Microsoft-Azure-Application-Gateway/v2</center>\r\n</body>\r\n</html>\r\n"}), nil, "proxy_html_auth"},
		{"proxy_jwt_validation", both(reply{status: 401, header: map[string]string{"Content-Type": "application/json", "WWW-Authenticate": `Bearer error="invalid_token", error_description="The access token is malformed"`, "Via": "1.1 apim"},
			body: `{"statusCode":401,"message":"Unauthorized. Access token is missing or invalid."}`}), nil, "proxy_jwt_validation"},
		{"path_rewrite", both(reply{status: 404, header: map[string]string{"Server": "nginx/1.22.1", "Content-Type": "text/html"},
			body: "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n</body>\r\n</html>\r\n"}), nil, "path_rewrite"},
		{"proxy_bad_gateway", both(nginx502), nil, "proxy_bad_gateway"},
		{"auth_header_stripped", both(gwError(401, "gateway_token_missing", "", "missing gateway token", "read the token with `openclaw gateway auth-token --show` and send it as `Authorization: Bearer <token>`", "WWW-Authenticate", `Bearer realm="openclaw"`)), nil, "auth_header_stripped"},
		{"proxy_attribution_required", both(gwError(403, "proxy_attribution_required", "", "the request came through a proxy on this host that is not in gateway.trustedProxies, so the client cannot be identified",
			"add the proxy's address (127.0.0.1) to gateway.trustedProxies so the client address is taken from X-Forwarded-For, or stop sending Forwarded/X-Forwarded-*/X-Real-IP headers when calling directly")), nil, "proxy_attribution_required"},
		{"auth_rate_limited", both(gwError(429, "auth_rate_limited", "", "too many failed authentication attempts from this address; retry in 300 seconds", "wait 300 seconds", "Retry-After", "300")), nil, "auth_rate_limited"},
		{"auth_rejected", both(gwError(401, "gateway_token_mismatch", "", "the bearer token does not match the gateway token", "read the current token with `openclaw gateway auth-token --show`")), nil, "auth_rejected"},
		{"endpoint_disabled", both(gwError(404, "endpoint_disabled", "", "the OpenAI-compatible endpoints are disabled", "set gateway.http.endpoints.chatCompletions.enabled to true")), nil, "endpoint_disabled"},
		{"path_prefix_not_stripped", both(gwError(404, "route_not_found", "", "No route GET /openclaw/v1/models on the OpenClaw gateway.", "the path has a prefix before /v1/")), nil, "path_prefix_not_stripped"},
		{"proxy_redirect", both(reply{status: 302, header: map[string]string{"Location": "https://login.microsoftonline.com/common/oauth2/authorize?client_id=x", "Server": "Microsoft-IIS/10.0"}}), nil, "proxy_redirect"},
		{"unknown_upstream", both(reply{status: 200, header: map[string]string{"Content-Type": "application/json", "Server": "uvicorn"}, body: `{"object":"list","data":[{"id":"gpt-4o"}]}`}), nil, "unknown_upstream"},
		{"connection_refused", refused, map[string]error{"GET " + localBase + "/models": refusedErr}, "ok"},
	}
}

func runProbe(t *testing.T, replies map[string]reply, errs map[string]error) (ProbeReport, *fakeNet) {
	t.Helper()
	fn := &fakeNet{replies: replies, errs: errs}
	rep := Probe(context.Background(), ProbeOptions{
		Targets:     []Target{{Name: "local", BaseURL: localBase}, {Name: "url", BaseURL: remoteBase}},
		Bearer:      testBearer,
		Credential:  "token",
		GatewayPort: 18789,
		Transport:   fn,
	})
	return rep, fn
}

func TestProbeGolden(t *testing.T) {
	for _, tc := range probeCases() {
		t.Run(tc.name, func(t *testing.T) {
			rep, _ := runProbe(t, tc.replies, tc.errs)
			if got := rep.Targets[1].Diagnosis.ID; got != tc.wantID {
				t.Errorf("url diagnosis %q, want %q (%s)", got, tc.wantID, rep.Targets[1].Diagnosis.Cause)
			}
			var buf bytes.Buffer
			WriteProbe(&buf, rep)
			golden(t, filepath.Join("testdata", "probe_"+tc.name+".golden"), buf.Bytes())
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestProbeRules(t *testing.T) {
	t.Run("a healthy target reports every check as passed and the whole report ok", func(t *testing.T) {
		rep, _ := runProbe(t, bothHealthy(), nil)
		if !rep.OK {
			t.Fatalf("report not ok: %+v", rep)
		}
		for _, tg := range rep.Targets {
			if !tg.Reachable || tg.Surface != SurfaceGateway || !tg.AuthOK || !tg.ModelsOK || !tg.ChatRouteOK || tg.Version != "1.2.3" {
				t.Errorf("%s: %+v", tg.Name, tg)
			}
		}
		if rep.Targets[1].TLS != TLSOK || rep.Targets[0].TLS != TLSNone {
			t.Errorf("tls: local %q url %q", rep.Targets[0].TLS, rep.Targets[1].TLS)
		}
	})
	t.Run("the probe sends the bearer, and the chat request is one the gateway must reject", func(t *testing.T) {
		_, fn := runProbe(t, bothHealthy(), nil)
		var chatSeen bool
		for _, r := range fn.seen {
			if got := r.Header.Get("Authorization"); got != "Bearer "+testBearer {
				t.Errorf("%s %s: Authorization %q", r.Method, r.URL, got)
			}
			if r.Method == http.MethodPost {
				chatSeen = true
				b, _ := io.ReadAll(r.Body)
				var body struct {
					Messages []any `json:"messages"`
				}
				if err := json.Unmarshal(b, &body); err != nil || len(body.Messages) != 0 || r.Header.Get("Content-Type") != "application/json" {
					t.Errorf("chat probe body %s (%v), content type %q", b, err, r.Header.Get("Content-Type"))
				}
			}
		}
		if !chatSeen {
			t.Error("no chat request")
		}
	})
	t.Run("something else answering is quoted: status, Server, Via and at most 200 bytes of body", func(t *testing.T) {
		long := reply{status: 401, header: map[string]string{"Server": "edge", "Via": "1.1 cdn"}, body: `{"jwt-auth-error":"invalid token","pad":"` + strings.Repeat("é", 300) + `"}`}
		rep, _ := runProbe(t, both(long), nil)
		tg := rep.Targets[1]
		if tg.Status != 401 || tg.Server != "edge" || tg.Via != "1.1 cdn" || tg.Surface != SurfaceNone {
			t.Errorf("quote: %+v", tg)
		}
		if len(tg.BodySnippet) > 200 || !strings.HasPrefix(tg.BodySnippet, `{"jwt-auth-error"`) || !strings.Contains(tg.BodySnippet, "é") {
			t.Errorf("snippet (%d bytes) %q", len(tg.BodySnippet), tg.BodySnippet)
		}
		if rep.OK || tg.OK {
			t.Error("report ok although the url target failed")
		}
	})
	t.Run("a missing credential is reported as such, not as a stripped header", func(t *testing.T) {
		m := both(gwError(401, "gateway_token_missing", "", "missing gateway token", ""))
		fn := &fakeNet{replies: m}
		rep := Probe(context.Background(), ProbeOptions{Targets: []Target{{Name: "url", BaseURL: remoteBase}}, Transport: fn})
		if got := rep.Targets[0].Diagnosis.ID; got != "no_credentials" {
			t.Errorf("diagnosis %q, want no_credentials", got)
		}
		if fn.seen[0].Header.Get("Authorization") != "" {
			t.Error("an Authorization header was sent without a credential")
		}
	})
}

// TestProbeNetwork covers failures that need a real network stack:
// refused connections and TLS errors.
func TestProbeNetwork(t *testing.T) {
	t.Parallel()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer plain.Close()
	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake failures are the point
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := ln.Addr().String()
	ln.Close()
	trusting := func() http.RoundTripper {
		pool := x509.NewCertPool()
		pool.AddCert(tlsSrv.Certificate())
		return &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	}
	_, tlsPort, _ := net.SplitHostPort(tlsSrv.Listener.Addr().String())
	cases := []struct {
		name          string
		url           string
		tr            http.RoundTripper
		wantID        string
		wantReachable bool
		wantTLS       string
	}{
		{"nothing listening is connection_refused", "http://" + closedPort + "/v1", nil, "connection_refused", false, TLSNone},
		{"a self-signed certificate is tls_unknown_authority", strings.Replace(tlsSrv.URL, "https://", "https://", 1) + "/v1", nil, "tls_unknown_authority", true, TLSFailed},
		{"https to a plain-http port is tls_plain_http", strings.Replace(plain.URL, "http://", "https://", 1) + "/v1", nil, "tls_plain_http", true, TLSFailed},
		{"a certificate for another name is tls_hostname_mismatch", "https://localhost:" + tlsPort + "/v1", trusting(), "tls_hostname_mismatch", true, TLSFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := Probe(context.Background(), ProbeOptions{Targets: []Target{{Name: "url", BaseURL: tc.url}}, Timeout: 3 * time.Second, Transport: tc.tr})
			tg := rep.Targets[0]
			if tg.Diagnosis.ID != tc.wantID || tg.Reachable != tc.wantReachable || tg.TLS != tc.wantTLS || tg.OK {
				t.Errorf("got id %q reachable %v tls %q ok %v (error %q, cause %q)", tg.Diagnosis.ID, tg.Reachable, tg.TLS, tg.OK, tg.Error, tg.Diagnosis.Cause)
			}
		})
	}
}

func TestNormalizeBaseURL(t *testing.T) {
	cases := []struct{ in, want string }{
		{"https://example.com/v1", "https://example.com/v1"},
		{"https://example.com/v1/", "https://example.com/v1"},
		{"https://example.com", "https://example.com/v1"},
		{"https://example.com/", "https://example.com/v1"},
		{"http://127.0.0.1:8080/openclaw", "http://127.0.0.1:8080/openclaw/v1"},
		{"http://127.0.0.1:8080/a/v1/chat/completions", "http://127.0.0.1:8080/a/v1"},
		{"https://example.com/v1?x=1#f", "https://example.com/v1"},
	}
	for _, c := range cases {
		got, err := NormalizeBaseURL(c.in)
		if err != nil || got != c.want {
			t.Errorf("NormalizeBaseURL(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"example.com/v1", "ftp://example.com", "https://", ":"} {
		if _, err := NormalizeBaseURL(bad); err == nil {
			t.Errorf("NormalizeBaseURL(%q): no error", bad)
		}
	}
}

// TestProbeJSONSchemaStable pins the keys of `gateway probe --json`:
// scripts depend on them. Adding a key means adding it here; renaming or
// removing one breaks users.
func TestProbeJSONSchemaStable(t *testing.T) {
	rep, _ := runProbe(t, both(jwtAuthErr), nil)
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		t.Fatal(err)
	}
	got := keyPaths("", generic)
	want := []string{
		"ok", "targets",
		"targets[].authOk", "targets[].bodySnippet", "targets[].chatRouteOk", "targets[].credential",
		"targets[].diagnosis", "targets[].diagnosis.cause", "targets[].diagnosis.fix", "targets[].diagnosis.id",
		"targets[].error", "targets[].modelsOk", "targets[].name", "targets[].ok", "targets[].reachable",
		"targets[].server", "targets[].status", "targets[].steps",
		"targets[].steps[].code", "targets[].steps[].method", "targets[].steps[].name", "targets[].steps[].ok",
		"targets[].steps[].status", "targets[].steps[].surface", "targets[].steps[].url",
		"targets[].surface", "targets[].tls", "targets[].url", "targets[].version", "targets[].via",
	}
	if !slices.Equal(got, want) {
		t.Errorf("probe JSON keys changed:\n got %q\nwant %q", got, want)
	}
	// Every key is always present (no omitempty), so consumers can rely on it.
	for _, typ := range []reflect.Type{reflect.TypeFor[ProbeReport](), reflect.TypeFor[TargetReport](), reflect.TypeFor[Step](), reflect.TypeFor[Diagnosis]()} {
		for i := range typ.NumField() {
			if tag := typ.Field(i).Tag.Get("json"); tag == "" || strings.Contains(tag, "omitempty") || strings.Contains(tag, "omitzero") {
				t.Errorf("%s.%s: json tag %q must name the key and not omit it", typ.Name(), typ.Field(i).Name, tag)
			}
		}
	}
	// An unreachable target has the same keys.
	fn := &fakeNet{errs: map[string]error{"GET " + localBase + "/models": &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}}
	rep = Probe(context.Background(), ProbeOptions{Targets: []Target{{Name: "local", BaseURL: localBase}}, Transport: fn})
	b, _ = json.Marshal(rep)
	_ = json.Unmarshal(b, &generic)
	for _, k := range keyPaths("", generic) {
		if !slices.Contains(want, k) {
			t.Errorf("unexpected key %q for an unreachable target", k)
		}
	}
}

// keyPaths lists the object keys in v as sorted dotted paths ("[]" for
// array elements).
func keyPaths(prefix string, v any) []string {
	set := map[string]bool{}
	var walk func(p string, v any)
	walk = func(p string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				kp := k
				if p != "" {
					kp = p + "." + k
				}
				set[kp] = true
				walk(kp, e)
			}
		case []any:
			for _, e := range x {
				walk(p+"[]", e)
			}
		}
	}
	walk(prefix, v)
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestTroubleshootingDocNamesEveryDiagnosis keeps docs/troubleshooting.md
// in step with the fingerprint table.
func TestTroubleshootingDocNamesEveryDiagnosis(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "troubleshooting.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range append(FingerprintIDs(), TransportIDs()...) {
		if !bytes.Contains(doc, []byte("`"+id+"`")) {
			t.Errorf("docs/troubleshooting.md does not mention diagnosis `%s`", id)
		}
	}
}
