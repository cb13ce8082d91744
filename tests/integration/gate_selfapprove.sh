#!/usr/bin/env bash
# gate_selfapprove.sh — the agent cannot approve its own request: an
# `interlock approve` run from inside the agent's process tree (even from
# a double-forked, re-parented process) is refused and audited, and the
# action does not happen.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gate_common.bash"
cd "$T"
AUDIT="$T/audit.jsonl"
export INTERLOCK

cat >"$T/agent.sh" <<AGENT
#!/bin/sh
/usr/bin/touch "$T/self" &
# find our own pending request and try to approve it
i=0
while [ \$i -lt 100 ]; do
  id=\$("\$INTERLOCK" pending --json | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r[0]["id"] if r else "")')
  [ -n "\$id" ] && break
  sleep 0.05; i=\$((i+1))
done
echo "id=\$id"
"\$INTERLOCK" approve "\$id" >"$T/approve.out" 2>&1; echo "approve_rc=\$?"
# a double fork: the grandchild is re-parented to the launcher (subreaper)
( ( sleep 0.2; "\$INTERLOCK" approve "\$id" >"$T/approve2.out" 2>&1; echo "rc=\$?" >"$T/approve2.rc" ) & )
sleep 0.6
wait
AGENT
chmod 700 "$T/agent.sh"

"$INTERLOCK" run --rules "$RULES" --audit "$AUDIT" --timeout 3s -- "$T/agent.sh" >out 2>err
check "agent saw its request" grep -q 'id=r-' out
check "self-approval refused (exit 1)" grep -q 'approve_rc=1' out
check "refusal names the process tree" grep -q 'process tree' "$T/approve.out"
check "double-forked self-approval refused" grep -q 'rc=1' "$T/approve2.rc"
check "the action did not happen" test ! -e "$T/self"
check "refusal is audited" audit_has "$AUDIT" self_approval_refused
check "audit log verifies" "$INTERLOCK" audit verify "$AUDIT"

# The same request approved from outside the tree works.
"$INTERLOCK" run --rules "$RULES" --audit "$AUDIT" -- sh -c "/usr/bin/touch $T/outside" >out2 2>err2 &
run=$!
wait_pending 1 && "$INTERLOCK" approve "$(pending_ids | head -n1)" >/dev/null
wait $run
check "approval from outside the tree works" test -f "$T/outside"

finish
