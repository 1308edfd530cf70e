-- keyctl store, schema version 3: the freshness ledger, and leaner API keys.

-- The freshness ledger: a two-level hash tree over every sealed row (orgs, projects,
-- members, service accounts, API keys). Leaves hold (keyed row reference, digest of the
-- row's sealed payload); group nodes hold digests of their leaves; a sealed head in `meta`
-- holds digests of the groups. Bodies are plain bytes: keyed references and digests of
-- ciphertext reveal nothing. Nodes 0..65535 are leaves, 1000000.. are groups.
CREATE TABLE ledger (
    node INTEGER PRIMARY KEY,
    body BLOB NOT NULL
);

-- Usage rows also carry the time of the last use, so that per-use writes touch one small
-- row instead of the key's own row.
ALTER TABLE usage ADD COLUMN last_at INTEGER NOT NULL DEFAULT 0;
INSERT INTO usage (key_id, project_id, day, requests, cost, last_at)
    SELECT id, project_id, coalesce(last_used_at, 0) / 86400, uses, 0, coalesce(last_used_at, 0)
    FROM api_keys WHERE last_used_at IS NOT NULL OR uses > 0
    ON CONFLICT (key_id, day) DO UPDATE SET last_at = max(last_at, excluded.last_at);

-- API keys: a rowid table with unique indexes on the hash (what verify looks up) and the
-- id, so that each index entry carries an 8-byte rowid instead of the other key; no org or
-- owner index (those listings are rare and scan); no per-use columns (they live in usage).
CREATE TABLE api_keys_v3 (
    hash       BLOB NOT NULL UNIQUE,    -- HMAC-SHA256 of the key under a store-derived key
    id         TEXT NOT NULL UNIQUE,
    org_id     TEXT NOT NULL,
    project_id TEXT NOT NULL,
    owner_id   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER,
    payload    BLOB NOT NULL
);
INSERT INTO api_keys_v3 (hash, id, org_id, project_id, owner_id, created_at, expires_at, revoked_at, payload)
    SELECT hash, id, org_id, project_id, owner_id, created_at, expires_at, revoked_at, payload FROM api_keys;
DROP TABLE api_keys;
ALTER TABLE api_keys_v3 RENAME TO api_keys;
CREATE INDEX api_keys_project ON api_keys (project_id);
