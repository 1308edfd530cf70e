-- keyctl store, schema version 3: the freshness ledger.
-- A two-level hash tree over every sealed row (orgs, projects, members, service accounts,
-- API keys): leaves hold (keyed row reference, digest of the row's sealed payload); group
-- nodes hold digests of their leaves; a sealed head in `meta` holds digests of the groups.
-- Bodies are plain bytes: keyed references and digests of ciphertext reveal nothing.
-- Nodes 0..65535 are leaves, 1000000.. are groups.

CREATE TABLE ledger (
    node INTEGER PRIMARY KEY,
    body BLOB NOT NULL
);
