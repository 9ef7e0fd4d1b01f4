package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"time"

	p "github.com/portavoce/portavoce"
)

// decode reads a JSON body into v, refusing unknown fields, trailing data,
// bodies over the limit and other content types, each with its own answer.
func decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if mt != "application/json" {
			return p.Errorf("unsupported_media_type", "send the body as JSON with Content-Type: application/json")
		}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var maxErr *http.MaxBytesError
		var syntaxErr *json.SyntaxError
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &maxErr):
			return p.Errorf("body_too_large", "the request body is larger than %d bytes", maxErr.Limit)
		case errors.Is(err, io.EOF):
			return p.Errorf("invalid_json", "the request body is empty: send a JSON object")
		case errors.As(err, &syntaxErr):
			return p.Errorf("invalid_json", "the JSON is malformed at byte %d", syntaxErr.Offset)
		case errors.As(err, &typeErr) && typeErr.Field == "":
			return p.Errorf("invalid_json", "send a JSON object, such as {\"name\": \"...\"}")
		case errors.As(err, &typeErr):
			return p.Errorf("invalid_json", jsonKind(typeErr.Type), typeErr.Field)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return p.Errorf("invalid_json", "unknown field %s: see /api/v1/openapi.json", strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return p.Errorf("invalid_json", "the JSON is malformed: %s", err.Error())
	}
	if dec.More() {
		return p.Errorf("invalid_json", "send a single JSON object")
	}
	return nil
}

// jsonKind says which JSON type a Go type is decoded from, as the message
// for a field of the wrong type.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "the field %q must be a string"
	case reflect.Bool:
		return "the field %q must be true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8,
		reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "the field %q must be a number"
	case reflect.Slice, reflect.Array:
		return "the field %q must be a list"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "the field %q must be an object"
}

// apiField renames a form field in a domain error to the API's JSON name.
func apiField(err error, form, json string) error {
	var e *p.Error
	if errors.As(err, &e) && e.Field == form {
		c := *e
		c.Field = json
		return &c
	}
	return err
}

func parseBefore(r *http.Request) (time.Time, error) {
	v := r.URL.Query().Get("before")
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return t, p.FieldError("before", "before must be a time such as 2026-11-26T10:00:00Z")
	}
	return t, nil
}

// JSON shapes of the API. They never carry password hashes, token hashes or
// secrets.
type (
	userJSON struct {
		ID       string    `json:"id"`
		Email    string    `json:"email"`
		Name     string    `json:"name"`
		IsAdmin  bool      `json:"is_admin"`
		Language string    `json:"language"`
		Created  time.Time `json:"created_at"`
	}
	workspaceJSON struct {
		ID       string    `json:"id"`
		Slug     string    `json:"slug"`
		Name     string    `json:"name"`
		Timezone string    `json:"timezone"`
		Language string    `json:"language"`
		Role     p.Role    `json:"role,omitempty"`
		Created  time.Time `json:"created_at"`
	}
	memberJSON struct {
		User userJSON `json:"user"`
		Role p.Role   `json:"role"`
	}
	tokenJSON struct {
		ID       string     `json:"id"`
		Name     string     `json:"name"`
		Hint     string     `json:"hint"`
		Created  time.Time  `json:"created_at"`
		LastUsed *time.Time `json:"last_used_at"`
		// Token is the secret, present only in the answer that creates it.
		Token string `json:"token,omitempty"`
	}
	invitationJSON struct {
		ID      string    `json:"id"`
		Email   string    `json:"email"`
		Role    p.Role    `json:"role"`
		Expires time.Time `json:"expires_at"`
		// Link is present only in the answer that creates it.
		Link string `json:"link,omitempty"`
	}
	auditJSON struct {
		ID          string    `json:"id"`
		At          time.Time `json:"at"`
		ActorID     string    `json:"actor_id,omitempty"`
		ActorEmail  string    `json:"actor_email,omitempty"`
		WorkspaceID string    `json:"workspace_id,omitempty"`
		Action      string    `json:"action"`
		Target      string    `json:"target,omitempty"`
		IP          string    `json:"ip,omitempty"`
		Detail      string    `json:"detail,omitempty"`
	}
)

