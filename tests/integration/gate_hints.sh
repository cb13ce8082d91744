#!/usr/bin/env bash
# gate_hints.sh — the shim's delete screen (interceptor/shim_hints.c) may
# only ever ask too often: every path a rule's glob matches is still
# asked about (and denied) — including the glob forms whose matches do not
# contain the pattern's text verbatim ("/x/**" matching "/x", "a/**/b"
# matching "a/b", a leading "**/", ${CWD}, classes, escapes) — while a
# delete no rule can gate costs no round trip to the sidecar at all; the
# same for execs of programs no exec rule names, and for HTTP requests no
# http rule can match (by method, host, or the host its url names).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gate_common.bash"
cd "$T"
R="$T/hint-rules.toml"
cat >"$R" <<TOML
version = 1
[defaults]
decision = "allow"
[[rule]]
id = "deny-tree"
kind = "delete"
path = ["$T/x/**", "**/.git", "$T/a/**/b", "\${CWD}/cwdsecret*", "$T/k/[abc]*.key", "$T/e/star\\\\*name", "**/deep/**/leaf?"]
decision = "deny"
[[rule]]
id = "no-shred"
kind = "exec"
program = ["shred"]
decision = "deny"
[[rule]]
id = "allow-logged"
kind = "delete"
path = ["**/logged/**"]
decision = "allow"
TOML
chmod 600 "$R"
mkdir -p x/y a/b a/m/n/b w/.git k e d/deep/1/2 free
touch x/y/f a/m/n/b/f k/a1.key k/z1.key "e/star*name" d/deep/1/2/leafZ free/f1 free/f2 cwdsecret-1
# (path, expected to survive) pairs, each removed by python (unlink/rmdir)
cases=(
  "$T/x:dir" "$T/x/y/f:file" "$T/w/.git:dir" "$T/a/b:dir" "$T/a/m/n/b:dir"
  "$T/cwdsecret-1:file" "$T/k/a1.key:file" "$T/e/star*name:file" "$T/d/deep/1/2/leafZ:file"
)
script='import os, sys
for arg in sys.argv[1:]:
    p, kind = arg.rsplit(":", 1)
    try:
        (os.rmdir if kind == "dir" else os.remove)(p)
        print("removed", p)
    except OSError as e:
        print("kept", p, e.errno)'
"$INTERLOCK" run --enforce preload --rules "$R" -- python3 -c "$script" "${cases[@]}" >out 2>err
for c in "${cases[@]}"; do
  p=${c%:*}
  check "guarded by a deny glob, still denied: ${p#$T/}" grep -qxF "kept $p 13" out
done
# the screen over-approximates; an unguarded file next to guarded ones
"$INTERLOCK" run --enforce preload --rules "$R" -- python3 -c "$script" "$T/k/z1.key:file" "$T/free/f1:file" >out2 2>&1
check "an unguarded file is deleted (k/z1.key)" grep -qxF "removed $T/k/z1.key" out2
check "an unguarded file is deleted (free/f1)" grep -qxF "removed $T/free/f1" out2

# a delete an allow rule matches still reaches the sidecar: it is audited
mkdir -p logged; : >logged/f
"$INTERLOCK" run --enforce preload --rules "$R" --audit "$T/audit.jsonl" -- rm -f "$T/logged/f" 2>/dev/null
check "a delete matched by an allow rule is deleted" test ! -e logged/f
check "... and audited with its rule" grep -q '"rule":"allow-logged"' "$T/audit.jsonl"

# no round trip for deletes no rule can gate: count the shim's requests
if command -v strace >/dev/null; then
  mkdir -p many; for i in $(seq 200); do : >"many/f$i"; done
  strace -f -qq -e trace=sendmsg -o "$T/st" "$INTERLOCK" run --enforce preload --rules "$R" -- rm -rf "$T/many" 2>/dev/null
  n=$(grep -c 'ILK1' "$T/st" || true)
  check "rm -rf of 200 unguarded files: removed" test ! -e many
  check "rm -rf of 200 unguarded files: no per-file request to the sidecar ($n frames)" test "$n" -lt 5
  mkdir -p many/.git; for i in $(seq 20); do : >"many/f$i"; done
  strace -f -qq -e trace=sendmsg -o "$T/st2" "$INTERLOCK" run --enforce preload --rules "$R" --dry-run -- rm -rf "$T/many" 2>/dev/null
  n=$(grep -c 'ILK1' "$T/st2" || true)
  check "dry-run: every delete is still reported to the sidecar ($n frames)" test "$n" -ge 21
else
  skip "round-trip count" "strace not installed"
fi

