-- keyctl store, schema version 1.
-- Every table keeps in clear only what SQL needs (ids, parent ids, keyed lookup values,
-- indexable times); all else is one AES-256-GCM payload whose associated data binds the
-- table, the row id and every clear column that matters for security.

CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;

-- Unlock slots: the data key wrapped under a key derived from a passphrase or store key.
CREATE TABLE slots (
    name       TEXT PRIMARY KEY,
    kdf        TEXT NOT NULL,
    iterations INTEGER NOT NULL,
    salt       BLOB NOT NULL,
    wrapped    BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE orgs (
    id      TEXT PRIMARY KEY,
    parent  TEXT NOT NULL,          -- always '' (orgs belong to the store)
    lookup  BLOB NOT NULL UNIQUE,   -- HMAC blind index of the name
    payload BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE projects (
    id      TEXT PRIMARY KEY,
    parent  TEXT NOT NULL,          -- org id
    lookup  BLOB NOT NULL UNIQUE,   -- HMAC blind index of (org id, name)
    payload BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX projects_parent ON projects (parent);

CREATE TABLE members (
    id      TEXT PRIMARY KEY,
    parent  TEXT NOT NULL,          -- org id
    lookup  BLOB NOT NULL UNIQUE,   -- HMAC blind index of (org id, email)
    payload BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX members_parent ON members (parent);

CREATE TABLE service_accounts (
    id      TEXT PRIMARY KEY,
    parent  TEXT NOT NULL,          -- project id
    lookup  BLOB NOT NULL UNIQUE,   -- HMAC blind index of (project id, name)
    payload BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX service_accounts_parent ON service_accounts (parent);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL,
    project_id   TEXT NOT NULL,
    owner_id     TEXT NOT NULL,
    hash         BLOB NOT NULL UNIQUE,  -- HMAC-SHA256 of the key under a store-derived key
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    revoked_at   INTEGER,
    payload      BLOB NOT NULL,
    last_used_at INTEGER                -- a plain counter-like value: not authenticated
) WITHOUT ROWID;
CREATE INDEX api_keys_project ON api_keys (project_id);
CREATE INDEX api_keys_org ON api_keys (org_id);
CREATE INDEX api_keys_owner ON api_keys (owner_id);

CREATE TABLE audit (
    seq     INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    payload BLOB NOT NULL,
    mac     BLOB NOT NULL                -- HMAC over the previous mac and this entry
);
