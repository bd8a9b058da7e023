package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/openclaw/openclaw-go/internal/apierr"
	"github.com/openclaw/openclaw-go/internal/version"
)

// Surface is the X-OpenClaw-Surface value of every response of the main
// gateway listener.
const Surface = "gateway"

// MaxBodyBytes is the request body limit (spec: 20 MB).
const MaxBodyBytes = 20 << 20

type ctxKey int

const requestIDKey ctxKey = iota

// RequestID returns the request id of ctx, "" if none.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// requestIDs makes short unique ids cheaply: a random per-process prefix and
// a counter.
type requestIDs struct {
	prefix string
	n      atomic.Uint64
}

func newRequestIDs() *requestIDs {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return &requestIDs{prefix: "req_" + hex.EncodeToString(b[:]) + "_"}
}

func (g *requestIDs) next() string {
	return g.prefix + hexUint(g.n.Add(1))
}

func hexUint(v uint64) string {
	const digits = "0123456789abcdef"
	var buf [16]byte
	i := len(buf)
	for {
		i--
		buf[i] = digits[v&15]
		v >>= 4
		if v == 0 {
			break
		}
	}
	return string(buf[i:])
}

// statusRecorder remembers the status for logging and metrics. It keeps
// http.ResponseController working through Unwrap.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// common is the outer middleware of the main listener, in the order of the
// chain: request id → surface headers → access log → recover → body limit.
func (s *Server) common(next http.Handler) http.Handler {
	ids := newRequestIDs()
	ver := []string{version.Version()}
	surface := []string{Surface}
	log := s.log
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 128 {
			id = ids.next()
		}
		h := w.Header()
		h["X-Request-Id"] = []string{id}
		h["X-Openclaw-Surface"] = surface
		h["X-Openclaw-Version"] = ver
		rec := &statusRecorder{ResponseWriter: w}
		route := routeLabel(r.URL.Path)
		inflight := s.metrics.inflight.with(route)
		inflight.Inc()
		defer inflight.Dec()
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		if r.ContentLength > MaxBodyBytes {
			apierr.Write(rec, tooLarge())
		} else {
			if r.Body != nil && r.Body != http.NoBody {
				r.Body = http.MaxBytesReader(rec, r.Body, MaxBodyBytes)
			}
			func() {
				defer func() {
					if v := recover(); v != nil {
						if v == http.ErrAbortHandler {
							panic(v)
						}
						log.ErrorContext(r.Context(), "panic in handler",
							slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
						if rec.status == 0 {
							apierr.Write(rec, apierr.From(nil))
						}
					}
				}()
				next.ServeHTTP(rec, r)
			}()
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		s.metrics.observe(route, rec.status, time.Since(start))
		if log.Enabled(r.Context(), slog.LevelDebug) || rec.status >= 500 {
			lvl := slog.LevelDebug
			if rec.status >= 500 {
				lvl = slog.LevelWarn
			}
			log.LogAttrs(r.Context(), lvl, "http request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path), slog.Int("status", rec.status),
				slog.String("remote", r.RemoteAddr), slog.Duration("duration", time.Since(start)))
		}
	})
}

func tooLarge() *apierr.Error {
	return apierr.New(http.StatusRequestEntityTooLarge, "request_too_large",
		"The request body is larger than the 20 MB limit.", "send a smaller request (fewer or smaller images)")
}
