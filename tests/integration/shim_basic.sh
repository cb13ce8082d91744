#!/usr/bin/env bash
# shim_basic.sh — the preload shim's exports, pass-through mode, the
# context it sends with an exec, and how it applies verdicts (allow, deny,
# IL_T_MESSAGE, IL_T_BANNER, PENDING then a verdict). Runs real programs
# under LD_PRELOAD against tests/integration/fake_sidecar.py.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/shim_helpers.bash"

# --- exports: only the hooks -------------------------------------------------
want="GLIBC_2.15 GLIBC_2.2.5 SSL_free SSL_write SSL_write_ex close connect dup2 dup3 execl execle execlp execv execve execveat execvp execvpe fexecve getaddrinfo gethostbyname gnutls_deinit gnutls_record_send popen posix_spawn@@GLIBC_2.15 posix_spawn@GLIBC_2.2.5 posix_spawnp@@GLIBC_2.15 posix_spawnp@GLIBC_2.2.5 remove rename renameat renameat2 rmdir send sendmsg sendto system unlink unlinkat write writev"
got=$(nm -D --defined-only "$SHIM" | awk '{print $3}' | sort | tr '\n' ' ' | sed 's/ $//')
if [ "$got" = "$want" ]; then pass "exports exactly the hook symbols"; else fail "exports" "got: $got"; fi

# --- pass-through without INTERLOCK_SOCKET ----------------------------------
fake_start --deny-all
touch "$T/pt"
env LD_PRELOAD="$SHIM" bash -c "rm '$T/pt'" 2>"$T/err"
expect "no INTERLOCK_SOCKET: rm works untouched" test ! -e "$T/pt"
expect "no INTERLOCK_SOCKET: nothing sent to the sidecar" test "$(log_count)" -eq 0
expect "no INTERLOCK_SOCKET: nothing printed" test ! -s "$T/err"

# --- exec context ------------------------------------------------------------
fake_start
(cd "$T" && under_shim /bin/bash -c "/bin/echo hello > '$T/echo.out'")
expect "allowed exec ran" grep -qx hello "$T/echo.out"
expect "exec logged with program and argv" log_has kind=exec program=/bin/echo 'argv=["/bin/echo","hello"]' hook=execve
expect "exec context: cwd, session, agent, layer" log_has kind=exec program=/bin/echo cwd="$T" session=test-session agent_id=test-agent layer=preload
expect "exec context: pid/ppid/tid/uid present" log_has kind=exec program=/bin/echo 'pid~=[0-9]*' 'ppid~=[0-9]*' 'tid~=[0-9]*' uid="$(id -u)"

: >"$LOG"
mkdir -p "$T/sub"; printf '#!/bin/sh\nexit 0\n' >"$T/x"; chmod +x "$T/x"
(cd "$T" && under_shim /bin/sh -c "./../$(basename "$T")/./sub/../x")
expect "relative program path resolved and normalised" log_has kind=exec program="$T/x"

: >"$LOG"
under_shim env -u PATH true
expect "PATH unset: execvp searches glibc's default /bin:/usr/bin" log_has kind=exec hook=execvp program=/bin/true 'argv=["true"]'
: >"$LOG"
PATH=/usr/bin:/bin under_shim env true
expect "PATH search follows \$PATH order" log_has kind=exec hook=execvp program=/usr/bin/true

# --- deny --------------------------------------------------------------------
fake_start --deny-program touch
under_shim bash -c "touch '$T/marker'; echo rc=\$?" >"$T/out" 2>"$T/err"
expect "denied program did not run" test ! -e "$T/marker"
expect "denied exec fails with EACCES (bash: 126)" grep -qx rc=126 "$T/out"
expect "deny line on stderr names program and rule" \
  grep -q "^interlock: denied exec /usr/bin/touch (rule deny-program: program /usr/bin/touch matches touch)$" "$T/err"
expect "bash saw Permission denied" grep -q "Permission denied" "$T/err"

fake_start --deny-program touch --message "blocked by policy: ask #ops"
under_shim bash -c "touch '$T/marker'" 2>"$T/err"
expect "IL_T_MESSAGE printed verbatim instead of the default line" grep -qx "blocked by policy: ask #ops" "$T/err"
expect "IL_T_MESSAGE: no default line" bash -c "! grep -q 'interlock: denied' '$T/err'"

fake_start --banner "BREAK-GLASS ACTIVE: all actions audited"
under_shim /bin/sh -c "/bin/true" 2>"$T/err"
expect "IL_T_BANNER printed on allow" grep -qx "BREAK-GLASS ACTIVE: all actions audited" "$T/err"

# --- pending -------------------------------------------------------------------
fake_start --pending-then-allow --pending-delay 1
start=$(date +%s%N)
under_shim /bin/sh -c "touch '$T/pending-ok'"
el=$(( ($(date +%s%N) - start) / 1000000 ))
expect "PENDING then ALLOW: program ran" test -e "$T/pending-ok"
expect "PENDING then ALLOW: the call waited for the verdict (${el} ms)" test "$el" -ge 900

fake_start --pending-then-deny --pending-delay 0.3
under_shim /bin/sh -c "touch '$T/pending-no'" 2>"$T/err"
expect "PENDING then DENY: program did not run" test ! -e "$T/pending-no"
expect "PENDING then DENY: deny line" grep -q "^interlock: denied exec /usr/bin/touch (rule pending-then-deny: the reviewer said no)$" "$T/err"

fake_stop
finish
