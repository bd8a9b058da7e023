package provider

import (
	"encoding/json"
	"testing"
)

func TestUsageAppendJSONMatchesMarshal(t *testing.T) {
	for _, u := range []Usage{{}, {PromptTokens: 12, CompletionTokens: 8, TotalTokens: 20}, {PromptTokens: -1, TotalTokens: 1 << 40}} {
		want, _ := json.Marshal(u)
		if got := u.AppendJSON(nil); string(got) != string(want) {
			t.Errorf("%s, want %s", got, want)
		}
	}
}
