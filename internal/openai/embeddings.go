package openai

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http"
	"strconv"

	"github.com/openclaw/openclaw-go/internal/agent"
	"github.com/openclaw/openclaw-go/internal/apierr"
)

// maxEmbeddingInputs caps the inputs of one embeddings request (OpenAI's
// own limit).
const maxEmbeddingInputs = 2048

// EmbeddingRequest is the body of POST /v1/embeddings. model is an agent
// target; the backend embedding model is x-openclaw-model or the agent's
// embedding setting.
type EmbeddingRequest struct {
	Model          string         `json:"model"`
	Input          EmbeddingInput `json:"input"`
	EncodingFormat string         `json:"encoding_format"`
	Dimensions     *int           `json:"dimensions"`
	User           string         `json:"user"`
}

// EmbeddingInput is input: a string or an array of strings. Token arrays
// are rejected.
type EmbeddingInput struct {
	List []string

	set  bool
	bad  string
	item int // index of the offending array element, -1 for the whole input
}

// UnmarshalJSON accepts a string or an array of strings.
func (in *EmbeddingInput) UnmarshalJSON(b []byte) error {
	*in = EmbeddingInput{item: -1}
	switch b[0] {
	case 'n':
		return nil
	case '"':
		s, _ := rawString(b)
		in.List, in.set = []string{s}, true
	case '[':
		in.set = true
		var raw []json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			in.bad = "input must be a string or an array of strings"
			return nil
		}
		in.List = make([]string, len(raw))
		for i, r := range raw {
			s, ok := rawString(r)
			if !ok {
				in.item = i
				in.bad = "input must be a string or an array of strings; token arrays are not supported"
				return nil
			}
			in.List[i] = s
		}
	default:
		in.set, in.bad = true, "input must be a string or an array of strings"
	}
	return nil
}

// MarshalJSON writes the list of strings.
func (in EmbeddingInput) MarshalJSON() ([]byte, error) { return json.Marshal(in.List) }

// Validate checks model, input and encoding_format.
func (req *EmbeddingRequest) Validate() *apierr.Error {
	if req.Model == "" {
		return apierr.Invalid("model", "missing_required_parameter", "model is required (an agent target such as \"openclaw/default\").")
	}
	in := &req.Input
	switch {
	case !in.set:
		return apierr.Invalid("input", "missing_required_parameter", "input is required.")
	case in.bad != "" && in.item >= 0:
		return apierr.Invalid("input["+strconv.Itoa(in.item)+"]", "invalid_type", in.bad+".")
	case in.bad != "":
		return apierr.Invalid("input", "invalid_type", in.bad+".")
	case len(in.List) == 0:
		return apierr.Invalid("input", "invalid_value", "input must not be an empty array.")
	case len(in.List) > maxEmbeddingInputs:
		return apierr.Invalid("input", "invalid_value", "input has more than 2048 entries.")
	}
	for i, s := range in.List {
		if s == "" {
			p := "input"
			if len(in.List) > 1 {
				p += "[" + strconv.Itoa(i) + "]"
			}
			return apierr.Invalid(p, "invalid_value", "input strings must not be empty.")
		}
	}
	switch req.EncodingFormat {
	case "", "float", "base64":
	default:
		return apierr.Invalid("encoding_format", "invalid_value", "encoding_format must be \"float\" or \"base64\".")
	}
	if req.Dimensions != nil {
		return apierr.Invalid("dimensions", "unsupported_value",
			"dimensions is not supported: the vector size is the embedding model's.").
			WithHint("configure a model with the size you need in agents.defaults.embedding.model")
	}
	return nil
}

// Embedding is one vector. Embedding holds []float64 for
// encoding_format "float" and a base64 string of little-endian float32
// values for "base64" (which the official SDKs request by default).
type Embedding struct {
	Object    string `json:"object"` // "embedding"
	Index     int    `json:"index"`
	Embedding any    `json:"embedding"`
}

// EmbeddingUsage is the usage of an embeddings reply.
type EmbeddingUsage struct {
	PromptTokens int `json:"prompt_tokens"`
	TotalTokens  int `json:"total_tokens"`
}

// EmbeddingList is the reply of /v1/embeddings.
type EmbeddingList struct {
	Object string         `json:"object"` // "list"
	Data   []Embedding    `json:"data"`
	Model  string         `json:"model"` // the requested model id
	Usage  EmbeddingUsage `json:"usage"`
}

func (h *handler) embeddings(w http.ResponseWriter, r *http.Request) *apierr.Error {
	req, e := decode[EmbeddingRequest](r)
	if e != nil {
		return e
	}
	override, e := h.modelOverride(r)
	if e != nil {
		return e
	}
	agentID, e := h.resolveModel(r, req.Model)
	if e != nil {
		return e
	}
	res, _, err := h.rt.Embed(r.Context(), agentID, override, req.Input.List)
	if err != nil {
		return agent.APIError(err)
	}
	if len(res.Vectors) != len(req.Input.List) {
		return apierr.New(http.StatusBadGateway, "upstream_protocol_error",
			"The embedding provider returned "+strconv.Itoa(len(res.Vectors))+" vectors for "+
				strconv.Itoa(len(req.Input.List))+" inputs.", "")
	}
	out := EmbeddingList{Object: "list", Data: make([]Embedding, len(res.Vectors)), Model: req.Model}
	for i, v := range res.Vectors {
		out.Data[i] = Embedding{Object: "embedding", Index: i, Embedding: v}
		if req.EncodingFormat == "base64" {
			out.Data[i].Embedding = float32Base64(v)
		}
	}
	// Usage only from the provider; zeros when it reported none.
	if res.Usage != nil {
		out.Usage = EmbeddingUsage{PromptTokens: res.Usage.PromptTokens, TotalTokens: res.Usage.TotalTokens}
		if out.Usage.TotalTokens == 0 {
			out.Usage.TotalTokens = out.Usage.PromptTokens
		}
	}
	writeJSON(w, &out)
	return nil
}

// float32Base64 encodes v as little-endian float32s in base64, the wire
// form of encoding_format "base64".
func float32Base64(v []float64) string {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(float32(f)))
	}
	return base64.StdEncoding.EncodeToString(b)
}
