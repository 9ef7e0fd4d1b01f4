package providertest

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/portavoce/portavoce/internal/provider"
)

// Run is the contract suite. Every provider calls it from a TestContract
// with a Harness on its local test server.
func Run(t *testing.T, h Harness) {
	t.Run("PublishText", func(t *testing.T) { publishText(t, h) })
	t.Run("PublishThread", func(t *testing.T) { publishThread(t, h) })
	t.Run("PublishMediaWithAlt", func(t *testing.T) { publishMedia(t, h) })
	t.Run("Failures", func(t *testing.T) { failures(t, h) })
	t.Run("ResumeAfterFailedPart", func(t *testing.T) { resume(t, h) })
	t.Run("UnknownOutcomeCheckedNotDuplicated", func(t *testing.T) { unknownOutcome(t, h) })
	t.Run("CheckBeforeAnyAttempt", func(t *testing.T) { checkNothing(t, h) })
	t.Run("Cancelled", func(t *testing.T) { cancelled(t, h) })
	t.Run("AuthExpired", func(t *testing.T) { authExpired(t, h) })
}

// delivery builds a delivery of texts with fresh keys.
func delivery(h Harness, texts ...string) provider.Delivery {
	d := provider.Delivery{ID: "delivery-" + texts[0], Keys: h.Publisher.NewKeys(len(texts)), FirstAttempt: time.Now()}
	for _, text := range texts {
		d.Parts = append(d.Parts, provider.Part{Text: text})
	}
	return d
}

// publish runs Publish and collects what was accepted.
func publish(t *testing.T, h Harness, ctx context.Context, a provider.Account, d provider.Delivery) ([]provider.Published, error) {
	t.Helper()
	var got []provider.Published
	err := h.Publisher.Publish(ctx, a, d, func(part int, p provider.Published) error {
		if part != len(d.Done)+len(got) {
			t.Errorf("accepted part %d, want part %d", part, len(d.Done)+len(got))
		}
		if p.RemoteID == "" || p.URL == "" {
			t.Errorf("accepted part %d without remote id or URL: %+v", part, p)
		}
		got = append(got, p)
		return nil
	})
	return got, err
}

func publishText(t *testing.T, h Harness) {
	a := h.Account(t)
	text := "Buongiorno! Il caffè è pronto ☕ https://example.com/menu #caffè"
	got, err := publish(t, h, t.Context(), a, delivery(h, text))
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	if len(got) != 1 {
		t.Fatalf("accepted %d parts, want 1", len(got))
	}
	posts := h.Posts(t, a)
	if len(posts) != 1 || posts[0].Text != text || posts[0].ID != got[0].RemoteID || posts[0].ReplyTo != "" {
		t.Fatalf("server holds %+v, want one root post %q with id %s", posts, text, got[0].RemoteID)
	}
}

func publishThread(t *testing.T, h Harness) {
	a := h.Account(t)
	got, err := publish(t, h, t.Context(), a, delivery(h, "Thread 1/3", "Thread 2/3", "Thread 3/3"))
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	posts := h.Posts(t, a)
	if len(got) != 3 || len(posts) != 3 {
		t.Fatalf("accepted %d, server holds %d, want 3 and 3", len(got), len(posts))
	}
	for i, p := range posts {
		if p.ID != got[i].RemoteID {
			t.Errorf("post %d: id %s, accepted %s", i, p.ID, got[i].RemoteID)
		}
		want := ""
		if i > 0 {
			want = posts[i-1].ID
		}
		if p.ReplyTo != want {
			t.Errorf("post %d answers %q, want %q", i, p.ReplyTo, want)
		}
	}
}

// PNG returns a small valid PNG image of w×h pixels, for media tests.
func PNG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(x * 7), uint8(y * 5), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func publishMedia(t *testing.T, h Harness) {
	a := h.Account(t)
	d := delivery(h, "Con due foto")
	d.Parts[0].Media = []provider.Media{
		{Filename: "a.png", ContentType: "image/png", Data: PNG(40, 30), Alt: "La vetrina del bar", Width: 40, Height: 30},
		{Filename: "b.png", ContentType: "image/png", Data: PNG(20, 20), Alt: "Una tazzina", Width: 20, Height: 20},
	}
	if _, err := publish(t, h, t.Context(), a, d); err != nil {
		t.Fatalf("publish: %v", err)
	}
	posts := h.Posts(t, a)
	if len(posts) != 1 || len(posts[0].Media) != 2 {
		t.Fatalf("server holds %+v, want one post with two images", posts)
	}
	for i, alt := range []string{"La vetrina del bar", "Una tazzina"} {
		if m := posts[0].Media[i]; m.Alt != alt || m.ContentType != "image/png" {
			t.Errorf("image %d: %+v, want alt %q image/png", i, m, alt)
		}
	}
}

