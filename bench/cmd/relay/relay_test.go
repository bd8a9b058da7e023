package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/openclaw/openclaw-go/bench/mock"
)

// TestLeanStacks: the lean variants and the fasthttp one relay what the mock says, non-stream
// and stream, over one keep-alive connection, and refuse a wrong token.
func TestLeanStacks(t *testing.T) {
	t.Parallel()
	up := httptest.NewServer(mock.New(mock.Options{Chunks: 3}))
	t.Cleanup(up.Close)
	base := up.URL + "/v1"

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go serveLean(ln, base, "tok", 4) //nolint:errcheck // ends when the listener closes

	fln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fln.Close() })
	go serveFast(fln, base, "tok", 4) //nolint:errcheck // ends when the listener closes

	h, err := leanClientHandler(base, "tok", 4)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	for name, url := range map[string]string{"lean": "http://" + ln.Addr().String(), "lean-client": srv.URL, "fasthttp": "http://" + fln.Addr().String()} {
		t.Run(name, func(t *testing.T) {
			c := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
			for range 3 { // the same connections, upstream and downstream, each time
				body := post(t, c, url, "tok", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, 200)
				if !strings.Contains(body, `"content":"word0 word1 word2 "`) {
					t.Fatalf("non-stream body %s", body)
				}
				body = post(t, c, url, "tok", `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`, 200)
				var events []string
				sc := bufio.NewScanner(strings.NewReader(body))
				for sc.Scan() {
					if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
						events = append(events, d)
					}
				}
				if len(events) != 6 || events[5] != "[DONE]" || !strings.Contains(events[1], `"word0 "`) {
					t.Fatalf("stream events %q", events)
				}
			}
			post(t, c, url, "wrong", `{}`, 401)
		})
	}
}

func post(t *testing.T, c *http.Client, url, token, body string, want int) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/chat/completions", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != want {
		t.Fatalf("status %d (want %d), err %v: %s", resp.StatusCode, want, err, b)
	}
	return string(b)
}
