package mastodon

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/portavoce/portavoce/internal/provider"
)

// status is the part of Mastodon's Status entity Portavoce reads.
type status struct {
	ID               string            `json:"id"`
	URL              string            `json:"url"`
	URI              string            `json:"uri"`
	InReplyToID      *string           `json:"in_reply_to_id"`
	Content          string            `json:"content"`
	Reblog           *struct{}         `json:"reblog"`
	MediaAttachments []mediaAttachment `json:"media_attachments"`
}

// mediaAttachment is the part of the MediaAttachment entity Portavoce
// reads: url stays null while the instance processes the file.
type mediaAttachment struct {
	ID          string  `json:"id"`
	URL         *string `json:"url"`
	Description *string `json:"description"`
}

func (s status) published() provider.Published {
	u := s.URL
	if u == "" {
		u = s.URI
	}
	return provider.Published{RemoteID: s.ID, URL: u}
}

// Publish posts the parts of d not in d.Done, each as an answer to the
// previous one, public. Each part's images are uploaded first, with their
// alt text, and waited for until the instance has processed them. The
// status is posted with the part's key as Idempotency-Key, so that a
// repeat within IdempotencyTTL returns the status already made instead of
// a second one; accepted is called as soon as the instance answers.
//
// With d.ReplyTo the first part answers d.ReplyTo.RemoteID, and names the
// person answered (see partText); a direct answer is posted with the
// visibility "direct", every part of it.
func (c *Client) Publish(ctx context.Context, a provider.Account, d provider.Delivery, accepted func(part int, p provider.Published) error) error {
	token, err := tokenOf(a)
	if err != nil {
		return err
	}
	if len(d.Keys) < len(d.Parts) {
		return &provider.Error{Kind: provider.Rejected, Network: provider.Mastodon, Part: -1,
			Reason: fmt.Sprintf("the delivery has %d keys for %d parts", len(d.Keys), len(d.Parts))}
	}
	base := strings.TrimSuffix(a.Server, "/")
	replyTo := firstParent(d)
	if n := len(d.Done); n > 0 {
		replyTo = d.Done[n-1].RemoteID
	}
	visibility := "public"
	if d.ReplyTo != nil && d.ReplyTo.Direct {
		visibility = "direct"
	}
	for i := len(d.Done); i < len(d.Parts); i++ {
		part := d.Parts[i]
		mediaIDs := make([]string, 0, len(part.Media))
		for _, m := range part.Media {
			id, err := c.upload(ctx, base, token, i, m)
			if err != nil {
				return err
			}
			mediaIDs = append(mediaIDs, id)
		}
		st, err := c.postStatus(ctx, base, token, i, partText(a, d, i), visibility, mediaIDs, replyTo, d.Keys[i])
		if err != nil {
			return err
		}
		if err := accepted(i, st.published()); err != nil {
			return err
		}
		replyTo = st.ID
	}
	return nil
}

// firstParent is the status the first part answers: the one d replies
// to, if any.
func firstParent(d provider.Delivery) string {
	if d.ReplyTo != nil {
		return d.ReplyTo.RemoteID
	}
	return ""
}

// partText is the text part i is posted with. An answer to someone starts
// with their handle, as Mastodon's own composer writes it, unless the text
// already mentions them: a mention is what notifies them, and a direct
// status reaches only the accounts it mentions, so every part of a direct
// answer names them, a public answer only its first part.
func partText(a provider.Account, d provider.Delivery, i int) string {
	text := d.Parts[i].Text
	r := d.ReplyTo
	if r == nil || r.Handle == "" || i > 0 && !r.Direct {
		return text
	}
	handle := strings.TrimPrefix(r.Handle, "@")
	if mentionsHandle(text, handle, localDomain(a)) {
		return text
	}
	return "@" + handle + " " + text
}

// mentionsHandle says whether text mentions handle ("user" or
// "user@domain"), a domain left out meaning the local one.
func mentionsHandle(text, handle, local string) bool {
	user, domain, _ := strings.Cut(handle, "@")
	if domain == "" {
		domain = local
	}
	for _, m := range mention.FindAllStringSubmatch(text, -1) {
		// m[0] is the character before the "@", then "@user" and an
		// optional "@domain".
		_, d, _ := strings.Cut(m[0][len(m[1])+1:], "@")
		if d == "" {
			d = local
		}
		if strings.EqualFold(m[2], user) && strings.EqualFold(d, domain) {
			return true
		}
	}
	return false
}

