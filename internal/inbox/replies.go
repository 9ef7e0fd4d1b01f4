package inbox

import (
	"context"
	"regexp"
	"strings"

	"github.com/google/uuid"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/workspace"
)

// Variables a saved reply may use, filled in for each conversation.
var Variables = []string{"{{author.name}}", "{{author.handle}}", "{{brand}}", "{{agent.name}}"}

var variablePattern = regexp.MustCompile(`\{\{\s*([a-z.]+)\s*\}\}`)

// Fill puts a conversation's values in a saved reply's variables: the
// author's name (their handle when they show no name), handle, the brand
// and the colleague answering.
func Fill(body string, author p.Person, brand, agent string) string {
	name := author.Name
	if strings.TrimSpace(name) == "" {
		name = author.Handle
	}
	handle := author.Handle
	if handle != "" {
		handle = "@" + strings.TrimPrefix(handle, "@")
	}
	return variablePattern.ReplaceAllStringFunc(body, func(v string) string {
		switch variablePattern.FindStringSubmatch(v)[1] {
		case "author.name":
			return name
		case "author.handle":
			return handle
		case "brand":
			return brand
		case "agent.name":
			return agent
		}
		return v
	})
}

// SavedReplies lists the workspace's saved replies as written.
func (s *Service) SavedReplies(ctx context.Context, acc workspace.Access) ([]p.SavedReply, error) {
	if err := canView(acc); err != nil {
		return nil, err
	}
	return s.store.SavedReplies(ctx, acc.Workspace.ID)
}

// SaveReply creates a saved reply (empty id) or changes one. Owners,
// managers and editors keep them; everyone who answers uses them.
func (s *Service) SaveReply(ctx context.Context, a workspace.Actor, acc workspace.Access, r p.SavedReply) (p.SavedReply, error) {
	if !acc.Can(p.PermViewInboxAll) {
		return p.SavedReply{}, p.Errorf(p.ECodeForbidden, "your role uses saved replies but does not write them")
	}
	r.Name, r.Body = strings.TrimSpace(r.Name), strings.TrimSpace(r.Body)
	switch {
	case r.Name == "":
		return p.SavedReply{}, p.FieldError("name", "give the saved reply a name")
	case len(r.Name) > 100:
		return p.SavedReply{}, p.FieldError("name", "a saved reply's name is at most 100 characters")
	case r.Body == "":
		return p.SavedReply{}, p.FieldError("body", "write the reply")
	case len(r.Body) > 5000:
		return p.SavedReply{}, p.FieldError("body", "a saved reply is at most 5000 characters")
	case r.Language != "it" && r.Language != "en":
		return p.SavedReply{}, p.FieldError("language", "a saved reply is in Italian (it) or English (en)")
	}
	for _, m := range variablePattern.FindAllStringSubmatch(r.Body, -1) {
		known := false
		for _, v := range Variables {
			known = known || v == "{{"+m[1]+"}}"
		}
		if !known {
			e := p.Errorf(p.ECodeInvalid, "unknown variable %s: use %s", m[0], strings.Join(Variables, ", "))
			e.Field = "body"
			return p.SavedReply{}, e
		}
	}
	now := s.now()
	if r.ID == "" {
		r.ID, r.CreatedAt = uuid.Must(uuid.NewV7()).String(), now
	} else {
		existing, err := s.store.SavedReplies(ctx, acc.Workspace.ID)
		if err != nil {
			return p.SavedReply{}, err
		}
		found := false
		for _, e := range existing {
			if e.ID == r.ID {
				found, r.CreatedAt = true, e.CreatedAt
			}
		}
		if !found {
			return p.SavedReply{}, p.ErrNotFound
		}
	}
	r.WorkspaceID, r.UpdatedAt = acc.Workspace.ID, now
	return r, s.store.SaveSavedReply(ctx, r)
}

// DeleteReply deletes a saved reply.
func (s *Service) DeleteReply(ctx context.Context, a workspace.Actor, acc workspace.Access, id string) error {
	if !acc.Can(p.PermViewInboxAll) {
		return p.Errorf(p.ECodeForbidden, "your role uses saved replies but does not write them")
	}
	return s.store.DeleteSavedReply(ctx, acc.Workspace.ID, id)
}
