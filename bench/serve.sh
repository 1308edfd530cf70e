#!/usr/bin/env bash
# bench/serve.sh — `keyctl serve` against its two floors (issue 13), in one run:
#   - `key verify --stream` on the same keys (the co-process it replaces);
#   - examples/http_floor.rs, the same HTTP stack answering a constant 200 (HTTP's own cost).
# With wrk (Debian: apt-get install wrk) over loopback, keep-alive, CONNS connections:
#   1. throughput and p50/p99 of POST /v1/keys/verify and GET /v1/auth at full speed, recording
#      on, keys drawn at random from N keys; for --verifiers 1 and 2;
#   2. p50/p99 of /v1/keys/verify paced at half the peak rate (wrk's delay(), per connection);
#   3. RSS of the server with IDLE idle connections (python3 opens them).
# Usage: bench/serve.sh            (N=100000 CONNS=64 DURATION=10 IDLE=10000)
#        N=20000 DURATION=5 bench/serve.sh
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-100000}
CONNS=${CONNS:-64}
DURATION=${DURATION:-10}
IDLE=${IDLE:-10000}
STREAM_LINES=${STREAM_LINES:-200000}

command -v wrk >/dev/null || { echo "bench/serve.sh: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench/serve.sh: python3 is needed" >&2; exit 1; }
cargo build --release --locked --bins --example http_floor >&2
TARGET=${CARGO_TARGET_DIR:-target}/release
KEYCTL=$TARGET/keyctl
FLOOR=$TARGET/examples/http_floor

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
ulimit -n "$((IDLE + 1000))" 2>/dev/null || ulimit -n "$(ulimit -Hn)"

export KEYCTL_STORE=$work/keyctl.db KEYCTL_CONFIG=$work/config.toml
export XDG_STATE_HOME=$work/state XDG_RUNTIME_DIR=$work/run
KEYCTL_PASSPHRASE=bench-pass "$KEYCTL" init --org bench --owner bench@example.com >/dev/null 2>&1
KEYCTL_STORE_KEY=$(KEYCTL_PASSPHRASE=bench-pass "$KEYCTL" store add-key bench -q)
export KEYCTL_STORE_KEY
"$KEYCTL" project create bench >/dev/null 2>&1
echo "creating $N keys ..." >&2
"$KEYCTL" key create --project bench --count "$N" -q > "$work/keys"

# Starts a server command in the background; prints its address (from its first stderr line).
start() {
    local log=$work/log.$RANDOM
    "$@" 2>"$log" &
    pids+=($!)
    local pid=$!
    for _ in $(seq 200); do
        if grep -q 'listening on http://' "$log" 2>/dev/null; then break; fi
        sleep 0.05
    done
    echo "$pid $(sed -n 's|.*listening on http://\([^ ]*\).*|\1|p' "$log" | head -1)"
}