# execs: a shell fetches the hints before it forks; its children skip the
# round trip only for programs no exec rule names — by path, by basename,
# or by argv[0] (rules match all of them)
mkdir -p bin; cp /usr/bin/true bin/shred; : >victim
"$INTERLOCK" run --enforce preload --rules "$R" -- bash -c "/bin/true; /bin/true; shred -u $T/victim; echo shred_rc=\$?" >out3 2>err3
check "a program a rule names is still denied after the shell forked" test -e victim
check "... with the rule named" grep -q 'rule no-shred' err3
"$INTERLOCK" run --enforce preload --rules "$R" -- bash -c "/bin/true; $T/bin/shred; echo rc=\$?" >out4 2>&1
check "a copy of a harmless program under a gated name is denied" grep -q 'rc=126' out4
"$INTERLOCK" run --enforce preload --rules "$R" -- bash -c "/bin/true; (exec -a shred /usr/bin/true); echo rc=\$?" >out5 2>&1
check "a harmless program run with argv[0] shred is denied" grep -q 'rc=126' out5
if command -v strace >/dev/null; then
  strace -f -qq -e trace=sendmsg -o "$T/st3" "$INTERLOCK" run --enforce preload --rules "$R" -- \
    bash -c 'for i in $(seq 50); do /bin/true; done' 2>/dev/null
  n=$(grep -c 'ILK1' "$T/st3" || true)
  check "50 execs of a program no rule names: no per-exec request ($n frames)" test "$n" -lt 5
  strace -f -qq -e trace=sendmsg -o "$T/st4" "$INTERLOCK" run --enforce preload --rules "$R" --dry-run -- \
    bash -c 'for i in $(seq 50); do /bin/true; done' 2>/dev/null
  n=$(grep -c 'ILK1' "$T/st4" || true)
  check "dry-run: every exec is still reported ($n frames)" test "$n" -ge 50
fi

# ---- HTTP: per-rule screen by method, host and the host a url names -------
# Requests no http rule can match (other methods, other hosts) cost no
# round trip, plain and over TLS; a request a rule may match — whatever the
# case of its method and host — is still asked, decided and audited.
HR="$T/http-rules.toml"
cat >"$HR" <<'TOML'
version = 1
[defaults]
decision = "allow"
timeout = "30s"
[[rule]]
id = "refunds"
kind = "http"
method = ["POST"]
url = ["https://api.stripe.com/v1/refunds*"]
decision = "approve"
[[rule]]
id = "no-delete-prod"
kind = "http"
method = ["DELETE"]
host = ["prod.example.com"]
decision = "deny"
[[rule]]
id = "no-put-local"
kind = "http"
method = ["put"]
host = ["LocalHost"]
decision = "deny"
[[rule]]
id = "charges-local"
kind = "http"
method = ["POST"]
url = ["https://localhost:*/v1/charges", "http://localhost:*/v1/charges"]
decision = "approve"
[[rule]]
id = "logged-patch"
kind = "http"
method = ["PATCH"]
host = ["127.0.0.1"]
decision = "allow"
TOML
chmod 600 "$HR"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 \
  -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1
HP=$(free_port); SP=$(free_port)
python3 "$IL_ROOT/tests/helpers/http_server.py" "$HP" "$T/plain.log" &
python3 "$IL_ROOT/tests/helpers/http_server.py" "$SP" "$T/tls.log" cert.pem key.pem &
wait_for test -f "$T/plain.log.ready" && wait_for test -f "$T/tls.log.ready" || fail "servers did not start"
# N requests METHOD to HOST:PORT/TAG/i on one keep-alive connection (tls 0/1)
cat >"$T/reqs.py" <<'PY'
import http.client, ssl, sys
host, port, tls, n, method, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3] == '1', int(sys.argv[4]), sys.argv[5], sys.argv[6]
if tls:
    c = http.client.HTTPSConnection(host, port, context=ssl.create_default_context(cafile=sys.argv[7]), timeout=30)
else:
    c = http.client.HTTPConnection(host, port, timeout=30)
for i in range(n):
    try:
        c.request(method, tag if tag.startswith('/') else '/%s/%d' % (tag, i), body=b'x=1' if method.upper() in ('POST', 'PUT', 'PATCH') else None)
        r = c.getresponse(); r.read(); print('status', r.status)
    except Exception as e:
        print('ERR', repr(e)); break
