// Command mockupstream serves the deterministic OpenAI-protocol mock of
// bench/mock on a loopback address, for the load harness and the
// real-client tests. With -chaos it becomes an unreliable upstream for
// fault-injection runs (GET /chaos/stats reports what it injected).
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/openclaw/openclaw-go/bench/mock"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback)")
	chunks := flag.Int("chunks", 8, "text chunks per reply")
	delay := flag.Duration("chunk-delay", 0, "pause between streamed chunks")
	first := flag.Duration("first-byte", 0, "pause before the response headers")
	hold := flag.Duration("hold", 0, "pause after a stream's first content chunk (slow streams)")
	chaosSpec := flag.String("chaos", "", `inject faults into chat completions, e.g. "fail=0.1,reset=0.05,stall=0.01,stall-for=2s,seed=1" `+
		`(fail: drop/429/500/503/malformed before output; reset: TCP reset or broken SSE after the first chunk; stall: pause before answering)`)
	flag.Parse()
	chaos, err := mock.ParseChaos(*chaosSpec)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mockupstream:", err)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mockupstream:", err)
		os.Exit(1)
	}
	// The first line of stdout is the base URL, for scripts.
	fmt.Printf("http://%s/v1\n", ln.Addr())
	srv := &http.Server{Handler: mock.New(mock.Options{Chunks: *chunks, ChunkDelay: *delay, FirstByte: *first, Hold: *hold, Chaos: chaos}),
		ReadHeaderTimeout: 10 * time.Second}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, "mockupstream:", err)
		os.Exit(1)
	}
}