// postStatus is POST /api/v1/statuses.
func (c *Client) postStatus(ctx context.Context, base, token string, part int, text, visibility string, mediaIDs []string, replyTo, key string) (status, error) {
	form := url.Values{"status": {text}, "visibility": {visibility}}
	for _, id := range mediaIDs {
		form.Add("media_ids[]", id)
	}
	if replyTo != "" {
		form.Set("in_reply_to_id", replyTo)
	}
	cl := call{method: http.MethodPost, url: base + "/api/v1/statuses", token: token,
		body: []byte(form.Encode()), contentType: "application/x-www-form-urlencoded",
		idempotencyKey: key, part: part, secrets: []string{token}}
	resp, err := c.do(ctx, cl, http.StatusOK)
	if err != nil {
		return status{}, err
	}
	var st status
	if err := decode(resp, &st, cl); err != nil {
		return status{}, err
	}
	if st.ID == "" {
		return status{}, &provider.Error{Kind: provider.Unknown, Network: provider.Mastodon, Part: part, Status: resp.StatusCode,
			Reason: "the server answered without a status id"}
	}
	return st, nil
}

// upload sends one file with POST /api/v2/media and returns its id once
// the instance has processed it. Since 4.0 images are processed at once
// (200); video and audio, and images on busy instances, answer 202 with a
// null url and are polled with GET /api/v1/media/:id, which answers 206
// while processing and 200 when done (methods/media).
//
// An upload that fails is simply made again by the next attempt: an
// unattached upload creates nothing visible and the instance deletes it
// after a day, so even an unanswered upload is Temporary, not Unknown.
func (c *Client) upload(ctx context.Context, base, token string, part int, m provider.Media) (string, error) {
	body, contentType, err := multipartBody(m)
	if err != nil {
		return "", &provider.Error{Kind: provider.Rejected, Network: provider.Mastodon, Part: part, Reason: "unreadable media", Err: err}
	}
	cl := call{method: http.MethodPost, url: base + "/api/v2/media", token: token, body: body,
		contentType: contentType, part: part, repeatable: true, secrets: []string{token}}
	resp, err := c.do(ctx, cl, http.StatusOK, http.StatusAccepted)
	if err != nil {
		return "", err
	}
	var ma mediaAttachment
	if err := decode(resp, &ma, cl); err != nil {
		return "", err
	}
	if ma.ID == "" {
		return "", &provider.Error{Kind: provider.Temporary, Network: provider.Mastodon, Part: part, Status: resp.StatusCode,
			Reason: "the server answered the upload without a media id"}
	}
	if resp.StatusCode == http.StatusOK && ma.URL != nil {
		return ma.ID, nil
	}
	return ma.ID, c.waitProcessed(ctx, base, token, part, ma.ID)
}

// waitProcessed polls a media attachment until it is processed, for at
// most c.mediaWait.
func (c *Client) waitProcessed(ctx context.Context, base, token string, part int, id string) error {
	deadline := time.Now().Add(c.mediaWait)
	wait := c.mediaPoll
	cl := call{method: http.MethodGet, url: base + "/api/v1/media/" + url.PathEscape(id), token: token,
		part: part, repeatable: true, secrets: []string{token}}
	for {
		if time.Now().Add(wait).After(deadline) {
			return &provider.Error{Kind: provider.Temporary, Network: provider.Mastodon, Part: part,
				Reason: fmt.Sprintf("the server was still processing the media after %s", c.mediaWait)}
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
		resp, err := c.do(ctx, cl, http.StatusOK, http.StatusPartialContent)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
		wait = min(wait*3/2, c.mediaPollMax)
	}
}

// multipartBody builds the form of POST /api/v2/media: the file with its
// own content type (the instance checks it) and its description.
func multipartBody(m provider.Media) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	name := path.Base(strings.ReplaceAll(m.Filename, "\\", "/"))
	if name == "" || name == "." || name == "/" {
		name = "upload"
	}
	ct := m.ContentType
	if ct == "" {
		ct = http.DetectContentType(m.Data)
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, quoteEscaper.Replace(name)))
	h.Set("Content-Type", ct)
	fw, err := w.CreatePart(h)
	if err != nil {
		return nil, "", err
	}
	if _, err := fw.Write(m.Data); err != nil {
		return nil, "", err
	}
	if m.Alt != "" {
		if err := w.WriteField("description", m.Alt); err != nil {
			return nil, "", err
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "", "\n", "")
