#!/usr/bin/env bash
# approval_e2e_faults.sh — `interlock run --approver http://127.0.0.1:PORT`
# against a fault-injecting approval service (tests/helpers/
# fake_approval_service.py): 500s, 429 with Retry-After, a hung server,
# truncated and garbage bodies, a forged or missing signature, a verdict
# for another request, an unknown decision, an expired verdict, too few
# reviewers for a two-person rule, a replayed nonce, self-approval, a 400 on create, a
# refused connection and a TLS handshake against a plain-HTTP port. Every
# one must deny at (or before) the deadline — the gated delete of a real
# program must not happen — and none may approve. Then the positive cases:
# a correct approve lets the action happen exactly once; a correct deny
# denies at once; the service hears request_timed_out.
source "$(dirname "$0")/lib.sh"

if [ ! -x "$INTERLOCK" ] || [ ! -f "$SHIM" ]; then
  skip "approval e2e faults" "build $INTERLOCK and $SHIM first"; finish; exit $?
fi
FAKE="$IL_ROOT/tests/helpers/fake_approval_service.py"
DEADLINE_S=2
SLACK_MS=1500

( umask 077
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$T/key"
  echo "token-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$T/token" )
cat > "$T/rules.toml" <<TOML
version = 1
[defaults]
decision = "allow"
timeout = "30s"

[[rule]]
id = "gate-delete"
description = "deleting victims needs a reviewer"
kind = "delete"
path = ["$T/victim*"]
decision = "approve"
risk = "high"

[[rule]]
id = "two-person-delete"
description = "deleting pairs needs two reviewers"
kind = "delete"
path = ["$T/pair*"]
decision = "approve"
approvals = 2
risk = "critical"

[[rule]]
id = "gate-env"
kind = "exec"
program = ["env"]
decision = "approve"
TOML
chmod 600 "$T/rules.toml"

python3 "$FAKE" --key-file "$T/key" --token-file "$T/token" --mode approve \
  --port-file "$T/port" --log "$T/fake.log" --wait-cap 1 > "$T/fake.out" 2>&1 &
FAKE_PID=$!
wait_for test -s "$T/port" || { fail "fake service starts" "$(cat "$T/fake.out")"; finish; exit 1; }
PORT=$(cat "$T/port")
URL="http://127.0.0.1:$PORT"
pass "fake approval service on $URL"

set_mode() { curl -s -d "$1" "$URL/_mode" >/dev/null; }
now_ms() { date +%s%3N; }

# gated_delete NAME FILE [URL]: run rm on FILE under interlock with the
# http approver; sets RC, ELAPSED_MS; stderr in $T/NAME.err
gated_delete() {
  local name=$1 file=$2 url=${3:-$URL} t0
  : > "$file"
  t0=$(now_ms)
  "$INTERLOCK" run --rules "$T/rules.toml" --approver "$url" --approver-key-file "$T/key" \
    --approver-token-file "$T/token" --timeout "${DEADLINE_S}s" --enforce preload \
    -- /usr/bin/rm -f "$file" > "$T/$name.out" 2> "$T/$name.err"
  RC=$?
  ELAPSED_MS=$(( $(now_ms) - t0 ))
}

# expect_denied NAME FILE MODE [URL]
expect_denied() {
  local name=$1 file=$2 mode=$3 url=${4:-$URL}
  set_mode "$mode"
  gated_delete "$name" "$file" "$url"
  if [ -e "$file" ] && [ "$RC" -ne 0 ]; then
    pass "$name: denied, the file is still there"
  else
    fail "$name: denied, the file is still there" "rc=$RC exists=$([ -e "$file" ] && echo yes || echo no) $(head -c 300 "$T/$name.err")"
  fi
  if [ "$ELAPSED_MS" -le $((DEADLINE_S * 1000 + SLACK_MS)) ]; then
    pass "$name: decided within the deadline (${ELAPSED_MS} ms)"
  else
    fail "$name: decided within the deadline" "${ELAPSED_MS} ms"
  fi
  if grep -q "interlock: denied" "$T/$name.err"; then pass "$name: deny line on stderr"
  else fail "$name: deny line on stderr" "$(head -c 300 "$T/$name.err")"; fi
}

