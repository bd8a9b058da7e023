package msteams

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// clockSkew is the allowance on exp and nbf (spec rule 5).
const clockSkew = 5 * time.Minute

// Issuer of Bot Framework channel tokens.
const botFrameworkIssuer = "https://api.botframework.com"

// Reason codes of JWT rejections; they are the `code` of the 401 body.
const (
	ReasonMissingAuthorization = "missing_authorization"
	ReasonUnsupportedScheme    = "unsupported_scheme"
	ReasonNotAJWT              = "not_a_jwt"
	ReasonMalformedJWT         = "malformed_jwt"
	ReasonUnsupportedAlg       = "unsupported_alg"
	ReasonUnknownKID           = "unknown_kid"
	ReasonNotEndorsed          = "not_endorsed"
	ReasonBadIssuer            = "bad_issuer"
	ReasonBadAudience          = "bad_audience"
	ReasonExpired              = "expired"
	ReasonNotYetValid          = "not_yet_valid"
	ReasonMissingClaim         = "missing_claim"
	ReasonBadSignature         = "bad_signature"
	ReasonServiceURLMismatch   = "serviceurl_mismatch"
)

var validAlgs = []string{"RS256", "RS384", "RS512"}

// authError is a rejected inbound token. Message never contains the token.
type authError struct {
	Reason  string
	Message string
}

func (e *authError) Error() string { return e.Reason + ": " + e.Message }

func reject(reason, msg string) *authError { return &authError{Reason: reason, Message: msg} }

// tokenClaims are the claims of a Bot Framework or Entra ID token that the
// channel checks.
type tokenClaims struct {
	jwt.RegisteredClaims
	ServiceURL string `json:"serviceurl,omitempty"`
}

// validator checks inbound tokens (spec "validating the JWT").
type validator struct {
	appID    string
	tenantID string
	keys     *keyring
	now      func() time.Time
	parser   *jwt.Parser
}

func newValidator(appID, tenantID string, keys *keyring, now func() time.Time) *validator {
	return &validator{
		appID: appID, tenantID: tenantID, keys: keys, now: now,
		parser: jwt.NewParser(
			jwt.WithValidMethods(validAlgs),
			jwt.WithLeeway(clockSkew),
			jwt.WithTimeFunc(now),
			jwt.WithExpirationRequired(),
		),
	}
}

// bearer extracts the token from an Authorization header (rules 1-2, before
// any key is looked up). The returned header is the decoded JOSE header.
func bearer(authorization string) (token string, hdr jwtHeader, err *authError) {
	if strings.TrimSpace(authorization) == "" {
		return "", hdr, reject(ReasonMissingAuthorization, "Authorization: Bearer <Bot Framework JWT> is required.")
	}
	scheme, rest, _ := strings.Cut(strings.TrimSpace(authorization), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", hdr, reject(ReasonUnsupportedScheme, "Only the Bearer authorization scheme is accepted.")
	}
	token = strings.TrimSpace(rest)
	if !looksLikeJWT(token) {
		return "", hdr, reject(ReasonNotAJWT, "The bearer token is not a JWT.")
	}
	hdr, perr := parseHeader(token)
	if perr != nil {
		return "", hdr, reject(ReasonMalformedJWT, "The JWT header cannot be decoded.")
	}
	if !slices.Contains(validAlgs, hdr.Alg) {
		return "", hdr, reject(ReasonUnsupportedAlg, "The JWT algorithm must be RS256, RS384 or RS512.")
	}
	if hdr.Kid == "" {
		return "", hdr, reject(ReasonUnknownKID, "The JWT header has no kid.")
	}
	return token, hdr, nil
}

// looksLikeJWT reports whether s has the shape header.payload.signature with
// base64url segments; opaque API tokens do not.
func looksLikeJWT(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return false
	}
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			c := p[i]
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '=') {
				return false
			}
		}
	}
	return true
}

type jwtHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

func parseHeader(token string) (jwtHeader, error) {
	var h jwtHeader
	seg, _, _ := strings.Cut(token, ".")
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return h, err
	}
	err = json.Unmarshal(b, &h)
	return h, err
}

// validate checks token (already through bearer) against the activity's
// channelId and serviceUrl (rules 3-5).
func (v *validator) validate(ctx context.Context, token string, hdr jwtHeader, channelID, serviceURL string) (*tokenClaims, *authError) {
	key := v.keys.lookup(ctx, hdr.Kid)
	if key == nil {
		return nil, reject(ReasonUnknownKID, "The token's signing key (kid) is not among Microsoft's published keys.")
	}
	// Bot Framework keys must endorse the channel; Entra ID keys carry no
	// endorsements, but if one does, the same rule applies.
	if (key.source == "botframework" || key.endorsements != nil) && !key.endorses(channelID) {
		return nil, reject(ReasonNotEndorsed, "The signing key is not endorsed for the activity's channelId.")
	}
	var claims tokenClaims
	_, err := v.parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) { return key.pub, nil })
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrTokenMalformed):
		return nil, reject(ReasonMalformedJWT, "The JWT cannot be decoded.")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return nil, reject(ReasonBadSignature, "The JWT signature does not verify.")
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, reject(ReasonExpired, "The token has expired.")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return nil, reject(ReasonNotYetValid, "The token is not valid yet (nbf).")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return nil, reject(ReasonMissingClaim, "The token has no exp claim.")
	default:
		return nil, reject(ReasonMalformedJWT, "The token's claims are invalid.")
	}
	if !v.issuerOK(claims.Issuer) {
		return nil, reject(ReasonBadIssuer, "The token's issuer is not Bot Framework or the configured tenant.")
	}
	if !slices.ContainsFunc(claims.Audience, func(a string) bool { return a == v.appID || a == "api://"+v.appID }) {
		return nil, reject(ReasonBadAudience, "The token's audience is not this bot's appId.")
	}
	if claims.ServiceURL != "" && !sameServiceURL(claims.ServiceURL, serviceURL) {
		return nil, reject(ReasonServiceURLMismatch, "The token's serviceurl claim does not match the activity's serviceUrl.")
	}
	return &claims, nil
}

func (v *validator) issuerOK(iss string) bool {
	if iss == botFrameworkIssuer {
		return true
	}
	if v.tenantID == "" {
		return false
	}
	return iss == "https://sts.windows.net/"+v.tenantID+"/" ||
		iss == "https://login.microsoftonline.com/"+v.tenantID+"/v2.0"
}

// sameServiceURL compares service URLs ignoring a trailing slash.
func sameServiceURL(a, b string) bool {
	return strings.TrimRight(a, "/") == strings.TrimRight(b, "/")
}
