#!/usr/bin/env bash
# approval_service_api.sh — interlock-approver over real HTTP with curl: the
# /v1/ protocol (bearer auth, create, idempotency, long-poll, events, error
# codes), reviewer login + CSRF-protected decisions via form posts, signed
# verdicts checked by an independent python3 implementation of the HMAC,
# the two-person rule, self-approval refusal, group routing, XSS escaping,
# timed escalation and expiry at the deadline.
source "$(dirname "$0")/lib.sh"
source "$IL_ROOT/tests/helpers/approver.sh"

if [ ! -x "$AP_BIN" ]; then
  fail "interlock-approver built" "$AP_BIN missing (make build/bin/interlock-approver)"
  finish; exit 1
fi
for tool in curl python3; do
  command -v $tool >/dev/null || { fail "$tool present"; finish; exit 1; }
done
approver_start || { fail "approver starts" "$(cat "$T/approver.log")"; finish; exit 1; }
pass "approver starts on a random port ($AP_URL)"

body_of() { sed '$d' <<<"$1"; }
code_of() { tail -n 1 <<<"$1"; }
expect_code() { # name want response
  local got; got=$(code_of "$3")
  if [ "$got" = "$2" ]; then pass "$1"; else fail "$1" "HTTP $got, want $2: $(body_of "$3" | head -c 300)"; fi
}

r=$(curl -s -w '\n%{http_code}' "$AP_URL/v1/health"); expect_code "health without auth" 200 "$r"

# ---- authentication and validation of POST /v1/requests
B=$(new_request r-api-0001)
r=$(curl -s -w '\n%{http_code}' -H 'Content-Type: application/json' --data-binary "$B" "$AP_URL/v1/requests")
expect_code "create without bearer -> 401" 401 "$r"
r=$(curl -s -w '\n%{http_code}' -H 'Authorization: Bearer wrong-token-wrong-token' -H 'Content-Type: application/json' \
    --data-binary "$B" "$AP_URL/v1/requests")
expect_code "create with wrong bearer -> 401" 401 "$r"
hdrs=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' --data-binary "$B" "$AP_URL/v1/requests")
check "401 carries WWW-Authenticate: Bearer" grep -qi '^WWW-Authenticate: Bearer' <<<"$hdrs"
r=$(api POST /v1/requests "$B"); expect_code "create with bearer -> 201" 201 "$r"
check "create answers the verdict URL" grep -q '"verdict_url":"/v1/requests/r-api-0001/verdict"' <<<"$r"
r=$(api POST /v1/requests "$B"); expect_code "same body again (retry) -> 200" 200 "$r"
r=$(api POST /v1/requests "$(new_request r-api-0001 risk='"low"')"); expect_code "same id, other body -> 409" 409 "$r"
r=$(api POST /v1/requests '{"version":1,'); expect_code "truncated JSON -> 400" 400 "$r"
r=$(api POST /v1/requests "$(new_request 'bad/id')"); expect_code "invalid request id -> 400" 400 "$r"
r=$(api POST /v1/requests "$(new_request r-api-0002 approvals_required='"2"')"); expect_code "approvals_required wrong type -> 400" 400 "$r"
r=$(api POST /v1/requests "$(new_request r-api-0003 action.kind='"teleport"')"); expect_code "unknown action kind -> 400" 400 "$r"
r=$(api POST /v1/requests "$(new_request r-api-0004 deadline_in=-1000)"); expect_code "deadline already passed -> 422" 422 "$r"
r=$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer $AP_TOKEN" -H 'Content-Type: text/plain' \
    --data-binary "$B" "$AP_URL/v1/requests"); expect_code "wrong content type -> 415" 415 "$r"
head -c 1100000 /dev/zero | tr '\0' 'x' > "$T/big"
r=$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer $AP_TOKEN" -H 'Content-Type: application/json' \
    --data-binary @"$T/big" "$AP_URL/v1/requests"); expect_code "body over 1 MiB -> 413" 413 "$r"
r=$(api GET /v1/requests); expect_code "GET on /v1/requests -> 405" 405 "$r"
r=$(api GET /v1/requests/r-nope-0000/verdict); expect_code "verdict of unknown request -> 404" 404 "$r"
r=$(api GET '/v1/requests/r-api-0001/verdict?wait=abc'); expect_code "bad wait -> 400" 400 "$r"

