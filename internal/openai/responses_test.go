package openai

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

type respOut struct {
	ID                 string  `json:"id"`
	Object             string  `json:"object"`
	CreatedAt          int64   `json:"created_at"`
	Status             string  `json:"status"`
	Model              string  `json:"model"`
	PreviousResponseID *string `json:"previous_response_id"`
	Error              *struct {
		Code, Message string
	} `json:"error"`
	Output []struct {
		Type      string `json:"type"`
		ID        string `json:"id"`
		Status    string `json:"status"`
		Role      string `json:"role"`
		CallID    string `json:"call_id"`
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
		Content   []struct {
			Type        string `json:"type"`
			Text        string `json:"text"`
			Annotations []any  `json:"annotations"`
		} `json:"content"`
	} `json:"output"`
	Usage *ResponseUsage `json:"usage"`
}

func TestResponsesNonStream(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.up.script(upstreamReply{chunks: textChunks("Hi ", "there")})
	resp, b := e.post(t, "/v1/responses", `{"model":"openclaw/main","instructions":"Speak like a pirate.","input":[
		{"type":"message","role":"developer","content":"No emoji."},
		{"role":"user","content":[{"type":"input_text","text":"hello"},{"type":"input_image","image_url":"`+pngData+`"}]},
		{"type":"reasoning","summary":[]},{"type":"item_reference","id":"x"}],"max_output_tokens":64,"temperature":0.2}`)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	var got respOut
	mustJSON(t, b, &got)
	if !strings.HasPrefix(got.ID, "resp_") || got.Object != "response" || got.Status != "completed" || got.Model != "openclaw/main" ||
		got.CreatedAt != fixedNow.Unix() || got.Error != nil || got.PreviousResponseID != nil {
		t.Errorf("envelope %s", b)
	}
	if len(got.Output) != 1 || got.Output[0].Type != "message" || !strings.HasPrefix(got.Output[0].ID, "msg_") ||
		got.Output[0].Role != "assistant" || got.Output[0].Content[0].Type != "output_text" ||
		got.Output[0].Content[0].Text != "Hi there" || got.Output[0].Content[0].Annotations == nil {
		t.Errorf("output %s", b)
	}
	if got.Usage == nil || *got.Usage != (ResponseUsage{InputTokens: 11, OutputTokens: 7, TotalTokens: 18}) {
		t.Errorf("usage %+v", got.Usage)
	}
	up := e.up.last(t)
	msgs := up["messages"].([]any)
	sys := msgs[0].(map[string]any)["content"].(string)
	if !strings.Contains(sys, "Speak like a pirate.") || !strings.Contains(sys, "No emoji.") || up["max_completion_tokens"] != float64(64) {
		t.Errorf("upstream: %v", up)
	}
	if raw, _ := json.Marshal(msgs[1]); !strings.Contains(string(raw), pngData) {
		t.Errorf("image not forwarded: %s", raw)
	}
}

// respEvents splits a named-event stream into (event, data) pairs and
// checks that type matches the event name and sequence numbers count up.
func respEvents(t *testing.T, body []byte) ([]string, []map[string]any) {
	t.Helper()
	s := string(body)
	if !strings.HasSuffix(s, "\n\n") {
		t.Fatalf("unterminated stream %q", s)
	}
	var names []string
	var datas []map[string]any
	for i, ev := range strings.Split(strings.TrimSuffix(s, "\n\n"), "\n\n") {
		name, data, ok := strings.Cut(ev, "\n")
		if !ok || !strings.HasPrefix(name, "event: ") || !strings.HasPrefix(data, "data: ") {
			t.Fatalf("bad event %q", ev)
		}
		name = strings.TrimPrefix(name, "event: ")
		var m map[string]any
		mustJSON(t, []byte(strings.TrimPrefix(data, "data: ")), &m)
		if m["type"] != name || m["sequence_number"] != float64(i) {
			t.Fatalf("event %d %s: type %v seq %v", i, name, m["type"], m["sequence_number"])
		}
		names = append(names, name)
		datas = append(datas, m)
	}
	return names, datas
}

