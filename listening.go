package portavoce

import "time"

// Topic is something a workspace listens for: its brand, a competitor, a
// market segment or a campaign, written as a boolean query
// (internal/listening/query).
type Topic struct {
	ID          string `json:"id"`
	WorkspaceID string `json:"-"`
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	Query       string `json:"query"`
	Active      bool   `json:"active"`
	// AlertEmail sends spike alerts to the workspace's owners and
	// managers; AlertWebhook, when set, receives them as JSON.
	AlertEmail   bool      `json:"alert_email"`
	AlertWebhook string    `json:"alert_webhook,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Kinds of topic.
const (
	TopicBrand      = "brand"
	TopicCompetitor = "competitor"
	TopicSegment    = "segment"
	TopicCampaign   = "campaign"
)

// TopicKinds lists the kinds in the order forms show them.
var TopicKinds = []string{TopicBrand, TopicCompetitor, TopicSegment, TopicCampaign}

// Mention is a public post that matched one of a workspace's topics.
type Mention struct {
	TopicID string `json:"topic_id"`
	PostID  string `json:"post_id"`
	Source  string `json:"source"`
	// RemoteID is the post's id on its source: a Bluesky post's at:// URI.
	RemoteID   string `json:"remote_id,omitempty"`
	URL        string `json:"url"`
	Host       string `json:"host,omitempty"`
	Title      string `json:"title,omitempty"`
	Text       string `json:"text"`
	Author     string `json:"author"`
	AuthorName string `json:"author_name,omitempty"`
	Lang       string `json:"lang,omitempty"`
	Reach      int    `json:"reach"`
	// Sentiment is from -1 to 1: the engine's score, or the team's
	// correction when Corrected.
	Sentiment float64 `json:"sentiment"`
	Corrected bool    `json:"corrected"`
	Lead      bool    `json:"lead"`
	// DuplicateOf is the earlier post this one repeats (same link or same
	// text), folded under it in the explorer.
	DuplicateOf string    `json:"duplicate_of,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	FoundAt     time.Time `json:"found_at"`
}

// ListeningSource is a place listening reads, with where it got to.
type ListeningSource struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"-"`
	Kind        string    `json:"kind"`
	Target      string    `json:"target"`
	Cursor      string    `json:"-"`
	Connected   bool      `json:"connected"`
	Error       string    `json:"error,omitempty"`
	RetryAt     time.Time `json:"retry_at,omitzero"`
	Received    int64     `json:"received"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// ListeningAlert is a spike in a topic's volume or negative mentions.
type ListeningAlert struct {
	ID          string `json:"id"`
	TopicID     string `json:"topic_id"`
	WorkspaceID string `json:"-"`
	// Kind is "volume" or "negative".
	Kind        string    `json:"kind"`
	WindowStart time.Time `json:"window_start"`
	Count       int       `json:"count"`
	Baseline    float64   `json:"baseline"`
	// Mentions are the posts (ids) that made the spike.
	Mentions  []string  `json:"mentions"`
	CreatedAt time.Time `json:"created_at"`
	SentAt    time.Time `json:"sent_at,omitzero"`
}
