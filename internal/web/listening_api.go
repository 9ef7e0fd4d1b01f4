package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/publish"
	"github.com/portavoce/portavoce/internal/store"
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

// mentionFilter reads the explorer's filters from a query string.
func mentionFilter(rq *request, q map[string][]string) (store.MentionFilter, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	f := store.MentionFilter{TopicID: get("topic"), Source: get("source"), Lang: get("lang"), Sentiment: get("sentiment"),
		Author: get("author"), Site: get("site"), Search: get("q"), Leads: get("leads") == "1", Duplicates: get("duplicates") == "1"}
	switch f.Sentiment {
	case "", "negative", "neutral", "positive":
	default:
		return f, p.FieldError("sentiment", "sentiment is negative, neutral or positive")
	}
	loc := publish.Zone(rq.access.Workspace.Timezone)
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if v := get(name); v != "" {
			t, err := time.ParseInLocation("2006-01-02", v, loc)
			if err != nil {
				return f, p.FieldError(name, "%s must be a date such as 2026-12-01", name)
			}
			if name == "to" {
				t = t.AddDate(0, 0, 1) // the whole day
			}
			*dst = t
		}
	}
	if before := get("before"); before != "" {
		at, id, _ := strings.Cut(before, "_")
		n, err := strconv.ParseInt(at, 10, 64)
		if err != nil {
			return f, p.FieldError("before", "before is what the previous page's next link gives")
		}
		f.BeforeAt, f.BeforeID = time.UnixMicro(n), id
	}
	f.Limit = 50
	return f, nil
}

func (s *Server) apiMentions(w http.ResponseWriter, r *http.Request, rq *request) error {
	f, err := mentionFilter(rq, r.URL.Query())
	if err != nil {
		return err
	}
	list, err := s.deps.Listening.Mentions(r.Context(), rq.access, f)
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
