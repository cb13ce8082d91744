#!/usr/bin/env bash
# bench_approval.sh — the external approval path under load, against a
# service that approves instantly (tests/helpers/fake_approval_service.py).
#
# 1. approval-overhead: sequential gated unlinks by one process under
#    `interlock run --approver http://127.0.0.1:PORT`. Per call, the time
#    interlock adds on top of the service's own response: the call's total
#    wall time minus the time the service spent between receiving each of
#    its two requests (create, verdict) and finishing its answer (the
#    service timestamps both ends; the agent timestamps the call). What
#    remains is shim + sidecar + libcurl + HMAC verification + wire, both
#    ways. Target p99 < 2 ms.
# 2. approval-1000-pending: 100 processes x 10 threads = 1,000 gated
#    unlinks pending at once (every one long-polling the service), then the
#    service releases them all; every one must be allowed exactly once.
#    Reports the release latency (the call's return minus the moment the
#    service sent that verdict; p50/p99/max) and the sidecar's peak RSS
#    (VmHWM).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
IL=${INTERLOCK_BIN:-$PWD/$BUILD/bin/interlock}
AGENT=$PWD/$BUILD/tests/helpers/approval_agent
FAKE=$PWD/tests/helpers/fake_approval_service.py
N_SEQ=${N_SEQ:-300}
PROCS=${PROCS:-100}
THREADS=${THREADS:-10}
if [ ! -x "$IL" ] || [ ! -x "$AGENT" ]; then
  echo "bench_approval: build $IL and $AGENT first (make build/tests/helpers/approval_agent)" >&2
  exit 1
fi
W=$(mktemp -d /tmp/interlock-bench-approval.XXXXXX)
FAKE_PID=
cleanup() { [ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap '' EXIT   # KEEP=1: leave $W for a look at the raw timings
ulimit -n "$(ulimit -Hn)" 2>/dev/null

( umask 077
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$W/key"
  echo "token-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$W/token" )
mkdir -p "$W/seq" "$W/many"
cat > "$W/rules.toml" <<TOML
version = 1
[defaults]
decision = "allow"
timeout = "2m"

[[rule]]
id = "bench-gate"
kind = "delete"
path = ["$W/seq/**", "$W/many/**"]
decision = "approve"
TOML
chmod 600 "$W/rules.toml"

start_fake() { # mode
  rm -f "$W/port" "$W/timing.jsonl"
  python3 "$FAKE" --key-file "$W/key" --token-file "$W/token" --mode "$1" --wait-cap 60 \
    --port-file "$W/port" --timing-log "$W/timing.jsonl" > "$W/fake.out" 2>&1 &
  FAKE_PID=$!
  for _ in $(seq 1 100); do [ -s "$W/port" ] && break; sleep 0.05; done
  URL="http://127.0.0.1:$(cat "$W/port")"
}
stop_fake() { kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; FAKE_PID=; }
RUN() {
  "$IL" run --rules "$W/rules.toml" --approver "$URL" --approver-key-file "$W/key" \
    --approver-token-file "$W/token" --enforce preload -- "$@"
}

# ---- 1: overhead on top of the service's own response
start_fake approve
RUN "$AGENT" "$W/seq" 1 1 "$N_SEQ" 0 > "$W/seq.out" 2> "$W/seq.err"
rc=$?
stop_fake
mv "$W/timing.jsonl" "$W/timing-seq.jsonl"
python3 - "$W/seq.out" "$W/timing-seq.jsonl" "$rc" <<'PY'
import json, sys
calls = {}
for line in open(sys.argv[1]):
    p, t0, t1, e = line.split()
    calls[p] = (int(t0), int(t1), int(e))
svc = {}
for line in open(sys.argv[2]):
    r = json.loads(line)
    svc[r["path"]] = svc.get(r["path"], 0) + (r["sent_ns"] - r["recv_ns"])
over = sorted((t1 - t0 - svc[p]) / 1e6 for p, (t0, t1, e) in calls.items() if e == 0 and p in svc)
tot = sorted((t1 - t0) / 1e6 for p, (t0, t1, e) in calls.items() if e == 0)
ok = len(over) == len(calls) and int(sys.argv[3]) == 0
def pct(v, q):
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")
print("bench: approval-overhead p50_ms=%.3f p99_ms=%.3f target_p99_ms=2 calls=%d all_allowed=%s"
      % (pct(over, 0.5), pct(over, 0.99), len(calls), "yes" if ok else "NO"))
print("bench: approval-roundtrip p50_ms=%.3f p99_ms=%.3f (whole gated call incl. the service)"
      % (pct(tot, 0.5), pct(tot, 0.99)))
PY

# ---- 2: 1,000 simultaneously pending approvals from 100 processes
start_fake hold
total=$((PROCS * THREADS))
"$IL" run --rules "$W/rules.toml" --approver "$URL" --approver-key-file "$W/key" \
  --approver-token-file "$W/token" --enforce preload -- \
  "$AGENT" "$W/many" "$PROCS" "$THREADS" 1 1500 > "$W/many.out" 2> "$W/many.err" &
IPID=$!
waiting=0
for _ in $(seq 1 600); do
  waiting=$(curl -s "$URL/_stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["waiting"])' 2>/dev/null || echo 0)
  [ "$waiting" -ge "$total" ] && break
  sleep 0.1
done
hwm_pending=$(awk '/VmHWM/ {print $2}' /proc/$IPID/status 2>/dev/null)
curl -s -X POST -d '' "$URL/_release" > /dev/null
hwm=$hwm_pending
while kill -0 "$IPID" 2>/dev/null; do
  h=$(awk '/VmHWM/ {print $2}' /proc/$IPID/status 2>/dev/null)
  [ -n "$h" ] && hwm=$h
  sleep 0.1
done
wait "$IPID"; rc=$?
stop_fake
python3 - "$W/many.out" "$W/timing.jsonl" "$rc" "$total" "$waiting" "${hwm:-0}" "$W/many" <<'PY'
import json, os, sys
out, timing, rc, total, waiting, hwm, d = sys.argv[1:8]
calls = {}
for line in open(out):
    p, t0, t1, e = line.split()
    calls[p] = (int(t0), int(t1), int(e))
sent = {}
for line in open(timing):
    r = json.loads(line)
    if r["phase"] == "verdict":
        sent[r["path"]] = r["sent_ns"]
lat = sorted((calls[p][1] - s) / 1e6 for p, s in sent.items() if p in calls)
allowed = sum(1 for (_, _, e) in calls.values() if e == 0)
left = len(os.listdir(d))
def pct(v, q):
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")
ok = allowed == int(total) and left == 0 and int(rc) == 0
print("bench: approval-1000-pending pending=%s released=%d of %s files_left=%d correct=%s "
      "release_p50_ms=%.2f release_p99_ms=%.2f release_max_ms=%.2f sidecar_peak_rss_kb=%s"
      % (waiting, allowed, total, left, "yes" if ok else "NO", pct(lat, 0.5), pct(lat, 0.99),
         lat[-1] if lat else float("nan"), hwm))
PY
