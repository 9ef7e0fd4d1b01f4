// Package secrets encrypts what Portavoce must keep secret at rest (access
// tokens of connected social accounts) with AES-256-GCM. The key comes from
// PORTAVOCE_SECRET_KEY or from a key file that is created, with mode 0600, in
// the data folder on first start.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the key length in bytes (AES-256).
const KeySize = 32

// version is the first byte of every ciphertext, so that a later key
// rotation can tell old ciphertexts from new ones.
const version byte = 1

// Box encrypts and decrypts with one key. It has no String method that could
// print the key, and its fields are unexported.
type Box struct {
	aead cipher.AEAD
	// id is a short fingerprint of the key, safe to log.
	id string
}

// NewBox returns a Box for a 32-byte key.
func NewBox(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secrets: the key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	sum := sha256.Sum256(key)
	return &Box{aead: aead, id: hex.EncodeToString(sum[:4])}, nil
}

// KeyID is a fingerprint of the key that may be logged: it tells whether two
// nodes use the same key without revealing it.
func (b *Box) KeyID() string { return b.id }

// Seal encrypts plaintext; additional binds the ciphertext to its context
// (such as the row it belongs to) so it cannot be moved to another row.
func (b *Box) Seal(plaintext, additional []byte) []byte {
	nonce := make([]byte, b.aead.NonceSize(), 1+b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	rand.Read(nonce)
	out := append([]byte{version}, nonce...)
	return b.aead.Seal(out, nonce, plaintext, additional)
}

// ErrDecrypt means a ciphertext was changed, belongs elsewhere, or was
// sealed with another key.
var ErrDecrypt = errors.New("secrets: cannot decrypt: the data was changed or the secret key is not the one it was stored with")

// Open decrypts a ciphertext made by Seal with the same additional data.
func (b *Box) Open(ciphertext, additional []byte) ([]byte, error) {
	ns := b.aead.NonceSize()
	if len(ciphertext) < 1+ns+b.aead.Overhead() || ciphertext[0] != version {
		return nil, ErrDecrypt
	}
	plain, err := b.aead.Open(nil, ciphertext[1:1+ns], ciphertext[1+ns:], additional)
	if err != nil {
		return nil, ErrDecrypt
	}
	return plain, nil
}

// KeyFileName is the key file's name inside the data folder.
const KeyFileName = "secret.key"

// LoadKey returns the key from env (base64 or hex of 32 bytes) if set, else
// from path, creating path with a new random key and mode 0600 if it does
// not exist. It refuses a key file that others can read.
func LoadKey(env, path string) ([]byte, error) {
	if env = strings.TrimSpace(env); env != "" {
		return parseKey(env, "PORTAVOCE_SECRET_KEY")
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key := make([]byte, KeySize)
		rand.Read(key)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("secrets: create %s: %w", filepath.Dir(path), err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return LoadKey("", path) // another process created it first
		}
		if err != nil {
			return nil, fmt.Errorf("secrets: create the key file: %w", err)
		}
		if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
			f.Close()
			return nil, fmt.Errorf("secrets: write the key file: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("secrets: write the key file: %w", err)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("secrets: read the key file: %w", err)
	}
	if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secrets: the key file %s can be read by other users (mode %v): run chmod 600 on it", path, info.Mode().Perm())
	}
	return parseKey(string(data), path)
}

func parseKey(s, from string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if key, err := base64.StdEncoding.DecodeString(s); err == nil && len(key) == KeySize {
		return key, nil
	}
	if key, err := hex.DecodeString(s); err == nil && len(key) == KeySize {
		return key, nil
	}
	return nil, fmt.Errorf("secrets: %s must hold a 32-byte key in base64 or hex (make one with: openssl rand -base64 32)", from)
}
