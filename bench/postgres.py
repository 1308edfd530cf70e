#!/usr/bin/env python3
"""bench/postgres.py: keyctl on PostgreSQL beside SQLite (issue 12), each figure beside its
floor measured in the same run, and the ratios.

Usage:   bench/postgres.py                        # N = 10000
         KEYCTL_BENCH_N="10000 100000" bench/postgres.py

For each N and each backend (a file store; a fresh schema of KEYCTL_BENCH_POSTGRES, default
postgres://postgres@127.0.0.1:5432/test, dropped at the end):
  create   `key create --count N` wall time per key (best of two batches of N/2);
  single   a single-shot recorded `key verify --from-env` (median of runs), against its
           floor: `psql -c` doing one indexed lookup of a stored hash (PostgreSQL) or the
           sqlite3 CLI doing the same on the file (SQLite); target <= 1.5x on PostgreSQL;
  stream   `key verify --stream` of min(N, 20000) recorded lines, in lines per second, against
           the in-process floor (examples/pg_floor: one prepared indexed SELECT per line on
           one connection; examples/verify_floor on the file); targets on PostgreSQL:
           >= 0.4x its floor and >= 1/3 of SQLite's stream.
The machine is shared: every ratio is against a floor measured in the same run, alternating
with the command it bounds. Environment: KEYCTL_BENCH_N, KEYCTL_BENCH_RUNS (single-shot runs per
round, default 10), KEYCTL_BENCH_NO_BUILD=1, KEYCTL_BENCH_POSTGRES, KEYCTL_BENCH_PROFILE.
"""

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NS = [int(n) for n in os.environ.get("KEYCTL_BENCH_N", "10000").split()]
RUNS = int(os.environ.get("KEYCTL_BENCH_RUNS", "10"))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
PROFILE = os.environ.get("KEYCTL_BENCH_PROFILE", "release")  # "debug" only to try the script out
BIN = os.path.join(TARGET, PROFILE, "keyctl")
PG_FLOOR = os.path.join(TARGET, PROFILE, "examples", "pg_floor")
SQ_FLOOR = os.path.join(TARGET, PROFILE, "examples", "verify_floor")
SQLITE3 = shutil.which("sqlite3") or "/usr/bin/sqlite3"
PSQL = shutil.which("psql") or "/usr/bin/psql"
SERVER = os.environ.get("KEYCTL_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/test")
PASS = "bench-passphrase"


def log(*a):
    print("bench:", *a, file=sys.stderr, flush=True)


