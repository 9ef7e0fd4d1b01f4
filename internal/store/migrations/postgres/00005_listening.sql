-- +goose Up
-- Listening: each workspace's topics (a boolean query), the public posts
-- that matched one (stored once), which topic each matched, the sources
-- with their cursors, and the alerts sent.
CREATE TABLE listening_topics (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    query         TEXT NOT NULL,
    active        BIGINT NOT NULL DEFAULT 1,
    alert_email   BIGINT NOT NULL DEFAULT 1,
    alert_webhook TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX listening_topics_workspace ON listening_topics(workspace_id, name);

CREATE TABLE listening_posts (
    id          TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    remote_id   TEXT NOT NULL,
    url         TEXT NOT NULL DEFAULT '',
    host        TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL DEFAULT '',
    text        TEXT NOT NULL DEFAULT '',
    author      TEXT NOT NULL DEFAULT '',
    author_name TEXT NOT NULL DEFAULT '',
    lang        TEXT NOT NULL DEFAULT '',
    sentiment   DOUBLE PRECISION NOT NULL DEFAULT 0,
    reach       BIGINT NOT NULL DEFAULT 0,
    hashtags    TEXT NOT NULL DEFAULT '',
    fingerprint TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    found_at    BIGINT NOT NULL,
    -- Full-text search: stemmed in the post's language where PostgreSQL
    -- has one (Italian, English), plain words otherwise.
    search      tsvector GENERATED ALWAYS AS (
        CASE split_part(lang, ',', 1)
            WHEN 'it' THEN to_tsvector('italian', title || ' ' || text)
            WHEN 'en' THEN to_tsvector('english', title || ' ' || text)
            ELSE to_tsvector('simple', title || ' ' || text)
        END) STORED,
    UNIQUE (source, remote_id)
);
CREATE INDEX listening_posts_search ON listening_posts USING GIN (search);
CREATE INDEX listening_posts_fingerprint ON listening_posts(fingerprint);
CREATE INDEX listening_posts_found ON listening_posts(found_at);

CREATE TABLE listening_mentions (
    topic_id     TEXT NOT NULL REFERENCES listening_topics(id) ON DELETE CASCADE,
    post_id      TEXT NOT NULL REFERENCES listening_posts(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    sentiment    DOUBLE PRECISION NOT NULL DEFAULT 0,
    corrected    BIGINT NOT NULL DEFAULT 0,
    lead         BIGINT NOT NULL DEFAULT 0,
    duplicate_of TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (topic_id, post_id)
);
CREATE INDEX listening_mentions_workspace ON listening_mentions(workspace_id, created_at);
CREATE INDEX listening_mentions_topic ON listening_mentions(topic_id, created_at);
CREATE INDEX listening_mentions_post ON listening_mentions(post_id);

CREATE TABLE listening_sources (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL DEFAULT '',
    kind         TEXT NOT NULL,
    target       TEXT NOT NULL,
    cursor       TEXT NOT NULL DEFAULT '',
    connected    BIGINT NOT NULL DEFAULT 0,
    error        TEXT NOT NULL DEFAULT '',
    retry_at     BIGINT NOT NULL DEFAULT 0,
    received     BIGINT NOT NULL DEFAULT 0,
    -- The node reading the source, so that several nodes read it once.
    lease_owner  TEXT NOT NULL DEFAULT '',
    lease_until  BIGINT NOT NULL DEFAULT 0,
    updated_at   BIGINT NOT NULL,
    UNIQUE (workspace_id, kind, target)
);

CREATE TABLE listening_alerts (
    id           TEXT PRIMARY KEY,
    topic_id     TEXT NOT NULL REFERENCES listening_topics(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    count        BIGINT NOT NULL,
    baseline     DOUBLE PRECISION NOT NULL,
    mentions     TEXT NOT NULL DEFAULT '[]',
    created_at   BIGINT NOT NULL,
    sent_at      BIGINT NOT NULL DEFAULT 0,
    UNIQUE (topic_id, kind, window_start)
);
CREATE INDEX listening_alerts_unsent ON listening_alerts(sent_at);

CREATE TABLE listening_settings (
    workspace_id   TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    retention_days BIGINT NOT NULL DEFAULT 365,
    updated_at     BIGINT NOT NULL
);

-- The daily digest, sent once a day per workspace.
CREATE TABLE listening_digests (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    day          TEXT NOT NULL,
    sent_at      BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, day)
);

-- +goose Down
DROP TABLE listening_digests;
DROP TABLE listening_settings;
DROP TABLE listening_alerts;
DROP TABLE listening_sources;
DROP TABLE listening_mentions;
DROP TABLE listening_posts;
DROP TABLE listening_topics;
