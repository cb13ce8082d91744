#!/usr/bin/env bash
# shim_exec.sh — every program-execution entry point of the preload shim,
# driven by real programs: the exec family and vfork (tests/helpers/
# exec_variants), both symbol versions of posix_spawn/posix_spawnp
# (tests/helpers/spawn_versions binds the old one with .symver), system,
# popen, nested shells, Python subprocess/os.system and Node child_process.
# Checks what the fake sidecar logged, that the shim's environment reached
# the child (even through an empty envp), and that denied programs never ran.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/shim_helpers.bash"

EV="$HELPERS/exec_variants"
SV="$HELPERS/spawn_versions"
for h in "$EV" "$SV"; do
  [ -x "$h" ] || { fail "helper $h built (make tests)"; finish; exit 1; }
done

# The child records the shim environment it received.
probe() { echo "printf '%s|%s|%s\n' \"\$LD_PRELOAD\" \"\$INTERLOCK_SOCKET\" \"\$INTERLOCK_SESSION\" > '$1'"; }
env_ok() { grep -q "$SHIM" "$1" && grep -q "|$SOCK|test-session" "$1"; }

# mode -> hook name the shim reports
declare -A HOOK=(
  [execl]=execl [execle]=execle [execlp]=execlp [execv]=execv [execvp]=execvp
  [execvpe]=execvpe [execve-empty]=execve [fexecve]=fexecve [execveat]=execveat
  [execveat-empty]=execveat [vfork]=execve [system]=system [popen]=popen
)
MODES="execl execle execlp execv execvp execvpe execve-empty fexecve execveat execveat-empty vfork system popen"

fake_start
for m in $MODES; do
  : >"$LOG"
  out="$T/env.$m"
  under_shim "$EV" "$m" "$(probe "$out")" >"$T/stdout.$m" 2>"$T/stderr.$m"
  expect "$m: command ran" test -s "$out"
  expect "$m: logged as hook ${HOOK[$m]} with sh -c argv" \
    log_has kind=exec hook="${HOOK[$m]}" 'program~=/*' "argv~=*\"-c\"*"
  expect "$m: child kept LD_PRELOAD and INTERLOCK_*" env_ok "$out"
done
: >"$LOG"
under_shim "$EV" fexecve "true" >/dev/null
expect "fexecve: program is the file behind the descriptor" log_has hook=fexecve 'program~=/usr/bin/*sh'
: >"$LOG"
under_shim "$EV" system "true" >/dev/null
expect "system: reported as /bin/sh -c CMD" log_has hook=system program=/bin/sh 'argv=["sh","-c","true"]'

fake_start --deny-program sh --deny-program dash
for m in $MODES; do
  marker="$T/ran.$m"
  under_shim "$EV" "$m" "touch '$marker'" >"$T/stdout.$m" 2>"$T/stderr.$m"
  expect "$m denied: program did not run" test ! -e "$marker"
  expect "$m denied: EACCES reported" grep -q "errno=13" "$T/stdout.$m"
  expect "$m denied: one deny line on stderr" test "$(grep -c '^interlock: denied exec' "$T/stderr.$m")" -eq 1
done

# --- posix_spawn / posix_spawnp, both symbol versions --------------------------
fake_start
for v in old new; do
  for f in spawn spawnp; do
    for e in inherit empty; do
      : >"$LOG"
      out="$T/spawn.$v.$f.$e"
      prog=/bin/sh; [ $f = spawnp ] && prog=sh
      under_shim "$SV" $v $f $e $prog -c "$(probe "$out")" >"$T/sv.out" 2>&1
      expect "posix_$f@$v ($e envp): ran" grep -q "rc=0 status=0" "$T/sv.out"
      expect "posix_$f@$v ($e envp): intercepted" log_has kind=exec hook="posix_$f" 'program~=/*sh'
      expect "posix_$f@$v ($e envp): child kept the shim" env_ok "$out"
    done
  done
