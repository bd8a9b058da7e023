// Command relay is the floor of what any HTTP gateway must cost: it checks
// a bearer token, forwards the POST body to the upstream and copies the
// response back, flushing after every read. Nothing else. The load harness
// measures the gateway's overhead against this one's.
package main

import (
	"bytes"
	"crypto/subtle"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback)")
	upstream := flag.String("upstream", "", "upstream base URL ending in /v1, e.g. http://127.0.0.1:9000/v1")
	token := flag.String("token", "", "bearer token clients must send")
	conns := flag.Int("conns", 256, "keep-alive connections kept to the upstream")
	stack := flag.String("stack", "stdlib", "stdlib (net/http Server and Transport: the floor the harness compares against), or an experiment: lean, lean-client (lean.go), fasthttp (fasthttp.go)")
	flag.Parse()
	if *stack != "stdlib" && *stack != "lean" && *stack != "lean-client" && *stack != "fasthttp" {
		fmt.Fprintf(os.Stderr, "relay: -stack %q: want stdlib, lean, lean-client or fasthttp\n", *stack)
		os.Exit(2)
	}
	base := strings.TrimSuffix(*upstream, "/")
	want := []byte("Bearer " + *token)
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        *conns,
		MaxIdleConnsPerHost: *conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			http.Error(w, `{"error":{"message":"unauthorized","type":"authentication_error"}}`, http.StatusUnauthorized)
			return
		}
		// Read the whole body first: the server may close r.Body once the
		// response starts, which would abort a transport still writing it.
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4<<20))
		if err != nil || r.Method != http.MethodPost {
			http.Error(w, `{"error":{"message":"bad request","type":"invalid_request_error"}}`, http.StatusBadRequest)
			return
		}
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, base+strings.TrimPrefix(r.URL.Path, "/v1"), bytes.NewReader(body))
		req.Header.Set("Content-Type", r.Header.Get("Content-Type"))
		resp, err := tr.RoundTrip(req)
		if err != nil {
			http.Error(w, `{"error":{"message":"upstream unreachable","type":"api_error"}}`, http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		fl, _ := w.(http.Flusher)
		buf := make([]byte, 16<<10)
		for {
			n, err := resp.Body.Read(buf)
			if n > 0 {
				if _, werr := w.Write(buf[:n]); werr != nil {
					return
				}
				if fl != nil {
					fl.Flush()
				}
			}
			if err != nil {
				return
			}
		}
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "relay:", err)
		os.Exit(1)
	}
	fmt.Printf("http://%s\n", ln.Addr()) // the first line of stdout is the base URL, for scripts
	if *stack == "fasthttp" {
		fmt.Fprintln(os.Stderr, "relay:", serveFast(ln, *upstream, *token, *conns))
		os.Exit(1)
	}
	if *stack == "lean" {
		fmt.Fprintln(os.Stderr, "relay:", serveLean(ln, *upstream, *token, *conns))
		os.Exit(1)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	if *stack == "lean-client" {
		if srv.Handler, err = leanClientHandler(*upstream, *token, *conns); err != nil {
			fmt.Fprintln(os.Stderr, "relay:", err)
			os.Exit(2)
		}
	}
	fmt.Fprintln(os.Stderr, "relay:", srv.Serve(ln))
	os.Exit(1)
}
