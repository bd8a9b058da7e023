package auth

import (
	"context"
	"net/http"
	"net/netip"
	"strings"

	"github.com/openclaw/openclaw-go/internal/apierr"
)

// Operator scopes. They are nested: operator.admin includes operator.write,
// which includes operator.read.
const (
	ScopeRead  = "operator.read"
	ScopeWrite = "operator.write"
	ScopeAdmin = "operator.admin"
)

// ScopesHeader is the request header with which identity-bearing callers
// narrow their scopes (spec §4).
const ScopesHeader = "X-Openclaw-Scopes"

// Scopes is a set of operator scopes.
type Scopes uint8

const (
	scopeRead Scopes = 1 << iota
	scopeWrite
	scopeAdmin

	// fullScopes is what shared-secret callers get.
	fullScopes = scopeRead | scopeWrite | scopeAdmin
	// defaultIdentityScopes is what an identity-bearing caller without an
	// entry in gateway.auth.identityScopes gets: enough to use the API, but
	// never admin implicitly, so overriding the model with x-openclaw-model
	// has to be granted per identity.
	defaultIdentityScopes = scopeRead | scopeWrite
)

// scopeBits maps a scope name to its bit with the scopes it includes.
// ok is false for unknown names.
func scopeBits(name string) (Scopes, bool) {
	switch name {
	case ScopeRead:
		return scopeRead, true
	case ScopeWrite:
		return scopeRead | scopeWrite, true
	case ScopeAdmin:
		return fullScopes, true
	}
	return 0, false
}

// Has reports whether the set includes the named scope. Unknown names are
// never included.
func (s Scopes) Has(name string) bool {
	switch name {
	case ScopeRead:
		return s&scopeRead != 0
	case ScopeWrite:
		return s&scopeWrite != 0
	case ScopeAdmin:
		return s&scopeAdmin != 0
	}
	return false
}

// Names lists the scopes in the set, for logs and diagnostics.
func (s Scopes) Names() []string {
	var out []string
	for _, n := range [...]string{ScopeRead, ScopeWrite, ScopeAdmin} {
		if s.Has(n) {
			out = append(out, n)
		}
	}
	return out
}

// parseScopeHeader reads the comma-separated scope list of the
// x-openclaw-scopes header values. Unknown names grant nothing: the header
// is a cap, and a name we do not know cannot widen it.
func parseScopeHeader(values []string) Scopes {
	var s Scopes
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			if b, ok := scopeBits(strings.TrimSpace(part)); ok {
				s |= b
			}
		}
	}
	return s
}

// Kind says how a caller was authenticated.
type Kind uint8

const (
	// SharedSecret callers presented the gateway token or password.
	SharedSecret Kind = iota + 1
	// Identity callers were vouched for by a trusted proxy (User is set).
	Identity
	// Anonymous callers reached a gateway in auth mode "none".
	Anonymous
)

// String names the kind for logs.
func (k Kind) String() string {
	switch k {
	case SharedSecret:
		return "shared-secret"
	case Identity:
		return "identity"
	case Anonymous:
		return "anonymous"
	}
	return "unauthenticated"
}

// Principal is the authenticated caller.
type Principal struct {
	Kind Kind
	// User is the identity from the trusted proxy's user header; empty for
	// shared-secret and anonymous callers.
	User string
	// Client is the attributed client address (behind a trusted proxy, the
	// address from X-Forwarded-For), invalid if the peer address was not an
	// IP (e.g. a Unix socket).
	Client netip.Addr
	scopes Scopes
}

// Scopes returns the caller's operator scopes.
func (p Principal) Scopes() Scopes { return p.scopes }

// HasScope reports whether the caller holds the named scope.
func (p Principal) HasScope(scope string) bool { return p.scopes.Has(scope) }

// IdentityBearing reports whether scopes come from an identity (trusted-proxy
// or none) rather than from a shared secret.
func (p Principal) IdentityBearing() bool { return p.Kind == Identity || p.Kind == Anonymous }

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal stored by WithPrincipal.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// ScopeError is the 403 for a caller that lacks scope.
func ScopeError(scope string) *apierr.Error {
	return apierr.New(http.StatusForbidden, "missing_scope", "missing scope: "+scope,
		"grant it in gateway.auth.identityScopes for this user (e.g. \""+scope+
			"\"), and do not narrow it away with the x-openclaw-scopes header")
}