done
fake_start --deny-program sh --deny-program dash
for v in old new; do
  for f in spawn spawnp; do
    prog=/bin/sh; [ $f = spawnp ] && prog=sh
    under_shim "$SV" $v $f inherit $prog -c "touch '$T/spawned.$v.$f'" >"$T/sv.out" 2>"$T/sv.err"
    expect "posix_$f@$v denied: returns EACCES" grep -q "rc=13 " "$T/sv.out"
    expect "posix_$f@$v denied: nothing spawned" test ! -e "$T/spawned.$v.$f"
  done
done

# --- shells, Python, Node ------------------------------------------------------
fake_start --deny-program rm
touch "$T/nested"
under_shim bash -c "sh -c 'bash -c \"rm -f $T/nested\"'" 2>"$T/err"
expect "nested shells: inner rm gated and denied" test -e "$T/nested"
expect "nested shells: rm logged with argv" log_has kind=exec program=/usr/bin/rm "argv=[\"rm\",\"-f\",\"$T/nested\"]"

fake_start --deny-program rm
touch "$T/py1" "$T/py2"
under_shim "$PY" - "$T" <<'PYEOF' >"$T/py.out" 2>"$T/py.err"
import os, subprocess, sys
t = sys.argv[1]
for f in ("py1", "py2"):
    try:
        subprocess.run(["rm", "-f", t + "/" + f])   # denied at exec in the vfork child
        print("ran", f)
    except PermissionError as e:
        print("perm", e.errno)
print("system", os.system("touch " + t + "/py-system"))
print("env", subprocess.run(["sh", "-c", "touch " + t + "/py-env"], env={}).returncode)
PYEOF
expect "python subprocess.run: rm denied (PermissionError errno 13)" test "$(grep -cx "perm 13" "$T/py.out")" -eq 2
expect "python subprocess.run: files kept" test -e "$T/py1" -a -e "$T/py2"
expect "python subprocess.run: logged with resolved program" log_has kind=exec program=/usr/bin/rm "argv=[\"rm\",\"-f\",\"$T/py1\"]"
expect "python subprocess.run: PATH entries without rm never reach the sidecar" test "$(log_count kind=exec "argv~=*py1*" 'program~=/root/*')" -eq 0
expect "python os.system: ran and was gated as system()" log_has hook=system program=/bin/sh
expect "python os.system: allowed command ran" test -e "$T/py-system"
expect "python subprocess env={}: allowed sh ran" test -e "$T/py-env"
expect "python subprocess env={}: touch inside still gated" log_has kind=exec program=/usr/bin/touch "argv=[\"touch\",\"$T/py-env\"]"

if command -v node >/dev/null; then
  fake_start --deny-program rm
  touch "$T/node1"
  under_shim node -e "
const cp = require('child_process');
try { cp.execSync('rm -f $T/node1', {stdio: 'ignore'}); console.log('execSync ok'); }
catch (e) { console.log('execSync failed', e.status); }
const r = cp.spawnSync('touch', ['$T/node-spawn']);
console.log('spawnSync', r.status);
const d = cp.spawnSync('rm', ['-f', '$T/node1']);
console.log('spawnSync-rm', d.error ? d.error.code : d.status);
" >"$T/node.out" 2>"$T/node.err"
  expect "node execSync: rm inside the shell denied, file kept" test -e "$T/node1"
  expect "node execSync: /bin/sh -c logged" log_has kind=exec 'program~=*/sh' "argv~=*rm -f $T/node1*"
  expect "node spawnSync: touch allowed and ran" test -e "$T/node-spawn"
  expect "node spawnSync: touch logged" log_has kind=exec program=/usr/bin/touch
  expect "node spawnSync rm: EACCES" grep -qx "spawnSync-rm EACCES" "$T/node.out"
else
  skip "node child_process" "node not installed"
fi

fake_stop
finish
