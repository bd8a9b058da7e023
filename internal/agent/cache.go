package agent

import (
	"container/list"
	"sync"
	"unsafe"

	"github.com/openclaw/openclaw-go/internal/session"
)

// transcriptCache keeps recently used transcripts in memory so that a turn
// of a busy session does not reload its whole history from the store. It is
// write-through: an append that succeeded extends the cached copy, and only
// when the store's assigned Seq values show that the copy was contiguous;
// anything else (another writer got in between, the store did not report
// Seq) drops the entry, and the next turn reloads from the store.
//
// It is only safe when this process is the only writer of the store (the
// embedded stores); a shared store (several replicas) must not use it,
// since another replica's turns would not be seen until a mismatch.
//
// A cached transcript grows in place: readers get it with its capacity
// clipped, so the entries they see never change, and an append writes past
// their end (or into a new array when full) instead of copying the whole
// history on every turn.
type transcriptCache struct {
	mu       sync.Mutex
	maxBytes int
	bytes    int
	lru      *list.List // front = most recently used
	m        map[cacheID]*list.Element
}

type cached struct {
	key     cacheID
	entries []session.Entry
	bytes   int
}

func newTranscriptCache(maxBytes int) *transcriptCache {
	return &transcriptCache{maxBytes: maxBytes, lru: list.New(), m: map[cacheID]*list.Element{}}
}

// cacheID names a session in the cache (a struct, not a joined string: no
// allocation per lookup).
type cacheID struct{ agent, key string }

// entriesSize estimates the memory a transcript holds: the entries (their
// slice grows by doubling, hence the factor) and the data they point to.
func entriesSize(es []session.Entry) int {
	n := 0
	for _, e := range es {
		n += 2*int(unsafe.Sizeof(e)) + len(e.Content) + len(e.ToolCalls) + len(e.Usage) + len(e.Model) + len(e.TurnID) + len(e.Role) + len(e.ToolCallID)
	}
	return n
}

// get returns the cached transcript; the caller must not modify its
// entries (appending to the slice is fine: its capacity is clipped).
func (c *transcriptCache) get(agentID, key string) ([]session.Entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[cacheID{agentID, key}]
	if !ok {
		return nil, false
	}
	c.lru.MoveToFront(el)
	es := el.Value.(*cached).entries
	return es[:len(es):len(es)], true
}

// put stores a transcript loaded from the store.
func (c *transcriptCache) put(agentID, key string, entries []session.Entry) {
	k := cacheID{agentID, key}
	c.mu.Lock()
	defer c.mu.Unlock()
	// A concurrent turn may have extended the entry since this transcript
	// was read; never replace it with an older one.
	if el, ok := c.m[k]; ok && len(el.Value.(*cached).entries) >= len(entries) {
		return
	}
	c.set(k, entries)
}

// appended extends the cached transcript by a turn the store just accepted,
// or drops it when the turn's Seq values do not continue it.
func (c *transcriptCache) appended(agentID, key string, turn []session.Entry) {
	k := cacheID{agentID, key}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[k]
	if !ok {
		return
	}
	v := el.Value.(*cached)
	old := v.entries
	for i, e := range turn {
		if e.Seq != int64(len(old)+i+1) {
			c.remove(el)
			return
		}
	}
	// In place: readers hold old[:len(old):len(old)] and never see past it.
	v.entries = append(old, turn...)
	add := entriesSize(turn)
	v.bytes += add
	c.bytes += add
	c.lru.MoveToFront(el)
	if v.bytes > c.maxBytes/4 {
		c.remove(el) // too big to be worth holding
	}
	for c.bytes > c.maxBytes && c.lru.Len() > 0 {
		c.remove(c.lru.Back())
	}
}

// drop forgets a session (after a failed append).
func (c *transcriptCache) drop(agentID, key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[cacheID{agentID, key}]; ok {
		c.remove(el)
	}
}

func (c *transcriptCache) set(k cacheID, entries []session.Entry) {
	size := entriesSize(entries)
	if el, ok := c.m[k]; ok {
		c.remove(el)
	}
	if size > c.maxBytes/4 {
		return // too big to be worth holding
	}
	c.m[k] = c.lru.PushFront(&cached{key: k, entries: entries, bytes: size})
	c.bytes += size
	for c.bytes > c.maxBytes {
		c.remove(c.lru.Back())
	}
}

func (c *transcriptCache) remove(el *list.Element) {
	v := el.Value.(*cached)
	c.lru.Remove(el)
	delete(c.m, v.key)
	c.bytes -= v.bytes
}
