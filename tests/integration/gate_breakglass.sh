#!/usr/bin/env bash
# gate_breakglass.sh — a credentialed, time-boxed override: a pending
# request covered by a new window is allowed with a banner, actions under
# the window are allowed and audited with the window id, the window closes
# on its own, a wrong key and the agent itself are refused.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gate_common.bash"
cd "$T"
AUDIT="$T/audit.jsonl"

"$INTERLOCK" break-glass keygen --key "$T/bg.key" --verifier "$T/bg.ver" >/dev/null 2>&1 ||
  { skip "break-glass" "keygen unavailable"; finish; exit $?; }
export INTERLOCK_BREAK_GLASS_KEY="$T/bg.key"

cat >"$T/agent.sh" <<AGENT
#!/bin/sh
/usr/bin/touch "$T/pending-then-glass"; echo "first=\$?"
# from inside the tree: refused
"$INTERLOCK" break-glass --reason "agent wants in" --for 10s >/dev/null 2>&1; echo "self=\$?"
/usr/bin/touch "$T/under-window"; echo "second=\$?"
while [ ! -e "$T/window-closed" ]; do sleep 0.1; done
/usr/bin/touch "$T/after-window"; echo "third=\$?"
AGENT
chmod 700 "$T/agent.sh"

"$INTERLOCK" run --rules "$RULES" --audit "$AUDIT" --timeout 4s \
  --break-glass-verifier "$T/bg.ver" -- "$T/agent.sh" >out 2>err &
run=$!
if wait_pending 1; then
  printf '%s' "0000000000000000000000000000000000000000000000000000000000000000" >"$T/wrong.key"
  chmod 600 "$T/wrong.key"
  check "a wrong key is refused" sh -c "! '$INTERLOCK' break-glass --key '$T/wrong.key' --reason test --for 2s >/dev/null 2>&1"
  check "break-glass opens with the key" sh -c "'$INTERLOCK' break-glass --reason 'incident 42' --for 2s >/dev/null"
fi
sleep 2.5
touch "$T/window-closed"
wait $run
check "pending request allowed by the new window" test -f "$T/pending-then-glass"
check "the agent cannot break glass" grep -q 'self=1' out
check "action under the window allowed" test -f "$T/under-window"
check "banner shown to the agent" grep -q 'interlock: BREAK-GLASS bg-.* allowed exec /usr/bin/touch .* (reason: incident 42)' err
check "after expiry gating is back" test ! -e "$T/after-window"
check "audit: window opened" audit_has "$AUDIT" break_glass_open
check "audit: actions under the window" test "$(grep -c '"event":"break_glass_use"' "$AUDIT")" -ge 2
check "audit: window closed on its own" audit_has "$AUDIT" break_glass_close
check "audit: agent's attempt refused" audit_has "$AUDIT" self_approval_refused
check "audit log verifies" "$INTERLOCK" audit verify "$AUDIT"

finish
