package auth

import (
	"strings"
	"testing"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	hash, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not argon2id with the expected parameters", hash)
	}
	if strings.Contains(hash, "correct horse") {
		t.Fatal("hash contains the password")
	}
	if err := VerifyPassword(hash, "correct horse battery"); err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if err := VerifyPassword(hash, "correct horse batterY"); err != ErrPasswordMismatch {
		t.Fatalf("wrong password: got %v, want ErrPasswordMismatch", err)
	}
	other, _ := HashPassword("correct horse battery")
	if other == hash {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
}

func TestVerifyPasswordRejectsMalformedHashes(t *testing.T) {
	for name, hash := range map[string]string{
		"empty":      "",
		"bcrypt":     "$2a$10$abcdefghijklmnopqrstuv",
		"bad params": "$argon2id$v=19$m=x,t=2,p=1$c2FsdA$a2V5",
		"bad salt":   "$argon2id$v=19$m=19456,t=2,p=1$!!!$a2V5",
	} {
		t.Run(name, func(t *testing.T) {
			if err := VerifyPassword(hash, "whatever"); err == nil || err == ErrPasswordMismatch {
				t.Fatalf("got %v, want a malformed-hash error", err)
			}
		})
	}
}

func TestPasswordStrength(t *testing.T) {
	tests := []struct {
		name, password, email string
		ok                    bool
	}{
		{"long enough", "unaparolalunga", "a@b.it", true},
		{"too short", "corta", "a@b.it", false},
		{"ten accented runes", "àèìòùàèìòù", "", true},
		{"equals email", "ceo@azienda.it", "CEO@azienda.it", false},
		{"too long", strings.Repeat("x", 257), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckPasswordStrength(tt.password, tt.email) == nil; got != tt.ok {
				t.Fatalf("CheckPasswordStrength(%q) ok=%v, want %v", tt.password, got, tt.ok)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	a, b := NewToken("pv_"), NewToken("pv_")
	if a == b || !strings.HasPrefix(a, "pv_") || len(a) != 3+32 {
		t.Fatalf("tokens %q, %q: want distinct pv_ tokens of 35 characters", a, b)
	}
	if HashToken(a) == HashToken(b) || len(HashToken(a)) != 64 || HashToken(a) != HashToken(a) {
		t.Fatal("HashToken is not a stable 64-hex digest")
	}
	if !EqualTokens(a, a) || EqualTokens(a, b) || EqualTokens(a, a[:10]) {
		t.Fatal("EqualTokens is wrong")
	}
}

// BenchmarkHashPassword is the cost of one login's password check (argon2id,
// 19 MiB, 2 passes): it bounds how many logins a core can check a second.
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery"); err != nil {
			b.Fatal(err)
		}
	}
}
