package openai

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/openclaw/openclaw-go/internal/agent"
	"github.com/openclaw/openclaw-go/internal/apierr"
	"github.com/openclaw/openclaw-go/internal/jsonenc"
	"github.com/openclaw/openclaw-go/internal/provider"
)

// Image limits (openai-http.md, "Limits").
const (
	maxImagesPerMessage = 8
	maxImageBytes       = 20 << 20 // decoded data-URL bytes per request
	maxStopSequences    = 4
)

// ChatCompletionRequest is the body of POST /v1/chat/completions. Unknown
// fields (response_format, logprobs, parallel_tool_calls, …) are ignored.
type ChatCompletionRequest struct {
	Model               string         `json:"model"`
	Messages            []ChatMessage  `json:"messages"`
	Stream              bool           `json:"stream"`
	StreamOptions       *StreamOptions `json:"stream_options"`
	Tools               []ChatTool     `json:"tools"`
	ToolChoice          ToolChoice     `json:"tool_choice"`
	MaxCompletionTokens *int           `json:"max_completion_tokens"`
	MaxTokens           *int           `json:"max_tokens"`
	Temperature         *float64       `json:"temperature"`
	TopP                *float64       `json:"top_p"`
	FrequencyPenalty    *float64       `json:"frequency_penalty"`
	PresencePenalty     *float64       `json:"presence_penalty"`
	Seed                *int64         `json:"seed"`
	Stop                Stop           `json:"stop"`
	User                string         `json:"user"`
	N                   *int           `json:"n"`

	// urlImage is the param of the first http(s) image, checked against
	// images.allowUrl by the handler (the rule depends on live config).
	urlImage string
}

// StreamOptions is stream_options.
type StreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// ChatMessage is one entry of messages.
type ChatMessage struct {
	Role       string         `json:"role"`
	Content    MessageContent `json:"content"`
	Name       string         `json:"name,omitempty"`
	ToolCalls  []ToolCall     `json:"tool_calls,omitempty"`
	ToolCallID string         `json:"tool_call_id,omitempty"`
}

// ToolCall is a tool call of an assistant message (request and response).
type ToolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"`
	Function FunctionCall `json:"function"`
}

// FunctionCall names the function and carries its arguments as JSON text.
type FunctionCall struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// ChatTool is one entry of tools.
type ChatTool struct {
	Type     string       `json:"type"`
	Function *FunctionDef `json:"function"`
}

// FunctionDef describes a client-supplied function.
type FunctionDef struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

// ContentPart is one part of an array content.
type ContentPart struct {
	Type     string    `json:"type"`
	Text     string    `json:"text,omitempty"`
	ImageURL *ImageURL `json:"image_url,omitempty"`
}

// ImageURL is the image_url of an image part.
type ImageURL struct {
	URL    string `json:"url"`
	Detail string `json:"detail,omitempty"`
}

type contentKind uint8

const (
	contentAbsent contentKind = iota // missing or null
	contentText
	contentParts
	contentInvalid
)

// MessageContent is a message's content: a string or an array of parts.
// Decoding never fails on a wrong shape; Validate reports it with the
// message's index.
type MessageContent struct {
	Text  string
	Parts []ContentPart

	kind    contentKind
	badPath string // path inside content of a nested type error
	badMsg  string
}

// UnmarshalJSON accepts null, a string or an array of parts.
func (c *MessageContent) UnmarshalJSON(b []byte) error {
	*c = MessageContent{}
	c.kind, c.badPath, c.badMsg = decodeTextOrArray(b, &c.Text, &c.Parts, "expected a string or an array of content parts")
	return nil
}

// decodeTextOrArray decodes the fields that take either a string or an
// array (chat content, responses input): null leaves both empty, a string
// goes to text, an array to items. A shape error is reported through kind
// contentInvalid with the path and message Validate turns into a param; it
// never fails the whole decode.
func decodeTextOrArray[T any](b []byte, text *string, items *[]T, expect string) (kind contentKind, badPath, badMsg string) {
	switch b[0] {
	case 'n':
		return kind, "", ""
	case '"':
		*text, _ = rawString(b)
		return contentText, "", ""
	case '[':
		if err := json.Unmarshal(b, items); err != nil {
			badPath, badMsg = typeError(b, err)
			return contentInvalid, badPath, badMsg
		}
		return contentParts, "", ""
	}
	return contentInvalid, "", expect
}

