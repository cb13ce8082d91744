#!/usr/bin/env bash
# ctl_self_approve.sh — the agent talks to its sidecar's control socket
# directly (no `interlock` CLI): it lists its own pending request, sends
# `decide approve` and `break_glass` for it, registers itself as a tree
# root and tries again, from a double-forked setsid'd grandchild too, and
# throws garbage at the socket (not JSON, a line over the 1 MiB limit,
# JSON nested 100,000 deep). Every decision attempt is refused and
# audited, the action does not happen, the sidecar keeps serving, and a
# reviewer outside the tree can still deny it.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/../integration/gate_common.bash"
cd "$T"
AUDIT="$T/audit.jsonl"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$T/bg.secret"

cat >"$T/self.py" <<'PY'
import json, os, socket, sys, time
ctl = os.path.join(os.path.dirname(os.environ["INTERLOCK_SOCKET"]), "ctl.sock")
out = open(sys.argv[1], "a", buffering=1)
def call(obj_or_bytes, expect_reply=True):
    s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(ctl)
    data = obj_or_bytes if isinstance(obj_or_bytes, bytes) else json.dumps(obj_or_bytes).encode() + b"\n"
    try:
        s.sendall(data)
    except OSError as e:
        return {"sendfail": e.strerror}
    buf = b""
    try:
        while not buf.endswith(b"\n"):
            d = s.recv(65536)
            if not d: break
            buf += d
    except OSError as e:
        return {"recvfail": str(e)}
    s.close()
    try:
        return json.loads(buf) if buf else {"closed": True}
    except ValueError:
        return {"raw": buf[:200].decode(errors="replace")}
rid = None
for _ in range(100):
    reqs = call({"op": "pending"}).get("requests", [])
    if reqs:
        rid = reqs[0]["id"]; break
    time.sleep(0.1)
out.write("id=%s\n" % rid)
who = sys.argv[2]
r = call({"op": "decide", "id": rid, "decision": "approve", "reason": "I approve myself"})
out.write("%s decide ok=%s decided=%s error=%s\n" % (who, r.get("ok"), r.get("decided"), r.get("error")))
r = call({"op": "break_glass", "reason": "me", "for_ms": 60000, "rules": [], "secret": open(sys.argv[3]).read().strip()})
out.write("%s break_glass ok=%s error=%s\n" % (who, r.get("ok"), r.get("error")))
# register as a tree root, then try again on the same connection
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(ctl)
s.sendall(b'{"op":"register"}\n' + json.dumps({"op": "decide", "id": rid, "decision": "approve"}).encode() + b"\n")
time.sleep(0.5)
resp = s.recv(65536).decode(errors="replace")
out.write("%s register+decide %s\n" % (who, "refused" if '"decided":true' not in resp else "APPROVED"))
s.close()
if who == "agent":
    for junk in (b"not json at all\n", b"{\"op\": 7}\n", b"[" * 100000 + b"\n", b"x" * (1024 * 1024 + 10) + b"\n",
                 b"\x00\xff\xfe garbage\n"):
        call(junk)
    out.write("garbage-sent pending-after=%s\n" % ("ok" if call({"op": "pending"}).get("ok") else "broken"))
PY

"$INTERLOCK" run --rules "$RULES" --audit "$AUDIT" --timeout 30s -- sh -c "
  (/usr/bin/touch $T/self-made; echo touch_rc=\$? > $T/touch.rc) &
  python3 $T/self.py $T/self.out agent $T/bg.secret
  setsid sh -c 'python3 $T/self.py $T/self.out grandchild $T/bg.secret &' </dev/null >/dev/null 2>&1
  sleep 2
  wait" 2>"$T/run.err" &
run=$!
_has_garbage() { grep -q 'garbage-sent' "$T/self.out" 2>/dev/null && grep -q 'grandchild register' "$T/self.out" 2>/dev/null; }
WAIT_SECS=30 wait_for _has_garbage
cat "$T/self.out"
check "agent found its pending request" grep -q 'id=r-' "$T/self.out"
check "agent's decide refused" grep -q 'agent decide ok=False' "$T/self.out"
check "agent's break_glass refused" grep -q 'agent break_glass ok=False' "$T/self.out"
check "agent's register-then-decide refused" grep -q 'agent register+decide refused' "$T/self.out"
check "grandchild (setsid, re-parented) decide refused" grep -q 'grandchild decide ok=False' "$T/self.out"
check "grandchild register-then-decide refused" grep -q 'grandchild register+decide refused' "$T/self.out"
check "control socket still answers after garbage" grep -q 'pending-after=ok' "$T/self.out"
check "still pending after all that" test ! -e "$T/touch.rc"
id=$(pending_ids | head -n1)
check "reviewer outside the tree denies it" "$INTERLOCK" deny "$id" --reason "outside"
wait $run
check "the action did not happen" test ! -e "$T/self-made"
check "the agent saw the deny" grep -q 'touch_rc=1' "$T/touch.rc"
n=$(grep -c '"event":"self_approval_refused"' "$AUDIT")
check "every self-approval attempt audited ($n)" test "$n" -ge 4
check "audit log verifies" "$INTERLOCK" audit verify "$AUDIT"
finish
