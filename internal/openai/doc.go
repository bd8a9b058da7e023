// Package openai is the OpenAI-compatible HTTP surface of the gateway: the
// wire types and handlers for /v1/models, /v1/chat/completions,
// /v1/embeddings and /v1/responses. It decodes and validates requests,
// turns them into one agent turn (package agent), and encodes the reply as
// JSON or as server-sent events.
//
// It does not authenticate, limit body sizes or set the surface headers:
// the gateway wraps NewHandler's handler with that middleware. It never
// talks to a provider directly; every model id is an agent target.
package openai
