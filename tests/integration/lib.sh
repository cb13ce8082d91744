# lib.sh — shared helpers for integration tests (sourced, not run).
#
#   source "$(dirname "$0")/lib.sh"
#   check "name" test -f file         # runs a command; pass when it exits 0
#   pass "name" / fail "name" "why" / skip "name" "why"
#   finish                             # prints "N passed, N failed, N skipped"; exit 1 on failures
#
# Environment: INTERLOCK_BIN, INTERLOCK_SHIM, INTERLOCK_ROOT (set by
# tests/run-checks.sh; defaulted here to the build tree). Each test gets a
# private scratch directory $T (removed at exit) and INTERLOCK_INSECURE_RULES
# is NOT set: tests write their rule files with mode 0600.
set -u
IL_ROOT=${INTERLOCK_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
IL_BUILD=${BUILD:-build}
case "$IL_BUILD" in /*) ;; *) IL_BUILD="$IL_ROOT/$IL_BUILD" ;; esac
INTERLOCK=${INTERLOCK_BIN:-$IL_BUILD/bin/interlock}
SHIM=${INTERLOCK_SHIM:-$IL_BUILD/lib/libinterlock.so}
HELPERS="$IL_BUILD/tests/helpers"
export INTERLOCK SHIM HELPERS

T=$(mktemp -d "${TMPDIR:-/tmp}/interlock-test.XXXXXX")
chmod 700 "$T"
# Private runtime dir so tests never see the user's real sidecars.
export XDG_RUNTIME_DIR="$T/run"
mkdir -p "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"

_il_pass=0 _il_fail=0 _il_skip=0
_il_cleanup() {
  local pids
  pids=$(jobs -p 2>/dev/null)
  [ -n "$pids" ] && kill $pids 2>/dev/null
  wait 2>/dev/null
  rm -rf "$T"
}
trap _il_cleanup EXIT

pass() { _il_pass=$((_il_pass + 1)); echo "ok   - $1"; }
fail() { _il_fail=$((_il_fail + 1)); echo "FAIL - $1${2:+: $2}"; }
skip() { _il_skip=$((_il_skip + 1)); echo "skip - $1${2:+: $2}"; }
check() {
  local name=$1; shift
  if "$@"; then pass "$name"; else fail "$name" "command failed: $*"; fi
}
# wait_for CMD... : retry a condition for up to ${WAIT_SECS:-30}s (generous:
# a loaded 2-core CI machine under ASan is slow; success returns at once).
wait_for() {
  local end=$((SECONDS + ${WAIT_SECS:-30}))
  while [ $SECONDS -lt $end ]; do
    "$@" && return 0
    sleep 0.05
  done
  return 1
}
finish() {
  echo "$(basename "$0" .sh): $_il_pass passed, $_il_fail failed, $_il_skip skipped"
  [ "$_il_fail" -eq 0 ]
}
