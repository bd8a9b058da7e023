package providertest

import (
	"encoding/json"
	"fmt"
)

// stopReason maps a neutral finish reason to Anthropic's stop_reason.
func stopReason(finish string) string {
	switch finish {
	case "length":
		return "max_tokens"
	case "tool_calls":
		return "tool_use"
	case "content_filter":
		return "refusal"
	}
	return "end_turn"
}

func (a *answer) anthropicUsage() (in, out int) {
	if u := a.rep.Usage; u != nil {
		return u.PromptTokens, u.CompletionTokens
	}
	return 0, 0
}

// anthropicStream writes a Messages API event stream.
func (a *answer) anthropicStream(req *Request) {
	in, out := a.anthropicUsage()
	msgID := fmt.Sprintf("msg_fake%d", a.n)
	if !a.send(sseEvent("message_start", map[string]any{"type": "message_start", "message": map[string]any{
		"id": msgID, "type": "message", "role": "assistant", "model": a.model(req), "content": []any{},
		"stop_reason": nil, "stop_sequence": nil,
		"usage": map[string]any{"input_tokens": in, "output_tokens": 1},
	}})) {
		return
	}
	if !a.send(sseEvent("ping", map[string]any{"type": "ping"})) {
		return
	}
	index := 0
	if chunks := a.textChunks(); len(chunks) > 0 {
		if !a.send(sseEvent("content_block_start", map[string]any{"type": "content_block_start", "index": index,
			"content_block": map[string]any{"type": "text", "text": ""}})) {
			return
		}
		for _, t := range chunks {
			if !a.chunk(sseEvent("content_block_delta", map[string]any{"type": "content_block_delta", "index": index,
				"delta": map[string]any{"type": "text_delta", "text": t}})) {
				return
			}
		}
		if !a.send(sseEvent("content_block_stop", map[string]any{"type": "content_block_stop", "index": index})) {
			return
		}
		index++
	}
	first := index
	startBlock := func(i int) bool {
		return a.chunk(sseEvent("content_block_start", map[string]any{"type": "content_block_start", "index": first + i,
			"content_block": map[string]any{"type": "tool_use", "id": a.toolID(i), "name": a.rep.ToolCalls[i].Name, "input": map[string]any{}}}))
	}
	stopBlock := func(i int) bool {
		return a.send(sseEvent("content_block_stop", map[string]any{"type": "content_block_stop", "index": first + i}))
	}
	delta := func(f fragment) bool {
		return a.chunk(sseEvent("content_block_delta", map[string]any{"type": "content_block_delta", "index": first + f.call,
			"delta": map[string]any{"type": "input_json_delta", "partial_json": f.args}}))
	}
	frags := a.fragments()
	if a.rep.InterleaveToolCalls {
		for i := range a.rep.ToolCalls {
			if !startBlock(i) {
				return
			}
		}
		for _, f := range frags {
			if !delta(f) {
				return
			}
		}
		for i := range a.rep.ToolCalls {
			if !stopBlock(i) {
				return
			}
		}
	} else {
		for i := range a.rep.ToolCalls {
			if !startBlock(i) {
				return
			}
			for _, f := range frags {
				if f.call == i && !delta(f) {
					return
				}
			}
			if !stopBlock(i) {
				return
			}
		}
	}
	if !a.faultAtEnd() {
		return
	}
	if a.rep.StreamError != "" {
		a.send(sseEvent("error", map[string]any{"type": "error", "error": map[string]any{"type": a.rep.StreamError, "message": "fake in-stream error"}}))
		return
	}
	if !a.send(sseEvent("message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": stopReason(a.finishReason()), "stop_sequence": nil},
		"usage": map[string]any{"output_tokens": out}})) {
		return
	}
	a.send(sseEvent("message_stop", map[string]any{"type": "message_stop"}))
}

// anthropicMessage writes a non-streamed Messages API response.
func (a *answer) anthropicMessage(req *Request) {
	in, out := a.anthropicUsage()
	content := []any{}
	if a.rep.Text != "" {
		content = append(content, map[string]any{"type": "text", "text": a.rep.Text})
	}
	for i, tc := range a.rep.ToolCalls {
		var input any = map[string]any{}
		if tc.Arguments != "" {
			_ = json.Unmarshal([]byte(tc.Arguments), &input)
		}
		content = append(content, map[string]any{"type": "tool_use", "id": a.toolID(i), "name": tc.Name, "input": input})
	}
	writeJSON(a.w, 200, map[string]any{
		"id": fmt.Sprintf("msg_fake%d", a.n), "type": "message", "role": "assistant", "model": a.model(req),
		"content": content, "stop_reason": stopReason(a.finishReason()), "stop_sequence": nil,
		"usage": map[string]any{"input_tokens": in, "output_tokens": out},
	})
}
