package gateway

import (
	"context"
	"log/slog"
)

// requestIDHandler adds the request id of the record's context to every log
// line, so that handlers deeper in the chain (openai, agent, channels) need
// not pass it along: any LogAttrs(ctx, …) made while serving a request
// carries request_id, which is also the X-Request-Id response header.
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