// MarshalJSON writes a string, an array of parts or null.
func (c MessageContent) MarshalJSON() ([]byte, error) {
	switch {
	case c.Parts != nil:
		return json.Marshal(c.Parts)
	case c.kind == contentAbsent && c.Text == "":
		return []byte("null"), nil
	}
	return jsonenc.String(nil, c.Text), nil
}

// ToolChoice is tool_choice: "auto", "none", "required", or a pinned
// function ({type:"function", function:{name}} in chat completions,
// {type:"function", name} in responses; both shapes are accepted on both).
type ToolChoice struct {
	Mode string // "" when absent
	Name string // set when Mode is "function"

	bad string
}

// UnmarshalJSON accepts null, a string or a function object.
func (t *ToolChoice) UnmarshalJSON(b []byte) error {
	*t = ToolChoice{}
	switch b[0] {
	case 'n':
	case '"':
		t.Mode, _ = rawString(b)
		if t.Mode == "" {
			t.bad = "tool_choice must be \"auto\", \"none\", \"required\" or a function object"
		}
	case '{':
		var o struct {
			Type     string `json:"type"`
			Name     string `json:"name"`
			Function *struct {
				Name string `json:"name"`
			} `json:"function"`
		}
		if err := json.Unmarshal(b, &o); err != nil {
			t.bad = "tool_choice object could not be read: " + err.Error()
			return nil
		}
		if o.Type != "function" {
			t.bad = "tool_choice type " + quote(o.Type) + " is not supported; use {\"type\":\"function\",\"function\":{\"name\":…}}"
			return nil
		}
		t.Mode, t.Name = provider.ToolChoiceFunction, o.Name
		if o.Function != nil && o.Function.Name != "" {
			t.Name = o.Function.Name
		}
		if t.Name == "" {
			t.bad = "tool_choice names no function"
		}
	default:
		t.bad = "tool_choice must be \"auto\", \"none\", \"required\" or a function object"
	}
	return nil
}

// MarshalJSON writes the string form, or the chat completions function
// object for a pinned function.
func (t ToolChoice) MarshalJSON() ([]byte, error) {
	switch t.Mode {
	case "":
		return []byte("null"), nil
	case provider.ToolChoiceFunction:
		b := append([]byte(`{"type":"function","function":{"name":`), jsonenc.String(nil, t.Name)...)
		return append(b, "}}"...), nil
	}
	return jsonenc.String(nil, t.Mode), nil
}

// validate checks t against the names of the request's tools.
func (t *ToolChoice) validate(tools map[string]bool) *apierr.Error {
	if t.bad != "" {
		return apierr.Invalid("tool_choice", "invalid_value", t.bad+".")
	}
	switch t.Mode {
	case "", provider.ToolChoiceAuto, provider.ToolChoiceNone:
	case provider.ToolChoiceRequired:
		if len(tools) == 0 {
			return apierr.Invalid("tool_choice", "invalid_value", "tool_choice \"required\" needs at least one tool in tools.")
		}
	case provider.ToolChoiceFunction:
		if !tools[t.Name] {
			return apierr.Invalid("tool_choice", "invalid_value", "tool_choice names the function "+quote(t.Name)+", which is not in tools.")
		}
	default:
		return apierr.Invalid("tool_choice", "invalid_value",
			"tool_choice "+quote(t.Mode)+" is not supported; use \"auto\", \"none\", \"required\" or a function object.")
	}
	return nil
}

// neutral returns the provider form, nil when absent.
func (t *ToolChoice) neutral() *provider.ToolChoice {
	if t.Mode == "" {
		return nil
	}
	return &provider.ToolChoice{Mode: t.Mode, Name: t.Name}
}

// Stop is stop: a string or an array of strings.
type Stop struct {
	List []string
	bad  bool
}

// UnmarshalJSON accepts null, a string or an array of strings.
func (s *Stop) UnmarshalJSON(b []byte) error {
	*s = Stop{}
	switch b[0] {
	case 'n':
	case '"':
		v, _ := rawString(b)
		s.List = []string{v}
	case '[':
		if json.Unmarshal(b, &s.List) != nil {
			s.bad = true
		}
	default:
		s.bad = true
	}
	return nil
}

