package openai

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// errCase is one rejected request and the error it must produce.
type errCase struct {
	name    string
	method  string // default POST
	path    string
	body    string
	headers []string
	status  int
	typ     string
	code    string
	param   string // "<null>" for none
}

const (
	userHi = `{"role":"user","content":"hi"}`
)

func chatBody(fields string) string {
	if fields != "" {
		fields = "," + fields
	}
	return `{"model":"openclaw","messages":[` + userHi + `]` + fields + `}`
}

func chatMsgs(msgs string) string { return `{"model":"openclaw","messages":[` + msgs + `]}` }

func image(url string) string {
	return `{"type":"image_url","image_url":{"url":"` + url + `"}}`
}

const pngData = "data:image/png;base64,iVBORw0KGgo="

var chatErrCases = []errCase{
	// Transport-level rules.
	{name: "malformed JSON is invalid_json", body: `{"model":`, status: 400, typ: "invalid_request_error", code: "invalid_json", param: "<null>"},
	{name: "trailing garbage is invalid_json", body: chatBody("") + "x", status: 400, typ: "invalid_request_error", code: "invalid_json", param: "<null>"},
	{name: "empty body is invalid_json", body: " ", status: 400, typ: "invalid_request_error", code: "invalid_json", param: "<null>"},
	{name: "invalid UTF-8 inside a string is invalid_json, not silently replaced", body: "{\"model\":\"openclaw\",\"messages\":[{\"role\":\"user\",\"content\":\"a\xffb\"}]}",
		status: 400, typ: "invalid_request_error", code: "invalid_json", param: "<null>"},
	{name: "a JSON array body is invalid_json", body: `[1]`, status: 400, typ: "invalid_request_error", code: "invalid_json", param: "<null>"},
	{name: "text/plain is 415", body: chatBody(""), headers: []string{"Content-Type", "text/plain"}, status: 415, typ: "invalid_request_error", code: "unsupported_media_type", param: "<null>"},
	{name: "form encoding is 415", body: chatBody(""), headers: []string{"Content-Type", "application/x-www-form-urlencoded"}, status: 415, code: "unsupported_media_type", param: "<null>"},
	{name: "missing content type is 415", body: chatBody(""), headers: []string{"Content-Type", ""}, status: 415, code: "unsupported_media_type", param: "<null>"},
	{name: "a non-UTF-8 charset is 415", body: chatBody(""), headers: []string{"Content-Type", "application/json; charset=latin1"}, status: 415, code: "unsupported_media_type", param: "<null>"},
	{name: "charset utf-8 is accepted (then model is checked)", body: `{"messages":[` + userHi + `]}`, headers: []string{"Content-Type", "application/json; charset=UTF-8"}, status: 400, code: "missing_required_parameter", param: "model"},
	{name: "GET is 405", method: "GET", status: 405, typ: "invalid_request_error", code: "method_not_allowed", param: "<null>"},
	{name: "body over the limit is 413", body: `{"model":"openclaw","x":"` + strings.Repeat("a", 1<<20) + `"}`, status: 413, code: "request_too_large", param: "<null>"},

	// model.
	{name: "model is required", body: `{"messages":[` + userHi + `]}`, status: 400, typ: "invalid_request_error", code: "missing_required_parameter", param: "model"},
	{name: "model must be a string", body: `{"model":5,"messages":[` + userHi + `]}`, status: 400, code: "invalid_type", param: "model"},
	{name: "a provider model id is not a model here", body: `{"model":"gpt-4o","messages":[` + userHi + `]}`, status: 404, typ: "not_found_error", code: "model_not_found", param: "model"},
	{name: "unknown agent is model_not_found", body: `{"model":"openclaw/nope","messages":[` + userHi + `]}`, status: 404, typ: "not_found_error", code: "model_not_found", param: "model"},
	{name: "unknown agent via agent: alias", body: `{"model":"agent:nope","messages":[` + userHi + `]}`, status: 404, code: "model_not_found", param: "model"},
	{name: "empty agent id", body: `{"model":"openclaw/","messages":[` + userHi + `]}`, status: 404, code: "model_not_found", param: "model"},
	{name: "unknown x-openclaw-agent-id", body: chatBody(""), headers: []string{"X-Openclaw-Agent-Id", "nope"}, status: 404, code: "model_not_found", param: "model"},

	// messages.
	{name: "messages is required", body: `{"model":"openclaw"}`, status: 400, code: "missing_required_parameter", param: "messages"},
	{name: "messages must not be empty", body: `{"model":"openclaw","messages":[]}`, status: 400, code: "missing_required_parameter", param: "messages"},
	{name: "messages must be an array", body: `{"model":"openclaw","messages":{}}`, status: 400, code: "invalid_type", param: "messages"},
	{name: "role is required", body: chatMsgs(`{"content":"x"}`), status: 400, code: "missing_required_parameter", param: "messages[0].role"},
	{name: "unknown role names its index", body: chatMsgs(userHi + `,{"role":"function","content":"x"}`), status: 400, code: "invalid_value", param: "messages[1].role"},
	{name: "role must be a string, with its index", body: chatMsgs(userHi + `,` + userHi + `,{"role":7,"content":"x"}`), status: 400, code: "invalid_type", param: "messages[2].role"},
	{name: "tool messages need tool_call_id", body: chatMsgs(userHi + `,{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","content":"42"}`), status: 400, code: "missing_required_parameter", param: "messages[2].tool_call_id"},
	{name: "user content is required", body: chatMsgs(`{"role":"user"}`), status: 400, code: "missing_required_parameter", param: "messages[0].content"},
	{name: "content must be a string or parts", body: chatMsgs(`{"role":"user","content":5}`), status: 400, code: "invalid_type", param: "messages[0].content"},
	{name: "unknown part type names the part", body: chatMsgs(`{"role":"user","content":[{"type":"text","text":"a"},{"type":"input_audio"}]}`), status: 400, code: "invalid_value", param: "messages[0].content[1].type"},
	{name: "part text must be a string", body: chatMsgs(`{"role":"user","content":[{"type":"text","text":1}]}`), status: 400, code: "invalid_type", param: "messages[0].content[0].text"},
	{name: "assistant needs content or tool_calls", body: chatMsgs(userHi + `,{"role":"assistant"},` + userHi), status: 400, code: "missing_required_parameter", param: "messages[1].content"},
	{name: "assistant tool call needs an id", body: chatMsgs(userHi + `,{"role":"assistant","tool_calls":[{"type":"function","function":{"name":"f","arguments":"{}"}}]}`), status: 400, code: "missing_required_parameter", param: "messages[1].tool_calls[0].id"},
	{name: "assistant tool call needs a name", body: chatMsgs(userHi + `,{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"arguments":"{}"}}]}`), status: 400, code: "missing_required_parameter", param: "messages[1].tool_calls[0].function.name"},
	{name: "tool call arguments must be a string", body: chatMsgs(userHi + `,{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":{}}}]}`), status: 400, code: "invalid_type", param: "messages[1].tool_calls[0].function.arguments"},
	{name: "only assistants carry tool_calls", body: chatMsgs(`{"role":"user","content":"x","tool_calls":[{"id":"c","type":"function","function":{"name":"f"}}]}`), status: 400, code: "invalid_value", param: "messages[0].tool_calls"},
	{name: "system messages alone are not a turn", body: chatMsgs(`{"role":"system","content":"be brief"}`), status: 400, code: "invalid_value", param: "messages"},

	// Sampling and limits.
	{name: "temperature above 2", body: chatBody(`"temperature":2.5`), status: 400, code: "invalid_value", param: "temperature"},
	{name: "temperature below 0", body: chatBody(`"temperature":-0.1`), status: 400, code: "invalid_value", param: "temperature"},
	{name: "temperature must be a number", body: chatBody(`"temperature":"hot"`), status: 400, code: "invalid_type", param: "temperature"},
	{name: "top_p above 1", body: chatBody(`"top_p":1.5`), status: 400, code: "invalid_value", param: "top_p"},
	{name: "frequency_penalty below -2", body: chatBody(`"frequency_penalty":-3`), status: 400, code: "invalid_value", param: "frequency_penalty"},
	{name: "presence_penalty above 2", body: chatBody(`"presence_penalty":2.5`), status: 400, code: "invalid_value", param: "presence_penalty"},
	{name: "max_tokens must be positive", body: chatBody(`"max_tokens":0`), status: 400, code: "invalid_value", param: "max_tokens"},
	{name: "max_completion_tokens must be positive", body: chatBody(`"max_completion_tokens":-1`), status: 400, code: "invalid_value", param: "max_completion_tokens"},
	{name: "max_tokens must be an integer", body: chatBody(`"max_tokens":1.5`), status: 400, code: "invalid_type", param: "max_tokens"},
	{name: "seed must be an integer", body: chatBody(`"seed":1.5`), status: 400, code: "invalid_type", param: "seed"},
	{name: "stop allows at most 4", body: chatBody(`"stop":["a","b","c","d","e"]`), status: 400, code: "invalid_value", param: "stop"},
	{name: "stop entries must not be empty", body: chatBody(`"stop":["a",""]`), status: 400, code: "invalid_value", param: "stop[1]"},
	{name: "stop must be a string or strings", body: chatBody(`"stop":5`), status: 400, code: "invalid_type", param: "stop"},
	{name: "n above 1 is rejected", body: chatBody(`"n":2`), status: 400, code: "unsupported_value", param: "n"},
	{name: "stream must be a boolean", body: chatBody(`"stream":"yes"`), status: 400, code: "invalid_type", param: "stream"},
	{name: "include_usage must be a boolean", body: chatBody(`"stream":true,"stream_options":{"include_usage":1}`), status: 400, code: "invalid_type", param: "stream_options.include_usage"},

	// tools and tool_choice.
	{name: "non-function tool type", body: chatBody(`"tools":[{"type":"retrieval"}]`), status: 400, code: "invalid_value", param: "tools[0].type"},
	{name: "function tool without function", body: chatBody(`"tools":[{"type":"function"}]`), status: 400, code: "missing_required_parameter", param: "tools[0].function"},
	{name: "function tool without name", body: chatBody(`"tools":[{"type":"function","function":{"name":"ok"}},{"type":"function","function":{"description":"d"}}]`), status: 400, code: "missing_required_parameter", param: "tools[1].function.name"},
	{name: "function names are restricted", body: chatBody(`"tools":[{"type":"function","function":{"name":"get weather"}}]`), status: 400, code: "invalid_value", param: "tools[0].function.name"},
	{name: "duplicate function names", body: chatBody(`"tools":[{"type":"function","function":{"name":"f"}},{"type":"function","function":{"name":"f"}}]`), status: 400, code: "invalid_value", param: "tools[1].function.name"},
	{name: "parameters must be an object", body: chatBody(`"tools":[{"type":"function","function":{"name":"f","parameters":"x"}}]`), status: 400, code: "invalid_type", param: "tools[0].function.parameters"},
	{name: "unknown tool_choice string", body: chatBody(`"tool_choice":"sometimes"`), status: 400, code: "invalid_value", param: "tool_choice"},
	{name: "tool_choice required needs tools", body: chatBody(`"tool_choice":"required"`), status: 400, code: "invalid_value", param: "tool_choice"},
	{name: "tool_choice pins an unknown function", body: chatBody(`"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"g"}}`), status: 400, code: "invalid_value", param: "tool_choice"},
	{name: "tool_choice allowed_tools variant", body: chatBody(`"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"allowed_tools"}`), status: 400, code: "invalid_value", param: "tool_choice"},
	{name: "tool_choice must be a string or object", body: chatBody(`"tool_choice":3`), status: 400, code: "invalid_value", param: "tool_choice"},

	// Images.
	{name: "more than 8 images in the latest user message", body: chatMsgs(`{"role":"user","content":[` + strings.TrimSuffix(strings.Repeat(image(pngData)+",", 9), ",") + `]}`), status: 400, code: "too_many_images", param: "messages[0].content"},
	{name: "URL images are off by default", body: chatMsgs(`{"role":"user","content":[{"type":"text","text":"what"},` + image("https://example.com/a.png") + `]}`), status: 400, code: "image_url_not_allowed", param: "messages[0].content[1].image_url.url"},
	{name: "other URL schemes are rejected", body: chatMsgs(`{"role":"user","content":[` + image("file:///etc/passwd") + `]}`), status: 400, code: "invalid_value", param: "messages[0].content[0].image_url.url"},
	{name: "non-image data URLs are rejected", body: chatMsgs(`{"role":"user","content":[` + image("data:image/svg+xml;base64,PHN2Zz4=") + `]}`), status: 400, code: "invalid_value", param: "messages[0].content[0].image_url.url"},
	{name: "data URLs must be base64", body: chatMsgs(`{"role":"user","content":[` + image("data:image/png,abc") + `]}`), status: 400, code: "invalid_value", param: "messages[0].content[0].image_url.url"},
	{name: "image_url needs a url", body: chatMsgs(`{"role":"user","content":[{"type":"image_url","image_url":{}}]}`), status: 400, code: "missing_required_parameter", param: "messages[0].content[0].image_url.url"},
	{name: "images only in user messages", body: chatMsgs(`{"role":"system","content":[` + image(pngData) + `]},` + userHi), status: 400, code: "invalid_value", param: "messages[0].content[0].type"},

	// OpenClaw headers.
	{name: "reserved session key namespace cron:", body: chatBody(""), headers: []string{"X-Openclaw-Session-Key", "cron:nightly"}, status: 400, typ: "invalid_request_error", code: "reserved_session_key", param: "<null>"},
	{name: "reserved session key namespace subagent:", body: chatBody(""), headers: []string{"X-Openclaw-Session-Key", "subagent:x"}, status: 400, code: "reserved_session_key", param: "<null>"},
	{name: "reserved session key namespace acp: (any case)", body: chatBody(""), headers: []string{"X-Openclaw-Session-Key", "ACP:x"}, status: 400, code: "reserved_session_key", param: "<null>"},
	{name: "x-openclaw-model needs operator.admin", body: chatBody(""), headers: []string{"X-Openclaw-Model", "fake/m2"}, status: 403, typ: "permission_error", code: "missing_scope", param: "<null>"},
}