func toUser(u p.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Name: u.Name, IsAdmin: u.IsAdmin, Language: u.Language, Created: u.CreatedAt}
}

func toWorkspace(w p.Workspace, role p.Role) workspaceJSON {
	return workspaceJSON{ID: w.ID, Slug: w.Slug, Name: w.Name, Timezone: w.Timezone, Language: w.Language, Role: role, Created: w.CreatedAt}
}

func toToken(t p.APIToken) tokenJSON {
	j := tokenJSON{ID: t.ID, Name: t.Name, Hint: t.Hint, Created: t.CreatedAt}
	if !t.LastUsedAt.IsZero() {
		j.LastUsed = &t.LastUsedAt
	}
	return j
}

func toAudit(list []p.AuditEntry) []auditJSON {
	out := make([]auditJSON, len(list))
	for i, e := range list {
		out[i] = auditJSON{ID: e.ID, At: e.At, ActorID: e.ActorID, ActorEmail: e.ActorEmail, WorkspaceID: e.WorkspaceID,
			Action: e.Action, Target: e.Target, IP: e.IP, Detail: e.Detail}
	}
	return out
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request, _ *request) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	http.ServeFileFS(w, r, assets, "openapi.json")
	return nil
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request, rq *request) error {
	writeJSON(w, http.StatusOK, toUser(rq.user))
	return nil
}