// MarshalJSON writes the list, or null.
func (s Stop) MarshalJSON() ([]byte, error) {
	if s.List == nil {
		return []byte("null"), nil
	}
	return json.Marshal(s.List)
}

func (s *Stop) validate() *apierr.Error {
	if s.bad {
		return apierr.Invalid("stop", "invalid_type", "stop must be a string or an array of strings.")
	}
	if len(s.List) > maxStopSequences {
		return apierr.Invalid("stop", "invalid_value", "stop allows at most 4 sequences.")
	}
	for i, v := range s.List {
		if v == "" {
			return apierr.Invalid("stop["+strconv.Itoa(i)+"]", "invalid_value", "stop sequences must not be empty.")
		}
	}
	return nil
}

// Validate checks every rule of openai-http.md that does not depend on
// config (the allowUrl image rule does; the handler checks it).
func (req *ChatCompletionRequest) Validate() *apierr.Error {
	if req.Model == "" {
		return apierr.Invalid("model", "missing_required_parameter", "model is required.").
			WithHint("use \"openclaw\" for the default agent or \"openclaw/<agentId>\"; GET /v1/models lists them")
	}
	if len(req.Messages) == 0 {
		return apierr.Invalid("messages", "missing_required_parameter", "messages must be a non-empty array.")
	}
	if req.N != nil && *req.N != 1 {
		return apierr.Invalid("n", "unsupported_value", "n must be 1: the gateway returns one choice per request.")
	}
	if e := checkSampling(req.Temperature, req.TopP, req.FrequencyPenalty, req.PresencePenalty); e != nil {
		return e
	}
	if e := positive("max_completion_tokens", req.MaxCompletionTokens); e != nil {
		return e
	}
	if e := positive("max_tokens", req.MaxTokens); e != nil {
		return e
	}
	if e := req.Stop.validate(); e != nil {
		return e
	}
	names, e := validateChatTools(req.Tools)
	if e != nil {
		return e
	}
	if e := req.ToolChoice.validate(names); e != nil {
		return e
	}
	return req.validateMessages()
}

func checkSampling(temperature, topP, freq, pres *float64) *apierr.Error {
	if e := within("temperature", temperature, 0, 2); e != nil {
		return e
	}
	if e := within("top_p", topP, 0, 1); e != nil {
		return e
	}
	if e := within("frequency_penalty", freq, -2, 2); e != nil {
		return e
	}
	return within("presence_penalty", pres, -2, 2)
}

func within(param string, v *float64, lo, hi float64) *apierr.Error {
	if v != nil && (*v < lo || *v > hi) {
		return apierr.Invalid(param, "invalid_value", param+" must be between "+
			strconv.FormatFloat(lo, 'g', -1, 64)+" and "+strconv.FormatFloat(hi, 'g', -1, 64)+
			", found "+strconv.FormatFloat(*v, 'g', -1, 64)+".")
	}
	return nil
}

func positive(param string, v *int) *apierr.Error {
	if v != nil && *v <= 0 {
		return apierr.Invalid(param, "invalid_value", param+" must be a positive integer, found "+strconv.Itoa(*v)+".")
	}
	return nil
}

// validToolName matches ^[A-Za-z0-9_-]{1,64}$, the name rule shared by the
// OpenAI and Anthropic APIs.
func validToolName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// checkFunction validates one function definition at param p.
func checkFunction(p, name string, params json.RawMessage, seen map[string]bool) *apierr.Error {
	switch {
	case name == "":
		return apierr.Invalid(p+".name", "missing_required_parameter", "the function name is required.")
	case !validToolName(name):
		return apierr.Invalid(p+".name", "invalid_value", "function names are 1-64 characters of a-z, A-Z, 0-9, _ and -; found "+quote(name)+".")
	case seen[name]:
		return apierr.Invalid(p+".name", "invalid_value", "the function "+quote(name)+" is defined twice.")
	}
	if len(params) > 0 && params[0] != '{' && string(params) != "null" {
		return apierr.Invalid(p+".parameters", "invalid_type", "parameters must be a JSON Schema object.")
	}
	seen[name] = true
	return nil
}

