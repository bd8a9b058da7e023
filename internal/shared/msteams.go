package shared

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openclaw/openclaw-go/internal/channel/msteams"
)

// Keys of the Teams channel's state. The pairing keys share a hash tag so
// that the scripts touching several of them run on one Redis Cluster slot.
const (
	DedupPrefix      = "openclaw:msteams:dedup:"
	TokenPrefix      = "openclaw:msteams:token:"
	ReferencesKey    = "openclaw:msteams:references"
	pairingPending   = "openclaw:msteams:{pairing}:pending"  // hash senderId → request JSON
	pairingExpiry    = "openclaw:msteams:{pairing}:expiry"   // zset senderId → expiresAt (ms)
	pairingApproved  = "openclaw:msteams:{pairing}:approved" // set of senderIds
	pairingAlphabet  = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"    // as the file store: no 0/O, 1/I
	pairingCodeChars = 8
)

// Deduper is a msteams.Deduper shared by all replicas: an activity
// delivered twice (Bot Framework retries, possibly to another replica) is
// processed once. While Redis does not answer, each replica de-duplicates on
// its own.
type Deduper struct {
	r     *Redis
	local *msteams.MemoryDeduper
}

var _ msteams.Deduper = (*Deduper)(nil)

// NewDeduper returns the Redis de-duplication window on r.
func NewDeduper(r *Redis) *Deduper {
	return &Deduper{r: r, local: msteams.NewMemoryDeduper(r.health.now)}
}

// FirstSeen implements msteams.Deduper with SET NX PX. The local window
// records every key too, so that it is warm if Redis goes away.
func (d *Deduper) FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	localFirst, _ := d.local.FirstSeen(ctx, key, ttl)
	var first bool
	if d.r.do(ctx, "msteams dedup", func(ctx context.Context) error {
		var err error
		first, err = d.r.rdb.SetNX(ctx, DedupPrefix+key, "1", ttl).Result()
		return err
	}) {
		return first, nil
	}
	return localFirst, nil
}

// TokenCache is a msteams.TokenCache shared by all replicas, so that they
// do not each fetch a connector token. Entries expire with the token. While
// Redis does not answer, each replica caches its own.
//
// The tokens are bearer credentials at rest in Redis: protect it (AUTH,
// TLS, no public port) accordingly.
type TokenCache struct {
	r     *Redis
	local *msteams.MemoryTokenCache
}

var _ msteams.TokenCache = (*TokenCache)(nil)

// NewTokenCache returns the Redis token cache on r.
func NewTokenCache(r *Redis) *TokenCache {
	return &TokenCache{r: r, local: msteams.NewMemoryTokenCache()}
}

// Get implements msteams.TokenCache.
func (c *TokenCache) Get(ctx context.Context, key string) (msteams.Token, bool, error) {
	var (
		tok   msteams.Token
		found bool
	)
	if c.r.do(ctx, "msteams token get", func(ctx context.Context) error {
		b, err := c.r.rdb.Get(ctx, TokenPrefix+key).Bytes()
		if errors.Is(err, redis.Nil) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		return json.Unmarshal(b, &tok)
	}) {
		return tok, found, nil
	}
	return c.local.Get(ctx, key)
}

// Put implements msteams.TokenCache; the Redis entry expires when the token
// does.
func (c *TokenCache) Put(ctx context.Context, key string, tok msteams.Token) error {
	_ = c.local.Put(ctx, key, tok)
	ttl := tok.ExpiresAt.Sub(c.r.health.now())
	if ttl <= 0 {
		return c.Delete(ctx, key)
	}
	b, err := json.Marshal(tok)
	if err != nil {
		return err
	}
	c.r.do(ctx, "msteams token put", func(ctx context.Context) error {
		return c.r.rdb.Set(ctx, TokenPrefix+key, b, ttl).Err()
	})
	return nil
}

// Delete implements msteams.TokenCache.
func (c *TokenCache) Delete(ctx context.Context, key string) error {
	_ = c.local.Delete(ctx, key)
	c.r.do(ctx, "msteams token delete", func(ctx context.Context) error {
		return c.r.rdb.Del(ctx, TokenPrefix+key).Err()
	})
	return nil
}

