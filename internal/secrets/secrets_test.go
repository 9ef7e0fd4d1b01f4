package secrets

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	key := bytes.Repeat([]byte{7}, KeySize)
	box, err := NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	token := []byte("mastodon-access-token-xyz")
	ct := box.Seal(token, []byte("account:1"))
	if bytes.Contains(ct, token) {
		t.Fatal("ciphertext contains the plaintext")
	}
	if again := box.Seal(token, []byte("account:1")); bytes.Equal(again, ct) {
		t.Fatal("two seals are equal: the nonce is not random")
	}
	got, err := box.Open(ct, []byte("account:1"))
	if err != nil || !bytes.Equal(got, token) {
		t.Fatalf("Open = %q, %v", got, err)
	}

	t.Run("other row", func(t *testing.T) {
		if _, err := box.Open(ct, []byte("account:2")); err != ErrDecrypt {
			t.Fatalf("got %v, want ErrDecrypt", err)
		}
	})
	t.Run("tampered", func(t *testing.T) {
		bad := bytes.Clone(ct)
		bad[len(bad)-1] ^= 1
		if _, err := box.Open(bad, []byte("account:1")); err != ErrDecrypt {
			t.Fatalf("got %v, want ErrDecrypt", err)
		}
	})
	t.Run("other key", func(t *testing.T) {
		other, _ := NewBox(bytes.Repeat([]byte{8}, KeySize))
		if _, err := other.Open(ct, []byte("account:1")); err != ErrDecrypt {
			t.Fatalf("got %v, want ErrDecrypt", err)
		}
		if other.KeyID() == box.KeyID() {
			t.Fatal("different keys have the same KeyID")
		}
	})
	t.Run("truncated", func(t *testing.T) {
		if _, err := box.Open(ct[:5], nil); err != ErrDecrypt {
			t.Fatalf("got %v, want ErrDecrypt", err)
		}
	})
}

func TestLoadKeyCreatesFileWithMode0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", KeyFileName)
	key, err := LoadKey("", path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", info.Mode().Perm())
	}
	again, err := LoadKey("", path)
	if err != nil || !bytes.Equal(again, key) {
		t.Fatalf("second load gave another key (%v)", err)
	}
	os.Chmod(path, 0o644)
	if _, err := LoadKey("", path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a world-readable key file was accepted: %v", err)
	}
}

func TestLoadKeyFromEnvironment(t *testing.T) {
	raw := bytes.Repeat([]byte{1}, KeySize)
	path := filepath.Join(t.TempDir(), KeyFileName)
	key, err := LoadKey(base64.StdEncoding.EncodeToString(raw), path)
	if err != nil || !bytes.Equal(key, raw) {
		t.Fatalf("LoadKey(env) = %v, %v", key, err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("a key file was written although the key came from the environment")
	}
	_, err = LoadKey("short-and-secret", path)
	if err == nil || strings.Contains(err.Error(), "short-and-secret") {
		t.Fatalf("a bad key was accepted or echoed: %v", err)
	}
}
