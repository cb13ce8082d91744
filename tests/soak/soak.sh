#!/usr/bin/env bash
# soak.sh — `make soak`: fault injection under load, bounded to a few minutes.
#
# One `interlock serve` (pending journal, the reference approval service as
# its HTTP approver, audit log on a small tmpfs) gates 100 processes
# (10 agents under `interlock run --connect`, 10 worker processes each)
# making 10 gated execs each. A random reviewer (tests/soak/reviewer.py)
# approves, denies or never answers each request through the service's web
# form. Meanwhile: the sidecar is SIGKILLed and restarted twice, the
# approval service is SIGKILLed and restarted once, and the audit file
# system is filled to the last byte for ~10 s and then freed.
#
# Afterwards (tests/soak/check.py): every action's outcome matches what
# happened, no denied or unanswered action ran, no approved action ran
# twice, the audit log verifies, and every request has exactly one final
# record (or none, only if the disk was full when it was decided — then
# the action was denied and did not run).
#
# Environment: SOAK_AGENTS (10), SOAK_WORKERS (10), SOAK_ACTIONS (10),
# SOAK_TIMEOUT (rule timeout, 12s), SOAK_SEED.
set -u
source "$(dirname "$0")/../integration/lib.sh"
source "$IL_ROOT/tests/helpers/approver.sh"
AGENTS=${SOAK_AGENTS:-10} WORKERS=${SOAK_WORKERS:-10} ACTIONS=${SOAK_ACTIONS:-10}
RTIMEOUT=${SOAK_TIMEOUT:-12s}
SEED=${SOAK_SEED:-$RANDOM}
echo "soak: $AGENTS agents x $WORKERS processes x $ACTIONS gated actions, seed $SEED, work dir $T"
if [ ! -x "$INTERLOCK" ] || [ ! -f "$SHIM" ] || [ ! -x "$AP_BIN" ]; then
  fail "soak" "build interlock, libinterlock.so and interlock-approver first (make all)"
  finish; exit 1
fi
ulimit -n 65536 2>/dev/null || true

# ---- the audit file system: a 16 MiB tmpfs (we are root); without mount
# permission the disk-full phase is skipped (said so in the output).
AUDIT_DIR="$T/auditfs"
mkdir -p "$AUDIT_DIR"
MOUNTED=0
if mount -t tmpfs -o size=16m,mode=0700 tmpfs "$AUDIT_DIR" 2>/dev/null; then
  MOUNTED=1
  echo "soak: audit log on a 16 MiB tmpfs at $AUDIT_DIR"
else
  echo "soak: mount not permitted: the audit disk-full phase will be skipped"
fi
_soak_umount() { [ "$MOUNTED" = 1 ] && umount -l "$AUDIT_DIR" 2>/dev/null; }
trap '_soak_umount; _il_cleanup' EXIT
AUDIT="$AUDIT_DIR/audit.jsonl"

# ---- the approval service on a fixed port (it is restarted)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
{
  echo "listen = \"127.0.0.1:$PORT\""
  echo "database = \"approver.db\""
  echo "sidecar_token = \"$AP_TOKEN\""
  echo "hmac_key = \"$AP_KEY\""
  echo "verdict_ttl = \"5m\""
  echo "max_wait = \"20s\""
  echo "[[reviewer]]"
  echo "name = \"alice\""
  echo "groups = [\"oncall\"]"
  echo "password = \"$(printf '%s\n' "${AP_PW[alice]}" | "$AP_BIN" hash-password --iterations 2000)\""
} > "$T/approver.toml"
chmod 600 "$T/approver.toml"
AP_URL="http://127.0.0.1:$PORT"
AP_PID=
start_approver() {
  ( cd "$T" && exec "$AP_BIN" --config "$T/approver.toml" >> "$T/approver.log" 2>&1 ) &
  AP_PID=$!
  WAIT_SECS=10 wait_for sh -c "curl -s -o /dev/null '$AP_URL/v1/health'"
}
start_approver || { fail "approval service starts" "$(tail -5 "$T/approver.log")"; finish; exit 1; }

( umask 077; printf '%s\n' "$AP_KEY" > "$T/key"; printf '%s\n' "$AP_TOKEN" > "$T/token" )
cat > "$T/rules.toml" <<TOML
version = 1
[defaults]
decision = "allow"
timeout = "$RTIMEOUT"

[[rule]]
id = "soak-gate"
description = "soak: every env run needs a reviewer"
kind = "exec"
program = ["env"]
decision = "approve"
approvers = ["oncall"]
risk = "high"
TOML
chmod 600 "$T/rules.toml"
mkdir -m 700 "$T/sock"
cat > "$T/serve.toml" <<TOML
socket_dir = "$T/sock"
rules = ["$T/rules.toml"]
approver = "$AP_URL"
approver_key_file = "$T/key"
approver_token_file = "$T/token"
journal = "$T/pending.journal"
audit = "$AUDIT"
TOML
chmod 600 "$T/serve.toml"
SERVE_PID=
start_serve() {
  "$INTERLOCK" serve --config "$T/serve.toml" >> "$T/serve.log" 2>&1 &
  SERVE_PID=$!
  WAIT_SECS=10 wait_for test -S "$T/sock/agent.sock" && kill -0 "$SERVE_PID" 2>/dev/null
}
start_serve || { fail "serve starts" "$(tail -5 "$T/serve.log")"; finish; exit 1; }
serve_starts=1

