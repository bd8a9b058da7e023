package auth

import (
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/openclaw/openclaw-go/internal/apierr"
)

// Authenticator authenticates requests per Settings. It is immutable and
// safe for concurrent use; on config reload the gateway builds a new one and
// passes it the same Limiter (adjusting MemoryLimiter.SetLimits), so that
// counters and lockouts survive the reload.
type Authenticator struct {
	mode     string
	token    string
	password string

	trusted         []netip.Prefix
	loopbackTrusted bool
	allowRealIP     bool
	local           []netip.Addr

	userHeader    string // canonical
	required      []requiredHeader
	allowUsers    []string
	allowLoopback bool
	idScopes      map[string]Scopes // keys normalized by normUser

	lim            Limiter
	exemptLoopback bool
	now            func() time.Time
}

type requiredHeader struct{ canon, code string }

// New returns an Authenticator. lim may be nil (no failed-auth limit); now
// may be nil (time.Now). s is expected to have passed CheckStartup.
func New(s Settings, lim Limiter, now func() time.Time) *Authenticator {
	if now == nil {
		now = time.Now
	}
	a := &Authenticator{
		mode:            s.Mode,
		token:           s.Token.Reveal(),
		password:        s.Password.Reveal(),
		trusted:         append([]netip.Prefix(nil), s.TrustedProxies...),
		allowRealIP:     s.AllowRealIPFallback,
		userHeader:      http.CanonicalHeaderKey(strings.TrimSpace(s.TrustedProxy.UserHeader)),
		allowLoopback:   s.TrustedProxy.AllowLoopback,
		lim:             lim,
		exemptLoopback:  s.RateLimit.ExemptLoopback,
		now:             now,
		idScopes:        make(map[string]Scopes, len(s.IdentityScopes)),
		loopbackTrusted: loopbackTrusted(s.TrustedProxies),
	}
	if a.mode == "" {
		a.mode = ModeToken
	}
	for _, l := range s.LocalAddrs {
		a.local = append(a.local, normalizeAddr(l))
	}
	for _, h := range s.TrustedProxy.RequiredHeaders {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		a.required = append(a.required, requiredHeader{
			canon: http.CanonicalHeaderKey(h),
			code:  "trusted_proxy_missing_header_" + strings.ToLower(h),
		})
	}
	for _, u := range s.TrustedProxy.AllowUsers {
		if u = strings.TrimSpace(u); u != "" {
			a.allowUsers = append(a.allowUsers, u)
		}
	}
	for user, names := range s.IdentityScopes {
		var sc Scopes
		for _, n := range names {
			b, _ := scopeBits(n) // unknown names were reported by SettingsFromConfig
			sc |= b
		}
		a.idScopes[normUser(user)] = sc
	}
	return a
}

// Mode returns the auth mode in force.
func (a *Authenticator) Mode() string { return a.mode }

// Client returns the attributed client address of r (see ClientAddr), or
// the 403 proxy_attribution_required when a loopback peer carries
// forwarding headers but loopback is not a trusted proxy: a proxy on this
// host that is not declared would make every client look local.
func (a *Authenticator) Client(r *http.Request) (netip.Addr, *apierr.Error) {
	peer := parsePeer(r.RemoteAddr)
	return a.client(r, peer)
}

func (a *Authenticator) client(r *http.Request, peer netip.Addr) (netip.Addr, *apierr.Error) {
	if peer.IsLoopback() && !a.loopbackTrusted && hasForwardingHeaders(r.Header) {
		return netip.Addr{}, errProxyAttribution(peer, a.mode)
	}
	if !inPrefixes(peer, a.trusted) {
		return peer, nil
	}
	return ClientAddr(peer, a.trusted, r.Header.Values("X-Forwarded-For"), r.Header.Get("X-Real-Ip"), a.allowRealIP), nil
}

