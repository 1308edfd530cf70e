-- keyctl store, schema version 2: usage, rate-limit counters, key use counts.
-- These are plain integers: tampering with them can only hide usage or lift a limit that
-- the attacker could lift anyway by deleting the counters; they never widen a key.

ALTER TABLE api_keys ADD COLUMN uses INTEGER NOT NULL DEFAULT 0;

-- Requests and cost (micro-units) per key per UTC day (days since the epoch).
CREATE TABLE usage (
    key_id     TEXT NOT NULL,
    project_id TEXT NOT NULL,
    day        INTEGER NOT NULL,
    requests   INTEGER NOT NULL,
    cost       INTEGER NOT NULL,
    PRIMARY KEY (key_id, day)
) WITHOUT ROWID;
CREATE INDEX usage_project_day ON usage (project_id, day);
CREATE INDEX usage_day ON usage (day);

-- Fixed-window counters for rate limits and budgets: the current window's start and count.
-- kind: 'minute' (requests), 'day' (requests), 'month_cost' (micro-units).
CREATE TABLE counters (
    scope_id     TEXT NOT NULL,
    kind         TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    value        INTEGER NOT NULL,
    PRIMARY KEY (scope_id, kind)
) WITHOUT ROWID;
