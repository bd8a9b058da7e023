package anthropic

import (
	"io"
	"strings"
	"testing"
)

// eightChunkBody is a whole streamed reply: message_start, ping, a text
// block of 8 text_delta events, message_delta and message_stop.
var eightChunkBody = func() string {
	var b strings.Builder
	b.WriteString("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01XFDUDYJgAACzvnptvVoYEL\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-haiku-4-5\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n")
	b.WriteString("event: ping\ndata: {\"type\": \"ping\"}\n\n")
	b.WriteString("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n")
	for range 8 {
		b.WriteString(textEvent)
	}
	b.WriteString("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n")
	b.WriteString("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}\n\n")
	b.WriteString("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")
	return b.String()
}()

// BenchmarkStreamLifecycle measures one whole streamed reply through the
// parser, from newStream to Close. One op is one stream.
func BenchmarkStreamLifecycle(b *testing.B) {
	b.ReportAllocs()
	src := strings.NewReader(eightChunkBody)
	for b.Loop() {
		src.Reset(eightChunkBody)
		s := newStream(src, nil, "bench", "m")
		for {
			if _, err := s.Next(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
		}
		s.Close()
	}
}
