package msteams

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Key refresh timing (spec "validating the JWT", rule 3).
const (
	keyRefreshInterval   = 24 * time.Hour
	unknownKIDMinBackoff = 5 * time.Minute
	keyRetryMin          = 30 * time.Second
	keyRetryMax          = 30 * time.Minute
	keyFetchTimeout      = 15 * time.Second
	maxMetadataBytes     = 1 << 20
	minRSABits           = 2048
)

// signingKey is one RSA key from a JWKS with its Bot Framework endorsements.
type signingKey struct {
	kid          string
	pub          *rsa.PublicKey
	endorsements []string // nil when the JWKS entry had none
	source       string   // "botframework" or "tenant"
}

func (k *signingKey) endorses(channelID string) bool {
	return slices.ContainsFunc(k.endorsements, func(e string) bool { return strings.EqualFold(e, channelID) })
}

// keySource is one OpenID metadata document and the JWKS it points at.
type keySource struct {
	name        string
	metadataURL string
	client      *http.Client
	now         func() time.Time

	fetchMu sync.Mutex // one fetch at a time

	mu          sync.RWMutex
	keys        map[string]*signingKey
	loadedAt    time.Time
	lastAttempt time.Time
	lastForced  time.Time
	lastErr     error
	fetches     int
}

func newKeySource(name, metadataURL string, client *http.Client, now func() time.Time) *keySource {
	return &keySource{name: name, metadataURL: metadataURL, client: client, now: now}
}

func (s *keySource) get(kid string) *signingKey {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.keys[kid]
}

func (s *keySource) loaded() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return !s.loadedAt.IsZero()
}

// refresh fetches the metadata and the JWKS and replaces the key set.
func (s *keySource) refresh(ctx context.Context) error {
	s.fetchMu.Lock()
	defer s.fetchMu.Unlock()
	s.mu.Lock()
	s.lastAttempt = s.now()
	s.fetches++
	s.mu.Unlock()

	keys, err := s.fetch(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.lastErr = err
		return err
	}
	s.keys, s.loadedAt, s.lastErr = keys, s.now(), nil
	return nil
}

// refreshForUnknown refreshes because kid is not known, at most once per
// unknownKIDMinBackoff (an attacker must not turn bad tokens into a flood of
// requests to Microsoft). It reports whether a fetch happened.
func (s *keySource) refreshForUnknown(ctx context.Context, kid string) bool {
	s.mu.Lock()
	if _, ok := s.keys[kid]; ok {
		s.mu.Unlock()
		return false
	}
	now := s.now()
	if !s.lastForced.IsZero() && now.Sub(s.lastForced) < unknownKIDMinBackoff {
		s.mu.Unlock()
		return false
	}
	s.lastForced = now
	s.mu.Unlock()
	_ = s.refresh(ctx)
	return true
}

// ensureLoaded loads the keys if they never loaded, retrying a failed load
// at most every keyRetryMin.
func (s *keySource) ensureLoaded(ctx context.Context) {
	s.mu.RLock()
	need := s.loadedAt.IsZero() && (s.lastAttempt.IsZero() || s.now().Sub(s.lastAttempt) >= keyRetryMin)
	s.mu.RUnlock()
	if need {
		_ = s.refresh(ctx)
	}
}

func (s *keySource) fetch(ctx context.Context) (map[string]*signingKey, error) {
	ctx, cancel := context.WithTimeout(ctx, keyFetchTimeout)
	defer cancel()
	var meta struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := s.getJSON(ctx, s.metadataURL, &meta); err != nil {
		return nil, fmt.Errorf("%s OpenID metadata: %w", s.name, err)
	}
	if !strings.HasPrefix(meta.JWKSURI, "https://") && !strings.HasPrefix(meta.JWKSURI, "http://") {
		return nil, fmt.Errorf("%s OpenID metadata %s: no usable jwks_uri", s.name, s.metadataURL)
	}
	var set jwks
	if err := s.getJSON(ctx, meta.JWKSURI, &set); err != nil {
		return nil, fmt.Errorf("%s JWKS: %w", s.name, err)
	}
	keys, err := set.rsaKeys(s.name)
	if err != nil {
		return nil, fmt.Errorf("%s JWKS %s: %w", s.name, meta.JWKSURI, err)
	}
	return keys, nil
}

func (s *keySource) getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("GET %s: HTTP %d", url, resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadataBytes+1))
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	if len(b) > maxMetadataBytes {
		return fmt.Errorf("GET %s: document larger than %d bytes", url, maxMetadataBytes)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}

