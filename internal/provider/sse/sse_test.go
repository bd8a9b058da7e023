package sse

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

type ev struct{ name, data string }

func readAll(r *Reader) ([]ev, error) {
	var out []ev
	for {
		e, err := r.Next()
		if err != nil {
			return out, err
		}
		out = append(out, ev{string(e.Name), string(e.Data)})
	}
}

func TestReader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []ev
		err  error
	}{
		{"data with a space", "data: hello\n\n", []ev{{"", "hello"}}, io.EOF},
		{"data without a space", "data:hello\n\n", []ev{{"", "hello"}}, io.EOF},
		{"only one leading space is stripped", "data:  two\n\n", []ev{{"", " two"}}, io.EOF},
		{"CRLF line endings", "event: a\r\ndata: x\r\n\r\n", []ev{{"a", "x"}}, io.EOF},
		{"lone CR line endings", "data: x\rdata: y\r\rdata: z\n\n", []ev{{"", "x\ny"}, {"", "z"}}, io.EOF},
		{"multi-line data joined with LF", "data: a\ndata: b\ndata:\n\n", []ev{{"", "a\nb\n"}}, io.EOF},
		{"comments ignored", ": keep-alive\ndata: x\n: more\n\n", []ev{{"", "x"}}, io.EOF},
		{"event name applies to its event only", "event: one\ndata: 1\n\ndata: 2\n\n", []ev{{"one", "1"}, {"", "2"}}, io.EOF},
		{"event without data is not dispatched", "event: ping\n\ndata: x\n\n", []ev{{"", "x"}}, io.EOF},
		{"id, retry and unknown fields ignored", "id: 7\nretry: 10\nfoo: bar\ndata: x\n\n", []ev{{"", "x"}}, io.EOF},
		{"field without colon", "data\n\n", []ev{{"", ""}}, io.EOF},
		{"pending event dispatched at EOF after a full line", "data: last\n", []ev{{"", "last"}}, io.EOF},
		{"EOF inside a line is truncation", "data: {\"a\":1}\n\ndata: {\"b\"", []ev{{"", `{"a":1}`}}, io.ErrUnexpectedEOF},
		{"blank lines between events", "\n\n\ndata: x\n\n\n", []ev{{"", "x"}}, io.EOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, small := range []bool{false, true} {
				var src io.Reader = strings.NewReader(tc.in)
				if small {
					src = iotest.OneByteReader(src)
				}
				got, err := readAll(NewReader(src, 0))
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				if len(got) != len(tc.want) {
					t.Fatalf("events = %q, want %q", got, tc.want)
				}
				for i := range got {
					if got[i] != tc.want[i] {
						t.Fatalf("event %d = %q, want %q", i, got[i], tc.want[i])
					}
				}
			}
		})
	}
}

func TestReaderLongLines(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 100<<10) // longer than the bufio buffer
	got, err := readAll(NewReader(strings.NewReader("data: "+long+"\r\n\r\n"), 1<<20))
	if err != io.EOF || len(got) != 1 || got[0].data != long {
		t.Fatalf("long line: %d events, err %v", len(got), err)
	}

	_, err = readAll(NewReader(strings.NewReader("data: "+long+"\n\n"), 64<<10))
	if !errors.Is(err, ErrTooLong) {
		t.Fatalf("line over the bound: err = %v, want ErrTooLong", err)
	}

	many := strings.Repeat("data: "+strings.Repeat("y", 1000)+"\n", 100) + "\n"
	_, err = readAll(NewReader(strings.NewReader(many), 50<<10))
	if !errors.Is(err, ErrTooLong) {
		t.Fatalf("event data over the bound: err = %v, want ErrTooLong", err)
	}
}

func TestReaderErrorIsSticky(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	r := NewReader(io.MultiReader(strings.NewReader("data: a\n\n"), iotest.ErrReader(boom)), 0)
	if e, err := r.Next(); err != nil || string(e.Data) != "a" {
		t.Fatalf("first event: %q %v", e.Data, err)
	}
	for range 2 {
		if _, err := r.Next(); !errors.Is(err, boom) {
			t.Fatalf("err = %v, want boom", err)
		}
	}
}

func BenchmarkReader(b *testing.B) {
	const event = `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" word"},"finish_reason":null}]}` + "\n\n"
	body := strings.Repeat(event, 1000)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	sr := strings.NewReader(body)
	r := NewReader(sr, 0)
	for b.Loop() {
		sr.Reset(body)
		r.br.Reset(sr)
		r.err = nil
		for {
			if _, err := r.Next(); err != nil {
				break
			}
		}
	}
}

func FuzzSSE(f *testing.F) {
	for _, s := range []string{
		"data: x\n\n", "event: e\r\ndata: {}\r\n\r\n", ": c\n", "data\rdata:\r\r", "data: a\ndata: b\n",
		"\r\n\r\n", "data:" + strings.Repeat("z", 300) + "\n\n", "event:\ndata: [DONE]\n\n",
	} {
		f.Add([]byte(s), uint16(64))
	}
	f.Fuzz(func(t *testing.T, in []byte, limit uint16) {
		r := NewReader(strings.NewReader(string(in)), int(limit))
		for i := 0; ; i++ {
			e, err := r.Next()
			if err != nil {
				break
			}
			if limit > 0 && len(e.Data) > int(limit) {
				t.Fatalf("event data %d bytes over the limit %d", len(e.Data), limit)
			}
			if i > len(in) {
				t.Fatal("more events than input bytes")
			}
		}
	})
}

// Buffered says true only when a whole event with data is already read
// from the source, so a relay that flushes when it says false never holds
// an event back while waiting.
func TestBuffered(t *testing.T) {
	pr, pw := io.Pipe()
	r := NewReader(pr, 0)
	defer r.Release()
	go pw.Write([]byte("data: a\n\ndata: b\n\ndata: c"))
	if _, err := r.Next(); err != nil { // reads the whole write into the buffer
		t.Fatal(err)
	}
	if !r.Buffered() {
		t.Error("event b is buffered, Buffered = false")
	}
	if ev, _ := r.Next(); string(ev.Data) != "b" {
		t.Fatalf("got %q", ev.Data)
	}
	if r.Buffered() {
		t.Error("only part of event c is buffered, Buffered = true")
	}
	go pw.Write([]byte("\n\n: keep-alive\n\n"))
	if ev, _ := r.Next(); string(ev.Data) != "c" {
		t.Fatalf("got %q", ev.Data)
	}
	if r.Buffered() {
		t.Error("a comment-only block is not an event, Buffered = true")
	}
	pw.CloseWithError(io.ErrUnexpectedEOF)
}
