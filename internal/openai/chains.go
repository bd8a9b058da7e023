package openai

import (
	"container/list"
	"sync"
	"time"
)

// chain is what /v1/responses remembers about a response so that a
// follow-up with previous_response_id continues the same session.
type chain struct {
	agentID    string
	sessionKey string
	caller     string // the request's user field; "" when none was sent
}

// chainStore maps response ids to chains. It is bounded (least recently
// used entries go first) and entries expire after ttl. It is in memory
// only: it does not survive a restart, after which previous_response_id
// answers previous_response_not_found even though the session transcript
// is still in the session store.
type chainStore struct {
	mu   sync.Mutex
	max  int
	ttl  time.Duration
	now  func() time.Time
	ll   *list.List // front = most recently used
	byID map[string]*list.Element
}

type chainEntry struct {
	id      string
	c       chain
	expires time.Time
}

func newChainStore(max int, ttl time.Duration, now func() time.Time) *chainStore {
	return &chainStore{max: max, ttl: ttl, now: now, ll: list.New(), byID: make(map[string]*list.Element)}
}

// put remembers response id.
func (s *chainStore) put(id string, c chain) {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp := s.now().Add(s.ttl)
	if el, ok := s.byID[id]; ok {
		el.Value = &chainEntry{id: id, c: c, expires: exp}
		s.ll.MoveToFront(el)
		return
	}
	s.byID[id] = s.ll.PushFront(&chainEntry{id: id, c: c, expires: exp})
	for s.ll.Len() > s.max {
		s.remove(s.ll.Back())
	}
}

// get returns the chain of response id if it is known and not expired.
func (s *chainStore) get(id string) (chain, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.byID[id]
	if !ok {
		return chain{}, false
	}
	e := el.Value.(*chainEntry)
	if !s.now().Before(e.expires) {
		s.remove(el)
		return chain{}, false
	}
	s.ll.MoveToFront(el)
	return e.c, true
}

func (s *chainStore) remove(el *list.Element) {
	s.ll.Remove(el)
	delete(s.byID, el.Value.(*chainEntry).id)
}

func (s *chainStore) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ll.Len()
}
