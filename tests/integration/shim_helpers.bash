# shim_helpers.bash — helpers for the preload-shim tests (sourced after lib.sh).
#
#   fake_start [fake_sidecar.py options]   start tests/integration/fake_sidecar.py
#                                          on $SOCK, logging to $LOG
#   fake_stop                              stop it (SIGTERM)
#   under_shim CMD...                      run CMD with LD_PRELOAD and the
#                                          INTERLOCK_* environment set
#   log_count KEY=VALUE|KEY~=GLOB ...      number of logged actions matching all
#   log_has   KEY=VALUE ...                true when at least one matches
#   log_show                               print the log (for failure output)
#
# A VALUE is compared with the field as JSON for lists/booleans/null
# (argv='["rm","-f","x"]', is_dir=true) and as text otherwise.
# Named .bash (not .sh) so tests/run-checks.sh does not run it as a suite.

PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || command -v python3)
FAKE="$IL_ROOT/tests/integration/fake_sidecar.py"
SOCK="$T/sidecar.sock"
LOG="$T/actions.jsonl"
FAKE_PID=
export PY SOCK LOG

if [ ! -f "$SHIM" ]; then
  echo "shim not built: $SHIM (run make)" >&2
  fail "shim library present"
  finish
  exit 1
fi

fake_start() {
  fake_stop
  rm -f "$SOCK"
  : >"$LOG"
  "$PY" "$FAKE" --socket "$SOCK" --log "$LOG" --max-seconds 300 "$@" &
  FAKE_PID=$!
  wait_for test -S "$SOCK" || { echo "fake sidecar did not start" >&2; return 1; }
}

fake_stop() {
  if [ -n "$FAKE_PID" ]; then
    kill "$FAKE_PID" 2>/dev/null
    wait "$FAKE_PID" 2>/dev/null
    FAKE_PID=
  fi
}

under_shim() {
  env LD_PRELOAD="$SHIM" INTERLOCK_SOCKET="$SOCK" INTERLOCK_SESSION=test-session \
      INTERLOCK_AGENT_ID=test-agent INTERLOCK_SHIM="$SHIM" "$@"
}

log_count() {
  "$PY" - "$LOG" "$@" <<'PYEOF'
import fnmatch, json, sys
log, conds = sys.argv[1], sys.argv[2:]
def text(v):
    return json.dumps(v, separators=(",", ":")) if isinstance(v, (list, dict, bool)) or v is None else str(v)
def norm(s):
    try:
        return json.dumps(json.loads(s), separators=(",", ":"))
    except ValueError:
        return s
n = 0
for line in open(log):
    e = json.loads(line)
    ok = True
    for c in conds:
        if "~=" in c:
            k, g = c.split("~=", 1)
            ok = k in e and fnmatch.fnmatchcase(text(e[k]), g)
        else:
            k, v = c.split("=", 1)
            ev = e.get(k)
            ok = text(ev) == v or (isinstance(ev, (list, bool)) and text(ev) == norm(v))
        if not ok:
            break
    n += ok
print(n)
PYEOF
}

log_has() {
  [ "$(log_count "$@")" -gt 0 ]
}

log_show() {
  sed 's/^/    log: /' "$LOG" | tail -n 40
}

# expect NAME CONDITION... : pass when CONDITION (a command) succeeds,
# else fail and show the log.
expect() {
  local name=$1; shift
  if "$@"; then pass "$name"; else fail "$name" "$*"; log_show; fi
}
