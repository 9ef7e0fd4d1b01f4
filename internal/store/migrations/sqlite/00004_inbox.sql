-- +goose Up
-- The unified inbox: conversations (the thread around one of our posts, or
-- a person's direct messages), their items as they arrived, notes and tags
-- of the team, the cursor of every account's ingestion, saved replies.
CREATE TABLE inbox_conversations (
    id                TEXT PRIMARY KEY,
    workspace_id      TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    account_id        TEXT NOT NULL REFERENCES social_accounts(id) ON DELETE CASCADE,
    network           TEXT NOT NULL,
    thread            TEXT NOT NULL,
    kind              TEXT NOT NULL,
    subject_text      TEXT NOT NULL DEFAULT '',
    subject_url       TEXT NOT NULL DEFAULT '',
    contact_id        TEXT NOT NULL DEFAULT '',
    contact_handle    TEXT NOT NULL DEFAULT '',
    contact_name      TEXT NOT NULL DEFAULT '',
    contact_avatar    TEXT NOT NULL DEFAULT '',
    contact_url       TEXT NOT NULL DEFAULT '',
    contact_followers INTEGER NOT NULL DEFAULT 0,
    preview           TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL,
    snoozed_until     INTEGER NOT NULL DEFAULT 0,
    assignee_id       TEXT NOT NULL DEFAULT '',
    sentiment         REAL NOT NULL DEFAULT 0,
    language          TEXT NOT NULL DEFAULT '',
    items             INTEGER NOT NULL DEFAULT 0,
    last_item_at      INTEGER NOT NULL,
    waiting_since     INTEGER NOT NULL DEFAULT 0,
    first_response_at INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    UNIQUE (account_id, thread)
);
CREATE INDEX inbox_conversations_recent ON inbox_conversations(workspace_id, last_item_at);
CREATE INDEX inbox_conversations_status ON inbox_conversations(workspace_id, status, last_item_at);
CREATE INDEX inbox_conversations_assignee ON inbox_conversations(workspace_id, assignee_id, last_item_at);
-- A responder's counters: their conversations by state, from the index alone.
CREATE INDEX inbox_conversations_assignee_status ON inbox_conversations(workspace_id, assignee_id, status);
CREATE INDEX inbox_conversations_changed ON inbox_conversations(workspace_id, updated_at);
CREATE INDEX inbox_conversations_snoozed ON inbox_conversations(status, snoozed_until);

CREATE TABLE inbox_items (
    id               TEXT PRIMARY KEY,
    conversation_id  TEXT NOT NULL REFERENCES inbox_conversations(id) ON DELETE CASCADE,
    workspace_id     TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    account_id       TEXT NOT NULL REFERENCES social_accounts(id) ON DELETE CASCADE,
    remote_id        TEXT NOT NULL,
    kind             TEXT NOT NULL,
    author_id        TEXT NOT NULL DEFAULT '',
    author_handle    TEXT NOT NULL DEFAULT '',
    author_name      TEXT NOT NULL DEFAULT '',
    author_avatar    TEXT NOT NULL DEFAULT '',
    author_url       TEXT NOT NULL DEFAULT '',
    author_followers INTEGER NOT NULL DEFAULT 0,
    text             TEXT NOT NULL DEFAULT '',
    url              TEXT NOT NULL DEFAULT '',
    language         TEXT NOT NULL DEFAULT '',
    sentiment        REAL NOT NULL DEFAULT 0,
    reply            TEXT NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    ingested_at      INTEGER NOT NULL,
    deleted_at       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account_id, remote_id)
);
CREATE INDEX inbox_items_conversation ON inbox_items(conversation_id, created_at);
CREATE INDEX inbox_items_author ON inbox_items(account_id, author_id);

CREATE TABLE inbox_notes (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES inbox_conversations(id) ON DELETE CASCADE,
    author_id       TEXT NOT NULL,
    body            TEXT NOT NULL,
    mentions        TEXT NOT NULL DEFAULT '[]',
    created_at      INTEGER NOT NULL
);
CREATE INDEX inbox_notes_conversation ON inbox_notes(conversation_id, created_at);

-- A tag carries its conversation's workspace, so that the workspace's tags
-- and a tag's conversations are read from an index without going through
-- every conversation.
CREATE TABLE inbox_tags (
    conversation_id TEXT NOT NULL REFERENCES inbox_conversations(id) ON DELETE CASCADE,
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    tag             TEXT NOT NULL,
    PRIMARY KEY (conversation_id, tag)
);
CREATE INDEX inbox_tags_workspace ON inbox_tags(workspace_id, tag, conversation_id);

CREATE TABLE inbox_cursors (
    account_id   TEXT PRIMARY KEY REFERENCES social_accounts(id) ON DELETE CASCADE,
    cursor       TEXT NOT NULL DEFAULT '',
    next_poll_at INTEGER NOT NULL DEFAULT 0,
    last_poll_at INTEGER NOT NULL DEFAULT 0,
    last_ok_at   INTEGER NOT NULL DEFAULT 0,
    failures     INTEGER NOT NULL DEFAULT 0,
    error        TEXT NOT NULL DEFAULT '',
    live         INTEGER NOT NULL DEFAULT 0,
    lease_owner  TEXT NOT NULL DEFAULT '',
    lease_until  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX inbox_cursors_due ON inbox_cursors(next_poll_at);

CREATE TABLE saved_replies (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    language     TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX saved_replies_workspace ON saved_replies(workspace_id, name);

CREATE TABLE inbox_settings (
    workspace_id     TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    response_minutes INTEGER NOT NULL DEFAULT 60,
    brand            TEXT NOT NULL DEFAULT '',
    language         TEXT NOT NULL DEFAULT '',
    updated_at       INTEGER NOT NULL
);

CREATE TABLE inbox_mail (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    detail          TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX inbox_mail_unsent ON inbox_mail(sent_at);

-- A reply from the inbox is a post with one delivery, published with the
-- same guarantees; it stays off the calendar.
ALTER TABLE posts ADD COLUMN conversation_id TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE posts DROP COLUMN conversation_id;
DROP TABLE inbox_mail;
DROP TABLE inbox_settings;
DROP TABLE saved_replies;
DROP TABLE inbox_cursors;
DROP TABLE inbox_tags;
DROP TABLE inbox_notes;
DROP TABLE inbox_items;
DROP TABLE inbox_conversations;
