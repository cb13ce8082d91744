#!/usr/bin/env bash
# shim_failclosed.sh — every way the sidecar can fail denies the call:
# socket missing, nobody listening, sidecar killed while a call waits
# (plain and after PENDING), garbage / oversized / truncated replies, an
# unknown decision, a misconfigured shim. Also: errno of allowed calls is
# the real call's own.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/shim_helpers.bash"

# --- socket missing ------------------------------------------------------------
touch "$T/keep"
SOCK_SAVE=$SOCK
SOCK="$T/no-such-dir/sidecar.sock"
under_shim bash -c "touch '$T/m1'; rm -f '$T/keep'" 2>"$T/err"
expect "socket missing: denied program did not run" test ! -e "$T/m1"
expect "socket missing: file not deleted" test -e "$T/keep"
expect "socket missing: message names the cause" \
  grep -qx "interlock: denied exec /usr/bin/touch (sidecar unreachable: No such file or directory)" "$T/err"
under_shim "$PY" -c "
import os, socket
try: os.remove('$T/keep')
except PermissionError as e: print('remove', e.errno)
try: socket.create_connection(('127.0.0.1', 9), timeout=2)
except ConnectionRefusedError as e: print('connect', e.errno)
" >"$T/py.out" 2>/dev/null
expect "socket missing: python os.remove -> EACCES" grep -qx "remove 13" "$T/py.out"
expect "socket missing: python connect -> ECONNREFUSED" grep -qx "connect 111" "$T/py.out"
SOCK=$SOCK_SAVE

# --- socket present, sidecar gone -----------------------------------------------
fake_start
kill -9 "$FAKE_PID"; wait "$FAKE_PID" 2>/dev/null; FAKE_PID=
under_shim bash -c "touch '$T/m2'" 2>"$T/err"
expect "dead sidecar: program did not run" test ! -e "$T/m2"
expect "dead sidecar: Connection refused" grep -qx "interlock: denied exec /usr/bin/touch (sidecar unreachable: Connection refused)" "$T/err"

# --- killed while a call waits ------------------------------------------------------
for mode in --hang "--pending-then-allow --pending-delay 60"; do
  fake_start $mode
  under_shim bash -c "touch '$T/m3'; rm -f '$T/keep'" 2>"$T/err" &
  bg=$!
  wait_for log_has kind=exec program=/usr/bin/touch || fail "$mode: request reached the fake"
  sleep 0.2
  kill -0 $bg 2>/dev/null && waiting=1 || waiting=0
  expect "killed mid-wait ($mode): the call was still waiting" test $waiting -eq 1
  kill -9 "$FAKE_PID"; wait "$FAKE_PID" 2>/dev/null; FAKE_PID=
  wait $bg
  expect "killed mid-wait ($mode): nothing executed" test ! -e "$T/m3"
  expect "killed mid-wait ($mode): file kept" test -e "$T/keep"
  expect "killed mid-wait ($mode): connection-lost line" \
    grep -qx "interlock: denied exec /usr/bin/touch (sidecar connection lost)" "$T/err"
done

# --- malformed replies ---------------------------------------------------------------
check_reply() {
  local what=$1 line=$2; shift 2
  fake_start "$@"
  rm -f "$T/m4"
  under_shim bash -c "touch '$T/m4'" 2>"$T/err"
  expect "$what: program did not run" test ! -e "$T/m4"
  expect "$what: deny line" grep -qxF "$line" "$T/err"
}
check_reply "garbage reply" "interlock: denied exec /usr/bin/touch (malformed sidecar reply: bad frame header)" --garbage
check_reply "oversized reply" "interlock: denied exec /usr/bin/touch (malformed sidecar reply: reply too large)" --oversized
check_reply "closed without reply" "interlock: denied exec /usr/bin/touch (sidecar connection lost)" --close
check_reply "unknown decision" "interlock: denied exec /usr/bin/touch (unknown sidecar decision 7)" --bad-decision 7

# --- misconfiguration --------------------------------------------------------------
SOCK_SAVE=$SOCK
SOCK="$T/$(printf 'x%.0s' $(seq 1 120))"
under_shim bash -c "touch '$T/m5'" 2>"$T/err"
expect "socket path too long: denied" test ! -e "$T/m5"
expect "socket path too long: says so" grep -q "^interlock: denied exec /usr/bin/touch (interlock shim misconfigured: INTERLOCK_SOCKET is empty or too long" "$T/err"
SOCK=$SOCK_SAVE

# --- errno of allowed calls is the real one ------------------------------------------
fake_start
mkdir -p "$T/full"; touch "$T/full/f"
under_shim "$PY" -c "
import errno, os, socket
def code(f):
    try: f(); return 0
    except OSError as e: return errno.errorcode[e.errno]
print('unlink-missing', code(lambda: os.remove('$T/missing')))
print('rmdir-notempty', code(lambda: os.rmdir('$T/full')))
s = socket.socket(); s.settimeout(2)
print('connect-closed', code(lambda: s.connect(('127.0.0.1', 9))))
" >"$T/errno.out" 2>&1
expect "allowed unlink of a missing file: ENOENT" grep -qx "unlink-missing ENOENT" "$T/errno.out"
expect "allowed rmdir of a full directory: ENOTEMPTY" grep -qx "rmdir-notempty ENOTEMPTY" "$T/errno.out"
expect "allowed connect to a closed port: ECONNREFUSED from the kernel" grep -qx "connect-closed ECONNREFUSED" "$T/errno.out"
under_shim bash -c "$T/no-such-program; echo rc=\$?" >"$T/out" 2>/dev/null
expect "exec of a missing program: ENOENT (bash 127)" grep -qx rc=127 "$T/out"
expect "exec of a missing program: sidecar not asked" test "$(log_count kind=exec program="$T/no-such-program")" -eq 0

fake_stop
finish