func failures(t *testing.T, h Harness) {
	cases := []struct {
		name  string
		fault FaultKind
		op    string
		want  provider.Kind
	}{
		{"rate limited", RateLimit, "post", provider.RateLimited},
		{"unavailable", Unavailable, "post", provider.Temporary},
		{"rejected", Reject, "post", provider.Rejected},
		{"unauthorized", Unauthorized, "post", provider.AuthExpired},
		{"media rate limited", RateLimit, "media", provider.RateLimited},
		{"media unavailable", Unavailable, "media", provider.Temporary},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := h.Account(t)
			d := delivery(h, "Fallirà: "+c.name)
			if c.op == "media" {
				d.Parts[0].Media = []provider.Media{{Filename: "a.png", ContentType: "image/png", Data: PNG(10, 10), Alt: "x", Width: 10, Height: 10}}
			}
			h.Inject(t, Fault{Kind: c.fault, Op: c.op})
			_, err := publish(t, h, t.Context(), a, d)
			var pe *provider.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T), want *provider.Error", err, err)
			}
			if pe.Kind != c.want || pe.Network != h.Publisher.Network() || pe.Part != 0 {
				t.Fatalf("error %+v, want kind %s, network %s, part 0", pe, c.want, h.Publisher.Network())
			}
			switch c.want {
			case provider.RateLimited:
				if !pe.RetryAfter.After(time.Now()) {
					t.Errorf("rate limited without a retry time in the future: %v", pe.RetryAfter)
				}
			case provider.Rejected:
				if pe.Reason == "" {
					t.Errorf("rejected without the network's reason")
				}
			}
			if posts := h.Posts(t, a); len(posts) != 0 {
				t.Errorf("a failed publish left %d posts", len(posts))
			}
			noSecrets(t, h, a, err)
		})
	}
	t.Run("too long", func(t *testing.T) {
		a := h.Account(t)
		_, err := publish(t, h, t.Context(), a, delivery(h, h.TooLong))
		if provider.KindOf(err) != provider.Rejected {
			t.Fatalf("too long text: %v, want rejected", err)
		}
	})
}

func resume(t *testing.T, h Harness) {
	a := h.Account(t)
	d := delivery(h, "Parte 1", "Parte 2", "Parte 3")
	h.Inject(t, Fault{Kind: Unavailable, Op: "post", Skip: 1})
	got, err := publish(t, h, t.Context(), a, d)
	if provider.KindOf(err) != provider.Temporary || len(got) != 1 {
		t.Fatalf("first attempt: accepted %d, error %v; want 1 part then a temporary failure", len(got), err)
	}
	var pe *provider.Error
	if errors.As(err, &pe) && pe.Part != 1 {
		t.Errorf("failure names part %d, want 1", pe.Part)
	}
	d.Done = got
	rest, err := publish(t, h, t.Context(), a, d)
	if err != nil || len(rest) != 2 {
		t.Fatalf("second attempt: accepted %d, error %v; want the 2 remaining parts", len(rest), err)
	}
	posts := h.Posts(t, a)
	if len(posts) != 3 || posts[1].ReplyTo != posts[0].ID || posts[2].ReplyTo != posts[1].ID {
		t.Fatalf("server holds %+v, want one thread of 3", posts)
	}
}

func unknownOutcome(t *testing.T, h Harness) {
	a := h.Account(t)
	d := delivery(h, "Esito incerto 1", "Esito incerto 2")
	h.Inject(t, Fault{Kind: LoseAnswer, Op: "post", Skip: 1})
	got, err := publish(t, h, t.Context(), a, d)
	if provider.KindOf(err) != provider.Unknown || len(got) != 1 {
		t.Fatalf("accepted %d, error %v; want part 1 then an unknown outcome", len(got), err)
	}
	noSecrets(t, h, a, err)
	d.Done = got
	found, err := h.Publisher.Check(t.Context(), a, d)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	if len(found) != 2 || found[0] == nil || found[1] == nil {
		t.Fatalf("check found %v, want both parts (the lost answer's post exists)", found)
	}
	if found[0].RemoteID != got[0].RemoteID {
		t.Errorf("check: part 1 is %s, accepted %s", found[0].RemoteID, got[0].RemoteID)
	}
	d.Done = []provider.Published{*found[0], *found[1]}
	if rest, err := publish(t, h, t.Context(), a, d); err != nil || len(rest) != 0 {
		t.Fatalf("publish after a full check: accepted %d, error %v; want nothing to do", len(rest), err)
	}
	// Even a repeat that ignores the check cannot post twice: the keys
	// chosen before the first attempt make it the same post.
	d.Done = got
	if _, err := publish(t, h, t.Context(), a, d); err != nil {
		t.Fatalf("repeat with the same keys: %v", err)
	}
	if posts := h.Posts(t, a); len(posts) != 2 {
		t.Fatalf("server holds %d posts after the unknown outcome and repeats, want 2", len(posts))
	}
}

func checkNothing(t *testing.T, h Harness) {
	a := h.Account(t)
	d := delivery(h, "Mai inviato", "Nemmeno questo")
	found, err := h.Publisher.Check(t.Context(), a, d)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	if len(found) != 2 || found[0] != nil || found[1] != nil {
		t.Fatalf("check found %v for a delivery never attempted, want [nil nil]", found)
	}
}

func cancelled(t *testing.T, h Harness) {
	a := h.Account(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := publish(t, h, ctx, a, delivery(h, "Annullato"))
	if err == nil {
		t.Fatal("publish with a cancelled context succeeded")
	}
	if !errors.Is(err, context.Canceled) && provider.KindOf(err) != provider.Temporary {
		t.Fatalf("cancelled publish: %v, want context.Canceled or a temporary failure", err)
	}
	if posts := h.Posts(t, a); len(posts) != 0 {
		t.Fatalf("a cancelled publish left %d posts", len(posts))
	}
}

func authExpired(t *testing.T, h Harness) {
	a := h.Account(t)
	h.Expire(t, a)
	_, err := publish(t, h, t.Context(), a, delivery(h, "Token scaduto"))
	if provider.KindOf(err) != provider.AuthExpired {
		t.Fatalf("publish with revoked credentials: %v, want auth expired", err)
	}
	noSecrets(t, h, a, err)
}

func noSecrets(t *testing.T, h Harness, a provider.Account, err error) {
	t.Helper()
	if err == nil || h.Secrets == nil {
		return
	}
	for _, s := range h.Secrets(a) {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains a secret", err)
		}
	}
}
