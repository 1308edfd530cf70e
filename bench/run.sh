#!/usr/bin/env bash
# bench/run.sh — the keyctl benchmark (targets from issues 3 and 5).
#
# Usage:   bench/run.sh                       # N = 10000 100000
#          KEYCTL_BENCH_N="10000 100000 1000000" bench/run.sh
#
# It builds the release binary (`cargo build --release --locked`; honours CARGO_TARGET_DIR),
# then for each N, in a fresh temp dir with KEYCTL_STORE / KEYCTL_CONFIG pointing into it:
#   init (KEYCTL_PASSPHRASE), `store add-key bench -q` -> KEYCTL_STORE_KEY, passphrase unset,
#   `project create bench`, and measures
#   1. `key create --project bench --count N -q` wall time (and per key, and peak RSS);
#   2. store bytes per key: file size after `PRAGMA wal_checkpoint(TRUNCATE)` / N
#      (plus a per-table breakdown from sqlite's dbstat, in RESULTS.md);
#   3. single-shot verify latency (recording on; and --no-record for comparison) against
#      `sqlite3 "$STORE" "SELECT payload FROM api_keys WHERE hash = X'<hex>'"` (the CLI opening the
#      same file and doing one indexed lookup, a real hash from the store); ratio target <= 1.5x.
#      Measured twice: without a shell (`keyctl key verify -q --from-env K`, sqlite3 exec'd
#      directly), and as typed in a shell (`printf '%s\n' "$KEY" | keyctl key verify -q` vs the
#      sqlite3 command, both through `sh -c`, shell start-up subtracted). Medians over 3 rounds of
#      RUNS runs, the commands alternating between rounds. hyperfine if installed, else python3;
#   4. `key verify --stream > /dev/null` throughput, recording on, over STREAM_LINES lines sampled
#      from the created keys (target >= 50,000/s); then the same with
#      `project limits bench --rpm 1000000000` (issue 5: limits cost < 20%). The two modes run
#      alternately STREAM_REPEAT times each; the best run of each mode is reported. After every
#      stream run the recorded request total is checked to have grown by exactly STREAM_LINES;
#   5. peak RSS of the stream run (/usr/bin/time -f %M, if present);
#   6. `usage --by key > /dev/null` time (table and -o json; medians, 3 rounds x 5), after a further
#      USAGE_LINES-line recorded --stream run over USAGE_KEYS keys (its throughput is a second
#      stream figure). The total number of recorded verifies and usage rows is printed with it.
# The table goes to stdout and, with the machine description and date, to RESULTS
# (default bench/RESULTS.md; anything below a line `<!-- notes -->` in it is kept).
# Progress goes to stderr. Temp dirs are removed at the end. The script runs `sync` before the
# single-shot and each stream measurement so that writeback of earlier steps does not leak in.
# Also reported: `--stream --no-record` (reads only), to show what recording costs.
#
# Environment (all optional):
#   KEYCTL_BENCH_N             list of key counts            (default "10000 100000")
#   KEYCTL_BENCH_RUNS          single-shot runs per command  (default 30)
#   KEYCTL_BENCH_STREAM_LINES  lines per stream run          (default 200000)
#   KEYCTL_BENCH_STREAM_REPEAT runs per stream mode          (default 2)
#   KEYCTL_BENCH_USAGE_LINES   lines of the usage-generating stream (default 1000000)
#   KEYCTL_BENCH_USAGE_KEYS    distinct keys in that stream  (default 5000)
#   KEYCTL_BENCH_RESULTS       where to write the markdown   (default bench/RESULTS.md; "-" = don't)
#   KEYCTL_BENCH_KEEP=1        keep the temp dirs
#   KEYCTL_BENCH_NO_BUILD=1    skip cargo build (use the existing release binary)
#   KEYCTL_BENCH_NO_HYPERFINE=1  use the python3 timing loop even if hyperfine is installed
#
# Needs: cargo, sqlite3 (CLI, with dbstat for the breakdown), python3; optional hyperfine,
# /usr/bin/time. A default run takes a few minutes on a 2-core machine.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NS="${KEYCTL_BENCH_N:-10000 100000}"
RUNS="${KEYCTL_BENCH_RUNS:-30}"
STREAM_LINES="${KEYCTL_BENCH_STREAM_LINES:-200000}"
STREAM_REPEAT="${KEYCTL_BENCH_STREAM_REPEAT:-2}"
USAGE_LINES="${KEYCTL_BENCH_USAGE_LINES:-1000000}"
USAGE_KEYS="${KEYCTL_BENCH_USAGE_KEYS:-5000}"
RESULTS="${KEYCTL_BENCH_RESULTS:-$ROOT/bench/RESULTS.md}"
SQLITE3="$(command -v sqlite3 || echo /usr/bin/sqlite3)"
GNU_TIME=""
[[ -x /usr/bin/time ]] && GNU_TIME=/usr/bin/time
HYPERFINE="$(command -v hyperfine || true)"
[[ "${KEYCTL_BENCH_NO_HYPERFINE:-0}" == 1 ]] && HYPERFINE=""

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now_ns() { date +%s%N; }
# fmt FLOAT DECIMALS
fmt() { LC_ALL=C printf "%.${2}f" "$1"; }
# thousands separators for integers
big() { LC_ALL=C python3 -c 'import sys; print(f"{int(float(sys.argv[1])):,}")' "$1"; }
calc() { python3 -c "print($1)"; }

