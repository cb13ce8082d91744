#!/usr/bin/env bash
# shim_env.sh — the shim keeps itself in every descendant: `env -i`,
# `unset LD_PRELOAD`, a forged INTERLOCK_SOCKET, clearenv() followed by
# system()/popen()/execvp(), and another library already in LD_PRELOAD.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/shim_helpers.bash"

EV="$HELPERS/exec_variants"
[ -x "$EV" ] || { fail "helper exec_variants built (make tests)"; finish; exit 1; }

fake_start --deny-path-glob "$T/keep*"

touch "$T/keep1"
under_shim env -i sh -c "rm -f $T/keep1; printf '%s|%s\n' \"\$LD_PRELOAD\" \"\$INTERLOCK_SOCKET\" > $T/envi.out" 2>"$T/err"
expect "env -i sh -c 'rm': rm still gated, file kept" test -e "$T/keep1"
expect "env -i: the delete reached the sidecar" log_has kind=delete path="$T/keep1"
expect "env -i: shell got LD_PRELOAD and INTERLOCK_SOCKET back" grep -qx "$SHIM|$SOCK" "$T/envi.out"
expect "env -i: deny line" grep -q "^interlock: denied delete $T/keep1 " "$T/err"

touch "$T/keep2"
under_shim bash -c "unset LD_PRELOAD INTERLOCK_SOCKET INTERLOCK_SESSION INTERLOCK_SHIM; rm -f $T/keep2" 2>/dev/null
expect "unset LD_PRELOAD INTERLOCK_*: rm still gated" test -e "$T/keep2"

touch "$T/keep3"
: >"$LOG"
under_shim bash -c "export INTERLOCK_SOCKET=$T/evil.sock INTERLOCK_SESSION=forged; rm -f $T/keep3" 2>/dev/null
expect "forged INTERLOCK_SOCKET: child still asks the real sidecar" log_has kind=delete path="$T/keep3" session=test-session
expect "forged INTERLOCK_SOCKET: file kept" test -e "$T/keep3"

for m in system popen execvp; do
  touch "$T/keep-$m"
  : >"$LOG"
  under_shim "$EV" "scrub-$m" "rm -f $T/keep-$m; printf '%s|%s|%s\n' \"\$LD_PRELOAD\" \"\$INTERLOCK_SOCKET\" \"\$INTERLOCK_SESSION\" > $T/scrub-$m.out" >/dev/null 2>"$T/err"
  expect "clearenv + $m: shell ran" test -s "$T/scrub-$m.out"
  expect "clearenv + $m: environment restored from the cached values" grep -qx "$SHIM|$SOCK|test-session" "$T/scrub-$m.out"
  expect "clearenv + $m: rm inside still gated" test -e "$T/keep-$m"
  expect "clearenv + $m: the delete reached the real sidecar" log_has kind=delete path="$T/keep-$m"
done
: >"$LOG"
under_shim "$EV" scrub-system "true" >/dev/null
expect "clearenv + system: logged argv is the caller's command, not the rewrite" log_has hook=system 'argv=["sh","-c","true"]'

other=/lib/x86_64-linux-gnu/libc.so.6
if [ -f "$other" ]; then
  under_shim env -i LD_PRELOAD="$other" sh -c 'echo "$LD_PRELOAD"' >"$T/pre.out"
  expect "another preload library is kept after the shim" grep -qx "$SHIM:$other" "$T/pre.out"
  under_shim env LD_PRELOAD="$other $SHIM" sh -c 'echo "$LD_PRELOAD"' >"$T/pre2.out"
  expect "LD_PRELOAD already listing the shim is left alone" grep -qx "$other $SHIM" "$T/pre2.out"
else
  skip "other preload library" "$other missing"
fi

INTERLOCK_DRY_RUN=1 under_shim env -i sh -c 'echo "dry=$INTERLOCK_DRY_RUN agent=$INTERLOCK_AGENT_ID"' >"$T/dry.out"
expect "INTERLOCK_DRY_RUN and INTERLOCK_AGENT_ID are carried too" grep -qx "dry=1 agent=test-agent" "$T/dry.out"

fake_stop
finish
