// Package auth holds the cryptography of logging in: argon2id password
// hashes, random tokens for sessions, API keys and invitations, and their
// one-way hashes for storage.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/portavoce/portavoce"
)

// Argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// MinPasswordLength is the shortest password accepted, in characters.
const MinPasswordLength = 10

// ErrPasswordMismatch means the password does not match the hash.
var ErrPasswordMismatch = errors.New("auth: password does not match")

// CheckPasswordStrength returns an invalid-input error about the field
// "password" when a new password is too weak, else nil.
func CheckPasswordStrength(password, email string) *portavoce.Error {
	if utf8.RuneCountInString(password) < MinPasswordLength {
		return portavoce.FieldError("password", "the password must have at least %d characters", MinPasswordLength)
	}
	if utf8.RuneCountInString(password) > 256 {
		return portavoce.FieldError("password", "the password must have at most 256 characters")
	}
	if email != "" && strings.EqualFold(password, email) {
		return portavoce.FieldError("password", "the password must not be your email address")
	}
	return nil
}

// HashPassword returns an argon2id hash in PHC string format:
// $argon2id$v=19$m=19456,t=2,p=1$salt$key.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword checks password against a hash made by HashPassword (with
// whatever parameters it recorded), in constant time.
func VerifyPassword(hash, password string) error {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return errors.New("auth: not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return errors.New("auth: unsupported argon2 version")
	}
	var memory, passes uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil {
		return fmt.Errorf("auth: bad argon2 parameters: %w", err)
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return fmt.Errorf("auth: bad salt: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return fmt.Errorf("auth: bad key: %w", err)
	}
	got := argon2.IDKey([]byte(password), salt, passes, memory, threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrPasswordMismatch
	}
	return nil
}

// dummyHash is verified when a login names an unknown user, so that the
// answer takes as long as for a known one. It is made on first use: hashing
// at start-up would cost time and 19 MiB before anyone logs in.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("portavoce-timing-equaliser")
	return h
})

// SpendPasswordTime does the work of one password check, for unknown users.
func SpendPasswordTime(password string) { _ = VerifyPassword(dummyHash(), password) }

var tokenEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewToken returns a random token with a readable prefix (such as "pv_" for
// API tokens), carrying 160 bits of randomness.
func NewToken(prefix string) string {
	b := make([]byte, 20)
	rand.Read(b) // never fails (crypto/rand panics on a broken system source)
	return prefix + strings.ToLower(tokenEncoding.EncodeToString(b))
}

// HashToken returns the hex SHA-256 of a token, the form in which tokens are
// stored. Tokens are random and long, so a fast hash is enough.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// EqualTokens compares two tokens in constant time.
func EqualTokens(a, b string) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
