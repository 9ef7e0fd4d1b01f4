package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
)

const postUsage = `usage: portavoce post COMMAND [flags]

Commands (on a running server, with a personal API token in PORTAVOCE_TOKEN):
  accounts    list the workspace's connected accounts
  list        list scheduled and published posts (--drafts for drafts)
  create      write a post and publish it now, at a time, in the queue, or keep it as a draft
  show ID     one post with each account's status and link
  reschedule ID --at "YYYY-MM-DD HH:MM"
  cancel ID
Every command needs --workspace SLUG (or PORTAVOCE_WORKSPACE). Times are in
the workspace's time zone.
`

// strList is a repeatable string flag.
type strList []string

func (l *strList) String() string     { return strings.Join(*l, ", ") }
func (l *strList) Set(v string) error { *l = append(*l, v); return nil }

// posts is `portavoce post ...`.
func posts(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, postUsage)
		return ErrUsage
	}
	sub, args := args[0], args[1:]
	fs := flagSet(e, "post "+sub, strings.TrimPrefix(postUsage, "usage: "))
	server, token := remoteFlags(fs.FlagSet)
	wsFlag := fs.String("workspace", "", "workspace `slug` (env PORTAVOCE_WORKSPACE)")
	asJSON := fs.Bool("json", false, "print the API's JSON")
	var accounts, texts, images, alts strList
	var at *string
	var now, queue, draft, preview, drafts *bool
	var from, to *string
	switch sub {
	case "create":
		fs.Var(&accounts, "account", "`id` of an account to publish to (repeat for several; see post accounts)")
		fs.Var(&texts, "text", "the post's `text`; repeat for the parts of a thread")
		fs.Var(&images, "image", "`file` of an image for the first part (repeat for several)")
		fs.Var(&alts, "alt", "description of the image given in the same position (repeat)")
		at = fs.String("at", "", "publish at this `time`, \"YYYY-MM-DD HH:MM\" in the workspace's time zone")
		now = fs.Bool("now", false, "publish now")
		queue = fs.Bool("queue", false, "add to each account's queue (its next free time)")
		draft = fs.Bool("draft", false, "keep it as a draft")
		preview = fs.Bool("link-preview", false, "show a card of the first link (Bluesky)")
	case "reschedule":
		at = fs.String("at", "", "the new `time`, \"YYYY-MM-DD HH:MM\" in the workspace's time zone")
	case "list":
		from = fs.String("from", "", "first `date` (YYYY-MM-DD)")
		to = fs.String("to", "", "`date` after the last one (YYYY-MM-DD)")
		drafts = fs.Bool("drafts", false, "list drafts instead")
	case "accounts", "show", "cancel":
	default:
		fmt.Fprintf(e.stderr, "unknown post command %q\n\n%s", sub, postUsage)
		return ErrUsage
	}
	// Flags may come after the post's id.
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	if done, err := parseRemote(e, fs, args); done || err != nil {
		return err
	}
	if id == "" && fs.NArg() > 0 {
		id = fs.Arg(0)
	}
	ws := *wsFlag
	if ws == "" {
		ws = e.getenv("PORTAVOCE_WORKSPACE")
	}
	if ws == "" {
		return fmt.Errorf("say which workspace with --workspace SLUG (see portavoce workspace list)")
	}
	needsID := sub == "show" || sub == "cancel" || sub == "reschedule"
	if needsID && id == "" {
		return fmt.Errorf("say which post: portavoce post %s ID (see portavoce post list)", sub)
	}
	c, err := newRemote(e, *server, *token)
	if err != nil {
		return err
	}
	base := "/api/v1/workspaces/" + url.PathEscape(ws)
	var data []byte
	switch sub {
	case "accounts":
		data, err = c.do(ctx, "GET", base+"/accounts", nil)
	case "list":
		q := url.Values{}
		if *from != "" {
			q.Set("from", *from)
		}
		if *to != "" {
			q.Set("to", *to)
		}
		if *drafts {
			q.Set("state", "draft")
		}
		data, err = c.do(ctx, "GET", base+"/posts?"+q.Encode(), nil)
	case "show":
		data, err = c.do(ctx, "GET", base+"/posts/"+url.PathEscape(id), nil)
	case "cancel":
		data, err = c.do(ctx, "POST", base+"/posts/"+url.PathEscape(id)+"/cancel", nil)
	case "reschedule":
		date, clock, ok := strings.Cut(strings.TrimSpace(*at), " ")
		if !ok {
			return fmt.Errorf("--at: write the time as \"YYYY-MM-DD HH:MM\"")
		}
		body, _ := json.Marshal(map[string]string{"date": date, "time": clock})
		data, err = c.do(ctx, "POST", base+"/posts/"+url.PathEscape(id)+"/reschedule", bytes.NewReader(body))
	case "create":
		data, err = createPost(ctx, c, base, accounts, texts, images, alts, *at, *now, *queue, *draft, *preview)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		e.stdout.Write(data)
		return nil
	}
	return printPosts(e.stdout, sub, data)
}