func TestChatCompletionsRejects(t *testing.T) {
	t.Parallel()
	runErrCases(t, newEnv(t), "/v1/chat/completions", chatErrCases)
}

func runErrCases(t *testing.T, e *env, path string, cases []errCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			method, p := tc.method, tc.path
			if method == "" {
				method = http.MethodPost
			}
			if p == "" {
				p = path
			}
			resp, b := e.do(t, method, p, tc.body, tc.headers...)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, b)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			ae := decodeError(t, b)
			if tc.typ != "" && ae.Error.Type != tc.typ {
				t.Errorf("type %q, want %q", ae.Error.Type, tc.typ)
			}
			if got := str(ae.Error.Code); got != tc.code {
				t.Errorf("code %q, want %q (%s)", got, tc.code, ae.Error.Message)
			}
			if got := str(ae.Error.Param); got != tc.param {
				t.Errorf("param %q, want %q (%s)", got, tc.param, ae.Error.Message)
			}
			if ae.Error.Message == "" {
				t.Error("empty message")
			}
			if tc.status == 405 && resp.Header.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
		})
	}
}

func TestUnknownModelHintListsIDs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, b := e.post(t, "/v1/chat/completions", `{"model":"gpt-4o","messages":[`+userHi+`]}`)
	ae := decodeError(t, b)
	for _, id := range []string{"openclaw", "openclaw/default", "openclaw/main", "openclaw/coder"} {
		if !strings.Contains(ae.Error.Hint, id) {
			t.Errorf("hint %q does not list %s", ae.Error.Hint, id)
		}
	}
}

