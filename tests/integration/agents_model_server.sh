#!/usr/bin/env bash
# agents_model_server.sh — the scripted model server the agent tests use
# (examples/model-server/server.js): every API dialect, plain and streamed,
# answers the right script step in its own shape and logs the tool results.
source "$(dirname "$0")/lib.sh"
command -v node >/dev/null 2>&1 || { skip "model server" "node is not installed"; finish; exit 0; }
export WS="$T/ws"
node "$IL_ROOT/examples/model-server/server.js" --script "$IL_ROOT/examples/model-server/scripts/agent-gating.json" \
  --log "$T/model.jsonl" --port-file "$T/port" >"$T/out" 2>"$T/err" &
wait_for test -s "$T/port" || { fail "model server starts" "$(cat "$T/err")"; finish; exit 1; }
while IFS= read -r line; do
  case $line in
    "ok   - "*) pass "${line#ok   - }" ;;
    "FAIL - "*) fail "${line#FAIL - }" ;;
    *) echo "$line" ;;
  esac
done < <(python3 "$IL_ROOT/tests/agents/model_server_check.py" "$(cat "$T/port")" "$T/model.jsonl" 2>&1)
# a script naming an unset variable is refused at start
if env -u WS node "$IL_ROOT/examples/model-server/server.js" --script "$IL_ROOT/examples/model-server/scripts/agent-gating.json" \
     --log "$T/m2.jsonl" --port 0 >"$T/out2" 2>"$T/err2"; then
  fail "a script with an unset \${VAR} is refused" "server started"
else
  check "a script with an unset \${VAR} is refused" grep -q 'WS is not set' "$T/err2"
fi
finish
