#!/usr/bin/env bash
# gate_programs.sh — real programs under the real `interlock run` (private
# sidecar, cli approver; no fake sidecar), asserted on what actually happened.
#
# Routes (each one a real program doing one kind of gated action):
#   delete: a bash script running rm; nested shells (bash -c "sh -c 'rm'");
#           `env -i sh -c 'rm'`; coreutils `rm -rf DIR`, `find DIR -delete`,
#           `mv` over an existing file (a rename over is a delete of the
#           target); Python os.remove, shutil.rmtree, subprocess.run(env={})
#           whose child shell deletes; Node fs.rmSync (recursive); a C
#           program deleting from 8 threads (tests/helpers/threads_unlink);
#           a C program deleting one path 3 times, re-creating it in between
#           (tests/helpers/repeat_unlink: three actions, three decisions).
#   exec:   an sh script running a gated program; Python subprocess.run
#           (vfork) and os.system; Node child_process.execSync and spawnSync.
# Every route runs four ways: `approve` (a reviewer approves every request:
# the action happens exactly once), `deny` (a reviewer denies: nothing
# happens, the agent's stderr has the `interlock: denied …` line, the
# program sees EACCES — PermissionError, EACCES, status 126…), `timeout`
# (nobody answers, `--timeout 2s`: nothing happens) and `rule` (the vault /
# shred deny rules: denied at once, nobody asked). All routes run with
# `--enforce preload`, a representative subset again with `--enforce both`,
# where the seccomp layer must not ask a second time: the number of pending
# requests the approver saw per case is exact, and each action has exactly
# one audit decision. (Under `both` the shim leaves deletes to the seccomp
# layer, and the kernel's stop of an exec the shim already had approved is
# answered from the shim's verdict.)
#
# One approver loop answers every case (they all run at once) by the case
# it belongs to: …/w/MODE.ROUTE.approve is approved, …/w/MODE.ROUTE.deny
# denied, anything else left to time out.
#
# 100 concurrent processes each blocked on a gated action and resolved by an
# approver loop: covered by gate_concurrent.sh (not repeated here).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gate_common.bash"
cd "$T"

PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
NODE=$(command -v node || true)
THREADS="$HELPERS/threads_unlink"
REPEAT="$HELPERS/repeat_unlink"
if [ -z "$PY" ]; then skip "gate programs" "python3 (the approver loop) not found"; finish; exit $?; fi
if [ -z "$NODE" ]; then skip "node routes" "node not found"; fi
if [ ! -x "$THREADS" ]; then skip "threads route" "build $THREADS first"; fi
if [ ! -x "$REPEAT" ]; then skip "repeat route" "build $REPEAT first"; fi
BOTH=1
if ! "$INTERLOCK" run --enforce seccomp -- true 2>/dev/null; then
  BOTH=0
  skip "--enforce both routes" "seccomp user notification unavailable here"
fi

RULES="$T/programs-rules.toml"
cat >"$RULES" <<'TOML'
version = 1
[defaults]
decision = "allow"

[[rule]]
id = "ask-guarded"
description = "guarded trees need a reviewer"
kind = "delete"
path = ["**/guarded/**", "**/guarded"]
decision = "approve"

[[rule]]
id = "no-vault"
description = "the vault is never deleted"
kind = "delete"
path = ["**/vault/**", "**/vault"]
decision = "deny"

[[rule]]
id = "ask-stamp"
description = "stamping needs a reviewer"
kind = "exec"
program = ["stamp"]
decision = "approve"

[[rule]]
id = "no-shred"
description = "shred is forbidden"
kind = "exec"
program = ["shred"]
decision = "deny"
TOML
chmod 600 "$RULES"