func TestMethodNotAllowedAllow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for path, allow := range map[string]string{
		"/v1/chat/completions":       "POST",
		"/v1/embeddings":             "POST",
		"/v1/responses":              "POST",
		"/v1/models":                 "GET, HEAD",
		"/v1/models/openclaw%2Fmain": "GET, HEAD",
	} {
		method := http.MethodGet
		if allow != "POST" {
			method = http.MethodDelete
		}
		resp, b := e.do(t, method, path, "")
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != allow {
			t.Errorf("%s %s: %d Allow=%q: %s", method, path, resp.StatusCode, resp.Header.Get("Allow"), b)
		}
	}
}

func TestUnknownRouteIsJSON404(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp, b := e.do(t, http.MethodGet, "/v1/nope", "")
	if resp.StatusCode != 404 || str(decodeError(t, b).Error.Code) != "route_not_found" {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
}

var responsesErrCases = []errCase{
	{name: "model is required", body: `{"input":"hi"}`, status: 400, code: "missing_required_parameter", param: "model"},
	{name: "unknown model", body: `{"model":"gpt-4o","input":"hi"}`, status: 404, code: "model_not_found", param: "model"},
	{name: "input is required", body: `{"model":"openclaw"}`, status: 400, code: "missing_required_parameter", param: "input"},
	{name: "input must not be empty", body: `{"model":"openclaw","input":""}`, status: 400, code: "invalid_value", param: "input"},
	{name: "input must not be an empty array", body: `{"model":"openclaw","input":[]}`, status: 400, code: "invalid_value", param: "input"},
	{name: "input must be a string or items", body: `{"model":"openclaw","input":5}`, status: 400, code: "invalid_type", param: "input"},
	{name: "unknown item type", body: `{"model":"openclaw","input":[{"type":"web_search_call"}]}`, status: 400, code: "invalid_value", param: "input[0].type"},
	{name: "message role tool is not a responses role", body: `{"model":"openclaw","input":[{"type":"message","role":"tool","content":"x"}]}`, status: 400, code: "invalid_value", param: "input[0].role"},
	{name: "message needs content", body: `{"model":"openclaw","input":[{"role":"user"}]}`, status: 400, code: "missing_required_parameter", param: "input[0].content"},
	{name: "unknown content part", body: `{"model":"openclaw","input":[{"role":"user","content":[{"type":"input_file"}]}]}`, status: 400, code: "invalid_value", param: "input[0].content[0].type"},
	{name: "file_id images are unsupported", body: `{"model":"openclaw","input":[{"role":"user","content":[{"type":"input_image","file_id":"f"}]}]}`, status: 400, code: "unsupported_value", param: "input[0].content[0].file_id"},
	{name: "URL images are off by default", body: `{"model":"openclaw","input":[{"role":"user","content":[{"type":"input_image","image_url":"http://x/a.png"}]}]}`, status: 400, code: "image_url_not_allowed", param: "input[0].content[0].image_url"},
	{name: "function_call needs a call_id", body: `{"model":"openclaw","input":[{"type":"function_call","name":"f","arguments":"{}"}]}`, status: 400, code: "missing_required_parameter", param: "input[0].call_id"},
	{name: "function_call needs a name", body: `{"model":"openclaw","input":[{"type":"function_call","call_id":"c"}]}`, status: 400, code: "missing_required_parameter", param: "input[0].name"},
	{name: "function_call arguments must be a string", body: `{"model":"openclaw","input":[{"role":"user","content":"x"},{"type":"function_call","call_id":"c","name":"f","arguments":{}}]}`, status: 400, code: "invalid_type", param: "input[1].arguments"},
	{name: "function_call_output needs a call_id", body: `{"model":"openclaw","input":[{"type":"function_call_output","output":"42"}]}`, status: 400, code: "missing_required_parameter", param: "input[0].call_id"},
	{name: "function_call_output needs an output", body: `{"model":"openclaw","input":[{"type":"function_call_output","call_id":"c"}]}`, status: 400, code: "missing_required_parameter", param: "input[0].output"},
	{name: "instructions alone are not a turn", body: `{"model":"openclaw","input":[{"role":"system","content":"x"},{"type":"reasoning"}]}`, status: 400, code: "invalid_value", param: "input"},
	{name: "non-function tool type", body: `{"model":"openclaw","input":"hi","tools":[{"type":"web_search"}]}`, status: 400, code: "invalid_value", param: "tools[0].type"},
	{name: "function tool without name", body: `{"model":"openclaw","input":"hi","tools":[{"type":"function"}]}`, status: 400, code: "missing_required_parameter", param: "tools[0].name"},
	{name: "tool_choice pins an unknown function", body: `{"model":"openclaw","input":"hi","tools":[{"type":"function","name":"f"}],"tool_choice":{"type":"function","name":"g"}}`, status: 400, code: "invalid_value", param: "tool_choice"},
	{name: "max_output_tokens must be positive", body: `{"model":"openclaw","input":"hi","max_output_tokens":0}`, status: 400, code: "invalid_value", param: "max_output_tokens"},
	{name: "temperature range", body: `{"model":"openclaw","input":"hi","temperature":9}`, status: 400, code: "invalid_value", param: "temperature"},
	{name: "top_p range", body: `{"model":"openclaw","input":"hi","top_p":-1}`, status: 400, code: "invalid_value", param: "top_p"},
	{name: "unknown previous_response_id", body: `{"model":"openclaw","input":"hi","previous_response_id":"resp_nope"}`, status: 400, typ: "invalid_request_error", code: "previous_response_not_found", param: "previous_response_id"},
	{name: "reserved session key", body: `{"model":"openclaw","input":"hi"}`, headers: []string{"X-Openclaw-Session-Key", "cron:x"}, status: 400, code: "reserved_session_key", param: "<null>"},
	{name: "malformed JSON", body: `{"model"`, status: 400, code: "invalid_json", param: "<null>"},
	{name: "GET is 405", method: "GET", status: 405, code: "method_not_allowed", param: "<null>"},
}

func TestResponsesRejects(t *testing.T) {
	t.Parallel()
	runErrCases(t, newEnv(t), "/v1/responses", responsesErrCases)
}

var embeddingsErrCases = []errCase{
	{name: "model is required", body: `{"input":"x"}`, status: 400, code: "missing_required_parameter", param: "model"},
	{name: "unknown model", body: `{"model":"text-embedding-3-small","input":"x"}`, status: 404, code: "model_not_found", param: "model"},
	{name: "input is required", body: `{"model":"openclaw"}`, status: 400, code: "missing_required_parameter", param: "input"},
	{name: "token arrays are rejected", body: `{"model":"openclaw","input":[1,2,3]}`, status: 400, code: "invalid_type", param: "input[0]"},
	{name: "arrays of token arrays are rejected", body: `{"model":"openclaw","input":["a",[1,2]]}`, status: 400, code: "invalid_type", param: "input[1]"},
	{name: "input must be a string or strings", body: `{"model":"openclaw","input":{}}`, status: 400, code: "invalid_type", param: "input"},
	{name: "empty array", body: `{"model":"openclaw","input":[]}`, status: 400, code: "invalid_value", param: "input"},
	{name: "empty string", body: `{"model":"openclaw","input":""}`, status: 400, code: "invalid_value", param: "input"},
	{name: "empty string in an array", body: `{"model":"openclaw","input":["a",""]}`, status: 400, code: "invalid_value", param: "input[1]"},
	{name: "unknown encoding_format", body: `{"model":"openclaw","input":"x","encoding_format":"int8"}`, status: 400, code: "invalid_value", param: "encoding_format"},
	{name: "dimensions is unsupported", body: `{"model":"openclaw","input":"x","dimensions":256}`, status: 400, code: "unsupported_value", param: "dimensions"},
	{name: "an agent without an embedding model names both ways to set one", body: `{"model":"openclaw/coder","input":"x"}`, status: 400, code: "embedding_model_not_configured", param: "model"},
	{name: "x-openclaw-model needs operator.admin", body: `{"model":"openclaw","input":"x"}`, headers: []string{"X-Openclaw-Model", "fake/e2"}, status: 403, code: "missing_scope", param: "<null>"},
	{name: "GET is 405", method: "GET", status: 405, code: "method_not_allowed", param: "<null>"},
}

func TestEmbeddingsRejects(t *testing.T) {
	t.Parallel()
	runErrCases(t, newEnv(t), "/v1/embeddings", embeddingsErrCases)
}

func TestDisabledEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	off := e.endpoints.Load()
	cp := *off
	cp.ChatCompletions.Enabled, cp.Responses.Enabled = false, false
	e.endpoints.Store(&cp)
	for _, tc := range []struct{ method, path, key string }{
		{"POST", "/v1/chat/completions", "gateway.http.endpoints.chatCompletions.enabled"},
		{"GET", "/v1/models", "gateway.http.endpoints.chatCompletions.enabled"},
		{"GET", "/v1/models/openclaw", "gateway.http.endpoints.chatCompletions.enabled"},
		{"POST", "/v1/embeddings", "gateway.http.endpoints.chatCompletions.enabled"},
		{"POST", "/v1/responses", "gateway.http.endpoints.responses.enabled"},
		{"DELETE", "/v1/responses", "gateway.http.endpoints.responses.enabled"},
	} {
		resp, b := e.do(t, tc.method, tc.path, `{}`)
		ae := decodeError(t, b)
		if resp.StatusCode != 404 || str(ae.Error.Code) != "endpoint_disabled" || !strings.Contains(ae.Error.Hint, tc.key) {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, resp.StatusCode, b)
		}
	}
	// Hot reload: enabling takes effect on the next request.
	e.endpoints.Store(off)
	if resp, b := e.do(t, "GET", "/v1/models", ""); resp.StatusCode != 200 {
		t.Fatalf("after re-enabling: %d %s", resp.StatusCode, b)
	}
}

