package diag

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// explainEnv is what explanations may refer to besides the response.
type explainEnv struct {
	target         string // "local" or "url"
	gatewayPort    int
	credentialSent bool
	timeout        time.Duration
}

func (e explainEnv) port() string {
	if e.gatewayPort == 0 {
		return "gateway.port (default 18789)"
	}
	return "the gateway port (gateway.port, " + strconv.Itoa(e.gatewayPort) + ")"
}

// fingerprint recognises one kind of response. The table is ordered: the
// first match wins, so specific fingerprints come before general ones.
type fingerprint struct {
	id      string
	match   func(o *observation, e explainEnv) bool
	explain func(o *observation, e explainEnv) (cause, fix string)
}

// fingerprints lists what answered when the gateway did not answer as
// expected. docs/troubleshooting.md has a section for every id.
var fingerprints = []fingerprint{
	// Our own Teams webhook: it recognises misrouted OpenAI calls.
	{"teams_webhook_misroute",
		func(o *observation, _ explainEnv) bool { return o.surface == SurfaceTeams },
		func(o *observation, e explainEnv) (string, string) {
			return fmt.Sprintf("the OpenClaw Teams webhook answered %s (X-OpenClaw-Surface: msteams-webhook): the route sends OpenAI API calls to the Teams webhook port instead of the gateway", statusText(o)),
				"route /v1/* to " + e.port() + " and only the Teams path (/api/messages) to channels.msteams.webhook.port, or set channels.msteams.webhook.port to \"gateway\" so one port serves both (docs/reverse-proxy.md)"
		}},
	// Microsoft's Agents/Bot Framework SDK middleware (the original's Teams
	// plugin) answers every JWT failure with {"jwt-auth-error": "…"}.
	{"teams_jwt_misroute",
		func(o *observation, _ explainEnv) bool {
			return o.surface == SurfaceNone && hasJSONKey(o.body, "jwt-auth-error")
		},
		func(o *observation, e explainEnv) (string, string) {
			return fmt.Sprintf("a Teams/Agents-SDK JWT check answered %s with {\"jwt-auth-error\": …}: the route points at a Teams bot webhook, which tried to decode the gateway token as a Microsoft JWT (the gateway token is an opaque secret, not a JWT)", statusText(o)),
				"point the path rule for /v1/* at " + e.port() + ", not at the Teams webhook port (3978); keep only /api/messages on the webhook (docs/reverse-proxy.md)"
		}},
	// From here on: our gateway answered, but not as hoped.
	{"auth_header_stripped",
		func(o *observation, e explainEnv) bool {
			return o.surface == SurfaceGateway && e.credentialSent &&
				(o.code == "gateway_token_missing" || o.code == "gateway_password_missing")
		},
		func(o *observation, e explainEnv) (string, string) {
			return fmt.Sprintf("the gateway answered %s although the probe sent a credential: something between the client and the gateway removes the Authorization header", statusText(o)),
				"let the proxy forward the Authorization header (nginx: remove `proxy_set_header Authorization \"\"`; Azure Application Gateway: remove the rewrite rule that deletes it); if the proxy authenticates users itself, use gateway.auth.mode \"trusted-proxy\""
		}},
	{"no_credentials",
		func(o *observation, e explainEnv) bool {
			return o.surface == SurfaceGateway && !e.credentialSent &&
				(o.code == "gateway_token_missing" || o.code == "gateway_password_missing")
		},
		func(o *observation, _ explainEnv) (string, string) {
			return fmt.Sprintf("the gateway answered %s: the probe had no credential to send (no --token/--password and none configured)", statusText(o)),
				"pass --token (or --password), or run the probe where the gateway's config (gateway.auth.token or OPENCLAW_GATEWAY_TOKEN) is readable"
		}},
	{"auth_rate_limited",
		func(o *observation, _ explainEnv) bool {
			return o.surface == SurfaceGateway && o.status == 429 && o.code == "auth_rate_limited"
		},
		func(o *observation, _ explainEnv) (string, string) {
			ra := o.header.Get("Retry-After")
			if ra == "" {
				ra = "?"
			}
			return "the gateway locked this client address out after too many failed authentication attempts (429 auth_rate_limited, Retry-After " + ra + "s)",
				"wait for the lockout to end, then use the correct credential; behind a proxy, make sure gateway.trustedProxies lists it so clients are told apart by X-Forwarded-For instead of sharing the proxy's address"
		}},
	{"proxy_attribution_required",
		func(o *observation, _ explainEnv) bool {
			return o.surface == SurfaceGateway && o.code == "proxy_attribution_required"
		},
		func(o *observation, _ explainEnv) (string, string) {
			return "the gateway refused the request (403 proxy_attribution_required): it came through a proxy on the gateway's host that sends X-Forwarded-For but is not in gateway.trustedProxies",
				hintOr(o, "add the proxy's address (e.g. \"127.0.0.1\") to gateway.trustedProxies")
		}},
	{"trusted_proxy_rejected",
		func(o *observation, _ explainEnv) bool {
			return o.surface == SurfaceGateway && strings.HasPrefix(o.code, "trusted_proxy_")
		},
		func(o *observation, _ explainEnv) (string, string) {
			return fmt.Sprintf("the gateway's trusted-proxy check refused the request (%s): %s", statusText(o), o.message),
				hintOr(o, "check gateway.trustedProxies and gateway.auth.trustedProxy against what the proxy sends")
		}},
	{"auth_rejected",
		func(o *observation, _ explainEnv) bool {
			return o.surface == SurfaceGateway && (o.status == 401 || o.status == 403)
		},
		func(o *observation, _ explainEnv) (string, string) {
			return fmt.Sprintf("the gateway refused the credential (%s): %s", statusText(o), o.message),
				hintOr(o, "read the token with `openclaw gateway auth-token --show` and pass it with --token")
		}},
	{"endpoint_disabled",
		func(o *observation, _ explainEnv) bool {
			return o.surface == SurfaceGateway && o.code == "endpoint_disabled"
		},
		func(o *observation, _ explainEnv) (string, string) {
			return "the gateway answered 404 endpoint_disabled: the OpenAI-compatible endpoints are turned off",
				"run `openclaw config set gateway.http.endpoints.chatCompletions.enabled true` (the running gateway reloads it)"
		}},
	{"path_prefix_not_stripped",
		func(o *observation, _ explainEnv) bool {
			return o.surface == SurfaceGateway && o.status == 404 && o.code == "route_not_found"
		},
		func(o *observation, _ explainEnv) (string, string) {
			return "the gateway answered 404 route_not_found: it received a path it does not serve, usually because a proxy forwards its own path prefix (e.g. /openclaw/v1/models) instead of /v1/models",
				"make the proxy strip its prefix before forwarding (nginx: `proxy_pass http://127.0.0.1:18789/;` with the trailing slash; Azure: a path-based rule with an override backend path of /)"
		}},
	{"model_missing",
		func(o *observation, _ explainEnv) bool {
			return o.surface == SurfaceGateway && o.name == "models" && o.status == 200
		},
		func(*observation, explainEnv) (string, string) {
			return "the gateway answered GET /v1/models but does not list " + DefaultModel,
				"upgrade the gateway, or check agents.list in its config (`openclaw config get agents`)"
		}},
	{"gateway_error",
		func(o *observation, _ explainEnv) bool { return o.surface == SurfaceGateway && o.status >= 500 },
		func(o *observation, _ explainEnv) (string, string) {
			return fmt.Sprintf("the gateway itself failed (%s): %s", statusText(o), o.message),
				hintOr(o, "see the gateway log for the request id in X-Request-Id")
		}},
	{"chat_route_unexpected",
		func(o *observation, _ explainEnv) bool { return o.surface == SurfaceGateway },
		func(o *observation, _ explainEnv) (string, string) {
			return fmt.Sprintf("the gateway answered %s %s with %s instead of the expected 400 for an empty message list", o.method, pathOf(o.url), statusText(o)),
				hintOr(o, "check gateway.http.endpoints in the config and the gateway version (`openclaw gateway status`)")
		}},
	// From here on: something without our surface header answered.
	{"proxy_redirect",
		func(o *observation, _ explainEnv) bool { return o.status >= 300 && o.status < 400 },
		func(o *observation, _ explainEnv) (string, string) {
			return fmt.Sprintf("something in front of the gateway redirects (HTTP %d%s to %s), typically to a sign-in page", o.status, serverText(o), orDash(o.header.Get("Location"))),
				"exempt /v1/* from interactive sign-in at the proxy (API clients cannot follow a login page); the gateway authenticates the bearer itself"
		}},
	{"proxy_jwt_validation",
		func(o *observation, _ explainEnv) bool {
			return (o.status == 401 || o.status == 403) &&
				strings.Contains(strings.ToLower(o.header.Get("WWW-Authenticate")), `error="invalid_token"`)
		},
		func(o *observation, _ explainEnv) (string, string) {
			return fmt.Sprintf("a JWT-validating proxy in front of the gateway refused the bearer (HTTP %d%s, WWW-Authenticate: %s, no X-OpenClaw-Surface): the gateway token is an opaque secret, not a JWT", o.status, serverText(o), o.header.Get("WWW-Authenticate")),
				"exempt /v1/* from JWT validation at the proxy (API management / validate-jwt policy, Easy Auth, oauth2-proxy) and let the gateway check the token, or switch the gateway to gateway.auth.mode \"trusted-proxy\" so the proxy's identity is used"
		}},
	{"proxy_html_auth",
		func(o *observation, _ explainEnv) bool { return (o.status == 401 || o.status == 403) && isHTML(o) },
		func(o *observation, _ explainEnv) (string, string) {
			return fmt.Sprintf("a proxy or web application firewall in front of the gateway refused the request with an HTML page (HTTP %d%s, no X-OpenClaw-Surface)", o.status, serverText(o)),
				"allow /v1/* through the proxy's access rules (IP allow list, WAF rule, sign-in requirement) and let the gateway authenticate the bearer"
		}},
	{"path_rewrite",
		func(o *observation, _ explainEnv) bool { return o.status == 404 },
		func(o *observation, e explainEnv) (string, string) {
			return fmt.Sprintf("HTTP 404 from something that is not the gateway%s: no route for %s at the proxy, or a path rewrite sends it to the wrong place", serverText(o), pathOf(o.url)),
				"add a path rule that forwards /v1/* (with the same /v1/... path) to " + e.port() + "; check the prefix the proxy strips or adds (docs/reverse-proxy.md)"
		}},
	{"proxy_bad_gateway",
		func(o *observation, _ explainEnv) bool { return o.status == 502 || o.status == 503 || o.status == 504 },
		func(o *observation, e explainEnv) (string, string) {
			return fmt.Sprintf("the proxy in front could not get an answer from its upstream (HTTP %d%s, no X-OpenClaw-Surface): the upstream port is wrong or the gateway is down", o.status, serverText(o)),
				"point the proxy's backend at " + e.port() + " on the gateway host, check that the gateway runs (`openclaw gateway status` there) and that it listens on an address the proxy can reach (gateway.bind)"
		}},
	{"unknown_upstream",
		func(*observation, explainEnv) bool { return true },
		func(o *observation, e explainEnv) (string, string) {
			return fmt.Sprintf("something that is not an OpenClaw gateway answered (HTTP %d%s, no X-OpenClaw-Surface header): the URL points at another service, or a proxy drops the gateway's response headers", o.status, serverText(o)),
				"check that the URL's route reaches " + e.port() + " and that the proxy passes response headers through"
		}},
}

