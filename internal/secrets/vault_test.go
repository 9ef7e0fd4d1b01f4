package secrets_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/secrets"
	"github.com/portavoce/portavoce/internal/store"
	"github.com/portavoce/portavoce/internal/store/storetest"
)

func TestVaultOnBothDatabases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		box, _ := secrets.NewBox(bytes.Repeat([]byte{3}, secrets.KeySize))
		vault := secrets.NewVault(box, db)
		ws := portavoce.Workspace{ID: "ws1", Slug: "acme", Name: "Acme", Timezone: "Europe/Rome", Language: "it", CreatedAt: time.Now()}
		u := portavoce.User{ID: "u1", Email: "a@b.it", Name: "A", PasswordHash: "x", CreatedAt: time.Now(), PasswordChangedAt: time.Now()}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateWorkspace(ctx, ws, u.ID); err != nil {
			t.Fatal(err)
		}
		token := []byte("mastodon-token-0123456789")
		id, err := vault.Put(ctx, ws.ID, "mastodon", token)
		if err != nil {
			t.Fatal(err)
		}
		_, _, stored, err := db.Secret(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(stored, token) {
			t.Fatal("the database holds the token in clear")
		}
		got, err := vault.Get(ctx, id)
		if err != nil || !bytes.Equal(got, token) {
			t.Fatalf("Get = %q, %v", got, err)
		}

		// The first CheckKey stores the canary; the same key passes again,
		// another key is refused with a message that names no secret.
		if err := vault.CheckKey(ctx); err != nil {
			t.Fatal(err)
		}
		if err := vault.CheckKey(ctx); err != nil {
			t.Fatalf("same key refused: %v", err)
		}
		other, _ := secrets.NewBox(bytes.Repeat([]byte{4}, secrets.KeySize))
		err = secrets.NewVault(other, db).CheckKey(ctx)
		if err == nil || !strings.Contains(err.Error(), "original key") {
			t.Fatalf("a wrong key was accepted: %v", err)
		}
		if _, err := secrets.NewVault(other, db).Get(ctx, id); err != secrets.ErrDecrypt {
			t.Fatalf("another key decrypted the token: %v", err)
		}
	})
}
