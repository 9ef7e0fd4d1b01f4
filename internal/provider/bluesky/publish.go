package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/api/bsky"
	"github.com/bluesky-social/indigo/atproto/syntax"
	lexutil "github.com/bluesky-social/indigo/lex/util"
	"golang.org/x/net/idna"

	"github.com/portavoce/portavoce/internal/linkpreview"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/textcount"
)

const postCollection = "app.bsky.feed.post"

// Publish creates the parts of d not in d.Done as app.bsky.feed.post
// records, each part after the first answering the one before it, and
// calls accepted as soon as the PDS has each one.
//
// Each record is created with its key d.Keys[i], so a repeat of an attempt
// whose answer was lost cannot make a second post: the PDS refuses the key
// (today with a 500), Publish then finds the record already there and
// reports it accepted.
//
// A delivery with ReplyTo answers that post from the inbox (replyRef); a
// direct one is sent as chat messages instead (publishMessages).
func (c *Client) Publish(ctx context.Context, a provider.Account, d provider.Delivery, accepted func(part int, p provider.Published) error) error {
	if len(d.Keys) != len(d.Parts) || len(d.Done) > len(d.Parts) {
		return &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: -1,
			Reason: fmt.Sprintf("the delivery has %d keys and %d parts done for %d parts", len(d.Keys), len(d.Done), len(d.Parts))}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s, err := c.connect(a)
	if err != nil {
		return err
	}
	if d.ReplyTo != nil && d.ReplyTo.Direct {
		return s.publishMessages(ctx, d, accepted)
	}
	done := append([]provider.Published(nil), d.Done...)
	mentions := map[string]string{}
	for i := len(d.Done); i < len(d.Parts); i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, err := s.publishPart(ctx, d, i, done, mentions)
		if err != nil {
			return err
		}
		done = append(done, p)
		if err := accepted(i, p); err != nil {
			return err
		}
	}
	return nil
}

// publishPart uploads a part's images, builds its record and creates it.
func (s *conn) publishPart(ctx context.Context, d provider.Delivery, i int, done []provider.Published, mentions map[string]string) (provider.Published, error) {
	part := d.Parts[i]
	if len(part.Media) > maxImages {
		return provider.Published{}, &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: i,
			Reason: fmt.Sprintf("a Bluesky post carries at most %d images, this one has %d", maxImages, len(part.Media))}
	}
	for _, m := range part.Media {
		if !strings.HasPrefix(m.ContentType, "image/") {
			return provider.Published{}, &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: i,
				Reason: fmt.Sprintf("Portavoce posts only images to Bluesky, not %s", m.ContentType)}
		}
	}
	if _, err := syntax.ParseTID(d.Keys[i]); err != nil {
		return provider.Published{}, &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: i,
			Reason: fmt.Sprintf("the record key %q is not a TID", d.Keys[i])}
	}

	post := &bsky.FeedPost{
		Text:      part.Text,
		CreatedAt: s.c.now().UTC().Format("2006-01-02T15:04:05.000Z"),
	}
	var err error
	if post.Facets, err = s.facets(ctx, part.Text, i, mentions); err != nil {
		return provider.Published{}, err
	}
	if post.Reply, err = s.replyRef(ctx, d, i, done); err != nil {
		return provider.Published{}, err
	}
	switch {
	case len(part.Media) > 0:
		images := &bsky.EmbedImages{}
		for _, m := range part.Media {
			blob, err := s.upload(ctx, m.Data, m.ContentType, i)
			if err != nil {
				return provider.Published{}, err
			}
			img := &bsky.EmbedImages_Image{Alt: m.Alt, Image: blob}
			if m.Width > 0 && m.Height > 0 {
				img.AspectRatio = &bsky.EmbedDefs_AspectRatio{Width: int64(m.Width), Height: int64(m.Height)}
			}
			images.Images = append(images.Images, img)
		}
		post.Embed = &bsky.FeedPost_Embed{EmbedImages: images}
	case i == 0 && d.LinkPreview:
		card, err := s.linkCard(ctx, part.Text, i)
		if err != nil {
			return provider.Published{}, err
		}
		if card != nil {
			post.Embed = &bsky.FeedPost_Embed{EmbedExternal: card}
		}
	}
	return s.create(ctx, post, d.Keys[i], i)
}

