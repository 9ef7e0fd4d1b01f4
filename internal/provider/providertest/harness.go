// Package providertest is the contract every provider passes: publish text,
// a thread and media; each kind of failure; cancellation; an unknown outcome
// checked, never duplicated; secrets never in errors. Each provider runs it
// against its own local test server, which plays the network.
package providertest

import (
	"testing"

	"github.com/portavoce/portavoce/internal/provider"
)

// Harness is a provider wired to its local test server.
type Harness struct {
	// Publisher is the provider under test, talking to the test server.
	Publisher provider.Publisher
	// Account connects a fresh account on the test server and returns it
	// ready to publish (its SaveCredentials may be nil-safe or record).
	Account func(t *testing.T) provider.Account
	// Posts lists what the test server holds for the account, oldest first.
	Posts func(t *testing.T, a provider.Account) []RemotePost
	// Inject makes the test server's next calls fail as f says.
	Inject func(t *testing.T, f Fault)
	// Expire makes the account's credentials (refresh included) invalid.
	Expire func(t *testing.T, a provider.Account)
	// Secrets lists the account's secrets, which no error may contain.
	Secrets func(a provider.Account) []string
	// TooLong is a text the network refuses as too long.
	TooLong string
}

// RemotePost is a post as the test server stored it.
type RemotePost struct {
	// ID is the same id Published.RemoteID carries.
	ID   string
	Text string
	// ReplyTo is the ID of the post this one answers, empty for a root.
	ReplyTo string
	Media   []RemoteMedia
}

// RemoteMedia is an attachment as the test server stored it.
type RemoteMedia struct {
	ContentType string
	Alt         string
}

// FaultKind is what the test server does wrong.
type FaultKind string

// Faults the test servers reproduce, each with the network's documented
// status, headers and error body.
const (
	// RateLimit answers 429 with the network's rate-limit headers.
	RateLimit FaultKind = "rate_limit"
	// Unavailable answers 503.
	Unavailable FaultKind = "unavailable"
	// Reject refuses the content (422 on Mastodon, 400 InvalidRequest on
	// Bluesky) with the network's own message.
	Reject FaultKind = "reject"
	// Unauthorized answers as for an expired or revoked token.
	Unauthorized FaultKind = "unauthorized"
	// LoseAnswer performs the call (the post exists) and then never
	// answers: the client sees a time-out or a reset.
	LoseAnswer FaultKind = "lose_answer"
)

// Fault is one injected failure.
type Fault struct {
	Kind FaultKind
	// Op is "post" (creating a post) or "media" (uploading).
	Op string
	// Skip lets that many matching calls through first (2 fails the third
	// part of a thread).
	Skip int
	// Times is how many matching calls fail (0 means 1).
	Times int
}
