-- keyctl store, schema version 4: per-project daily usage totals.
-- `project show` reports a project's month from at most 31 rows here instead of summing
-- every key-day of the project in `usage`, whose size grows with the history. Written in
-- the same transaction as the `usage` rows they total; plain integers like them.
CREATE TABLE usage_projects (
    project_id TEXT NOT NULL,
    day        INTEGER NOT NULL,
    requests   INTEGER NOT NULL,
    cost       INTEGER NOT NULL,
    PRIMARY KEY (project_id, day)
) WITHOUT ROWID;
INSERT INTO usage_projects (project_id, day, requests, cost)
    SELECT project_id, day, sum(requests), sum(cost) FROM usage GROUP BY project_id, day;
