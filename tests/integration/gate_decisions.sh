#!/usr/bin/env bash
# gate_decisions.sh — approve, deny, timeout and rule-deny paths under
# `interlock run --approver cli`, asserted on what happened to the files;
# exit status propagation; the audit log verifies afterwards.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gate_common.bash"
cd "$T"
AUDIT="$T/audit.jsonl"

# approve: the file appears
"$INTERLOCK" run --rules "$RULES" --audit "$AUDIT" -- sh -c "/usr/bin/touch $T/approved; echo rc=\$?" >out1 2>err1 &
run=$!
if wait_pending 1; then
  id=$(pending_ids | head -n1)
  check "interlock pending shows the action" sh -c "'$INTERLOCK' pending | grep -q 'touch $T/approved'"
  check "approve succeeds" "$INTERLOCK" approve "$id" --reason "looks fine"
else
  fail "approve: request never became pending"
fi
wait $run; st=$?
check "approved: file created" test -f "$T/approved"
check "approved: touch exited 0" grep -q 'rc=0' out1
check "approved: run exits 0" test $st -eq 0

# deny by a reviewer: no file, reason on the agent's stderr
"$INTERLOCK" run --rules "$RULES" --audit "$AUDIT" -- sh -c "/usr/bin/touch $T/denied; echo rc=\$?" >out2 2>err2 &
run=$!
if wait_pending 1; then
  "$INTERLOCK" deny "$(pending_ids | head -n1)" --reason "not today" >/dev/null
fi
wait $run
check "denied: no file" test ! -e "$T/denied"
check "denied: touch failed" grep -q 'rc=126' out2
check "denied: the reason reaches the agent" grep -q 'not today' err2

# timeout: nobody answers -> deny after --timeout
start=$SECONDS
"$INTERLOCK" run --rules "$RULES" --audit "$AUDIT" --timeout 1s -- sh -c "/usr/bin/touch $T/timedout; echo rc=\$?" >out3 2>err3
check "timeout: no file" test ! -e "$T/timedout"
check "timeout: reason says timed out" grep -q 'timed out after 1s' err3
check "timeout: released promptly" test $((SECONDS - start)) -le 5

# rule deny: immediate, message names the rule
"$INTERLOCK" run --rules "$RULES" --audit "$AUDIT" -- sh -c "echo x >$T/keep; /usr/bin/rm -f $T/keep; echo rc=\$?" >out4 2>err4
check "rule deny: file kept" test -f "$T/keep"
check "rule deny: message names the rule" grep -q 'denied exec /usr/bin/rm -f .* (rule no-rm: rm is forbidden)' err4

# exit status propagation
"$INTERLOCK" run --rules "$RULES" -- sh -c 'exit 7'; st=$?
check "exit status 7 propagates" test $st -eq 7
"$INTERLOCK" run --rules "$RULES" -- sh -c 'kill -KILL $$'; st=$?
check "killed by SIGKILL -> 137" test $st -eq 137
"$INTERLOCK" run --rules "$RULES" -- sh -c 'kill -TERM $$'; st=$?
check "killed by SIGTERM -> 143" test $st -eq 143
"$INTERLOCK" run --rules "$RULES" -- /nonexistent/program 2>/dev/null; st=$?
check "missing program -> 127" test $st -eq 127

# the run waits for orphaned descendants (subreaper)
"$INTERLOCK" run --rules "$RULES" -- sh -c "(sleep 1; echo late >$T/orphan) & exit 0"
check "run waits for orphaned descendants" test -f "$T/orphan"

# two-person rule: one reviewer is not enough, and cannot count twice
"$INTERLOCK" run --rules "$RULES" --audit "$AUDIT" --timeout 3s -- sh -c "/usr/bin/mkdir $T/twoperson; echo rc=\$?" >out5 2>err5 &
run=$!
if wait_pending 1; then
  id=$(pending_ids | head -n1)
  "$INTERLOCK" approve "$id" >/dev/null
  check "same reviewer twice is refused" sh -c "! '$INTERLOCK' approve $id 2>/dev/null"
fi
wait $run
check "two-person: one approval is not enough" test ! -e "$T/twoperson"

# the audit log
check "audit log verifies" "$INTERLOCK" audit verify "$AUDIT"
check "audit has a reviewer decision" audit_has "$AUDIT" reviewer
check "audit has a timeout" audit_has "$AUDIT" timeout

# bad rules: refuse to start, with FILE:LINE:COL
printf 'version = 1\n[[rule]]\nid = 3\n' >"$T/bad.toml"; chmod 600 "$T/bad.toml"
"$INTERLOCK" run --rules "$T/bad.toml" -- true 2>err6; st=$?
check "invalid rules refuse to start" test $st -ne 0
check "load error names FILE:LINE:COL" grep -q "bad.toml:[0-9]*:[0-9]*:" err6

finish