func (s *Server) apiUpdateMe(w http.ResponseWriter, r *http.Request, rq *request) error {
	var in struct {
		Language *string `json:"language"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Language != nil {
		if err := s.deps.Accounts.SetLanguage(r.Context(), rq.user, *in.Language); err != nil {
			return err
		}
		rq.user.Language = *in.Language
	}
	writeJSON(w, http.StatusOK, toUser(rq.user))
	return nil
}

func (s *Server) apiTokens(w http.ResponseWriter, r *http.Request, rq *request) error {
	list, err := s.deps.Accounts.APITokens(r.Context(), rq.user)
	if err != nil {
		return err
	}
	out := make([]tokenJSON, len(list))
	for i, t := range list {
		out[i] = toToken(t)
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
	return nil
}

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request, rq *request) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	raw, t, err := s.deps.Accounts.CreateAPIToken(r.Context(), rq.user, in.Name, rq.origin(r, s))
	if err != nil {
		return err
	}
	j := toToken(t)
	j.Token = raw
	writeJSON(w, http.StatusCreated, j)
	return nil
}

func (s *Server) apiRevokeToken(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := s.deps.Accounts.RevokeAPIToken(r.Context(), rq.user, r.PathValue("id"), rq.origin(r, s)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiInstanceAudit(w http.ResponseWriter, r *http.Request, rq *request) error {
	before, err := parseBefore(r)
	if err != nil {
		return err
	}
	list, err := s.deps.Workspaces.InstanceAuditLog(r.Context(), rq.user, before, 100)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": toAudit(list)})
	return nil
}

func (s *Server) apiWorkspaces(w http.ResponseWriter, r *http.Request, rq *request) error {
	list, err := s.deps.Workspaces.List(r.Context(), rq.user)
	if err != nil {
		return err
	}
	out := make([]workspaceJSON, len(list))
	for i, a := range list {
		out[i] = toWorkspace(a.Workspace, a.Role)
	}
	writeJSON(w, http.StatusOK, map[string]any{"workspaces": out})
	return nil
}

type workspaceInput struct {
	Name     string `json:"name"`
	Slug     string `json:"slug"`
	Timezone string `json:"timezone"`
	Language string `json:"language"`
}

func (s *Server) apiCreateWorkspace(w http.ResponseWriter, r *http.Request, rq *request) error {
	var in workspaceInput
	if err := decode(r, &in); err != nil {
		return err
	}
	ws, err := s.deps.Workspaces.Create(r.Context(), rq.actor(r, s), in.Name, in.Slug, in.Timezone, in.Language)
	if err != nil {
		return apiField(err, "workspace_name", "name")
	}
	writeJSON(w, http.StatusCreated, toWorkspace(ws, p.RoleOwner))
	return nil
}

func (s *Server) apiWorkspace(w http.ResponseWriter, r *http.Request, rq *request) error {
	writeJSON(w, http.StatusOK, toWorkspace(rq.access.Workspace, rq.access.Role))
	return nil
}

func (s *Server) apiUpdateWorkspace(w http.ResponseWriter, r *http.Request, rq *request) error {
	in := workspaceInput{Name: rq.access.Workspace.Name, Timezone: rq.access.Workspace.Timezone, Language: rq.access.Workspace.Language}
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Slug != "" && in.Slug != rq.access.Workspace.Slug {
		return p.FieldError("slug", "the address name of a workspace cannot be changed")
	}
	ws, err := s.deps.Workspaces.Update(r.Context(), rq.actor(r, s), rq.access, in.Name, in.Timezone, in.Language)
	if err != nil {
		return apiField(err, "workspace_name", "name")
	}
	writeJSON(w, http.StatusOK, toWorkspace(ws, rq.access.Role))
	return nil
}

func (s *Server) apiMembers(w http.ResponseWriter, r *http.Request, rq *request) error {
	list, err := s.deps.Workspaces.Members(r.Context(), rq.access)
	if err != nil {
		return err
	}
	out := make([]memberJSON, len(list))
	for i, m := range list {
		out[i] = memberJSON{User: toUser(m.User), Role: m.Role}
	}
	writeJSON(w, http.StatusOK, map[string]any{"members": out})
	return nil
}

func (s *Server) apiInvite(w http.ResponseWriter, r *http.Request, rq *request) error {
	var in struct {
		Email string `json:"email"`
		Role  p.Role `json:"role"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	res, err := s.deps.Workspaces.Invite(r.Context(), rq.actor(r, s), rq.access, in.Email, in.Role)
	if err != nil {
		return err
	}
	inv := res.Invitation
	writeJSON(w, http.StatusCreated, map[string]any{"invitation": invitationJSON{ID: inv.ID, Email: inv.Email, Role: inv.Role,
		Expires: inv.ExpiresAt, Link: s.baseURL(r) + "/invite/" + res.Token}})
	return nil
}

func (s *Server) apiChangeRole(w http.ResponseWriter, r *http.Request, rq *request) error {
	var in struct {
		Role p.Role `json:"role"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := s.deps.Workspaces.ChangeRole(r.Context(), rq.actor(r, s), rq.access, r.PathValue("user"), in.Role); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"user_id": r.PathValue("user"), "role": in.Role})
	return nil
}

func (s *Server) apiRemoveMember(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := s.deps.Workspaces.RemoveMember(r.Context(), rq.actor(r, s), rq.access, r.PathValue("user")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiInvitations(w http.ResponseWriter, r *http.Request, rq *request) error {
	list, err := s.deps.Workspaces.Invitations(r.Context(), rq.access)
	if err != nil {
		return err
	}
	out := make([]invitationJSON, len(list))
	for i, inv := range list {
		out[i] = invitationJSON{ID: inv.ID, Email: inv.Email, Role: inv.Role, Expires: inv.ExpiresAt}
	}
	writeJSON(w, http.StatusOK, map[string]any{"invitations": out})
	return nil
}

func (s *Server) apiRevokeInvitation(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := s.deps.Workspaces.RevokeInvitation(r.Context(), rq.actor(r, s), rq.access, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request, rq *request) error {
	before, err := parseBefore(r)
	if err != nil {
		return err
	}
	list, err := s.deps.Workspaces.AuditLog(r.Context(), rq.access, before, 100)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": toAudit(list)})
	return nil
}
