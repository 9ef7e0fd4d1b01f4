package blueskytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/api/bsky"
	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/ipfs/go-cid"

	"github.com/portavoce/portavoce/internal/provider/providertest"
	"github.com/portavoce/portavoce/internal/textcount"
)

const postCollection = "app.bsky.feed.post"

// Lexicon limits of app.bsky.feed.post and its embeds.
const (
	maxTextGraphemes = 300
	maxTextBytes     = 3000
	maxLangs         = 3
	maxImages        = 4
	// maxImageSize is app.bsky.embed.images#image's blob maxSize (the
	// lexicon raised it from 1 MB to 2 MB).
	maxImageSize = 2_000_000
	// maxThumbSize is app.bsky.embed.external#external's thumb maxSize.
	maxThumbSize  = 1_000_000
	maxTagBytes   = 640
	maxTagGraphem = 64
)

// lexiconURI is the reference PDS's check of the "uri" string format
// (@atproto/lexicon): a scheme, then anything without white space. It
// accepts non-ASCII characters, which indigo's syntax.ParseURI does not.
var lexiconURI = regexp.MustCompile(`^[A-Za-z0-9_]+:(?://)?[^\s\p{Z}/][^\s\p{Z}]*$`)

// invalid is the PDS's answer to a record its lexicon refuses.
func invalid(format string, args ...any) reply {
	return xerr(http.StatusBadRequest, "InvalidRequest", "Invalid app.bsky.feed.post record: "+fmt.Sprintf(format, args...))
}