// create makes the record with com.atproto.repo.createRecord under rkey.
func (s *conn) create(ctx context.Context, post *bsky.FeedPost, rkey string, i int) (provider.Published, error) {
	body, err := json.Marshal(comatproto.RepoCreateRecord_Input{
		Repo:       s.sess.DID,
		Collection: postCollection,
		Rkey:       &rkey,
		Record:     &lexutil.LexiconTypeDecoder{Val: post},
	})
	if err != nil {
		return provider.Published{}, &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: i,
			Reason: "the post cannot be encoded", Err: err}
	}
	a, err := s.do(ctx, call{post: true, base: s.pds, nsid: "com.atproto.repo.createRecord", body: body}, i)
	if err != nil {
		return provider.Published{}, err
	}
	if a.ok() {
		var out comatproto.RepoCreateRecord_Output
		if err := json.Unmarshal(a.body, &out); err != nil || out.Uri == "" {
			// Created, but the answer does not say as what: Check
			// will find it.
			return provider.Published{}, &provider.Error{Kind: provider.Unknown, Network: provider.Bluesky, Part: i, Status: a.status,
				Err: errors.New("bluesky: unreadable answer to createRecord")}
		}
		return provider.Published{RemoteID: out.Uri, CID: out.Cid, URL: postURL(s.sess.Handle, s.sess.DID, rkey)}, nil
	}
	failure := s.fail(a, i)
	if mayAlreadyExist(a) {
		// The PDS refuses a key that is taken (a 500 today, an explicit
		// error once bluesky-social/atproto#4728 lands): if the record
		// is there, an earlier attempt whose answer was lost made it.
		if p, found, err := s.find(ctx, rkey, i); err == nil && found {
			return p, nil
		}
	}
	return provider.Published{}, failure
}

// replyRef is what part i answers. Without ReplyTo, the first part is a
// root post and each next one answers the one before it, in the thread the
// first part starts. With ReplyTo (an answer from the inbox), the first
// part answers ReplyTo in its thread (root RootID, or the post answered
// itself when it is the root) and each next part answers the one before
// it, in that same thread.
func (s *conn) replyRef(ctx context.Context, d provider.Delivery, i int, done []provider.Published) (*bsky.FeedPost_ReplyRef, error) {
	if d.ReplyTo == nil {
		if i == 0 {
			return nil, nil
		}
		root, err := s.strongRef(ctx, done[0], i)
		if err != nil {
			return nil, err
		}
		parent, err := s.strongRef(ctx, done[i-1], i)
		if err != nil {
			return nil, err
		}
		return &bsky.FeedPost_ReplyRef{Root: root, Parent: parent}, nil
	}
	to := d.ReplyTo
	rootURI, rootCID := to.RootID, to.RootCID
	if rootURI == "" {
		rootURI, rootCID = to.RemoteID, to.CID
	}
	root, err := s.refTo(ctx, rootURI, rootCID, i)
	if err != nil {
		return nil, err
	}
	var parent *comatproto.RepoStrongRef
	if i == 0 {
		parent, err = s.refTo(ctx, to.RemoteID, to.CID, i)
	} else {
		parent, err = s.strongRef(ctx, done[i-1], i)
	}
	if err != nil {
		return nil, err
	}
	return &bsky.FeedPost_ReplyRef{Root: root, Parent: parent}, nil
}

// mayAlreadyExist reports an answer that may mean the record key is taken.
func mayAlreadyExist(a answer) bool {
	return a.status >= 500 || a.status == http.StatusConflict ||
		strings.Contains(a.code, "Exists") || strings.Contains(strings.ToLower(a.message), "already exists")
}