# ---- the reviewer
python3 "$IL_ROOT/tests/soak/reviewer.py" "$INTERLOCK" "$T/sock/ctl.sock" "$AP_URL" alice \
  "${AP_PW[alice]}" "$T/decisions.jsonl" "$T/stop" "$SEED" 2> "$T/reviewer.err" &
REV=$!

# ---- the agents: each worker makes ACTIONS gated execs, one after the
# other; an action's marker is written to ran.log only when it executes.
cat > "$T/worker.sh" <<'SH'
a=$1 w=$2 n=$3 dir=$4
i=1
while [ $i -le $n ]; do
  m="a${a}w${w}i${i}"
  /usr/bin/env SOAK=$m /bin/sh -c "echo $m >> $dir/ran.log"
  echo "$m $?" >> "$dir/outcome.log"
  i=$((i + 1))
done
SH
start=$SECONDS
RUNS=()
for a in $(seq 1 "$AGENTS"); do
  "$INTERLOCK" run --connect "$T/sock/agent.sock" --enforce preload --agent-id "soak-$a" -- \
    sh -c "for w in \$(seq 1 $WORKERS); do sh $T/worker.sh $a \$w $ACTIONS $T & done; wait" \
    2>> "$T/agents.err" &
  RUNS+=($!)
done

# ---- faults, on a schedule
at() { while [ $((SECONDS - start)) -lt "$1" ]; do sleep 0.2; done; }
at 8
echo "soak: t=$((SECONDS - start))s SIGKILL the sidecar (1/2)"
kill -KILL "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null
sleep 1
start_serve && serve_starts=$((serve_starts + 1))
at 16
echo "soak: t=$((SECONDS - start))s SIGKILL the approval service"
kill -KILL "$AP_PID"; wait "$AP_PID" 2>/dev/null
sleep 2
start_approver || echo "soak: approval service did not come back"
at 24
full_from=0 full_until=0
if [ "$MOUNTED" = 1 ]; then
  echo "soak: t=$((SECONDS - start))s fill the audit file system"
  full_from=$(date +%s%3N)
  dd if=/dev/zero of="$AUDIT_DIR/filler" bs=64k 2>/dev/null
  at 34
  rm -f "$AUDIT_DIR/filler"
  full_until=$(date +%s%3N)
  echo "soak: t=$((SECONDS - start))s free the audit file system"
else
  skip "audit disk full" "mount -t tmpfs is not permitted here; filling the real disk is not safe"
fi
at 40
echo "soak: t=$((SECONDS - start))s SIGKILL the sidecar (2/2)"
kill -KILL "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null
sleep 1
start_serve && serve_starts=$((serve_starts + 1))

# ---- wait for every agent (bounded)
deadline=$((SECONDS + 240))
for p in "${RUNS[@]}"; do
  while kill -0 "$p" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.5; done
done
check "every agent finished within the bound ($((SECONDS - start)) s)" test $SECONDS -lt $deadline
for p in "${RUNS[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
touch "$T/stop"; wait "$REV" 2>/dev/null
check "the sidecar was started 3 times (2 SIGKILL restarts)" test "$serve_starts" -eq 3
kill -TERM "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null
kill -TERM "$AP_PID" 2>/dev/null; wait "$AP_PID" 2>/dev/null

"$INTERLOCK" audit verify "$AUDIT" > "$T/verify.out" 2>&1; vst=$?
cat "$T/verify.out"
check "the audit log verifies" test $vst -eq 0
python3 "$IL_ROOT/tests/soak/check.py" --expected $((AGENTS * WORKERS * ACTIONS)) \
  --outcomes "$T/outcome.log" --ran "$T/ran.log" --decisions "$T/decisions.jsonl" \
  --audit "$AUDIT" --full-from "$full_from" --full-until "$full_until" \
  --audit-failures "$(cat "$T/serve.log" "$T/agents.err" | grep -c 'No space left on device')" > "$T/check.out" 2>&1
cst=$?
cat "$T/check.out"
while read -r line; do
  case "$line" in
    "ok "*) pass "${line#ok }" ;;
    "FAIL "*) fail "${line#FAIL }" ;;
  esac
done < "$T/check.out"
[ $cst -eq 0 ] || [ "$_il_fail" -gt 0 ] || fail "check.py" "exit status $cst"
if [ "$_il_fail" -gt 0 ] || [ -n "${SOAK_KEEP:-}" ]; then
  echo "soak: logs kept in $T.kept"
  cp -a "$T" "$T.kept" 2>/dev/null
fi
finish
