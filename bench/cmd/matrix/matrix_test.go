package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestOverheadCheck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		relay, gw  float64
		wantRatio  string
		wantPassed bool
	}{
		{"gateway at 1.2× the relay passes", 100, 120, "1.20×", true},
		{"gateway above 1.2× the relay fails", 100, 121, "1.21×", false},
		{"gateway cheaper than the relay passes", 100, 50, "0.50×", true},
		{"relay overhead lost in noise: a positive gateway overhead fails", -5, 10, "n/a", false},
		{"relay overhead lost in noise: a non-positive gateway overhead passes", 0, -1, "n/a", true},
	} {
		ratio, ok := overheadCheck(tc.relay, tc.gw)
		if ratio != tc.wantRatio || ok != tc.wantPassed {
			t.Errorf("%s: overheadCheck(%v, %v) = %q, %v", tc.name, tc.relay, tc.gw, ratio, ok)
		}
	}
}

func TestMetricValueReadsUnlabelledSeries(t *testing.T) {
	t.Parallel()
	text := `# HELP go_goroutines Number of goroutines.
go_goroutines 16
go_gc_duration_seconds{quantile="0.5"} 0.0001
go_gc_duration_seconds_count 7
go_memstats_heap_inuse_bytes 1.826816e+06
go_memstats_heap_inuse_bytes_other 5
`
	v, ok := metricValue(strings.NewReader(text), "go_memstats_heap_inuse_bytes", "go_goroutines", "go_gc_duration_seconds_count")
	if !ok || v["go_memstats_heap_inuse_bytes"] != 1826816 || v["go_goroutines"] != 16 || v["go_gc_duration_seconds_count"] != 7 {
		t.Fatalf("metricValue = %v, %v", v, ok)
	}
}

func TestParseFlagsBoundsTheRun(t *testing.T) {
	t.Parallel()
	o, err := parseFlags([]string{"matrix"}, io.Discard)
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if est := o.matrixTime(); est > 10*time.Minute {
		t.Errorf("the default matrix takes %s, want well under 10 minutes", est)
	}
	for _, args := range [][]string{
		{"-duration", "2m"},
		{"-runs", "0"},
		{"-runs", "11"},
		{"-concurrency", "1,0"},
		{"-concurrency", "5000"},
		{"-modes", "websocket"},
		{"-streams", "20000"},
		{"-pin", "maybe"},
		{"-runs", "10", "-duration", "1m"}, // bounded in total, not only per cell
	} {
		if _, err := parseFlags(append([]string{"matrix"}, args...), io.Discard); err == nil {
			t.Errorf("parseFlags(%v) accepted", args)
		}
	}
}
