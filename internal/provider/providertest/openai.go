package providertest

import (
	"fmt"
	"strings"
	"time"
)

// openAIStream writes a chat.completion.chunk stream.
func (a *answer) openAIStream(req *Request) {
	id := fmt.Sprintf("chatcmpl-fake%d", a.n)
	created := time.Now().Unix()
	model := a.model(req)
	chunk := func(delta map[string]any, finish any) string {
		return sseData(map[string]any{
			"id": id, "object": "chat.completion.chunk", "created": created, "model": model,
			"system_fingerprint": "fp_fake",
			"choices":            []any{map[string]any{"index": 0, "delta": delta, "logprobs": nil, "finish_reason": finish}},
		})
	}
	if !a.send(chunk(map[string]any{"role": "assistant", "content": ""}, nil)) {
		return
	}
	for _, t := range a.textChunks() {
		if !a.chunk(chunk(map[string]any{"content": t}, nil)) {
			return
		}
	}
	started := make([]bool, len(a.rep.ToolCalls))
	for _, f := range a.fragments() {
		call := map[string]any{"index": f.call, "function": map[string]any{"arguments": f.args}}
		if !started[f.call] {
			started[f.call] = true
			call["id"] = a.toolID(f.call)
			call["type"] = "function"
			call["function"] = map[string]any{"name": a.rep.ToolCalls[f.call].Name, "arguments": ""}
			if !a.chunk(chunk(map[string]any{"tool_calls": []any{call}}, nil)) {
				return
			}
			call = map[string]any{"index": f.call, "function": map[string]any{"arguments": f.args}}
		}
		if !a.chunk(chunk(map[string]any{"tool_calls": []any{call}}, nil)) {
			return
		}
	}
	for i, ok := range started { // calls without arguments
		if !ok {
			call := map[string]any{"index": i, "id": a.toolID(i), "type": "function",
				"function": map[string]any{"name": a.rep.ToolCalls[i].Name, "arguments": ""}}
			if !a.chunk(chunk(map[string]any{"tool_calls": []any{call}}, nil)) {
				return
			}
		}
	}
	if !a.faultAtEnd() {
		return
	}
	if a.rep.StreamError != "" {
		a.send(sseData(map[string]any{"error": map[string]any{"message": "fake in-stream error", "type": a.rep.StreamError, "code": nil}}))
		return
	}
	if !a.send(chunk(map[string]any{}, a.finishReason())) {
		return
	}
	if u := a.rep.Usage; u != nil {
		if so, _ := req.JSON["stream_options"].(map[string]any); so["include_usage"] == true {
			a.send(sseData(map[string]any{
				"id": id, "object": "chat.completion.chunk", "created": created, "model": model, "choices": []any{},
				"usage": map[string]any{"prompt_tokens": u.PromptTokens, "completion_tokens": u.CompletionTokens, "total_tokens": u.TotalTokens},
			}))
		}
	}
	a.send("data: [DONE]\n\n")
}

// openAICompletion writes a non-streamed chat.completion.
func (a *answer) openAICompletion(req *Request) {
	msg := map[string]any{"role": "assistant", "content": a.rep.Text}
	if len(a.rep.ToolCalls) > 0 {
		var calls []any
		for i, tc := range a.rep.ToolCalls {
			calls = append(calls, map[string]any{"id": a.toolID(i), "type": "function",
				"function": map[string]any{"name": tc.Name, "arguments": tc.Arguments}})
		}
		msg["tool_calls"] = calls
		if a.rep.Text == "" {
			msg["content"] = nil
		}
	}
	body := map[string]any{
		"id": fmt.Sprintf("chatcmpl-fake%d", a.n), "object": "chat.completion", "created": time.Now().Unix(), "model": a.model(req),
		"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": a.finishReason()}},
	}
	if u := a.rep.Usage; u != nil {
		body["usage"] = map[string]any{"prompt_tokens": u.PromptTokens, "completion_tokens": u.CompletionTokens, "total_tokens": u.TotalTokens}
	}
	writeJSON(a.w, 200, body)
}

// embeddings answers POST /v1/embeddings.
func (a *answer) embeddings(req *Request) {
	var inputs []string
	switch in := req.JSON["input"].(type) {
	case string:
		inputs = []string{in}
	case []any:
		for _, v := range in {
			s, _ := v.(string)
			inputs = append(inputs, s)
		}
	}
	data := make([]any, len(inputs))
	tokens := 0
	for i, in := range inputs {
		vec := vectorFor(in, i)
		if i < len(a.rep.Embeddings) {
			vec = a.rep.Embeddings[i]
		}
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": vec}
		tokens += len(strings.Fields(in))
	}
	// Real servers may return data out of order; the index is what counts.
	for i, j := 0, len(data)-1; i < j; i, j = i+1, j-1 {
		data[i], data[j] = data[j], data[i]
	}
	usage := map[string]any{"prompt_tokens": tokens, "total_tokens": tokens}
	if u := a.rep.Usage; u != nil {
		usage = map[string]any{"prompt_tokens": u.PromptTokens, "total_tokens": u.TotalTokens}
	}
	writeJSON(a.w, 200, map[string]any{"object": "list", "data": data, "model": a.model(req), "usage": usage})
}
