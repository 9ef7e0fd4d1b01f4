package linkpreview_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portavoce/portavoce/internal/linkpreview"
)

func TestCacheFetchesOnce(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html><head><meta property="og:title" content="Caffè Rossi"><meta property="og:description" content="Il menù"></head></html>`)
	}))
	defer srv.Close()
	c := linkpreview.NewCache(srv.Client(), time.Minute, 10)
	for range 3 {
		card, err := c.Card(t.Context(), srv.URL+"/menu")
		if err != nil || card.Title != "Caffè Rossi" || card.Description != "Il menù" {
			t.Fatalf("card %+v, %v", card, err)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("the page was fetched %d times, want 1", n)
	}
	// A bounded cache: more pages than it keeps still work.
	for i := range 15 {
		if _, err := c.Card(t.Context(), fmt.Sprintf("%s/p%d", srv.URL, i)); err != nil {
			t.Fatal(err)
		}
	}
}