class Store:
    def __init__(self, root, backend, n):
        self.backend = backend
        self.dir = os.path.join(root, f"{backend}-{n}")
        os.makedirs(self.dir)
        if backend == "postgres":
            self.schema = f"keyctl_bench_{n}_{os.getpid()}"
            sep = "&" if "?" in SERVER else "?"
            self.location = f"{SERVER}{sep}schema={self.schema}"
        else:
            self.location = os.path.join(self.dir, "keyctl.db")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KEYCTL_")}
        self.env.update(KEYCTL_STORE=self.location, KEYCTL_CONFIG=os.path.join(self.dir, "config.toml"))
        self.env["XDG_STATE_HOME"] = os.path.join(self.dir, "state")
        self.env["XDG_RUNTIME_DIR"] = os.path.join(self.dir, "run")
        self.keys = []

    def run(self, args, stdin=None, env=None):
        r = subprocess.run([BIN] + args, input=stdin, env=dict(self.env, **(env or {})), capture_output=True)
        if r.returncode != 0:
            raise SystemExit(f"keyctl {args[:3]} on {self.backend} failed: {r.stderr.decode()}")
        return r

    def init(self):
        self.run(["init"], env={"KEYCTL_PASSPHRASE": PASS})
        key = self.run(["store", "add-key", "bench", "-q"], env={"KEYCTL_PASSPHRASE": PASS}).stdout.decode().strip()
        self.env["KEYCTL_STORE_KEY"] = key
        self.run(["project", "create", "bench"])
        return self

    def create(self, n):
        t0 = time.perf_counter()
        out = self.run(["key", "create", "--project", "bench", "--count", str(n), "-q"]).stdout.decode().split()
        secs = time.perf_counter() - t0
        assert len(out) == n, (len(out), n)
        self.keys += out
        return secs / n

    def drop(self):
        if self.backend == "postgres":
            subprocess.run([PSQL, "-q", "-d", SERVER, "-c", f"DROP SCHEMA IF EXISTS {self.schema} CASCADE"],
                           capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def timed(argv, env, stdin=None):
    t0 = time.perf_counter()
    subprocess.run(argv, env=env, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def medians(cmds, runs=RUNS, rounds=3):
    """Median wall time of each (argv, env), alternating between the commands."""
    times = [[] for _ in cmds]
    for _ in range(rounds):
        for i, (argv, env) in enumerate(cmds):
            timed(argv, env)
            times[i] += [timed(argv, env) for _ in range(runs)]
    return [statistics.median(t) for t in times]


def single(s):
    env = dict(s.env, BENCH_KEY=s.keys[len(s.keys) // 2])
    verify = [BIN, "key", "verify", "-q", "--from-env", "BENCH_KEY"]
    if s.backend == "postgres":
        hexhash = subprocess.run([PG_FLOOR, SERVER, s.schema, "--hash"], capture_output=True, check=True).stdout.decode().strip()
        floor = [PSQL, "-X", "-q", "-d", SERVER, "-c", f"SELECT payload FROM {s.schema}.api_keys WHERE hash = '\\x{hexhash}'"]
    else:
        hexhash = subprocess.run([SQLITE3, s.location, "SELECT hex(hash) FROM api_keys LIMIT 1 OFFSET 7"],
                                 capture_output=True, check=True).stdout.decode().strip()
        floor = [SQLITE3, s.location, f"SELECT payload FROM api_keys WHERE hash = X'{hexhash}'"]
    return medians([(verify, env), (floor, env)])


def stream(s, lines):
    """(keyctl lines/s, floor lines/s), best of two alternating runs each."""
    data = "".join(k + "\n" for k in lines).encode()
    floor_argv = [PG_FLOOR, SERVER, s.schema] if s.backend == "postgres" else [SQ_FLOOR, s.location]
    best_k = best_f = 0.0
    for _ in range(2):
        secs = timed([BIN, "key", "verify", "--stream"], s.env, data)
        best_k = max(best_k, len(lines) / secs)
        r = subprocess.run(floor_argv, input=data, capture_output=True, check=True)
        best_f = max(best_f, float(r.stdout.decode().strip()))
    return best_k, best_f


def main():
    if os.environ.get("KEYCTL_BENCH_NO_BUILD") != "1":
        log("building (release)")
        subprocess.run(["cargo", "build", "--locked", "--release", "--bin", "keyctl", "--example", "pg_floor",
                        "--example", "verify_floor"], cwd=ROOT, check=True)
    r = subprocess.run([PSQL, "-X", "-q", "-d", SERVER, "-c", "SELECT 1"], capture_output=True)
    if r.returncode != 0:
        raise SystemExit(f"no PostgreSQL at {SERVER}: {r.stderr.decode().strip()}")
    root = tempfile.mkdtemp(prefix="keyctl-bench-pg-")
    rows = []
    try:
        for n in NS:
            fig = {}
            for backend in ("sqlite", "postgres"):
                log(f"N={n}: {backend}: creating")
                s = Store(root, backend, n).init()
                per_key = min(s.create(n // 2), s.create(n - n // 2))
                log(f"N={n}: {backend}: single shot")
                v, f = single(s)
                count = min(n, 20000)
                rng = random.Random(n)
                log(f"N={n}: {backend}: stream of {count}")
                sk, sf = stream(s, [rng.choice(s.keys) for _ in range(count)])
                r = subprocess.run([BIN, "store", "check"], env=s.env, capture_output=True)
                if r.returncode != 0:
                    raise SystemExit(f"store check on {backend} after the bench: {r.stderr.decode()}")
                fig[backend] = dict(create=per_key, single=v, single_floor=f, stream=sk, stream_floor=sf)
                s.drop()
            rows.append((n, fig))
    finally:
        shutil.rmtree(root, ignore_errors=True)

    print("\n## keyctl on PostgreSQL beside SQLite (bench/postgres.py)\n")
    print("| N | backend | create per key | single-shot verify | its floor | ratio | stream lines/s | its floor | ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n, fig in rows:
        for b, x in fig.items():
            print(f"| {n} | {b} | {x['create'] * 1e6:.0f} µs | {x['single'] * 1e3:.1f} ms | {x['single_floor'] * 1e3:.1f} ms "
                  f"| {x['single'] / x['single_floor']:.2f}x | {x['stream']:.0f} | {x['stream_floor']:.0f} "
                  f"| {x['stream'] / x['stream_floor']:.2f}x |")
    print("\nTargets on PostgreSQL: single shot <= 1.5x its floor (psql -c, one indexed lookup); stream >= 0.4x its")
    print("floor (one prepared indexed SELECT per line, in process) and >= 1/3 of SQLite's stream.\n")
    print("| N | PG single / floor | PG stream / floor | PG stream / SQLite stream | PG create / SQLite create |")
    print("|---|---|---|---|---|")
    for n, fig in rows:
        p, q = fig["postgres"], fig["sqlite"]
        mark = lambda ok: "ok" if ok else "MISSED"
        a, b, c = p["single"] / p["single_floor"], p["stream"] / p["stream_floor"], p["stream"] / q["stream"]
        print(f"| {n} | {a:.2f}x {mark(a <= 1.5)} | {b:.2f}x {mark(b >= 0.4)} | {c:.2f}x {mark(c >= 1 / 3)} "
              f"| {p['create'] / q['create']:.2f}x |")


if __name__ == "__main__":
    main()
