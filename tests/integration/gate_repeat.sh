#!/usr/bin/env bash
# gate_repeat.sh — a denied exec is one decision: when dash retries the
# program under its next $PATH name (/usr/bin/rm denied, then /bin/rm —
# the same file on a merged-/usr system), the retry is denied at once with
# the original reason instead of asking the reviewer a second question.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gate_common.bash"
cd "$T"
AUDIT="$T/audit.jsonl"
R="$T/repeat-rules.toml"
cat >"$R" <<'TOML'
version = 1
[defaults]
decision = "allow"
timeout = "20s"
[[rule]]
id = "rm-asks"
kind = "exec"
program = ["rm"]
decision = "approve"
TOML
chmod 600 "$R"
if [ "$(readlink -f /bin/rm)" != "$(readlink -f /usr/bin/rm)" ] || ! command -v dash >/dev/null; then
  skip "repeat" "needs dash and a merged /usr (/bin/rm and /usr/bin/rm the same file)"
  finish; exit $?
fi
echo keep >victim

# reviewer denies the first question; count every question asked
PATH=/usr/bin:/bin "$INTERLOCK" run --enforce preload --rules "$R" --audit "$AUDIT" -- \
  dash -c "rm $T/victim; echo rc=\$?" >out1 2>err1 &
run=$!
asked=0
if wait_pending 1; then
  asked=1
  "$INTERLOCK" deny "$(pending_ids | head -n1)" --reason "keep it" >/dev/null
  for _ in $(seq 20); do
    sleep 0.1
    n=$(pending_ids | wc -l)
    if [ "$n" -gt 0 ]; then
      asked=$((asked + n))
      for x in $(pending_ids); do "$INTERLOCK" approve "$x" >/dev/null; done
    fi
  done
else
  fail "the first rm never became pending"
fi
wait $run
check "the reviewer was asked exactly once" test "$asked" -eq 1
check "the file survived" test -f victim
check "the retry carried the original reason" grep -q 'denied moments ago: .*keep it' err1
check "audit records the repeat" audit_has "$AUDIT" repeat

# a timed-out question is not asked again either
start=$SECONDS
PATH=/usr/bin:/bin "$INTERLOCK" run --enforce preload --rules "$R" --audit "$AUDIT" --timeout 2s -- \
  dash -c "rm $T/victim; echo rc=\$?" >out2 2>err2
check "timeout: one wait, not two" test $((SECONDS - start)) -lt 4
check "timeout: the file survived" test -f victim
check "audit log verifies" "$INTERLOCK" audit verify "$AUDIT"
finish
