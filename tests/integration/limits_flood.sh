#!/usr/bin/env bash
# limits_flood.sh — a flood of 10,000 gated requests in a burst against one
# shared sidecar (`interlock serve`): 40 processes x 250 connections of one
# session each ask for an approval at once, and one process holds 600
# connections, one more asks 300 times. The sidecar stays up, its memory stays bounded, the flood is
# denied at the per-process / per-session caps (audited, decided_by
# "limit") rather than starving another agent: a second agent's allowed
# call runs and its gated call is pending, approved and run while the flood
# holds its share.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gate_common.bash"
cd "$T"
# The flood needs ~11,000 descriptors in the sidecar.
ulimit -n "$(ulimit -Hn)" 2>/dev/null
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 12000 ]; then
  skip "flood" "needs 12,000 open files (ulimit -Hn is $(ulimit -Hn))"
  finish; exit $?
fi
# Sanitizer builds hold freed memory in quarantine: looser memory bounds.
PEAK_KB=307200 GROW_KB=16384
if [ "${SAN:-}" = address ]; then PEAK_KB=1572864 GROW_KB=307200; fi

cat >"$T/serve.toml" <<EOF2
socket_dir = "sock"
rules = ["rules.toml"]
approver = "cli"
audit = "audit.jsonl"
timeout = "2m"
EOF2
"$INTERLOCK" serve --config "$T/serve.toml" 2>"$T/serve.err" &
srv=$!
SOCK="$T/sock/agent.sock"
check "serve listens" wait_for test -S "$SOCK"
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
rss0=$(rss $srv)

# The flood: NPROC processes x NCONN connections, each sends one gated
# DECIDE and reads the first answer; a hog holds HOG connections; one more
# process (its own session) asks 300 times over its 256 pending cap. Every
# process keeps its connections open until $T/release exists.
cat >"$T/flood.py" <<'PY'
import os, sys, time, json
sys.path.insert(0, os.environ["HELPERS_SRC"])
import ilwire
sock, out, nproc, nconn, hog = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
SESSION = "s-f100df100df100d0"

def classify(s, res):
    try:
        what, v = ilwire.read_pending_or_verdict(s)
    except (EOFError, OSError):
        res["eof"] += 1
        return
    if what == "pending":
        res["pending"] += 1
    elif v[0] == ilwire.DENY and "limit: session" in v[1]:
        res["limit_session"] += 1
    elif v[0] == ilwire.DENY and "limit: process" in v[1] and "connections" in v[1]:
        res["limit_conns"] += 1
    elif v[0] == ilwire.DENY and "limit: process" in v[1]:
        res["limit_pid"] += 1
    else:
        res["other"] += 1

def worker(idx, n, tag, session, hog):
    conns, res = [], {"pending": 0, "limit_session": 0, "limit_pid": 0, "limit_conns": 0, "other": 0, "eof": 0}
    for i in range(n):
        try:
            conns.append(ilwire.connect(sock, timeout=120))
        except OSError:
            res["eof"] += 1
    frames = [ilwire.decide_exec("/usr/bin/touch", ["touch", "/nonexistent/flood-%d-%d" % (idx, i)],
                                 cwd="/", session=session) for i in range(len(conns))]
    if hog and conns:
        # The hog asks on its newest connection first: once that is answered
        # the sidecar has accepted all of them (the listen queue is FIFO).
        conns[-1].sendall(frames[-1])
        classify(conns[-1], res)
        conns, frames = conns[:-1], frames[:-1]
    for s, f in zip(conns, frames):
        s.sendall(f)
    for s in conns:
        classify(s, res)
    with open("%s.%s%d" % (out, tag, idx), "w") as fp:
        json.dump(res, fp)
    while not os.path.exists(os.path.join(os.path.dirname(out), "release")):
        time.sleep(0.1)
    os._exit(0)

kids = []
for p in range(nproc):
    pid = os.fork()
    if pid == 0:
        worker(p, nconn, "w", SESSION, False)
    kids.append(pid)
pid = os.fork()
if pid == 0:
    worker(0, hog, "hog", "s-0000000000000h09", True)
kids.append(pid)
pid = os.fork()
if pid == 0:
    worker(0, 300, "pp", "s-00000000000000pp", False)
kids.append(pid)
for k in kids:
    os.waitpid(k, 0)
