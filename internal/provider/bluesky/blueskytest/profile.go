package blueskytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bluesky-social/indigo/api/bsky"
	"github.com/bluesky-social/indigo/atproto/syntax"
	lexutil "github.com/bluesky-social/indigo/lex/util"
	"github.com/ipfs/go-cid"

	"github.com/portavoce/portavoce/internal/provider/providertest"
	"github.com/portavoce/portavoce/internal/textcount"
)

// profileCollection is the collection of an account's profile record,
// whose only key is "self" (app.bsky.actor.profile, key literal:self).
const (
	profileCollection = "app.bsky.actor.profile"
	profileKey        = "self"
)

// Limits of app.bsky.actor.profile (lexicons/app/bsky/actor/profile.json).
const (
	ProfileDisplayNameGraphemes = 64
	ProfileDescriptionGraphemes = 256
	profileDisplayNameBytes     = 640
	profileDescriptionBytes     = 2560
	profilePronounsGraphemes    = 20
	profilePronounsBytes        = 200
	// ProfileImageMaxSize is the avatar's and banner's blob maxSize.
	ProfileImageMaxSize = 1_000_000
	// updatePoints is what rewriting a record costs in the write rate
	// limit (creating one costs createPoints).
	updatePoints = 2
)

// profileImageTypes are the avatar's and banner's accepted types.
var profileImageTypes = []string{"image/png", "image/jpeg"}

// profileRecord is an account's app.bsky.actor.profile record.
type profileRecord struct {
	raw   json.RawMessage
	cid   string
	typed *bsky.ActorProfile
}

// ProfileRecord is the part of an account's profile record tests set and
// read. Avatar and Banner are the images' bytes, nil for none.
type ProfileRecord struct {
	DisplayName, Description, Website string
	Avatar, Banner                    []byte
}

// SetProfileRecord writes an account's profile record directly, as the
// account's owner could from the Bluesky app, storing the images as the
// account's blobs; it returns the record's CID. Nothing is checked. Once
// an account has a profile record, getProfile shows the record rather
// than what SetProfile set.
func (s *Server) SetProfileRecord(did string, p ProfileRecord) (recordCID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.mustAccount(did)
	rec := &bsky.ActorProfile{LexiconTypeID: profileCollection}
	if p.DisplayName != "" {
		rec.DisplayName = &p.DisplayName
	}
	if p.Description != "" {
		rec.Description = &p.Description
	}
	if p.Website != "" {
		rec.Website = &p.Website
	}
	rec.Avatar = s.storeBlobLocked(a, p.Avatar)
	rec.Banner = s.storeBlobLocked(a, p.Banner)
	raw, err := json.Marshal(rec)
	if err != nil {
		panic(fmt.Sprintf("blueskytest: SetProfileRecord: %v", err))
	}
	a.profile = &profileRecord{raw: raw, cid: profileCID(rec), typed: rec}
	return a.profile.cid
}

