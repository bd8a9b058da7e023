package auth

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/openclaw/openclaw-go/internal/config"
)

// Auth modes (gateway.auth.mode).
const (
	ModeToken        = "token"
	ModePassword     = "password"
	ModeTrustedProxy = "trusted-proxy"
	ModeNone         = "none"
)

// Settings is everything the authenticator needs, already parsed and
// defaulted. Token and Password are config.Secret so that printing or
// logging a Settings value redacts them.
type Settings struct {
	Mode     string
	Token    config.Secret
	Password config.Secret

	// TrustedProxies are the reverse proxies whose forwarding headers are
	// believed; single IPs are /32 or /128 prefixes.
	TrustedProxies      []netip.Prefix
	AllowRealIPFallback bool
	TrustedProxy        TrustedProxySettings
	RateLimit           RateLimitSettings

	// IdentityScopes maps a trusted-proxy user (emails case-insensitively)
	// to the scopes it is granted. Users without an entry, and anonymous
	// callers in mode none, get operator.read and operator.write but never
	// operator.admin implicitly.
	IdentityScopes map[string][]string

	// LocalAddrs are the host's own non-loopback addresses (see
	// InterfaceAddrs); a trusted-proxy peer equal to one is refused.
	LocalAddrs []netip.Addr
}

// TrustedProxySettings is gateway.auth.trustedProxy.
type TrustedProxySettings struct {
	UserHeader      string
	RequiredHeaders []string
	AllowUsers      []string
	AllowLoopback   bool
}

// RateLimitSettings is gateway.auth.rateLimit, with defaults applied.
type RateLimitSettings struct {
	MaxAttempts    int
	Window         time.Duration
	Lockout        time.Duration
	ExemptLoopback bool
}

// NewLimiter returns a MemoryLimiter with these limits.
func (r RateLimitSettings) NewLimiter() *MemoryLimiter {
	return NewMemoryLimiter(r.MaxAttempts, r.Window, r.Lockout)
}

// SettingsFromConfig parses and defaults the gateway section. An empty
// gateway.auth.mode means "password" when only a password is set, else
// "token". LocalAddrs is filled from InterfaceAddrs. Every problem is
// reported (as *Problems), each naming its config key. Environment
// overrides (OPENCLAW_GATEWAY_TOKEN, …) are the caller's business: apply
// them to the returned Settings before CheckStartup.
func SettingsFromConfig(g *config.Gateway) (Settings, error) {
	var probs Problems
	a := g.Auth
	s := Settings{
		Token:               a.Token,
		Password:            a.Password,
		AllowRealIPFallback: g.AllowRealIPFallback,
		TrustedProxy: TrustedProxySettings{
			UserHeader:      strings.TrimSpace(a.TrustedProxy.UserHeader),
			RequiredHeaders: a.TrustedProxy.RequiredHeaders,
			AllowUsers:      a.TrustedProxy.AllowUsers,
			AllowLoopback:   a.TrustedProxy.AllowLoopback,
		},
		RateLimit: RateLimitSettings{
			MaxAttempts:    a.RateLimit.MaxAttempts,
			Window:         time.Duration(a.RateLimit.WindowMs) * time.Millisecond,
			Lockout:        time.Duration(a.RateLimit.LockoutMs) * time.Millisecond,
			ExemptLoopback: a.RateLimit.ExemptLoopback == nil || *a.RateLimit.ExemptLoopback,
		},
		IdentityScopes: a.IdentityScopes,
		LocalAddrs:     InterfaceAddrs(),
	}

	switch a.Mode {
	case "":
		s.Mode = ModeToken
		if a.Password.IsSet() && !a.Token.IsSet() {
			s.Mode = ModePassword
		}
	case ModeToken, ModePassword, ModeTrustedProxy, ModeNone:
		s.Mode = a.Mode
	default:
		probs.add("gateway.auth.mode", fmt.Sprintf("unknown mode %q; use one of \"token\", \"password\", \"trusted-proxy\", \"none\"", a.Mode))
	}

	for i, e := range g.TrustedProxies {
		p, err := ParseTrustedProxy(e)
		if err != nil {
			probs.add("gateway.trustedProxies["+strconv.Itoa(i)+"]", err.Error())
			continue
		}
		s.TrustedProxies = append(s.TrustedProxies, p)
	}

	rl := a.RateLimit
	if rl.MaxAttempts < 0 {
		probs.add("gateway.auth.rateLimit.maxAttempts", "must be at least 1")
	}
	if rl.WindowMs < 0 {
		probs.add("gateway.auth.rateLimit.windowMs", "must be at least 1")
	}
	if rl.LockoutMs < 0 {
		probs.add("gateway.auth.rateLimit.lockoutMs", "must be at least 1")
	}
	if s.RateLimit.MaxAttempts <= 0 {
		s.RateLimit.MaxAttempts = DefaultMaxAttempts
	}
	if s.RateLimit.Window <= 0 {
		s.RateLimit.Window = DefaultWindow
	}
	if s.RateLimit.Lockout <= 0 {
		s.RateLimit.Lockout = DefaultLockout
	}

	if h := s.TrustedProxy.UserHeader; h != "" && !validHeaderName(h) {
		probs.add("gateway.auth.trustedProxy.userHeader", fmt.Sprintf("%q is not a valid HTTP header name", h))
	}
	for i, h := range a.TrustedProxy.RequiredHeaders {
		if !validHeaderName(strings.TrimSpace(h)) {
			probs.add("gateway.auth.trustedProxy.requiredHeaders["+strconv.Itoa(i)+"]",
				fmt.Sprintf("%q is not a valid HTTP header name", h))
		}
	}
	for _, user := range slices.Sorted(maps.Keys(a.IdentityScopes)) {
		for i, sc := range a.IdentityScopes[user] {
			if _, ok := scopeBits(sc); !ok {
				probs.add(fmt.Sprintf("gateway.auth.identityScopes[%q][%d]", user, i),
					fmt.Sprintf("unknown scope %q; use %q, %q or %q", sc, ScopeRead, ScopeWrite, ScopeAdmin))
			}
		}
	}
	return s, probs.err()
}

