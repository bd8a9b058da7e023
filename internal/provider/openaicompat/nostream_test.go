package openaicompat

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/internal/provider"
	"github.com/openclaw/openclaw-go/internal/provider/providertest"
)

func noStreamReq() *provider.Request {
	return &provider.Request{Model: "gpt-test", Messages: []provider.Message{{Role: "user", Content: "hi"}}, NoStream: true}
}

func TestNoStreamText(t *testing.T) {
	t.Parallel()
	usage := &provider.Usage{PromptTokens: 11, CompletionTokens: 4, TotalTokens: 15}
	srv := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Text: "Hello brave new world", Usage: usage}))
	got := streamAll(t, newClient(srv, nil), noStreamReq())
	if got.Err != nil {
		t.Fatal(got.Err)
	}
	if got.Text != "Hello brave new world" || got.Texts != 1 || got.Finish != "stop" {
		t.Errorf("text %q in %d deltas, finish %q", got.Text, got.Texts, got.Finish)
	}
	if !reflect.DeepEqual(got.Usage, usage) || got.UsageAt != got.Deltas-1 || got.FinishAt > got.UsageAt {
		t.Errorf("usage %+v at %d, finish at %d of %d: want usage last", got.Usage, got.UsageAt, got.FinishAt, got.Deltas)
	}
	r := srv.Last(t)
	if r.Stream() || r.JSON["stream_options"] != nil {
		t.Errorf("request body %s: want stream false without stream_options", r.Body)
	}
	if a, e := r.Header.Get("Accept"), r.Header.Get("Accept-Encoding"); a != "application/json" || e != "identity" {
		t.Errorf("Accept %q, Accept-Encoding %q", a, e)
	}
}

func TestNoStreamWithoutUsageInventsNone(t *testing.T) {
	t.Parallel()
	srv := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Text: "x", FinishReason: "length"}))
	got := streamAll(t, newClient(srv, nil), noStreamReq())
	if got.Err != nil || got.Usage != nil || got.Finish != "length" {
		t.Fatalf("%+v", got)
	}
}

func TestNoStreamToolCalls(t *testing.T) {
	t.Parallel()
	calls := []provider.ToolCall{
		{ID: "call_a", Name: "get_weather", Arguments: `{"city":"Paris","unit":"celsius"}`},
		{ID: "call_b", Name: "get_time", Arguments: `{"tz":"Europe/Paris"}`},
		{ID: "call_c", Name: "noop", Arguments: ""},
	}
	for _, text := range []string{"", "Let me check."} {
		srv := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Text: text, ToolCalls: calls,
			Usage: &provider.Usage{PromptTokens: 5, CompletionTokens: 7}}))
		s, err := newClient(srv, nil).Stream(t.Context(), noStreamReq())
		if err != nil {
			t.Fatal(err)
		}
		var deltas []provider.Delta
		for {
			d, err := s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			deltas = append(deltas, d)
		}
		s.Close()
		var want []provider.Delta
		if text != "" {
			want = append(want, provider.Delta{Text: text})
		}
		for i, c := range calls {
			want = append(want, provider.Delta{ToolCall: &provider.ToolCallDelta{Index: i, ID: c.ID, Name: c.Name, Arguments: c.Arguments}})
		}
		want = append(want, provider.Delta{FinishReason: "tool_calls"}, provider.Delta{Usage: &provider.Usage{PromptTokens: 5, CompletionTokens: 7, TotalTokens: 12}})
		if !reflect.DeepEqual(deltas, want) {
			t.Errorf("text %q: deltas\n%s\nwant\n%s", text, fmtDeltas(deltas), fmtDeltas(want))
		}
	}
}

func fmtDeltas(ds []provider.Delta) string {
	var b strings.Builder
	for _, d := range ds {
		switch {
		case d.ToolCall != nil:
			fmt.Fprintf(&b, "tool %+v\n", *d.ToolCall)
		case d.Usage != nil:
			fmt.Fprintf(&b, "usage %+v\n", *d.Usage)
		default:
			fmt.Fprintf(&b, "%+v\n", d)
		}
	}
	return b.String()
}

func TestNoStreamErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		reply      providertest.Reply
		status     int
		msg        string
		retryAfter time.Duration
		retryable  bool
		hint       string
	}{
		{"401 carries the key hint", providertest.Reply{Status: 401, ErrorMessage: "Incorrect API key provided"}, 401, "Incorrect API key provided", 0, false, "check TEST_KEY"},
		{"404 names the model", providertest.Reply{Status: 404, ErrorMessage: "no such model"}, 404, "no such model", 0, false, `check that model "gpt-test" exists`},
		{"429 with Retry-After", providertest.Reply{Status: 429, ErrorMessage: "slow down", RetryAfter: "7"}, 429, "slow down", 7 * time.Second, true, ""},
		{"429 with retry-after-ms", providertest.Reply{Status: 429, Headers: map[string]string{"retry-after-ms": "1500"}}, 429, "Too Many Requests", 1500 * time.Millisecond, true, ""},
		{"503 non-JSON body quoted", providertest.Reply{Status: 503, Body: "<html>upstream down</html>"}, 503, "<html>upstream down", 0, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := providertest.NewOpenAI(t, providertest.Replies(tc.reply))
			_, err := newClient(srv, nil).Stream(t.Context(), noStreamReq())
			pe := wantKind(t, err, provider.KindUpstream)
			if pe.Status != tc.status || !strings.HasPrefix(pe.Message, tc.msg) || pe.Retryable() != tc.retryable || !strings.Contains(pe.Hint, tc.hint) {
				t.Errorf("got %+v", pe)
			}
			if pe.RetryAfter < tc.retryAfter || pe.RetryAfter > tc.retryAfter+time.Second {
				t.Errorf("RetryAfter = %v, want %v", pe.RetryAfter, tc.retryAfter)
			}
		})
	}
}