// ReferenceStore is a msteams.ReferenceStore shared by all replicas: one
// hash, conversation id → reference JSON. It has no fallback; errors are
// returned.
type ReferenceStore struct{ r *Redis }

var _ msteams.ReferenceStore = (*ReferenceStore)(nil)

// NewReferenceStore returns the Redis reference store on r.
func NewReferenceStore(r *Redis) *ReferenceStore { return &ReferenceStore{r: r} }

// Put implements msteams.ReferenceStore.
func (s *ReferenceStore) Put(ctx context.Context, ref msteams.ConversationReference) error {
	b, err := json.Marshal(ref)
	if err != nil {
		return err
	}
	return s.r.doCtx(ctx, "msteams reference put", func(ctx context.Context) error {
		return s.r.rdb.HSet(ctx, ReferencesKey, ref.ConversationID, b).Err()
	})
}

// List implements msteams.ReferenceStore, ordered by conversation id.
func (s *ReferenceStore) List(ctx context.Context) ([]msteams.ConversationReference, error) {
	var m map[string]string
	if err := s.r.doCtx(ctx, "msteams reference list", func(ctx context.Context) error {
		var err error
		m, err = s.r.rdb.HGetAll(ctx, ReferencesKey).Result()
		return err
	}); err != nil {
		return nil, err
	}
	out := make([]msteams.ConversationReference, 0, len(m))
	for id, v := range m {
		var ref msteams.ConversationReference
		if err := json.Unmarshal([]byte(v), &ref); err != nil {
			return nil, fmt.Errorf("msteams reference %q in redis: %w", id, err)
		}
		out = append(out, ref)
	}
	slices.SortFunc(out, func(a, b msteams.ConversationReference) int {
		return strings.Compare(a.ConversationID, b.ConversationID)
	})
	return out, nil
}

// PairingStore is a msteams.PairingStore shared by all replicas and the
// CLI: a DM sender asking through one replica can be approved through
// another. It has the file store's rules (one pending request per sender,
// at most msteams.PairingMaxPending at a time, codes live
// msteams.PairingTTL). It has no fallback: while Redis does not answer,
// Request and Approve fail and Approved returns the error, so an unknown
// sender is not let in on a guess.
type PairingStore struct {
	r   *Redis
	now func() time.Time
}

var _ msteams.PairingStore = (*PairingStore)(nil)

// NewPairingStore returns the Redis pairing store on r (now nil: time.Now).
func NewPairingStore(r *Redis, now func() time.Time) *PairingStore {
	if now == nil {
		now = time.Now
	}
	return &PairingStore{r: r, now: now}
}

// expireLua drops the requests whose expiry is at or before ARGV[1] (ms).
const expireLua = `
for _, s in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])) do
	redis.call('HDEL', KEYS[1], s)
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
`

// requestScript returns {0, existing JSON}, {1, new JSON} or {2, ""} when
// full. ARGV: now ms, sender, new JSON, expiry ms, max pending.
var requestScript = redis.NewScript(expireLua + `
local cur = redis.call('HGET', KEYS[1], ARGV[2])
if cur then return {0, cur} end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[5]) then return {2, ''} end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
return {1, ARGV[3]}`)

// approveScript moves the request with code ARGV[2] (upper case) to the
// approved set and returns its JSON, or false. ARGV: now ms, code.
var approveScript = redis.NewScript(expireLua + `
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
	local ok, req = pcall(cjson.decode, all[i + 1])
	if ok and type(req) == 'table' and type(req.code) == 'string' and string.upper(req.code) == ARGV[2] then
		redis.call('SADD', KEYS[3], all[i])
		redis.call('HDEL', KEYS[1], all[i])
		redis.call('ZREM', KEYS[2], all[i])
		return all[i + 1]
	end
end
return false`)

var pairingKeys = []string{pairingPending, pairingExpiry, pairingApproved}

