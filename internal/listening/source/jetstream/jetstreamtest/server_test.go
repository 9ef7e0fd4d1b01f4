package jetstreamtest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// subscribe connects to s with query and returns a function reading the
// next event, or "" when none comes within a short while.
func subscribe(t *testing.T, s *Server, query string) func() string {
	t.Helper()
	ctx := t.Context()
	conn, _, err := websocket.Dial(ctx, s.URL+"/subscribe?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	msgs := make(chan string, 100)
	go func() {
		for {
			_, data, err := conn.Read(ctx)
			if err != nil {
				close(msgs)
				return
			}
			msgs <- string(data)
		}
	}()
	return func() string {
		select {
		case m := <-msgs:
			return m
		case <-time.After(200 * time.Millisecond):
			return ""
		}
	}
}

// rkeyOf returns the event's commit rkey, or its kind for other events.
func rkeyOf(t *testing.T, msg string) string {
	t.Helper()
	var ev struct {
		Kind   string `json:"kind"`
		Commit struct {
			RKey string `json:"rkey"`
		} `json:"commit"`
	}
	if err := json.Unmarshal([]byte(msg), &ev); err != nil {
		t.Fatalf("%s: %v", msg, err)
	}
	if ev.Kind != "commit" {
		return ev.Kind
	}
	return ev.Commit.RKey
}

func TestSubscribeFiltersAndReplays(t *testing.T) {
	s := NewServer()
	defer s.Close()
	at := time.Now()
	p1 := s.PublishPost("did:plc:a", "p1", "uno", []string{"it"}, at)
	s.PublishRecord("did:plc:a", "app.bsky.feed.like", "l1", map[string]string{"$type": "app.bsky.feed.like"})
	s.PublishPost("did:plc:b", "p2", strings.Repeat("x", 2000), nil, at)
	s.PublishIdentity("did:plc:c", "c.example")
	s.PublishRecord("did:plc:a", "app.bsky.graph.follow", "f1", map[string]string{"$type": "app.bsky.graph.follow"})

	for _, tc := range []struct {
		query string
		want  []string
	}{
		{fmt.Sprint("cursor=", p1), []string{"p1", "l1", "p2", "identity", "f1"}},
		{fmt.Sprint("cursor=", p1+1), []string{"l1", "p2", "identity", "f1"}},
		{fmt.Sprint("wantedCollections=app.bsky.feed.post&cursor=", p1), []string{"p1", "p2", "identity"}},
		{fmt.Sprint("wantedCollections=app.bsky.feed.*&cursor=", p1), []string{"p1", "l1", "p2", "identity"}},
		{fmt.Sprint("wantedCollections=app.bsky.feed.post&wantedCollections=app.bsky.graph.follow&wantedDids=did:plc:a&cursor=", p1), []string{"p1", "f1"}},
		{fmt.Sprint("maxMessageSizeBytes=1000&cursor=", p1), []string{"p1", "l1", "identity", "f1"}},
		{fmt.Sprint("cursor=", time.Now().Add(time.Hour).UnixMicro()), nil},
		{"", nil},
	} {
		next := subscribe(t, s, tc.query)
		var got []string
		for m := next(); m != ""; m = next() {
			got = append(got, rkeyOf(t, m))
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: got %v, want %v", tc.query, got, tc.want)
		}
	}

	// Live events follow the replay.
	next := subscribe(t, s, "wantedCollections=app.bsky.feed.post")
	for s.Connections() < 9 {
		time.Sleep(time.Millisecond)
	}
	s.PublishDelete("did:plc:a", PostCollection, "p1")
	if got := next(); rkeyOf(t, got) != "p1" || !strings.Contains(got, `"operation":"delete"`) || strings.Contains(got, `"record"`) {
		t.Errorf("live delete = %s", got)
	}
	if n := len(s.Subscriptions()); n != 9 {
		t.Errorf("%d subscriptions, want 9", n)
	}
	s.Drop()
	if n := s.Connections(); n != 0 {
		t.Errorf("%d connections after Drop", n)
	}
}

func TestEventShape(t *testing.T) {
	s := NewServer()
	defer s.Close()
	next := subscribe(t, s, "")
	for s.Connections() < 1 {
		time.Sleep(time.Millisecond)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 678_000_000, time.UTC)
	us := s.PublishPost("did:plc:a", "3kabc", "vedi https://example.com/a", []string{"it"}, at)
	var ev map[string]any
	if err := json.Unmarshal([]byte(next()), &ev); err != nil {
		t.Fatal(err)
	}
	c := ev["commit"].(map[string]any)
	rec := c["record"].(map[string]any)
	if ev["did"] != "did:plc:a" || ev["time_us"] != float64(us) || ev["kind"] != "commit" ||
		c["operation"] != "create" || c["collection"] != PostCollection || c["rkey"] != "3kabc" ||
		c["rev"] == "" || !strings.HasPrefix(c["cid"].(string), "bafyrei") ||
		rec["$type"] != PostCollection || rec["createdAt"] != "2026-01-02T03:04:05.678Z" {
		t.Errorf("event = %v", ev)
	}
	facet := rec["facets"].([]any)[0].(map[string]any)
	if idx := facet["index"].(map[string]any); idx["byteStart"] != float64(5) || idx["byteEnd"] != float64(26) {
		t.Errorf("facet = %v", facet)
	}

	s.Flood(3, func(i int) (string, string, string) { return "did:plc:f", fmt.Sprint("f", i), "flood" })
	var last int64
	for i := range 3 {
		var e struct {
			TimeUS int64 `json:"time_us"`
		}
		m := next()
		if err := json.Unmarshal([]byte(m), &e); err != nil || e.TimeUS <= last || rkeyOf(t, m) != fmt.Sprint("f", i) {
			t.Errorf("flood event %d = %s (%v)", i, m, err)
		}
		last = e.TimeUS
	}
}