func TestResponsesStream(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.up.script(upstreamReply{chunks: textChunks("Hi ", "there")})
	resp, b := e.post(t, "/v1/responses", `{"model":"openclaw","input":"hello","stream":true}`)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	names, datas := respEvents(t, b)
	want := "response.created response.in_progress response.output_item.added response.content_part.added " +
		"response.output_text.delta response.output_text.delta response.output_text.done response.content_part.done " +
		"response.output_item.done response.completed"
	if strings.Join(names, " ") != want {
		t.Fatalf("events:\n%s\nwant\n%s", strings.Join(names, " "), want)
	}
	final := datas[len(datas)-1]["response"].(map[string]any)
	if final["status"] != "completed" || final["usage"] == nil {
		t.Errorf("final %v", final)
	}
	golden(t, "responses_stream", b)
}

func TestResponsesStreamFunctionCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.up.script(upstreamReply{chunks: append([]string{chunk(`{"content":"Let me check."}`, "", "")},
		toolChunks("call_up1", "get_weather", `{"city":`, `"Paris"}`)...)})
	resp, b := e.post(t, "/v1/responses", `{"model":"openclaw","input":"weather?","stream":true,
		"tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"}}],"tool_choice":"required"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	names, datas := respEvents(t, b)
	want := "response.created response.in_progress " +
		"response.output_item.added response.content_part.added response.output_text.delta " +
		"response.output_text.done response.content_part.done response.output_item.done " +
		"response.output_item.added response.function_call_arguments.delta response.function_call_arguments.delta " +
		"response.function_call_arguments.done response.output_item.done response.completed"
	if strings.Join(names, " ") != want {
		t.Fatalf("events:\n%s\nwant\n%s", strings.Join(names, " "), want)
	}
	out := datas[len(datas)-1]["response"].(map[string]any)["output"].([]any)
	call := out[1].(map[string]any)
	if len(out) != 2 || call["type"] != "function_call" || call["call_id"] != "call_up1" || call["arguments"] != `{"city":"Paris"}` ||
		!strings.HasPrefix(call["id"].(string), "fc_") {
		t.Errorf("output %v", out)
	}
	golden(t, "responses_stream_tool", b)
}

func TestResponsesStreamFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.up.script(upstreamReply{chunks: textChunks("Hel", "lo", "never"), resetAfter: 3})
	_, b := e.post(t, "/v1/responses", `{"model":"openclaw","input":"hello","stream":true}`)
	names, datas := respEvents(t, b)
	if names[len(names)-1] != "response.failed" {
		t.Fatalf("events %v", names)
	}
	r := datas[len(datas)-1]["response"].(map[string]any)
	if r["status"] != "failed" || r["error"] == nil {
		t.Errorf("failed response %v", r)
	}
	// tool_choice required without a call fails the response too.
	e.up.script(upstreamReply{chunks: textChunks("no tools today")})
	_, b = e.post(t, "/v1/responses", `{"model":"openclaw","input":"x","stream":true,"tools":[{"type":"function","name":"f"}],"tool_choice":"required"}`)
	names, datas = respEvents(t, b)
	if names[len(names)-1] != "response.failed" ||
		datas[len(datas)-1]["response"].(map[string]any)["error"].(map[string]any)["code"] != "tool_call_required" {
		t.Errorf("events %v %v", names, datas[len(datas)-1])
	}
	_, b = e.post(t, "/v1/responses", `{"model":"openclaw","input":"x","tools":[{"type":"function","name":"f"}],"tool_choice":"required"}`)
	if str(decodeError(t, b).Error.Code) != "tool_call_required" {
		t.Errorf("non-stream %s", b)
	}
}

func TestResponsesPreviousResponseID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.up.script(upstreamReply{chunks: toolChunks("call_up1", "lookup", `{"q":"x"}`)},
		upstreamReply{chunks: textChunks("Found it.")}, upstreamReply{chunks: textChunks("You're welcome.")})
	tools := `"tools":[{"type":"function","name":"lookup"}]`
	resp, b := e.post(t, "/v1/responses", `{"model":"openclaw/coder","input":"find x",`+tools+`}`)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	var first respOut
	mustJSON(t, b, &first)
	if len(first.Output) != 1 || first.Output[0].Type != "function_call" || first.Output[0].CallID != "call_up1" {
		t.Fatalf("first %s", b)
	}
	if keys := e.store.keys(); len(keys) != 1 || keys[0] != "coder agent:coder:openresponses:"+first.ID {
		t.Fatalf("session keys %v", keys)
	}

	// The client returns the tool output, continuing by id only.
	resp, b = e.post(t, "/v1/responses", `{"model":"openclaw/coder","previous_response_id":"`+first.ID+`",`+tools+`,
		"input":[{"type":"function_call_output","call_id":"call_up1","output":"x is 42"}],"stream":true}`)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	_, datas := respEvents(t, b)
	second := datas[len(datas)-1]["response"].(map[string]any)
	if second["previous_response_id"] != first.ID {
		t.Errorf("previous_response_id %v", second["previous_response_id"])
	}
	raw, _ := json.Marshal(e.up.last(t)["messages"])
	for _, want := range []string{`"find x"`, `"call_up1"`, `"lookup"`, `"role":"tool"`, `"x is 42"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("continuation lacks %s: %s", want, raw)
		}
	}

	// The chain goes on from the streamed response.
	resp, b = e.post(t, "/v1/responses", `{"model":"openclaw/coder","previous_response_id":"`+second["id"].(string)+`","input":"thanks"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if raw, _ := json.Marshal(e.up.last(t)["messages"]); !strings.Contains(string(raw), "Found it.") {
		t.Errorf("third call lacks the second reply: %s", raw)
	}
	if keys := e.store.keys(); len(keys) != 1 {
		t.Errorf("one chain, one session; got %v", keys)
	}

	// Another agent or another caller cannot continue it.
	resp, b = e.post(t, "/v1/responses", `{"model":"openclaw/main","previous_response_id":"`+first.ID+`","input":"x"}`)
	if resp.StatusCode != 400 || str(decodeError(t, b).Error.Code) != "previous_response_agent_mismatch" {
		t.Errorf("other agent: %d %s", resp.StatusCode, b)
	}
	resp, b = e.post(t, "/v1/responses", `{"model":"openclaw/coder","user":"mallory","previous_response_id":"`+first.ID+`","input":"x"}`)
	if resp.StatusCode != 400 || str(decodeError(t, b).Error.Code) != "previous_response_not_found" {
		t.Errorf("other caller: %d %s", resp.StatusCode, b)
	}
}

func TestResponsesStoreFalseIsStateless(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, b := e.post(t, "/v1/responses", `{"model":"openclaw","input":"hi","store":false}`)
	var got respOut
	mustJSON(t, b, &got)
	if keys := e.store.keys(); len(keys) != 0 {
		t.Errorf("stored %v", keys)
	}
	resp, b := e.post(t, "/v1/responses", `{"model":"openclaw","input":"hi","previous_response_id":"`+got.ID+`"}`)
	if resp.StatusCode != 400 {
		t.Errorf("continuing a store:false response: %d %s", resp.StatusCode, b)
	}
}

func TestChainStoreBoundsAndExpiry(t *testing.T) {
	t.Parallel()
	now := fixedNow
	s := newChainStore(2, time.Hour, func() time.Time { return now })
	s.put("a", chain{agentID: "main"})
	s.put("b", chain{agentID: "main"})
	if _, ok := s.get("a"); !ok { // a is now the most recently used
		t.Fatal("a missing")
	}
	s.put("c", chain{agentID: "main"})
	if _, ok := s.get("b"); ok {
		t.Error("b should have been evicted (least recently used)")
	}
	if s.len() != 2 {
		t.Errorf("len %d", s.len())
	}
	now = now.Add(time.Hour)
	if _, ok := s.get("a"); ok {
		t.Error("a should have expired")
	}
	if s.len() != 1 {
		t.Errorf("len after expiry %d", s.len())
	}
}
