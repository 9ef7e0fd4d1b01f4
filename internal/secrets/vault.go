package secrets

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/portavoce/portavoce"
)

// Store keeps sealed secrets; it never sees a plaintext.
type Store interface {
	PutSecret(ctx context.Context, id, workspaceID, purpose string, ciphertext []byte, at time.Time) error
	Secret(ctx context.Context, id string) (workspaceID, purpose string, ciphertext []byte, err error)
}

// Vault stores secrets (such as a social account's access token) sealed
// with the Box. Each ciphertext is bound to its id, workspace and purpose, so
// a copied row does not decrypt elsewhere.
type Vault struct {
	box   *Box
	store Store
	now   func() time.Time
}

// NewVault returns a Vault.
func NewVault(box *Box, store Store) *Vault {
	return &Vault{box: box, store: store, now: time.Now}
}

func additional(id, workspaceID, purpose string) []byte {
	return []byte(id + "\x00" + workspaceID + "\x00" + purpose)
}

// Put seals and stores a new secret and returns its id.
func (v *Vault) Put(ctx context.Context, workspaceID, purpose string, plaintext []byte) (string, error) {
	id := uuid.Must(uuid.NewV7()).String()
	return id, v.Replace(ctx, id, workspaceID, purpose, plaintext)
}

// Replace seals plaintext under an existing id (a refreshed token).
func (v *Vault) Replace(ctx context.Context, id, workspaceID, purpose string, plaintext []byte) error {
	ct := v.box.Seal(plaintext, additional(id, workspaceID, purpose))
	if err := v.store.PutSecret(ctx, id, workspaceID, purpose, ct, v.now().UTC()); err != nil {
		return fmt.Errorf("secrets: store: %w", err)
	}
	return nil
}

// Get returns a secret's plaintext.
func (v *Vault) Get(ctx context.Context, id string) ([]byte, error) {
	ws, purpose, ct, err := v.store.Secret(ctx, id)
	if err != nil {
		return nil, err
	}
	return v.box.Open(ct, additional(id, ws, purpose))
}

// keyCheckID is the instance secret that proves the key is the right one.
const keyCheckID = "00000000-0000-0000-0000-00000000c0de"

// CheckKey makes sure the key is the one the stored secrets were sealed
// with: on first start it stores a known value; afterwards it must decrypt.
// Starting with the wrong key would make every connected account unusable,
// so the server refuses to start instead.
func (v *Vault) CheckKey(ctx context.Context) error {
	plain, err := v.Get(ctx, keyCheckID)
	switch {
	case portavoce.ErrorCode(err) == portavoce.ECodeNotFound:
		return v.Replace(ctx, keyCheckID, "", "key-check", []byte("portavoce"))
	case errors.Is(err, ErrDecrypt) || (err == nil && string(plain) != "portavoce"):
		return fmt.Errorf("secrets: the secret key (id %s) is not the one this database's secrets were sealed with: "+
			"start with the original key (PORTAVOCE_SECRET_KEY or the key file)", v.box.KeyID())
	}
	return err
}
