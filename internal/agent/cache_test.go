package agent

import (
	"strings"
	"testing"

	"github.com/openclaw/openclaw-go/internal/session"
)

func seqEntries(from, n int) []session.Entry {
	out := make([]session.Entry, n)
	for i := range out {
		out[i] = session.Entry{Seq: int64(from + i), Role: "user", Content: "m"}
	}
	return out
}

func TestTranscriptCacheExtendsOnlyContiguousTurns(t *testing.T) {
	c := newTranscriptCache(1 << 20)
	c.put("a", "k", seqEntries(1, 2))
	c.appended("a", "k", seqEntries(3, 2))
	if got, ok := c.get("a", "k"); !ok || len(got) != 4 {
		t.Fatalf("contiguous append not cached: %d %v", len(got), ok)
	}
	// Another writer appended seq 5-6; our turn got 7-8: the copy is stale.
	c.appended("a", "k", seqEntries(7, 2))
	if _, ok := c.get("a", "k"); ok {
		t.Fatal("a gap in Seq must drop the cached transcript")
	}
}

func TestTranscriptCacheWithoutSeqDrops(t *testing.T) {
	c := newTranscriptCache(1 << 20)
	c.put("a", "k", seqEntries(1, 2))
	c.appended("a", "k", []session.Entry{{Role: "user"}}) // store reported no Seq
	if _, ok := c.get("a", "k"); ok {
		t.Fatal("an append without Seq must drop the entry")
	}
}

func TestTranscriptCacheNeverReplacesNewerWithOlder(t *testing.T) {
	c := newTranscriptCache(1 << 20)
	c.put("a", "k", seqEntries(1, 4))
	c.put("a", "k", seqEntries(1, 2)) // a slow reader's older view
	if got, _ := c.get("a", "k"); len(got) != 4 {
		t.Fatalf("older transcript replaced a newer one: %d entries", len(got))
	}
}

func TestTranscriptCacheIsBoundedByBytes(t *testing.T) {
	c := newTranscriptCache(4096)
	big := []session.Entry{{Seq: 1, Content: strings.Repeat("x", 600)}}
	for _, k := range []string{"k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8"} {
		c.put("a", k, big)
	}
	if c.bytes > 4096 {
		t.Fatalf("cache holds %d bytes, bound 4096", c.bytes)
	}
	if _, ok := c.get("a", "k8"); !ok {
		t.Fatal("most recent entry evicted")
	}
	if _, ok := c.get("a", "k1"); ok {
		t.Fatal("least recent entry kept past the bound")
	}
	huge := []session.Entry{{Seq: 1, Content: strings.Repeat("x", 4096)}}
	c.put("a", "huge", huge)
	if _, ok := c.get("a", "huge"); ok {
		t.Fatal("an entry larger than a quarter of the bound is cached")
	}
}

func TestTextAcc(t *testing.T) {
	var a textAcc
	if a.String() != "" {
		t.Fatal("empty")
	}
	a.add("one")
	if a.String() != "one" {
		t.Fatalf("%q", a.String())
	}
	a.add(" two")
	a.add("")
	a.add(" three")
	if got := a.String(); got != "one two three" {
		t.Fatalf("%q", got)
	}
	a.add(" four") // after String, more pieces still append
	if got := a.String(); got != "one two three four" {
		t.Fatalf("%q", got)
	}
}
