"""Check API keys through one long-running `keyctl key verify --stream` co-process.

Keys come one per line on stdin here; a server calls check() from its request handler
(one co-process per worker; calls must not interleave). Needs keyctl on PATH and
KEYCTL_STORE / KEYCTL_STORE_KEY in the environment.
"""
import json
import subprocess
import sys

keyctl = subprocess.Popen(
    ["keyctl", "key", "verify", "--stream", "--require", "models:read"],
    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
)


def check(key):
    if not key.isprintable():  # a newline inside would be read as two keys
        return {"valid": False, "code": "MALFORMED"}
    keyctl.stdin.write(key + "\n")  # one key per line in ...
    answer = keyctl.stdout.readline()  # ... one JSON object per line out
    if not answer:
        raise RuntimeError("keyctl key verify --stream exited; see its stderr")
    return json.loads(answer)


for line in sys.stdin:
    result = check(line.strip())
    if result["valid"]:
        limit = result["ratelimit"]
        print("allow", result["key_id"], "remaining", limit["remaining"] if limit else "-")
    else:
        print("deny", result["code"])
keyctl.stdin.close()
keyctl.wait()