func validateChatTools(tools []ChatTool) (map[string]bool, *apierr.Error) {
	if len(tools) == 0 {
		return nil, nil
	}
	names := make(map[string]bool, len(tools))
	for i := range tools {
		t := &tools[i]
		p := "tools[" + strconv.Itoa(i) + "]"
		if t.Type != "function" {
			return nil, apierr.Invalid(p+".type", "invalid_value", "tool type "+quote(t.Type)+" is not supported; only \"function\" tools are.")
		}
		if t.Function == nil {
			return nil, apierr.Invalid(p+".function", "missing_required_parameter", "function tools need a function object.")
		}
		if e := checkFunction(p+".function", t.Function.Name, t.Function.Parameters, names); e != nil {
			return nil, e
		}
	}
	return names, nil
}

func (req *ChatCompletionRequest) validateMessages() *apierr.Error {
	var imgs imageBudget
	lastUser := -1
	conversation := 0
	for i := range req.Messages {
		m := &req.Messages[i]
		switch m.Role {
		case "user":
			lastUser = i
			conversation++
		case "assistant", "tool":
			conversation++
		case "system", "developer":
		case "":
			return apierr.Invalid(msgParam(i)+".role", "missing_required_parameter", "role is required.")
		default:
			return apierr.Invalid(msgParam(i)+".role", "invalid_value",
				"role "+quote(m.Role)+" is not supported; use system, developer, user, assistant or tool.")
		}
		if e := validateMessage(i, m, &imgs); e != nil {
			return e
		}
	}
	if conversation == 0 {
		return apierr.Invalid("messages", "invalid_value", "messages must contain at least one user, assistant or tool message.")
	}
	if lastUser >= 0 && imgs.count[lastUser] > maxImagesPerMessage {
		return apierr.Invalid(msgParam(lastUser)+".content", "too_many_images",
			"the latest user message has "+strconv.Itoa(imgs.count[lastUser])+" images; at most 8 are allowed.")
	}
	req.urlImage = imgs.firstURL
	return nil
}

func msgParam(i int) string { return "messages[" + strconv.Itoa(i) + "]" }

// imageBudget tracks image parts across a request.
type imageBudget struct {
	count    map[int]int // images per message index
	bytes    int64       // decoded data-URL bytes
	firstURL string      // param of the first http(s) image
}

func validateMessage(i int, m *ChatMessage, imgs *imageBudget) *apierr.Error {
	p := msgParam(i)
	c := &m.Content
	if c.kind == contentInvalid {
		return apierr.Invalid(subPath(p+".content", c.badPath), "invalid_type", "content: "+c.badMsg+".")
	}
	if len(m.ToolCalls) > 0 && m.Role != "assistant" {
		return apierr.Invalid(p+".tool_calls", "invalid_value", "only assistant messages carry tool_calls.")
	}
	switch m.Role {
	case "assistant":
		if c.kind == contentAbsent && len(m.ToolCalls) == 0 {
			return apierr.Invalid(p+".content", "missing_required_parameter", "assistant messages need content or tool_calls.")
		}
		for j := range m.ToolCalls {
			tc := &m.ToolCalls[j]
			tp := p + ".tool_calls[" + strconv.Itoa(j) + "]"
			switch {
			case tc.ID == "":
				return apierr.Invalid(tp+".id", "missing_required_parameter", "tool calls need an id.")
			case tc.Type != "" && tc.Type != "function":
				return apierr.Invalid(tp+".type", "invalid_value", "tool call type "+quote(tc.Type)+" is not supported; use \"function\".")
			case tc.Function.Name == "":
				return apierr.Invalid(tp+".function.name", "missing_required_parameter", "tool calls need a function name.")
			}
		}
	case "tool":
		if m.ToolCallID == "" {
			return apierr.Invalid(p+".tool_call_id", "missing_required_parameter", "tool messages need the tool_call_id they answer.")
		}
		fallthrough
	default:
		if c.kind == contentAbsent {
			return apierr.Invalid(p+".content", "missing_required_parameter", m.Role+" messages need content.")
		}
	}
	for j := range c.Parts {
		part := &c.Parts[j]
		pp := p + ".content[" + strconv.Itoa(j) + "]"
		switch part.Type {
		case "text":
		case "refusal":
			if m.Role != "assistant" {
				return apierr.Invalid(pp+".type", "invalid_value", "refusal parts belong to assistant messages.")
			}
		case "image_url":
			if m.Role != "user" {
				return apierr.Invalid(pp+".type", "invalid_value", "image_url parts are only allowed in user messages.")
			}
			if part.ImageURL == nil || part.ImageURL.URL == "" {
				return apierr.Invalid(pp+".image_url.url", "missing_required_parameter", "image_url.url is required.")
			}
			if e := imgs.add(i, pp+".image_url.url", part.ImageURL.URL); e != nil {
				return e
			}
		case "":
			return apierr.Invalid(pp+".type", "missing_required_parameter", "content parts need a type.")
		default:
			return apierr.Invalid(pp+".type", "invalid_value", "content part type "+quote(part.Type)+" is not supported; use text or image_url.")
		}
	}
	return nil
}