PY
HA="$T/http-audit.jsonl"
# the interpreter itself, not a wrapper script whose execs would be counted
PYBIN=$(python3 -c 'import sys; print(sys.executable)')
HRUN=("$INTERLOCK" run --enforce preload --rules "$HR" --audit "$HA")
hrun() { "${HRUN[@]}" "$@"; }
if command -v strace >/dev/null; then
  for s in plain tls; do
    if [ $s = plain ]; then port=$HP tls=0 log=$T/plain.log; else port=$SP tls=1 log=$T/tls.log; fi
    for m in GET POST DELETE; do
      strace -f -qq -e trace=sendmsg -o "$T/sth" "${HRUN[@]}" -- "$PYBIN" "$T/reqs.py" 127.0.0.1 $port $tls 30 $m "free-$s-$m" "$T/cert.pem" >out 2>/dev/null
      n=$(grep -c 'ILK1' "$T/sth" || true)
      check "$s: 30 ${m}s to 127.0.0.1 (no rule can match) all reach the server" test "$(grep -c "^$m /free-$s-$m/" "$log")" = 30
      check "$s: ... with no per-request round trip ($n frames)" test "$n" -lt 5
    done
    # the charges rule names localhost: POSTs there are each asked (and allowed: other path)
    strace -f -qq -e trace=sendmsg -o "$T/sth" "${HRUN[@]}" -- "$PYBIN" "$T/reqs.py" localhost $port $tls 20 POST "maybe-$s" "$T/cert.pem" >out 2>/dev/null
    n=$(grep -c 'ILK1' "$T/sth" || true)
    check "$s: 20 POSTs to localhost (a rule's url host) reach the server" test "$(grep -c "^POST /maybe-$s/" "$log")" = 20
    check "$s: ... each asked about ($n frames)" test "$n" -ge 20
    strace -f -qq -e trace=sendmsg -o "$T/sth" "$INTERLOCK" run --enforce preload --rules "$HR" --dry-run -- \
      "$PYBIN" "$T/reqs.py" 127.0.0.1 $port $tls 20 GET "dry-$s" "$T/cert.pem" >out 2>/dev/null
    n=$(grep -c 'ILK1' "$T/sth" || true)
    check "$s: dry-run: every request is still reported ($n frames)" test "$n" -ge 20
  done
else
  skip "HTTP round-trip count" "strace not installed"
fi
# mixed case: the rule says method "put" and host "LocalHost"
for s in plain tls; do
  if [ $s = plain ]; then port=$HP tls=0 log=$T/plain.log; else port=$SP tls=1 log=$T/tls.log; fi
  for m in PUT Put pUT; do
    hrun -- python3 "$T/reqs.py" LOCALHOST $port $tls 1 $m "put-$s-$m" "$T/cert.pem" >out 2>err
    check "$s: $m to LOCALHOST is denied by the rule" grep -q ERR out
    check "$s: ... never reaches the server" test "$(grep -c "/put-$s-$m/" "$log")" = 0
    check "$s: ... with the rule named" grep -q 'no-put-local' err
  done
  hrun -- python3 "$T/reqs.py" 127.0.0.1 $port $tls 1 PUT "put-free-$s" "$T/cert.pem" >out 2>err
  check "$s: PUT to 127.0.0.1 (another host) goes through" test "$(grep -c "^PUT /put-free-$s/0 " "$log")" = 1
  # an allow rule's request is asked, so it is audited
  hrun -- python3 "$T/reqs.py" 127.0.0.1 $port $tls 1 PATCH "patch-$s" "$T/cert.pem" >out 2>err
  check "$s: PATCH to 127.0.0.1 (an allow rule) goes through" test "$(grep -c "^PATCH /patch-$s/0 " "$log")" = 1
  check "$s: ... and is audited with its rule" grep -q "/patch-$s/0.*\"rule\":\"logged-patch\"" "$HA"
done
check "requests no rule matched left no audit record" sh -c "! grep -q '/free-' '$HA'"
# approve and reviewer deny still work for a request the screen lets through to the sidecar
hrun -- python3 "$T/reqs.py" LocalHost "$SP" 1 1 POST /v1/charges "$T/cert.pem" >out 2>err &
pid=$!
if wait_pending 1; then
  check "tls: POST to LocalHost/v1/charges is pending, nothing sent yet" test "$(grep -c '/v1/charges' "$T/tls.log")" = 0
  "$INTERLOCK" approve "$(pending_ids | head -n1)" --reason ok >/dev/null
else
  fail "tls: the charges POST never became pending"
fi
wait $pid
check "tls: approved POST reaches the server once" test "$(grep -c '^POST /v1/charges ' "$T/tls.log")" = 1
check "tls: ... audited with its rule" grep -q '"rule":"charges-local"' "$HA"
hrun -- python3 "$T/reqs.py" localhost "$HP" 0 1 POST /v1/charges >out 2>err &
pid=$!
if wait_pending 1; then
  "$INTERLOCK" deny "$(pending_ids | head -n1)" --reason "not today" >/dev/null
else
  fail "plain: the charges POST never became pending"
fi
wait $pid
check "plain: reviewer-denied POST never reaches the server" test "$(grep -c '/v1/charges' "$T/plain.log")" = 0
check "plain: ... the client sees the failure" grep -q ERR out
check "http audit log verifies" "$INTERLOCK" audit verify "$HA"
finish
