# seccomp_common.bash — shared set-up of the seccomp-layer suites (sourced
# by tests/integration/seccomp_gate.sh and tests/evasion/*.sh): skip when
# the kernel lacks seccomp user notification, the static raw-syscall test
# program ($STATIC, built with gcc -static), the dlopen-execve helper
# ($DLEXEC), a rule set ($RULES) and run MODE CMD... (output in out.txt).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/gate_common.bash"
cd "$T"

if ! "$INTERLOCK" run --enforce seccomp -- true 2>/dev/null; then
  skip "seccomp layer" "seccomp user notification unavailable here"
  finish; exit $?
fi
STATIC="$T/static_ops"
if ! gcc -static -O2 -pthread -o "$STATIC" "$IL_ROOT/tests/static/static_ops.c" 2>"$T/gcc.err"; then
  skip "seccomp layer" "gcc -static failed: $(head -n1 "$T/gcc.err")"
  finish; exit $?
fi
DLEXEC="$HELPERS/seccomp_dlexec"

RULES="$T/sc-rules.toml"
cat >"$RULES" <<'TOML'
version = 1
[defaults]
decision = "allow"
timeout = "30s"

[[rule]]
id = "no-del-keep"
kind = "delete"
path = ["**/keep*"]
decision = "deny"

[[rule]]
id = "no-del-guarded"
kind = "delete"
path = ["**/guarded*/**"]
decision = "deny"

[[rule]]
id = "ask-del"
kind = "delete"
path = ["**/ask*"]
decision = "approve"

[[rule]]
id = "no-forbidden"
kind = "exec"
program = ["forbidden-prog"]
decision = "deny"

[[rule]]
id = "ask-prog"
kind = "exec"
program = ["ask-prog"]
decision = "approve"

[[rule]]
id = "no-port-9"
kind = "connect"
addr = ["127.0.0.1"]
port = [9]
decision = "deny"
TOML
chmod 600 "$RULES"
cp /usr/bin/touch "$T/forbidden-prog"

# run MODE CMD...: the agent under interlock, stdout+stderr to out.txt.
run() { local m=$1; shift; "$INTERLOCK" run --rules "$RULES" --audit "$T/audit-$m.jsonl" --enforce "$m" -- "$@" >"$T/out.txt" 2>&1; }

