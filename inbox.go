package portavoce

import "time"

// Conversation is what the inbox lists: the thread around one of the
// brand's posts (its replies, mentions, quotes and reposts), or a person's
// direct messages, on one connected account.
type Conversation struct {
	ID          string `json:"id"`
	WorkspaceID string `json:"-"`
	AccountID   string `json:"account_id"`
	Network     string `json:"network"`
	// Thread is the network's key of the conversation (see provider.Item).
	Thread string `json:"-"`
	// Kind is the kind of its latest item from outside (reply, mention,
	// quote, repost, message).
	Kind string `json:"kind"`
	// SubjectText and SubjectURL are the brand's post the thread is about.
	SubjectText string `json:"subject_text,omitempty"`
	SubjectURL  string `json:"subject_url,omitempty"`
	// Contact is the latest person who wrote.
	Contact Person `json:"contact"`
	// Preview is the latest item's text, clipped.
	Preview      string    `json:"preview"`
	Status       string    `json:"status"`
	SnoozedUntil time.Time `json:"snoozed_until,omitzero"`
	AssigneeID   string    `json:"assignee_id,omitempty"`
	// Sentiment is the latest incoming item's score, from -1 to 1.
	Sentiment float64  `json:"sentiment"`
	Language  string   `json:"language,omitempty"`
	Tags      []string `json:"tags"`
	Items     int      `json:"items"`
	// LastItemAt is when the latest item arrived on the network.
	LastItemAt time.Time `json:"last_item_at"`
	// WaitingSince is when the oldest item not yet answered arrived: the
	// first-response timer runs from it. Zero when nothing waits.
	WaitingSince    time.Time `json:"waiting_since,omitzero"`
	FirstResponseAt time.Time `json:"first_response_at,omitzero"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// Conversation states, as the team moves them.
const (
	// ConversationNew has not been touched by anyone yet.
	ConversationNew = "new"
	// ConversationOpen is being dealt with.
	ConversationOpen = "open"
	// ConversationWaiting has been answered: the other side's turn.
	ConversationWaiting = "waiting"
	// ConversationDone needs nothing more; a new item reopens it.
	ConversationDone = "done"
	// ConversationSnoozed comes back by itself at SnoozedUntil (or when
	// something new arrives).
	ConversationSnoozed = "snoozed"
)

// ConversationStatuses lists the states in the order the inbox shows them.
var ConversationStatuses = []string{ConversationNew, ConversationOpen, ConversationWaiting, ConversationSnoozed, ConversationDone}

// Person is someone who wrote to the brand.
type Person struct {
	RemoteID  string `json:"remote_id"`
	Handle    string `json:"handle"`
	Name      string `json:"name,omitempty"`
	AvatarURL string `json:"avatar_url,omitempty"`
	URL       string `json:"url,omitempty"`
	Followers int    `json:"followers"`
}

// InboxItem is one message of a conversation: something that arrived, or a
// reply the team sent.
type InboxItem struct {
	ID             string `json:"id"`
	ConversationID string `json:"conversation_id"`
	WorkspaceID    string `json:"-"`
	AccountID      string `json:"account_id"`
	RemoteID       string `json:"remote_id"`
	Kind           string `json:"kind"`
	// Direction is "in" for what arrived, "out" for the team's replies.
	Direction string  `json:"direction"`
	Author    Person  `json:"author"`
	Text      string  `json:"text"`
	URL       string  `json:"url,omitempty"`
	Language  string  `json:"language,omitempty"`
	Sentiment float64 `json:"sentiment"`
	// Reply is what an answer to this item points to (JSON of
	// provider.ReplyTo), empty when it cannot be answered.
	Reply string `json:"-"`
	// PostID and SentBy are set on replies: the post that carries the
	// reply (its delivery says whether the network confirmed it) and who
	// wrote it.
	PostID     string    `json:"post_id,omitempty"`
	SentBy     string    `json:"sent_by,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	IngestedAt time.Time `json:"-"`
	DeletedAt  time.Time `json:"deleted_at,omitzero"`
	// Delivery is the reply's delivery status (scheduled, sending,
	// published, failed, needs_check), read with the item.
	Delivery string `json:"delivery,omitempty"`
}

// Directions of inbox items.
const (
	DirectionIn  = "in"
	DirectionOut = "out"
)

// InboxNote is a note the team leaves on a conversation. It never leaves
// Portavoce.
type InboxNote struct {
	ID             string    `json:"id"`
	ConversationID string    `json:"conversation_id"`
	AuthorID       string    `json:"author_id"`
	AuthorName     string    `json:"author_name"`
	Body           string    `json:"body"`
	Mentions       []string  `json:"mentions"`
	CreatedAt      time.Time `json:"created_at"`
}

// SavedReply is a reply the team writes once and reuses, with variables
// ({{author.name}}, {{brand}}...).
type SavedReply struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"-"`
	Name        string    `json:"name"`
	Language    string    `json:"language"`
	Body        string    `json:"body"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// InboxSettings are a workspace's inbox rules.
type InboxSettings struct {
	WorkspaceID string `json:"-"`
	// ResponseTarget is how soon a conversation should get its first
	// answer; past it the conversation is overdue.
	ResponseTarget time.Duration `json:"-"`
	// Brand is the name {{brand}} stands for.
	Brand string `json:"brand"`
	// Language is the saved replies' default language ("it", "en").
	Language  string    `json:"language"`
	UpdatedAt time.Time `json:"-"`
}

// AccountInbox is how an account's ingestion goes.
type AccountInbox struct {
	AccountID string    `json:"account_id"`
	Cursor    string    `json:"-"`
	NextPoll  time.Time `json:"next_poll_at,omitzero"`
	LastPoll  time.Time `json:"last_poll_at,omitzero"`
	LastOK    time.Time `json:"last_ok_at,omitzero"`
	Failures  int       `json:"failures"`
	Error     string    `json:"error,omitempty"`
	// Live is true while the network's stream is connected.
	Live bool `json:"live"`
}

// ReplyTarget is what an inbox reply answers; it is carried in the reply
// post's content and handed to the provider as provider.ReplyTo.
type ReplyTarget struct {
	ConversationID string `json:"conversation_id"`
	ItemID         string `json:"item_id"`
	RemoteID       string `json:"remote_id,omitempty"`
	CID            string `json:"cid,omitempty"`
	RootID         string `json:"root_id,omitempty"`
	RootCID        string `json:"root_cid,omitempty"`
	Direct         bool   `json:"direct,omitempty"`
	Handle         string `json:"handle,omitempty"`
	Conversation   string `json:"conversation,omitempty"`
}

// Audit actions of the inbox.
const (
	AuditInboxReplied   = "inbox.replied"
	AuditInboxAssigned  = "inbox.assigned"
	AuditInboxStatus    = "inbox.status"
	AuditInboxNote      = "inbox.note"
	AuditInboxAction    = "inbox.action"
	AuditTopicSaved     = "listening.topic_saved"
	AuditTopicDeleted   = "listening.topic_deleted"
	AuditSourceAdded    = "listening.source_added"
	AuditSourceRemoved  = "listening.source_removed"
	AuditMentionEngaged = "listening.engaged"
)