// add checks one image URL: a base64 data URL of an image type, or an
// http(s) URL (allowed or not by config, see urlImage).
func (b *imageBudget) add(msg int, param, url string) *apierr.Error {
	if b.count == nil {
		b.count = map[int]int{}
	}
	b.count[msg]++
	lower := strings.ToLower(url[:min(len(url), 8)])
	switch {
	case strings.HasPrefix(lower, "data:"):
		n, e := dataURLSize(param, url)
		if e != nil {
			return e
		}
		b.bytes += n
		if b.bytes > maxImageBytes {
			return apierr.Invalid(param, "image_too_large", "the request's images exceed 20 MB of decoded data.")
		}
	case strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://"):
		if b.firstURL == "" {
			b.firstURL = param
		}
	default:
		return apierr.Invalid(param, "invalid_value", "image URLs must be base64 data URLs (data:image/png;base64,…) or http(s) URLs.")
	}
	return nil
}

// dataURLSize validates data:<image type>;base64,<payload> and returns the
// decoded size without decoding.
func dataURLSize(param, url string) (int64, *apierr.Error) {
	meta, payload, ok := strings.Cut(url[len("data:"):], ",")
	if !ok || !strings.HasSuffix(strings.ToLower(meta), ";base64") {
		return 0, apierr.Invalid(param, "invalid_value", "image data URLs must be base64 encoded (data:image/png;base64,…).")
	}
	mt, _, _ := strings.Cut(meta, ";")
	switch strings.ToLower(mt) {
	case "image/png", "image/jpeg", "image/jpg", "image/gif", "image/webp":
	default:
		return 0, apierr.Invalid(param, "invalid_value", "image type "+quote(mt)+" is not supported; use PNG, JPEG, GIF or WebP.")
	}
	n := len(payload)
	for n > 0 && payload[n-1] == '=' {
		n--
	}
	if n == 0 {
		return 0, apierr.Invalid(param, "invalid_value", "the image data URL is empty.")
	}
	return int64(n) * 3 / 4, nil
}

// checkURLImages applies images.allowUrl. When allowed, the URL is passed
// through to the provider unchanged: the gateway does not fetch URL images
// yet (the spec's fetch with private-IP blocking is a later issue), so the
// provider fetches it, or rejects it if it cannot.
// inlineURLImages replaces every http(s) image of the turn by a data URL
// fetched through the gateway's guarded fetcher, so that providers never
// dial a caller-chosen URL and private addresses stay out of reach.
func (h *handler) inlineURLImages(ctx context.Context, t *agent.TurnRequest) *apierr.Error {
	for i := range t.Messages {
		parts := t.Messages[i].Parts
		for j := range parts {
			u := parts[j].ImageURL
			if parts[j].Type != "image" || !(strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://")) {
				continue
			}
			data, err := h.images.DataURL(ctx, u)
			if err != nil {
				return apierr.Invalid("", "image_fetch_failed", "Could not fetch the image at "+u+": "+err.Error()+".").
					WithHint("send the image as a base64 data URL, or make it reachable at a public http(s) address")
			}
			parts[j].ImageURL = data
		}
	}
	return nil
}