func createPost(ctx context.Context, c *remote, base string, accounts, texts, images, alts []string, at string, now, queue, draft, preview bool) ([]byte, error) {
	if len(texts) == 0 && len(images) == 0 {
		return nil, fmt.Errorf("write the post with --text (repeat it for a thread)")
	}
	when := map[string]string{}
	modes := 0
	for _, m := range []struct {
		on   bool
		mode string
	}{{at != "", "at"}, {now, "now"}, {queue, "queue"}, {draft, "draft"}} {
		if m.on {
			modes++
			when["mode"] = m.mode
		}
	}
	if modes != 1 {
		return nil, fmt.Errorf("say when with exactly one of --at, --now, --queue or --draft")
	}
	if at != "" {
		date, clock, ok := strings.Cut(strings.TrimSpace(at), " ")
		if !ok {
			return nil, fmt.Errorf("--at: write the time as \"YYYY-MM-DD HH:MM\"")
		}
		when["date"], when["time"] = date, clock
	}
	type media struct {
		MediaID string `json:"media_id"`
		Alt     string `json:"alt"`
	}
	type part struct {
		Text  string  `json:"text"`
		Media []media `json:"media,omitempty"`
	}
	parts := make([]part, max(len(texts), 1))
	for i, t := range texts {
		parts[i].Text = t
	}
	for i, path := range images {
		id, err := upload(ctx, c, base, path)
		if err != nil {
			return nil, err
		}
		m := media{MediaID: id}
		if i < len(alts) {
			m.Alt = alts[i]
		}
		parts[0].Media = append(parts[0].Media, m)
	}
	body, _ := json.Marshal(map[string]any{"content": map[string]any{"parts": parts, "link_preview": preview},
		"accounts": accounts, "when": when})
	return c.do(ctx, "POST", base+"/posts", bytes.NewReader(body))
}

// upload sends a file to the workspace's media and returns its id.
func upload(ctx context.Context, c *remote, base, path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--image: %w", err)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", filepath.Base(path))
	fw.Write(data)
	mw.Close()
	req, err := http.NewRequestWithContext(ctx, "POST", c.server+base+"/media", &buf)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("cannot reach %s: %w", c.server, err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	var answer struct {
		Media struct{ ID string }
		apiError
	}
	json.Unmarshal(out, &answer)
	if res.StatusCode >= 400 || answer.Media.ID == "" {
		if answer.Error.Message != "" {
			return "", fmt.Errorf("%s: %s (%s)", path, answer.Error.Message, answer.Error.Code)
		}
		return "", fmt.Errorf("%s: upload failed: %s", path, res.Status)
	}
	return answer.Media.ID, nil
}

// postRow is what the tables show of a post.
type postRow struct {
	ID         string
	State      string
	Local      string `json:"scheduled_local"`
	Content    struct{ Parts []struct{ Text string } }
	Deliveries []struct {
		AccountID string `json:"account_id"`
		Status    string
		URL       string
		Error     string
	}
}

func (p postRow) text() string {
	if len(p.Content.Parts) == 0 {
		return ""
	}
	t := []rune(strings.Join(strings.Fields(p.Content.Parts[0].Text), " "))
	if len(t) > 50 {
		t = append(t[:49], '…')
	}
	return string(t)
}

func printPosts(out io.Writer, sub string, data []byte) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	defer w.Flush()
	switch sub {
	case "accounts":
		var list struct {
			Accounts []struct{ ID, Network, Handle, Status string }
		}
		if err := json.Unmarshal(data, &list); err != nil {
			return err
		}
		fmt.Fprintln(w, "ID\tNETWORK\tHANDLE\tSTATUS")
		for _, a := range list.Accounts {
			fmt.Fprintf(w, "%s\t%s\t@%s\t%s\n", a.ID, a.Network, a.Handle, a.Status)
		}
	case "list":
		var list struct{ Posts []postRow }
		if err := json.Unmarshal(data, &list); err != nil {
			return err
		}
		fmt.Fprintln(w, "ID\tWHEN\tSTATE\tDELIVERIES\tTEXT")
		for _, p := range list.Posts {
			var ds []string
			for _, d := range p.Deliveries {
				ds = append(ds, d.Status)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", p.ID, p.Local, p.State, strings.Join(ds, ","), p.text())
		}
	default:
		var one struct{ Post postRow }
		if err := json.Unmarshal(data, &one); err != nil {
			return err
		}
		p := one.Post
		fmt.Fprintf(w, "Post\t%s\nState\t%s\nWhen\t%s\nText\t%s\n", p.ID, p.State, p.Local, p.text())
		for _, d := range p.Deliveries {
			fmt.Fprintf(w, "Account %s\t%s %s%s\n", d.AccountID, d.Status, d.URL, map[bool]string{true: " (" + d.Error + ")"}[d.Error != ""])
		}
	}
	return nil
}
