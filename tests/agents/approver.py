#!/usr/bin/env python3
"""approver.py -- the human in the agent tests: approve what the test wants
approved, leave the rest to time out.

    python3 approver.py --interlock BIN --log FILE --stop FILE
                        [--approve-prefix agents-approve-]

Polls `interlock pending --json` (every sidecar of this user, found through
XDG_RUNTIME_DIR) every 100 ms until the --stop file exists. Every request
it sees is logged once to --log as a JSON line {"id", "rules", "action",
"approved"}; a request whose matched rules include one starting with
--approve-prefix is approved with `interlock approve ID` (retried until
`approve` succeeds, then never again). Requests
matched by other rules are left pending, so they time out and are denied.
"""
import argparse
import json
import os
import subprocess
import sys
import time


def poll(a, seen, log):
    """One round: list pending requests, log new ones, approve the wanted."""
    try:
        p = subprocess.run([a.interlock, "pending", "--json"], capture_output=True, text=True, timeout=10)
        pending = json.loads(p.stdout) if p.stdout.strip() else []
    except (subprocess.SubprocessError, ValueError, OSError) as e:
        print(f"approver: pending failed: {e}", file=sys.stderr)
        return
    for r in pending if isinstance(pending, list) else []:
        rid = r.get("id") if isinstance(r, dict) else None
        if not rid or rid in seen:
            continue
        seen.add(rid)
        rules = r.get("rules") or []
        want = any(isinstance(x, str) and x.startswith(a.approve_prefix) for x in rules)
        ok = False
        if want:
            try:
                q = subprocess.run([a.interlock, "approve", rid, "--reason", "agent test approves"],
                                   capture_output=True, text=True, timeout=10)
                ok = q.returncode == 0
                if not ok:
                    print(f"approver: approve {rid} failed: {q.stderr.strip()}", file=sys.stderr)
            except (subprocess.SubprocessError, OSError) as e:
                print(f"approver: approve {rid} failed: {e}", file=sys.stderr)
            if not ok:
                seen.discard(rid)      # try again next round
                continue
        log.write(json.dumps({"id": rid, "rules": rules, "action": r.get("action"),
                              "approved": ok}) + "\n")
        log.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--interlock", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--stop", required=True)
    ap.add_argument("--approve-prefix", default="agents-approve-")
    a = ap.parse_args()
    seen = set()
    with open(a.log, "a", encoding="utf-8") as log:
        while not os.path.exists(a.stop):
            try:
                poll(a, seen, log)
            except Exception as e:  # keep playing the human whatever happens
                print(f"approver: {type(e).__name__}: {e}", file=sys.stderr)
            time.sleep(0.1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
