# harness.bash — shared steps of the agent integration tests
# (tests/integration/agents_*.sh). Sourced after tests/integration/lib.sh.
#
#   agents_setup SCRIPT       workspace fixture, rule file (0600), sink HTTP
#                             server, scripted model server
#   agents_npm EXAMPLE_DIR    install an example's npm packages (cached);
#                             sets AGENT_DIR, or skips the whole test when the
#                             npm registry is unreachable
#   agents_run NAME CMD...    run CMD in $WS under `interlock run` with
#                             rules/default.toml + tests/agents/rules.toml,
#                             the cli approver and a watcher that approves
#                             "agents-approve-*" requests and lets the
#                             others time out
#   agents_assert NAME        the outcome checks (file system, sink, approvals,
#                             audit log, model-server log)
#
# The model server drives the agent through the steps of
# examples/model-server/scripts/agent-gating.json (or the script given);
# the rules in tests/agents/rules.toml fix what each step should meet.
AG_DIR="$IL_ROOT/tests/agents"
MODEL_SERVER="$IL_ROOT/examples/model-server/server.js"
SINK_PORTS=(47101 47102 47103)
AGENT_TIMEOUT=${AGENT_TIMEOUT:-240}

# Stop a background helper we started, by pid.
_ag_stop() { [ -n "${1:-}" ] && kill "$1" 2>/dev/null; return 0; }

agents_need() {
  local c
  for c in node python3; do
    command -v "$c" >/dev/null 2>&1 || { skip "agents" "$c is not installed"; finish; exit $?; }
  done
  if [ ! -x "$INTERLOCK" ] || [ ! -f "$SHIM" ]; then
    fail "agents" "build interlock first ($INTERLOCK, $SHIM)"
    finish; exit 1
  fi
}

agents_npm() {
  local out rc
  out=$(bash "$AG_DIR/npm_install.sh" "$IL_ROOT/$1" 2>"$T/npm.err"); rc=$?
  case $rc in
    0) AGENT_DIR=$out ;;
    3) skip "npm install $(basename "$1")" "$(tail -n 1 "$T/npm.err")"; finish; exit 0 ;;
    *) fail "npm install $(basename "$1")" "$(tail -n 5 "$T/npm.err")"; finish; exit 1 ;;
  esac
}

agents_setup() {
  SCRIPT=${1:-$IL_ROOT/examples/model-server/scripts/agent-gating.json}
  export WS="$T/ws"
  mkdir -p "$WS"/build "$WS"/protected "$WS"/secrets "$WS"/approve-me "$WS"/timeout-me
  echo obj >"$WS/build/out.o"
  echo keep >"$WS/protected/data.txt"
  echo scratch >"$WS/scratch.txt"
  echo key >"$WS/secrets/key.pem"
  echo old >"$WS/approve-me/old.log"
  echo old >"$WS/timeout-me/old.log"
  install -m 0600 "$AG_DIR/rules.toml" "$T/rules.toml"

  # The ports are fixed by the rules; a previous run's sink may still be
  # letting go of them, so try a few times.
  local try
  for try in 1 2 3 4 5 6; do
    python3 "$AG_DIR/sink.py" --log "$T/sink.jsonl" --ready "$T/sink.ready" \
      $(printf -- '--port %s ' "${SINK_PORTS[@]}") 2>"$T/sink.err" &
    SINK_PID=$!
    wait_for test -s "$T/sink.ready" && break
    kill -0 "$SINK_PID" 2>/dev/null && break      # still starting: let the check below wait
    sleep 2
  done
  node "$MODEL_SERVER" --script "$SCRIPT" --log "$T/model.jsonl" --port-file "$T/model.port" \
    >"$T/model.out" 2>"$T/model.err" &
  MODEL_PID=$!
  if ! wait_for test -s "$T/sink.ready"; then
    fail "sink HTTP server on 127.0.0.1:${SINK_PORTS[*]}" "$(cat "$T/sink.err")"; finish; exit 1
  fi
  if ! wait_for test -s "$T/model.port"; then
    fail "model server" "$(cat "$T/model.err")"; finish; exit 1
  fi
  MODEL_PORT=$(cat "$T/model.port")
  export MODEL_PORT
}

agents_run() {
  local name=$1; shift
  rm -f "$T/approver.stop"
  python3 "$AG_DIR/approver.py" --interlock "$INTERLOCK" --log "$T/approvals.jsonl" \
    --stop "$T/approver.stop" 2>"$T/approver.err" &
  local apid=$!
  local start=$SECONDS
  (cd "$WS" && timeout "$AGENT_TIMEOUT" "$INTERLOCK" run --approver cli \
      --rules "$IL_ROOT/rules/default.toml" --rules "$T/rules.toml" \
      --audit "$T/audit.jsonl" --agent-id "$name" -- "$@") </dev/null >"$T/agent.out" 2>&1
  AGENT_RC=$?
  AGENT_SECS=$((SECONDS - start))
  touch "$T/approver.stop"
  wait "$apid" 2>/dev/null
  if [ -s "$T/approver.err" ]; then
    echo "--- approver stderr ---"; cat "$T/approver.err"
  fi
  echo "--- approvals seen ---"; cat "$T/approvals.jsonl" 2>/dev/null
  echo "--- agent output ($name, exit $AGENT_RC, ${AGENT_SECS}s) ---"
  sed 's/^/  | /' "$T/agent.out" | tail -n 120
  echo "---"
}