// Check looks up the record of each part under its key
// (com.atproto.repo.getRecord): the post when the PDS has it, nil when it
// answers RecordNotFound. Replies from the inbox are records under their
// keys too; a direct reply, sent as chat messages without keys, is looked
// for in its conversation (checkMessages).
func (c *Client) Check(ctx context.Context, a provider.Account, d provider.Delivery) ([]*provider.Published, error) {
	if len(d.Keys) != len(d.Parts) {
		return nil, &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: -1,
			Reason: fmt.Sprintf("the delivery has %d keys for %d parts", len(d.Keys), len(d.Parts))}
	}
	s, err := c.connect(a)
	if err != nil {
		return nil, err
	}
	if d.ReplyTo != nil && d.ReplyTo.Direct {
		return s.checkMessages(ctx, d)
	}
	found := make([]*provider.Published, len(d.Parts))
	for i, key := range d.Keys {
		p, ok, err := s.find(ctx, key, i)
		if err != nil {
			return nil, err
		}
		if ok {
			found[i] = &p
		}
	}
	return found, nil
}

// find reads the post under rkey in the account's repository. It needs no
// token: records are public.
func (s *conn) find(ctx context.Context, rkey string, part int) (provider.Published, bool, error) {
	q := url.Values{"repo": {s.sess.DID}, "collection": {postCollection}, "rkey": {rkey}}
	a, err := s.c.send(ctx, call{base: s.pds, nsid: "com.atproto.repo.getRecord", query: q}, "", part)
	if err != nil {
		return provider.Published{}, false, err
	}
	if !a.ok() {
		if a.code == "RecordNotFound" || (a.status == http.StatusBadRequest && strings.HasPrefix(a.message, "Could not locate record")) {
			return provider.Published{}, false, nil
		}
		return provider.Published{}, false, s.fail(a, part)
	}
	var out struct {
		URI string `json:"uri"`
		CID string `json:"cid"`
	}
	if err := json.Unmarshal(a.body, &out); err != nil || out.URI == "" {
		return provider.Published{}, false, &provider.Error{Kind: provider.Temporary, Network: provider.Bluesky, Part: part, Status: a.status,
			Err: errors.New("bluesky: unreadable answer to getRecord")}
	}
	return provider.Published{RemoteID: out.URI, CID: out.CID, URL: postURL(s.sess.Handle, s.sess.DID, rkey)}, true, nil
}

// strongRef is the reference (URI and CID) a reply needs to a published
// part. A part accepted without its CID is looked up.
func (s *conn) strongRef(ctx context.Context, p provider.Published, part int) (*comatproto.RepoStrongRef, error) {
	if p.CID != "" {
		return &comatproto.RepoStrongRef{Uri: p.RemoteID, Cid: p.CID}, nil
	}
	uri, err := syntax.ParseATURI(p.RemoteID)
	if err != nil {
		return nil, &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: part,
			Reason: fmt.Sprintf("the thread's earlier post %q is not a Bluesky post", p.RemoteID)}
	}
	found, ok, err := s.find(ctx, uri.RecordKey().String(), part)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &provider.Error{Kind: provider.Rejected, Network: provider.Bluesky, Part: part,
			Reason: "the post this part answers was deleted"}
	}
	return &comatproto.RepoStrongRef{Uri: found.RemoteID, Cid: found.CID}, nil
}