// jwks is a JSON Web Key Set as Microsoft serves it.
type jwks struct {
	Keys []struct {
		Kty          string   `json:"kty"`
		Use          string   `json:"use"`
		Kid          string   `json:"kid"`
		N            string   `json:"n"`
		E            string   `json:"e"`
		Endorsements []string `json:"endorsements"`
	} `json:"keys"`
}

// rsaKeys returns the usable RSA signing keys by kid; other keys are skipped.
func (j *jwks) rsaKeys(source string) (map[string]*signingKey, error) {
	out := make(map[string]*signingKey, len(j.Keys))
	var skipped []string
	for _, k := range j.Keys {
		if k.Kty != "RSA" || k.Kid == "" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		pub, err := rsaPublicKey(k.N, k.E)
		if err != nil {
			skipped = append(skipped, k.Kid+": "+err.Error())
			continue
		}
		out[k.Kid] = &signingKey{kid: k.Kid, pub: pub, endorsements: k.Endorsements, source: source}
	}
	if len(out) == 0 && len(skipped) > 0 {
		return nil, errors.New("no usable RSA keys (" + strings.Join(skipped, "; ") + ")")
	}
	return out, nil
}

func rsaPublicKey(n64, e64 string) (*rsa.PublicKey, error) {
	nb, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(n64, "="))
	if err != nil {
		return nil, fmt.Errorf("modulus: %w", err)
	}
	eb, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(e64, "="))
	if err != nil {
		return nil, fmt.Errorf("exponent: %w", err)
	}
	if len(eb) == 0 || len(eb) > 4 {
		return nil, errors.New("exponent out of range")
	}
	e := 0
	for _, b := range eb {
		e = e<<8 | int(b)
	}
	n := new(big.Int).SetBytes(nb)
	if e < 3 || e%2 == 0 {
		return nil, errors.New("exponent out of range")
	}
	if n.BitLen() < minRSABits {
		return nil, fmt.Errorf("modulus of %d bits is below %d", n.BitLen(), minRSABits)
	}
	return &rsa.PublicKey{N: n, E: e}, nil
}

// keyring is every key source the channel trusts: Bot Framework, and the
// tenant's Entra ID when a tenantId is configured.
type keyring struct {
	sources []*keySource
}

// lookup finds kid, loading never-loaded sources and, when kid is still
// unknown, refreshing (rate-limited) once.
func (r *keyring) lookup(ctx context.Context, kid string) *signingKey {
	for _, s := range r.sources {
		s.ensureLoaded(ctx)
		if k := s.get(kid); k != nil {
			return k
		}
	}
	for _, s := range r.sources {
		if s.refreshForUnknown(ctx, kid) {
			if k := s.get(kid); k != nil {
				return k
			}
		}
	}
	return nil
}

// ready reports whether the Bot Framework keys loaded at least once.
func (r *keyring) ready() error {
	s := r.sources[0]
	if s.loaded() {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.lastErr != nil {
		return fmt.Errorf("msteams: signing keys not loaded: %w", s.lastErr)
	}
	return errors.New("msteams: signing keys not loaded yet")
}

// run refreshes every source every keyRefreshInterval, retrying failures
// with backoff, until ctx ends.
func (r *keyring) run(ctx context.Context, onErr func(error)) {
	retry := keyRetryMin
	for {
		var failed error
		for _, s := range r.sources {
			if err := s.refresh(ctx); err != nil {
				failed = err
			}
		}
		wait := keyRefreshInterval
		if failed != nil {
			if ctx.Err() != nil {
				return
			}
			onErr(failed)
			wait = retry
			retry = min(retry*2, keyRetryMax)
		} else {
			retry = keyRetryMin
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// KeyStatus describes one key source in Status.
type KeyStatus struct {
	Source    string     `json:"source"`
	URL       string     `json:"url"`
	Keys      int        `json:"keys"`
	LoadedAt  *time.Time `json:"loadedAt,omitempty"`
	LastError string     `json:"lastError,omitempty"`
}

func (r *keyring) status() []KeyStatus {
	out := make([]KeyStatus, 0, len(r.sources))
	for _, s := range r.sources {
		s.mu.RLock()
		ks := KeyStatus{Source: s.name, URL: s.metadataURL, Keys: len(s.keys)}
		if !s.loadedAt.IsZero() {
			t := s.loadedAt
			ks.LoadedAt = &t
		}
		if s.lastErr != nil {
			ks.LastError = s.lastErr.Error()
		}
		s.mu.RUnlock()
		out = append(out, ks)
	}
	return out
}