// createRecord stores an app.bsky.feed.post after validating it as the PDS
// does against the lexicon (text length in graphemes and bytes, langs,
// createdAt, images and their blobs, the link card's thumbnail) plus two
// checks the real PDS leaves to the App View, so that a client's mistakes
// show in tests: facets must lie inside the text, and reply references (and
// a quoted post) must name posts this server holds. Likes and reposts are
// stored too (inbox.go). A record key already used answers 500
// InternalServerError, as the reference PDS does today (see
// bluesky-social/indigo#873 and bluesky-social/atproto#4725).
func (s *Server) createRecord(r *http.Request) reply {
	var in struct {
		Repo       string          `json:"repo"`
		Collection string          `json:"collection"`
		RKey       *string         `json:"rkey"`
		Validate   *bool           `json:"validate"`
		Record     json.RawMessage `json:"record"`
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
	if in.Repo == "" || in.Collection == "" || len(in.Record) == 0 {
		return xerr(http.StatusBadRequest, "InvalidRequest", `Input must have the properties "repo", "collection" and "record"`)
	}
	if target := s.lookupLocked(in.Repo); target == nil {
		return xerr(http.StatusBadRequest, "InvalidRequest", "Could not find repo: "+in.Repo)
	} else if target != a {
		return xerr(http.StatusUnauthorized, "AuthenticationRequired", "Authentication Required")
	}
	switch in.Collection {
	case postCollection:
	case likeCollection, repostCollection:
		return s.createInteractionLocked(a, in.Collection, in.RKey, in.Record)
	default:
		return xerr(http.StatusBadRequest, "InvalidRequest", "blueskytest stores only posts, likes and reposts with createRecord, not "+in.Collection)
	}
	f := s.faultLocked("post")
	if f != nil {
		if rep, done := s.faultReplyLocked(f, a); done {
			return rep
		}
	}

	now := s.now()
	if now.Sub(a.windowStart) >= time.Hour {
		a.windowStart, a.windowPoints = now, 0
	}
	limit := s.writeLimit
	if limit > 0 && a.windowPoints+createPoints > limit {
		rep := xerr(http.StatusTooManyRequests, "RateLimitExceeded", "Rate Limit Exceeded")
		rep.header = rateLimitHeaders(limit, 0, a.windowStart.Add(time.Hour), time.Hour)
		return rep
	}

	rkey := ""
	if in.RKey != nil {
		rkey = *in.RKey
		if _, err := syntax.ParseTID(rkey); err != nil {
			return invalid("record key must be a TID: %q", rkey)
		}
	} else {
		rkey = s.clock.Next().String()
	}

	post, rep := s.validPostLocked(a, in.Record)
	if rep != nil {
		return *rep
	}
	if a.byRKey[rkey] != nil {
		return xerr(http.StatusInternalServerError, "InternalServerError", "Internal Server Error")
	}
	stored, err := s.storePostLocked(a, rkey, post, in.Record)
	if err != nil {
		return invalid("%v", err)
	}
	a.windowPoints += createPoints

	out := ok(map[string]any{"uri": stored.URI, "cid": stored.CID, "commit": s.commitLocked(), "validationStatus": "valid"})
	if limit > 0 {
		out.header = rateLimitHeaders(limit, limit-a.windowPoints, a.windowStart.Add(time.Hour), time.Hour)
	}
	out.lose = f != nil && f.Kind == providertest.LoseAnswer
	return out
}

// storePostLocked keeps a validated post under rkey and indexes it as the
// App View would (notifications for mentions, quotes and replies).
func (s *Server) storePostLocked(a *account, rkey string, post validPost, raw json.RawMessage) (*Post, error) {
	var buf bytes.Buffer
	if err := post.typed.MarshalCBOR(&buf); err != nil {
		return nil, err
	}
	p := post.Post
	p.RKey = rkey
	p.URI = "at://" + a.did + "/" + postCollection + "/" + rkey
	p.CID = cidOf(cid.DagCBOR, buf.Bytes())
	p.Record = append(json.RawMessage(nil), raw...)
	p.IndexedAt = s.now().UTC().Truncate(time.Millisecond)
	a.posts = append(a.posts, &p)
	a.byRKey[rkey] = &p
	s.indexPostLocked(a, &p)
	return &p, nil
}

type validPost struct {
	Post
	typed *bsky.FeedPost
}

// validPostLocked parses and validates a post record.
func (s *Server) validPostLocked(a *account, raw json.RawMessage) (validPost, *reply) {
	fail := func(format string, args ...any) (validPost, *reply) {
		rep := invalid(format, args...)
		return validPost{}, &rep
	}
	var typ struct {
		Type *string `json:"$type"`
	}
	if err := json.Unmarshal(raw, &typ); err != nil {
		return fail("%v", err)
	}
	if typ.Type == nil || *typ.Type != postCollection {
		return fail("Record/$type must be %s", postCollection)
	}
	var p bsky.FeedPost
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&p); err != nil {
		return fail("%v", err)
	}
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(raw, &fields)
	if _, has := fields["text"]; !has {
		return fail(`Record must have the property "text"`)
	}
	if _, has := fields["createdAt"]; !has {
		return fail(`Record must have the property "createdAt"`)
	}
	if !utf8.ValidString(p.Text) {
		return fail("Record/text must be valid UTF-8")
	}
	if len(p.Text) > maxTextBytes {
		return fail("Record/text must not be longer than %d characters", maxTextBytes)
	}
	if textcount.Bluesky(p.Text) > maxTextGraphemes {
		return fail("Record/text must not be longer than %d graphemes", maxTextGraphemes)
	}
	if _, err := syntax.ParseDatetime(p.CreatedAt); err != nil {
		return fail("Record/createdAt must be an valid atproto datetime (both RFC-3339 and ISO-8601)")
	}
	if len(p.Langs) > maxLangs {
		return fail("Record/langs must not have more than %d elements", maxLangs)
	}
	for i, l := range p.Langs {
		if _, err := syntax.ParseLanguage(l); err != nil {
			return fail("Record/langs/%d must be a well-formed BCP 47 language tag", i)
		}
	}
	out := validPost{Post: Post{Text: p.Text, CreatedAt: p.CreatedAt, Langs: p.Langs}, typed: &p}

	for i, f := range p.Facets {
		if f == nil || f.Index == nil {
			return fail("Record/facets/%d must have the property \"index\"", i)
		}
		start, end := int(f.Index.ByteStart), int(f.Index.ByteEnd)
		if start < 0 || end <= start || end > len(p.Text) || !utf8.ValidString(p.Text[start:end]) {
			return fail("Record/facets/%d/index [%d, %d) is not a slice of the text (%d bytes)", i, start, end, len(p.Text))
		}
		if len(f.Features) == 0 {
			return fail("Record/facets/%d/features must not be empty", i)
		}
		for j, feat := range f.Features {
			switch {
			case feat == nil:
				return fail("Record/facets/%d/features/%d must be an object", i, j)
			case feat.RichtextFacet_Mention != nil:
				if _, err := syntax.ParseDID(feat.RichtextFacet_Mention.Did); err != nil {
					return fail("Record/facets/%d/features/%d/did must be a valid did", i, j)
				}
				out.Facets = append(out.Facets, Facet{Kind: "mention", Start: start, End: end, Value: feat.RichtextFacet_Mention.Did})
			case feat.RichtextFacet_Link != nil:
				if !lexiconURI.MatchString(feat.RichtextFacet_Link.Uri) {
					return fail("Record/facets/%d/features/%d/uri must be a uri", i, j)
				}
				out.Facets = append(out.Facets, Facet{Kind: "link", Start: start, End: end, Value: feat.RichtextFacet_Link.Uri})
			case feat.RichtextFacet_Tag != nil:
				tag := feat.RichtextFacet_Tag.Tag
				if len(tag) > maxTagBytes || textcount.Bluesky(tag) > maxTagGraphem {
					return fail("Record/facets/%d/features/%d/tag must not be longer than %d graphemes", i, j, maxTagGraphem)
				}
				out.Facets = append(out.Facets, Facet{Kind: "tag", Start: start, End: end, Value: tag})
			default:
				return fail("Record/facets/%d/features/%d has an unknown $type", i, j)
			}
		}
	}

	if p.Reply != nil {
		for name, ref := range map[string]*comatproto.RepoStrongRef{"root": p.Reply.Root, "parent": p.Reply.Parent} {
			if ref == nil {
				return fail("Record/reply must have the property %q", name)
			}
			if !s.holdsLocked(ref.Uri, ref.Cid) {
				return fail("Record/reply/%s %s (cid %s) is not a post on this server", name, ref.Uri, ref.Cid)
			}
		}
		out.ReplyRoot, out.ReplyParent = p.Reply.Root.Uri, p.Reply.Parent.Uri
	}

	if p.Embed != nil {
		switch {
		case p.Embed.EmbedImages != nil:
			imgs := p.Embed.EmbedImages.Images
			if len(imgs) > maxImages {
				return fail("Record/embed/images must not have more than %d elements", maxImages)
			}
			for i, img := range imgs {
				if img == nil || img.Image == nil {
					return fail("Record/embed/images/%d must have the property \"image\"", i)
				}
				got, rep := blobOf(a, img.Image.Ref.String(), maxImageSize)
				if rep != nil {
					return validPost{}, rep
				}
				got.Alt = img.Alt
				if ar := img.AspectRatio; ar != nil {
					if ar.Width < 1 || ar.Height < 1 {
						return fail("Record/embed/images/%d/aspectRatio must be at least 1 by 1", i)
					}
					got.Width, got.Height = ar.Width, ar.Height
				}
				out.Images = append(out.Images, got)
			}
		case p.Embed.EmbedExternal != nil:
			ext := p.Embed.EmbedExternal.External
			if ext == nil {
				return fail(`Record/embed must have the property "external"`)
			}
			if !lexiconURI.MatchString(ext.Uri) {
				return fail("Record/embed/external/uri must be a uri")
			}
			out.External = &External{URI: ext.Uri, Title: ext.Title, Description: ext.Description}
			if ext.Thumb != nil {
				got, rep := blobOf(a, ext.Thumb.Ref.String(), maxThumbSize)
				if rep != nil {
					return validPost{}, rep
				}
				out.External.Thumb = &got
			}
		case p.Embed.EmbedRecord != nil:
			ref := p.Embed.EmbedRecord.Record
			if ref == nil {
				return fail(`Record/embed must have the property "record"`)
			}
			// A quote: like reply references, it must name a post
			// this server holds.
			if !s.holdsLocked(ref.Uri, ref.Cid) {
				return fail("Record/embed/record %s (cid %s) is not a post on this server", ref.Uri, ref.Cid)
			}
			out.Quote = ref.Uri
		default:
			return fail("Record/embed: blueskytest accepts only images, external and record embeds")
		}
	}
	return out, nil
}

