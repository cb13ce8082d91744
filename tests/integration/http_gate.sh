#!/usr/bin/env bash
# http_gate.sh — HTTP request gating end to end: local HTTP and HTTPS
# servers (Python, self-signed certificate made here, every received request
# logged), real clients under `interlock run`: Python urllib and http.client
# (plain and TLS), curl (OpenSSL), wget and gnutls-cli (GnuTLS), Node http
# (full URL) and Node https (bundled OpenSSL: host level only).
# For each: an allowed GET goes through; a denied POST never reaches the
# server; an approved POST reaches it exactly once; on one keep-alive
# connection a GET then a denied DELETE are each decided.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gate_common.bash"
cd "$T"
PY="$IL_ROOT/tests/helpers"

HR="$T/http.toml"
cat >"$HR" <<'TOML'
version = 1
[defaults]
decision = "allow"
timeout = "30s"

[[rule]]
id = "no-refunds"
description = "refunds are forbidden"
kind = "http"
method = ["POST"]
path = ["/v1/refunds"]
decision = "deny"

[[rule]]
id = "charges-need-approval"
kind = "http"
method = ["POST"]
url = ["http*://*/v1/charges"]
decision = "approve"

[[rule]]
id = "no-delete"
kind = "http"
method = ["DELETE"]
decision = "deny"
TOML
chmod 600 "$HR"
OPEN="$T/open.toml"
printf 'version = 1\n[defaults]\ndecision = "allow"\n[[rule]]\nid = "local-https"\nkind = "http"\nhost = ["localhost"]\ndecision = "allow"\n' >"$OPEN"
chmod 600 "$OPEN"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 \
  -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1
HP=$(free_port); SP=$(free_port)
python3 "$PY/http_server.py" "$HP" "$T/plain.log" &
python3 "$PY/http_server.py" "$SP" "$T/tls.log" cert.pem key.pem &
wait_for test -f "$T/plain.log.ready" && wait_for test -f "$T/tls.log.ready" ||
  fail "servers did not start"
: >"$T/plain.log"; : >"$T/tls.log"
AUDIT="$T/audit.jsonl"
run() { "$INTERLOCK" run --rules "$HR" --audit "$AUDIT" -- "$@"; }
# count LOG LINE: how many times the server logged exactly LINE
count() { grep -cx -- "$2" "$1"; }

# ---- Python urllib, plain and TLS --------------------------------------
for s in plain tls; do
  if [ $s = plain ]; then base="http://127.0.0.1:$HP" ca=; log=$T/plain.log
  else base="https://localhost:$SP" ca=$T/cert.pem; log=$T/tls.log; fi
  run python3 "$PY/http_client.py" urllib GET "$base/py-$s-ok" $ca >out 2>err
  check "urllib $s: allowed GET reaches the server" test "$(count $log "GET /py-$s-ok 0")" = 1
  run python3 "$PY/http_client.py" urllib POST "$base/v1/refunds?py=$s" $ca >out 2>err
  check "urllib $s: denied POST fails in the client" grep -q ERR out
  check "urllib $s: denied POST never reaches the server" test "$(grep -c "/v1/refunds?py=$s" $log)" = 0
  check "urllib $s: the deny names method and URL" grep -q "denied http POST ${base/127.0.0.1/127.0.0.1}/v1/refunds?py=$s" err
done

# ---- approval through the cli approver (Python https) --------------------
run python3 "$PY/http_client.py" urllib POST "https://localhost:$SP/v1/charges" "$T/cert.pem" >out 2>err &
pid=$!
if wait_pending 1; then
  check "approve: pending shows the URL" sh -c "'$INTERLOCK' pending | grep -q 'POST https://localhost:$SP/v1/charges'"
  check "approve: no byte reached the server while pending" test "$(grep -c /v1/charges $T/tls.log)" = 0
  "$INTERLOCK" approve "$(pending_ids | head -n1)" --reason ok >/dev/null
else
  fail "approve: request never became pending"
fi
wait $pid
check "approve: approved POST reaches the server exactly once" test "$(count $T/tls.log "POST /v1/charges 10")" = 1
check "approve: client saw 200" grep -q 'status 200' out

# deny by a reviewer (plain http)
run python3 "$PY/http_client.py" urllib POST "http://127.0.0.1:$HP/v1/charges" >out 2>err &
pid=$!
if wait_pending 1; then
  "$INTERLOCK" deny "$(pending_ids | head -n1)" --reason "not today" >/dev/null
fi
wait $pid
check "reviewer deny: nothing reaches the server" test "$(grep -c /v1/charges $T/plain.log)" = 0
check "reviewer deny: reason reaches the agent" grep -q 'not today' err