cat > "$work/verify.lua" <<'EOF'
local keys = {}
for line in io.lines(os.getenv("KEYS")) do keys[#keys + 1] = line end
local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  return wrk.format(nil, nil, nil, '{"key":"' .. keys[math.random(#keys)] .. '"}')
end
if delay_ms > 0 then delay = function() return delay_ms end end
EOF
cat > "$work/auth.lua" <<'EOF'
local keys = {}
for line in io.lines(os.getenv("KEYS")) do keys[#keys + 1] = line end
request = function()
  return wrk.format("GET", "/v1/auth", { ["X-API-Key"] = keys[math.random(#keys)] }, nil)
end
EOF

# wrk URL SCRIPT -> "rps p50_ms p99_ms"
run_wrk() {
    local out
    out=$(KEYS=$work/keys DELAY_MS=${DELAY_MS:-0} wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "$2" "$1")
    python3 - "$out" <<'EOF'
import re, sys
out = sys.argv[1]
def ms(label):
    m = re.search(r"^\s*" + label + r"\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    if not m:
        return float("nan")
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
print(f"{rps:.0f} {ms('50%'):.2f} {ms('99%'):.2f} {errors.group(1) if errors else 0}")
EOF
}

echo "stream floor ..." >&2
python3 - "$work/keys" "$STREAM_LINES" > "$work/lines" <<'EOF'
import random, sys
keys = open(sys.argv[1]).read().split()
print("\n".join(random.choice(keys) for _ in range(int(sys.argv[2]))))
EOF
t0=$(date +%s.%N)
"$KEYCTL" key verify --stream < "$work/lines" > /dev/null
t1=$(date +%s.%N)
stream_rps=$(python3 -c "print(f'{$STREAM_LINES / ($t1 - $t0):.0f}')")

echo "constant-200 floor ..." >&2
read -r fpid faddr < <(start "$FLOOR" 127.0.0.1:0)
read -r floor_rps floor_p50 floor_p99 _ < <(run_wrk "http://$faddr/v1/keys/verify" "$work/verify.lua")
kill "$fpid"

declare -A rows
for v in 1 2; do
    echo "keyctl serve --verifiers $v ..." >&2
    read -r spid saddr < <(start "$KEYCTL" serve --listen 127.0.0.1:0 --cache-ttl 0s --verifiers "$v")
    read -r vr vp50 vp99 verr < <(run_wrk "http://$saddr/v1/keys/verify" "$work/verify.lua")
    read -r ar ap50 ap99 aerr < <(run_wrk "http://$saddr/v1/auth" "$work/auth.lua")
    rows[$v]="$vr $vp50 $vp99 $verr $ar $ap50 $ap99 $aerr"
    if [ "$v" = 1 ]; then
        # Half the peak rate, paced per connection.
        delay=$(python3 -c "print(max(1, round($CONNS * 1000 / ($vr / 2))))")
        read -r hr hp50 hp99 _ < <(DELAY_MS=$delay run_wrk "http://$saddr/v1/keys/verify" "$work/verify.lua")
        # Idle connections.
        rss_before=$(awk '/VmRSS/ {print $2}' "/proc/$spid/status")
        rss_idle=$(python3 - "$saddr" "$IDLE" "$spid" <<'EOF'
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
socks = [socket.create_connection((host, int(port))) for _ in range(int(sys.argv[2]))]
time.sleep(1)
print([l.split()[1] for l in open(f"/proc/{sys.argv[3]}/status") if l.startswith("VmRSS")][0])
EOF
)
    fi
    kill -TERM "$spid"
    while [ -e "/proc/$spid" ]; do sleep 0.1; done   # started in a subshell: not ours to `wait`
done

read -r v1r v1p50 v1p99 v1err a1r a1p50 a1p99 a1err <<< "${rows[1]}"
read -r v2r v2p50 v2p99 v2err a2r a2p50 a2p99 a2err <<< "${rows[2]}"
ratio() { python3 -c "print(f'{$1 / $2:.2f}x')"; }
cat <<EOF

keyctl serve, $N keys, recording on, $CONNS connections, keep-alive, ${DURATION}s per run, $(nproc) CPUs
| figure | req/s | p50 | p99 | non-2xx |
|---|---:|---:|---:|---:|
| floor: constant-200 axum server | $floor_rps | $floor_p50 ms | $floor_p99 ms | |
| floor: \`key verify --stream\` ($STREAM_LINES lines) | $stream_rps | | | |
| POST /v1/keys/verify, 1 verifier | $v1r | $v1p50 ms | $v1p99 ms | $v1err |
| GET /v1/auth, 1 verifier | $a1r | $a1p50 ms | $a1p99 ms | $a1err |
| POST /v1/keys/verify, 2 verifiers | $v2r | $v2p50 ms | $v2p99 ms | $v2err |
| GET /v1/auth, 2 verifiers | $a2r | $a2p50 ms | $a2p99 ms | $a2err |
| POST /v1/keys/verify at half the peak (paced), 1 verifier | $hr | $hp50 ms | $hp99 ms | |

/v1/keys/verify (1 verifier) vs constant-200: $(ratio "$v1r" "$floor_rps") (target >= 0.5x); vs --stream: $(ratio "$v1r" "$stream_rps") (target >= 1x)
RSS with $IDLE idle connections: $((rss_idle / 1024)) MiB (idle server: $((rss_before / 1024)) MiB; target < 100 MiB)
EOF
