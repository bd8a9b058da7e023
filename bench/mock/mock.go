// Package mock is a deterministic LLM upstream that speaks the OpenAI Chat
// Completions and Embeddings protocols (non-stream and SSE). The load harness
// and the real-client tests run it as a separate process (bench/cmd/mockupstream)
// so that the gateway is measured and tested over real sockets.
//
// Behaviour:
//   - a request with tools whose last message is not a tool result gets a
//     call of the first tool, arguments {"city":"Paris"} (finish_reason tool_calls);
//   - otherwise the reply is Chunks words of text; when the last message is
//     a tool result the text quotes it;
//   - usage is always reported (in the final chunk when streaming with
//     stream_options.include_usage);
//   - /v1/embeddings returns 8-dimensional vectors derived from the input;
//   - with Options.Chaos set, chat completions fail at random (see Chaos)
//     and GET /chaos/stats reports what was injected.
package mock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/openclaw/openclaw-go/internal/chunkjson"
)

// Options shape the replies.
type Options struct {
	Chunks     int           // text chunks per reply (default 8)
	ChunkDelay time.Duration // pause between streamed chunks
	FirstByte  time.Duration // pause before the response headers
	// Hold pauses a stream after its first content chunk, as a slow model
	// would; the pause ends early when the client goes away. The load
	// harness uses it to keep thousands of streams open at once.
	Hold time.Duration
	// Chaos, when set, injects faults into chat completions (see Chaos);
	// nil keeps the mock deterministic and reliable.
	Chaos *Chaos
}

// Server is the mock upstream.
type Server struct {
	opts Options
	n    atomic.Uint64
}

// New returns a mock upstream handler.
func New(o Options) *Server {
	if o.Chunks <= 0 {
		o.Chunks = 8
	}
	return &Server{opts: o}
}

