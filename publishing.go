package portavoce

import "time"

// SocialAccount is a network account connected to a workspace: a Mastodon
// account on some instance, a Bluesky account on its PDS. Its tokens live
// encrypted in the vault under SecretID.
type SocialAccount struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"-"`
	Network     string    `json:"network"`
	Server      string    `json:"server"`
	RemoteID    string    `json:"remote_id"`
	Handle      string    `json:"handle"`
	DisplayName string    `json:"display_name"`
	AvatarURL   string    `json:"avatar_url"`
	ProfileURL  string    `json:"profile_url"`
	SecretID    string    `json:"-"`
	Limits      string    `json:"-"`
	Status      string    `json:"status"`
	Detail      string    `json:"status_detail"`
	RateLimited time.Time `json:"rate_limited_until,omitzero"`
	ConnectedBy string    `json:"-"`
	CreatedAt   time.Time `json:"connected_at"`
	UpdatedAt   time.Time `json:"-"`
}

// Account health, shown on the accounts page before anything fails.
const (
	AccountOK          = "ok"
	AccountExpired     = "expired"
	AccountRateLimited = "rate_limited"
)

// Label names the account for people: "@anna@mastodon.social (Mastodon)".
func (a SocialAccount) Label() string {
	return "@" + a.Handle + " (" + NetworkName(a.Network) + ")"
}

// NetworkName is a network's name as people write it.
func NetworkName(network string) string {
	switch network {
	case "mastodon":
		return "Mastodon"
	case "bluesky":
		return "Bluesky"
	}
	return network
}

// Media is an uploaded image or video, kept in the database so that every
// node of a multi-node install can publish it.
type Media struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"-"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	SHA256      string    `json:"sha256"`
	Data        []byte    `json:"-"`
	CreatedBy   string    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
}

// PostContent is what a post says: the parts of a thread (one part for a
// single post), with a variant per account where the text or media differ.
type PostContent struct {
	// Accounts are the accounts the post goes to, by id.
	Accounts []string   `json:"accounts"`
	Parts    []PostPart `json:"parts"`
	// Variants replace Parts for one account, by account id.
	Variants map[string][]PostPart `json:"variants,omitempty"`
	// LinkPreview asks for a card of the first link where the network
	// needs the client to build it (Bluesky).
	LinkPreview bool `json:"link_preview,omitempty"`
	// Reply makes the post an answer from the inbox: its first part
	// replies to the target. Only the inbox sets it.
	Reply *ReplyTarget `json:"reply,omitempty"`
}

// PostPart is one post of a thread.
type PostPart struct {
	Text  string      `json:"text"`
	Media []MediaItem `json:"media,omitempty"`
}

// MediaItem attaches uploaded media to a part, with its description.
type MediaItem struct {
	MediaID string `json:"media_id"`
	Alt     string `json:"alt"`
}

// PartsFor returns the parts that go to an account: its variant, or the
// common parts.
func (c PostContent) PartsFor(accountID string) []PostPart {
	if v, ok := c.Variants[accountID]; ok && len(v) > 0 {
		return v
	}
	return c.Parts
}

// Post is what a user composed: the content, and when it goes out. Its
// deliveries (one per account) carry the publishing state.
type Post struct {
	ID          string      `json:"id"`
	WorkspaceID string      `json:"-"`
	CreatedBy   string      `json:"created_by"`
	State       string      `json:"state"`
	Content     PostContent `json:"content"`
	ScheduledAt time.Time   `json:"scheduled_at,omitzero"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
	Deliveries  []Delivery  `json:"deliveries"`
}

// A post's state is what the user asked for; how far publishing went is in
// its deliveries.
const (
	PostDraft     = "draft"
	PostScheduled = "scheduled"
	PostCancelled = "cancelled"
)

// Delivery is one post going to one account, and how far it went.
type Delivery struct {
	ID          string    `json:"id"`
	PostID      string    `json:"post_id"`
	WorkspaceID string    `json:"-"`
	AccountID   string    `json:"account_id"`
	Status      string    `json:"status"`
	DueAt       time.Time `json:"due_at"`
	NextAt      time.Time `json:"next_at"`
	// Keys are chosen when the delivery is created and never change: the
	// Idempotency-Key of each Mastodon status, the record key of each
	// Bluesky post.
	Keys []string `json:"-"`
	// Done holds the parts the network accepted, stored the moment it did.
	Done        []PublishedPart `json:"published_parts"`
	Attempts    int             `json:"attempts"`
	Failures    int             `json:"-"`
	Unsure      bool            `json:"-"`
	LeaseOwner  string          `json:"-"`
	LeaseUntil  time.Time       `json:"-"`
	FirstTry    time.Time       `json:"first_attempt_at,omitzero"`
	PublishedAt time.Time       `json:"published_at,omitzero"`
	RemoteURL   string          `json:"url,omitempty"`
	ErrorKind   string          `json:"error_kind,omitempty"`
	Error       string          `json:"error,omitempty"`
	UpdatedAt   time.Time       `json:"-"`
}

// PublishedPart is a part a network accepted.
type PublishedPart struct {
	RemoteID string `json:"remote_id"`
	CID      string `json:"cid,omitempty"`
	URL      string `json:"url"`
}

// Delivery statuses.
const (
	// DeliveryScheduled waits for its time (or for a retry).
	DeliveryScheduled = "scheduled"
	// DeliverySending is held by a node that is publishing it.
	DeliverySending = "sending"
	// DeliveryPublished: every part was accepted.
	DeliveryPublished = "published"
	// DeliveryFailed: the network refused it, or retries ran out.
	DeliveryFailed = "failed"
	// DeliveryWaitingAccount: the account must be reconnected; the post is
	// kept and goes out when it is.
	DeliveryWaitingAccount = "waiting_account"
	// DeliveryNeedsCheck: the outcome could not be established; a person
	// must look at the network before anything is repeated.
	DeliveryNeedsCheck = "needs_check"
	// DeliveryCancelled by a user before it started.
	DeliveryCancelled = "cancelled"
)

// PublishAttempt is one try at a delivery, recorded before the network is
// called and completed with its outcome.
type PublishAttempt struct {
	ID         string    `json:"id"`
	DeliveryID string    `json:"delivery_id"`
	Number     int       `json:"number"`
	Node       string    `json:"node"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	Outcome    string    `json:"outcome"`
	Detail     string    `json:"detail,omitempty"`
}

// QueueSlot is a weekly time at which an account takes the next queued post.
type QueueSlot struct {
	AccountID string `json:"account_id"`
	// Weekday is 0 for Sunday, as time.Weekday.
	Weekday time.Weekday `json:"weekday"`
	// Minute is minutes after midnight in the workspace's time zone.
	Minute int `json:"minute"`
}

// Notification tells a workspace that a post failed, went out late or needs
// a person.
type Notification struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"-"`
	Kind        string    `json:"kind"`
	PostID      string    `json:"post_id,omitempty"`
	DeliveryID  string    `json:"delivery_id,omitempty"`
	Account     string    `json:"account,omitempty"`
	Detail      string    `json:"detail,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	EmailedAt   time.Time `json:"emailed_at,omitzero"`
}

// Notification kinds.
const (
	NotifyFailed     = "failed"
	NotifyLate       = "late"
	NotifyReconnect  = "reconnect"
	NotifyNeedsCheck = "needs_check"
	// NotifyOverdue: a post is still not out well after its time.
	NotifyOverdue = "overdue"
	// NotifyPresenceWorse: the latest presence audit found the brand's
	// presence worse than the one before.
	NotifyPresenceWorse = "presence_worse"
)