// FingerprintIDs lists the diagnosis ids a response can produce, in match
// order (transport-level ids come from TransportIDs).
func FingerprintIDs() []string {
	ids := make([]string, len(fingerprints))
	for i, f := range fingerprints {
		ids[i] = f.id
	}
	return ids
}

// TransportIDs lists the diagnosis ids for requests that got no response.
func TransportIDs() []string {
	return []string{"dns_failed", "connection_refused", "timeout", "tls_unknown_authority", "tls_hostname_mismatch",
		"tls_certificate_expired", "tls_certificate_invalid", "tls_plain_http", "tls_handshake_failed", "unreachable"}
}

func explainResponse(o *observation, e explainEnv) Diagnosis {
	for _, f := range fingerprints {
		if f.match(o, e) {
			cause, fix := f.explain(o, e)
			return Diagnosis{ID: f.id, Cause: cause, Fix: fix}
		}
	}
	panic("unreachable: the last fingerprint matches everything")
}

// explainTransport names a request that got no HTTP response.
func explainTransport(o *observation, e explainEnv) Diagnosis {
	err := o.err
	host := hostOf(o.url)
	where := "the URL's host and port"
	startFix := "check the host and port in --url and that the proxy or load balancer listens there"
	if e.target == "local" {
		where = "the local gateway"
		startFix = "start the gateway (`openclaw gateway`), or check gateway.port / OPENCLAW_GATEWAY_PORT"
	}
	var dnsErr *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &dnsErr):
		return Diagnosis{ID: "dns_failed",
			Cause: fmt.Sprintf("the host name %q does not resolve (%v)", dnsErr.Name, dnsErr.Err),
			Fix:   "check the host name in --url, and the DNS record (or /etc/hosts) on this machine"}
	case errors.Is(err, syscall.ECONNREFUSED):
		return Diagnosis{ID: "connection_refused",
			Cause: fmt.Sprintf("nothing listens on %s (connection refused at %s)", where, host),
			Fix:   startFix}
	case errors.Is(err, os.ErrDeadlineExceeded) || isTimeout(err):
		return Diagnosis{ID: "timeout",
			Cause: fmt.Sprintf("no answer from %s within %s (timed out)", host, e.timeout),
			Fix:   "a firewall or network security group may drop the traffic, or the server hangs; check that the port is open from here, or raise --timeout"}
	case errors.As(err, &unknownCA):
		return Diagnosis{ID: "tls_unknown_authority",
			Cause: fmt.Sprintf("TLS failed: the certificate of %s is signed by an authority this machine does not trust (%v)", host, err),
			Fix:   "use a publicly trusted certificate on the proxy, or add its CA to this machine's trust store (or SSL_CERT_FILE)"}
	case errors.As(err, &hostErr):
		return Diagnosis{ID: "tls_hostname_mismatch",
			Cause: fmt.Sprintf("TLS failed: the certificate does not cover the host name (%v)", err),
			Fix:   "use the host name the certificate was issued for, or issue a certificate that includes this name"}
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return Diagnosis{ID: "tls_certificate_expired",
			Cause: fmt.Sprintf("TLS failed: the certificate has expired or is not yet valid (%v)", err),
			Fix:   "renew the certificate on the proxy (and check this machine's clock)"}
	case errors.As(err, &invalid):
		return Diagnosis{ID: "tls_certificate_invalid",
			Cause: fmt.Sprintf("TLS failed: the certificate is not valid (%v)", err),
			Fix:   "fix the certificate chain served by the proxy"}
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") ||
		strings.Contains(err.Error(), "first record does not look like a TLS handshake"):
		return Diagnosis{ID: "tls_plain_http",
			Cause: fmt.Sprintf("TLS failed: %s speaks plain HTTP, not HTTPS", host),
			Fix:   "use http:// in the URL, or terminate TLS on that listener"}
	case o.connected && strings.HasPrefix(o.url, "https:") && !o.tlsDone:
		return Diagnosis{ID: "tls_handshake_failed",
			Cause: fmt.Sprintf("TLS handshake with %s failed (%v)", host, err),
			Fix:   "check the proxy's TLS listener (certificate, protocol versions, SNI host name)"}
	}
	return Diagnosis{ID: "unreachable",
		Cause: fmt.Sprintf("no HTTP answer from %s (%v)", where, err),
		Fix:   startFix}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// hasJSONKey reports whether body is a JSON object with key at the top.