# ---- keep-alive: GET then DELETE on one connection -----------------------
for s in plain tls; do
  if [ $s = plain ]; then hp="127.0.0.1:$HP" tls=0 log=$T/plain.log; else hp="localhost:$SP" tls=1 log=$T/tls.log; fi
  run python3 "$PY/http_client.py" keepalive "$hp" $tls "$T/cert.pem" "/ka-$s" DELETE "/items/$s" >out 2>err
  check "keep-alive $s: first GET allowed" test "$(count $log "GET /ka-$s 0")" = 1
  check "keep-alive $s: DELETE on the same connection denied" sh -c "sed -n 2p out | grep -q ERR"
  check "keep-alive $s: DELETE never reaches the server" test "$(grep -c "/items/$s" $log)" = 0
done

# ---- curl (OpenSSL) ------------------------------------------------------
run curl -sS --cacert cert.pem "https://localhost:$SP/curl-ok" >out 2>err
check "curl: allowed GET" test "$(count $T/tls.log "GET /curl-ok 0")" = 1
run curl -sS --cacert cert.pem -d a=1 "https://localhost:$SP/v1/refunds?c=1" >out 2>err; st=$?
check "curl: denied POST fails" test $st -ne 0
check "curl: denied POST never reaches the server" test "$(grep -c 'refunds?c=1' $T/tls.log)" = 0
run curl -sS -d a=1 "http://127.0.0.1:$HP/v1/refunds?c=2" >out 2>err
check "curl plain: denied POST never reaches the server" test "$(grep -c 'refunds?c=2' $T/plain.log)" = 0

# ---- wget (GnuTLS) -------------------------------------------------------
if command -v wget >/dev/null; then
  run wget -q -O- --ca-certificate=cert.pem "https://localhost:$SP/wget-ok" >out 2>err
  check "wget: allowed GET" test "$(count $T/tls.log "GET /wget-ok 0")" = 1
  run wget -q -O- --tries=1 --ca-certificate=cert.pem --post-data=a=1 "https://localhost:$SP/v1/refunds?w=1" >out 2>err; st=$?
  check "wget: denied POST fails" test $st -ne 0
  check "wget: denied POST never reaches the server" test "$(grep -c 'refunds?w=1' $T/tls.log)" = 0
else
  skip "wget" "not installed"
fi

# ---- gnutls-cli: the request head arrives in several record writes -------
if command -v gnutls-cli >/dev/null; then
  printf 'GET /gnutls-ok HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
    run gnutls-cli --logfile=/dev/null --x509cafile cert.pem -p "$SP" localhost >out 2>err
  check "gnutls-cli: allowed GET (head split over writes)" test "$(count $T/tls.log "GET /gnutls-ok 0")" = 1
  printf 'POST /v1/refunds?g=1 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc' |
    run gnutls-cli --logfile=/dev/null --x509cafile cert.pem -p "$SP" localhost >out 2>err
  check "gnutls-cli: denied POST never reaches the server" test "$(grep -c 'refunds?g=1' $T/tls.log)" = 0
  check "gnutls-cli: deny line" grep -q 'denied http POST https://localhost' err
else
  skip "gnutls-cli" "install gnutls-bin"
fi

# ---- Node http (full URL) and https (host level) --------------------------
if command -v node >/dev/null; then
  NJS="$T/req.js"
  cat >"$NJS" <<'JS'
const [mod, method, url, ca] = process.argv.slice(2);
const opts = { method };
if (ca) opts.ca = require('fs').readFileSync(ca);
const r = require(mod).request(url, opts, res => {
  res.resume(); res.on('end', () => console.log('status', res.statusCode));
});
r.on('error', e => console.log('ERR', e.code || e.message));
if (method === 'POST') r.write('a=1');
r.end();
JS
  run node "$NJS" http GET "http://127.0.0.1:$HP/node-ok" >out 2>err
  check "node http: allowed GET" test "$(count $T/plain.log "GET /node-ok 0")" = 1
  run node "$NJS" http POST "http://127.0.0.1:$HP/v1/refunds?n=1" >out 2>err
  check "node http: denied POST never reaches the server" test "$(grep -c 'refunds?n=1' $T/plain.log)" = 0
  check "node http: client sees the failure" grep -q ERR out
  "$INTERLOCK" run --rules "$OPEN" --audit "$T/node.jsonl" -- node "$NJS" https GET "https://localhost:$SP/nodes-ok" "$T/cert.pem" >out 2>err
  check "node https: allowed GET (host-level decision)" test "$(count $T/tls.log "GET /nodes-ok 0")" = 1
  check "node https: audit says the URL was not visible" grep -q '"kind":"http".*"url_visible":false' "$T/node.jsonl"
  run node "$NJS" https POST "https://localhost:$SP/v1/refunds?n=2" "$T/cert.pem" >out 2>err
  check "node https: POST denied by host-level decision" test "$(grep -c 'refunds?n=2' $T/tls.log)" = 0
  check "node https: deny says url not visible" grep -q 'url not visible' err
else
  skip "node" "not installed"
fi

check "audit log verifies" "$INTERLOCK" audit verify "$AUDIT"
finish
