-- keyctl store on PostgreSQL, schema version 1: the same tables as the SQLite file at its
-- version 4, in the store's own schema (the connection's search_path names only it and
-- pg_catalog). Text columns compare bytewise (COLLATE "C"), as SQLite's do, so listings
-- come out in the same order on both backends. Nothing here is readable without the store
-- key: names, emails and scopes live sealed in `payload`, names are blind-indexed in
-- `lookup`, keys are stored as an HMAC in `hash`.

CREATE TABLE schema_migrations (
    version integer PRIMARY KEY
);

CREATE TABLE meta (
    name  text COLLATE "C" PRIMARY KEY,
    value bytea NOT NULL
);

CREATE TABLE slots (
    name       text COLLATE "C" PRIMARY KEY,
    kdf        text COLLATE "C" NOT NULL,
    iterations bigint NOT NULL,
    salt       bytea NOT NULL,
    wrapped    bytea NOT NULL
);

CREATE TABLE orgs (
    id      text COLLATE "C" PRIMARY KEY,
    parent  text COLLATE "C" NOT NULL,
    lookup  bytea NOT NULL UNIQUE,
    payload bytea NOT NULL
);

CREATE TABLE projects (
    id      text COLLATE "C" PRIMARY KEY,
    parent  text COLLATE "C" NOT NULL,
    lookup  bytea NOT NULL UNIQUE,
    payload bytea NOT NULL
);
CREATE INDEX projects_parent ON projects (parent);

CREATE TABLE members (
    id      text COLLATE "C" PRIMARY KEY,
    parent  text COLLATE "C" NOT NULL,
    lookup  bytea NOT NULL UNIQUE,
    payload bytea NOT NULL
);
CREATE INDEX members_parent ON members (parent);

CREATE TABLE service_accounts (
    id      text COLLATE "C" PRIMARY KEY,
    parent  text COLLATE "C" NOT NULL,
    lookup  bytea NOT NULL UNIQUE,
    payload bytea NOT NULL
);
CREATE INDEX service_accounts_parent ON service_accounts (parent);

CREATE TABLE api_keys (
    hash       bytea NOT NULL UNIQUE,
    id         text COLLATE "C" NOT NULL UNIQUE,
    org_id     text COLLATE "C" NOT NULL,
    project_id text COLLATE "C" NOT NULL,
    owner_id   text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint,
    revoked_at bigint,
    payload    bytea NOT NULL
);
CREATE INDEX api_keys_project ON api_keys (project_id);

CREATE TABLE audit (
    seq     bigint PRIMARY KEY,
    at      bigint NOT NULL,
    payload bytea NOT NULL,
    mac     bytea NOT NULL
);

CREATE TABLE usage (
    key_id     text COLLATE "C" NOT NULL,
    project_id text COLLATE "C" NOT NULL,
    day        bigint NOT NULL,
    requests   bigint NOT NULL,
    cost       bigint NOT NULL,
    last_at    bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (key_id, day)
);
CREATE INDEX usage_project_day ON usage (project_id, day);
CREATE INDEX usage_day ON usage (day);

CREATE TABLE usage_projects (
    project_id text COLLATE "C" NOT NULL,
    day        bigint NOT NULL,
    requests   bigint NOT NULL,
    cost       bigint NOT NULL,
    PRIMARY KEY (project_id, day)
);

CREATE TABLE counters (
    scope_id     text COLLATE "C" NOT NULL,
    kind         text COLLATE "C" NOT NULL,
    window_start bigint NOT NULL,
    value        bigint NOT NULL,
    PRIMARY KEY (scope_id, kind)
);

CREATE TABLE ledger (
    node bigint PRIMARY KEY,
    body bytea NOT NULL
);
