#!/usr/bin/env python3
"""bench/patterns.py: keyctl's figures in every usage pattern (issue 14), each beside its
floor measured in the same run, and the ratio.

Usage:   bench/patterns.py                       # N = 10000
         KEYCTL_BENCH_N="10000 100000 1000000" bench/patterns.py

For each N, five stores are built the ways users build them:
  small       N-1000 keys in one batch, then 1000 single `key create` and 1000 single
              recorded `key verify` commands (many small commands);
  batches     N keys in batches of N/5 (a few large batches);
  streams     one batch, then two recorded `--stream` runs over 2N lines that end;
  crash       half the keys, a `key create --count N` killed with SIGKILL once its WAL passed
              8 MiB, then the other half (a crash in the middle);
  concurrent  four processes creating N/4 keys each in batches while a recorded stream runs.
Every store is measured as keyctl leaves it (no manual checkpoint): its size on disk with
WAL and SHM, per key (target <= 400 B at 100k keys), and a single-shot `key verify` against
the sqlite3 CLI opening the same file for one indexed lookup (target <= 1.5x).

Then, on the `batches` store: `key create --count N` wall time per key against the floor's
insert (verify_floor --insert: N rows in one transaction; target <= 3x) and its peak RSS
(target <= 200 MiB at 1M); `--stream` of min(N, 200000) recorded lines against the
in-process floor (target >= 0.5x); `init` and a passphrase unlock against one
PBKDF2-HMAC-SHA256 600k derivation (target <= 1.2x); and, after planting 10 usage rows per
key with plain SQL (a month of traffic), `key list -o json` and `key create --count 1000`
against the same commands before (target <= 2x), and `usage --by key` (target < 1 s).

The machine is shared: every ratio is taken against a floor measured minutes apart in the
same run, and timings are medians (single shots) or best of runs (streams, batches).
Environment: KEYCTL_BENCH_N, KEYCTL_BENCH_RUNS (single-shot runs, default 20),
KEYCTL_BENCH_NO_BUILD=1, KEYCTL_BENCH_KEEP=1, KEYCTL_BENCH_RESULTS (markdown file to append
the table to; default none), KEYCTL_BENCH_ONLY=usage (only the `batches` store and the usage
figures: list, create and `usage --by key` before and after a month of usage rows).
"""

import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NS = [int(n) for n in os.environ.get("KEYCTL_BENCH_N", "10000").split()]
RUNS = int(os.environ.get("KEYCTL_BENCH_RUNS", "20"))
ONLY_USAGE = os.environ.get("KEYCTL_BENCH_ONLY") == "usage"
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
BIN = os.path.join(TARGET, "release", "keyctl")
FLOOR = os.path.join(TARGET, "release", "examples", "verify_floor")
SQLITE3 = shutil.which("sqlite3") or "/usr/bin/sqlite3"
PASS = "bench-passphrase"


def log(*a):
    print("bench:", *a, file=sys.stderr, flush=True)


class Store:
    def __init__(self, root, name):
        self.dir = os.path.join(root, name)
        os.makedirs(self.dir)
        self.path = os.path.join(self.dir, "keyctl.db")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KEYCTL_")}
        self.env.update(KEYCTL_STORE=self.path, KEYCTL_CONFIG=os.path.join(self.dir, "config.toml"))
        self.env["XDG_STATE_HOME"] = os.path.join(self.dir, "state")
        self.env["XDG_RUNTIME_DIR"] = os.path.join(self.dir, "run")
        self.keys = []

    def run(self, args, stdin=None, env=None, check=True):
        e = dict(self.env, **(env or {}))
        r = subprocess.run([BIN] + args, input=stdin, env=e, capture_output=True)
        if check and r.returncode != 0:
            raise SystemExit(f"keyctl {args[:3]} failed: {r.stderr.decode()}")
        return r

    def init(self):
        t0 = time.perf_counter()
        self.run(["init"], env={"KEYCTL_PASSPHRASE": PASS})
        self.init_secs = time.perf_counter() - t0
        key = self.run(["store", "add-key", "bench", "-q"], env={"KEYCTL_PASSPHRASE": PASS}).stdout.decode().strip()
        self.env["KEYCTL_STORE_KEY"] = key
        self.run(["project", "create", "bench"])
        return self

    def create(self, n):
        out = self.run(["key", "create", "--project", "bench", "--count", str(n), "-q"]).stdout.decode().split()
        assert len(out) == n, (len(out), n)
        self.keys += out

    def stream(self, lines):
        self.run(["key", "verify", "--stream"], stdin="".join(k + "\n" for k in lines).encode())

    def disk_bytes(self):
        return sum(os.path.getsize(self.path + s) for s in ("", "-wal", "-shm") if os.path.exists(self.path + s))


