package diag

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// ErrNotRunning is wrapped by errors that mean no gateway answered.
var ErrNotRunning = errors.New("no OpenClaw gateway is running")

// APIError is an error answer of the gateway (OpenAI error JSON).
type APIError struct {
	Status  int
	Code    string
	Message string
	Hint    string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("the gateway answered HTTP %d", e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

// FetchStatus GETs <baseURL>/v1/openclaw/status with the bearer and decodes
// the body into v. It returns an error wrapping ErrNotRunning when nothing
// (or something that is not a gateway) answers, and *APIError when the
// gateway refuses.
func FetchStatus(ctx context.Context, baseURL, bearer string, timeout time.Duration, v any) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	u := baseURL + "/v1/openclaw/status"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := localClient().Do(req)
	if err != nil {
		return fmt.Errorf("%w on %s: %v", ErrNotRunning, baseURL, unwrapURLError(err))
	}
	defer resp.Body.Close()
	if s := resp.Header.Get(SurfaceHeader); s != SurfaceGateway {
		return fmt.Errorf("%w on %s: HTTP %d from something that is not the gateway (X-OpenClaw-Surface %q)", ErrNotRunning, baseURL, resp.StatusCode, s)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if resp.StatusCode != http.StatusOK {
		ae := &APIError{Status: resp.StatusCode}
		var e struct {
			Error struct {
				Message string  `json:"message"`
				Code    *string `json:"code"`
				Hint    string  `json:"hint"`
			} `json:"error"`
		}
		if json.Unmarshal(body, &e) == nil {
			ae.Message, ae.Hint = e.Error.Message, e.Error.Hint
			if e.Error.Code != nil {
				ae.Code = *e.Error.Code
			}
		}
		return ae
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decode %s: %w", u, err)
	}
	return nil
}

// HealthReport is the result of `openclaw gateway health`, printed as is
// with --json.
type HealthReport struct {
	URL     string `json:"url"`
	Running bool   `json:"running"`
	Version string `json:"version"`
	// Live is /healthz answering 200; Ready is /readyz answering 200.
	Live bool `json:"live"`
	// Status is /readyz's status: ready, starting, draining or degraded.
	Ready  bool              `json:"ready"`
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
	Error  string            `json:"error"`
	OK     bool              `json:"ok"`
}

// Health asks the gateway at baseURL for /healthz and /readyz.
func Health(ctx context.Context, baseURL, bearer string, timeout time.Duration) HealthReport {
	rep := HealthReport{URL: baseURL, Checks: map[string]string{}}
	var live struct {
		OK bool `json:"ok"`
	}
	st, h, err := getJSON(ctx, baseURL+"/healthz", "", timeout, &live)
	if err != nil && st == 0 {
		rep.Error = fmt.Sprintf("no gateway is running on %s (%v)", baseURL, err)
		return rep
	}
	if h.Get(SurfaceHeader) != SurfaceGateway {
		rep.Error = fmt.Sprintf("%s answered HTTP %d without X-OpenClaw-Surface: gateway; something else holds the port", baseURL, st)
		return rep
	}
	rep.Running = true
	rep.Version = h.Get(VersionHeader)
	rep.Live = st == http.StatusOK && live.OK
	var ready struct {
		OK     bool              `json:"ok"`
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	st, _, err = getJSON(ctx, baseURL+"/readyz", bearer, timeout, &ready)
	if err != nil {
		rep.Error = err.Error()
		return rep
	}
	rep.Ready = st == http.StatusOK && ready.OK
	rep.Status = ready.Status
	if ready.Checks != nil {
		rep.Checks = ready.Checks
	}
	rep.OK = rep.Live && rep.Ready
	return rep
}

// localClient talks to the loopback gateway: no proxy, no redirects.
func localClient() *http.Client {
	return &http.Client{
		Transport:     &http.Transport{Proxy: nil, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func decodeJSON(r io.Reader, v any) error {
	return json.NewDecoder(io.LimitReader(r, maxBody)).Decode(v)
}
