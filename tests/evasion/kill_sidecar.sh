#!/usr/bin/env bash
# kill_sidecar.sh — the agent kills its own sidecar. It runs as the
# sidecar's uid under `interlock run`, so it can: it finds the `interlock`
# process above it and sends SIGKILL, then tries a gated exec, a denied
# delete and a delete no rule names. Under `--enforce preload` the shim
# finds no sidecar and denies every call it asks about (EACCES, fail
# closed); under `seccomp`, `both` and the default the kernel fails every
# intercepted call (ENOSYS) — nothing runs or is deleted. A SIGSTOPped
# sidecar only makes the agent's own calls wait (then the agent is
# killed): a denial of service to itself, never a bypass.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/../integration/gate_common.bash"
cd "$T"
cat >>"$RULES" <<'TOML'

[[rule]]
id = "keep-precious"
kind = "delete"
path = ["**/precious*"]
decision = "deny"
TOML

cat >"$T/killer.sh" <<'SH'
# find the interlock process above us and SIGKILL it
p=$$
while [ "$p" -gt 1 ]; do
  p=$(awk '{print $4}' /proc/$p/stat)
  case "$(readlink /proc/$p/exe)" in */interlock) kill -KILL "$p"; echo "killed $p"; break ;; esac
done
sleep 0.3
/usr/bin/touch "$1/made-$2"; echo "touch_rc=$?"
/usr/bin/rm -f "$1/precious-$2"; echo "rm_precious_rc=$?"
/usr/bin/rm -f "$1/plain-$2"; echo "rm_plain_rc=$?"
SH

modes="preload"
if "$INTERLOCK" run --enforce seccomp -- /usr/bin/true 2>/dev/null; then modes="preload both seccomp auto"; fi
for m in $modes; do
  : >"$T/precious-$m"; : >"$T/plain-$m"
  setsid "$INTERLOCK" run --enforce "$m" --rules "$RULES" -- sh "$T/killer.sh" "$T" "$m" >"$T/out.$m" 2>&1
  # the agent outlives the sidecar; wait for it to finish
  WAIT_SECS=10 wait_for grep -q rm_plain_rc "$T/out.$m"
  check "$m: the agent killed its sidecar" grep -q '^killed' "$T/out.$m"
  check "$m: gated exec did not run" test ! -e "$T/made-$m"
  check "$m: protected file not deleted" test -e "$T/precious-$m"
  check "$m: gated exec failed" grep -q 'touch_rc=[1-9]' "$T/out.$m"
  if [ "$m" = preload ]; then
    check "$m: the shim says the sidecar is unreachable" grep -q 'interlock: denied .*(sidecar unreachable' "$T/out.$m"
  else
    check "$m: even an unnamed delete fails (ENOSYS: no supervisor)" test -e "$T/plain-$m"
  fi
done

# SIGSTOP: calls wait, nothing runs
"$INTERLOCK" run --enforce preload --rules "$RULES" -- sh -c "
  p=\$\$; while [ \$p -gt 1 ]; do p=\$(awk '{print \$4}' /proc/\$p/stat); case \"\$(readlink /proc/\$p/exe)\" in */interlock) kill -STOP \$p; echo stopped \$p; break;; esac; done
  /usr/bin/touch $T/made-stopped; echo touch_rc=\$?" >"$T/out.stop" 2>&1 &
run=$!
WAIT_SECS=10 wait_for grep -q stopped "$T/out.stop"
sleep 1
check "stopped sidecar: the gated call waits (nothing ran)" test ! -e "$T/made-stopped"
sp=$(awk '/stopped/ {print $2}' "$T/out.stop")
[ -n "$sp" ] && kill -KILL "$sp" 2>/dev/null   # the waiting shim sees EOF and denies
wait $run 2>/dev/null
WAIT_SECS=10 wait_for grep -q touch_rc "$T/out.stop"
check "stopped then killed sidecar: the waiting call was denied" grep -q 'touch_rc=[1-9]' "$T/out.stop"
check "stopped then killed sidecar: nothing ran" test ! -e "$T/made-stopped"
finish
