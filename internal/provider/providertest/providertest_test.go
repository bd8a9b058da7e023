package providertest

import (
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/openclaw/openclaw-go/internal/provider"
)

func post(t *testing.T, url, body string, h map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestOpenAINonStream(t *testing.T) {
	t.Parallel()
	srv := NewOpenAI(t, Replies(Reply{Text: "hello", ToolCalls: []provider.ToolCall{{Name: "f", Arguments: `{"a":1}`}}, Usage: &provider.Usage{PromptTokens: 1, CompletionTokens: 2, TotalTokens: 3}}))
	resp, body := post(t, srv.BaseURL()+"/chat/completions", `{"model":"m","messages":[]}`, nil)
	var got struct {
		Object  string
		Model   string
		Choices []struct {
			Message struct {
				Content   string
				ToolCalls []struct{ ID string } `json:"tool_calls"`
			}
			FinishReason string `json:"finish_reason"`
		}
		Usage provider.Usage
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if got.Object != "chat.completion" || got.Model != "m" || got.Choices[0].Message.Content != "hello" ||
		got.Choices[0].FinishReason != "tool_calls" || got.Choices[0].Message.ToolCalls[0].ID == "" || got.Usage.TotalTokens != 3 {
		t.Errorf("%s", body)
	}
	if r := srv.Last(t); r.Stream() || r.JSON["model"] != "m" || r.N != 0 {
		t.Errorf("recorded %+v", r)
	}
}

func TestOpenAIStreamWire(t *testing.T) {
	t.Parallel()
	srv := NewOpenAI(t, Replies(Reply{Text: "a b", Usage: &provider.Usage{TotalTokens: 2}}))
	_, body := post(t, srv.BaseURL()+"/chat/completions", `{"model":"m","stream":true,"stream_options":{"include_usage":true}}`, nil)
	events := strings.Split(strings.TrimSpace(body), "\n\n")
	if len(events) != 6 || events[5] != "data: [DONE]" || !strings.Contains(events[4], `"usage"`) || !strings.Contains(events[3], `"finish_reason":"stop"`) {
		t.Errorf("stream:\n%s", body)
	}
}

func TestAnthropicRequiresVersion(t *testing.T) {
	t.Parallel()
	srv := NewAnthropic(t, nil)
	resp, body := post(t, srv.BaseURL()+"/v1/messages", `{"model":"m"}`, nil)
	if resp.StatusCode != 400 || !strings.Contains(body, `"type":"error"`) {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
	resp, body = post(t, srv.BaseURL()+"/v1/messages", `{"model":"m"}`, map[string]string{"anthropic-version": "2023-06-01"})
	if resp.StatusCode != 200 || !strings.Contains(body, `"type":"message"`) {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
}

func TestSplit(t *testing.T) {
	t.Parallel()
	if got := Split("héllo wörld", 3); !reflect.DeepEqual(got, []string{"héll", "o wö", "rld"}) {
		t.Errorf("Split = %q", got)
	}
	if got := SplitWords("one  two three"); !reflect.DeepEqual(got, []string{"one  ", "two ", "three"}) {
		t.Errorf("SplitWords = %q", got)
	}
	if Split("", 3) != nil || len(Split("ab", 5)) != 2 {
		t.Error("short inputs")
	}
}
