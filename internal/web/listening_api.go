package web

import (
	"net/http"
	"slices"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/publish"
)

func (s *Server) apiTopics(w http.ResponseWriter, r *http.Request, rq *request) error {
	list, err := s.deps.Listening.Topics(r.Context(), rq.access)
	if err != nil {
		return err
	}
	if list == nil {
		list = []p.Topic{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"topics": list})
	return nil
}

type topicInput struct {
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	Query        string `json:"query"`
	Active       *bool  `json:"active"`
	AlertEmail   *bool  `json:"alert_email"`
	AlertWebhook string `json:"alert_webhook"`
}

func (in topicInput) topic(id string) p.Topic {
	t := p.Topic{ID: id, Name: in.Name, Kind: in.Kind, Query: in.Query, Active: true, AlertEmail: true, AlertWebhook: in.AlertWebhook}
	if in.Active != nil {
		t.Active = *in.Active
	}
	if in.AlertEmail != nil {
		t.AlertEmail = *in.AlertEmail
	}
	return t
}

func (s *Server) apiSaveTopic(w http.ResponseWriter, r *http.Request, rq *request) error {
	var in topicInput
	if err := decode(r, &in); err != nil {
		return err
	}
	id := r.PathValue("id")
	t, err := s.deps.Listening.SaveTopic(r.Context(), rq.actor(r, s), rq.access, in.topic(id))
	if err != nil {
		return err
	}
	code := http.StatusOK
	if id == "" {
		code = http.StatusCreated
	}
	writeJSON(w, code, map[string]any{"topic": t})
	return nil
}

func (s *Server) apiDeleteTopic(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := s.deps.Listening.DeleteTopic(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiPreview(w http.ResponseWriter, r *http.Request, rq *request) error {
	var in struct {
		Query string `json:"query"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	list, tried, err := s.deps.Listening.Preview(r.Context(), rq.access, in.Query, 100)
	if err != nil {
		return err
	}
	if list == nil {
		list = []p.Mention{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"matches": list, "tried": tried})
	return nil
}

func (s *Server) apiMentions(w http.ResponseWriter, r *http.Request, rq *request) error {
	q := r.URL.Query()
	// The page drops a filter it cannot read; the API says so.
	if v := q.Get("sentiment"); v != "" && !slices.Contains([]string{"negative", "neutral", "positive"}, v) {
		return p.FieldError("sentiment", "sentiment is negative, neutral or positive")
	}
	f, err := readExplorerFilter(q, publish.Zone(rq.access.Workspace.Timezone), s.deps.Now())
	if err != nil {
		return err
	}
	list, err := s.deps.Listening.Mentions(r.Context(), rq.access, f.MentionFilter)
	if err != nil {
		return err
	}
	if list == nil {
		list = []p.Mention{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"mentions": list})
	return nil
}

func (s *Server) apiCorrectSentiment(w http.ResponseWriter, r *http.Request, rq *request) error {
	var in struct {
		Sentiment string `json:"sentiment"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := s.deps.Listening.CorrectSentiment(r.Context(), rq.actor(r, s), rq.access, r.PathValue("topic"), r.PathValue("post"), in.Sentiment); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"sentiment": in.Sentiment})
	return nil
}

func (s *Server) apiListeningSources(w http.ResponseWriter, r *http.Request, rq *request) error {
	list, err := s.deps.Listening.Sources(r.Context(), rq.access)
	if err != nil {
		return err
	}
	if list == nil {
		list = []p.ListeningSource{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"sources": list})
	return nil
}

func (s *Server) apiAddListeningSource(w http.ResponseWriter, r *http.Request, rq *request) error {
	var in struct {
		Kind   string `json:"kind"`
		Target string `json:"target"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	src, err := s.deps.Listening.AddSource(r.Context(), rq.actor(r, s), rq.access, in.Kind, in.Target)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"source": src})
	return nil
}

func (s *Server) apiRemoveListeningSource(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := s.deps.Listening.RemoveSource(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiListeningAlerts(w http.ResponseWriter, r *http.Request, rq *request) error {
	list, err := s.deps.Listening.Alerts(r.Context(), rq.access, 100)
	if err != nil {
		return err
	}
	if list == nil {
		list = []p.ListeningAlert{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": list})
	return nil
}