// Authenticate decides whether r may use the gateway API (spec §4) and
// returns who the caller is. It never echoes a presented credential.
func (a *Authenticator) Authenticate(r *http.Request) (Principal, *apierr.Error) {
	peer := parsePeer(r.RemoteAddr)
	client, err := a.client(r, peer)
	if err != nil {
		return Principal{}, err
	}
	switch a.mode {
	case ModeToken:
		return a.sharedSecret(r, client, ClassToken, false)
	case ModePassword:
		return a.sharedSecret(r, client, ClassPassword, false)
	case ModeTrustedProxy:
		return a.trustedProxy(r, peer, client)
	case ModeNone:
		// Mode none is meant for loopback (startup refuses it on other
		// binds); refuse anything else in case a listener slipped through.
		if !peer.IsLoopback() && !inPrefixes(peer, a.trusted) {
			return Principal{}, apierr.New(http.StatusForbidden, "auth_none_not_local",
				"auth mode \"none\" accepts only callers on this host or behind a trusted proxy",
				"set gateway.auth.mode to \"token\" and send the token as `Authorization: Bearer <token>`, or call from this host")
		}
		return Principal{Kind: Anonymous, Client: client, scopes: narrow(defaultIdentityScopes, r.Header)}, nil
	}
	return Principal{}, apierr.New(http.StatusInternalServerError, "auth_mode_invalid",
		"the gateway auth mode is not configured correctly",
		"set gateway.auth.mode to \"token\", \"password\", \"trusted-proxy\" or \"none\" and restart the gateway")
}

// sharedSecret checks the bearer against the token or the password.
// fallback is true for the trusted-proxy password fallback.
func (a *Authenticator) sharedSecret(r *http.Request, client netip.Addr, class Class, fallback bool) (Principal, *apierr.Error) {
	secret := a.token
	if class == ClassPassword {
		secret = a.password
	}
	if secret == "" {
		return Principal{}, errNotConfigured(class)
	}
	vals := r.Header["Authorization"]
	if len(vals) == 0 || trimBlank(vals[0]) == "" {
		return Principal{}, errMissing(class)
	}
	if len(vals) > 1 {
		return Principal{}, unauthorized("auth_header_multiple", "the request carries more than one Authorization header",
			"send exactly one `Authorization: Bearer <secret>` header; check that a proxy is not adding its own", false)
	}
	tok, ok := ParseBearer(vals[0])
	if !ok {
		return Principal{}, errScheme(class)
	}
	if tok == "" {
		return Principal{}, errMissing(class)
	}

	key := Key{Addr: limitAddr(client), Class: class}
	limited := a.lim != nil && !(a.exemptLoopback && client.IsLoopback())
	if limited {
		if d, locked := a.lim.Locked(key, a.now()); locked {
			return Principal{}, errLocked(d, class)
		}
	}
	if secretEqual(tok, secret) {
		if limited {
			a.lim.Reset(key)
		}
		return Principal{Kind: SharedSecret, Client: client, scopes: fullScopes}, nil
	}

	var e *apierr.Error
	switch {
	case fallback:
		e = unauthorized("gateway_password_mismatch", "the bearer does not match gateway.auth.password",
			"in trusted-proxy mode callers on this host may bypass the proxy only with gateway.auth.password (a token is not accepted); "+
				"otherwise send the request through the proxy", true)
	case class == ClassToken && a.password != "" && secretEqual(tok, a.password):
		e = unauthorized("auth_mode_token", "the gateway is in token mode and does not accept the password",
			"send gateway.auth.token instead (read it with `openclaw gateway auth-token --show`), or set gateway.auth.mode to \"password\"", true)
	case class == ClassPassword && a.token != "" && secretEqual(tok, a.token):
		e = unauthorized("auth_mode_password", "the gateway is in password mode and does not accept the token",
			"send gateway.auth.password instead, or set gateway.auth.mode to \"token\"", true)
	case class == ClassToken:
		e = unauthorized("gateway_token_mismatch", "the bearer token does not match the gateway token",
			"read the current token with `openclaw gateway auth-token --show` (it is gateway.auth.token or OPENCLAW_GATEWAY_TOKEN) and send it as `Authorization: Bearer <token>`", true)
	default:
		e = unauthorized("gateway_password_mismatch", "the bearer does not match the gateway password",
			"send gateway.auth.password (or OPENCLAW_GATEWAY_PASSWORD) as `Authorization: Bearer <password>`", true)
	}
	if looksLikeJWT(tok) {
		e.Hint = jwtHint
	}
	if limited {
		if d, locked := a.lim.Fail(key, a.now()); locked {
			e.Hint += "; too many failed attempts: this address is locked out for " + seconds(d) + " seconds"
		}
	}
	return Principal{}, e
}

const jwtHint = "the gateway token is an opaque secret from gateway.auth.token, not a JWT; if you are calling through a proxy that " +
	"validates JWTs (e.g. a Teams/Bot Framework webhook or an API gateway), exempt this route or point it at the gateway port"

