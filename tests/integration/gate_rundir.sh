#!/usr/bin/env bash
# gate_rundir.sh — listing sidecars never removes a live one: `interlock
# pending` cleans up the session directories of dead sidecars, and must not
# mistake a sidecar that is still starting (its sockets not yet listening)
# for a dead one. Runs many `interlock run`s while other terminals keep
# listing; every run must start.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gate_common.bash"
cd "$T"
stop="$T/stop"
lister() { while [ ! -e "$stop" ]; do "$INTERLOCK" pending >/dev/null 2>&1; done; }
lister & l1=$!
lister & l2=$!
lister & l3=$!
lister & l4=$!
fails=0 runs=0
for batch in $(seq 30); do
  pids=()
  for i in $(seq 8); do
    "$INTERLOCK" run --enforce preload --rules "$RULES" -- sleep 0.2 >"$T/run.$batch.$i" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do
    wait "$p"; st=$?
    runs=$((runs + 1))
    [ $st -eq 0 ] || fails=$((fails + 1))
  done
done
touch "$stop"; wait $l1 $l2 $l3 $l4
check "all $runs runs started and exited 0 while others listed sidecars ($fails failed)" test $fails -eq 0
first=$(grep -l "interlock:" "$T"/run.* 2>/dev/null | head -n1)
[ -n "$first" ] && { echo "first failure output:"; cat "$first"; }
# a dead sidecar's directory is still cleaned up
"$INTERLOCK" run --enforce preload --rules "$RULES" -- sh -c 'kill -KILL $PPID; sleep 0.5' 2>/dev/null
"$INTERLOCK" pending >/dev/null 2>&1
check "a killed sidecar's session directory is removed by the next listing" \
  sh -c "! ls -d '$XDG_RUNTIME_DIR'/interlock/s-* >/dev/null 2>&1"
finish