// ParseTrustedProxy parses one gateway.trustedProxies entry: an IP (which
// becomes a /32 or /128) or a CIDR. IPv4-mapped IPv6 forms become IPv4,
// because peers are unmapped before matching.
func ParseTrustedProxy(e string) (netip.Prefix, error) {
	e = strings.TrimSpace(e)
	if strings.Contains(e, "/") {
		p, err := netip.ParsePrefix(e)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR (e.g. \"10.0.0.1\" or \"172.17.0.0/16\")", e)
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(e)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR (e.g. \"10.0.0.1\" or \"172.17.0.0/16\")", e)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func validHeaderName(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// CheckStartup returns the startup refusals of spec §3 that concern auth,
// all of them (as *Problems), or nil. nonLoopbackBind is true when any
// listener is reachable from beyond this host.
func (s Settings) CheckStartup(nonLoopbackBind bool) error {
	var probs Problems
	if nonLoopbackBind {
		switch s.Mode {
		case ModeNone:
			probs.add("gateway.auth.mode", `auth mode "none" is refused on a non-loopback bind: anyone on the network could use the gateway; `+
				`set gateway.auth.mode to "token" (or "password" / "trusted-proxy"), or set gateway.bind to "loopback"`)
		case ModeToken:
			if !s.Token.IsSet() {
				probs.add("gateway.auth.token", `auth mode "token" on a non-loopback bind needs a token; `+
					"set gateway.auth.token or OPENCLAW_GATEWAY_TOKEN (`openclaw doctor --generate-gateway-token` makes one), or set gateway.bind to \"loopback\"")
			}
		case ModePassword:
			if !s.Password.IsSet() {
				probs.add("gateway.auth.password", `auth mode "password" on a non-loopback bind needs a password; `+
					`set gateway.auth.password or OPENCLAW_GATEWAY_PASSWORD (or run with --password-file), or set gateway.bind to "loopback"`)
			}
		}
	}
	if s.Mode == ModeTrustedProxy {
		if s.Token.IsSet() {
			probs.add("gateway.auth.token", `a token cannot be combined with auth mode "trusted-proxy" (the two are mutually exclusive); `+
				"remove gateway.auth.token and unset OPENCLAW_GATEWAY_TOKEN, or set gateway.auth.mode to \"token\"")
		}
		if len(s.TrustedProxies) == 0 {
			probs.add("gateway.trustedProxies", `auth mode "trusted-proxy" needs the address of the reverse proxy; `+
				`add its IP or CIDR to gateway.trustedProxies (e.g. ["10.0.0.1"])`)
		}
		if s.TrustedProxy.UserHeader == "" {
			probs.add("gateway.auth.trustedProxy.userHeader", `auth mode "trusted-proxy" needs the header in which the proxy passes the authenticated user; `+
				`set gateway.auth.trustedProxy.userHeader (e.g. "x-forwarded-user")`)
		}
	}
	return probs.err()
}

// Problem is one config problem, naming the key to change.
type Problem struct {
	Key     string
	Message string
}

// Error renders "key: message".
func (p *Problem) Error() string { return p.Key + ": " + p.Message }

// Problems is a list of config problems; it is returned as an error so
// that every problem is reported at once, not just the first.
type Problems []*Problem

func (ps *Problems) add(key, msg string) { *ps = append(*ps, &Problem{Key: key, Message: msg}) }

func (ps Problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// Error lists the problems, one a line.
func (ps Problems) Error() string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap lets errors.As find each *Problem.
func (ps Problems) Unwrap() []error {
	out := make([]error, len(ps))
	for i, p := range ps {
		out[i] = p
	}
	return out
}
