package openai

import (
	"net/http"

	"github.com/openclaw/openclaw-go/internal/apierr"
)

// Model is one entry of /v1/models: an agent target, never a backend
// provider model.
type Model struct {
	ID      string `json:"id"`
	Object  string `json:"object"` // "model"
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// ModelList is the reply of GET /v1/models.
type ModelList struct {
	Object string  `json:"object"` // "list"
	Data   []Model `json:"data"`
}

// modelIDs lists the valid model ids: the two aliases, then one per
// top-level agent (default first).
func (h *handler) modelIDs() []string {
	agents := h.rt.Agents()
	ids := make([]string, 0, len(agents)+2)
	ids = append(ids, "openclaw", "openclaw/default")
	for _, a := range agents {
		ids = append(ids, "openclaw/"+a.ID)
	}
	return ids
}

func (h *handler) model(id string) Model {
	return Model{ID: id, Object: "model", Created: h.created, OwnedBy: "openclaw"}
}

func (h *handler) listModels(w http.ResponseWriter, r *http.Request) *apierr.Error {
	ids := h.modelIDs()
	out := ModelList{Object: "list", Data: make([]Model, len(ids))}
	for i, id := range ids {
		out.Data[i] = h.model(id)
	}
	writeJSON(w, &out)
	return nil
}

// getModel answers GET /v1/models/{id}; the id arrives URL-encoded
// (openclaw%2Fdefault) or as a path (openclaw/default). Every alias form
// that names an agent resolves, and the reply echoes the requested id.
func (h *handler) getModel(w http.ResponseWriter, r *http.Request) *apierr.Error {
	id := r.PathValue("id")
	if id == "openclaw" {
		// The bare alias always exists; x-openclaw-agent-id only matters
		// for turns.
		writeJSON(w, h.model(id))
		return nil
	}
	if id == "" {
		return h.unknownModel("GET /v1/models/{id} needs a model id.", nil)
	}
	if _, e := h.resolveModel(r, id); e != nil {
		return e
	}
	writeJSON(w, h.model(id))
	return nil
}
