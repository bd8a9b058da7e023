package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// appendMetric is the gateway's histogram of session appends.
const appendMetric = "openclaw_session_append_duration_seconds"

// appendResult is the session append time under the matrix's gateway+user
// load, read from the gateway's histogram after the runs: every append of
// every gateway+user cell (all modes and concurrencies) counts.
type appendResult struct {
	Count   float64  `json:"count"`
	Errors  float64  `json:"errors"`
	Buckets []bucket `json:"buckets,omitempty"` // cumulative, successful appends; finite bounds only
	// P50 and P99 are upper bounds: the smallest bucket boundary (seconds)
	// under which that share of the appends fell; +Inf when above the last
	// (not in the JSON, which has the buckets).
	P50 float64 `json:"-"`
	P99 float64 `json:"-"`
	Err string  `json:"error,omitempty"`
}

type bucket struct {
	LE    float64 `json:"le"`
	Count float64 `json:"count"`
}

// readAppends scrapes the gateway's /metrics for the session append
// histogram.
func (h *harness) readAppends(ctx context.Context) *appendResult {
	var res *appendResult
	if err := h.scrape(ctx, h.gateway, func(body io.Reader) { res = parseAppends(body) }); err != nil {
		return &appendResult{Err: err.Error()}
	}
	return res
}

// parseAppends reads the append histogram from a Prometheus text
// exposition, adding up the series of every agent.
func parseAppends(r io.Reader) *appendResult {
	res := &appendResult{}
	byLE := map[float64]float64{}
	sc := bufio.NewScanner(io.LimitReader(r, 8<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, appendMetric)
		if !ok {
			continue
		}
		name, labels, value, ok := splitSample(rest)
		if !ok {
			continue
		}
		failed := strings.Contains(labels, `result="error"`)
		switch name {
		case "_count":
			if failed {
				res.Errors += value
			} else {
				res.Count += value
			}
		case "_bucket":
			if failed {
				continue
			}
			_, le, ok := strings.Cut(labels, `le="`)
			if !ok {
				continue
			}
			le, _, _ = strings.Cut(le, `"`)
			bound, err := strconv.ParseFloat(le, 64)
			if err != nil || math.IsInf(bound, 1) {
				continue // +Inf holds them all: that is Count (and JSON has no Inf)
			}
			byLE[bound] += value
		}
	}
	if err := sc.Err(); err != nil {
		res.Err = err.Error()
	}
	for le, n := range byLE {
		res.Buckets = append(res.Buckets, bucket{le, n})
	}
	sort.Slice(res.Buckets, func(i, j int) bool { return res.Buckets[i].LE < res.Buckets[j].LE })
	res.P50, res.P99 = res.quantileBound(0.50), res.quantileBound(0.99)
	if res.Count == 0 && res.Err == "" {
		res.Err = "the gateway recorded no session append (no " + appendMetric + " in /metrics)"
	}
	return res
}

// splitSample splits `_bucket{labels} value` into its parts.
func splitSample(s string) (name, labels string, value float64, ok bool) {
	i := strings.IndexAny(s, "{ ")
	if i < 0 {
		return "", "", 0, false
	}
	name, s = s[:i], s[i:]
	if strings.HasPrefix(s, "{") {
		j := strings.LastIndexByte(s, '}')
		if j < 0 {
			return "", "", 0, false
		}
		labels, s = s[1:j], s[j+1:]
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return name, labels, v, err == nil
}

// quantileBound is the smallest bucket boundary with at least q of the
// successful appends at or under it.
func (a *appendResult) quantileBound(q float64) float64 {
	if a.Count == 0 {
		return math.NaN()
	}
	for _, b := range a.Buckets {
		if b.Count >= q*a.Count {
			return b.LE
		}
	}
	return math.Inf(1)
}

// describe renders the result for the targets table.
func (a *appendResult) describe() string {
	if a.Err != "" {
		return "not measured: " + a.Err
	}
	return fmt.Sprintf("p99 ≤ %s, p50 ≤ %s (%.0f appends under the gateway+user load, gateway histogram; %.0f failed)",
		leString(a.P99), leString(a.P50), a.Count, a.Errors)
}

func leString(s float64) string {
	switch {
	case math.IsInf(s, 1):
		return "+Inf"
	case s < 1e-3:
		return fmt.Sprintf("%.0f µs", s*1e6)
	default:
		return fmt.Sprintf("%g ms", s*1e3)
	}
}
