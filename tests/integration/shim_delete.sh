#!/usr/bin/env bash
# shim_delete.sh — deletes through the preload shim: coreutils rm -rf,
# find -delete, mv over a file, rmdir, Python (os.remove, shutil.rmtree with
# dir_fd, remove() and renameat2 via ctypes), Node fs.rmSync, and a
# multi-threaded C helper. Checks the logged absolute, normalised path,
# is_dir, del_op and rename_from, and what happened on disk.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/shim_helpers.bash"

# --- rm -rf, allowed --------------------------------------------------------
mkdir -p "$T/tree/a" "$T/tree/b" "$T/target"
touch "$T/tree/a/f1" "$T/tree/a/f2" "$T/tree/b/f3" "$T/target/precious"
ln -s "$T/target" "$T/tree/link"
fake_start
under_shim rm -rf "$T/tree"
expect "rm -rf: tree removed" test ! -e "$T/tree"
expect "rm -rf: symlink target untouched" test -e "$T/target/precious"
expect "rm -rf: file logged (unlinkat, unlink, not a dir)" log_has kind=delete hook=unlinkat path="$T/tree/a/f1" is_dir=false del_op=unlink
expect "rm -rf: directory logged (AT_REMOVEDIR, is_dir)" log_has kind=delete hook=unlinkat path="$T/tree/a" is_dir=true del_op=rmdir
expect "rm -rf: symlink to a dir is not followed" log_has kind=delete path="$T/tree/link" is_dir=false del_op=unlink
expect "rm -rf: top directory logged" log_has kind=delete path="$T/tree" is_dir=true
expect "rm -rf: every delete carries cwd and session" test "$(log_count kind=delete session=test-session cwd="$PWD")" -eq 7

# --- rm -rf, one subtree denied ---------------------------------------------
mkdir -p "$T/tree2/keep" "$T/tree2/gone"
touch "$T/tree2/keep/k1" "$T/tree2/gone/g1"
fake_start --deny-path-glob "$T/tree2/keep/*"
under_shim rm -rf "$T/tree2" 2>"$T/err"; rc=$?
expect "rm -rf denied: exit status non-zero" test $rc -ne 0
expect "rm -rf denied: denied file still there" test -e "$T/tree2/keep/k1"
expect "rm -rf denied: allowed file gone" test ! -e "$T/tree2/gone/g1"
expect "rm -rf denied: deny line" grep -q "^interlock: denied delete $T/tree2/keep/k1 (rule deny-path: path matches $T/tree2/keep/\*)$" "$T/err"
expect "rm -rf denied: rm reports Permission denied" grep -q "cannot remove.*Permission denied" "$T/err"

