#!/usr/bin/env python3
"""check.py — the soak test's verdict: compares what the agents saw
(outcome.log: "MARKER RC"), what actually ran (ran.log: one MARKER per
execution), what the reviewer chose (decisions.jsonl) and what the audit
log says. Prints one "ok DESCRIPTION" or "FAIL DESCRIPTION: why" line per
property and a summary; exits 1 on any failure.
"""
import argparse
import collections
import json
import re
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--expected", type=int, required=True)
ap.add_argument("--outcomes", required=True)
ap.add_argument("--ran", required=True)
ap.add_argument("--decisions", required=True)
ap.add_argument("--audit", required=True)
ap.add_argument("--full-from", type=int, default=0)
ap.add_argument("--full-until", type=int, default=0)
ap.add_argument("--audit-failures", type=int, default=-1,
                help="how many audit appends the sidecar reported failing (disk full)")
ap.add_argument("--slack-ms", type=int, default=20000,
                help="a request seen this close to the disk-full window may lack its record")
a = ap.parse_args()

failed = 0


def result(ok, what, why=""):
    global failed
    if ok:
        print("ok " + what)
    else:
        failed += 1
        print("FAIL " + what + (": " + why if why else ""))


MARK = re.compile(r"SOAK=(a\d+w\d+i\d+)")


def lines(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return [l.rstrip("\n") for l in f if l.strip()]
    except FileNotFoundError:
        return []


outcome = {}
dup_outcomes = 0
for l in lines(a.outcomes):
    m, rc = l.split()
    if m in outcome:
        dup_outcomes += 1
    outcome[m] = int(rc)
ran = collections.Counter(lines(a.ran))

choice, seen_at, action_of = {}, {}, {}
for l in lines(a.decisions):
    d = json.loads(l)
    if "choice" in d:
        choice[d["id"]] = d["choice"]
        seen_at[d["id"]] = d.get("t", 0)
        mm = MARK.search(d.get("action", ""))
        if mm:
            action_of[d["id"]] = mm.group(1)

finals = collections.defaultdict(list)   # request id -> final records
allowed_markers = collections.Counter()
for l in lines(a.audit):
    r = json.loads(l)
    rid = r.get("request_id")
    if not rid:
        continue
    ev = r.get("event")
    if ev == "decision" and r.get("decision") in ("allow", "deny") or ev == "request_cancelled":
        finals[rid].append(r)
        argv = ((r.get("action") or {}).get("argv")) or []
        mm = next((MARK.search(x) for x in argv if MARK.search(x)), None)
        if mm:
            action_of.setdefault(rid, mm.group(1))
            if ev == "decision" and r.get("decision") == "allow":
                allowed_markers[mm.group(1)] += 1
                if r.get("decided_by") != "reviewer":
                    result(False, "an allowed gated action was allowed by a reviewer",
                           "%s decided_by %s" % (rid, r.get("decided_by")))

# 1. every action finished, once
result(len(outcome) == a.expected and dup_outcomes == 0,
       "every one of the %d actions got exactly one outcome" % a.expected,
       "%d outcomes, %d duplicates" % (len(outcome), dup_outcomes))
# 2. nothing ran twice
twice = [m for m, n in ran.items() if n > 1]
result(not twice, "no action ran twice", ", ".join(twice[:10]))
# 3. the outcome the agent saw matches what happened
mismatch = [m for m, rc in outcome.items() if (rc == 0) != (ran[m] > 0)]
result(not mismatch, "every action's outcome matches whether it ran",
       ", ".join("%s rc=%d ran=%d" % (m, outcome[m], ran[m]) for m in mismatch[:10]))
strays = [m for m in ran if m not in outcome]
result(not strays, "nothing ran that the agents did not ask for", ", ".join(strays[:10]))
# 4. what ran was approved by a reviewer, with exactly one allow record
unapproved = [m for m in ran if allowed_markers[m] != 1]
result(not unapproved, "every action that ran has exactly one audited reviewer approval",
       ", ".join("%s (%d allow records)" % (m, allowed_markers[m]) for m in unapproved[:10]))
# 5. denied or unanswered requests did not run
bad = [rid for rid, c in choice.items() if c in ("deny", "never") and ran[action_of.get(rid, "")] > 0]
result(not bad, "no action the reviewer denied or left unanswered ran",
       ", ".join("%s (%s, %s)" % (r, choice[r], action_of.get(r)) for r in bad[:10]))
# 6. exactly one final record per request
multi = [rid for rid, rs in finals.items() if len(rs) > 1]
result(not multi, "no request has more than one final audit record",
       ", ".join("%s: %s" % (r, [x.get("event") + "/" + str(x.get("decision")) for x in finals[r]])
                 for r in multi[:10]))
missing = [rid for rid in choice if rid not in finals]
unexplained = []
for rid in missing:
    t = seen_at.get(rid, 0)
    near_full = a.full_from and a.full_from - a.slack_ms <= t <= a.full_until + a.slack_ms
    if not near_full or ran[action_of.get(rid, "")] > 0:
        unexplained.append(rid)
result(not unexplained,
       "every request has exactly one final record (none only if decided while the audit disk was full, "
       "and then it did not run)",
       "%d without a final record: %s" % (len(unexplained), ", ".join(unexplained[:10])))

if a.audit_failures >= 0:
    result(len(missing) <= a.audit_failures,
           "requests without a final record (%d) are no more than the audit appends that failed (%d)"
           % (len(missing), a.audit_failures))
n_ran = sum(1 for m in ran)
# 7. the soak exercised what it claims: reviewers saw most actions, and
# approvals, denials and timeouts all happened
result(len(choice) >= a.expected // 2, "the reviewer saw at least half of the actions as requests",
       "%d of %d" % (len(choice), a.expected))
result(n_ran > 0 and n_ran < len(outcome), "some actions ran and some were denied",
       "%d of %d ran" % (n_ran, len(outcome)))
by = collections.Counter(r[-1].get("decided_by") for r in finals.values())
result(by["reviewer"] > 0 and by["timeout"] > 0, "decisions by reviewers and by the deadline were audited",
       str(dict(by)))
print("summary: %d actions, %d ran, %d denied/failed; reviewer saw %d requests "
      "(approve %d, deny %d, never %d); %d audited requests, %d without a record near the disk-full window"
      % (len(outcome), n_ran, len(outcome) - n_ran, len(choice),
         sum(1 for c in choice.values() if c == "approve"), sum(1 for c in choice.values() if c == "deny"),
         sum(1 for c in choice.values() if c == "never"), len(finals), len(missing) - len(unexplained)))
sys.exit(1 if failed else 0)
