package registry

import (
	"context"
	"errors"
	"strings"

	"github.com/openclaw/openclaw-go/internal/provider"
)

// redactedKey replaces an API key found in an upstream's error text.
const redactedKey = "[redacted API key]"

// redacting wraps p so that no error it returns contains the API key.
// Some upstreams echo the key they rejected ("Incorrect API key provided:
// sk-…"); their messages reach client error bodies and logs, so the key is
// cut out at the provider boundary, once, for every adapter.
func redacting(p provider.Provider, key string) provider.Provider {
	return &redactProvider{Provider: p, key: key}
}

type redactProvider struct {
	provider.Provider
	key string
}

func (r *redactProvider) Stream(ctx context.Context, req *provider.Request) (provider.Stream, error) {
	s, err := r.Provider.Stream(ctx, req)
	if err != nil {
		return nil, r.clean(err)
	}
	return &redactStream{Stream: s, p: r}, nil
}

func (r *redactProvider) Embed(ctx context.Context, req *provider.EmbedRequest) (*provider.EmbedResponse, error) {
	res, err := r.Provider.Embed(ctx, req)
	return res, r.clean(err)
}

type redactStream struct {
	provider.Stream
	p *redactProvider
}

func (s *redactStream) Next() (provider.Delta, error) {
	d, err := s.Stream.Next()
	if err != nil {
		err = s.p.clean(err)
	}
	return d, err
}

// clean returns err with the key removed from its text. A *provider.Error
// keeps its type (callers branch on Kind and Status); other errors (io.EOF
// among them) are returned as they are unless their text holds the key.
func (r *redactProvider) clean(err error) error {
	if err == nil {
		return nil
	}
	if pe, ok := provider.AsError(err); ok {
		if strings.Contains(pe.Error(), r.key) || strings.Contains(pe.Hint, r.key) {
			return r.cleanProviderError(pe)
		}
		return err
	}
	if strings.Contains(err.Error(), r.key) {
		return errors.New(strings.ReplaceAll(err.Error(), r.key, redactedKey))
	}
	return err
}

func (r *redactProvider) cleanProviderError(pe *provider.Error) error {
	c := *pe
	c.Message = strings.ReplaceAll(c.Message, r.key, redactedKey)
	c.Hint = strings.ReplaceAll(c.Hint, r.key, redactedKey)
	if c.Err != nil && strings.Contains(c.Err.Error(), r.key) {
		c.Err = errors.New(strings.ReplaceAll(c.Err.Error(), r.key, redactedKey))
	}
	return &c
}