# --- relative paths, normalisation ------------------------------------------
mkdir -p "$T/rel/sub/deeper"
touch "$T/rel/x" "$T/rel/sub/y"
fake_start
(cd "$T/rel/sub/deeper" && under_shim rm ../../x .././/deeper/../y)
expect "relative path: ../../x resolved against cwd" log_has kind=delete path="$T/rel/x" cwd="$T/rel/sub/deeper"
expect "relative path: ./, //, .. collapsed lexically" log_has kind=delete path="$T/rel/sub/y"
expect "relative path: both removed" test ! -e "$T/rel/x" -a ! -e "$T/rel/sub/y"
mkdir "$T/rel/emptydir"
under_shim rmdir "$T/rel/emptydir"
expect "rmdir: logged as rmdir of a directory" log_has kind=delete hook=rmdir path="$T/rel/emptydir" is_dir=true del_op=rmdir

# --- find -delete --------------------------------------------------------------
mkdir -p "$T/ft/d"
touch "$T/ft/a.tmp" "$T/ft/d/b.tmp" "$T/ft/d/keep.tmp" "$T/ft/c.txt"
fake_start --deny-path-glob "*/keep.tmp"
under_shim find "$T/ft" -name '*.tmp' -delete 2>"$T/err"
expect "find -delete: allowed files gone" test ! -e "$T/ft/a.tmp" -a ! -e "$T/ft/d/b.tmp"
expect "find -delete: denied file kept" test -e "$T/ft/d/keep.tmp"
expect "find -delete: other file untouched" test -e "$T/ft/c.txt"
expect "find -delete: absolute path through the dirfd" log_has kind=delete path="$T/ft/d/b.tmp" hook=unlinkat

# --- mv over an existing file ----------------------------------------------------
echo new >"$T/src"; echo old >"$T/dst"; echo fresh >"$T/src2"
fake_start
under_shim mv "$T/src" "$T/dst"
expect "mv over a file: replaced" grep -qx new "$T/dst"
expect "mv over a file: logged as rename_over with source" log_has kind=delete del_op=rename_over path="$T/dst" rename_from="$T/src" is_dir=false
under_shim mv "$T/src2" "$T/newname"
expect "mv to a new name: not a delete, not logged" test "$(log_count path="$T/newname")" -eq 0
expect "mv to a new name: done" test -e "$T/newname"
echo a >"$T/m1"; echo b >"$T/m2"
fake_start --deny-path-glob "$T/m2"
under_shim mv "$T/m1" "$T/m2" 2>"$T/err"; rc=$?
expect "mv over a file denied: non-zero exit" test $rc -ne 0
expect "mv over a file denied: target unchanged, source kept" test "$(cat "$T/m2")" = b -a -e "$T/m1"
expect "mv over a file denied: deny line" grep -q "^interlock: denied rename over $T/m2 from $T/m1 " "$T/err"

# --- Python ----------------------------------------------------------------------
mkdir -p "$T/pyt/inner"
touch "$T/pyt/inner/f" "$T/pyt/g" "$T/pyrm" "$T/pyno" "$T/pyremove" "$T/rn-src" "$T/rn-dst"
mkdir "$T/pyremovedir"
fake_start --deny-path-glob "$T/pyno"
under_shim "$PY" - "$T" <<'PYEOF' >"$T/py.out" 2>"$T/py.err"
import ctypes, os, shutil, sys
t = sys.argv[1]
os.remove(t + "/pyrm")
try:
    os.remove(t + "/pyno")
except PermissionError as e:
    print("denied", e.errno)
shutil.rmtree(t + "/pyt")
libc = ctypes.CDLL(None, use_errno=True)
print("remove", libc.remove((t + "/pyremove").encode()), libc.remove((t + "/pyremovedir").encode()))
AT_FDCWD = -100
print("renameat2", libc.renameat2(AT_FDCWD, (t + "/rn-src").encode(), AT_FDCWD, (t + "/rn-dst").encode(), 0))
PYEOF
expect "python os.remove: allowed file gone" test ! -e "$T/pyrm"
expect "python os.remove: denied -> PermissionError errno 13" grep -qx "denied 13" "$T/py.out"
expect "python os.remove: denied file kept" test -e "$T/pyno"
expect "python shutil.rmtree: tree gone" test ! -e "$T/pyt"
expect "python shutil.rmtree: dir_fd deletes resolved to absolute paths" log_has kind=delete path="$T/pyt/inner/f" is_dir=false
expect "python shutil.rmtree: inner directory" log_has kind=delete path="$T/pyt/inner" is_dir=true del_op=rmdir
# The directory of a dirfd delete is remembered per thread and used only
# while fstat and lstat show it is still that directory at that path: a
# directory renamed in between (here by another process), or a descriptor
# number reused for another directory, is resolved afresh.
mkdir -p "$T/dc1" "$T/dc3"
touch "$T/dc1/a" "$T/dc1/b" "$T/dc1/c" "$T/dc3/z"
under_shim "$PY" - "$T" <<'PYEOF' >"$T/dc.out" 2>"$T/dc.err"
import os, subprocess, sys
t = sys.argv[1]
fd = os.open(t + "/dc1", os.O_RDONLY | os.O_DIRECTORY)
os.unlink("a", dir_fd=fd)
os.unlink("b", dir_fd=fd)
subprocess.run(["/bin/mv", t + "/dc1", t + "/dc2"], check=True, env={})
os.unlink("c", dir_fd=fd)
other = os.open(t + "/dc3", os.O_RDONLY | os.O_DIRECTORY)
os.dup2(other, fd)
os.unlink("z", dir_fd=fd)
print("done")
PYEOF
expect "dirfd cache: the program ran" grep -qx done "$T/dc.out"
expect "dirfd cache: first delete named by the directory's path" log_has kind=delete path="$T/dc1/a"
expect "dirfd cache: second delete (remembered) the same" log_has kind=delete path="$T/dc1/b"
expect "dirfd cache: after another process renamed it, the new path" log_has kind=delete path="$T/dc2/c"
expect "dirfd cache: a reused descriptor number names the other directory" log_has kind=delete path="$T/dc3/z"

expect "remove(): file and directory removed" grep -qx "remove 0 0" "$T/py.out"
expect "remove(): file logged as unlink" log_has hook=remove path="$T/pyremove" del_op=unlink is_dir=false
expect "remove(): directory logged as rmdir" log_has hook=remove path="$T/pyremovedir" del_op=rmdir is_dir=true
expect "renameat2 over a file: logged" log_has hook=renameat2 del_op=rename_over path="$T/rn-dst" rename_from="$T/rn-src"

# --- Node --------------------------------------------------------------------------
if command -v node >/dev/null; then
  mkdir -p "$T/nd/sub"; touch "$T/nd/sub/f" "$T/nd/x" "$T/ndno"
  fake_start --deny-path-glob "$T/ndno"
  under_shim node -e "
const fs = require('fs');
fs.rmSync('$T/nd', {recursive: true, force: true});
try { fs.unlinkSync('$T/ndno'); console.log('unlinked'); } catch (e) { console.log('error', e.code); }
" >"$T/node.out" 2>"$T/node.err"
  expect "node fs.rmSync: tree gone" test ! -e "$T/nd"
  expect "node fs.rmSync: file and dir logged" log_has kind=delete path="$T/nd/sub/f" is_dir=false
  expect "node fs.rmSync: dir logged" log_has kind=delete path="$T/nd/sub" is_dir=true del_op=rmdir
  expect "node fs.unlinkSync denied: EACCES" grep -qx "error EACCES" "$T/node.out"
  expect "node fs.unlinkSync denied: file kept" test -e "$T/ndno"
else
  skip "node fs" "node not installed"
fi

# --- 8 threads deleting at once ----------------------------------------------------
if [ -x "$HELPERS/threads_unlink" ]; then
  mkdir -p "$T/th"
  for t in 0 1 2 3 4 5 6 7; do for i in $(seq 0 49); do : >"$T/th/$t-$i"; done; done
  fake_start --deny-path-glob "$T/th/3-*"
  under_shim "$HELPERS/threads_unlink" "$T/th" 8 50 >"$T/th.out" 2>"$T/th.err"
  expect "threads: 350 removed, 50 denied, no other errors" grep -qx "removed=350 denied=50 other=0" "$T/th.out"
  expect "threads: denied files kept" test "$(ls "$T/th" | wc -l)" -eq 50
  expect "threads: every call reached the sidecar" test "$(log_count kind=delete hook=unlink)" -eq 400
  expect "threads: 50 deny lines, each whole" test "$(grep -c "^interlock: denied delete $T/th/3-[0-9]* (rule deny-path" "$T/th.err")" -eq 50
  ntid=$("$PY" -c "import json,sys; print(len({json.loads(l)['tid'] for l in open(sys.argv[1])}))" "$LOG")
  expect "threads: requests came from several threads ($ntid)" test "$ntid" -ge 2
else
  fail "threads_unlink helper built (make tests)"
fi

# --- a delete from a signal handler while the thread waits for a verdict -----------
if [ -x "$HELPERS/signal_nested" ]; then
  touch "$T/outer" "$T/inner"
  fake_start --pending-then-allow --pending-delay 1
  under_shim "$HELPERS/signal_nested" "$T/outer" "$T/inner" >"$T/sig.out" 2>"$T/sig.err"
  expect "signal handler during a wait: both calls allowed (EINTR absorbed)" grep -qx "outer=0 inner=0" "$T/sig.out"
  expect "signal handler during a wait: both files gone" test ! -e "$T/outer" -a ! -e "$T/inner"
  expect "signal handler during a wait: the nested delete was gated too" log_has kind=delete path="$T/inner"
else
  fail "signal_nested helper built (make tests)"
fi

fake_stop
finish
