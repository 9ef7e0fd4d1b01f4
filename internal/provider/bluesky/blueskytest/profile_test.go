package blueskytest

import (
	"bytes"
	"image"
	"image/gif"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/portavoce/portavoce/internal/provider/providertest"
)

func encode(t *testing.T, f func(io.Writer, image.Image) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := f(&buf, image.NewGray(image.Rect(0, 0, 10, 10))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pngBytes(t *testing.T) []byte {
	return encode(t, func(w io.Writer, m image.Image) error { return png.Encode(w, m) })
}
func gifBytes(t *testing.T) []byte {
	return encode(t, func(w io.Writer, m image.Image) error { return gif.Encode(w, m, nil) })
}

// putProfile calls com.atproto.repo.putRecord for the profile record;
// swap is a CID, nil for JSON null, or "absent" to leave it out.
func putProfile(t *testing.T, s *Server, token, did string, rec map[string]any, swap any) (int, map[string]any) {
	t.Helper()
	in := map[string]any{"repo": did, "collection": "app.bsky.actor.profile", "rkey": "self", "record": rec}
	if swap != "absent" {
		in["swapRecord"] = swap
	}
	status, _, out := xrpc(t, s, "POST", "com.atproto.repo.putRecord", token, in)
	return status, out
}

func profileRec(fields map[string]any) map[string]any {
	rec := map[string]any{"$type": "app.bsky.actor.profile"}
	for k, v := range fields {
		rec[k] = v
	}
	return rec
}

func TestProfileRecord(t *testing.T) {
	s := NewServer()
	defer s.Close()
	did := s.CreateAccount("acme.bsky.social", "pw")
	token, _ := login(t, s, did, "pw")
	getRecord := "com.atproto.repo.getRecord?repo=" + did + "&collection=app.bsky.actor.profile&rkey=self"

	status, _, out := xrpc(t, s, "GET", getRecord, "", nil)
	wantError(t, "no profile yet", status, out, 400, "RecordNotFound")

	// null: write only if there is no record.
	status, out = putProfile(t, s, token, did, profileRec(map[string]any{"displayName": "Acme", "description": "Coffee", "pronouns": "it"}), nil)
	first := out2(out, "cid")
	if status != 200 || first == "" || out2(out, "uri") != "at://"+did+"/app.bsky.actor.profile/self" {
		t.Fatalf("first putRecord: %d %v", status, out)
	}
	status, _, out = xrpc(t, s, "GET", getRecord, "", nil)
	value, _ := out["value"].(map[string]any)
	if status != 200 || out2(out, "cid") != first || value["description"] != "Coffee" || value["pronouns"] != "it" {
		t.Fatalf("getRecord: %d %v", status, out)
	}
	status, _, out = xrpc(t, s, "GET", "app.bsky.actor.getProfile?actor=acme.bsky.social", "", nil)
	if status != 200 || out["displayName"] != "Acme" || out["description"] != "Coffee" || out["avatar"] != nil {
		t.Fatalf("getProfile: %d %v", status, out)
	}

	status, out = putProfile(t, s, token, did, profileRec(map[string]any{"displayName": "Other"}), nil)
	if wantError(t, "null swap over a record", status, out, 400, "InvalidSwap"); out["message"] != "Record was at "+first {
		t.Errorf("message %v", out["message"])
	}
	status, out = putProfile(t, s, token, did, profileRec(map[string]any{"displayName": "Acme", "website": "https://acme.example"}), first)
	second := out2(out, "cid")
	if status != 200 || second == "" || second == first {
		t.Fatalf("putRecord with the current CID: %d %v", status, out)
	}
	status, out = putProfile(t, s, token, did, profileRec(map[string]any{"displayName": "Stale"}), first)
	if wantError(t, "stale swap", status, out, 400, "InvalidSwap"); out["message"] != "Record was at "+second {
		t.Errorf("message %v", out["message"])
	}
	if p, cid, _ := s.ProfileRecordOf(did); p.DisplayName != "Acme" || p.Website != "https://acme.example" || cid != second {
		t.Errorf("refused writes changed the record: %+v %s", p, cid)
	}
	// No swapRecord: no check.
	if status, out = putProfile(t, s, token, did, profileRec(map[string]any{"displayName": "Acme 2"}), "absent"); status != 200 {
		t.Errorf("putRecord without swap: %d %v", status, out)
	}
}

func TestProfileRecordRefusals(t *testing.T) {
	s := NewServer()
	defer s.Close()
	did := s.CreateAccount("acme.bsky.social", "pw")
	token, _ := login(t, s, did, "pw")
	status, _, up := xrpc(t, s, "POST", "com.atproto.repo.uploadBlob", token, gifBytes(t))
	if status != 200 {
		t.Fatalf("upload: %d %v", status, up)
	}
	gifBlob := up["blob"]
	missing := map[string]any{"$type": "blob", "ref": map[string]string{"$link": "bafkreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"},
		"mimeType": "image/png", "size": 10}
	cases := []struct {
		name   string
		token  string
		rec    map[string]any
		status int
		error  string
		msg    string
	}{
		{"no token", "", profileRec(nil), 401, "AuthenticationRequired", ""},
		{"description", token, profileRec(map[string]any{"description": strings.Repeat("é", 257)}), 400, "InvalidRequest",
			"Invalid app.bsky.actor.profile record: Record/description must not be longer than 256 graphemes"},
		{"display name", token, profileRec(map[string]any{"displayName": strings.Repeat("👍", 65)}), 400, "InvalidRequest",
			"Invalid app.bsky.actor.profile record: Record/displayName must not be longer than 64 graphemes"},
		{"website", token, profileRec(map[string]any{"website": "not a uri"}), 400, "InvalidRequest",
			"Invalid app.bsky.actor.profile record: Record/website must be a uri"},
		{"type", token, map[string]any{"$type": "app.bsky.feed.post"}, 400, "InvalidRequest",
			"Invalid app.bsky.actor.profile record: Record/$type must be app.bsky.actor.profile"},
		{"gif avatar", token, profileRec(map[string]any{"avatar": gifBlob}), 400, "InvalidMimeType",
			"Wrong type of file. It is image/gif but it must match image/png, image/jpeg."},
		{"blob not uploaded", token, profileRec(map[string]any{"banner": missing}), 400, "BlobNotFound", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, out := putProfile(t, s, tc.token, did, tc.rec, "absent")
			wantError(t, tc.name, status, out, tc.status, tc.error)
			if tc.msg != "" && out["message"] != tc.msg {
				t.Errorf("message %q, want %q", out["message"], tc.msg)
			}
		})
	}
	if _, _, ok := s.ProfileRecordOf(did); ok {
		t.Errorf("a refused record was stored")
	}
	s.Inject(providertest.Fault{Kind: providertest.Unavailable, Op: "profile"})
	status, out := putProfile(t, s, token, did, profileRec(nil), "absent")
	wantError(t, "injected", status, out, 503, "NotEnoughResources")
}

func TestProfileImages(t *testing.T) {
	s := NewServer()
	defer s.Close()
	did := s.CreateAccount("acme.bsky.social", "pw")
	token, _ := login(t, s, did, "pw")
	img := pngBytes(t)
	_, _, up := xrpc(t, s, "POST", "com.atproto.repo.uploadBlob", token, img)
	if status, out := putProfile(t, s, token, did, profileRec(map[string]any{"avatar": up["blob"]}), nil); status != 200 {
		t.Fatalf("putRecord: %d %v", status, out)
	}
	_, _, view := xrpc(t, s, "GET", "app.bsky.actor.getProfile?actor="+did, "", nil)
	avatar, _ := view["avatar"].(string)
	if !strings.HasPrefix(avatar, s.URL()+"/img/avatar/plain/"+did+"/") || view["banner"] != nil {
		t.Fatalf("getProfile: %v", view)
	}
	resp, err := http.Get(avatar)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, img) || resp.Header.Get("Content-Type") != "image/png" {
		t.Errorf("avatar: %d %s %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(got))
	}
	// Another account's path does not serve it.
	other := s.CreateAccount("other.bsky.social", "pw")
	resp, _ = http.Get(strings.Replace(avatar, did, other, 1))
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("blob of another account: %d", resp.StatusCode)
	}

	// SetProfileRecord stores images as blobs too.
	cid := s.SetProfileRecord(other, ProfileRecord{DisplayName: "Other", Banner: img})
	p, got2, ok := s.ProfileRecordOf(other)
	if !ok || got2 != cid || p.DisplayName != "Other" || !bytes.Equal(p.Banner, img) || p.Avatar != nil {
		t.Errorf("ProfileRecordOf = %+v %s %v", p, got2, ok)
	}
	_, _, view = xrpc(t, s, "GET", "app.bsky.actor.getProfile?actor="+other, "", nil)
	if banner, _ := view["banner"].(string); !strings.Contains(banner, "/img/banner/plain/"+other+"/") {
		t.Errorf("getProfile: %v", view)
	}
}
