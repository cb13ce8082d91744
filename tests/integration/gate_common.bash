# gate_common.bash — helpers for the gate_*.sh end-to-end tests (sourced
# after lib.sh): a test rule file, waiting for pending requests, and the
# id of the n-th pending request.
#
# Agents under test run real programs by absolute path (/usr/bin/touch) so
# that each gated action is exactly one request.

RULES="$T/rules.toml"
cat >"$RULES" <<'TOML'
version = 1
[defaults]
decision = "allow"
timeout = "30s"

[[rule]]
id = "gate-touch"
description = "creating files needs approval"
kind = "exec"
program = ["touch"]
decision = "approve"
risk = "medium"

[[rule]]
id = "two-person-mkdir"
description = "mkdir needs two reviewers"
kind = "exec"
program = ["mkdir"]
decision = "approve"
approvals = 2
risk = "high"

[[rule]]
id = "no-rm"
description = "rm is forbidden"
kind = "exec"
program = ["rm"]
decision = "deny"
risk = "high"
TOML
chmod 600 "$RULES"

if [ ! -x "$INTERLOCK" ] || [ ! -f "$SHIM" ]; then
  skip "gate tests" "build $INTERLOCK and $SHIM first"
  finish
  exit $?
fi

# pending_ids: ids of every pending request, one per line.
pending_ids() {
  "$INTERLOCK" pending --json 2>/dev/null |
    python3 -c 'import json,sys; [print(r["id"]) for r in json.load(sys.stdin)]'
}
# pending_count: how many requests are pending.
pending_count() { pending_ids | wc -l; }
# wait_pending N: until at least N requests are pending.
_has_pending() { [ "$(pending_count)" -ge "$1" ]; }
wait_pending() { wait_for _has_pending "$1"; }
# audit_has FILE EVENT-or-DECISION: a record with that event or decision.
audit_has() {
  python3 - "$1" "$2" <<'PY'
import json, sys
path, want = sys.argv[1], sys.argv[2]
for line in open(path):
    r = json.loads(line)
    if r.get("event") == want or r.get("decision") == want or r.get("decided_by") == want:
        sys.exit(0)
sys.exit(1)
PY
}

# Under `make asan`, interlock commands run inside the agent (which has the
# shim preloaded) must not refuse to start over the library order.
if [ -n "${ASAN_OPTIONS:-}" ]; then
  export ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0"
fi