// facets annotates links, mentions and hashtags (textcount.Facets finds
// them as the Bluesky app does). A mention needs the account's DID: a
// handle that does not resolve is left as plain text, as the app does.
func (s *conn) facets(ctx context.Context, text string, part int, mentions map[string]string) ([]*bsky.RichtextFacet, error) {
	var out []*bsky.RichtextFacet
	for _, f := range textcount.Facets(text) {
		feature := &bsky.RichtextFacet_Features_Elem{}
		switch f.Kind {
		case textcount.FacetLink:
			feature.RichtextFacet_Link = &bsky.RichtextFacet_Link{Uri: linkURI(f.Value)}
		case textcount.FacetTag:
			feature.RichtextFacet_Tag = &bsky.RichtextFacet_Tag{Tag: f.Value}
		case textcount.FacetMention:
			handle := strings.ToLower(f.Value)
			did, known := mentions[handle]
			if !known {
				var found bool
				var err error
				did, found, err = s.c.resolveHandle(ctx, s.pds, handle, part)
				if err != nil {
					return nil, err
				}
				if !found {
					did = ""
				}
				mentions[handle] = did
			}
			if did == "" {
				continue
			}
			feature.RichtextFacet_Mention = &bsky.RichtextFacet_Mention{Did: did}
		default:
			continue
		}
		out = append(out, &bsky.RichtextFacet{
			Index:    &bsky.RichtextFacet_ByteSlice{ByteStart: int64(f.Start), ByteEnd: int64(f.End)},
			Features: []*bsky.RichtextFacet_Features_Elem{feature},
		})
	}
	return out, nil
}

// upload stores an image with com.atproto.repo.uploadBlob and returns the
// blob reference a record embeds.
func (s *conn) upload(ctx context.Context, data []byte, contentType string, part int) (*lexutil.LexBlob, error) {
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	a, err := s.do(ctx, call{post: true, base: s.pds, nsid: "com.atproto.repo.uploadBlob", body: data, contentType: contentType}, part)
	if err != nil {
		return nil, err
	}
	if !a.ok() {
		return nil, s.fail(a, part)
	}
	var out comatproto.RepoUploadBlob_Output
	if err := json.Unmarshal(a.body, &out); err != nil || out.Blob == nil || !out.Blob.Ref.Defined() {
		return nil, &provider.Error{Kind: provider.Temporary, Network: provider.Bluesky, Part: part, Status: a.status,
			Err: errors.New("bluesky: unreadable answer to uploadBlob")}
	}
	return out.Blob, nil
}

// linkCard builds the card of the first link in text (app.bsky.embed.external)
// from the page's Open Graph tags, with its image uploaded as the
// thumbnail. A page or image that cannot be fetched leaves the post without
// a card or without a thumbnail: a preview is never worth a failed post.
func (s *conn) linkCard(ctx context.Context, text string, part int) (*bsky.EmbedExternal, error) {
	urls := textcount.URLs(text)
	if len(urls) == 0 {
		return nil, nil
	}
	card, err := linkpreview.Fetch(ctx, s.c.preview, urls[0])
	if err != nil {
		return nil, ctx.Err()
	}
	ext := &bsky.EmbedExternal_External{Uri: linkURI(urls[0]), Title: card.Title, Description: card.Description}
	if card.ImageURL != "" {
		data, contentType, err := linkpreview.FetchImage(ctx, s.c.preview, card.ImageURL, maxThumbBytes)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
		} else {
			blob, err := s.upload(ctx, data, contentType, part)
			switch {
			case err == nil:
				ext.Thumb = blob
			case provider.KindOf(err) != provider.Rejected:
				// The PDS is failing: the post would fail too.
				return nil, err
			}
		}
	}
	return &bsky.EmbedExternal{External: ext}, nil
}

// linkURI makes a link written in a post acceptable to every validator: the
// reference PDS takes any URI without spaces, but Go services (indigo's
// syntax.ParseURI) take only ASCII. The host goes to its punycode form and
// any other non-ASCII byte is percent-encoded, which browsers open as the
// same page; the text keeps the link as written.
func linkURI(raw string) string {
	ascii := true
	for i := 0; i < len(raw); i++ {
		if raw[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return raw
	}
	if scheme, rest, found := strings.Cut(raw, "://"); found {
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		if host := rest[:end]; !strings.ContainsAny(host, ":@[") {
			if puny, err := idna.Lookup.ToASCII(host); err == nil {
				raw = scheme + "://" + puny + rest[end:]
			}
		}
	}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c >= 0x80 {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}
