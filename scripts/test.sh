#!/usr/bin/env bash
# The test command: the whole suite on SQLite files, then the integration suites that apply
# again with every harness store on PostgreSQL (KEYCTL_TEST_BACKEND=postgres, server from
# KEYCTL_TEST_POSTGRES, default postgres://postgres@127.0.0.1:5432/test). Extra arguments go
# to both cargo test runs (e.g. `scripts/test.sh -- --test-threads=1`).
set -euo pipefail
cd "$(dirname "$0")/.."

# The second pass needs a PostgreSQL: the one at KEYCTL_TEST_POSTGRES or on 127.0.0.1:5432,
# else Debian's package installed and a cluster started (.ci/postgres.sh); a missing server
# fails the run under CI=true and skips loudly otherwise.
if [ -z "${KEYCTL_TEST_POSTGRES:-}" ]; then
    . .ci/postgres.sh
    ensure_postgres "${KEYCTL_CI_PG_PORT:-5432}" || {
        [ "${CI:-}" = true ] && exit 1
        echo "no PostgreSQL for the second pass: its tests will say they were skipped" >&2
    }
fi

# Integration suites that run again on PostgreSQL. Left out, because every test in them is
# about the SQLite file or needs no store: completions (generated files), migrations (v1
# SQLite fixtures), tamper_matrix and tamper_props (plain SQLite edits), properties
# (parsers), library (opens a path). crash applies but takes over 3 minutes on PostgreSQL
# (of the 20 .ci/run may take on 2 cores), so it runs there only when asked:
# KEYCTL_PG_SUITES="crash" scripts/test.sh, or any list of suites.
if [ -n "${KEYCTL_PG_SUITES:-}" ]; then
    read -r -a PG_SUITES <<<"$KEYCTL_PG_SUITES"
else
    PG_SUITES=(
        concurrency hardb harden hostile_input keys ledger life limits org_project perf
        readme_cookbook roles scan serve service_accounts smoke store_cmd usage_audit ux verify
    )
fi

echo "== cargo test --locked (SQLite)"
cargo test --locked "$@"

echo "== cargo test --locked on PostgreSQL (KEYCTL_TEST_BACKEND=postgres)"
pg_args=()
for t in "${PG_SUITES[@]}"; do
    pg_args+=(--test "$t")
done
KEYCTL_TEST_BACKEND=postgres cargo test --locked "${pg_args[@]}" "$@"