// trustedProxy applies the trusted-proxy rules of spec §4 in order.
func (a *Authenticator) trustedProxy(r *http.Request, peer, client netip.Addr) (Principal, *apierr.Error) {
	local := a.isLocal(peer)
	// Same-host callers that bypass the proxy may use the password, but
	// only when nothing says the request was forwarded.
	if (peer.IsLoopback() || local) && a.password != "" && len(r.Header["Authorization"]) > 0 && !hasForwardingHeaders(r.Header) {
		return a.sharedSecret(r, client, ClassPassword, true)
	}
	fallbackHint := ""
	if peer.IsLoopback() || local {
		if a.password != "" {
			fallbackHint = "; or, to call from this host without the proxy, send gateway.auth.password as `Authorization: Bearer <password>` without forwarding headers"
		} else {
			fallbackHint = "; or, to call from this host without the proxy, set gateway.auth.password and send it as `Authorization: Bearer <password>`"
		}
	}
	// Rule 1: the peer must be a trusted proxy.
	if !inPrefixes(peer, a.trusted) {
		hint := "send the request through the reverse proxy, or add the proxy's address to gateway.trustedProxies"
		if peer.IsLoopback() {
			hint = "for a proxy on this host, add " + peer.String() + " to gateway.trustedProxies and set gateway.auth.trustedProxy.allowLoopback to true"
		}
		return Principal{}, forbidden("trusted_proxy_untrusted_source",
			"the request came from "+addrText(peer)+", which is not in gateway.trustedProxies", hint+fallbackHint)
	}
	// Rule 2: loopback needs explicit opt-in (and rule 1 put it in the list).
	if peer.IsLoopback() && !a.allowLoopback {
		return Principal{}, forbidden("trusted_proxy_loopback_source",
			"the request came from loopback ("+peer.String()+"), and loopback proxies are not allowed",
			"if the reverse proxy runs on this host, set gateway.auth.trustedProxy.allowLoopback to true"+fallbackHint)
	}
	// Rule 3: a peer using one of this host's own addresses is a local
	// process, not the proxy.
	if local {
		return Principal{}, forbidden("trusted_proxy_local_interface_source",
			"the request came from "+peer.String()+", one of this host's own addresses, which cannot be the trusted proxy",
			"run the reverse proxy on another host, or connect it over loopback with gateway.auth.trustedProxy.allowLoopback"+fallbackHint)
	}
	// Rule 4: required headers and the user header.
	for _, h := range a.required {
		if strings.TrimSpace(r.Header.Get(h.canon)) == "" {
			return Principal{}, forbidden(h.code, "the trusted proxy did not send the required header "+h.canon,
				"configure the proxy to set "+h.canon+" (gateway.auth.trustedProxy.requiredHeaders), or remove it from that list")
		}
	}
	// A user header sent twice is ambiguous: a proxy that appends instead
	// of replacing would let the client's own value come first.
	if len(r.Header.Values(a.userHeader)) > 1 {
		return Principal{}, forbidden("trusted_proxy_user_multiple", "the request carries more than one "+a.userHeader+" header",
			"configure the proxy to replace (not append to) "+a.userHeader+" so that a client cannot send its own")
	}
	user := strings.TrimSpace(r.Header.Get(a.userHeader))
	if user == "" {
		return Principal{}, forbidden("trusted_proxy_user_missing", "the trusted proxy did not send the user header "+a.userHeader,
			"configure the proxy to pass the authenticated user in "+a.userHeader+", or change gateway.auth.trustedProxy.userHeader")
	}
	// Rule 5: the allow list.
	if len(a.allowUsers) > 0 && !a.userAllowed(user) {
		return Principal{}, forbidden("trusted_proxy_user_not_allowed",
			"user "+quoteShort(user)+" is not in gateway.auth.trustedProxy.allowUsers",
			"add the user to gateway.auth.trustedProxy.allowUsers")
	}
	sc, ok := a.idScopes[normUser(user)]
	if !ok {
		sc = defaultIdentityScopes
	}
	return Principal{Kind: Identity, User: user, Client: client, scopes: narrow(sc, r.Header)}, nil
}

func (a *Authenticator) isLocal(peer netip.Addr) bool {
	for _, l := range a.local {
		if l == peer {
			return true
		}
	}
	return false
}

