package agent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/openclaw/openclaw-go/internal/apierr"
	"github.com/openclaw/openclaw-go/internal/provider"
)

// APIError maps an error from Start, Run, Next or Embed to the API error the
// client sees. Provider failures name the provider and its status, never its
// key; config problems name the key to set.
func APIError(err error) *apierr.Error {
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return ae
	}
	var ua *UnknownAgentError
	if errors.As(err, &ua) {
		ids := make([]string, 0, len(ua.Known)+2)
		ids = append(ids, "openclaw", "openclaw/default")
		for _, a := range ua.Known {
			ids = append(ids, "openclaw/"+a.ID)
		}
		e := apierr.New(http.StatusNotFound, "model_not_found",
			fmt.Sprintf("The model %q does not exist: no agent %q is configured.", "openclaw/"+ua.ID, ua.ID),
			"valid model ids: "+strings.Join(ids, ", ")+" (GET /v1/models lists them)")
		e.Param = "model"
		return e
	}
	var nm *NoModelError
	if errors.As(err, &nm) {
		return apierr.New(http.StatusInternalServerError, "model_not_configured", nm.Error()+".",
			"set agents.defaults.model (e.g. \"openai/gpt-4o-mini\") or the agent's model in openclaw.json")
	}
	if errors.Is(err, ErrNoEmbeddingModel) {
		return apierr.Invalid("model", "embedding_model_not_configured",
			"No embedding model: send x-openclaw-model: <provider/model> or configure one.").
			WithHint("set agents.defaults.embedding.model (e.g. \"openai/text-embedding-3-small\") or send the x-openclaw-model header")
	}
	var se *StoreError
	if errors.As(err, &se) {
		return apierr.New(http.StatusServiceUnavailable, "session_store_unavailable",
			"The session store failed ("+se.Op+"): "+se.Err.Error(),
			"check the session store (storage.sessions) and the gateway log; stateless calls (no user, no x-openclaw-session-key) do not need it")
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return apierr.New(http.StatusGatewayTimeout, "upstream_timeout", "The turn timed out.", "")
	}
	if errors.Is(err, context.Canceled) {
		// The client went away; nobody reads this, but keep it well formed.
		return apierr.New(499, "client_closed_request", "The client closed the request.", "")
	}
	var fe *FailoverError
	attempts := ""
	if errors.As(err, &fe) && len(fe.Attempts) > 1 {
		// Consecutive identical outcomes (a retry of the same model) are
		// folded: "openai/gpt-4o → HTTP 503 (2 tries)".
		var parts []string
		tries := 0
		for i, a := range fe.Attempts {
			sum := attemptSummary(a)
			tries++
			if i+1 < len(fe.Attempts) && attemptSummary(fe.Attempts[i+1]) == sum {
				continue
			}
			if tries > 1 {
				sum += fmt.Sprintf(" (%d tries)", tries)
			}
			parts, tries = append(parts, sum), 0
		}
		attempts = " Attempts: " + strings.Join(parts, "; ") + "."
	}
	if pe, ok := provider.AsError(err); ok {
		return providerAPIError(pe, attempts)
	}
	return apierr.From(err)
}

func attemptSummary(e *provider.Error) string {
	s := e.Provider
	if e.Model != "" {
		s += "/" + e.Model
	}
	switch {
	case e.Status != 0:
		return fmt.Sprintf("%s → HTTP %d", s, e.Status)
	case e.Kind == provider.KindTimeout:
		return s + " → timeout"
	case e.Kind == provider.KindConfig:
		return s + " → not configured"
	default:
		return s + " → unreachable"
	}
}

func providerAPIError(pe *provider.Error, attempts string) *apierr.Error {
	name := pe.Provider
	if pe.Model != "" {
		name += "/" + pe.Model
	}
	msg := pe.Message
	if msg == "" && pe.Err != nil {
		msg = pe.Err.Error()
	}
	var e *apierr.Error
	switch {
	case pe.Kind == provider.KindConfig:
		hint := pe.Hint
		if hint == "" {
			hint = "check models.providers." + pe.Provider + " in openclaw.json"
		}
		e = apierr.New(http.StatusInternalServerError, "provider_not_configured",
			fmt.Sprintf("Provider %s is not usable: %s.%s", name, msg, attempts), hint)
	case pe.Kind == provider.KindTimeout:
		e = apierr.New(http.StatusGatewayTimeout, "upstream_timeout",
			fmt.Sprintf("Provider %s timed out: %s.%s", name, msg, attempts),
			"the provider did not answer in time; check its status, or raise models.providers."+pe.Provider+".timeoutMs")
	case pe.Kind == provider.KindUnreachable:
		e = apierr.New(http.StatusBadGateway, "upstream_unreachable",
			fmt.Sprintf("Provider %s is unreachable: %s.%s", name, msg, attempts),
			"check the provider's baseUrl and that it is running; `openclaw models status` checks every configured model")
	case pe.Kind == provider.KindProtocol:
		e = apierr.New(http.StatusBadGateway, "upstream_protocol_error",
			fmt.Sprintf("Provider %s sent a reply the gateway could not read: %s.%s", name, msg, attempts), "")
	case pe.Status == 429 || pe.Status == 503 || pe.Status == 529:
		e = apierr.New(http.StatusServiceUnavailable, "upstream_unavailable",
			fmt.Sprintf("Provider %s is overloaded or rate limited (HTTP %d): %s.%s", name, pe.Status, msg, attempts),
			"retry later, or add fallbacks to the agent's model")
		e.RetryAfter = pe.RetryAfter
	case pe.Status == 401 || pe.Status == 403:
		e = apierr.New(http.StatusBadGateway, "upstream_auth_failed",
			fmt.Sprintf("Provider %s rejected the gateway's credentials (HTTP %d): %s.%s", name, pe.Status, msg, attempts),
			"check the provider's API key (its env var or models.providers."+pe.Provider+".apiKey)")
	default:
		e = apierr.New(http.StatusBadGateway, "upstream_error",
			fmt.Sprintf("Provider %s failed (HTTP %d): %s.%s", name, pe.Status, msg, attempts), "")
	}
	if pe.Hint != "" && e.Hint == "" {
		e.Hint = pe.Hint
	}
	return e
}
