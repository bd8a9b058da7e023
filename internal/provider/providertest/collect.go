package providertest

import (
	"io"
	"testing"

	"github.com/openclaw/openclaw-go/internal/provider"
)

// Collected is a provider stream read to its end, for assertions.
type Collected struct {
	Text     string                     // all text deltas, joined
	Texts    int                        // how many text deltas
	Calls    map[int]*provider.ToolCall // tool calls by index, fragments joined
	Finish   string                     // the finish reason
	FinishAt int                        // position of the finish delta, -1 if none
	Usage    *provider.Usage            // the last usage delta
	UsageAt  int                        // position of the usage delta, -1 if none
	Usages   int                        // how many usage deltas
	Last     provider.Delta             // the last delta
	Deltas   int                        // how many deltas in all
	Err      error                      // the error that ended the stream; nil at io.EOF
}

// Collect reads s to its end (or error) and closes it.
func Collect(t testing.TB, s provider.Stream) Collected {
	t.Helper()
	defer s.Close()
	c := Collected{Calls: map[int]*provider.ToolCall{}, UsageAt: -1, FinishAt: -1}
	for {
		d, err := s.Next()
		if err != nil {
			if err != io.EOF {
				c.Err = err
			}
			return c
		}
		c.Last = d
		switch {
		case d.Text != "":
			c.Text += d.Text
			c.Texts++
		case d.ToolCall != nil:
			tc := c.Calls[d.ToolCall.Index]
			if tc == nil {
				tc = &provider.ToolCall{}
				c.Calls[d.ToolCall.Index] = tc
			}
			if d.ToolCall.ID != "" {
				tc.ID = d.ToolCall.ID
			}
			tc.Name += d.ToolCall.Name
			tc.Arguments += d.ToolCall.Arguments
		case d.Usage != nil:
			c.Usage = d.Usage
			c.UsageAt = c.Deltas
			c.Usages++
		case d.FinishReason != "":
			c.Finish = d.FinishReason
			c.FinishAt = c.Deltas
		}
		c.Deltas++
	}
}