// Request implements msteams.PairingStore.
func (s *PairingStore) Request(ctx context.Context, req msteams.PairingRequest) (msteams.PairingRequest, bool, error) {
	code, err := newPairingCode()
	if err != nil {
		return msteams.PairingRequest{}, false, err
	}
	now := s.now()
	req.Code, req.CreatedAt, req.ExpiresAt = code, now, now.Add(msteams.PairingTTL)
	b, err := json.Marshal(req)
	if err != nil {
		return msteams.PairingRequest{}, false, err
	}
	var res []any
	if err := s.r.doCtx(ctx, "msteams pairing request", func(ctx context.Context) error {
		var err error
		res, err = requestScript.Run(ctx, s.r.rdb, pairingKeys,
			now.UnixMilli(), req.SenderID, b, req.ExpiresAt.UnixMilli(), msteams.PairingMaxPending).Slice()
		return err
	}); err != nil {
		return msteams.PairingRequest{}, false, err
	}
	if len(res) != 2 {
		return msteams.PairingRequest{}, false, fmt.Errorf("msteams pairing request: unexpected reply %v", res)
	}
	status, _ := res[0].(int64)
	if status == 2 {
		return msteams.PairingRequest{}, false, msteams.ErrPairingFull
	}
	var got msteams.PairingRequest
	if err := json.Unmarshal([]byte(fmt.Sprint(res[1])), &got); err != nil {
		return msteams.PairingRequest{}, false, fmt.Errorf("msteams pairing request in redis: %w", err)
	}
	return got, status == 1, nil
}

// Pending implements msteams.PairingStore: unexpired requests, oldest first.
func (s *PairingStore) Pending(ctx context.Context) ([]msteams.PairingRequest, error) {
	var m map[string]string
	if err := s.r.doCtx(ctx, "msteams pairing pending", func(ctx context.Context) error {
		var err error
		m, err = s.r.rdb.HGetAll(ctx, pairingPending).Result()
		return err
	}); err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]msteams.PairingRequest, 0, len(m))
	for sender, v := range m {
		var req msteams.PairingRequest
		if err := json.Unmarshal([]byte(v), &req); err != nil {
			return nil, fmt.Errorf("msteams pairing request of %q in redis: %w", sender, err)
		}
		if now.Before(req.ExpiresAt) {
			out = append(out, req)
		}
	}
	slices.SortFunc(out, func(a, b msteams.PairingRequest) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

// Approve implements msteams.PairingStore.
func (s *PairingStore) Approve(ctx context.Context, code string) (msteams.PairingRequest, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	var (
		v     string
		found bool
	)
	if err := s.r.doCtx(ctx, "msteams pairing approve", func(ctx context.Context) error {
		var err error
		v, err = approveScript.Run(ctx, s.r.rdb, pairingKeys, s.now().UnixMilli(), code).Text()
		if errors.Is(err, redis.Nil) {
			return nil
		}
		found = err == nil
		return err
	}); err != nil {
		return msteams.PairingRequest{}, err
	}
	if !found {
		return msteams.PairingRequest{}, msteams.ErrPairingNotFound
	}
	var req msteams.PairingRequest
	if err := json.Unmarshal([]byte(v), &req); err != nil {
		return msteams.PairingRequest{}, fmt.Errorf("msteams pairing request in redis: %w", err)
	}
	return req, nil
}

// Approved implements msteams.PairingStore; sender ids compare
// case-insensitively, as in the file store.
func (s *PairingStore) Approved(ctx context.Context, senderID string) (bool, error) {
	var ok bool
	err := s.r.doCtx(ctx, "msteams pairing approved", func(ctx context.Context) error {
		var err error
		if ok, err = s.r.rdb.SIsMember(ctx, pairingApproved, senderID).Result(); err != nil || ok {
			return err
		}
		// The approved list is a handful of ids: compare them all.
		all, err := s.r.rdb.SMembers(ctx, pairingApproved).Result()
		ok = slices.ContainsFunc(all, func(id string) bool { return strings.EqualFold(id, senderID) })
		return err
	})
	return ok, err
}

func newPairingCode() (string, error) {
	b := make([]byte, pairingCodeChars)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = pairingAlphabet[int(b[i])%len(pairingAlphabet)] // 256 is a multiple of 32: no bias
	}
	return string(b), nil
}
