package sse

import (
	"io"
	"strings"
	"sync"
	"testing"
)

func TestReleaseResetsForTheNextStream(t *testing.T) {
	// Not parallel (nor are the other tests that look at a released
	// reader): a parallel test could take it from the pool meanwhile.
	r := NewReader(strings.NewReader("data: a\n\nevent: x\ndata: buffered, never read\n"), 0)
	if e, err := r.Next(); err != nil || string(e.Data) != "a" {
		t.Fatalf("%q %v", e.Data, err)
	}
	r.Release()
	if _, err := r.Next(); err == nil {
		t.Fatal("Next after Release succeeded")
	}
	r.Release() // a second Release is a no-op

	for range 3 {
		r2 := NewReader(strings.NewReader("data: b\n\n"), 0)
		got, err := readAll(r2)
		if err != io.EOF || len(got) != 1 || got[0].name != "" || got[0].data != "b" {
			t.Fatalf("reused reader: %+v %v", got, err)
		}
		r2.Release()
	}
}

func TestReleaseDropsLargeBuffers(t *testing.T) {
	long := strings.Repeat("x", 100<<10)
	r := NewReader(strings.NewReader("data: "+long+"\n\n"), 1<<20)
	if e, err := r.Next(); err != nil || len(e.Data) != len(long) {
		t.Fatalf("%d %v", len(e.Data), err)
	}
	if r.br.Size() != bufSize {
		t.Errorf("read buffer %d bytes, want %d", r.br.Size(), bufSize)
	}
	r.Release()
	if r.line != nil || r.data != nil {
		t.Errorf("buffers of %d and %d bytes kept for the pool", cap(r.line), cap(r.data))
	}
}

func TestSmallBoundIsNotPooled(t *testing.T) {
	t.Parallel()
	r := NewReader(strings.NewReader("data: a\n\n"), 64)
	if r.pooled || r.br.Size() != 64 {
		t.Fatalf("pooled %v, buffer %d", r.pooled, r.br.Size())
	}
	r.Release()
	if e, err := r.Next(); err != nil || string(e.Data) != "a" {
		t.Fatalf("unpooled reader after Release: %q %v", e.Data, err)
	}
}

// released reports whether the lease gave its reader back.
func released(l *Lease) bool { return l.r == nil && l.state.Load() == leaseClosed }

func TestLease(t *testing.T) {
	t.Parallel()
	newLease := func() (*Lease, *Reader) {
		r := NewReader(strings.NewReader("data: a\n\ndata: b\n\n"), 0)
		l := new(Lease)
		l.Init(r)
		return l, r
	}

	// Close while idle releases at once.
	l, r := newLease()
	if l.Begin() != r {
		t.Fatal("Begin")
	}
	l.Finish(false)
	l.Close()
	if !released(l) || l.Begin() != nil {
		t.Fatal("Close while idle did not release")
	}
	l.Close()

	// Close during a read releases when the read finishes.
	l, r = newLease()
	if l.Begin() != r {
		t.Fatal("Begin")
	}
	l.Close()
	if released(l) {
		t.Fatal("released during a read")
	}
	l.Finish(false)
	if !released(l) || l.Begin() != nil {
		t.Fatal("not released after the read")
	}

	// The end of the stream releases; Close afterwards does nothing.
	l, _ = newLease()
	l.Begin()
	l.Finish(true)
	if !released(l) || l.Begin() != nil {
		t.Fatal("Finish(true) did not release")
	}
	l.Close()

	// The zero Lease holds nothing.
	var z Lease
	if z.Begin() != nil {
		t.Fatal("zero Lease")
	}
	z.Close()
}

// TestLeaseConcurrentClose races Close against reads; run with -race.
func TestLeaseConcurrentClose(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("data: x\n\n", 1000)
	for range 200 {
		l := new(Lease)
		l.Init(NewReader(strings.NewReader(body), 0))
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				rd := l.Begin()
				if rd == nil {
					return
				}
				_, err := rd.Next()
				l.Finish(err != nil)
			}
		}()
		l.Close()
		wg.Wait()
		if !released(l) {
			t.Fatal("reader not released")
		}
	}
}