# The gated program: appends one line to the file it is given.
mkdir -p "$T/bin" "$T/w"
printf '#!/bin/sh\necho "stamped $$" >>"$1"\n' >"$T/bin/stamp"
chmod 755 "$T/bin/stamp"
# Only one $PATH name per program: dash's retry of a denied exec under the
# next name (/usr/bin then /bin) is gate_repeat.sh's subject, not this one's.
export PATH="$T/bin:/usr/local/bin:/usr/bin"

# --- the agents ----------------------------------------------------------
cat >"$T/agent.bash" <<'EOF'
#!/bin/bash
rm "$1"
echo "rc=$?"
EOF
cat >"$T/agent.sh" <<'EOF'
#!/bin/sh
"$1" "$2"
echo "rc=$?"
EOF
chmod 755 "$T/agent.bash" "$T/agent.sh"
cat >"$T/py_remove.py" <<'EOF'
import os, sys
try:
    os.remove(sys.argv[1]); print("removed")
except PermissionError as e:
    print("PermissionError", e.errno)
EOF
cat >"$T/py_rmtree.py" <<'EOF'
import shutil, sys
try:
    shutil.rmtree(sys.argv[1]); print("removed")
except PermissionError as e:
    print("PermissionError", e.errno)
EOF
cat >"$T/py_envclear.py" <<'EOF'
import subprocess, sys
r = subprocess.run(["/bin/sh", "-c", '/bin/rm -f "$0"; echo "rc=$?"', sys.argv[1]], env={})
print("child-exit", r.returncode)
EOF
cat >"$T/py_subprocess.py" <<'EOF'
import subprocess, sys
try:
    r = subprocess.run([sys.argv[1], sys.argv[2]])
    print("exit", r.returncode)
except PermissionError as e:
    print("PermissionError", e.errno)
EOF
cat >"$T/py_system.py" <<'EOF'
import os, sys
st = os.system('"%s" "%s"' % (sys.argv[1], sys.argv[2]))
print("status=%d" % os.waitstatus_to_exitcode(st))
EOF
cat >"$T/node_rmsync.js" <<'EOF'
const fs = require("fs");
try { fs.rmSync(process.argv[2], { recursive: true }); console.log("removed"); }
catch (e) { console.log("error=" + e.code); }
EOF
cat >"$T/node_execsync.js" <<'EOF'
const cp = require("child_process");
try { cp.execSync(`"${process.argv[2]}" "${process.argv[3]}"`, { stdio: "inherit" }); console.log("status=0"); }
catch (e) { console.log("status=" + e.status); }
EOF
cat >"$T/node_spawnsync.js" <<'EOF'
const cp = require("child_process");
const r = cp.spawnSync(process.argv[2], [process.argv[3]], { stdio: "inherit" });
console.log(r.error ? "error=" + r.error.code : "status=" + r.status);
EOF

# --- the approver loop ---------------------------------------------------
# Each case runs with its own XDG_RUNTIME_DIR ($D/x), so `interlock
# approve|deny` from the loop reaches exactly that case's sidecar. The loop
# learns of each request from the line every gated call prints while it
# waits (`interlock: ID awaits approval: ACTION (rule …)`), rather than by
# polling `interlock pending` across all sidecars: that scan removes the
# session directory of any sidecar whose control socket refuses — which a
# sidecar still starting up does between its bind and its listen — so a
# poll racing 60 starting runs makes some of them exit 125 (reported bug;
# the single-case polling helpers of gate_common.bash stay safe because
# they start polling once the sidecar is up).
# Logs one line per request it ever saw: ID CASE VERDICT ACTION.
cat >"$T/approver.py" <<'EOF'
import os, re, subprocess, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
il, wdir, logpath, stopfile = sys.argv[1:5]
lock = threading.Lock()
log = open(logpath, "a")
errs = open(logpath + ".err", "a")
AWAITS = re.compile(r"^interlock: (r-[0-9a-f]+) awaits approval: (.*) \(rule ", re.M)

def note(f, line):
    with lock:
        f.write(line + "\n")
        f.flush()

