#!/usr/bin/env bash
# approval_e2e_restart.sh — pending approvals survive a sidecar restart.
# `interlock serve --config` with the reference approval service as its
# approver and a journal; an agent under `interlock run --connect` makes a
# gated call; the sidecar is killed with SIGKILL while the call waits and
# started again; a reviewer approves in the service; the waiting call then
# proceeds exactly once (the shim reconnected and resumed the same request
# id). A second call is left alone across a restart and is denied at its
# original deadline; a third one whose agent dies while the sidecar is down
# is cancelled at the service.
source "$(dirname "$0")/lib.sh"
source "$IL_ROOT/tests/helpers/approver.sh"

if [ ! -x "$INTERLOCK" ] || [ ! -f "$SHIM" ] || [ ! -x "$AP_BIN" ]; then
  skip "approval restart test" "build interlock, libinterlock.so and interlock-approver first"
  finish; exit $?
fi
approver_start || { fail "approver starts" "$(cat "$T/approver.log")"; finish; exit 1; }
pass "reference approval service on $AP_URL"

( umask 077; printf '%s\n' "$AP_KEY" > "$T/key"; printf '%s\n' "$AP_TOKEN" > "$T/token" )
cat > "$T/rules.toml" <<TOML
version = 1
[defaults]
decision = "allow"
timeout = "60s"

[[rule]]
id = "gate-env"
description = "env runs need a reviewer"
kind = "exec"
program = ["env"]
decision = "approve"
approvers = ["oncall"]
risk = "high"

[[rule]]
id = "gate-delete-short"
description = "deletes with a short deadline"
kind = "delete"
path = ["$T/short*"]
decision = "approve"
approvers = ["oncall"]
timeout = "8s"
TOML
chmod 600 "$T/rules.toml"
mkdir -m 700 "$T/sock"
cat > "$T/serve.toml" <<TOML
socket_dir = "$T/sock"
rules = ["$T/rules.toml"]
approver = "$AP_URL"
approver_key_file = "$T/key"
approver_token_file = "$T/token"
journal = "$T/pending.journal"
audit = "$T/audit.jsonl"
TOML
chmod 600 "$T/serve.toml"

SERVE_PID=
start_serve() {
  "$INTERLOCK" serve --config "$T/serve.toml" >> "$T/serve.log" 2>&1 &
  SERVE_PID=$!
  WAIT_SECS=10 wait_for test -S "$T/sock/agent.sock" && kill -0 "$SERVE_PID" 2>/dev/null
}
journal_ids() { grep -o '"t":"pending","id":"r-[0-9a-f]*"' "$T/pending.journal" 2>/dev/null | sed 's/.*"id":"//; s/"$//'; }
status_of() { api GET "/v1/requests/$1" | sed '$d' | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])' 2>/dev/null; }

start_serve || { fail "serve starts" "$(cat "$T/serve.log")"; finish; exit 1; }
pass "serve with the http approver and a journal is listening"

# ---- 1: kill -9 while waiting, restart, approve -> runs exactly once
"$INTERLOCK" run --connect "$T/sock/agent.sock" --enforce preload -- \
  sh -c "/usr/bin/env MARK=1 sh -c 'echo ran >> $T/count'; echo rc=\$? > $T/one.rc" 2> "$T/one.err" &
RUN1=$!
if WAIT_SECS=10 wait_for sh -c "[ -n \"\$(grep -o '\"t\":\"pending\"' '$T/pending.journal' 2>/dev/null)\" ]"; then
  pass "the pending request is journaled"
else
  fail "the pending request is journaled" "$(cat "$T/serve.log")"; finish; exit 1
fi
ID1=$(journal_ids | head -n 1)
_known() { [ "$(api GET "/v1/requests/$1" | tail -n 1)" = 200 ]; }
WAIT_SECS=10 wait_for _known "$ID1"
check "the service has request $ID1" test "$(status_of "$ID1")" = pending

