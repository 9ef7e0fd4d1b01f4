-- +goose Up
-- Presence: the brand's website and profiles, and the audits of how the
-- brand shows up on Google and on the networks.
CREATE TABLE presence_settings (
    workspace_id   TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    website        TEXT NOT NULL DEFAULT '',
    brand_name     TEXT NOT NULL DEFAULT '',
    local_business INTEGER NOT NULL DEFAULT 0,
    logo_url       TEXT NOT NULL DEFAULT '',
    profiles       TEXT NOT NULL DEFAULT '[]',
    audit_every    INTEGER NOT NULL DEFAULT 0,
    next_audit_at  INTEGER NOT NULL DEFAULT 0,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX presence_settings_next ON presence_settings(next_audit_at);

CREATE TABLE presence_audits (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    trigger      TEXT NOT NULL,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER NOT NULL DEFAULT 0,
    score        INTEGER NOT NULL DEFAULT -1,
    report       TEXT NOT NULL DEFAULT '{}',
    error        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX presence_audits_workspace ON presence_audits(workspace_id, started_at);

-- +goose Down
DROP TABLE presence_audits;
DROP TABLE presence_settings;