for tool in python3 "$SQLITE3"; do command -v "$tool" >/dev/null || die "$tool is required"; done

# ---------------------------------------------------------------- build
cd "$ROOT"
if [[ "${KEYCTL_BENCH_NO_BUILD:-0}" != 1 ]]; then
    log "cargo build --release --locked"
    cargo build --release --locked >&2
    cargo build --release --locked --example verify_floor >&2
fi
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TARGET_DIR/release/keyctl"
FLOOR="$TARGET_DIR/release/examples/verify_floor"
[[ -x "$BIN" ]] || die "no binary at $BIN"
[[ -x "$FLOOR" ]] || die "no floor binary at $FLOOR (cargo build --release --example verify_floor)"
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"

# run_timed OUT_PREFIX CMD... : runs CMD (stdin/stdout as given by the caller), stores wall
# seconds in $T_WALL and peak RSS (KiB, or "n/a") in $T_RSS.
run_timed() {
    local rss_file t0 t1
    rss_file="$(mktemp "$WORK/rss.XXXXXX")"
    t0=$(now_ns)
    if [[ -n "$GNU_TIME" ]]; then
        "$GNU_TIME" -f %M -o "$rss_file" "$@"
    else
        "$@"
    fi
    t1=$(now_ns)
    T_WALL=$(calc "($t1 - $t0) / 1e9")
    T_RSS="n/a"
    [[ -n "$GNU_TIME" ]] && T_RSS="$(tail -n1 "$rss_file")"
    rm -f "$rss_file"
}

