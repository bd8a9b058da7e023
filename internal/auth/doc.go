// Package auth authenticates HTTP requests to the gateway (spec §4): the four
// modes (token, password, trusted-proxy, none), client-address attribution
// behind reverse proxies, the failed-auth rate limiter, operator scopes, and
// the startup refusals that concern auth (spec §3).
//
// It does not listen, route, or render errors: it returns *apierr.Error and
// the gateway writes it. It never logs, and it never echoes a presented
// credential in an error.
package auth
