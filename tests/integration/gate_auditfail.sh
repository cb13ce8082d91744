#!/usr/bin/env bash
# gate_auditfail.sh — fail closed on the audit log: an audit file that
# cannot be opened stops `interlock run` before the agent starts; one that
# cannot be appended to (file size limit reached) turns approvals and
# audited allows into denies with the audit error as the reason.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gate_common.bash"
cd "$T"

"$INTERLOCK" run --rules "$RULES" --audit /dev/full -- sh -c "echo ran >$T/ran" 2>err1; st=$?
check "unusable audit file: refuses to start" test $st -ne 0
check "unusable audit file: agent never ran" test ! -e "$T/ran"
check "unusable audit file: says why" grep -q '/dev/full' err1

mkdir "$T/ro"; chmod 500 "$T/ro"
if [ "$(id -u)" -ne 0 ]; then
  "$INTERLOCK" run --rules "$RULES" --audit "$T/ro/audit.jsonl" -- true 2>err2; st=$?
  check "read-only audit dir: refuses to start" test $st -ne 0
else
  skip "read-only audit dir" "root ignores directory permissions"
fi

# The first record (session_start) fits in 1 KiB; the next does not.
AUDIT="$T/small.jsonl"
(
  ulimit -f 1
  exec "$INTERLOCK" run --rules "$RULES" --audit "$AUDIT" -- sh -c "/usr/bin/touch $T/gated; echo rc=\$? >$T/gated.rc" 2>err3
) &
run=$!
if wait_pending 1; then
  "$INTERLOCK" approve "$(pending_ids | head -n1)" >/dev/null 2>&1
fi
wait $run
check "approved but unaudited action is denied" grep -q 'rc=126' "$T/gated.rc"
check "nothing executed" test ! -e "$T/gated"
check "the agent sees the audit error" grep -q 'audit' err3
check "the log is still a valid chain" "$INTERLOCK" audit verify "$AUDIT"

finish