func hasJSONKey(body []byte, key string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return false
	}
	_, ok := m[key]
	return ok
}

func isHTML(o *observation) bool {
	if strings.Contains(strings.ToLower(o.header.Get("Content-Type")), "html") {
		return true
	}
	b := strings.TrimSpace(string(o.body))
	return strings.HasPrefix(b, "<")
}

// statusText is "HTTP 401 gateway_token_missing" or "HTTP 502".
func statusText(o *observation) string {
	if o.code != "" {
		return "HTTP " + strconv.Itoa(o.status) + " " + o.code
	}
	return "HTTP " + strconv.Itoa(o.status)
}

func serverText(o *observation) string {
	var parts []string
	if s := o.header.Get("Server"); s != "" {
		parts = append(parts, "Server: "+s)
	}
	if v := o.header.Get("Via"); v != "" {
		parts = append(parts, "Via: "+v)
	}
	if len(parts) == 0 {
		return ""
	}
	return ", " + strings.Join(parts, ", ")
}

func hintOr(o *observation, def string) string {
	if o.hint != "" {
		return o.hint
	}
	return def
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func hostOf(u string) string {
	s := u
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexByte(s, '/'); i >= 0 {
		s = s[:i]
	}
	return s
}

func pathOf(u string) string {
	s := u
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexByte(s, '/'); i >= 0 {
		return s[i:]
	}
	return "/"
}
