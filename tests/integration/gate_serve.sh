#!/usr/bin/env bash
# gate_serve.sh — `interlock serve --config FILE` with agents started by
# `interlock run --connect SOCKET`: config validation, deny and approve
# through the shared sidecar, self-approval refused for a connected agent.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gate_common.bash"
cd "$T"

cat >"$T/bad.toml" <<EOF2
rules = ["rules.toml"]
approver = "pager"
timeout = "soon"
EOF2
"$INTERLOCK" serve --config "$T/bad.toml" 2>err0; st=$?
check "bad config refused" test $st -ne 0
check "bad approver reported with position" grep -q 'bad.toml:2:[0-9]*: .approver' err0
check "bad duration reported with position" grep -q 'bad.toml:3:[0-9]*: .timeout' err0

cat >"$T/serve.toml" <<EOF2
socket_dir = "sock"
rules = ["rules.toml"]
approver = "cli"
audit = "serve-audit.jsonl"
timeout = "20s"
agent_id = "shared"
EOF2
"$INTERLOCK" serve --config "$T/serve.toml" 2>serve.err &
srv=$!
SOCK="$T/sock/agent.sock"
check "serve listens" wait_for test -S "$SOCK"

"$INTERLOCK" run --connect "$SOCK" -- sh -c "echo x >$T/keep; /usr/bin/rm -f $T/keep; exit 4"; st=$?
check "connected agent: rule deny applies" test -f "$T/keep"
check "connected agent: exit status propagates" test $st -eq 4

"$INTERLOCK" run --connect "$SOCK" -- sh -c "/usr/bin/touch $T/served" &
run=$!
_pending_here() { [ "$("$INTERLOCK" pending --ctl "$T/sock/ctl.sock" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" -ge 1 ]; }
if wait_for _pending_here; then
  id=$("$INTERLOCK" pending --ctl "$T/sock/ctl.sock" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
  check "approve through --ctl" "$INTERLOCK" approve --ctl "$T/sock/ctl.sock" "$id"
fi
wait $run
check "approved action happened" test -f "$T/served"

# a connected agent cannot approve its own request either
"$INTERLOCK" run --connect "$SOCK" -- sh -c "
  /usr/bin/touch $T/selfserved &
  sleep 0.5
  id=\$('$INTERLOCK' pending --ctl '$T/sock/ctl.sock' --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"id\"])')
  '$INTERLOCK' approve --ctl '$T/sock/ctl.sock' \"\$id\" 2>$T/self.err; echo rc=\$? >$T/self.rc
  kill \$! 2>/dev/null; wait" 2>/dev/null
check "self-approval refused under serve" grep -q 'rc=1' "$T/self.rc"
check "self-approved action did not happen" test ! -e "$T/selfserved"

kill -TERM $srv; wait $srv
check "serve removes its sockets on exit" test ! -e "$SOCK"
check "serve audit verifies" "$INTERLOCK" audit verify "$T/serve-audit.jsonl"
check "serve audit has agent id" grep -q '"agent_id":"shared"' "$T/serve-audit.jsonl"

finish