type chatReq struct {
	Model         string         `json:"model"`
	Stream        bool           `json:"stream"`
	StreamOptions *streamOptions `json:"stream_options"`
	Messages      []chatMsg      `json:"messages"`
	Tools         []struct {
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	} `json:"tools"`
	ToolChoice json.RawMessage `json:"tool_choice"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type chatMsg struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// chatFields are the members of a chat request the mock reads; the scan
// in read skips everything else.
var (
	chatFields         = []string{"model", "stream", "stream_options", "messages", "tools", "tool_choice"}
	streamOptionFields = []string{"include_usage"}
	messageFields      = []string{"role", "content"}
)

// read decodes a chat request. The mock stands for an upstream whose cost
// does not depend on the prompt: it shares the load generator's CPU, so a
// decode whose cost grows with the history (encoding/json takes about 20 µs
// for a 16-turn session) would be charged to whichever target sends the
// longer prompt. It therefore scans the body and decodes only the fields it
// needs (messages: only the last), falling back to encoding/json, and to
// its error message, on anything the scan does not take.
func (req *chatReq) read(body io.Reader, size int64) error {
	buf := bytes.NewBuffer(make([]byte, 0, max(0, min(size, 1<<20))+bytes.MinRead))
	if _, err := buf.ReadFrom(body); err != nil {
		return err
	}
	data := buf.Bytes()
	var sc chunkjson.Scanner
	sc.Reset(data)
	var last []byte
	var tools []byte
	ok := sc.Fields(chatFields, func(i int) bool {
		switch i {
		case 0:
			return chunkjson.Into(&sc, &req.Model)
		case 1:
			return chunkjson.Into(&sc, &req.Stream)
		case 2:
			if sc.Null() {
				return true
			}
			req.StreamOptions = &streamOptions{}
			return sc.Fields(streamOptionFields, func(int) bool { return chunkjson.Into(&sc, &req.StreamOptions.IncludeUsage) })
		case 3:
			n := 0
			if sc.Null() {
				return true
			}
			ok := sc.Elems(func() bool {
				var ok bool
				last, ok = sc.Raw()
				n++
				return ok && (last[0] == '{' || string(last) == "null")
			})
			req.Messages = make([]chatMsg, n)
			return ok
		case 4:
			var ok bool
			tools, ok = sc.Raw()
			return ok
		default:
			var ok bool
			req.ToolChoice, ok = sc.Raw()
			return ok
		}
	}) && sc.End()
	if ok && last != nil {
		m := &req.Messages[len(req.Messages)-1]
		sc.Reset(last)
		ok = sc.Null() || sc.Fields(messageFields, func(i int) bool {
			if i == 0 {
				return chunkjson.Into(&sc, &m.Role)
			}
			raw, ok := sc.Raw()
			m.Content = raw
			return ok
		})
	}
	if ok && tools != nil && string(tools) != "null" {
		ok = json.Unmarshal(tools, &req.Tools) == nil
	}
	if ok {
		return nil
	}
	*req = chatReq{}
	return json.Unmarshal(data, req)
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/chaos/stats" && s.opts.Chaos != nil:
		s.opts.Chaos.serveStats(w)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/chat/completions"):
		s.chat(w, r)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/embeddings"):
		s.embeddings(w, r)
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/models"):
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"object":"list","data":[{"id":"mock-model","object":"model","created":0,"owned_by":"mock"}]}`))
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":{"message":"mock: no route","type":"invalid_request_error"}}`))
	}
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	var req chatReq
	if err := req.read(r.Body, r.ContentLength); err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":{"message":%q,"type":"invalid_request_error"}}`, err.Error())
		return
	}
	fault := FaultNone
	if c := s.opts.Chaos; c != nil {
		fault = c.draw()
		if !fault.beforeHeaders(w, r, c, req.Stream) {
			return
		}
	}
	if s.opts.FirstByte > 0 {
		time.Sleep(s.opts.FirstByte)
	}
	id := "chatcmpl-mock" + strconv.FormatUint(s.n.Add(1), 10)
	last := ""
	lastRole := ""
	if n := len(req.Messages); n > 0 {
		lastRole = req.Messages[n-1].Role
		_ = json.Unmarshal(req.Messages[n-1].Content, &last)
	}
	toolCall := len(req.Tools) > 0 && lastRole != "tool" && string(req.ToolChoice) != `"none"`
	words := make([]string, s.opts.Chunks)
	for i := range words {
		words[i] = "word" + strconv.Itoa(i) + " "
	}
	if lastRole == "tool" {
		words[0] = "tool said " + last + ". "
	}
	promptTokens := 10 + len(req.Messages)
	usage := fmt.Sprintf(`{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}`, promptTokens, s.opts.Chunks, promptTokens+s.opts.Chunks)
	if !req.Stream {
		w.Header().Set("Content-Type", "application/json")
		if toolCall {
			fmt.Fprintf(w, `{"id":%q,"object":"chat.completion","created":1700000000,"model":%q,"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_mock1","type":"function","function":{"name":%q,"arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":"tool_calls"}],"usage":%s}`,
				id, req.Model, req.Tools[0].Function.Name, usage)
			return
		}
		text, _ := json.Marshal(strings.Join(words, ""))
		if fault == FaultReset || fault == FaultGarbageMidStream {
			w.WriteHeader(http.StatusOK)
			fmt.Fprintf(w, `{"id":%q,"object":"chat.completion","created":1700000000,"model":%q,"choices":[{"index":0,"message":{"role":"assistant","content":%s`,
				id, req.Model, text[:len(text)/2])
			_ = http.NewResponseController(w).Flush()
			if fault == FaultReset {
				resetConn(w)
			}
			return
		}
		fmt.Fprintf(w, `{"id":%q,"object":"chat.completion","created":1700000000,"model":%q,"choices":[{"index":0,"message":{"role":"assistant","content":%s},"finish_reason":"stop"}],"usage":%s}`,
			id, req.Model, text, usage)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	flusher, _ := w.(http.Flusher)
	send := func(payload string) {
		_, _ = w.Write([]byte("data: " + payload + "\n\n"))
		if flusher != nil {
			flusher.Flush()
		}
	}
	head := `{"id":"` + id + `","object":"chat.completion.chunk","created":1700000000,"model":"` + req.Model + `","choices":[`
	send(head + `{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`)
	finish := "stop"
	if toolCall {
		name := req.Tools[0].Function.Name
		send(head + `{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_mock1","type":"function","function":{"name":"` + name + `","arguments":""}}]},"finish_reason":null}]}`)
		switch fault {
		case FaultReset:
			resetConn(w)
			return
		case FaultGarbageMidStream:
			send(head + `{"index":0,"delta":{"tool_calls":[{"ind`)
			return
		}
		send(head + `{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]},"finish_reason":null}]}`)
		send(head + `{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]},"finish_reason":null}]}`)
		finish = "tool_calls"
	} else {
		for i, wd := range words {
			if s.opts.ChunkDelay > 0 {
				time.Sleep(s.opts.ChunkDelay)
			}
			b, _ := json.Marshal(wd)
			send(head + `{"index":0,"delta":{"content":` + string(b) + `},"finish_reason":null}]}`)
			if i == 0 && fault == FaultReset {
				resetConn(w)
				return
			}
			if i == 0 && fault == FaultGarbageMidStream {
				send(head + `{"index":0,"delta":{"content":"wor`)
				return
			}
			if i == 0 && s.opts.Hold > 0 {
				t := time.NewTimer(s.opts.Hold)
				select {
				case <-t.C:
				case <-r.Context().Done():
					t.Stop()
					return
				}
			}
		}
	}
	send(head + `{"index":0,"delta":{},"finish_reason":"` + finish + `"}]}`)
	if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
		send(`{"id":"` + id + `","object":"chat.completion.chunk","created":1700000000,"model":"` + req.Model + `","choices":[],"usage":` + usage + `}`)
	}
	send("[DONE]")
}

func (s *Server) embeddings(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Model string          `json:"model"`
		Input json.RawMessage `json:"input"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var inputs []string
	if err := json.Unmarshal(req.Input, &inputs); err != nil {
		var one string
		_ = json.Unmarshal(req.Input, &one)
		inputs = []string{one}
	}
	type item struct {
		Object    string    `json:"object"`
		Index     int       `json:"index"`
		Embedding []float64 `json:"embedding"`
	}
	out := struct {
		Object string         `json:"object"`
		Data   []item         `json:"data"`
		Model  string         `json:"model"`
		Usage  map[string]int `json:"usage"`
	}{Object: "list", Model: req.Model, Usage: map[string]int{"prompt_tokens": len(inputs), "total_tokens": len(inputs)}}
	for i, in := range inputs {
		h := fnv.New64a()
		_, _ = h.Write([]byte(in))
		seed := h.Sum64()
		vec := make([]float64, 8)
		for j := range vec {
			vec[j] = float64((seed>>(j*8))&0xff) / 255
		}
		out.Data = append(out.Data, item{Object: "embedding", Index: i, Embedding: vec})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}