// blobOf checks a referenced blob as the PDS does when a record makes it
// permanent: it was uploaded by the account, is an image and fits maxSize.
func blobOf(a *account, ref string, maxSize int64) (Image, *reply) {
	b, found := a.blobs[ref]
	if !found {
		rep := xerr(http.StatusBadRequest, "BlobNotFound", "Could not find blob: "+ref)
		return Image{}, &rep
	}
	if b.size > maxSize {
		rep := xerr(http.StatusBadRequest, "BlobTooLarge", fmt.Sprintf("This file is too large. It is %d bytes but the maximum size is %d bytes.", b.size, maxSize))
		return Image{}, &rep
	}
	if !strings.HasPrefix(b.mimeType, "image/") {
		rep := xerr(http.StatusBadRequest, "InvalidMimeType", fmt.Sprintf("Wrong type of file. It is %s but it must match image/*.", b.mimeType))
		return Image{}, &rep
	}
	return Image{CID: ref, MimeType: b.mimeType, Size: b.size}, nil
}

// holdsLocked reports whether uri names a post on this server with that
// CID.
func (s *Server) holdsLocked(uri, cid string) bool {
	at, err := syntax.ParseATURI(uri)
	if err != nil || at.Collection().String() != postCollection {
		return false
	}
	a := s.lookupLocked(at.Authority().String())
	if a == nil {
		return false
	}
	p := a.byRKey[at.RecordKey().String()]
	return p != nil && p.CID == cid
}
