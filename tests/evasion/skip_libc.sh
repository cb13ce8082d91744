#!/usr/bin/env bash
# skip_libc.sh — code that walks past the LD_PRELOAD shim is still gated
# by the seccomp layer (`seccomp` and `both`): execve reached through
# dlsym(dlopen("libc.so.6")), `env -i` (no LD_PRELOAD) followed by a static
# program's raw exec and delete, io_uring (a way to unlink without the
# unlink system call) fails with EPERM, and an x32 system call (a second
# syscall table the filter does not describe) kills the process.
source "$(dirname "$0")/../integration/seccomp_common.bash"
cd "$T"
for MODE in seccomp both; do
  rm -f "$T/made"
  touch "$T/keep1"
  run $MODE "$STATIC" unlink "$T/keep1"
  check "$MODE: a static binary's raw unlink of a protected file denied" test -e "$T/keep1"
  run $MODE "$STATIC" exec "$T/forbidden-prog" "$T/made"
  check "$MODE: a static binary's raw exec of a forbidden program denied" test ! -e "$T/made"
  run $MODE "$DLEXEC" "$T/forbidden-prog" "$T/made"
  check "$MODE: execve via dlsym(dlopen(libc)) denied" test ! -e "$T/made"
  run $MODE env -i "$STATIC" exec "$T/forbidden-prog" "$T/made"
  check "$MODE: env -i then a static exec denied" test ! -e "$T/made"
  touch "$T/keep3"
  run $MODE env -i "$STATIC" unlink "$T/keep3"
  check "$MODE: env -i then a static delete denied" test -e "$T/keep3"
  run $MODE "$STATIC" uring
  check "$MODE: io_uring_setup fails" grep -q 'rc=-1 errno=EPERM' "$T/out.txt"
  touch "$T/keep-x32"
  run $MODE "$STATIC" x32unlink "$T/keep-x32"; st=$?
  check "$MODE: x32 system call killed (SIGSYS)" test $st -eq 159
  check "$MODE: x32 unlink did not delete" test -e "$T/keep-x32"
done

# Without the seccomp layer the shim alone must survive environment
# scrubbing: it puts itself back into every child's environment.
touch "$T/keep4" "$T/keep5"
"$INTERLOCK" run --rules "$RULES" --enforce preload -- sh -c "unset LD_PRELOAD; /bin/rm -f $T/keep4" >"$T/out.txt" 2>&1
check "preload: unset LD_PRELOAD, then rm of a protected file denied" test -e "$T/keep4"
"$INTERLOCK" run --rules "$RULES" --enforce preload -- env -i /bin/rm -f "$T/keep5" >"$T/out.txt" 2>&1
check "preload: env -i rm of a protected file denied" test -e "$T/keep5"
check "preload: the denial names the rule" grep -q 'rule no-del-keep' "$T/out.txt"
finish
