package openai

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/openclaw/openclaw-go/internal/agent"
	"github.com/openclaw/openclaw-go/internal/apierr"
	"github.com/openclaw/openclaw-go/internal/jsonenc"
	"github.com/openclaw/openclaw-go/internal/provider"
)

// ResponseRequest is the body of POST /v1/responses (OpenResponses).
// Unknown fields (text, reasoning, metadata, parallel_tool_calls, …) are
// ignored.
type ResponseRequest struct {
	Model              string         `json:"model"`
	Input              ResponseInput  `json:"input"`
	Instructions       string         `json:"instructions"`
	Tools              []ResponseTool `json:"tools"`
	ToolChoice         ToolChoice     `json:"tool_choice"`
	Stream             bool           `json:"stream"`
	MaxOutputTokens    *int           `json:"max_output_tokens"`
	Temperature        *float64       `json:"temperature"`
	TopP               *float64       `json:"top_p"`
	User               string         `json:"user"`
	PreviousResponseID string         `json:"previous_response_id"`
	// Store false makes a call without user or x-openclaw-session-key
	// stateless and not continuable (default true, as in OpenAI).
	Store *bool `json:"store"`

	urlImage string
}

// ResponseTool is one entry of tools: {type:"function", name, …}.
type ResponseTool struct {
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

// ResponseInput is input: a string or an array of items.
type ResponseInput struct {
	Text  string
	Items []InputItem

	kind    contentKind
	badPath string
	badMsg  string
}

// UnmarshalJSON accepts a string or an array of items.
func (in *ResponseInput) UnmarshalJSON(b []byte) error {
	*in = ResponseInput{}
	in.kind, in.badPath, in.badMsg = decodeTextOrArray(b, &in.Text, &in.Items, "expected a string or an array of input items")
	return nil
}

// MarshalJSON writes the string or the items.
func (in ResponseInput) MarshalJSON() ([]byte, error) {
	if in.Items != nil {
		return json.Marshal(in.Items)
	}
	return jsonenc.String(nil, in.Text), nil
}

// InputItem is one input item. Type "message" (or no type with a role),
// "function_call", "function_call_output"; "reasoning" and
// "item_reference" are accepted and ignored.
type InputItem struct {
	Type      string          `json:"type"`
	ID        string          `json:"id,omitempty"`
	Role      string          `json:"role,omitempty"`
	Content   ResponseContent `json:"content,omitzero"`
	CallID    string          `json:"call_id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Arguments string          `json:"arguments,omitempty"`
	Output    ResponseContent `json:"output,omitzero"`
}

// ResponseContent is the content of a message item (or the output of a
// function_call_output): a string or an array of parts.
type ResponseContent struct {
	Text  string
	Parts []ResponsePart

	kind    contentKind
	badPath string
	badMsg  string
}

// ResponsePart is input_text, output_text, refusal or input_image.
type ResponsePart struct {
	Type     string `json:"type"`
	Text     string `json:"text,omitempty"`
	Refusal  string `json:"refusal,omitempty"`
	ImageURL string `json:"image_url,omitempty"`
	FileID   string `json:"file_id,omitempty"`
	Detail   string `json:"detail,omitempty"`
}

// UnmarshalJSON accepts null, a string or an array of parts.
func (c *ResponseContent) UnmarshalJSON(b []byte) error {
	*c = ResponseContent{}
	switch b[0] {
	case 'n':
	case '"':
		c.Text, _ = rawString(b)
		c.kind = contentText
	case '[':
		if err := json.Unmarshal(b, &c.Parts); err != nil {
			c.kind = contentInvalid
			c.badPath, c.badMsg = typeError(b, err)
			return nil
		}
		c.kind = contentParts
	default:
		c.kind, c.badMsg = contentInvalid, "expected a string or an array of content parts"
	}
	return nil
}

// MarshalJSON writes a string, an array of parts or null.
func (c ResponseContent) MarshalJSON() ([]byte, error) {
	switch {
	case c.Parts != nil:
		return json.Marshal(c.Parts)
	case c.kind == contentAbsent && c.Text == "":
		return []byte("null"), nil
	}
	return jsonenc.String(nil, c.Text), nil
}

// textOf flattens the text parts.
func (c *ResponseContent) textOf() string {
	if c.kind != contentParts {
		return c.Text
	}
	var b strings.Builder
	for i := range c.Parts {
		p := &c.Parts[i]
		t := p.Text
		switch p.Type {
		case "input_image":
			continue
		case "refusal":
			t = p.Refusal
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(t)
	}
	return b.String()
}

func (c *ResponseContent) neutralInto(m *provider.Message) {
	if c.kind == contentParts {
		for i := range c.Parts {
			if c.Parts[i].Type != "input_image" {
				continue
			}
			m.Parts = make([]provider.Part, 0, len(c.Parts))
			for j := range c.Parts {
				p := &c.Parts[j]
				if p.Type == "input_image" {
					m.Parts = append(m.Parts, provider.Part{Type: "image", ImageURL: p.ImageURL})
				} else {
					m.Parts = append(m.Parts, provider.Part{Type: "text", Text: p.Text})
				}
			}
			return
		}
	}
	m.Content = c.textOf()
}

// Validate checks every rule that does not depend on config or state
// (images.allowUrl and previous_response_id are checked by the handler).
func (req *ResponseRequest) Validate() *apierr.Error {
	if req.Model == "" {
		return apierr.Invalid("model", "missing_required_parameter", "model is required.").
			WithHint("use \"openclaw\" for the default agent or \"openclaw/<agentId>\"; GET /v1/models lists them")
	}
	if e := checkSampling(req.Temperature, req.TopP, nil, nil); e != nil {
		return e
	}
	if e := positive("max_output_tokens", req.MaxOutputTokens); e != nil {
		return e
	}
	var names map[string]bool
	for i := range req.Tools {
		t := &req.Tools[i]
		p := "tools[" + strconv.Itoa(i) + "]"
		if t.Type != "function" {
			return apierr.Invalid(p+".type", "invalid_value", "tool type "+quote(t.Type)+" is not supported; only \"function\" tools are.")
		}
		if names == nil {
			names = make(map[string]bool, len(req.Tools))
		}
		if e := checkFunction(p, t.Name, t.Parameters, names); e != nil {
			return e
		}
	}
	if e := req.ToolChoice.validate(names); e != nil {
		return e
	}
	return req.validateInput()
}

func itemParam(i int) string { return "input[" + strconv.Itoa(i) + "]" }

func (req *ResponseRequest) validateInput() *apierr.Error {
	in := &req.Input
	switch in.kind {
	case contentAbsent:
		return apierr.Invalid("input", "missing_required_parameter", "input is required.")
	case contentInvalid:
		return apierr.Invalid(subPath("input", in.badPath), "invalid_type", "input: "+in.badMsg+".")
	case contentText:
		if in.Text == "" {
			return apierr.Invalid("input", "invalid_value", "input must not be empty.")
		}
		return nil
	}
	if len(in.Items) == 0 {
		return apierr.Invalid("input", "invalid_value", "input must not be an empty array.")
	}
	var imgs imageBudget
	lastUser, conversation := -1, 0
	for i := range in.Items {
		it := &in.Items[i]
		p := itemParam(i)
		switch it.Type {
		case "message", "":
			if it.Type == "" && it.Role == "" {
				return apierr.Invalid(p+".type", "missing_required_parameter", "input items need a type (or a role for a message).")
			}
			switch it.Role {
			case "user":
				lastUser = i
				conversation++
			case "assistant":
				conversation++
			case "system", "developer":
			case "":
				return apierr.Invalid(p+".role", "missing_required_parameter", "message items need a role.")
			default:
				return apierr.Invalid(p+".role", "invalid_value",
					"role "+quote(it.Role)+" is not supported; use system, developer, user or assistant.")
			}
			if e := validateItemContent(i, it, &imgs); e != nil {
				return e
			}
		case "function_call":
			switch {
			case it.CallID == "":
				return apierr.Invalid(p+".call_id", "missing_required_parameter", "function_call items need a call_id.")
			case it.Name == "":
				return apierr.Invalid(p+".name", "missing_required_parameter", "function_call items need a name.")
			}
			conversation++
		case "function_call_output":
			switch {
			case it.CallID == "":
				return apierr.Invalid(p+".call_id", "missing_required_parameter", "function_call_output items need the call_id they answer.")
			case it.Output.kind == contentAbsent:
				return apierr.Invalid(p+".output", "missing_required_parameter", "function_call_output items need an output.")
			case it.Output.kind == contentInvalid:
				return apierr.Invalid(subPath(p+".output", it.Output.badPath), "invalid_type", "output: "+it.Output.badMsg+".")
			}
			conversation++
		case "reasoning", "item_reference":
			// Accepted and ignored: the session holds the history.
		default:
			return apierr.Invalid(p+".type", "invalid_value", "input item type "+quote(it.Type)+
				" is not supported; use message, function_call or function_call_output.")
		}
	}
	if conversation == 0 {
		return apierr.Invalid("input", "invalid_value", "input must contain at least one user, assistant or function_call_output item.")
	}
	if lastUser >= 0 && imgs.count[lastUser] > maxImagesPerMessage {
		return apierr.Invalid(itemParam(lastUser)+".content", "too_many_images",
			"the latest user message has "+strconv.Itoa(imgs.count[lastUser])+" images; at most 8 are allowed.")
	}
	req.urlImage = imgs.firstURL
	return nil
}

func validateItemContent(i int, it *InputItem, imgs *imageBudget) *apierr.Error {
	p := itemParam(i)
	c := &it.Content
	switch c.kind {
	case contentAbsent:
		return apierr.Invalid(p+".content", "missing_required_parameter", "message items need content.")
	case contentInvalid:
		return apierr.Invalid(subPath(p+".content", c.badPath), "invalid_type", "content: "+c.badMsg+".")
	}
	for j := range c.Parts {
		part := &c.Parts[j]
		pp := p + ".content[" + strconv.Itoa(j) + "]"
		switch part.Type {
		case "input_text", "output_text", "refusal":
		case "input_image":
			if it.Role != "user" {
				return apierr.Invalid(pp+".type", "invalid_value", "input_image parts are only allowed in user messages.")
			}
			if part.ImageURL == "" {
				if part.FileID != "" {
					return apierr.Invalid(pp+".file_id", "unsupported_value", "file_id images are not supported; send image_url as a base64 data URL.")
				}
				return apierr.Invalid(pp+".image_url", "missing_required_parameter", "input_image parts need an image_url.")
			}
			if e := imgs.add(i, pp+".image_url", part.ImageURL); e != nil {
				return e
			}
		case "":
			return apierr.Invalid(pp+".type", "missing_required_parameter", "content parts need a type.")
		default:
			return apierr.Invalid(pp+".type", "invalid_value", "content part type "+quote(part.Type)+
				" is not supported; use input_text, output_text or input_image.")
		}
	}
	return nil
}

// turn builds the agent turn of a validated request: instructions and
// system/developer items go to System; function_call items become tool
// calls of an assistant message, function_call_output items tool messages.
func (req *ResponseRequest) turn() *agent.TurnRequest {
	t := &agent.TurnRequest{
		ToolChoice:  req.ToolChoice.neutral(),
		Temperature: req.Temperature,
		TopP:        req.TopP,
		User:        req.User,
	}
	if req.MaxOutputTokens != nil {
		t.MaxTokens = *req.MaxOutputTokens
	}
	if req.Instructions != "" {
		t.System = append(t.System, req.Instructions)
	}
	for _, tool := range req.Tools {
		params := tool.Parameters
		if string(params) == "null" {
			params = nil
		}
		t.Tools = append(t.Tools, provider.Tool{Name: tool.Name, Description: tool.Description, Parameters: params})
	}
	if req.Input.kind == contentText {
		t.Messages = []provider.Message{{Role: provider.RoleUser, Content: req.Input.Text}}
		return t
	}
	t.Messages = make([]provider.Message, 0, len(req.Input.Items))
	for i := range req.Input.Items {
		it := &req.Input.Items[i]
		switch it.Type {
		case "message", "":
			if it.Role == "system" || it.Role == "developer" {
				t.System = append(t.System, it.Content.textOf())
				continue
			}
			m := provider.Message{Role: it.Role}
			it.Content.neutralInto(&m)
			t.Messages = append(t.Messages, m)
		case "function_call":
			call := provider.ToolCall{ID: it.CallID, Name: it.Name, Arguments: it.Arguments}
			// Consecutive calls (and a call right after assistant text) form
			// one assistant message, as in chat completions.
			if n := len(t.Messages); n > 0 && t.Messages[n-1].Role == provider.RoleAssistant {
				t.Messages[n-1].ToolCalls = append(t.Messages[n-1].ToolCalls, call)
				continue
			}
			t.Messages = append(t.Messages, provider.Message{Role: provider.RoleAssistant, ToolCalls: []provider.ToolCall{call}})
		case "function_call_output":
			t.Messages = append(t.Messages, provider.Message{Role: provider.RoleTool, ToolCallID: it.CallID, Content: it.Output.textOf()})
		}
	}
	return t
}