def timed(argv, env, stdin=None):
    t0 = time.perf_counter()
    subprocess.run(argv, env=env, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def medians(cmds, runs=RUNS, rounds=3):
    """Median wall time of each (argv, env, stdin), alternating between commands."""
    times = [[] for _ in cmds]
    for _ in range(rounds):
        for i, (argv, env, stdin) in enumerate(cmds):
            for _ in range(2):
                timed(argv, env, stdin)
            times[i] += [timed(argv, env, stdin) for _ in range(runs)]
    return [statistics.median(t) for t in times]


def peak_rss(argv, env, stdin=None):
    """(wall seconds, peak RSS in MiB, stdout) of one run under /usr/bin/time."""
    t0 = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, env=env, input=stdin, capture_output=True)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{argv[:4]} failed: {r.stderr.decode()[-500:]}")
    return wall, int(r.stderr.decode().strip().splitlines()[-1]) / 1024, r.stdout


def verify_vs_sqlite(s):
    key = s.keys[len(s.keys) // 2]
    hexhash = subprocess.run([SQLITE3, s.path, f"SELECT hex(hash) FROM api_keys LIMIT 1 OFFSET {len(s.keys) // 3}"],
                             capture_output=True, check=True).stdout.decode().strip()
    env = dict(s.env, BENCH_KEY=key)
    subprocess.run(["sync"])
    v, q = medians([([BIN, "key", "verify", "-q", "--from-env", "BENCH_KEY"], env, None),
                    ([SQLITE3, s.path, f"SELECT payload FROM api_keys WHERE hash = X'{hexhash}'"], env, None)])
    return v, q


def build_patterns(root, n):
    stores = {}
    if ONLY_USAGE:
        log(f"N={n}: batches")
        s = Store(root, "batches").init()
        for _ in range(5):
            s.create(n // 5)
        return {"batches": s}
    log(f"N={n}: small")
    s = Store(root, "small").init()
    singles = min(1000, n // 2)
    s.create(n - singles)
    for _ in range(singles):
        s.create(1)
    for k in random.Random(1).sample(s.keys, singles):
        s.run(["key", "verify", "-q"], stdin=(k + "\n").encode())
    stores["small"] = s

    log(f"N={n}: batches")
    s = Store(root, "batches").init()
    for _ in range(5):
        s.create(n // 5)
    stores["batches"] = s

    log(f"N={n}: streams")
    s = Store(root, "streams").init()
    s.create(n)
    rng = random.Random(2)
    for _ in range(2):
        s.stream([rng.choice(s.keys) for _ in range(n)])
    stores["streams"] = s

    log(f"N={n}: crash")
    s = Store(root, "crash").init()
    s.create(n // 2)
    p = subprocess.Popen([BIN, "key", "create", "--project", "bench", "--count", str(n), "-q"], env=s.env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wal = s.path + "-wal"
    deadline = time.time() + 600
    while p.poll() is None and time.time() < deadline:
        if os.path.exists(wal) and os.path.getsize(wal) > 8 << 20:
            break
        time.sleep(0.01)
    crashed = p.poll() is None
    if crashed:
        os.kill(p.pid, signal.SIGKILL)
    p.wait()
    s.crashed_wal = os.path.getsize(wal) if os.path.exists(wal) else 0
    s.crash_note = "killed" if crashed else "finished before its WAL passed 8 MiB"
    s.create(n - n // 2)
    stores["crash"] = s

    log(f"N={n}: concurrent")
    s = Store(root, "concurrent").init()
    s.create(min(n, 1000))
    lines = "".join(random.Random(3).choice(s.keys) + "\n" for _ in range(n)).encode()
    procs = [subprocess.Popen(["sh", "-c", f'for i in 1 2 3 4 5; do "{BIN}" key create --project bench --count {max(n // 20 - 50, 1)} -q || exit 1; done'],
                              env=s.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) for _ in range(4)]
    stream = subprocess.Popen([BIN, "key", "verify", "--stream"], env=s.env, stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stream.communicate(lines)
    for p in procs:
        out, _ = p.communicate()
        assert p.returncode == 0, "a concurrent batch failed"
        s.keys += out.decode().split()
    stores["concurrent"] = s
    return stores


def main():
    if os.environ.get("KEYCTL_BENCH_NO_BUILD") != "1":
        subprocess.run(["cargo", "build", "--release", "--locked", "--bin", "keyctl", "--example", "verify_floor"],
                       cwd=ROOT, check=True)
    rows = []  # (figure, target, {n: text})

    def put(figure, target, n, text):
        log(f"N={n}: {figure}: {text}")
        for r in rows:
            if r[0] == figure:
                r[2][n] = text
                return
        rows.append((figure, target, {n: text}))

    load_start = open("/proc/loadavg").read().split()[:3]
    for n in NS:
        root = tempfile.mkdtemp(prefix="keyctl-patterns.")
        try:
            stores = build_patterns(root, n)
            for name, s in ([] if ONLY_USAGE else stores.items()):
                keys = int(subprocess.run([SQLITE3, s.path, "SELECT count(*) FROM api_keys"], capture_output=True,
                                          check=True).stdout)
                per_key = s.disk_bytes() / keys
                wal = os.path.getsize(s.path + "-wal") if os.path.exists(s.path + "-wal") else 0
                extra = f", crashed batch left {s.crashed_wal / 1048576:.0f} MiB of WAL ({s.crash_note})" if name == "crash" else ""
                put(f"bytes per key on disk (db+WAL+SHM), `{name}`", "<= 400 B", n,
                    f"{per_key:.0f} B ({keys:,} keys, WAL {wal / 1048576:.2f} MiB{extra})")
                log(f"N={n} {name}: single-shot verify vs sqlite3")
                v, q = verify_vs_sqlite(s)
                put(f"single-shot `key verify` / sqlite3 lookup, `{name}`", "<= 1.5x", n,
                    f"{v * 1e3:.2f} ms / {q * 1e3:.2f} ms = {v / q:.2f}x")

            s = stores["batches"]
            env = dict(s.env)
            if not ONLY_USAGE:
                figures_of_a_large_store(root, n, s, env, put)
            usage_figures(n, s, env, put)
        finally:
            if os.environ.get("KEYCTL_BENCH_KEEP") == "1":
                log("kept", root)
            else:
                shutil.rmtree(root, ignore_errors=True)
    report(rows, load_start)


def figures_of_a_large_store(root, n, s, env, put):
    log(f"N={n}: key create --count {n} (RSS) vs the insert floor")
    wall, rss, _ = peak_rss([BIN, "key", "create", "--project", "bench", "--count", str(n), "-q"], env)
    floor_file = os.path.join(root, "floor.db")
    per_insert = float(subprocess.run([FLOOR, "--insert", str(n), floor_file], capture_output=True,
                                      check=True).stdout)
    put("`key create --count N -q`: peak RSS", "<= 200 MiB (1M)", n, f"{rss:.0f} MiB")
    put("`key create --count N -q` per key / floor insert", "<= 3x", n,
        f"{wall / n * 1e6:.1f} µs / {per_insert * 1e6:.1f} µs = {wall / n / per_insert:.2f}x")

    lines_n = min(n, 200_000)
    rng = random.Random(4)
    lines = "".join(rng.choice(s.keys) + "\n" for _ in range(lines_n)).encode()
    log(f"N={n}: --stream {lines_n} lines vs the in-process floor")
    best = 0.0
    for _ in range(2):
        subprocess.run(["sync"])
        t = timed([BIN, "key", "verify", "--stream"], env, lines)
        best = max(best, lines_n / t)
    floor = float(subprocess.run([FLOOR, s.path], input=lines, capture_output=True, check=True).stdout)
    put("`--stream` (recording) verifies/s / floor", ">= 0.5x", n,
        f"{best:,.0f} / {floor:,.0f} = {best / floor:.2f}x")

    log(f"N={n}: init and unlock vs one PBKDF2 600k")
    kdf = min(float(subprocess.run([FLOOR, "--kdf"], capture_output=True, check=True).stdout) for _ in range(3))
    inits = []
    for i in range(3):
        t = Store(root, f"init{i}")
        t0 = time.perf_counter()
        t.run(["init"], env={"KEYCTL_PASSPHRASE": PASS})
        inits.append(time.perf_counter() - t0)
    unlock_env = {k: v for k, v in env.items() if k != "KEYCTL_STORE_KEY"}
    unlock_env["KEYCTL_PASSPHRASE"] = PASS
    unlock = min(timed([BIN, "org", "list"], unlock_env) for _ in range(3))
    put("`init` / one PBKDF2-HMAC-SHA256 600k", "<= 1.2x", n,
        f"{min(inits) * 1e3:.0f} ms / {kdf * 1e3:.0f} ms = {min(inits) / kdf:.2f}x")
    put("passphrase unlock (`org list`) / PBKDF2 600k", "<= 1.2x", n,
        f"{unlock * 1e3:.0f} ms / {kdf * 1e3:.0f} ms = {unlock / kdf:.2f}x")



def usage_figures(n, s, env, put):
    log(f"N={n}: list and create before and after 10 usage rows per key")
    lst = [BIN, "key", "list", "-o", "json"]
    mk = [BIN, "key", "create", "--project", "bench", "--count", "1000", "-q"]
    before_list = min(timed(lst, env) for _ in range(3))
    before_create = min(timed(mk, env) for _ in range(3))
    today = int(time.time()) // 86400
    subprocess.run([SQLITE3, s.path, f"""
        BEGIN;
        INSERT INTO usage (key_id, project_id, day, requests, cost, last_at)
          SELECT k.id, k.project_id, {today} - d.d, 3, 0, {today} * 86400
          FROM api_keys k, (WITH RECURSIVE d(d) AS (SELECT 1 UNION ALL SELECT d + 1 FROM d WHERE d < 10)
                            SELECT d FROM d) d
          WHERE true ON CONFLICT DO NOTHING;
        INSERT INTO usage_projects (project_id, day, requests, cost)
          SELECT project_id, day, sum(requests), sum(cost) FROM usage WHERE day < {today} GROUP BY 1, 2
          ON CONFLICT DO UPDATE SET requests = excluded.requests, cost = excluded.cost;
        COMMIT;"""], check=True)
    rows_now = int(subprocess.run([SQLITE3, s.path, "SELECT count(*) FROM usage"], capture_output=True,
                                  check=True).stdout)
    after_list = min(timed(lst, env) for _ in range(3))
    after_create = min(timed(mk, env) for _ in range(3))
    usage = min(timed([BIN, "usage", "--by", "key", "--since",
                       time.strftime("%Y-%m-%dT00:00:00Z", time.gmtime((today - 31) * 86400))], env) for _ in range(3))
    put("`key list -o json` with / without usage", "<= 2x", n,
        f"{after_list:.2f} s / {before_list:.2f} s = {after_list / before_list:.2f}x ({rows_now:,} usage rows)")
    put("`key create --count 1000` with / without usage", "<= 2x", n,
        f"{after_create * 1e3:.0f} ms / {before_create * 1e3:.0f} ms = {after_create / before_create:.2f}x")
    put("`usage --by key --since 31 days ago`", "< 1 s", n, f"{usage * 1e3:.0f} ms")


def report(rows, load_start):
    load_end = open("/proc/loadavg").read().split()[:3]
    head = "| figure | target | " + " | ".join(f"N = {n:,}" for n in NS) + " |"
    sep = "|---|---|" + "---:|" * len(NS)
    table = [head, sep] + [f"| {f} | {t} | " + " | ".join(v.get(n, "") for n in NS) + " |" for f, t, v in rows]
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True).stdout.decode().strip()
    header = [f"bench/patterns.py, N = {' '.join(map(str, NS))}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit `{commit}`",
              f"machine: {os.cpu_count()} CPUs ({cpu}); load average {' '.join(load_start)} at start, {' '.join(load_end)} at end"]
    text = "\n".join(header) + "\n\n" + "\n".join(table) + "\n"
    print(text)
    if os.environ.get("KEYCTL_BENCH_RESULTS"):
        with open(os.environ["KEYCTL_BENCH_RESULTS"], "a") as f:
            f.write("\n" + text)


if __name__ == "__main__":
    main()
