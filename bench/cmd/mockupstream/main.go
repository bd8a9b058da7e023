// Command mockupstream serves the deterministic OpenAI-protocol mock of
// bench/mock on a loopback address, for the load harness and the
// real-client tests.
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
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mockupstream:", err)
		os.Exit(1)
	}
	// The first line of stdout is the base URL, for scripts.
	fmt.Printf("http://%s/v1\n", ln.Addr())
	srv := &http.Server{Handler: mock.New(mock.Options{Chunks: *chunks, ChunkDelay: *delay, FirstByte: *first, Hold: *hold}),
		ReadHeaderTimeout: 10 * time.Second}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, "mockupstream:", err)
		os.Exit(1)
	}
}
