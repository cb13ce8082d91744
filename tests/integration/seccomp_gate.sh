#!/usr/bin/env bash
# seccomp_gate.sh — the seccomp layer (`--enforce seccomp` and `both`)
# gates what skips the LD_PRELOAD shim: a static binary's raw syscall()
# deletes, renames, execs and connects (allowed, denied, approved and
# denied by a reviewer through `interlock approve|deny`), the launcher's
# own exec; and one human decision per action under `both`. The evasions
# (dlopen of libc, env -i, io_uring, x32) are tests/evasion/skip_libc.sh.
source "$(dirname "$0")/seccomp_common.bash"

for MODE in seccomp both; do
  rm -f "$T"/{free,keep,ask,made,made2,src}*
  touch "$T/free1" "$T/keep1" "$T/src1" "$T/keep2"
  cp /usr/bin/touch "$T/ask-prog"

  run $MODE "$STATIC" unlink "$T/free1"
  check "$MODE: static unlink allowed" test ! -e "$T/free1"
  run $MODE "$STATIC" unlink "$T/keep1"
  check "$MODE: static unlink denied" test -e "$T/keep1"
  check "$MODE: denied unlink fails with EACCES" grep -q 'errno=EACCES' "$T/out.txt"
  check "$MODE: deny line on the agent's stderr" grep -q 'interlock: denied delete .*keep1' "$T/out.txt"
  run $MODE "$STATIC" rename "$T/src1" "$T/keep2"
  check "$MODE: static rename over a protected file denied" test -e "$T/src1" -a -e "$T/keep2"
  run $MODE "$STATIC" rename "$T/src1" "$T/free-new"
  check "$MODE: static rename that replaces nothing allowed" test -e "$T/free-new" -a ! -e "$T/src1"
  mkdir "$T/keepdir"
  run $MODE "$STATIC" rmdir "$T/keepdir"
  check "$MODE: static rmdir denied" test -d "$T/keepdir"
  rmdir "$T/keepdir"

  run $MODE "$STATIC" exec "$T/forbidden-prog" "$T/made"
  check "$MODE: static exec denied" test ! -e "$T/made"
  check "$MODE: denied exec fails with EACCES" grep -q 'errno=EACCES' "$T/out.txt"
  run $MODE "$STATIC" exec /usr/bin/touch "$T/made2"
  check "$MODE: static exec allowed" test -e "$T/made2"
  run $MODE "$STATIC" exec "$T/no-such-prog"
  check "$MODE: exec of a missing program fails with ENOENT, unasked" grep -q 'errno=ENOENT' "$T/out.txt"

  run $MODE "$STATIC" connect 127.0.0.1 9
  check "$MODE: static connect denied (ECONNREFUSED by rule)" grep -q 'interlock: denied connect' "$T/out.txt"
  rm -f "$T/port"
  python3 -c 'import socket,time,sys; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1]); sys.stdout.flush(); time.sleep(20)' >"$T/port" &
  lsn=$!
  wait_for test -s "$T/port"
  run $MODE "$STATIC" connect 127.0.0.1 "$(cat "$T/port")"
  check "$MODE: static connect allowed (performed on behalf)" grep -q 'rc=0 errno=0' "$T/out.txt"
  kill $lsn 2>/dev/null; wait $lsn 2>/dev/null

  # Approve and deny through the cli approver.
  touch "$T/ask1" "$T/ask2"
  "$INTERLOCK" run --rules "$RULES" --enforce $MODE -- "$STATIC" unlink "$T/ask1" >"$T/ap.txt" 2>&1 &
  r=$!
  if wait_pending 1; then
    check "$MODE: exactly one pending request for the static delete" test "$(pending_count)" -eq 1
    "$INTERLOCK" approve "$(pending_ids | head -n1)" >/dev/null 2>&1
  else
    fail "$MODE: static delete never became pending"
  fi
  wait $r
  check "$MODE: approved static delete happened" test ! -e "$T/ask1"
  "$INTERLOCK" run --rules "$RULES" --enforce $MODE -- "$STATIC" exec "$T/ask-prog" "$T/made3" >"$T/ap.txt" 2>&1 &
  r=$!
  if wait_pending 1; then
    "$INTERLOCK" deny "$(pending_ids | head -n1)" >/dev/null 2>&1
  else
    fail "$MODE: static exec never became pending"
  fi
  wait $r
  check "$MODE: reviewer-denied static exec did not run" test ! -e "$T/made3"
  check "$MODE: reviewer-denied static exec failed with EACCES" grep -q 'errno=EACCES' "$T/ap.txt"

  # Deletes relative to a directory descriptor (rm -rf's way): the
  # supervisor remembers the directory's handle and path only while both
  # still hold. A directory moved under a deny rule by the agent itself, or
  # by someone else, or a descriptor number reused for another directory:
  # the next delete is judged by where the file is now.
  rm -rf "$T"/plain* "$T"/guarded*
  mkdir "$T/plain" "$T/plain2" "$T/plain3" "$T/guarded3"
  touch "$T/plain/a" "$T/plain/b" "$T/plain2/a" "$T/plain2/b" "$T/plain3/a" "$T/guarded3/b"
  run $MODE "$STATIC" dirunlink "$T/plain" a move "$T/guarded1" unlink b
  check "$MODE: dirfd delete allowed" test ! -e "$T/plain/a" -a ! -e "$T/guarded1/a"
  check "$MODE: after the agent moved the directory under a deny rule, its delete is denied" \
    test -e "$T/guarded1/b"
  check "$MODE: ... with EACCES" test "$(tail -n1 "$T/out.txt")" = "rc=-1 errno=EACCES"
  "$INTERLOCK" run --rules "$RULES" --enforce $MODE -- "$STATIC" dirunlink "$T/plain2" a sleep 2 unlink b \
    >"$T/out2.txt" 2>&1 &
  r=$!
  sleep 1
  mv "$T/plain2" "$T/guarded2"   # by a process outside the agent's tree
  wait $r
  check "$MODE: dirfd delete before an outside move allowed" grep -q '^rc=0' "$T/out2.txt"
  check "$MODE: after an outside move under a deny rule, the delete is denied" test -e "$T/guarded2/b"
  touch "$T/plain3/notadir"
  run $MODE "$STATIC" fdunlink "$T/plain3/notadir" x
  check "$MODE: a delete relative to a file descriptor fails with ENOTDIR, unasked" \
    test "$(cat "$T/out.txt")" = "rc=-1 errno=ENOTDIR"
  run $MODE "$STATIC" dirunlink "$T/plain3" a reopen "$T/guarded3" unlink b
  check "$MODE: a descriptor number reused for a guarded directory: denied" test -e "$T/guarded3/b"
  check "$MODE: ... the first delete happened" test ! -e "$T/plain3/a"

  # The supervisor deletes with the caller's identity: a caller that
  # dropped to nobody cannot delete root's file in root's directory.
  # (Under `both` a process that changed its uid is refused by the sidecar
  # altogether, so its exec fails closed: seccomp alone shows the rest.)
  if [ $MODE = both ]; then
    :
  elif [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
    run $MODE "$STATIC" setuid 65534
    check "$MODE: a reported uid change runs (raw setresuid)" grep -qx 'uid=65534' "$T/out.txt"
    rm -rf "$T/rootdir"; mkdir -m 755 "$T/rootdir"; touch "$T/rootdir/f" "$T/rootdir/g"
    chmod 755 "$T"
    run $MODE setpriv --reuid=65534 --regid=65534 --clear-groups "$STATIC" unlink "$T/rootdir/f"
    check "$MODE: nobody cannot delete root's file through the supervisor" test -e "$T/rootdir/f"
    check "$MODE: ... EACCES, as the kernel would say" grep -q 'errno=EACCES' "$T/out.txt"
    run $MODE setpriv --reuid=65534 --regid=65534 --clear-groups "$STATIC" dirunlink "$T/rootdir" g
    check "$MODE: nor relative to a directory descriptor" test -e "$T/rootdir/g"
    chmod 777 "$T/rootdir"
    run $MODE setpriv --reuid=65534 --regid=65534 --clear-groups "$STATIC" dirunlink "$T/rootdir" g
    check "$MODE: but can where the directory lets anyone" test ! -e "$T/rootdir/g"
  else
    skip "$MODE: caller credentials" "needs root and setpriv"
  fi

  run $MODE sh -c "exit 7"; st=$?
  check "$MODE: the launcher's own exec of the agent is not gated; status propagates" test $st -eq 7
done

# One human decision per action: a dynamic rm under `both` (the shim asks,
# then the kernel stops the same unlinkat) is asked about exactly once.
touch "$T/ask-both"
"$INTERLOCK" run --rules "$RULES" --audit "$T/once.jsonl" --enforce both -- /usr/bin/rm "$T/ask-both" >"$T/once.txt" 2>&1 &
r=$!
if wait_pending 1; then
  "$INTERLOCK" approve "$(pending_ids | head -n1)" >/dev/null 2>&1
else
  fail "both: rm never became pending"
fi
sleep 0.5
check "both: no second approval request after the first" test "$(pending_count)" -eq 0
wait $r
check "both: approved rm deleted the file" test ! -e "$T/ask-both"
n=$(grep -c '"path":"'"$T"'/ask-both"' "$T/once.jsonl")
check "both: exactly one audit decision for the delete (got $n)" test "$n" -eq 1

# Signal restarts: a static delete waiting for approval is interrupted by
# 50 signals (SA_RESTART); each restart is a new notification for the same
# call, which must join the question in flight, not ask again.
touch "$T/ask-sig"
"$INTERLOCK" run --rules "$RULES" --enforce seccomp -- "$STATIC" sigunlink "$T/ask-sig" >"$T/sig.txt" 2>&1 &
r=$!
if wait_pending 1; then
  p=$(pgrep -P "$r" -x static_ops)
  for i in $(seq 50); do kill -USR1 "$p" 2>/dev/null; sleep 0.02; done
  sleep 0.3
  check "signal restarts: still exactly one pending request" test "$(pending_count)" -eq 1
  "$INTERLOCK" approve "$(pending_ids | head -n1)" >/dev/null 2>&1
else
  fail "signal restarts: the delete never became pending"
fi
wait $r
check "signal restarts: the handler ran" grep -q 'signals=[1-9]' "$T/sig.txt"
check "signal restarts: the approved delete completed" grep -q 'rc=0 errno=0' "$T/sig.txt"
check "signal restarts: file deleted" test ! -e "$T/ask-sig"

finish
