package web

import (
	"net/http"
	"time"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/provider"
)

func (s *Server) apiConversations(w http.ResponseWriter, r *http.Request, rq *request) error {
	f, _, overdue := inboxFilter(r.URL.Query())
	if f.Assignee == "me" {
		f.Assignee = rq.user.ID
	}
	v, err := s.deps.Inbox.List(r.Context(), rq.actor(r, s), rq.access, f, overdue)
	if err != nil {
		return err
	}
	list := v.Conversations
	if list == nil {
		list = []p.Conversation{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversations": list, "counts": v.Counts})
	return nil
}

func (s *Server) apiConversation(w http.ResponseWriter, r *http.Request, rq *request) error {
	t, err := s.deps.Inbox.Open(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id"))
	if err != nil {
		return err
	}
	items, notes := t.Items, t.Notes
	if items == nil {
		items = []p.InboxItem{}
	}
	if notes == nil {
		notes = []p.InboxNote{}
	}
	for i := range notes {
		if notes[i].Mentions == nil {
			notes[i].Mentions = []string{}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversation": t.Conversation, "items": items, "notes": notes})
	return nil
}

func (s *Server) apiReplyConversation(w http.ResponseWriter, r *http.Request, rq *request) error {
	var in struct {
		Text   string `json:"text"`
		ItemID string `json:"item_id"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	post, err := s.deps.Inbox.Reply(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id"), in.ItemID, in.Text)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"post": s.postJSON(rq, post)})
	return nil
}

// apiUpdateConversation changes a conversation's state, assignee or tags;
// what the body leaves out stays as it is.
func (s *Server) apiUpdateConversation(w http.ResponseWriter, r *http.Request, rq *request) error {
	var in struct {
		Status       *string    `json:"status"`
		SnoozedUntil *time.Time `json:"snoozed_until"`
		AssigneeID   *string    `json:"assignee_id"`
		Tags         *[]string  `json:"tags"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	ctx, a, id := r.Context(), rq.actor(r, s), r.PathValue("id")
	if in.AssigneeID != nil {
		if err := s.deps.Inbox.Assign(ctx, a, rq.access, id, *in.AssigneeID); err != nil {
			return err
		}
	}
	if in.Status != nil {
		var until time.Time
		if in.SnoozedUntil != nil {
			until = *in.SnoozedUntil
		}
		if err := s.deps.Inbox.SetStatus(ctx, a, rq.access, id, *in.Status, until); err != nil {
			return err
		}
	}
	if in.Tags != nil {
		if err := s.deps.Inbox.SetTags(ctx, a, rq.access, id, *in.Tags); err != nil {
			return err
		}
	}
	return s.apiConversation(w, r, rq)
}

func (s *Server) apiAddNote(w http.ResponseWriter, r *http.Request, rq *request) error {
	var in struct {
		Body string `json:"body"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	n, err := s.deps.Inbox.AddNote(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id"), in.Body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"note": n})
	return nil
}

func (s *Server) apiActOnItem(w http.ResponseWriter, r *http.Request, rq *request) error {
	var in struct {
		Action string `json:"action"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := s.deps.Inbox.Act(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id"), r.PathValue("item"), provider.Action(in.Action)); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"done": in.Action})
	return nil
}

func (s *Server) apiSavedReplies(w http.ResponseWriter, r *http.Request, rq *request) error {
	list, err := s.deps.Inbox.SavedReplies(r.Context(), rq.access)
	if err != nil {
		return err
	}
	if list == nil {
		list = []p.SavedReply{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"replies": list})
	return nil
}

type savedReplyInput struct {
	Name     string `json:"name"`
	Language string `json:"language"`
	Body     string `json:"body"`
}

func (s *Server) apiCreateSavedReply(w http.ResponseWriter, r *http.Request, rq *request) error {
	var in savedReplyInput
	if err := decode(r, &in); err != nil {
		return err
	}
	reply, err := s.deps.Inbox.SaveReply(r.Context(), rq.actor(r, s), rq.access, p.SavedReply{Name: in.Name, Language: in.Language, Body: in.Body})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"reply": reply})
	return nil
}

func (s *Server) apiUpdateSavedReply(w http.ResponseWriter, r *http.Request, rq *request) error {
	var in savedReplyInput
	if err := decode(r, &in); err != nil {
		return err
	}
	reply, err := s.deps.Inbox.SaveReply(r.Context(), rq.actor(r, s), rq.access, p.SavedReply{ID: r.PathValue("id"), Name: in.Name,
		Language: in.Language, Body: in.Body})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"reply": reply})
	return nil
}

func (s *Server) apiDeleteSavedReply(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := s.deps.Inbox.DeleteReply(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type inboxSettingsJSON struct {
	ResponseMinutes int    `json:"response_minutes"`
	Brand           string `json:"brand"`
	Language        string `json:"language"`
}

func settingsJSON(set p.InboxSettings) inboxSettingsJSON {
	return inboxSettingsJSON{ResponseMinutes: int(set.ResponseTarget / time.Minute), Brand: set.Brand, Language: set.Language}
}

func (s *Server) apiInboxSettings(w http.ResponseWriter, r *http.Request, rq *request) error {
	set, err := s.deps.Inbox.Settings(r.Context(), rq.access)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"settings": settingsJSON(set)})
	return nil
}

func (s *Server) apiSaveInboxSettings(w http.ResponseWriter, r *http.Request, rq *request) error {
	var in inboxSettingsJSON
	if err := decode(r, &in); err != nil {
		return err
	}
	set, err := s.deps.Inbox.SaveSettings(r.Context(), rq.actor(r, s), rq.access, p.InboxSettings{
		ResponseTarget: time.Duration(in.ResponseMinutes) * time.Minute, Brand: in.Brand, Language: in.Language})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"settings": settingsJSON(set)})
	return nil
}
