#!/usr/bin/env bash
# limits_argv.sh — oversized argv near ARG_MAX. Under `--enforce preload`:
# an allowed exec with ~1.9 MB of arguments runs, a denied one (same size)
# does not, a gated one is pending (its description bounded, `interlock
# pending` works), approved and runs; 100,000 tiny arguments (more than
# the wire's 65,536) fail closed (EACCES). Under `--enforce both` the
# seccomp supervisor refuses argv over 1 MiB / 4,096 strings with E2BIG
# (fail closed) and small ones still run. The sidecar survives all of it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gate_common.bash"
cd "$T"
AUDIT="$T/audit.jsonl"

cat >"$T/big.py" <<'PY'
import os, subprocess, sys
mode, what, target = sys.argv[1], sys.argv[2], sys.argv[3]
big = ["%02d" % i + "a" * (127 * 1024) for i in range(15)]      # ~1.9 MB
tiny = ["x"] * 100000
def run(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True)
        print("%s rc=%d out=%s err=%s" % (what, p.returncode, p.stdout.strip()[:40],
                                          p.stderr.strip().replace("\n", " ")[:300]))
    except OSError as e:
        print("%s oserror=%s" % (what, e.strerror))
if what == "allowed":
    run(["/bin/sh", "-c", 'echo ran $#', "sh"] + big)
elif what == "denied":
    run(["/usr/bin/rm", "-f", target] + big)
elif what == "gated":
    run(["/usr/bin/touch", target] + big[:2])
elif what == "tiny":
    run(["/bin/sh", "-c", 'echo ran $#', "sh"] + tiny)
elif what == "small":
    run(["/bin/sh", "-c", 'echo ran $#', "sh", "a", "b"])
PY
agent() { "$INTERLOCK" run --enforce "$1" --rules "$RULES" --audit "$AUDIT" -- python3 "$T/big.py" "$1" "$2" "${3:-}" >>"$T/out.$1" 2>&1; }

echo keep >"$T/victim"
agent preload allowed
check "preload: allowed 1.9 MB argv ran with all 15 arguments" grep -q 'allowed rc=0 out=ran 15' "$T/out.preload"
agent preload denied "$T/victim"
check "preload: denied 1.9 MB argv did not run" test -e "$T/victim"
check "preload: denied exec failed with EACCES" grep -q 'denied oserror=Permission denied' "$T/out.preload"
check "preload: the deny is audited with its rule" grep -q '"rule":"no-rm"\|"no-rm"' "$AUDIT"

agent preload gated "$T/gated-made" &
ap=$!
check "preload: gated 1.9 MB argv is pending" wait_pending 1
"$INTERLOCK" pending --json >"$T/pending.json"; st=$?
check "preload: interlock pending lists it" test $st -eq 0
alen=$(python3 -c 'import json,sys; print(max(len(r["action"]) for r in json.load(open(sys.argv[1]))))' "$T/pending.json" 2>/dev/null || echo 0)
check "preload: its description is bounded ($alen chars)" test "$alen" -gt 0 -a "$alen" -lt 16384
id=$(pending_ids | head -n1)
"$INTERLOCK" approve "$id" >/dev/null
wait $ap
check "preload: approved 1.9 MB argv exec ran" test -e "$T/gated-made"

agent preload tiny
if grep -q 'tiny rc=0 out=ran 100000' "$T/out.preload"; then
  pass "preload: 100,000 arguments ran"
else
  check "preload: 100,000 arguments (over the wire's 65,536) fail closed (EACCES)" \
    grep -q 'tiny oserror=Permission denied' "$T/out.preload"
fi
agent preload small
check "preload: the sidecar still serves afterwards" grep -q 'small rc=0 out=ran 2' "$T/out.preload"

if "$INTERLOCK" run --enforce seccomp -- /usr/bin/true 2>/dev/null; then
  agent both allowed
  check "both: 1.9 MB argv is refused by the supervisor (E2BIG), not run" grep -q 'allowed oserror=Argument list too long' "$T/out.both"
  agent both tiny
  check "both: 100,000 arguments fail closed" grep -q 'tiny oserror=\(Argument list too long\|Permission denied\)' "$T/out.both"
  agent both small
  check "both: small argv still runs" grep -q 'small rc=0 out=ran 2' "$T/out.both"
else
  skip "both: oversized argv" "seccomp user notification unavailable"
fi
check "audit log verifies" "$INTERLOCK" audit verify "$AUDIT"
cat "$T"/out.* | cut -c1-200
finish
