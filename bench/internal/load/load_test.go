package load

import (
	"context"
	"math"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/openclaw/openclaw-go/bench/mock"
)

func TestCheckLoopback(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, url string
		ok        bool
	}{
		{"127.0.0.1 is loopback", "http://127.0.0.1:8080/v1/chat/completions", true},
		{"anything in 127.0.0.0/8 is loopback", "http://127.3.2.1:80/", true},
		{"IPv6 ::1 is loopback", "http://[::1]:9000/v1", true},
		{"localhost by name is allowed", "http://localhost:18789/v1", true},
		{"LOCALHOST is case-insensitive", "https://LOCALHOST/", true},
		{"a private LAN address is refused", "http://192.168.1.10:8080/", false},
		{"a public address is refused", "http://8.8.8.8/", false},
		{"the unspecified address is refused", "http://0.0.0.0:8080/", false},
		{"a hostname other than localhost is refused", "http://example.com/", false},
		{"a name that merely starts with localhost is refused", "http://localhost.example.com/", false},
		{"IPv4-mapped public IPv6 is refused", "http://[::ffff:8.8.8.8]/", false},
		{"a non-http scheme is refused", "ftp://127.0.0.1/", false},
		{"no host is refused", "http:///v1", false},
		{"garbage is refused", "://", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := CheckLoopback(tc.url)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckLoopback(%q) = %v, want ok=%v", tc.url, err, tc.ok)
			}
		})
	}
}

func ms(xs ...int) []time.Duration {
	d := make([]time.Duration, len(xs))
	for i, x := range xs {
		d[i] = time.Duration(x) * time.Millisecond
	}
	return d
}

func TestPercentileIsNearestRank(t *testing.T) {
	t.Parallel()
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	for _, tc := range []struct {
		name string
		d    []time.Duration
		p    float64
		want time.Duration
	}{
		{"empty is zero", nil, 50, 0},
		{"one sample is every percentile", ms(7), 99, 7 * time.Millisecond},
		{"p50 of 1..100 is 50", hundred, 50, 50 * time.Millisecond},
		{"p90 of 1..100 is 90", hundred, 90, 90 * time.Millisecond},
		{"p99 of 1..100 is 99", hundred, 99, 99 * time.Millisecond},
		{"p100 is the max", hundred, 100, 100 * time.Millisecond},
		{"p50 of four rounds up to the second", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of four is the max", ms(1, 2, 3, 4), 99, 4 * time.Millisecond},
		{"a tiny percentile is the min", ms(1, 2, 3, 4), 0.1, time.Millisecond},
	} {
		if got := Percentile(tc.d, tc.p); got != tc.want {
			t.Errorf("%s: Percentile(p=%v) = %v, want %v", tc.name, tc.p, got, tc.want)
		}
	}
}

func TestSummarizeSortsAndReportsMicroseconds(t *testing.T) {
	t.Parallel()
	s := Summarize(ms(4, 1, 3, 2))
	want := Summary{N: 4, Mean: 2500, P50: 2000, P90: 4000, P99: 4000, Max: 4000}
	if s != want {
		t.Fatalf("Summarize = %+v, want %+v", s, want)
	}
	if (Summarize(nil) != Summary{}) {
		t.Fatal("Summarize(nil) is not zero")
	}
}

func TestMedian(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		xs   []float64
		want float64
	}{
		{"odd count takes the middle", []float64{3, 1, 2}, 2},
		{"even count averages the middle two", []float64{4, 1, 3, 2}, 2.5},
		{"one value", []float64{5}, 5},
	} {
		if got := Median(tc.xs); got != tc.want {
			t.Errorf("%s: Median(%v) = %v, want %v", tc.name, tc.xs, got, tc.want)
		}
	}
	if !math.IsNaN(Median(nil)) {
		t.Error("Median(nil) is not NaN")
	}
	xs := []float64{3, 1, 2}
	Median(xs)
	if xs[0] != 3 {
		t.Error("Median modified its input")
	}
}

