#!/usr/bin/env bash
# gate_tty.sh — the tty approver on a real pseudo-terminal: the prompt
# shows the action and rule, `d` shows details, `y` approves, `n reason`
# denies, input typed before the prompt is discarded; no terminal -> refused.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gate_common.bash"
cd "$T"

setsid -w "$INTERLOCK" run --rules "$RULES" --approver tty -- true </dev/null >/dev/null 2>err0; st=$?
check "--approver tty without a terminal is refused" test $st -ne 0
check "refusal says why" grep -q 'needs a terminal' err0

cat >"$T/drive_tty.py" <<'PY'
import os, pty, sys, time, select
def run(cmd, answers, log):
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    out = b""
    def pump(t):
        nonlocal out
        end = time.time() + t
        while time.time() < end:
            r, _, _ = select.select([fd], [], [], 0.05)
            if r:
                try: d = os.read(fd, 4096)
                except OSError: return False
                if not d: return False
                out += d
        return True
    os.write(fd, b"y\n")          # typed ahead: must be discarded
    for wait_for, answer in answers:
        end = time.time() + 10
        while wait_for.encode() not in out and time.time() < end:
            if not pump(0.1): break
        os.write(fd, answer.encode())
        pump(0.3)
    while pump(0.2): pass
    _, st = os.waitpid(pid, 0)
    open(log, "wb").write(out)
    return os.waitstatus_to_exitcode(st)
mode, log = sys.argv[1], sys.argv[2]
cmd = sys.argv[3:]
if mode == "approve":
    answers = [("[y/n/d]", "d\n"), ("argv[1]", "y\n")]
else:
    answers = [("[y/n/d]", "n too risky\n")]
sys.exit(run(cmd, answers, log))
PY

python3 "$T/drive_tty.py" approve "$T/tty1.log" "$INTERLOCK" run --rules "$RULES" --approver tty --timeout 20s -- \
  sh -c "sleep 0.5; /usr/bin/touch $T/tty-approved; echo rc=\$?"
check "prompt shows the action" grep -q "action: exec /usr/bin/touch $T/tty-approved" "$T/tty1.log"
check "prompt shows the rule" grep -q "rule:   gate-touch (approve, medium): creating files needs approval" "$T/tty1.log"
check "details on d" grep -q "argv\[1\]: $T/tty-approved" "$T/tty1.log"
check "y approves" test -f "$T/tty-approved"
check "agent saw success" grep -q 'rc=0' "$T/tty1.log"

python3 "$T/drive_tty.py" deny "$T/tty2.log" "$INTERLOCK" run --rules "$RULES" --approver tty --timeout 20s -- \
  sh -c "sleep 0.5; /usr/bin/touch $T/tty-denied; echo rc=\$?"
check "n denies" test ! -e "$T/tty-denied"
check "deny reason reaches the agent" grep -q 'too risky' "$T/tty2.log"

finish
