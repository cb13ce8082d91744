#!/usr/bin/env bash
# shim_connect.sh — connect() through the preload shim: TCP from Python and
# curl to a local server reached as "localhost" (the host name comes from the
# shim's getaddrinfo table), UDP connect, AF_UNIX skipped, gethostbyname,
# and denies by port and by host name (ECONNREFUSED, curl exit 7).
# Traffic stays on 127.0.0.1 / ::1.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/shim_helpers.bash"

# A tiny local HTTP server (not under the shim) on a free port.
"$PY" - "$T/port" <<'PYEOF' &
import socket, sys, threading, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.settimeout(1.0)
end = time.time() + 120
while time.time() < end:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    try:
        c.settimeout(2)
        c.recv(4096)
        c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    except OSError:
        pass
    c.close()
PYEOF
wait_for test -s "$T/port" || { fail "local server started"; finish; exit 1; }
PORT=$(cat "$T/port")

fake_start
under_shim "$PY" -c "
import socket
c = socket.create_connection(('localhost', $PORT), timeout=5)
c.sendall(b'GET / HTTP/1.0\r\n\r\n'); print(c.recv(100).split(b'\r\n')[0].decode()); c.close()
" >"$T/py.out" 2>"$T/py.err"
expect "python TCP via 'localhost': connected" grep -q "200 OK" "$T/py.out"
expect "python TCP: logged with host, numeric address, port, tcp" log_has kind=connect host=localhost addr=127.0.0.1 port="$PORT" udp=false hook=connect

: >"$LOG"
# curl answers "localhost" itself (RFC 6761) without the resolver, so curl's
# host-name check uses another loopback name from /etc/hosts when there is one.
LOOPNAME=$(awk '$1 ~ /^127\./ { for (i = 2; i <= NF; i++) if ($i !~ /localhost/) print $i }' /etc/hosts | head -n 1)
if command -v curl >/dev/null; then
  under_shim curl -s --max-time 10 "http://localhost:$PORT/" >"$T/curl.out" 2>"$T/curl.err"
  expect "curl via localhost: fetched" grep -qx hello "$T/curl.out"
  expect "curl: connect logged" log_has kind=connect addr=127.0.0.1 port="$PORT"
  if [ -n "$LOOPNAME" ]; then
    : >"$LOG"
    under_shim curl -s --max-time 10 "http://$LOOPNAME:$PORT/" >"$T/curl.out" 2>"$T/curl.err"
    expect "curl via $LOOPNAME: fetched" grep -qx hello "$T/curl.out"
    expect "curl: host name from getaddrinfo (resolver thread) on the connect" log_has kind=connect host="$LOOPNAME" port="$PORT"
  else
    skip "curl host name" "no loopback name besides localhost in /etc/hosts"
  fi
else
  skip "curl" "curl not installed"
fi

: >"$LOG"
under_shim "$PY" -c "
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.connect(('127.0.0.1', 9)); u.close()
x = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); x.connect('$SOCK'); x.close()
print('ok')
" >"$T/udp.out" 2>&1
expect "UDP connect: logged with udp=true, no host for a numeric address" log_has kind=connect addr=127.0.0.1 port=9 udp=true host=null
expect "AF_UNIX connect: not gated" test "$(log_count kind=connect)" -eq 1

: >"$LOG"
under_shim "$PY" -c "
import ctypes, socket
libc = ctypes.CDLL(None)
libc.gethostbyname.restype = ctypes.c_void_p
libc.gethostbyname(b'localhost')
c = socket.create_connection(('127.0.0.1', $PORT), timeout=5); c.close()
" >/dev/null 2>&1
expect "gethostbyname result names a later numeric connect" log_has kind=connect addr=127.0.0.1 port="$PORT" host=localhost

# --- denies ---------------------------------------------------------------------
fake_start --deny-port "$PORT"
under_shim "$PY" -c "
import socket
try:
    socket.create_connection(('127.0.0.1', $PORT), timeout=5)
    print('connected')
except ConnectionRefusedError as e:
    print('refused', e.errno)
" >"$T/deny.out" 2>"$T/deny.err"
expect "denied connect: ECONNREFUSED (111)" grep -qx "refused 111" "$T/deny.out"
expect "denied connect: deny line" grep -q "^interlock: denied connect 127.0.0.1:$PORT (rule deny-port: port $PORT is closed)$" "$T/deny.err"
if command -v curl >/dev/null; then
  under_shim curl -s --max-time 10 "http://localhost:$PORT/" >"$T/curl.out" 2>"$T/curl.err"; rc=$?
  expect "denied curl: exit 7 (could not connect)" test $rc -eq 7
  expect "denied curl: nothing fetched" test ! -s "$T/curl.out"
  expect "denied curl: deny line" grep -q "^interlock: denied connect 127.0.0.1:$PORT (rule deny-port" "$T/curl.err"
  if [ -n "$LOOPNAME" ]; then
    under_shim curl -s --max-time 10 "http://$LOOPNAME:$PORT/" >"$T/curl.out" 2>"$T/curl.err"
    expect "denied curl via $LOOPNAME: deny line names the host" grep -q "^interlock: denied connect 127.0.0.1:$PORT ($LOOPNAME) (rule deny-port" "$T/curl.err"
  fi
fi

fake_start --deny-host localhost
under_shim "$PY" -c "
import socket
for h in ('127.0.0.1', 'localhost'):
    try:
        socket.create_connection((h, $PORT), timeout=5).close(); print(h, 'connected')
    except OSError as e:
        print(h, 'error', e.errno)
" >"$T/host.out" 2>/dev/null
expect "deny by host: numeric address (no name known) allowed" grep -qx "127.0.0.1 connected" "$T/host.out"
expect "deny by host: the same address reached as localhost denied" grep -qx "localhost error 111" "$T/host.out"

fake_stop
finish