func TestParseStatTicksCountsFromTheLastParen(t *testing.T) {
	t.Parallel()
	// A command name with spaces and a ')' must not shift the fields.
	line := []byte("4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 1000 0 0 0 150 25 0 0 20 0 12 0 100 1000000 2000 18446744073709551615\n")
	got, err := parseStatTicks(line)
	if err != nil || got != 175 {
		t.Fatalf("parseStatTicks = %d, %v; want 175", got, err)
	}
	if _, err := parseStatTicks([]byte("1 (x) S 1")); err == nil {
		t.Fatal("short stat line parsed")
	}
}

func TestStatusKB(t *testing.T) {
	t.Parallel()
	status := []byte("Name:\tx\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\n")
	if got := statusKB(status, "VmHWM:"); got != 20480 {
		t.Errorf("VmHWM = %d", got)
	}
	if got := statusKB(status, "VmRSS:"); got != 10240 {
		t.Errorf("VmRSS = %d", got)
	}
	if got := statusKB(status, "VmSwap:"); got != 0 {
		t.Errorf("missing key = %d", got)
	}
}

func TestReadProcSelf(t *testing.T) {
	t.Parallel()
	s, err := ReadProc(SelfPID())
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	if s.RSSKB <= 0 || s.PeakRSSKB < s.RSSKB {
		t.Fatalf("implausible sample %+v", s)
	}
}

func TestHasContent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		payload string
		want    bool
	}{
		{`{"choices":[{"delta":{"role":"assistant","content":""}}]}`, false},
		{`{"choices":[{"delta":{"content":"word0 "}}]}`, true},
		{`{"choices":[{"delta":{"content": "spaced"}}]}`, true},
		{`{"choices":[{"delta":{"content":null}}]}`, false},
		{`{"choices":[{"delta":{},"finish_reason":"stop"}]}`, false},
		{`{"a":{"content":""},"b":{"content":"x"}}`, true},
	} {
		if got := HasContent([]byte(tc.payload)); got != tc.want {
			t.Errorf("HasContent(%s) = %v, want %v", tc.payload, got, tc.want)
		}
	}
}

func TestConfigValidateBounds(t *testing.T) {
	t.Parallel()
	ok := Config{URL: "http://127.0.0.1:1/v1/chat/completions", Concurrency: 1, Duration: time.Second, Timeout: time.Second}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for name, mut := range map[string]func(*Config){
		"non-loopback target":        func(c *Config) { c.URL = "http://10.0.0.1/" },
		"zero concurrency":           func(c *Config) { c.Concurrency = 0 },
		"concurrency above bound":    func(c *Config) { c.Concurrency = MaxConcurrency + 1 },
		"zero duration":              func(c *Config) { c.Duration = 0 },
		"duration above bound":       func(c *Config) { c.Duration = MaxDuration + 1 },
		"user that would break JSON": func(c *Config) { c.User = `a"b`; c.SessionTurns = 1 },
		"session without turns":      func(c *Config) { c.User = "u" },
	} {
		c := ok
		mut(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestRunAgainstMock runs both modes briefly against the in-process mock.
func TestRunAgainstMock(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(mock.New(mock.Options{Chunks: 4}))
	defer srv.Close()
	for _, stream := range []bool{false, true} {
		res, err := Run(context.Background(), Config{
			URL: srv.URL + "/v1/chat/completions", Concurrency: 2, Duration: 100 * time.Millisecond,
			Timeout: 5 * time.Second, Stream: stream, User: "t", SessionTurns: 2,
			PIDs: map[string]int{"self": SelfPID()},
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Errors != 0 || res.Requests == 0 {
			t.Fatalf("stream=%v: %d requests, %d errors %v", stream, res.Requests, res.Errors, res.ErrorSamples)
		}
		if stream && (res.TTFB == nil || res.TTFB.P50 <= 0 || res.TTFB.P50 > res.Latency.Max) {
			t.Fatalf("stream TTFB %+v vs latency %+v", res.TTFB, res.Latency)
		}
		if _, ok := res.Procs["self"]; !ok {
			t.Fatal("no process usage for self")
		}
	}
}
