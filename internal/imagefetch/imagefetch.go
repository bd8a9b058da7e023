// Package imagefetch downloads images that API clients reference by URL, so
// that the gateway can inline them as data URLs for the provider. Because a
// caller chooses the URL, every fetch is treated as hostile: only public
// addresses are dialled (checked on the resolved IP at connect time, so DNS
// rebinding and redirects are covered), at most 3 redirects, a 10 s budget,
// at most 10 MB, and only image MIME types.
package imagefetch

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Limits of a fetch.
const (
	MaxBytes     = 10 << 20
	MaxRedirects = 3
	Timeout      = 10 * time.Second
)

// allowedTypes are the MIME types accepted (what the providers take).
var allowedTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// ErrBlockedAddress is returned (wrapped) when the URL resolves to a
// loopback, private, link-local or otherwise non-public address.
var ErrBlockedAddress = errors.New("address is not public")

// Fetcher downloads images. The zero value is not usable; use New.
type Fetcher struct {
	client *http.Client
}

// New returns a Fetcher. allowPrivate lifts the public-address rule; only
// tests set it (their servers listen on loopback).
func New(allowPrivate bool) *Fetcher {
	d := &net.Dialer{Timeout: Timeout}
	if !allowPrivate {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", ErrBlockedAddress, address)
			}
			if !public(ap.Addr()) {
				return fmt.Errorf("%w: %s", ErrBlockedAddress, ap.Addr())
			}
			return nil
		}
	}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would dial for us and bypass the address check
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   Timeout,
		ResponseHeaderTimeout: Timeout,
		MaxIdleConns:          16,
		IdleConnTimeout:       30 * time.Second,
	}
	return &Fetcher{client: &http.Client{
		Transport: tr,
		Timeout:   Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > MaxRedirects {
				return fmt.Errorf("more than %d redirects", MaxRedirects)
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("redirect to a %s URL", req.URL.Scheme)
			}
			return nil
		},
	}}
}

// public reports whether ip is a global unicast address outside the
// private, shared (CGNAT) and documentation ranges.
func public(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsGlobalUnicast() || ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() {
		return false
	}
	for _, p := range blocked {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

var blocked = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"), // shared address space (CGNAT, Tailscale)
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("0.0.0.0/8"),     // "this network"
	netip.MustParsePrefix("64:ff9b::/96"),  // NAT64 (can reach IPv4 private space)
	netip.MustParsePrefix("2001:db8::/32"), // documentation
}

// DataURL fetches rawURL and returns it as a base64 data URL.
func (f *Fetcher) DataURL(ctx context.Context, rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("not an http(s) URL")
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "image/png, image/jpeg, image/gif, image/webp")
	resp, err := f.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("the image server answered HTTP %d", resp.StatusCode)
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	mt = strings.ToLower(mt)
	if !allowedTypes[mt] {
		return "", fmt.Errorf("content type %q is not an accepted image type (png, jpeg, gif, webp)", mt)
	}
	if resp.ContentLength > MaxBytes {
		return "", fmt.Errorf("image is larger than %d MB", MaxBytes>>20)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxBytes+1))
	if err != nil {
		return "", err
	}
	if len(data) > MaxBytes {
		return "", fmt.Errorf("image is larger than %d MB", MaxBytes>>20)
	}
	return "data:" + mt + ";base64," + base64.StdEncoding.EncodeToString(data), nil
}