func TestNoStreamErrorInBody(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"error":{"message":"upstream overloaded","code":502}}`)
	}))
	defer srv.Close()
	got := streamAll(t, New(Options{ID: "x", BaseURL: srv.URL}), noStreamReq())
	pe := wantKind(t, got.Err, provider.KindUpstream)
	if pe.Status != 502 || !pe.Retryable() || pe.Message != "upstream overloaded" {
		t.Errorf("%+v", pe)
	}
}

func TestNoStreamBrokenBodies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		reply providertest.Reply
		kind  provider.ErrorKind
	}{
		{"reset mid-body", providertest.Reply{Text: "x", Fault: providertest.ResetMidStream}, provider.KindUnreachable},
		{"truncated body", providertest.Reply{Text: "x", Fault: providertest.Truncate}, provider.KindProtocol},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := providertest.NewOpenAI(t, providertest.Replies(tc.reply))
			got := streamAll(t, newClient(srv, nil), noStreamReq())
			wantKind(t, got.Err, tc.kind)
		})
	}
}

func TestNoStreamIdleTimeout(t *testing.T) {
	t.Parallel()
	srv := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Text: "x", Fault: providertest.StallMidStream}))
	p := newClient(srv, func(o *Options) { o.Timeouts = provider.Timeouts{Idle: 100 * time.Millisecond} })
	got := streamAll(t, p, noStreamReq())
	wantKind(t, got.Err, provider.KindTimeout)
	waitCanceled(t, srv)
}

// A non-streamed answer comes only when the whole completion is generated:
// the first-byte timeout gives way to the (longer) response timeout.
func TestNoStreamWaitsForTheWholeCompletion(t *testing.T) {
	t.Parallel()
	srv := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Text: "slow", FirstByteDelay: 300 * time.Millisecond}))
	p := newClient(srv, func(o *Options) { o.Timeouts = provider.Timeouts{FirstByte: 50 * time.Millisecond} })
	if got := streamAll(t, p, noStreamReq()); got.Err != nil || got.Text != "slow" {
		t.Fatalf("%+v", got)
	}
	// Streamed, the same delay trips the first-byte timeout.
	_, err := p.Stream(t.Context(), &provider.Request{Model: "m"})
	wantKind(t, err, provider.KindTimeout)

	srv = providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Fault: providertest.StallBeforeHeaders}))
	p = newClient(srv, func(o *Options) {
		o.Timeouts = provider.Timeouts{FirstByte: 50 * time.Millisecond, Response: 200 * time.Millisecond}
	})
	start := time.Now()
	_, err = p.Stream(t.Context(), noStreamReq())
	wantKind(t, err, provider.KindTimeout)
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("timed out after %v, before the response timeout", d)
	}
	waitCanceled(t, srv)
}

// A server that streams although asked not to is still understood.
func TestNoStreamServerStreamsAnyway(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: "+`{"choices":[{"delta":{"content":"streamed"}}]}`+"\n\n"+
			"data: "+`{"choices":[{"delta":{},"finish_reason":"stop"}]}`+"\n\ndata: [DONE]\n\n")
	}))
	defer srv.Close()
	got := streamAll(t, New(Options{ID: "x", BaseURL: srv.URL}), noStreamReq())
	if got.Err != nil || got.Text != "streamed" || got.Finish != "stop" {
		t.Fatalf("%+v", got)
	}
}

func TestNoStreamConnectionReused(t *testing.T) {
	t.Parallel()
	srv := providertest.NewOpenAI(t, providertest.Replies(providertest.Reply{Text: "hi there"}))
	p := newClient(srv, func(o *Options) { o.Client = &http.Client{Transport: provider.NewTransport()} })
	var reused []bool
	ctx := httptrace.WithClientTrace(t.Context(), &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = append(reused, i.Reused) }})
	for range 3 {
		s, err := p.Stream(ctx, noStreamReq())
		if err != nil {
			t.Fatal(err)
		}
		if got := providertest.Collect(t, s); got.Err != nil {
			t.Fatal(got.Err)
		}
	}
	if !reflect.DeepEqual(reused, []bool{false, true, true}) {
		t.Errorf("connection reuse = %v, want [false true true]", reused)
	}
}
