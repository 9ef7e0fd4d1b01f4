package linkpreview

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func pngBytes(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 4, 3))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFetch(t *testing.T) {
	mux := http.NewServeMux()
	page := func(path, contentType, body string) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", contentType)
			_, _ = w.Write([]byte(body))
		})
	}
	page("/og", "text/html; charset=utf-8", `<!doctype html><html><head>
		<title>Titolo della pagina</title>
		<meta property="og:title" content="Il caffè &amp; il cornetto">
		<meta property="og:description" content="  Colazione   al bar  ">
		<meta property="og:image" content="https://cdn.example/c.png">
		<meta name="description" content="ignored">
		</head><body>…</body></html>`)
	page("/fallback", "text/html", `<html><head><title> Solo il titolo </title>
		<meta name="description" content="La descrizione classica">
		<meta name="twitter:image" content="/img/t.png"></head></html>`)
	page("/relative", "text/html", `<html><head>
		<meta property="og:title" content="Relativa">
		<meta property="og:image" content="../img/a.png"></head></html>`)
	page("/based/page", "text/html", `<html><head><base href="https://static.example/assets/">
		<meta property="og:title" content="Base">
		<meta property="og:image" content="b.png"></head></html>`)
	page("/latin1", "text/html; charset=iso-8859-1", "<html><head><title>Citt\xe0</title></head></html>")
	page("/json", "application/json", `{"title":"no"}`)
	page("/empty", "text/html", `<html><head></head><body><p>niente</p></body></html>`)
	page("/no-type", "", `<html><head><title>x</title></head></html>`)
	mux.HandleFunc("/missing", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusNotFound) })
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/dir/final", http.StatusFound) })
	page("/dir/final", "text/html", `<meta property="og:title" content="Dopo il redirect"><meta property="og:image" content="i.png">`)
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		// The card tags come after the first MiB: they must not be read,
		// and the read must stop there rather than take the whole body.
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html><head>" + strings.Repeat("<!-- padding -->", MaxPageBytes/16+1)))
		_, _ = w.Write([]byte(`<meta property="og:title" content="Too far"></head></html>`))
		for range 64 {
			if _, err := w.Write(bytes.Repeat([]byte("x"), 1<<20)); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/huge-head-first", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<html><head><meta property="og:title" content="In testa"></head><body>`))
		for range 64 {
			if _, err := w.Write(bytes.Repeat([]byte("y"), 1<<20)); err != nil {
				return
			}
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	cases := []struct {
		path    string
		want    Card
		wantErr error
	}{
		{path: "/og", want: Card{Title: "Il caffè & il cornetto", Description: "Colazione al bar", ImageURL: "https://cdn.example/c.png"}},
		{path: "/fallback", want: Card{Title: "Solo il titolo", Description: "La descrizione classica", ImageURL: srv.URL + "/img/t.png"}},
		{path: "/relative", want: Card{Title: "Relativa", ImageURL: srv.URL + "/img/a.png"}},
		{path: "/based/page", want: Card{Title: "Base", ImageURL: "https://static.example/assets/b.png"}},
		{path: "/latin1", want: Card{Title: "Città"}},
		{path: "/moved", want: Card{Title: "Dopo il redirect", ImageURL: srv.URL + "/dir/i.png"}},
		{path: "/huge-head-first", want: Card{Title: "In testa"}},
		{path: "/huge", wantErr: ErrNoCard},
		{path: "/json", wantErr: ErrNotHTML},
		{path: "/no-type", wantErr: ErrNotHTML},
		{path: "/empty", wantErr: ErrNoCard},
		{path: "/missing", wantErr: ErrStatus},
	}
	for _, c := range cases {
		t.Run(strings.TrimPrefix(c.path, "/"), func(t *testing.T) {
			start := time.Now()
			got, err := Fetch(t.Context(), srv.Client(), srv.URL+c.path)
			if time.Since(start) > 5*time.Second {
				t.Errorf("fetch took %v", time.Since(start))
			}
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("Fetch = %+v, %v; want error %v", got, err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			c.want.URL = srv.URL + c.path
			if got != c.want {
				t.Errorf("Fetch =\n %+v\nwant\n %+v", got, c.want)
			}
		})
	}
}

func TestFetchSendsNoCookiesAndNamesItself(t *testing.T) {
	var gotUA, gotCookie string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUA, gotCookie = r.UserAgent(), r.Header.Get("Cookie")
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<title>ok</title>`))
	}))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(srv.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: "secret"}})
	client := &http.Client{Jar: jar}
	if _, err := Fetch(t.Context(), client, srv.URL); err != nil {
		t.Fatal(err)
	}
	if gotCookie != "" {
		t.Errorf("sent cookie %q", gotCookie)
	}
	if !strings.HasPrefix(gotUA, "Portavoce link preview") {
		t.Errorf("User-Agent %q", gotUA)
	}
}

func TestFetchRefusesOtherSchemes(t *testing.T) {
	for _, u := range []string{"file:///etc/passwd", "ftp://example.com/", "javascript:alert(1)", "/relative", ""} {
		if _, err := Fetch(t.Context(), http.DefaultClient, u); err == nil {
			t.Errorf("Fetch(%q) succeeded", u)
		}
	}
}

func TestFetchCancelled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if _, err := Fetch(ctx, srv.Client(), srv.URL); err == nil {
		t.Fatal("Fetch succeeded on a page that never answers")
	}
}

func TestFetchImage(t *testing.T) {
	img := pngBytes(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/ok.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(img)
	})
	mux.HandleFunc("/unlabelled", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(img)
	})
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html></html>"))
	})
	mux.HandleFunc("/big.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(append(img, make([]byte, 2000)...))
	})
	mux.HandleFunc("/big-chunked.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		for range 10 {
			_, _ = w.Write(make([]byte, 500))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/gone.png", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusGone) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	cases := []struct {
		path     string
		wantType string
		wantErr  error
	}{
		{"/ok.png", "image/png", nil},
		{"/unlabelled", "image/png", nil},
		{"/page", "", ErrNotImage},
		{"/big.png", "", ErrTooLarge},
		{"/big-chunked.png", "", ErrTooLarge},
		{"/gone.png", "", ErrStatus},
	}
	for _, c := range cases {
		t.Run(strings.TrimPrefix(c.path, "/"), func(t *testing.T) {
			data, ct, err := FetchImage(t.Context(), srv.Client(), srv.URL+c.path, 1000)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("FetchImage = %d bytes %q, %v; want %v", len(data), ct, err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ct != c.wantType || !bytes.Equal(data, img) {
				t.Errorf("FetchImage = %d bytes %q, want %d bytes %q", len(data), ct, len(img), c.wantType)
			}
		})
	}
}