expect_denied "500 on every call" "$T/victim-500" http500
check "500: the create was retried (backoff)" sh -c "[ \$(grep -c '\"kind\": \"creates\"' '$T/fake.log') -ge 2 ]"
: > "$T/fake.log"
expect_denied "429 with Retry-After" "$T/victim-429" http429
n=$(grep -c '"kind": "creates"' "$T/fake.log")
# Retry-After: 1 over a 2 s deadline allows at most 2-3 attempts, not a storm
if [ "$n" -ge 1 ] && [ "$n" -le 3 ]; then pass "429: Retry-After honoured ($n attempts)"
else fail "429: Retry-After honoured" "$n create attempts in ${DEADLINE_S}s"; fi
expect_denied "hung server" "$T/victim-hang" hang
expect_denied "truncated JSON verdict" "$T/victim-trunc" truncated
check "truncated: the reason is logged" grep -q "verdict rejected" "$T/truncated JSON verdict.err"
expect_denied "garbage verdict body" "$T/victim-garbage" garbage
expect_denied "forged signature" "$T/victim-forged" forged
check "forged: logged as a signature mismatch" grep -q "signature mismatch" "$T/forged signature.err"
expect_denied "missing signature" "$T/victim-unsigned" unsigned
expect_denied "verdict for another request" "$T/victim-otherid" other-id
check "other id: logged as a request_id mismatch" grep -q "request_id mismatch" "$T/verdict for another request.err"
expect_denied "unknown decision value" "$T/victim-maybe" unknown-decision
expect_denied "expired verdict" "$T/victim-expired" expired
expect_denied "too few reviewers (two-person rule)" "$T/pair-one" insufficient
expect_denied "replayed nonce" "$T/pair-replay" replay
expect_denied "approved by the requester (self-approval)" "$T/victim-self" self-approve
check "replay: logged as replayed" grep -q "replayed" "$T/replayed nonce.err"
: > "$T/fake.log"
expect_denied "400 on create" "$T/victim-400" create400
n=$(grep -c '"kind": "creates"' "$T/fake.log")
check "400: the create is not retried" test "$n" -eq 1
expect_denied "not approved in time (202 only)" "$T/victim-pending" pending
check "the service heard request_timed_out" grep -q '"type": "request_timed_out"' "$T/fake.log"

# a port nobody listens on: connection refused
DEAD=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
expect_denied "connection refused" "$T/victim-refused" approve "http://127.0.0.1:$DEAD"
# https against the plain-HTTP fake: the TLS handshake fails
expect_denied "TLS error" "$T/victim-tls" approve "https://127.0.0.1:$PORT"

# ---- start-up checks: fail closed before anything runs
out=$("$INTERLOCK" run --rules "$T/rules.toml" --approver "http://approvals.example.com" \
      --approver-key-file "$T/key" -- /bin/true 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q "plain http is allowed only" <<<"$out"; then
  pass "plain http to a non-loopback host is refused"
else fail "plain http to a non-loopback host is refused" "rc=$rc $out"; fi
out=$("$INTERLOCK" run --rules "$T/rules.toml" --approver "$URL" -- /bin/true 2>&1); rc=$?
check "a URL approver without --approver-key-file is a usage error" test $rc -eq 2
cp "$T/token" "$T/token-open"; chmod 644 "$T/token-open"
out=$("$INTERLOCK" run --rules "$T/rules.toml" --approver "$URL" --approver-key-file "$T/key" \
      --approver-token-file "$T/token-open" -- /bin/true 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q "too open" <<<"$out"; then pass "a token file readable by others is refused"
else fail "a token file readable by others is refused" "rc=$rc $out"; fi
printf 'short-key' > "$T/short"; chmod 600 "$T/short"
out=$("$INTERLOCK" run --rules "$T/rules.toml" --approver "$URL" --approver-key-file "$T/short" \
      -- /bin/true 2>&1); rc=$?
check "a verdict key under 32 bytes is refused" test $rc -ne 0

# ---- positive cases
: > "$T/fake.log"
set_mode approve
"$INTERLOCK" run --rules "$T/rules.toml" --approver "$URL" --approver-key-file "$T/key" \
  --approver-token-file "$T/token" --timeout 10s --enforce preload \
  -- sh -c "/usr/bin/env MARK=1 sh -c 'echo ran >> $T/count'; exit \$?" > "$T/ok.out" 2> "$T/ok.err"
rc=$?
check "approved: the program succeeded" test $rc -eq 0
check "approved: the gated action happened exactly once" test "$(cat "$T/count" 2>/dev/null | wc -l)" -eq 1
check "approved: exactly one request was created at the service" \
  test "$(grep -c '"kind": "creates"' "$T/fake.log")" -eq 1
gated_delete "two-person approve" "$T/pair-ok"
check "two-person: an approve naming two reviewers deletes" test ! -e "$T/pair-ok"

set_mode deny
gated_delete "deny" "$T/victim-deny"
check "denied by the service: file kept" test -e "$T/victim-deny"
check "denied by the service: at once (${ELAPSED_MS} ms)" test "$ELAPSED_MS" -lt 1500
check "denied by the service: its reason on stderr" grep -q "fake says no" "$T/deny.err"

kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null
finish