def decide(case, verdict, rid):
    env = dict(os.environ, XDG_RUNTIME_DIR=os.path.join(wdir, case, "x"))
    # Retried: the shared build tree may be relinking the binary (OSError).
    for _ in range(20):
        try:
            p = subprocess.run([il, verdict, rid, "--reason", "case-" + verdict], env=env,
                               capture_output=True, text=True, timeout=20)
            if p.returncode == 0:
                return
            note(errs, "%s %s: rc=%d %s" % (verdict, rid, p.returncode, p.stderr.strip()))
        except (OSError, subprocess.SubprocessError) as e:
            note(errs, "%s %s: %r" % (verdict, rid, e))
        time.sleep(0.1)

# Decisions run on a pool so that watching never stalls behind them.
pool = ThreadPoolExecutor(max_workers=8)
seen = set()
while not os.path.exists(stopfile):
    for case in os.listdir(wdir):
        try:
            with open(os.path.join(wdir, case, "err"), errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        for m in AWAITS.finditer(text):
            rid, action = m.groups()
            if rid in seen:
                continue
            seen.add(rid)
            kind = case.rsplit(".", 1)[-1]
            verdict = kind if kind in ("approve", "deny") else "wait"
            if verdict != "wait":
                pool.submit(decide, case, verdict, rid)
            note(log, "%s %s %s %s" % (rid, case, verdict, action))
    time.sleep(0.05)
pool.shutdown(wait=True)
EOF

# --- launching cases -----------------------------------------------------
# route_type ROUTE: single | tree | threads | exec
route_type() {
  case $1 in
    bash_script|nested|env_i|mv_over|py_remove|py_envclear) echo single ;;
    rm_rf|find_delete|py_rmtree|node_rmsync) echo tree ;;
    threads) echo threads ;;
    repeat) echo repeat ;;
    *) echo exec ;;
  esac
}
# route_available ROUTE: its runtime is here.
route_available() {
  case $1 in
    node_*) [ -n "$NODE" ] ;;
    threads) [ -x "$THREADS" ] ;;
    repeat) [ -x "$REPEAT" ] ;;
    *) true ;;
  esac
}

CASES=()
PIDS=()
# launch MODE ROUTE KIND: make the case directory and its files, then run
# the route under `interlock run` in the background (out, err, rc, audit in
# the case directory).
launch() {
  local mode=$1 route=$2 kind=$3
  local D="$T/w/$mode.$route.$kind" G=guarded P="$T/bin/stamp" to=30s
  [ "$kind" = rule ] && { G=vault; P=shred; }
  [ "$kind" = timeout ] && to=2s
  mkdir -p "$D/$G" "$D/x"
  chmod 700 "$D/x"
  case $(route_type "$route") in
    single) echo orig >"$D/$G/f"; echo new >"$D/new" ;;
    tree) echo orig >"$D/$G/f"; mkdir "$D/$G/sub"; echo orig >"$D/$G/sub/g" ;;
    threads) for t in 0 1 2 3 4 5 6 7; do touch "$D/$G/$t-0" "$D/$G/$t-1"; done ;;
    repeat) ;;
    exec) echo orig >"$D/stamp.log" ;;
  esac
  local -a cmd
  case $route in
    bash_script) cmd=("$T/agent.bash" "$D/$G/f") ;;
    nested) cmd=(bash -c "sh -c 'rm -f \"$D/$G/f\"; echo rc=\$?'") ;;
    env_i) cmd=(env -i /bin/sh -c "rm -f '$D/$G/f'; echo rc=\$?") ;;
    mv_over) cmd=(mv "$D/new" "$D/$G/f") ;;
    py_remove) cmd=("$PY" "$T/py_remove.py" "$D/$G/f") ;;
    py_envclear) cmd=("$PY" "$T/py_envclear.py" "$D/$G/f") ;;
    rm_rf) cmd=(rm -rf "$D/$G") ;;
    find_delete) cmd=(find "$D/$G" -delete) ;;
    py_rmtree) cmd=("$PY" "$T/py_rmtree.py" "$D/$G") ;;
    node_rmsync) cmd=("$NODE" "$T/node_rmsync.js" "$D/$G") ;;
    threads) cmd=("$THREADS" "$D/$G" 8 2) ;;
    repeat) cmd=("$REPEAT" "$D/$G/f" 3) ;;
    sh_script) cmd=("$T/agent.sh" "$P" "$D/stamp.log") ;;
    py_subprocess) cmd=("$PY" "$T/py_subprocess.py" "$P" "$D/stamp.log") ;;
    py_system) cmd=("$PY" "$T/py_system.py" "$P" "$D/stamp.log") ;;
    node_execsync) cmd=("$NODE" "$T/node_execsync.js" "$P" "$D/stamp.log") ;;
    node_spawnsync) cmd=("$NODE" "$T/node_spawnsync.js" "$P" "$D/stamp.log") ;;
  esac
  (
    cd "$D" || exit 1
    XDG_RUNTIME_DIR="$D/x" "$INTERLOCK" run --rules "$RULES" --enforce "$mode" --audit "$D/audit.jsonl" \
      --timeout "$to" -- "${cmd[@]}" >"$D/out" 2>"$D/err" </dev/null
    echo $? >"$D/rc"
  ) &
  PIDS+=($!)
  CASES+=("$mode.$route.$kind")
}

