package msteams

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/openclaw/openclaw-go/internal/apierr"
	"github.com/openclaw/openclaw-go/internal/version"
)

// Surface is the X-OpenClaw-Surface value of every webhook response.
const Surface = "msteams-webhook"

// routes builds the webhook handler: surface headers → recover → route.
func (c *Channel) routes() http.Handler {
	return surfaceHeaders(c.recoverer(http.HandlerFunc(c.serve)))
}

func surfaceHeaders(next http.Handler) http.Handler {
	v := version.Version()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-OpenClaw-Surface", Surface)
		w.Header().Set("X-OpenClaw-Version", v)
		next.ServeHTTP(w, r)
	})
}

func (c *Channel) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				c.log.Error("msteams webhook panic", slog.Any("panic", p))
				c.recordError(fmt.Sprintf("webhook panic: %v", p))
				apierr.Write(w, apierr.New(http.StatusInternalServerError, "internal_error", "internal error", "see the gateway log"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (c *Channel) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != c.set.path {
		if r.URL.Path == "/v1" || strings.HasPrefix(r.URL.Path, "/v1/") {
			apierr.Write(w, c.misroute(r, http.StatusNotFound, "wrong_surface"))
			return
		}
		apierr.Write(w, apierr.New(http.StatusNotFound, "not_found",
			"This is the Microsoft Teams webhook; it only serves POST "+c.set.path+".",
			"point the Azure Bot's messaging endpoint at https://<your host>"+c.set.path))
		return
	}
	if r.Method != http.MethodPost {
		apierr.Write(w, apierr.New(http.StatusMethodNotAllowed, "method_not_allowed",
			"The Teams webhook accepts only POST.", "").WithHeader("Allow", http.MethodPost))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			apierr.Write(w, apierr.New(http.StatusRequestEntityTooLarge, "body_too_large",
				fmt.Sprintf("The activity is larger than %d bytes.", maxBodyBytes), ""))
			return
		}
		apierr.Write(w, apierr.New(http.StatusBadRequest, "bad_body", "The request body could not be read.", ""))
		return
	}
	openAIish := looksLikeOpenAI(body)

	token, hdr, aerr := bearer(r.Header.Get("Authorization"))
	if aerr == nil && openAIish {
		// A JWT-looking bearer with an OpenAI body is still not Bot Framework.
		aerr = reject("wrong_surface", "This request is an OpenAI API call, not a Bot Framework activity.")
	}
	if aerr != nil {
		c.rejectAuth(w, r, aerr, openAIish || aerr.Reason == ReasonNotAJWT)
		return
	}
	act, err := ParseActivity(body)
	if err != nil {
		c.count(func(k *Counters) { k.Rejected++ })
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_activity", "The body is not a Bot Framework activity: "+err.Error()+".", ""))
		return
	}
	if _, aerr := c.auth.validate(r.Context(), token, hdr, act.ChannelID, act.ServiceURL); aerr != nil {
		c.rejectAuth(w, r, aerr, false)
		return
	}
	c.markSeen()
	c.count(func(k *Counters) { k.Accepted++ })
	c.dispatch(w, r, act)
}

// rejectAuth answers 401. misrouted adds the explanation for OpenAI calls
// sent to the Teams webhook by mistake.
func (c *Channel) rejectAuth(w http.ResponseWriter, r *http.Request, aerr *authError, misrouted bool) {
	c.count(func(k *Counters) { k.Rejected++ })
	c.log.Info("msteams webhook: request rejected", slog.String("reason", aerr.Reason),
		slog.String("remote", r.RemoteAddr), slog.Bool("misrouted", misrouted))
	c.recordError("rejected request: " + aerr.Reason)
	if misrouted {
		apierr.Write(w, c.misroute(r, http.StatusUnauthorized, aerr.Reason))
		return
	}
	e := apierr.New(http.StatusUnauthorized, aerr.Reason, aerr.Message,
		"this endpoint accepts only activities from Microsoft Bot Framework, signed for appId "+c.set.appID)
	e.Header = http.Header{"Www-Authenticate": {`Bearer realm="msteams-webhook"`}}
	apierr.Write(w, e)
}

// misroute explains that this is the Teams webhook and where the OpenAI API
// really is.
func (c *Channel) misroute(r *http.Request, status int, code string) *apierr.Error {
	api := "http://" + net.JoinHostPort(c.apiHost(r), strconv.Itoa(c.gwPort)) + "/v1"
	return apierr.New(status, code,
		"This is the OpenClaw Microsoft Teams webhook (channels.msteams), not the OpenAI-compatible API. "+
			"Send OpenAI requests to "+api+" instead.",
		"The gateway token is an opaque secret, not a JWT; this webhook only accepts Bot Framework JWTs "+
			"from Microsoft. Check your client's base URL (it should end in /v1 on the gateway port).")
}

// apiHost picks the host to name in the misroute hint: the request's own
// host when it is a plain hostname or IP, else the bind host, else loopback.
func (c *Channel) apiHost(r *http.Request) string {
	h := r.Host
	if hh, _, err := net.SplitHostPort(h); err == nil {
		h = hh
	}
	h = strings.Trim(h, "[]")
	if h != "" && len(h) <= 253 && strings.IndexFunc(h, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == ':')
	}) < 0 {
		return h
	}
	if c.listenHost != "" && c.listenHost != "0.0.0.0" && c.listenHost != "::" {
		return c.listenHost
	}
	return "127.0.0.1"
}

// looksLikeOpenAI reports whether body is a JSON object with "model" and
// "messages" (a chat completion) or "model" and "input" (responses).
func looksLikeOpenAI(body []byte) bool {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return false
	}
	_, model := m["model"]
	_, messages := m["messages"]
	_, input := m["input"]
	_, typ := m["type"]
	return model && (messages || input && !typ)
}
