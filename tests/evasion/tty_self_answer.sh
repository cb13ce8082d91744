#!/usr/bin/env bash
# tty_self_answer.sh — the agent answers its own tty prompt. Under
# `--approver tty` on a real pseudo-terminal, the agent makes a gated call
# in the background and then writes "y" lines to /dev/tty (its controlling
# terminal, the one the prompt is on). Writing to a terminal is output,
# not input: the prompt must not take it; the action stays pending until
# the human (the pty driver) denies it, and does not happen. Then the
# same with ioctl(TIOCSTI), which *injects input*: a stated limit where the
# kernel allows it (dev.tty.legacy_tiocsti=1, or CAP_SYS_ADMIN); the test
# reports which case this machine is.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/../integration/gate_common.bash"
cd "$T"

cat >"$T/drive.py" <<'PY'
import os, pty, sys, time, select
log, wait_s = sys.argv[1], float(sys.argv[2])
cmd = sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
out = b""
def pump(t):
    global out
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                d = os.read(fd, 4096)
            except OSError:
                return False
            if not d:
                return False
            out += d
    return True
end = time.time() + 15
while b"[y/n/d]" not in out and time.time() < end:
    if not pump(0.1):
        break
pump(wait_s)                      # the agent's own "answers" arrive meanwhile
open(log + ".before", "wb").write(out)
os.write(fd, b"n not you\n")      # the human denies
while pump(0.2):
    pass
_, st = os.waitpid(pid, 0)
open(log, "wb").write(out)
PY

# 1. writing "y" to /dev/tty
python3 "$T/drive.py" "$T/write.log" 3 "$INTERLOCK" run --rules "$RULES" --approver tty --timeout 30s -- \
  sh -c "(/usr/bin/touch $T/by-write; echo touch_rc=\$? > $T/write.rc) &
         sleep 0.5; for i in 1 2 3 4 5; do printf 'y\n' > /dev/tty; printf 'yes\r\n' > /dev/tty; sleep 0.2; done; wait"
check "write: the agent's y lines reached the screen" grep -q '^y' "$T/write.log.before"
check "write: still pending after the agent wrote y to /dev/tty" sh -c "! grep -q 'approved' '$T/write.log.before'"
check "write: the human's deny was taken" grep -q 'touch_rc=1' "$T/write.rc"
check "write: the action did not happen" test ! -e "$T/by-write"

# 2. TIOCSTI (input injection on the controlling terminal)
cat >"$T/sti.py" <<'PY'
import fcntl, os, sys, termios, time
time.sleep(0.7)
fd = os.open("/dev/tty", os.O_RDWR)
try:
    for ch in b"y\n":
        fcntl.ioctl(fd, termios.TIOCSTI, bytes([ch]))
    print("sti=ok", flush=True)
except OSError as e:
    print("sti=refused", e.strerror, flush=True)
PY
python3 "$T/drive.py" "$T/sti.log" 3 "$INTERLOCK" run --rules "$RULES" --approver tty --timeout 30s -- \
  sh -c "(/usr/bin/touch $T/by-sti; echo touch_rc=\$? > $T/sti.rc) & python3 $T/sti.py > $T/sti.out; wait"
if "$INTERLOCK" run --enforce both --rules "$RULES" -- true 2>/dev/null; then
  # the default enforcement includes the seccomp layer, whose filter
  # refuses TIOCSTI whatever the kernel's own setting
  check "TIOCSTI: refused under the seccomp layer" grep -q 'sti=refused' "$T/sti.out"
  check "TIOCSTI: the action did not happen" test ! -e "$T/by-sti"
elif grep -q 'sti=refused' "$T/sti.out"; then
  check "TIOCSTI: refused by the kernel; the action did not happen" test ! -e "$T/by-sti"
elif [ -e "$T/by-sti" ]; then
  skip "TIOCSTI" "injection approved the prompt on this machine (dev.tty.legacy_tiocsti=$(sysctl -n dev.tty.legacy_tiocsti 2>/dev/null || echo ?), uid $(id -u)): a stated limit, see docs/threat-model.md"
else
  check "TIOCSTI: injected input did not approve (the prompt flushed it)" test ! -e "$T/by-sti"
fi
finish