ALL_ROUTES=(bash_script nested env_i rm_rf find_delete mv_over py_remove py_rmtree py_envclear
            py_subprocess py_system sh_script node_execsync node_spawnsync node_rmsync threads)
BOTH_ROUTES=(rm_rf mv_over env_i py_subprocess py_rmtree py_envclear sh_script node_spawnsync
             node_rmsync threads)
KINDS=(approve deny timeout rule)

"$PY" "$T/approver.py" "$INTERLOCK" "$T/w" "$T/approver.log" "$T/approver.stop" &
approver=$!

start=$SECONDS
wave() {
  local mode=$1; shift
  local r k
  PIDS=()
  for r in "$@"; do
    route_available "$r" || continue
    for k in "${KINDS[@]}"; do launch "$mode" "$r" "$k"; done
  done
  wait "${PIDS[@]}"
}
wave preload "${ALL_ROUTES[@]}"
[ "$BOTH" = 1 ] && wave both "${BOTH_ROUTES[@]}"
# repeat: only its approve path (its subject: each re-created file is a
# question of its own, asked and audited).
PIDS=()
route_available repeat && launch preload repeat approve
route_available repeat && [ "$BOTH" = 1 ] && launch both repeat approve
[ ${#PIDS[@]} -gt 0 ] && wait "${PIDS[@]}"
touch "$T/approver.stop"
wait $approver
echo "# all cases ran in $((SECONDS - start))s"

# --- what happened --------------------------------------------------------
# audit_summary FILE: one line per decision record: DECISION DECIDED_BY KEY
# (KEY: the deleted path, or the exec's program and argv), then DUP lines for
# any action decided twice.
audit_summary() {
  python3 - "$1" <<'PY'
import json, sys
seen = {}
try:
    lines = open(sys.argv[1]).read().splitlines()
except OSError:
    lines = []
for line in lines:
    r = json.loads(line)
    if r.get("event") != "decision":
        continue
    a = r.get("action") or {}
    key = a.get("path") or " ".join([a.get("program") or "?"] + (a.get("argv") or []))
    seen[key] = seen.get(key, 0) + 1
    print(r.get("decision"), r.get("decided_by"), key)
for k, n in seen.items():
    if n > 1:
        print("DUP", n, k)
PY
}

# asked CASE: how many requests of the case awaited approval (the approver
# saw each one's line).
asked() { grep -c " $1 " "$T/approver.log"; }

# expected_asks ROUTE: exact number of requests of the approve path.
# Node's fs.rmSync (rimraf style) first tries rmdir on each directory and
# empties it only on ENOTEMPTY, so its two directories are asked about
# twice: 6 requests, two of them repeats of a path (two real rmdir calls).
expected_asks() {
  [ "$1" = node_rmsync ] && { echo 6; return; }
  case $(route_type "$1") in
    single|exec) echo 1 ;;
    tree) echo 4 ;;      # f, sub/g, sub, the directory itself
    threads) echo 16 ;;  # 8 threads x 2 files
    repeat) echo 3 ;;    # the same path, three different files
  esac
}

