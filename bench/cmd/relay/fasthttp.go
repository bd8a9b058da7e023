package main

import (
	"bufio"
	"crypto/subtle"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// The fasthttp stack asks the lean stack's question with a well-kept
// library instead of hand-written code: the same relay on
// github.com/valyala/fasthttp's Server and HostClient, which keep no
// per-request goroutines or header maps and reuse request and response
// objects. Like the stdlib relay it copies the upstream's status and
// headers; a Content-Length answer is copied straight from the upstream
// connection, a stream with a flush per read through fasthttp's body stream
// writer (a goroutine and a pipe per stream: that is how fasthttp streams a
// response). It is a measurement, not a gateway: fasthttp has no
// per-request context that ends when the client leaves (a stream whose
// client left holds its upstream connection until the upstream's next
// write), no HTTP/2, and its own parser, so putting it in front of the
// gateway would need a security review of its own.
func serveFast(ln net.Listener, upstream, token string, conns int) error {
	u, err := url.Parse(upstream)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("the fasthttp stack needs an http:// upstream URL, got %q", upstream)
	}
	base := strings.TrimSuffix(upstream, "/")
	want := []byte("Bearer " + token)
	client := &fasthttp.HostClient{Addr: u.Host, MaxConns: conns, MaxConnWaitTimeout: 5 * time.Second, StreamResponseBody: true}
	h := func(ctx *fasthttp.RequestCtx) {
		if subtle.ConstantTimeCompare(ctx.Request.Header.Peek("Authorization"), want) != 1 {
			ctx.Error(`{"error":{"message":"unauthorized","type":"authentication_error"}}`, fasthttp.StatusUnauthorized)
			return
		}
		if !ctx.IsPost() {
			ctx.Error(`{"error":{"message":"bad request","type":"invalid_request_error"}}`, fasthttp.StatusBadRequest)
			return
		}
		req := fasthttp.AcquireRequest()
		req.SetRequestURI(base + strings.TrimPrefix(string(ctx.Path()), "/v1"))
		req.Header.SetMethod(fasthttp.MethodPost)
		req.Header.SetContentTypeBytes(ctx.Request.Header.ContentType())
		req.SetBodyRaw(ctx.PostBody())
		resp := fasthttp.AcquireResponse()
		err := client.Do(req, resp)
		fasthttp.ReleaseRequest(req)
		if err != nil {
			fasthttp.ReleaseResponse(resp)
			ctx.Error(`{"error":{"message":"upstream unreachable","type":"api_error"}}`, fasthttp.StatusBadGateway)
			return
		}
		ctx.SetStatusCode(resp.StatusCode())
		for k, v := range resp.Header.All() {
			switch string(k) { // no allocation: the compiler compares in place
			case fasthttp.HeaderContentLength, fasthttp.HeaderTransferEncoding, fasthttp.HeaderConnection:
			default:
				ctx.Response.Header.SetBytesKV(k, v)
			}
		}
		body := resp.BodyStream()
		if body == nil {
			ctx.SetBody(resp.Body())
			fasthttp.ReleaseResponse(resp)
			return
		}
		if n := resp.Header.ContentLength(); n >= 0 {
			// Copied by the server as it writes the answer, then closed.
			ctx.SetBodyStream(&upstreamBody{Reader: body, resp: resp}, n)
			return
		}
		ctx.SetBodyStreamWriter(func(w *bufio.Writer) {
			defer (&upstreamBody{Reader: body, resp: resp}).Close() //nolint:errcheck // read to the end or the client left
			buf := make([]byte, 16<<10)
			for {
				n, err := body.Read(buf)
				if n > 0 {
					if _, werr := w.Write(buf[:n]); werr != nil || w.Flush() != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		})
	}
	srv := &fasthttp.Server{Handler: h, NoDefaultServerHeader: true, ReadTimeout: 10 * time.Second}
	return srv.Serve(ln)
}

// upstreamBody is an upstream answer handed to the server as the client's
// body: closing it returns the upstream response to its pool.
type upstreamBody struct {
	io.Reader
	resp *fasthttp.Response
}

func (b *upstreamBody) Close() error {
	err := b.resp.CloseBodyStream()
	fasthttp.ReleaseResponse(b.resp)
	return err
}
