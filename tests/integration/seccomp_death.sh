#!/usr/bin/env bash
# seccomp_death.sh — supervisor death: once the process holding the
# seccomp listener is gone, every intercepted call fails (ENOSYS) and
# nothing is deleted or executed. With `interlock serve`, the launcher
# (`interlock run --connect`) notices and says so on stderr.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gate_common.bash"
cd "$T"

if ! "$INTERLOCK" run --enforce seccomp -- true 2>/dev/null; then
  skip "seccomp supervisor death" "seccomp user notification unavailable here"
  finish; exit $?
fi
STATIC="$T/static_ops"
if ! gcc -static -O2 -pthread -o "$STATIC" "$IL_ROOT/tests/static/static_ops.c" 2>/dev/null; then
  skip "seccomp supervisor death" "gcc -static failed"
  finish; exit $?
fi
_has() { grep -q "$2" "$1" 2>/dev/null; }

# Private sidecar: kill `interlock run` (it is the supervisor).
touch "$T/victim"
"$INTERLOCK" run --rules "$RULES" --enforce seccomp -- sh -c \
  "'$STATIC' after 2 unlink '$T/victim' >'$T/u.out' & '$STATIC' after 2 exec /usr/bin/touch '$T/made' >'$T/e.out' & '$STATIC' after 2 setuid 65534 >'$T/s.out' & wait" \
  2>"$T/run.err" &
run=$!
sleep 1
kill -KILL $run
wait $run 2>/dev/null
sleep 2
check "private: gated delete fails after the supervisor died" wait_for _has "$T/u.out" 'errno=ENOSYS'
check "private: nothing was deleted" test -e "$T/victim"
check "private: exec fails too" wait_for _has "$T/e.out" 'errno=ENOSYS'
check "private: nothing was executed" test ! -e "$T/made"
if [ "$(id -u)" = 0 ]; then
  check "private: a uid change fails too (the reported set*id calls)" wait_for _has "$T/s.out" 'errno=ENOSYS'
  check "private: ... and the uid stayed" _has "$T/s.out" '^uid=0$'
fi

# Shared sidecar: kill `interlock serve`; the launcher reports it.
cat >"$T/serve.toml" <<EOF2
socket_dir = "sock"
rules = ["rules.toml"]
approver = "cli"
EOF2
"$INTERLOCK" serve --config "$T/serve.toml" 2>"$T/serve.err" &
srv=$!
SOCK="$T/sock/agent.sock"
check "serve listens" wait_for test -S "$SOCK"
check "serve offers the seccomp hand-off" wait_for test -S "$T/sock/seccomp.sock"
touch "$T/victim2"
"$INTERLOCK" run --connect "$SOCK" --enforce seccomp -- \
  "$STATIC" after 2 unlink "$T/victim2" >"$T/u2.out" 2>"$T/run2.err" &
run=$!
sleep 1
kill -KILL $srv
wait $srv 2>/dev/null
wait $run
check "serve: gated delete fails after the sidecar died" grep -q 'errno=ENOSYS' "$T/u2.out"
check "serve: nothing was deleted" test -e "$T/victim2"
check "serve: the launcher reports the supervisor's death" grep -q 'supervising this agent died' "$T/run2.err"
finish
