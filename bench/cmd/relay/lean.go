package main

import (
	"bufio"
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The lean stack answers the question of issue #6 whether a gateway could
// cost less than the stdlib relay by leaving out net/http's Server and
// Transport while keeping its parsers (http.ReadRequest, http.ReadResponse):
// one goroutine per client connection reads a request, forwards it on an
// upstream connection it takes from a pool, and copies the response back,
// re-chunked with a flush per read, all on that goroutine. What it leaves
// out is what those types do for every request: the server's background
// read that watches for a client going away, the transport's read and write
// goroutines per connection and the hand-offs between them, header maps
// cloned and canonicalised twice, the Date header.
//
// It is an experiment, not a server to put in front of anything: HTTP/1.1
// with Content-Length bodies only, no timeouts beyond a read deadline, no
// 100-continue, no proxy, no TLS, no cancellation when the client leaves.

type leanRelay struct {
	host, prefix string // upstream host:port and path prefix (e.g. /v1)
	want         []byte
	pool         chan *leanUp
}

type leanUp struct {
	c  net.Conn
	br *bufio.Reader
	bw *bufio.Writer
}

func newLeanRelay(upstream, token string, conns int) (*leanRelay, error) {
	u, err := url.Parse(upstream)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("the lean stacks need an http:// upstream URL, got %q", upstream)
	}
	return &leanRelay{host: u.Host, prefix: strings.TrimSuffix(u.Path, "/"), want: []byte("Bearer " + token),
		pool: make(chan *leanUp, conns)}, nil
}

func serveLean(ln net.Listener, upstream, token string, conns int) error {
	r, err := newLeanRelay(upstream, token, conns)
	if err != nil {
		return err
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go r.serveConn(c)
	}
}

func (r *leanRelay) serveConn(c net.Conn) {
	defer c.Close()
	br := bufio.NewReaderSize(c, 4<<10)
	bw := bufio.NewWriterSize(c, 4<<10)
	buf := make([]byte, 16<<10)
	var body bytes.Buffer
	for {
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Minute))
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		keep := r.serve(bw, req, buf, &body) && !req.Close
		if bw.Flush() != nil || !keep {
			return
		}
	}
}

// serve answers one request; false means the connection cannot be reused.
func (r *leanRelay) serve(bw *bufio.Writer, req *http.Request, buf []byte, body *bytes.Buffer) bool {
	body.Reset()
	_, err := body.ReadFrom(io.LimitReader(req.Body, 4<<20))
	if err != nil || req.Method != http.MethodPost {
		leanError(bw, 400, `{"error":{"message":"bad request","type":"invalid_request_error"}}`)
		return false
	}
	if subtle.ConstantTimeCompare([]byte(req.Header.Get("Authorization")), r.want) != 1 {
		leanError(bw, 401, `{"error":{"message":"unauthorized","type":"authentication_error"}}`)
		return true
	}
	up, resp, err := r.roundTrip(req, body.Bytes())
	if err != nil {
		leanError(bw, 502, `{"error":{"message":"`+err.Error()+`","type":"api_error"}}`)
		return true
	}
	ok := copyResponse(bw, resp, buf)
	if ok && !resp.Close {
		r.put(up)
	} else {
		up.c.Close()
	}
	return ok
}

// copyResponse writes resp to the client: its headers, then its body with
// a flush per read, chunked unless its length is known.
func copyResponse(bw *bufio.Writer, resp *http.Response, buf []byte) bool {
	defer resp.Body.Close()
	fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\n", resp.StatusCode, http.StatusText(resp.StatusCode))
	for k, vs := range resp.Header {
		if k == "Content-Length" || k == "Transfer-Encoding" || k == "Connection" {
			continue // framing is this hop's
		}
		for _, v := range vs {
			bw.WriteString(k)
			bw.WriteString(": ")
			bw.WriteString(v)
			bw.WriteString("\r\n")
		}
	}
	chunked := resp.ContentLength < 0
	if chunked {
		bw.WriteString("Transfer-Encoding: chunked\r\n\r\n")
	} else {
		bw.WriteString("Content-Length: " + strconv.FormatInt(resp.ContentLength, 10) + "\r\n\r\n")
	}
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if chunked {
				bw.WriteString(strconv.FormatInt(int64(n), 16))
				bw.WriteString("\r\n")
			}
			bw.Write(buf[:n])
			if chunked {
				bw.WriteString("\r\n")
			}
			if bw.Flush() != nil {
				return false
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return false
		}
	}
	if chunked {
		bw.WriteString("0\r\n\r\n")
	}
	return true
}

func leanError(bw *bufio.Writer, status int, body string) {
	fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		status, http.StatusText(status), len(body), body)
}

// roundTrip forwards req with body on a pooled upstream connection and
// reads the response head; on failure the connection is closed and the
// error is a short message for the client.
func (r *leanRelay) roundTrip(req *http.Request, body []byte) (*leanUp, *http.Response, error) {
	up, err := r.get()
	if err != nil {
		return nil, nil, errors.New("upstream unreachable")
	}
	fmt.Fprintf(up.bw, "POST %s%s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		r.prefix, strings.TrimPrefix(req.URL.EscapedPath(), "/v1"), r.host, req.Header.Get("Content-Type"), len(body))
	_, _ = up.bw.Write(body)
	if err := up.bw.Flush(); err != nil {
		up.c.Close()
		return nil, nil, errors.New("upstream write failed")
	}
	resp, err := http.ReadResponse(up.br, nil)
	if err != nil {
		up.c.Close()
		return nil, nil, errors.New("upstream read failed")
	}
	return up, resp, nil
}

func (r *leanRelay) get() (*leanUp, error) {
	select {
	case u := <-r.pool:
		return u, nil
	default:
	}
	c, err := net.DialTimeout("tcp", r.host, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &leanUp{c: c, br: bufio.NewReaderSize(c, 4<<10), bw: bufio.NewWriterSize(c, 4<<10)}, nil
}

func (r *leanRelay) put(u *leanUp) {
	select {
	case r.pool <- u:
	default:
		u.c.Close()
	}
}

// leanClientHandler is the stdlib server with the lean upstream side: it
// tells the two halves' shares apart (-stack lean-client).
func leanClientHandler(upstream, token string, conns int) (http.Handler, error) {
	r, err := newLeanRelay(upstream, token, conns)
	if err != nil {
		return nil, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if subtle.ConstantTimeCompare([]byte(req.Header.Get("Authorization")), r.want) != 1 {
			http.Error(w, `{"error":{"message":"unauthorized","type":"authentication_error"}}`, http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, 4<<20))
		if err != nil || req.Method != http.MethodPost {
			http.Error(w, `{"error":{"message":"bad request","type":"invalid_request_error"}}`, http.StatusBadRequest)
			return
		}
		up, resp, err := r.roundTrip(req, body)
		if err != nil {
			http.Error(w, `{"error":{"message":"`+err.Error()+`","type":"api_error"}}`, http.StatusBadGateway)
			return
		}
		for k, v := range resp.Header {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(resp.StatusCode)
		fl, _ := w.(http.Flusher)
		buf := make([]byte, 16<<10)
		ok := true
		for {
			n, err := resp.Body.Read(buf)
			if n > 0 {
				if _, werr := w.Write(buf[:n]); werr != nil {
					ok = false
					break
				}
				fl.Flush()
			}
			if err != nil {
				ok = errors.Is(err, io.EOF)
				break
			}
		}
		resp.Body.Close()
		if ok && !resp.Close {
			r.put(up)
		} else {
			up.c.Close()
		}
	}), nil
}