func (a *Authenticator) userAllowed(user string) bool {
	for _, u := range a.allowUsers {
		if isEmail(u) || isEmail(user) {
			if strings.EqualFold(u, user) {
				return true
			}
		} else if u == user {
			return true
		}
	}
	return false
}

func isEmail(s string) bool { return strings.IndexByte(s, '@') > 0 }

// normUser is the lookup form of a user: emails compare case-insensitively,
// other names exactly.
func normUser(u string) string {
	u = strings.TrimSpace(u)
	if isEmail(u) {
		return strings.ToLower(u)
	}
	return u
}

// narrow caps identity scopes by the x-openclaw-scopes header; the header
// can only take scopes away.
func narrow(s Scopes, h http.Header) Scopes {
	if vals, ok := h[ScopesHeader]; ok {
		return s & parseScopeHeader(vals)
	}
	return s
}

// limitAddr is the address failures are counted under: IPv6 clients by
// their /64, since one host usually holds a whole /64 and could otherwise
// step through it to dodge the limit.
func limitAddr(a netip.Addr) netip.Addr {
	if a.Is6() {
		if p, err := a.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return a
}

func addrText(a netip.Addr) string {
	if !a.IsValid() {
		return "a non-IP peer"
	}
	return a.String()
}

func quoteShort(s string) string {
	if len(s) > 128 {
		s = s[:128] + "…"
	}
	return strconv.Quote(s)
}

func seconds(d time.Duration) string {
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}

const (
	wwwAuthenticate        = "WWW-Authenticate"
	challengeMissing       = `Bearer realm="openclaw"`
	challengeInvalidBearer = `Bearer realm="openclaw", error="invalid_token"`
)

func unauthorized(code, msg, hint string, invalid bool) *apierr.Error {
	c := challengeMissing
	if invalid {
		c = challengeInvalidBearer
	}
	return apierr.New(http.StatusUnauthorized, code, msg, hint).WithHeader(wwwAuthenticate, c)
}

func forbidden(code, msg, hint string) *apierr.Error {
	return apierr.New(http.StatusForbidden, code, msg, hint)
}

func errMissing(class Class) *apierr.Error {
	if class == ClassPassword {
		return unauthorized("gateway_password_missing", "missing gateway password",
			"send the gateway password (gateway.auth.password) as `Authorization: Bearer <password>`", false)
	}
	return unauthorized("gateway_token_missing", "missing gateway token",
		"read the token with `openclaw gateway auth-token --show` and send it as `Authorization: Bearer <token>`", false)
}

func errScheme(class Class) *apierr.Error {
	what := "token"
	if class == ClassPassword {
		what = "password"
	}
	return unauthorized("auth_scheme_unsupported", "unsupported Authorization scheme: the gateway accepts only Bearer",
		"send the gateway "+what+" as `Authorization: Bearer <"+what+">`", false)
}

func errNotConfigured(class Class) *apierr.Error {
	if class == ClassPassword {
		return unauthorized("gateway_password_not_configured", "the gateway has no password configured",
			"on the gateway host, set gateway.auth.password (or OPENCLAW_GATEWAY_PASSWORD) and restart the gateway", false)
	}
	return unauthorized("gateway_token_not_configured", "the gateway has no token configured",
		"on the gateway host, run `openclaw doctor --generate-gateway-token` (or set gateway.auth.token) and restart the gateway", false)
}

func errLocked(d time.Duration, class Class) *apierr.Error {
	secs := seconds(d)
	e := apierr.New(http.StatusTooManyRequests, "auth_rate_limited",
		"too many failed authentication attempts from this address; retry in "+secs+" seconds",
		"wait "+secs+" seconds, then retry with the correct "+string(class)+
			" (gateway.auth.rateLimit sets the limits)")
	e.RetryAfter = d
	return e
}

func errProxyAttribution(peer netip.Addr, mode string) *apierr.Error {
	hint := "add the proxy's address (" + peer.String() + ") to gateway.trustedProxies so the client address is taken from X-Forwarded-For, " +
		"or stop sending Forwarded/X-Forwarded-*/X-Real-IP headers when calling directly"
	if mode == ModeTrustedProxy {
		hint += "; in trusted-proxy mode also set gateway.auth.trustedProxy.allowLoopback to true"
	}
	return forbidden("proxy_attribution_required",
		"the request came through a proxy on this host that is not in gateway.trustedProxies, so the client cannot be identified", hint)
}