# ---- long-poll: pending after the wait
start=$SECONDS
r=$(api GET '/v1/requests/r-api-0001/verdict?wait=2')
expect_code "long-poll returns 202 pending at the end of the wait" 202 "$r"
el=$((SECONDS - start))
if [ $el -ge 1 ] && [ $el -le 4 ]; then pass "long-poll waited ~2s (${el}s)"; else fail "long-poll waited ~2s" "${el}s"; fi

# ---- reviewer login and CSRF
code=$(curl -s -o /dev/null -w '%{http_code}' --data-urlencode username=alice --data-urlencode password=wrong "$AP_URL/login")
check "wrong password -> 401" test "$code" = 401
code=$(curl -s -o /dev/null -w '%{http_code}' --data-urlencode username=nobody --data-urlencode password=x "$AP_URL/login")
check "unknown reviewer -> 401" test "$code" = 401
hdrs=$(curl -s -D - -o /dev/null --data-urlencode username=alice --data-urlencode "password=${AP_PW[alice]}" "$AP_URL/login")
check "session cookie is HttpOnly and SameSite=Strict" grep -qiE '^Set-Cookie: il_session=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict' <<<"$hdrs"
code=$(curl -s -o /dev/null -w '%{http_code}' "$AP_URL/requests")
check "pages need a session (redirect to login)" test "$code" = 303
CSRF=$(login alice)
check "alice logged in, page carries a CSRF token" test ${#CSRF} -eq 64
code=$(curl -s -b "$T/jar.alice" -o /dev/null -w '%{http_code}' -d 'decision=approve' "$AP_URL/requests/r-api-0001/decide")
check "decide without CSRF token -> 403" test "$code" = 403
# the real token with its last digit changed (to 1 when it is 0, else to 0)
WRONG="${CSRF%?}0"; [ "$WRONG" = "$CSRF" ] && WRONG="${CSRF%?}1"
code=$(curl -s -b "$T/jar.alice" -o /dev/null -w '%{http_code}' -d "csrf=$WRONG&decision=approve" "$AP_URL/requests/r-api-0001/decide")
check "decide with a wrong CSRF token -> 403" test "$code" = 403
code=$(curl -s -b "$T/jar.alice" -o /dev/null -w '%{http_code}' -H 'Origin: http://evil.example' \
       -d "csrf=$CSRF&decision=approve" "$AP_URL/requests/r-api-0001/decide")
check "cross-origin form post -> 403" test "$code" = 403
code=$(curl -s -o /dev/null -w '%{http_code}' -d "csrf=$CSRF&decision=approve" "$AP_URL/requests/r-api-0001/decide")
check "decide without a session -> 401" test "$code" = 401
r=$(api GET /v1/requests/r-api-0001); check "still pending after refused posts" grep -q '"status":"pending"' <<<"$r"

# ---- approve; the long-poll wakes up; the verdict verifies
( api GET '/v1/requests/r-api-0001/verdict?wait=15' > "$T/lp.out"; echo $SECONDS > "$T/lp.end" ) &
lp=$!
sleep 0.5
t0=$SECONDS
code=$(decide alice r-api-0001 approve "ticket OPS-1")
check "alice approves (303)" test "$code" = 303
wait $lp
if [ $(( $(cat "$T/lp.end") - t0 )) -le 2 ]; then pass "a waiting long-poll returns as soon as the verdict exists"; else fail "long-poll woke up" "took $(( $(cat "$T/lp.end") - t0 ))s"; fi
r=$(cat "$T/lp.out"); expect_code "verdict -> 200" 200 "$r"
out=$(body_of "$r" | verify_verdict r-api-0001)
check "verdict signature verifies (python HMAC): $out" test "$out" = "approve alice alice: ticket OPS-1"
forged=$(body_of "$r" | sed 's/"approve"/"deny"/')
if echo "$forged" | verify_verdict r-api-0001 >/dev/null; then fail "altered verdict rejected by the checker"; else pass "altered verdict rejected by the checker"; fi
if body_of "$r" | verify_verdict r-api-9999 >/dev/null; then fail "verdict for another request rejected"; else pass "verdict for another request rejected"; fi
n1=$(body_of "$r" | python3 -c 'import json,sys; print(json.load(sys.stdin)["nonce"])')
n2=$(body_of "$(api GET /v1/requests/r-api-0001/verdict)" | python3 -c 'import json,sys; print(json.load(sys.stdin)["nonce"])')
check "each verdict carries a fresh nonce" test "$n1" != "$n2"
code=$(decide bob r-api-0001 deny "late")
check "voting on a decided request -> 409" test "$code" = 409

# ---- deny needs a reason
api POST /v1/requests "$(new_request r-api-0010)" >/dev/null
code=$(decide bob r-api-0010 deny "")
check "deny without a reason -> 400" test "$code" = 400
code=$(decide bob r-api-0010 deny "not on a Friday")
check "bob denies with a reason" test "$code" = 303
out=$(body_of "$(api GET '/v1/requests/r-api-0010/verdict?wait=1')" | verify_verdict r-api-0010)
check "deny verdict verifies: $out" test "$out" = "deny bob not on a Friday"

# ---- two-person rule
api POST /v1/requests "$(new_request r-api-0020 approvals_required=2)" >/dev/null
check "alice approves a two-person request" test "$(decide alice r-api-0020 approve ok)" = 303
r=$(api GET '/v1/requests/r-api-0020/verdict?wait=1'); expect_code "one approval of two: still pending" 202 "$r"
check "pending answer counts approvals" grep -q '"approvals":1,"approvals_required":2' <<<"$r"
check "the same reviewer cannot approve twice (409)" test "$(decide alice r-api-0020 approve again)" = 409
check "bob adds the second approval" test "$(decide bob r-api-0020 approve "second pair of eyes")" = 303
out=$(body_of "$(api GET '/v1/requests/r-api-0020/verdict?wait=1')" | verify_verdict r-api-0020)
check "two-person verdict names both reviewers: $out" test "$out" = "approve alice,bob alice: ok; bob: second pair of eyes"

# ---- self-approval and group routing
api POST /v1/requests "$(new_request r-api-0030 requester='"dave"')" >/dev/null
check "the requester cannot approve its own request (403)" test "$(decide dave r-api-0030 approve mine)" = 403
check "... and is told why" grep -q "you requested this action" "$T/decide.out"
r=$(api GET '/v1/requests/r-api-0030/verdict'); expect_code "self-approval left it pending" 202 "$r"
api POST /v1/requests "$(new_request r-api-0040 approvers='["payments-lead"]')" >/dev/null
check "a reviewer outside the approver groups is refused (403)" test "$(decide alice r-api-0040 approve x)" = 403
check "a member of the group may decide" test "$(decide carol r-api-0040 approve "refund ok")" = 303

# ---- XSS: agent-supplied strings are escaped everywhere
XSS='<script>alert(1)</script>'
api POST /v1/requests "$(new_request r-api-0050 action.argv="[\"rm\",\"-rf\",\"$XSS\"]" action.summary="\"rm -rf '$XSS'\"" agent_id="\"<img src=x onerror=alert(2)>\"")" >/dev/null
api POST /v1/requests "$(new_request r-api-0051 action="{\"kind\":\"http\",\"method\":\"POST\",\"url\":\"https://api.example.com/v1/x?q=\\\"><svg/onload=alert(3)>\",\"host\":\"api.example.com\",\"port\":443}" rules='[{"id":"<b>rule</b>","description":"<i>desc</i>","risk":"high","decision":"approve","why":"x"}]')" >/dev/null
page=$(curl -s -b "$T/jar.alice" "$AP_URL/requests")
check "argv payload not rendered as markup" bash -c '! grep -q "<script>alert(1)" <<<"$1"' _ "$page"
check "argv payload rendered as text" grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' <<<"$page"
check "agent id payload escaped" bash -c '! grep -q "<img src=x" <<<"$1" && grep -q "&lt;img src=x onerror=alert(2)&gt;" <<<"$1"' _ "$page"
check "URL payload escaped" bash -c '! grep -q "<svg/onload" <<<"$1" && grep -q "&quot;&gt;&lt;svg/onload=alert(3)&gt;" <<<"$1"' _ "$page"
check "rule id/description escaped" bash -c '! grep -q "<b>rule</b>" <<<"$1" && grep -q "&lt;b&gt;rule&lt;/b&gt;" <<<"$1"' _ "$page"
hdrs=$(curl -s -D - -o /dev/null -b "$T/jar.alice" "$AP_URL/requests")
check "pages send a Content-Security-Policy without inline scripts" grep -qi "^Content-Security-Policy: default-src 'none'; script-src 'self'" <<<"$hdrs"

# ---- escalation after a short delay
api POST /v1/requests "$(new_request r-api-0060 escalation='[{"after_ms":1000,"to":"payments-lead"}]')" >/dev/null
r=$(api GET /v1/requests/r-api-0060); check "starts at the oncall group" grep -q '"approvers":\["oncall"\],"escalation_level":0' <<<"$r"
sleep 1.6
r=$(api GET /v1/requests/r-api-0060); check "escalated to payments-lead after 1s" grep -q '"approvers":\["payments-lead"\],"escalation_level":1' <<<"$r"
check "after escalation the first group may no longer decide" test "$(decide bob r-api-0060 approve x)" = 403
check "the escalation group may" test "$(decide carol r-api-0060 approve escalated-ok)" = 303
hist=$(curl -s -b "$T/jar.alice" "$AP_URL/history")
check "escalation recorded as a notification" grep -q 'escalated to payments-lead (step 1)' <<<"$hist"

# ---- expiry at the deadline
api POST /v1/requests "$(new_request r-api-0070 deadline_in=1200)" >/dev/null
r=$(api GET '/v1/requests/r-api-0070/verdict?wait=5')
expect_code "the deadline produces a verdict" 200 "$r"
out=$(body_of "$r" | verify_verdict r-api-0070)
check "expired request is a signed deny naming nobody: $out" test "$out" = "deny  expired: no verdict before the deadline"
check "votes after expiry are refused (409)" test "$(decide alice r-api-0070 approve late)" = 409

# ---- events
r=$(api POST /v1/events '{"version":1,"type":"break_glass_used","session":"s-test","agent_id":"test-agent","reason":"prod outage INC-7","request_id":"r-api-0080"}')
expect_code "break-glass event accepted" 202 "$r"
api POST /v1/requests "$(new_request r-api-0090)" >/dev/null
r=$(api POST /v1/events '{"version":1,"type":"request_cancelled","request_id":"r-api-0090","session":"s-test"}')
expect_code "cancel event accepted" 202 "$r"
r=$(api GET /v1/requests/r-api-0090/verdict); expect_code "cancelled request -> 410" 410 "$r"
api POST /v1/requests "$(new_request r-api-0091)" >/dev/null
api POST /v1/events '{"version":1,"type":"request_timed_out","request_id":"r-api-0091"}' >/dev/null
r=$(api GET /v1/requests/r-api-0091); check "timed-out event expires the request" grep -q '"status":"expired"' <<<"$r"
r=$(api POST /v1/events '{"type":"x"}'); expect_code "event without version -> 400" 400 "$r"
r=$(curl -s -w '\n%{http_code}' -H 'Content-Type: application/json' -d '{"version":1,"type":"x"}' "$AP_URL/v1/events")
expect_code "event without bearer -> 401" 401 "$r"

# ---- history and metrics
hist=$(curl -s -b "$T/jar.alice" "$AP_URL/history")
check "history shows who denied and why" grep -q 'not on a Friday' <<<"$hist"
check "history shows the break-glass event" grep -q 'break_glass_used' <<<"$hist"
met=$(curl -s -b "$T/jar.alice" "$AP_URL/metrics")
check "metrics: approval rate" grep -q 'id="m-approval-rate">[0-9.]*%' <<<"$met"
check "metrics: p50/p95" grep -q 'id="m-p95">[0-9]' <<<"$met"
check "metrics: timeouts per rule" grep -q '<td>rm-recursive</td>' <<<"$met"

check "approver still running" kill -0 "$AP_PID"
kill "$AP_PID"; wait "$AP_PID" 2>/dev/null
check "approver stops cleanly on SIGTERM" grep -q "shutting down" "$T/approver.log"
finish
