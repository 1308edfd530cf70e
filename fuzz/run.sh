#!/usr/bin/env bash
# fuzz/run.sh — replay the committed corpus through every fuzz target, then fuzz each one for
# a bounded time (what .ci/run does). Installs cargo-fuzz when it is missing; cargo fuzz needs
# nightly features, which the stable toolchain enables with RUSTC_BOOTSTRAP=1.
#
# Usage:   fuzz/run.sh                          # replay + 10 s per target (about 1 minute)
#          FUZZ_SECONDS=3600 fuzz/run.sh        # an hour per target
#          FUZZ_SECONDS=0 fuzz/run.sh           # replay the corpus only
#          FUZZ_TARGETS="store_flip" fuzz/run.sh
# New inputs found while fuzzing go to fuzz/corpus/<target>/ (keep the small, interesting
# ones: `cargo fuzz cmin <target>`); a crash is written to fuzz/artifacts/<target>/ and ends
# the run with its path: turn it into a regression test before fixing it.
set -euo pipefail
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
SECONDS_EACH="${FUZZ_SECONDS:-10}"
TARGETS="${FUZZ_TARGETS:-key_parse stream_lines domain_parse config_toml store_open store_flip}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

echo "== building the fuzz targets" >&2
cargo fuzz build --release

for t in $TARGETS; do
    corpus="corpus/$t"
    mkdir -p "$corpus"
    echo "== $t: replaying $(ls "$corpus" | wc -l) corpus inputs" >&2
    # -runs=0 runs every input once and stops.
    cargo fuzz run --release "$t" "$corpus" -- -runs=0
    if [[ "$SECONDS_EACH" -gt 0 ]]; then
        echo "== $t: fuzzing for ${SECONDS_EACH}s" >&2
        # A scratch corpus: what a short CI run finds is not committed by accident.
        scratch="$(mktemp -d)"
        status=0
        cargo fuzz run --release "$t" "$scratch" "$corpus" -- -max_total_time="$SECONDS_EACH" -max_len=4096 \
            -rss_limit_mb=2048 -print_final_stats=1 >"$scratch.log" 2>&1 || status=$?
        grep -E '^(stat::number_of_executed_units|stat::new_units_added)' "$scratch.log" >&2 || true
        if [[ "$status" -ne 0 ]]; then
            tail -n 40 "$scratch.log" >&2
            echo "fuzz/run.sh: $t failed (see fuzz/artifacts/$t/)" >&2
            rm -rf "$scratch" "$scratch.log"
            exit 1
        fi
        rm -rf "$scratch" "$scratch.log"
    fi
done
echo "== fuzzing done" >&2