func checkURLImages(param string, allow bool) *apierr.Error {
	if param == "" || allow {
		return nil
	}
	return apierr.Invalid(param, "image_url_not_allowed", "http(s) image URLs are not allowed on this gateway; send the image as a base64 data URL.").
		WithHint("or enable URL images with " + keyAllowURLImages + " = true")
}

// textOf flattens text content (string or text/refusal parts).
func (c *MessageContent) textOf() string {
	if c.kind != contentParts {
		return c.Text
	}
	var b strings.Builder
	for i := range c.Parts {
		if c.Parts[i].Type == "image_url" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(c.Parts[i].Text)
	}
	return b.String()
}

// neutralInto fills the content of m: plain text, or parts when the content
// holds images.
func (c *MessageContent) neutralInto(m *provider.Message) {
	if c.kind == contentParts {
		for i := range c.Parts {
			if c.Parts[i].Type == "image_url" {
				m.Parts = make([]provider.Part, 0, len(c.Parts))
				for j := range c.Parts {
					cp := &c.Parts[j]
					if cp.Type == "image_url" {
						m.Parts = append(m.Parts, provider.Part{Type: "image", ImageURL: cp.ImageURL.URL})
					} else {
						m.Parts = append(m.Parts, provider.Part{Type: "text", Text: cp.Text})
					}
				}
				return
			}
		}
	}
	m.Content = c.textOf()
}

// turn builds the agent turn of a validated request.
func (req *ChatCompletionRequest) turn() *agent.TurnRequest {
	t := &agent.TurnRequest{
		Tools:            make([]provider.Tool, 0, len(req.Tools)),
		ToolChoice:       req.ToolChoice.neutral(),
		Temperature:      req.Temperature,
		TopP:             req.TopP,
		FrequencyPenalty: req.FrequencyPenalty,
		PresencePenalty:  req.PresencePenalty,
		Seed:             req.Seed,
		Stop:             req.Stop.List,
		User:             req.User,
		Messages:         make([]provider.Message, 0, len(req.Messages)),
	}
	// max_completion_tokens wins when both are set.
	switch {
	case req.MaxCompletionTokens != nil:
		t.MaxTokens = *req.MaxCompletionTokens
	case req.MaxTokens != nil:
		t.MaxTokens = *req.MaxTokens
	}
	for i := range req.Tools {
		f := req.Tools[i].Function
		params := f.Parameters
		if string(params) == "null" {
			params = nil
		}
		t.Tools = append(t.Tools, provider.Tool{Name: f.Name, Description: f.Description, Parameters: params})
	}
	if len(t.Tools) == 0 {
		t.Tools = nil
	}
	for i := range req.Messages {
		m := &req.Messages[i]
		if m.Role == "system" || m.Role == "developer" {
			t.System = append(t.System, m.Content.textOf())
			continue
		}
		nm := provider.Message{Role: m.Role, Name: m.Name, ToolCallID: m.ToolCallID}
		m.Content.neutralInto(&nm)
		if len(m.ToolCalls) > 0 {
			nm.ToolCalls = make([]provider.ToolCall, len(m.ToolCalls))
			for j, tc := range m.ToolCalls {
				nm.ToolCalls[j] = provider.ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments}
			}
		}
		t.Messages = append(t.Messages, nm)
	}
	return t
}

// toolRequirement returns the error for a reply that ignored tool_choice
// "required" or a pinned function, nil when the reply complies.
func toolRequirement(tc *provider.ToolChoice, calls []provider.ToolCall) *apierr.Error {
	if tc == nil {
		return nil
	}
	switch tc.Mode {
	case provider.ToolChoiceRequired:
		if len(calls) > 0 {
			return nil
		}
		return apierr.New(http.StatusBadGateway, "tool_call_required",
			"tool_choice was \"required\" but the model answered without calling a tool.",
			"retry, or use a model that supports forced tool calls")
	case provider.ToolChoiceFunction:
		for _, c := range calls {
			if c.Name == tc.Name {
				return nil
			}
		}
		return apierr.New(http.StatusBadGateway, "tool_call_required",
			"tool_choice pinned the function "+quote(tc.Name)+" but the model did not call it.",
			"retry, or use a model that supports forced tool calls")
	}
	return nil
}
