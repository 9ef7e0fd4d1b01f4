-- +goose Up
-- Publishing: connected accounts, posts, one delivery per post and account,
-- every publish attempt recorded before the network is called.
CREATE TABLE social_accounts (
    id                 TEXT PRIMARY KEY,
    workspace_id       TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    network            TEXT NOT NULL,
    server             TEXT NOT NULL,
    remote_id          TEXT NOT NULL,
    handle             TEXT NOT NULL,
    display_name       TEXT NOT NULL DEFAULT '',
    avatar_url         TEXT NOT NULL DEFAULT '',
    profile_url        TEXT NOT NULL DEFAULT '',
    secret_id          TEXT NOT NULL,
    limits             TEXT NOT NULL DEFAULT '{}',
    status             TEXT NOT NULL DEFAULT 'ok',
    status_detail      TEXT NOT NULL DEFAULT '',
    rate_limited_until BIGINT NOT NULL DEFAULT 0,
    connected_by       TEXT NOT NULL DEFAULT '',
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    UNIQUE (workspace_id, network, remote_id)
);

CREATE TABLE mastodon_apps (
    instance     TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    client_id    TEXT NOT NULL,
    secret_id    TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (instance, redirect_uri)
);

CREATE TABLE oauth_states (
    state_hash   TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    network      TEXT NOT NULL,
    instance     TEXT NOT NULL,
    verifier     TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);

CREATE TABLE media (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    width        BIGINT NOT NULL DEFAULT 0,
    height       BIGINT NOT NULL DEFAULT 0,
    sha256       TEXT NOT NULL,
    data         BYTEA NOT NULL,
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX media_workspace ON media(workspace_id, created_at);

CREATE TABLE posts (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    created_by   TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL,
    content      TEXT NOT NULL,
    scheduled_at BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX posts_schedule ON posts(workspace_id, scheduled_at);

CREATE TABLE deliveries (
    id               TEXT PRIMARY KEY,
    post_id          TEXT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    workspace_id     TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    account_id       TEXT NOT NULL REFERENCES social_accounts(id) ON DELETE CASCADE,
    status           TEXT NOT NULL,
    due_at           BIGINT NOT NULL,
    next_at          BIGINT NOT NULL,
    keys             TEXT NOT NULL DEFAULT '[]',
    done             TEXT NOT NULL DEFAULT '[]',
    attempts         BIGINT NOT NULL DEFAULT 0,
    failures         BIGINT NOT NULL DEFAULT 0,
    unsure           BIGINT NOT NULL DEFAULT 0,
    lease_owner      TEXT NOT NULL DEFAULT '',
    lease_until      BIGINT NOT NULL DEFAULT 0,
    first_attempt_at BIGINT NOT NULL DEFAULT 0,
    published_at     BIGINT NOT NULL DEFAULT 0,
    remote_url       TEXT NOT NULL DEFAULT '',
    error_kind       TEXT NOT NULL DEFAULT '',
    error_message    TEXT NOT NULL DEFAULT '',
    updated_at       BIGINT NOT NULL
);
CREATE INDEX deliveries_next ON deliveries(status, next_at);
CREATE INDEX deliveries_post ON deliveries(post_id);
CREATE INDEX deliveries_account ON deliveries(account_id, due_at);
CREATE INDEX deliveries_lease ON deliveries(lease_owner, status);

CREATE TABLE publish_attempts (
    id          TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
    number      BIGINT NOT NULL,
    node        TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL DEFAULT 0,
    outcome     TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX publish_attempts_delivery ON publish_attempts(delivery_id, number);

CREATE TABLE queue_slots (
    account_id TEXT NOT NULL REFERENCES social_accounts(id) ON DELETE CASCADE,
    weekday    BIGINT NOT NULL,
    minute     BIGINT NOT NULL,
    PRIMARY KEY (account_id, weekday, minute)
);

CREATE TABLE notifications (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    post_id      TEXT NOT NULL DEFAULT '',
    delivery_id  TEXT NOT NULL DEFAULT '',
    account      TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    emailed_at   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX notifications_workspace ON notifications(workspace_id, created_at);
CREATE INDEX notifications_unsent ON notifications(emailed_at);
CREATE UNIQUE INDEX notifications_once ON notifications(delivery_id, kind) WHERE delivery_id <> '';

-- +goose Down
DROP TABLE notifications;
DROP TABLE queue_slots;
DROP TABLE publish_attempts;
DROP TABLE deliveries;
DROP TABLE posts;
DROP TABLE media;
DROP TABLE oauth_states;
DROP TABLE mastodon_apps;
DROP TABLE social_accounts;