PY
export HELPERS_SRC="$IL_ROOT/tests/helpers"
sum() { python3 -c '
import json, glob, sys
tot = {}
for f in glob.glob(sys.argv[1]):
    for k, v in json.load(open(f)).items(): tot[k] = tot.get(k, 0) + v
print(tot.get(sys.argv[2], 0))' "$1" "$2"; }
npending() { "$INTERLOCK" pending --ctl "$T/sock/ctl.sock" --json 2>/dev/null |
             python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null || echo -1; }
_drained() { [ "$(npending)" = 0 ]; }
_all_reported() { [ "$(ls "$T"/res.* 2>/dev/null | wc -l)" -eq 42 ]; }

# flood_round N: one burst; checks; releases it and waits until drained.
flood_round() {
  local n=$1 start=$SECONDS
  rm -f "$T"/res.* "$T/release"
  python3 "$T/flood.py" "$SOCK" "$T/res" 40 250 600 &
  local flood=$!
  WAIT_SECS=240 wait_for _all_reported
  check "round $n: all 42 flooders got an answer to every request ($((SECONDS - start)) s)" _all_reported
  check "round $n: sidecar survived the flood" kill -0 $srv
  rss_peak=$(rss $srv)
  local pend lsess other hogc
  pend=$(sum "$T/res.w*" pending)
  lsess=$(sum "$T/res.w*" limit_session)
  other=$(( $(sum "$T/res.w*" other) + $(sum "$T/res.w*" eof) + $(sum "$T/res.w*" limit_pid) + $(sum "$T/res.w*" limit_conns) ))
  hogc=$(sum "$T/res.hog*" limit_conns)
  local pp_pend pp_lim
  pp_pend=$(sum "$T/res.pp*" pending); pp_lim=$(sum "$T/res.pp*" limit_pid)
  echo "round $n: pending=$pend limit_session=$lsess other=$other hog_denied=$hogc rss_peak=${rss_peak}kB"
  check "round $n: the session holds at most 4096 pending requests (got $pend)" test "$pend" -eq 4096
  check "round $n: the rest of the session's flood is denied by the session cap ($lsess)" test "$lsess" -eq $((10000 - 4096))
  check "round $n: no flood request got another answer ($other)" test "$other" -eq 0
  check "round $n: the connection hog's 600 requests are denied by the per-process cap ($hogc)" test "$hogc" -eq 600
  check "round $n: one process holds at most 256 pending requests ($pp_pend), the rest denied ($pp_lim)" test "$pp_pend" -eq 256 -a "$pp_lim" -eq 44
  if [ "$n" = 1 ]; then
    check "limit denials are audited" grep -q '"decided_by":"limit"' "$T/audit.jsonl"
    check "the reason names the cap" grep -q 'limit: session s-f100df100df100d0 already has 4096 requests waiting' "$T/audit.jsonl"
    # Another agent is not starved: its allowed call runs at once and its
    # gated call is pending and approved while the flood holds its share.
    local t0=$SECONDS
    "$INTERLOCK" run --connect "$SOCK" -- sh -c "/usr/bin/true && echo allowed-ok >$T/victim.log; /usr/bin/touch $T/victim-approved; echo rc=\$? >>$T/victim.log" 2>"$T/victim.err" &
    local vic=$!
    _victim_pending() { grep -q "awaits approval: exec /usr/bin/touch $T/victim-approved" "$T/serve.err"; }
    check "other agent's gated call is pending during the flood" wait_for _victim_pending
    check "other agent's allowed call ran" grep -q allowed-ok "$T/victim.log"
    local vid
    vid=$(grep -o "r-[0-9a-f]* awaits approval: exec /usr/bin/touch $T/victim-approved" "$T/serve.err" | head -n1 | cut -d' ' -f1)
    local np
    np=$(npending)
    check "interlock pending lists all $np pending requests during the flood" test "$np" -eq 4353
    check "approve the other agent's call during the flood" "$INTERLOCK" approve --ctl "$T/sock/ctl.sock" "$vid"
    wait $vic
    check "other agent's approved call ran ($((SECONDS - t0)) s)" test -f "$T/victim-approved"
    check "other agent served within 20 s" test $((SECONDS - t0)) -lt 20
  fi
  touch "$T/release"
  wait $flood
  WAIT_SECS=90 wait_for _drained
  check "round $n: every flood request is gone after the flooders exit" _drained
  check "round $n: sidecar still up" kill -0 $srv
}

flood_round 1
rss1=$(rss $srv)
flood_round 2
rss2=$(rss $srv)
echo "rss: before=${rss0}kB after round 1=${rss1}kB after round 2=${rss2}kB peak=${rss_peak}kB"
check "peak memory bounded (${rss_peak} kB < ${PEAK_KB} kB)" test "$rss_peak" -lt "$PEAK_KB"
check "a second flood does not grow memory (${rss1} -> ${rss2} kB, < ${GROW_KB} kB)" test $((rss2 - rss1)) -lt "$GROW_KB"
kill -TERM $srv; wait $srv
check "audit log verifies" "$INTERLOCK" audit verify "$T/audit.jsonl"
finish