// ProfileRecordOf returns an account's profile record and its CID; ok is
// false when the account has none.
func (s *Server) ProfileRecordOf(did string) (p ProfileRecord, recordCID string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[did]
	if a == nil || a.profile == nil {
		return ProfileRecord{}, "", false
	}
	rec := a.profile.typed
	p = ProfileRecord{DisplayName: deref(rec.DisplayName), Description: deref(rec.Description), Website: deref(rec.Website)}
	if rec.Avatar != nil {
		p.Avatar = slices.Clone(s.blobData[rec.Avatar.Ref.String()])
	}
	if rec.Banner != nil {
		p.Banner = slices.Clone(s.blobData[rec.Banner.Ref.String()])
	}
	return p, a.profile.cid, true
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// storeBlobLocked keeps image bytes as a blob of the account, as
// uploadBlob does, and returns its reference (nil for no bytes).
func (s *Server) storeBlobLocked(a *account, data []byte) *lexutil.LexBlob {
	if len(data) == 0 {
		return nil
	}
	mimeType, _, _ := mime.ParseMediaType(http.DetectContentType(data))
	ref := cidOf(cid.Raw, data)
	a.blobs[ref] = blob{mimeType: mimeType, size: int64(len(data))}
	s.keepBlobLocked(ref, data)
	c, _ := cid.Decode(ref)
	return &lexutil.LexBlob{Ref: lexutil.LexLink(c), MimeType: mimeType, Size: int64(len(data))}
}

// keepBlobLocked remembers a blob's bytes, by CID: the same bytes
// uploaded many times (benchmarks) are kept once.
func (s *Server) keepBlobLocked(ref string, data []byte) {
	if s.blobData == nil {
		s.blobData = map[string][]byte{}
	}
	if _, found := s.blobData[ref]; !found {
		s.blobData[ref] = slices.Clone(data)
	}
}

// profileCID is a profile record's CID: dag-cbor, sha-256.
func profileCID(rec *bsky.ActorProfile) string {
	var buf bytes.Buffer
	if err := rec.MarshalCBOR(&buf); err != nil {
		panic(fmt.Sprintf("blueskytest: encoding a profile: %v", err))
	}
	return cidOf(cid.DagCBOR, buf.Bytes())
}

// invalidProfile is the PDS's answer to a profile record its lexicon
// refuses.
func invalidProfile(format string, args ...any) reply {
	return xerr(http.StatusBadRequest, "InvalidRequest", "Invalid "+profileCollection+" record: "+fmt.Sprintf(format, args...))
}

// putRecord is com.atproto.repo.putRecord for the profile record (the only
// collection this server lets a client rewrite), as the reference PDS
// answers it: the record is validated against app.bsky.actor.profile
// (lengths in graphemes and bytes, the website a URI, the avatar and
// banner blobs uploaded by the account, PNG or JPEG, at most 1,000,000
// bytes), then written if swapRecord allows: a CID must be the current
// record's, null means there must be none, and absent means no check. A
// mismatch is 400 InvalidSwap "Record was at <cid>" (or "at null"), and
// nothing is written. swapCommit is not checked.
//
// Inject's Op "profile" makes it fail like the other writes.
func (s *Server) putRecord(r *http.Request) reply {
	var in struct {
		Repo       string          `json:"repo"`
		Collection string          `json:"collection"`
		RKey       string          `json:"rkey"`
		Record     json.RawMessage `json:"record"`
		SwapRecord json.RawMessage `json:"swapRecord"`
	}
	if rep := readJSON(r, &in); rep != nil {
		return *rep
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, rep := s.authLocked(r)
	if rep != nil {
		return *rep
	}
	if in.Repo == "" || in.Collection == "" || in.RKey == "" || len(in.Record) == 0 {
		return xerr(http.StatusBadRequest, "InvalidRequest", `Input must have the properties "repo", "collection", "rkey" and "record"`)
	}
	if target := s.lookupLocked(in.Repo); target == nil {
		return xerr(http.StatusBadRequest, "InvalidRequest", "Could not find repo: "+in.Repo)
	} else if target != a {
		return xerr(http.StatusUnauthorized, "AuthenticationRequired", "Authentication Required")
	}
	if in.Collection != profileCollection {
		return xerr(http.StatusBadRequest, "InvalidRequest", "blueskytest rewrites only "+profileCollection+" records, not "+in.Collection)
	}
	if in.RKey != profileKey {
		return invalidProfile("Record key must be %q", profileKey)
	}
	f := s.faultLocked("profile")
	if f != nil {
		if rep, done := s.faultReplyLocked(f, a); done {
			return rep
		}
	}

	rec, rep := validProfileLocked(a, in.Record)
	if rep != nil {
		return *rep
	}
	current := ""
	if a.profile != nil {
		current = a.profile.cid
	}
	if swap := bytes.TrimSpace(in.SwapRecord); len(swap) > 0 {
		var want *string
		if err := json.Unmarshal(swap, &want); err != nil {
			return xerr(http.StatusBadRequest, "InvalidRequest", "Input/swapRecord must be a cid string")
		}
		if want != nil {
			if _, err := cid.Decode(*want); err != nil {
				return xerr(http.StatusBadRequest, "InvalidRequest", "Input/swapRecord must be a cid string")
			}
		}
		if (want == nil && current != "") || (want != nil && *want != current) {
			at := current
			if at == "" {
				at = "null"
			}
			return xerr(http.StatusBadRequest, "InvalidSwap", "Record was at "+at)
		}
	}

	now := s.now()
	if now.Sub(a.windowStart) >= time.Hour {
		a.windowStart, a.windowPoints = now, 0
	}
	cost := updatePoints
	if a.profile == nil {
		cost = createPoints
	}
	limit := s.writeLimit
	if limit > 0 && a.windowPoints+cost > limit {
		rep := xerr(http.StatusTooManyRequests, "RateLimitExceeded", "Rate Limit Exceeded")
		rep.header = rateLimitHeaders(limit, 0, a.windowStart.Add(time.Hour), time.Hour)
		return rep
	}
	a.windowPoints += cost
	a.profile = &profileRecord{raw: append(json.RawMessage(nil), in.Record...), cid: profileCID(rec), typed: rec}
	uri := "at://" + a.did + "/" + profileCollection + "/" + profileKey
	out := ok(map[string]any{"uri": uri, "cid": a.profile.cid, "commit": s.commitLocked(), "validationStatus": "valid"})
	if limit > 0 {
		out.header = rateLimitHeaders(limit, limit-a.windowPoints, a.windowStart.Add(time.Hour), time.Hour)
	}
	out.lose = f != nil && f.Kind == providertest.LoseAnswer
	return out
}

// validProfileLocked parses and validates a profile record.
func validProfileLocked(a *account, raw json.RawMessage) (*bsky.ActorProfile, *reply) {
	fail := func(format string, args ...any) (*bsky.ActorProfile, *reply) {
		rep := invalidProfile(format, args...)
		return nil, &rep
	}
	var typ struct {
		Type *string `json:"$type"`
	}
	if err := json.Unmarshal(raw, &typ); err != nil {
		return fail("%v", err)
	}
	if typ.Type == nil || *typ.Type != profileCollection {
		return fail("Record/$type must be %s", profileCollection)
	}
	var p bsky.ActorProfile
	if err := json.Unmarshal(raw, &p); err != nil {
		return fail("%v", err)
	}
	for _, c := range []struct {
		name             string
		value            *string
		graphemes, bytes int
	}{
		{"displayName", p.DisplayName, ProfileDisplayNameGraphemes, profileDisplayNameBytes},
		{"description", p.Description, ProfileDescriptionGraphemes, profileDescriptionBytes},
		{"pronouns", p.Pronouns, profilePronounsGraphemes, profilePronounsBytes},
	} {
		if c.value == nil {
			continue
		}
		if !utf8.ValidString(*c.value) {
			return fail("Record/%s must be valid UTF-8", c.name)
		}
		if len(*c.value) > c.bytes {
			return fail("Record/%s must not be longer than %d characters", c.name, c.bytes)
		}
		if textcount.Bluesky(*c.value) > c.graphemes {
			return fail("Record/%s must not be longer than %d graphemes", c.name, c.graphemes)
		}
	}
	if p.Website != nil && !lexiconURI.MatchString(*p.Website) {
		return fail("Record/website must be a uri")
	}
	if p.CreatedAt != nil {
		if _, err := syntax.ParseDatetime(*p.CreatedAt); err != nil {
			return fail("Record/createdAt must be an valid atproto datetime (both RFC-3339 and ISO-8601)")
		}
	}
	for _, b := range []*lexutil.LexBlob{p.Avatar, p.Banner} {
		if b == nil {
			continue
		}
		got, rep := blobOf(a, b.Ref.String(), ProfileImageMaxSize)
		if rep != nil {
			return nil, rep
		}
		if !slices.Contains(profileImageTypes, got.MimeType) {
			rep := xerr(http.StatusBadRequest, "InvalidMimeType",
				fmt.Sprintf("Wrong type of file. It is %s but it must match %s.", got.MimeType, strings.Join(profileImageTypes, ", ")))
			return nil, &rep
		}
	}
	return &p, nil
}

// profileRecordLocked answers getRecord for the profile record.
func (s *Server) profileRecordLocked(a *account, rkey, wantCID string) reply {
	uri := "at://" + a.did + "/" + profileCollection + "/" + rkey
	if rkey != profileKey || a.profile == nil || (wantCID != "" && wantCID != a.profile.cid) {
		return xerr(http.StatusBadRequest, "RecordNotFound", "Could not locate record: "+uri)
	}
	return ok(map[string]any{"uri": uri, "cid": a.profile.cid, "value": a.profile.raw})
}

// profileViewLocked completes getProfile's answer with the profile record,
// as the App View shows it: images as addresses on its CDN (here, this
// server's /img/).
func (s *Server) profileViewLocked(a *account, view map[string]any) {
	if a.profile == nil {
		return
	}
	rec := a.profile.typed
	delete(view, "displayName")
	delete(view, "avatar")
	if rec.DisplayName != nil {
		view["displayName"] = *rec.DisplayName
	}
	if rec.Description != nil {
		view["description"] = *rec.Description
	}
	if rec.Website != nil {
		view["website"] = *rec.Website
	}
	if rec.Pronouns != nil {
		view["pronouns"] = *rec.Pronouns
	}
	if rec.Avatar != nil {
		view["avatar"] = s.srv.URL + "/img/avatar/plain/" + a.did + "/" + rec.Avatar.Ref.String() + "@jpeg"
	}
	if rec.Banner != nil {
		view["banner"] = s.srv.URL + "/img/banner/plain/" + a.did + "/" + rec.Banner.Ref.String() + "@jpeg"
	}
	if rec.CreatedAt != nil {
		view["createdAt"] = *rec.CreatedAt
	}
}

// serveImage plays the App View's image CDN (cdn.bsky.app/img/<preset>/
// plain/<did>/<cid>@jpeg): the blob of that account, served as it was
// uploaded (the real CDN re-encodes it as JPEG).
func (s *Server) serveImage(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/img/"), "/")
	if len(parts) != 4 || parts[1] != "plain" {
		http.NotFound(w, r)
		return
	}
	did, ref := parts[2], parts[3]
	if i := strings.LastIndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	s.mu.Lock()
	a := s.accounts[did]
	var data []byte
	var mimeType string
	if a != nil {
		if b, found := a.blobs[ref]; found {
			data, mimeType = s.blobData[ref], b.mimeType
		}
	}
	s.mu.Unlock()
	if data == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", mimeType)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}