# happened CASE: the gated action took place (fully).
happened() {
  local route=${1#*.}; route=${route%.*}
  local D="$T/w/$1" G=guarded
  case $(route_type "$route") in
    single)
      if [ "$route" = mv_over ]; then [ ! -e "$D/new" ] && [ "$(cat "$D/$G/f")" = new ]
      else [ ! -e "$D/$G/f" ]; fi ;;
    tree) [ ! -e "$D/$G" ] ;;
    threads) [ -z "$(ls -A "$D/$G")" ] && grep -qx 'removed=16 denied=0 other=0' "$D/out" ;;
    repeat) [ ! -e "$D/$G/f" ] && grep -qx 'removed=3 failed=0' "$D/out" ;;
    exec) [ "$(sed -n 1p "$D/stamp.log")" = orig ] && [ "$(grep -c '^stamped ' "$D/stamp.log")" -eq 1 ] &&
          [ "$(wc -l <"$D/stamp.log")" -eq 2 ] ;;
  esac
}

# untouched CASE: nothing of the gated action took place.
untouched() {
  local route=${1#*.} kind=${1##*.}; route=${route%.*}
  local D="$T/w/$1" G=guarded
  [ "$kind" = rule ] && G=vault
  case $(route_type "$route") in
    single)
      [ "$(cat "$D/$G/f")" = orig ] || return 1
      [ "$route" != mv_over ] || [ "$(cat "$D/new")" = new ] ;;
    tree) [ "$(cat "$D/$G/f")" = orig ] && [ "$(cat "$D/$G/sub/g")" = orig ] ;;
    threads) [ "$(ls "$D/$G" | wc -l)" -eq 16 ] ;;
    exec) [ "$(cat "$D/stamp.log")" = orig ] ;;
  esac
}

# refused CASE: the program saw the refusal as EACCES, its own way.
refused() {
  local route=${1#*.}; route=${route%.*}
  local D="$T/w/$1"
  case $route in
    bash_script|nested|env_i) grep -qx 'rc=1' "$D/out" && grep -q 'Permission denied' "$D/err" ;;
    py_envclear) grep -qx 'rc=1' "$D/out" && grep -q 'Permission denied' "$D/err" &&
                 grep -qx 'child-exit 0' "$D/out" ;;
    mv_over|rm_rf|find_delete) [ "$(cat "$D/rc")" -eq 1 ] && grep -q 'Permission denied' "$D/err" ;;
    py_remove|py_rmtree|py_subprocess) grep -qx 'PermissionError 13' "$D/out" ;;
    node_rmsync|node_spawnsync) grep -qx 'error=EACCES' "$D/out" ;;
    threads) grep -qx 'removed=0 denied=16 other=0' "$D/out" ;;
    sh_script) grep -qx 'rc=126' "$D/out" ;;
    py_system|node_execsync) grep -qx 'status=126' "$D/out" ;;
  esac
}

# deny_line CASE REASON-REGEX: the agent's stderr has interlock's one line
# (from the shim, or under `both` from the seccomp supervisor) for this
# case's gated action with that reason.
deny_line() {
  local route=${1#*.}; route=${route%.*}
  local D="$T/w/$1" what
  case $route in
    mv_over) what="rename $D/new over $D/(guarded|vault)/f" ;;
    *) if [ "$(route_type "$route")" = exec ]; then what="exec [^ ]*(stamp|shred) $D/stamp.log"
       else what="(delete|rmdir) $D/(guarded|vault)(/[^ ]*)?"; fi ;;
  esac
  grep -qE "^interlock: denied $what \\($2\\)" "$D/err"
}

