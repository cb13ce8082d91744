#!/usr/bin/env bash
# arg_swap.sh — the seccomp TOCTOU race: a static, multi-threaded
# program unlinks a path buffer in a tight loop while another thread swaps
# the buffer between an allowed and a denied file for several seconds.
# The supervisor performs the delete itself with the bytes it decided on,
# so the denied file must survive while the allowed one is deleted.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/../integration/gate_common.bash"
cd "$T"

if ! "$INTERLOCK" run --enforce seccomp -- true 2>/dev/null; then
  skip "seccomp race" "seccomp user notification unavailable here"
  finish; exit $?
fi
STATIC="$T/static_ops"
if ! gcc -static -O2 -pthread -o "$STATIC" "$IL_ROOT/tests/static/static_ops.c" 2>/dev/null; then
  skip "seccomp race" "gcc -static failed"
  finish; exit $?
fi
cat >"$T/race.toml" <<'TOML'
version = 1
[defaults]
decision = "allow"
timeout = "30s"

[[rule]]
id = "no-del-keep"
kind = "delete"
path = ["**/keep*"]
decision = "deny"
TOML
chmod 600 "$T/race.toml"

SECS=${RACE_SECS:-4}
for MODE in seccomp both; do
  touch "$T/keep-race"
  "$INTERLOCK" run --rules "$T/race.toml" --enforce $MODE -- \
    "$STATIC" race "$T/free-race" "$T/keep-race" "$SECS" >"$T/race.out" 2>/dev/null
  check "$MODE: the denied file survived $SECS s of argument swapping" test -e "$T/keep-race"
  unlinked=$(sed -n 's/.*unlinked=\([0-9]*\).*/\1/p' "$T/race.out")
  check "$MODE: the allowed file was deleted meanwhile (unlinked=${unlinked:-?})" test "${unlinked:-0}" -gt 0
done

# Exec cannot be performed on the caller's behalf: an exec that needs a
# human is refused when another thread could swap its arguments after the
# check; the same exec from a single-threaded caller is approved normally.
cat >>"$T/race.toml" <<'TOML'

[[rule]]
id = "ask-prog"
kind = "exec"
program = ["ask-prog"]
decision = "approve"
TOML
cp /usr/bin/touch "$T/ask-prog"
for OP in threxec exec; do
  rm -f "$T/made-$OP"
  "$INTERLOCK" run --rules "$T/race.toml" --enforce seccomp -- "$STATIC" $OP "$T/ask-prog" "$T/made-$OP" >"$T/$OP.out" 2>&1 &
  r=$!
  if wait_pending 1; then
    "$INTERLOCK" approve "$(pending_ids | head -n1)" >/dev/null 2>&1
  else
    fail "$OP: the exec never became pending"
  fi
  wait $r
done
check "multi-threaded caller: approved exec still refused" test ! -e "$T/made-threxec"
check "multi-threaded caller: says why" grep -q 'another thread' "$T/threxec.out"
check "single-threaded caller: approved exec ran" test -e "$T/made-exec"
finish
