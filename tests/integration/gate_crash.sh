#!/usr/bin/env bash
# gate_crash.sh — the sidecar killed with SIGKILL while a call waits: the
# call is denied and nothing executes; an agent killed while its request is
# pending cancels the request (audited).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gate_common.bash"
cd "$T"

"$INTERLOCK" run --rules "$RULES" -- sh -c "/usr/bin/touch $T/crash; echo rc=\$? >$T/crash.rc" 2>err &
run=$!
if wait_pending 1; then
  kill -KILL $run
  wait_for test -f "$T/crash.rc"
  check "waiting call denied when the sidecar dies" grep -q 'rc=126' "$T/crash.rc"
  check "nothing executed" test ! -e "$T/crash"
else
  fail "request never became pending"
fi
wait $run 2>/dev/null
check "the dead sidecar left its session dir" sh -c "ls -d '$XDG_RUNTIME_DIR'/interlock/s-* >/dev/null 2>&1"
"$INTERLOCK" pending >/dev/null
check "interlock pending removes the stale session dir" sh -c "! ls -d '$XDG_RUNTIME_DIR'/interlock/s-* >/dev/null 2>&1"

# the agent process dies while its request is pending -> request_cancelled
AUDIT="$T/audit.jsonl"
"$INTERLOCK" run --rules "$RULES" --audit "$AUDIT" -- sh -c "/usr/bin/touch $T/cancel & echo \$! >$T/pid; wait" 2>err2 &
run=$!
if wait_pending 1; then
  kill -KILL "$(cat "$T/pid")"
  _none_pending() { [ "$(pending_count)" -eq 0 ]; }
  check "request disappears when its process dies" wait_for _none_pending
fi
wait $run
check "cancelled action did not happen" test ! -e "$T/cancel"
check "cancellation audited" audit_has "$AUDIT" request_cancelled
check "audit log verifies" "$INTERLOCK" audit verify "$AUDIT"

# a protocol error from a peer is answered with a deny and the sidecar survives
"$INTERLOCK" run --rules "$RULES" -- sh -c "
  python3 - \"\$INTERLOCK_SOCKET\" >$T/proto.out <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(struct.pack('=IHHII', 0xdeadbeef, 1, 1, 0, 0))
hdr = s.recv(16); magic, ver, typ, ln, _ = struct.unpack('=IHHII', hdr)
body = b''
while len(body) < ln: body += s.recv(ln - len(body))
print('type', typ); print('closed', s.recv(1) == b'')
i = 0; dec = None
while i < len(body):
    tag, fl, l = struct.unpack_from('=HHI', body, i); v = body[i+8:i+8+l]; i += 8 + l
    if tag == 40: dec = struct.unpack('=I', v)[0]
    if tag == 43: print('reason', v.decode())
print('decision', dec)
PY
  /usr/bin/true && echo alive >>$T/proto.out"
check "bad frame answered with a VERDICT" grep -q 'type 4' "$T/proto.out"
check "bad frame verdict is deny" grep -q 'decision 0' "$T/proto.out"
check "bad frame reason given" grep -q 'reason protocol error: bad frame magic' "$T/proto.out"
check "connection closed after a protocol error" grep -q 'closed True' "$T/proto.out"
check "sidecar still serves" grep -q alive "$T/proto.out"

finish