# audit_all CASE DECISION DECIDED_BY [REPEATS]: every decision record of
# the case is that, there is at least one, and no action (path, or program
# and argv) was decided more than REPEATS times (default 1: none twice).
audit_all() {
  local s; s=$(audit_summary "$T/w/$1/audit.jsonl")
  [ -n "$s" ] || return 1
  awk -v max="${4:-1}" '$1 == "DUP" && $2 > max { bad = 1 } END { exit bad }' <<<"$s" || return 1
  ! grep -v '^DUP ' <<<"$s" | grep -vq "^$2 $3 "
}
audit_count() { audit_summary "$T/w/$1/audit.jsonl" | grep -vc '^DUP '; }

for c in "${CASES[@]}"; do
  mode=${c%%.*} kind=${c##*.} route=${c#*.}; route=${route%.*}
  D="$T/w/$c"
  st=$(cat "$D/rc" 2>/dev/null || echo none)
  if [ "$st" != none ] && [ "$st" -lt 125 ]; then pass "$c: interlock run ran the agent (status $st)"
  else fail "$c: interlock run ran the agent" "status $st: $(head -n1 "$D/err" 2>/dev/null)"; fi
  case $kind in
    approve)
      n=$(expected_asks "$route") repeats=1
      [ "$route" = node_rmsync ] && repeats=2
      [ "$route" = repeat ] && repeats=3
      check "$c: the action happened" happened "$c"
      check "$c: asked exactly $n time(s) (got $(asked "$c"))" test "$(asked "$c")" -eq "$n"
      check "$c: $n audit decision(s) (got $(audit_count "$c"))" test "$(audit_count "$c")" -eq "$n"
      check "$c: audit: every decision allow by reviewer" audit_all "$c" allow reviewer $repeats
      check "$c: no deny line" sh -c "! grep -q 'interlock: denied' '$D/err'"
      ;;
    deny|timeout)
      reason='denied by [^)]*: case-deny'
      [ "$kind" = timeout ] && reason='timed out after 2s'
      by=reviewer; [ "$kind" = timeout ] && by=timeout
      check "$c: nothing happened" untouched "$c"
      check "$c: the program saw EACCES" refused "$c"
      check "$c: stderr has the interlock: denied line" deny_line "$c" "$reason"
      check "$c: asked once per action ($(asked "$c") asked, $(audit_count "$c") decided)" \
        test "$(asked "$c")" -eq "$(audit_count "$c")"
      check "$c: audit: every decision deny by $by, none twice" audit_all "$c" deny "$by"
      ;;
    rule)
      rule=no-vault; [ "$(route_type "$route")" = exec ] && rule=no-shred
      check "$c: nothing happened" untouched "$c"
      check "$c: the program saw EACCES" refused "$c"
      check "$c: stderr names the rule" deny_line "$c" "rule $rule: [^)]*"
      check "$c: nobody was asked" test "$(asked "$c")" -eq 0
      check "$c: audit: deny by rule" audit_all "$c" deny rule
      ;;
  esac
  check "$c: audit log verifies" sh -c "\"\$0\" audit verify \"\$1\" >/dev/null" "$INTERLOCK" "$D/audit.jsonl"
done
check "every interlock approve|deny of the loop was accepted" \
  sh -c "! grep -qE '^(approve|deny) r-[0-9a-f]+: rc=' '$T/approver.log.err'"
if [ -s "$T/approver.log.err" ]; then
  echo "# approver notes (errors):"
  head -n 20 "$T/approver.log.err" | sed 's/^/#   /'
fi

finish