# bench_cmds MODE RUNS CMD... : median wall time (seconds) of each command -> array MED.
#   MODE direct: commands are exec'd without a shell (hyperfine -N; python: shlex.split).
#   MODE shell:  commands run through `sh -c` (hyperfine subtracts its measured shell start-up;
#                python subtracts the median of `sh -c :`).
# The commands are measured in ROUNDS rounds (alternating A, B, A, B, ...), RUNS runs each per
# round after 3 warm-ups, and the median is taken over all rounds: on a shared machine the load
# drifts, and alternating keeps a drift from landing on one command only.
ROUNDS=3
bench_cmds() {
    local mode="$1" runs="$2" json r
    shift 2
    MED=()
    if [[ -n "$HYPERFINE" ]]; then
        local jsons=() flags=(--style none --warmup 3 --runs "$runs")
        [[ $mode == direct ]] && flags+=(-N)
        for ((r = 0; r < ROUNDS; r++)); do
            json="$(mktemp "$WORK/hf.XXXXXX.json")"
            jsons+=("$json")
            "$HYPERFINE" "${flags[@]}" --export-json "$json" "$@" >/dev/null 2>&1 \
                || die "hyperfine failed on: $*"
        done
        read -r -a MED < <(python3 - "${jsons[@]}" <<'EOF2'
import json, statistics, sys
runs = [json.load(open(f))["results"] for f in sys.argv[1:]]
print(*(statistics.median(t for r in runs for t in r[i]["times"]) for i in range(len(runs[0]))))
EOF2
)
        rm -f "${jsons[@]}"
    else
        read -r -a MED < <(python3 - "$mode" "$runs" "$ROUNDS" "$@" <<'EOF2'
import shlex, statistics, subprocess, sys, time
mode, runs, rounds, cmds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
argv = (lambda c: ["sh", "-c", c]) if mode == "shell" else shlex.split
if mode == "shell":
    cmds = [":"] + cmds
def once(c):
    t0 = time.perf_counter()
    subprocess.run(argv(c), check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    return time.perf_counter() - t0
times = {c: [] for c in cmds}
for _ in range(rounds):
    for c in cmds:
        for _ in range(3):
            once(c)
        times[c] += [once(c) for _ in range(runs)]
med = [statistics.median(times[c]) for c in cmds]
if mode == "shell":
    med = [max(m - med[0], 0.0) for m in med[1:]]
print(*med)
EOF2
)
    fi
    [[ ${#MED[@]} -eq $# ]] || die "timing failed on: $*"
}

# sample KEYFILE LINES DISTINCT OUT : LINES lines drawn at random (seeded) from the first
# DISTINCT keys of KEYFILE (DISTINCT=0: all of them).
sample() {
    python3 - "$@" <<'EOF'
import random, sys
keyfile, lines, distinct, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
keys = open(keyfile).read().split()
if distinct:
    keys = keys[:distinct]
rng = random.Random(20261127)
with open(out, "w") as f:
    f.write("".join(keys[rng.randrange(len(keys))] + "\n" for _ in range(lines)))
EOF
}

recorded_total() { "$BIN" usage --by project -o json | python3 -c 'import json,sys; print(sum(int(r["requests"]) for r in json.load(sys.stdin)))'; }

# ---------------------------------------------------------------- per N
declare -A R
WORKDIRS=()
cleanup() {
    if [[ "${KEYCTL_BENCH_KEEP:-0}" != 1 ]]; then
        for d in "${WORKDIRS[@]}"; do rm -rf "$d"; done
    else
        log "kept: ${WORKDIRS[*]}"
    fi
}
trap cleanup EXIT

BREAKDOWN=""
for N in $NS; do
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/keyctl-bench.XXXXXX")"
    WORKDIRS+=("$WORK")
    export KEYCTL_STORE="$WORK/store/keyctl.db" KEYCTL_CONFIG="$WORK/config.toml"
    unset KEYCTL_STORE_KEY KEYCTL_PASSPHRASE KEYCTL_PASSPHRASE_FILE KEYCTL_PASSPHRASE_COMMAND KEYCTL_ORG KEYCTL_OUTPUT
    log "N=$N in $WORK"

    KEYCTL_PASSPHRASE="bench-passphrase-$$" "$BIN" init >/dev/null 2>&1
    KEYCTL_STORE_KEY="$(KEYCTL_PASSPHRASE="bench-passphrase-$$" "$BIN" store add-key bench -q)"
    export KEYCTL_STORE_KEY
    "$BIN" project create bench >/dev/null

    # 1. key creation
    log "1. key create --count $N"
    run_timed "$BIN" key create --project bench --count "$N" -q >"$WORK/keys.txt"
    got=$(wc -l <"$WORK/keys.txt")
    [[ "$got" -eq "$N" ]] || die "key create printed $got keys, expected $N"
    R[create,$N]="$(fmt "$T_WALL" 2) s"
    R[create_per,$N]="$(fmt "$(calc "$T_WALL * 1e6 / $N")" 1) µs"
    R[create_rss,$N]="$([[ $T_RSS == n/a ]] && echo n/a || echo "$(calc "$T_RSS // 1024") MiB")"

    # 2. bytes per key
    "$SQLITE3" "$KEYCTL_STORE" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
    size=$(stat -c %s "$KEYCTL_STORE")
    R[bytes,$N]="$(calc "round($size / $N)") B ($(fmt "$(calc "$size / 1048576")" 1) MiB)"
    if "$SQLITE3" "$KEYCTL_STORE" "SELECT 1 FROM dbstat LIMIT 1" >/dev/null 2>&1; then
        BREAKDOWN+=$'\n'"N = $N, right after \`key create\` ($size bytes):"$'\n\n'"| table / index | bytes per key |"$'\n'"|---|---:|"$'\n'
        BREAKDOWN+="$("$SQLITE3" -separator ' | ' "$KEYCTL_STORE" \
            "SELECT '| ' || name, printf('%.1f', sum(pgsize) * 1.0 / $N) || ' |' FROM dbstat GROUP BY name HAVING sum(pgsize) > 4096 ORDER BY sum(pgsize) DESC")"$'\n'
    fi

    # 3. single-shot verify vs sqlite3 indexed lookup. `sync` first: the kernel's writeback of
    # the freshly created store otherwise slows every fsync for a while (17 ms instead of 3 ms
    # per recorded verify at N=100k on the reference machine).
    log "3. single-shot verify vs sqlite3 ($RUNS runs each)"
    sync
    BENCH_KEY="$(sed -n "$(( (N + 1) / 2 ))p" "$WORK/keys.txt")"
    export BENCH_KEY BENCH_BIN="$BIN" BENCH_SQLITE3="$SQLITE3"
    hex="$("$SQLITE3" "$KEYCTL_STORE" "SELECT hex(hash) FROM api_keys ORDER BY id LIMIT 1 OFFSET $(( N / 3 ))")"
    printf '%s\n' "$BENCH_KEY" | "$BIN" key verify -q || die "the sample key does not verify"
    lookup="SELECT payload FROM api_keys WHERE hash = X'$hex'"
    # Without a shell: the key comes from the environment (--from-env), sqlite3 gets argv.
    bench_cmds direct "$RUNS" \
        "\"$BIN\" key verify -q --from-env BENCH_KEY" \
        "\"$BIN\" key verify -q --no-record --from-env BENCH_KEY" \
        "\"$SQLITE3\" \"$KEYCTL_STORE\" \"$lookup\""
    R[verify1,$N]="$(fmt "$(calc "${MED[0]} * 1e3")" 2) ms"
    R[verify1nr,$N]="$(fmt "$(calc "${MED[1]} * 1e3")" 2) ms ($(fmt "$(calc "${MED[1]} / ${MED[2]}")" 2)x)"
    R[sqlite1,$N]="$(fmt "$(calc "${MED[2]} * 1e3")" 2) ms"
    R[ratio1,$N]="$(fmt "$(calc "${MED[0]} / ${MED[2]}")" 2)x"
    # As a shell user types it: printf | keyctl, against sqlite3 through the same shell.
    bench_cmds shell "$RUNS" \
        "printf '%s\\n' \"\$BENCH_KEY\" | \"\$BENCH_BIN\" key verify -q" \
        "\"\$BENCH_SQLITE3\" \"\$KEYCTL_STORE\" \"$lookup\""
    R[verify1sh,$N]="$(fmt "$(calc "${MED[0]} * 1e3")" 2) ms / $(fmt "$(calc "${MED[1]} * 1e3")" 2) ms = $(fmt "$(calc "${MED[0]} / ${MED[1]}")" 2)x"

    # 4./5. stream throughput, without and with a project rate limit
    log "4. --stream, $STREAM_LINES lines, no limit / rpm limit, ${STREAM_REPEAT}x each"
    sample "$WORK/keys.txt" "$STREAM_LINES" 0 "$WORK/stream.txt"
    total="$(recorded_total)"
    best_plain=0 best_limit=0 rss_plain=0 rss_limit=0
    for ((i = 0; i < STREAM_REPEAT; i++)); do
        for mode in plain limit; do
            if [[ $mode == limit ]]; then
                "$BIN" project limits bench --rpm 1000000000 >/dev/null
            else
                "$BIN" project limits bench --clear >/dev/null
            fi
            sync
            run_timed "$BIN" key verify --stream <"$WORK/stream.txt" >/dev/null
            rate=$(calc "$STREAM_LINES / $T_WALL")
            now_total="$(recorded_total)"
            [[ $((now_total - total)) -eq $STREAM_LINES ]] \
                || die "stream ($mode) recorded $((now_total - total)) verifies, expected $STREAM_LINES"
            total=$now_total
            log "   $mode: $(fmt "$rate" 0)/s, $T_RSS KiB"
            if [[ $mode == plain ]]; then
                (( $(calc "int($rate > $best_plain)") )) && best_plain=$rate
                [[ $T_RSS != n/a ]] && (( T_RSS > rss_plain )) && rss_plain=$T_RSS
            else
                (( $(calc "int($rate > $best_limit)") )) && best_limit=$rate
                [[ $T_RSS != n/a ]] && (( T_RSS > rss_limit )) && rss_limit=$T_RSS
            fi
        done
    done
    "$BIN" project limits bench --clear >/dev/null
    # The in-process floor: SHA-256 and one indexed lookup per line, same file, same lines.
    floor_rate="$("$FLOOR" "$KEYCTL_STORE" <"$WORK/stream.txt" 2>/dev/null)"
    R[floor,$N]="$(big "$floor_rate")/s"
    R[floor_ratio,$N]="$(fmt "$(calc "$best_plain / $floor_rate")" 2)x"
    sync
    run_timed "$BIN" key verify --stream --no-record <"$WORK/stream.txt" >/dev/null
    R[stream_norec,$N]="$(big "$(calc "$STREAM_LINES / $T_WALL")")/s"
    R[stream,$N]="$(big "$best_plain")/s"
    R[stream_limit,$N]="$(big "$best_limit")/s"
    R[limit_cost,$N]="$(fmt "$(calc "(1 - $best_limit / $best_plain) * 100")" 1)%"
    if [[ -n "$GNU_TIME" ]]; then
        R[stream_rss,$N]="$(fmt "$(calc "$rss_plain / 1024")" 1) MiB (limit on: $(fmt "$(calc "$rss_limit / 1024")" 1) MiB)"
    else
        R[stream_rss,$N]="n/a (no /usr/bin/time)"
    fi

    # 6. usage --by key after a big recorded stream
    ukeys=$(( USAGE_KEYS < N ? USAGE_KEYS : N ))
    log "6. --stream $USAGE_LINES lines over $ukeys keys, then usage --by key"
    sample "$WORK/keys.txt" "$USAGE_LINES" "$ukeys" "$WORK/usage.txt"
    sync
    run_timed "$BIN" key verify --stream <"$WORK/usage.txt" >/dev/null
    now_total="$(recorded_total)"
    [[ $((now_total - total)) -eq $USAGE_LINES ]] \
        || die "usage stream recorded $((now_total - total)) verifies, expected $USAGE_LINES"
    total=$now_total
    rm -f "$WORK/usage.txt" "$WORK/stream.txt"
    R[stream_big,$N]="$(big "$(calc "$USAGE_LINES / $T_WALL")")/s ($ukeys keys, $(fmt "$(calc "$T_RSS / 1024")" 1) MiB)"
    rows="$("$SQLITE3" "$KEYCTL_STORE" "SELECT count(*) FROM usage")"
    bench_cmds shell 5 "\"\$BENCH_BIN\" usage --by key > /dev/null" "\"\$BENCH_BIN\" usage --by key -o json > /dev/null"
    R[usage,$N]="$(fmt "$(calc "${MED[0]} * 1e3")" 0) ms"
    R[usage_json,$N]="$(fmt "$(calc "${MED[1]} * 1e3")" 0) ms"
    R[usage_what,$N]="$(big "$total") verifies, $(big "$rows") keys"
    "$SQLITE3" "$KEYCTL_STORE" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
    R[bytes_end,$N]="$(fmt "$(calc "$(stat -c %s "$KEYCTL_STORE") / 1048576")" 1) MiB"
    unset KEYCTL_STORE_KEY
    [[ "${KEYCTL_BENCH_KEEP:-0}" == 1 ]] || rm -rf "$WORK/store"
done
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- report
row() { # label target key
    local line="| $1 | $2 |" n
    for n in $NS; do line+=" ${R[$3,$n]:-} |"; done
    printf '%s\n' "$line"
}
table() {
    local head="| figure | target |" sep="|---|---|" n
    for n in $NS; do head+=" N = $(big "$n") |"; sep+="---:|"; done
    printf '%s\n%s\n' "$head" "$sep"
    row "1. \`key create --count N -q\` wall time" "" create
    row "1. … per key" "" create_per
    row "1. … peak RSS" "" create_rss
    row "2. store bytes per key (after create, WAL checkpointed)" "< 400 B" bytes
    row "3. single-shot \`key verify -q --from-env K\` (recording on), median" "" verify1
    row "3. \`sqlite3 STORE \"SELECT payload … WHERE hash = X'…'\"\`, median" "" sqlite1
    row "3. verify / sqlite3 ratio" "≤ 1.5x" ratio1
    row "3. single-shot \`key verify -q --no-record\` (ratio to sqlite3)" "" verify1nr
    row "3. via sh: \`printf … \| keyctl key verify -q\` / \`sqlite3 …\`" "≤ 1.5x" verify1sh
    row "4. \`--stream\` verifies/s, recording on, $(big "$STREAM_LINES") lines" "≥ 50,000/s" stream
    row "4. \`--stream\` verifies/s, + project \`--rpm 1000000000\`" "" stream_limit
    row "4. cost of the project limit" "< 20%" limit_cost
    row "4. (for comparison) \`--stream --no-record\`, one run" "" stream_norec
    row "4. in-process floor (SHA-256 + one indexed lookup), same lines" "" floor
    row "4. \`--stream\` / floor" "≥ 0.5x" floor_ratio
    row "5. peak RSS of the \`--stream\` run" "" stream_rss
    row "6. \`--stream\` verifies/s, $(big "$USAGE_LINES") lines over a few thousand keys" "" stream_big
    row "6. \`usage --by key\` (table) after that, median" "< 1 s" usage
    row "6. \`usage --by key -o json\`, median" "< 1 s" usage_json
    row "6. … recorded verifies in the store, keys with usage" "" usage_what
    row "store size at the end" "" bytes_end
}

TABLE="$(table)"
printf '%s\n' "$TABLE"

if [[ "$RESULTS" != "-" ]]; then
    cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    mem="$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
    fs="$(df -PT "${TMPDIR:-/tmp}" | awk 'NR==2 {print $2}')"
    timer="a python3 loop"
    [[ -n "$HYPERFINE" ]] && timer="hyperfine $("$HYPERFINE" --version | cut -d' ' -f2)"
    {
        echo "# keyctl benchmark results"
        echo
        echo "Produced by \`bench/run.sh\` (\`KEYCTL_BENCH_N=\"$NS\"\`) on $(date -u '+%Y-%m-%d %H:%M UTC'), commit \`$COMMIT\`."
        echo
        echo "- Machine: $(nproc) CPUs ($cpu), $mem RAM, Linux $(uname -r), store on $fs"
        echo "- Load average at start / end: $LOAD_START / $LOAD_END (other sessions may share the machine)"
        echo "- $(rustc --version 2>/dev/null || echo rustc ?), release profile; sqlite3 CLI $("$SQLITE3" --version | cut -d' ' -f1)"
        echo "- Single-shot timing: $timer; medians over $ROUNDS alternating rounds of $RUNS runs (+3 warm-ups) per command;"
        echo "  first without a shell (\`--from-env\`, hyperfine -N), then through \`sh -c\` (shell start-up subtracted)."
        echo "  The key is one from the store; the sqlite3 lookup uses a real hash from the same store."
        echo "- Streams: keys sampled at random (seeded) from the N created; best of $STREAM_REPEAT runs per mode, modes alternated;"
        echo "  every run checked to record exactly its line count. Item 6's usage comes from all the recorded verifies"
        echo "  of items 3, 4 and the $(big "$USAGE_LINES")-line stream (over min(N, $USAGE_KEYS) keys), one UTC day."
        echo
        printf '%s\n' "$TABLE"
        if [[ -n "$BREAKDOWN" ]]; then
            echo
            echo "## Where the store bytes go (sqlite dbstat, pages > 4 KiB)"
            printf '%s\n' "$BREAKDOWN"
        fi
        # Hand-written notes below the marker survive a re-run.
        if [[ -f "$RESULTS" ]] && grep -q '^<!-- notes -->' "$RESULTS"; then
            echo
            sed -n '/^<!-- notes -->/,$p' "$RESULTS"
        fi
    } >"$RESULTS.tmp"
    mv "$RESULTS.tmp" "$RESULTS"
    log "wrote $RESULTS"
fi