// TestImageBytesLimit checks the 20 MB decoded-data rule directly: a body
// that large is over the test server's body limit.
func TestImageBytesLimit(t *testing.T) {
	t.Parallel()
	big := "data:image/png;base64," + strings.Repeat("A", 14<<20) // ~10.5 MB decoded each
	body := chatMsgs(`{"role":"user","content":[` + image(big) + `]},{"role":"assistant","content":"ok"},{"role":"user","content":[` + image(big) + `]}`)
	var req ChatCompletionRequest
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		t.Fatal(err)
	}
	e := req.Validate()
	if e == nil || e.Code != "image_too_large" || e.Param != "messages[2].content[0].image_url.url" {
		t.Fatalf("got %+v", e)
	}
}

func TestURLImagesAreFetchedOnlyFromPublicAddresses(t *testing.T) {
	e := newEnv(t)
	ep := *e.endpoints.Load()
	ep.ChatCompletions.Images.AllowURL = true
	e.endpoints.Store(&ep)
	img := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("png"))
	}))
	defer img.Close()
	body := `{"model":"openclaw","messages":[{"role":"user","content":[{"type":"text","text":"what is this?"},{"type":"image_url","image_url":{"url":"` + img.URL + `/x.png"}}]}]}`
	resp, b := e.post(t, "/v1/chat/completions", body)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "image_fetch_failed") || !strings.Contains(string(b), "not public") {
		t.Fatalf("loopback image URL: %d %s", resp.StatusCode, b)
	}
}