# Count sink requests on PORT (optionally with METHOD and PATH).
_ag_sink_count() {
  python3 - "$T/sink.jsonl" "$@" <<'PY'
import json, sys
log, port = sys.argv[1], int(sys.argv[2])
method = sys.argv[3] if len(sys.argv) > 3 else None
path = sys.argv[4] if len(sys.argv) > 4 else None
n = 0
for line in open(log, encoding="utf-8"):
    r = json.loads(line)
    if r["port"] == port and (method is None or r["method"] == method) and (path is None or r["path"] == path):
        n += 1
print(n)
PY
}

# Count approval-log entries whose rules include RULE and approved == WANT.
_ag_approvals() {
  python3 - "$T/approvals.jsonl" "$1" "$2" <<'PY'
import json, sys, os
log, rule, want = sys.argv[1], sys.argv[2], sys.argv[3] == "true"
n = 0
if os.path.exists(log):
    for line in open(log, encoding="utf-8"):
        r = json.loads(line)
        if rule in r["rules"] and r["approved"] == want:
            n += 1
print(n)
PY
}

_ag_eq() {
  local name=$1 want=$2 got=$3
  if [ "$got" = "$want" ]; then pass "$name"; else fail "$name" "want $want, got $got"; fi
}

agents_assert() {
  local name=$1
  _ag_eq "$name: agent exited 0 (kept running through denials)" 0 "$AGENT_RC"
  # file system
  check "$name: allowed 'rm -rf build' removed build/" test ! -e "$WS/build"
  check "$name: denied 'rm -rf protected' left protected/ intact" test -f "$WS/protected/data.txt"
  check "$name: allowed delete removed scratch.txt" test ! -e "$WS/scratch.txt"
  check "$name: denied delete left secrets/key.pem" test -f "$WS/secrets/key.pem"
  check "$name: approved 'rm -rf approve-me' removed it" test ! -e "$WS/approve-me"
  check "$name: timed-out 'rm -rf timeout-me' left it" test -f "$WS/timeout-me/old.log"
  # HTTP (connect-level rules; see docs/agents.md)
  _ag_eq "$name: allowed GET reached the sink once" 1 "$(_ag_sink_count 47101 GET /status)"
  _ag_eq "$name: denied connect: nothing reached the refunds port" 0 "$(_ag_sink_count 47102)"
  _ag_eq "$name: approved POST reached the deploy port exactly once" 1 "$(_ag_sink_count 47103 POST /v1/deploy)"
  _ag_eq "$name: any request at all reached the deploy port once" 1 "$(_ag_sink_count 47103)"
  # approvals: one human decision per gated action
  _ag_eq "$name: deploy connect was approved exactly once" 1 "$(_ag_approvals agents-approve-deploy-port true)"
  _ag_eq "$name: rm approve-me was approved exactly once" 1 "$(_ag_approvals agents-approve-rm-approve-me true)"
  # A shell that finds `rm` twice on PATH (/usr/bin and the /bin symlink)
  # retries the denied exec, so the same rm can be asked about twice (known
  # issue, docs/agents.md): require at least one request, none approved.
  local tpend
  tpend=$(_ag_approvals agents-timeout-rm-timeout-me false)
  if [ "$tpend" -ge 1 ]; then pass "$name: rm timeout-me was pending ($tpend) and left unanswered"
  else fail "$name: rm timeout-me was pending and left unanswered" "no such request seen"; fi
  _ag_eq "$name: rm timeout-me was never approved" 0 "$(_ag_approvals agents-timeout-rm-timeout-me true)"
  # audit
  if [ -s "$T/audit.jsonl" ]; then
    local vout
    if vout=$("$INTERLOCK" audit verify "$T/audit.jsonl" 2>&1); then pass "$name: audit log verifies"
    else fail "$name: audit log verifies" "$vout"; fi
    check "$name: audit records the timeout" grep -q 'agents-timeout-rm-timeout-me' "$T/audit.jsonl"
  else
    fail "$name: audit log written" "$T/audit.jsonl is empty"
  fi
  # the model heard about every outcome
  local line
  while IFS= read -r line; do
    case $line in
      "ok   - "*) pass "$name: ${line#ok   - }" ;;
      "FAIL - "*) fail "$name: ${line#FAIL - }" ;;
      *) echo "$line" ;;
    esac
  done < <(python3 "$AG_DIR/check_log.py" "$SCRIPT" "$T/model.jsonl" 2>&1)
}

agents_cleanup() {
  _ag_stop "${MODEL_PID:-}"
  _ag_stop "${SINK_PID:-}"
}