kill -KILL "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null
sleep 0.3
check "the call still waits while the sidecar is down" test ! -e "$T/one.rc"
start_serve || { fail "serve restarts" "$(tail -5 "$T/serve.log")"; finish; exit 1; }
check "the restarted sidecar restored the request" wait_for grep -q "restored 1 pending request" "$T/serve.log"
sleep 1
check "the call is still pending after the restart" test ! -e "$T/one.rc"
code=$(decide alice "$ID1" approve "after the restart")
check "alice approves $ID1 in the service (HTTP $code)" test "$code" = 303 -o "$code" = 200
if WAIT_SECS=15 wait_for test -s "$T/one.rc"; then
  check "the resumed call proceeded" grep -q 'rc=0' "$T/one.rc"
else
  fail "the resumed call proceeded" "$(cat "$T/one.err")"
fi
check "the gated action ran exactly once" test "$(cat "$T/count" 2>/dev/null | wc -l)" -eq 1
wait "$RUN1" 2>/dev/null
check "the audit names the reviewer" grep -q '"decided_by":"reviewer"' "$T/audit.jsonl"

# ---- 2: restart, nobody decides -> denied at the ORIGINAL deadline (8 s)
: > "$T/short-a"
t0=$(date +%s%3N)
"$INTERLOCK" run --connect "$T/sock/agent.sock" --enforce preload -- \
  sh -c "/usr/bin/rm -f $T/short-a; echo rc=\$? > $T/two.rc" 2> "$T/two.err" &
RUN2=$!
_two_journaled() { [ "$(journal_ids | wc -l)" -ge 1 ] && [ "$(journal_ids | tail -n 1)" != "$ID1" ]; }
WAIT_SECS=10 wait_for _two_journaled
sleep 0.5
kill -KILL "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null
start_serve || { fail "serve restarts (2)" "$(tail -5 "$T/serve.log")"; finish; exit 1; }
if WAIT_SECS=15 wait_for test -s "$T/two.rc"; then
  el=$(( $(date +%s%3N) - t0 ))
  check "undecided across a restart: denied" grep -q 'rc=1' "$T/two.rc"
  check "undecided across a restart: the file is kept" test -e "$T/short-a"
  if [ "$el" -ge 7000 ] && [ "$el" -le 11000 ]; then pass "denied at the original 8 s deadline (${el} ms)"
  else fail "denied at the original 8 s deadline" "${el} ms"; fi
else
  fail "undecided across a restart: denied" "no answer: $(cat "$T/two.err")"
fi
wait "$RUN2" 2>/dev/null

# ---- 3: the agent dies while the sidecar is down -> cancelled at the service
"$INTERLOCK" run --connect "$T/sock/agent.sock" --enforce preload -- \
  sh -c "echo \$\$ > $T/three.pid; exec /usr/bin/env MARK=3 true" 2> "$T/three.err" &
RUN3=$!
WAIT_SECS=10 wait_for test -s "$T/three.pid"
sleep 1
ID3=$(journal_ids | tail -n 1)
kill -KILL "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null
kill -KILL "$(cat "$T/three.pid")" 2>/dev/null
wait "$RUN3" 2>/dev/null
start_serve || { fail "serve restarts (3)" "$(tail -5 "$T/serve.log")"; finish; exit 1; }
_cancelled() { [ "$(status_of "$1")" = cancelled ]; }
if WAIT_SECS=10 wait_for _cancelled "$ID3"; then
  pass "a request whose agent died during the restart is cancelled at the service"
else
  fail "a request whose agent died during the restart is cancelled at the service" "$ID3: $(api GET "/v1/requests/$ID3" | head -c 300)"
fi

kill -TERM "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null
check "audit log verifies" "$INTERLOCK" audit verify "$T/audit.jsonl"
kill "$AP_PID" 2>/dev/null; wait "$AP_PID" 2>/dev/null
finish
