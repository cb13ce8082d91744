#!/usr/bin/env bash
# gate_hints.sh — the shim's delete screen (interceptor/shim_hints.c) may
# only ever ask too often: every path a rule's glob matches is still
# asked about (and denied) — including the glob forms whose matches do not
# contain the pattern's text verbatim ("/x/**" matching "/x", "a/**/b"
# matching "a/b", a leading "**/", ${CWD}, classes, escapes) — while a
# delete no rule can gate costs no round trip to the sidecar at all; the
# same for execs of programs no exec rule names.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gate_common.bash"
cd "$T"
R="$T/hint-rules.toml"
cat >"$R" <<TOML
version = 1
[defaults]
decision = "allow"
[[rule]]
id = "deny-tree"
kind = "delete"
path = ["$T/x/**", "**/.git", "$T/a/**/b", "\${CWD}/cwdsecret*", "$T/k/[abc]*.key", "$T/e/star\\\\*name", "**/deep/**/leaf?"]
decision = "deny"
[[rule]]
id = "no-shred"
kind = "exec"
program = ["shred"]
decision = "deny"
[[rule]]
id = "allow-logged"
kind = "delete"
path = ["**/logged/**"]
decision = "allow"
TOML
chmod 600 "$R"
mkdir -p x/y a/b a/m/n/b w/.git k e d/deep/1/2 free
touch x/y/f a/m/n/b/f k/a1.key k/z1.key "e/star*name" d/deep/1/2/leafZ free/f1 free/f2 cwdsecret-1
# (path, expected to survive) pairs, each removed by python (unlink/rmdir)
cases=(
  "$T/x:dir" "$T/x/y/f:file" "$T/w/.git:dir" "$T/a/b:dir" "$T/a/m/n/b:dir"
  "$T/cwdsecret-1:file" "$T/k/a1.key:file" "$T/e/star*name:file" "$T/d/deep/1/2/leafZ:file"
)
script='import os, sys
for arg in sys.argv[1:]:
    p, kind = arg.rsplit(":", 1)
    try:
        (os.rmdir if kind == "dir" else os.remove)(p)
        print("removed", p)
    except OSError as e:
        print("kept", p, e.errno)'
"$INTERLOCK" run --enforce preload --rules "$R" -- python3 -c "$script" "${cases[@]}" >out 2>err
for c in "${cases[@]}"; do
  p=${c%:*}
  check "guarded by a deny glob, still denied: ${p#$T/}" grep -qxF "kept $p 13" out
done
# the screen over-approximates; an unguarded file next to guarded ones
"$INTERLOCK" run --enforce preload --rules "$R" -- python3 -c "$script" "$T/k/z1.key:file" "$T/free/f1:file" >out2 2>&1
check "an unguarded file is deleted (k/z1.key)" grep -qxF "removed $T/k/z1.key" out2
check "an unguarded file is deleted (free/f1)" grep -qxF "removed $T/free/f1" out2

# a delete an allow rule matches still reaches the sidecar: it is audited
mkdir -p logged; : >logged/f
"$INTERLOCK" run --enforce preload --rules "$R" --audit "$T/audit.jsonl" -- rm -f "$T/logged/f" 2>/dev/null
check "a delete matched by an allow rule is deleted" test ! -e logged/f
check "... and audited with its rule" grep -q '"rule":"allow-logged"' "$T/audit.jsonl"

# no round trip for deletes no rule can gate: count the shim's requests
if command -v strace >/dev/null; then
  mkdir -p many; for i in $(seq 200); do : >"many/f$i"; done
  strace -f -qq -e trace=sendmsg -o "$T/st" "$INTERLOCK" run --enforce preload --rules "$R" -- rm -rf "$T/many" 2>/dev/null
  n=$(grep -c 'ILK1' "$T/st" || true)
  check "rm -rf of 200 unguarded files: removed" test ! -e many
  check "rm -rf of 200 unguarded files: no per-file request to the sidecar ($n frames)" test "$n" -lt 5
  mkdir -p many/.git; for i in $(seq 20); do : >"many/f$i"; done
  strace -f -qq -e trace=sendmsg -o "$T/st2" "$INTERLOCK" run --enforce preload --rules "$R" --dry-run -- rm -rf "$T/many" 2>/dev/null
  n=$(grep -c 'ILK1' "$T/st2" || true)
  check "dry-run: every delete is still reported to the sidecar ($n frames)" test "$n" -ge 21
else
  skip "round-trip count" "strace not installed"
fi

# execs: a shell fetches the hints before it forks; its children skip the
# round trip only for programs no exec rule names — by path, by basename,
# or by argv[0] (rules match all of them)
mkdir -p bin; cp /usr/bin/true bin/shred; : >victim
"$INTERLOCK" run --enforce preload --rules "$R" -- bash -c "/bin/true; /bin/true; shred -u $T/victim; echo shred_rc=\$?" >out3 2>err3
check "a program a rule names is still denied after the shell forked" test -e victim
check "... with the rule named" grep -q 'rule no-shred' err3
"$INTERLOCK" run --enforce preload --rules "$R" -- bash -c "/bin/true; $T/bin/shred; echo rc=\$?" >out4 2>&1
check "a copy of a harmless program under a gated name is denied" grep -q 'rc=126' out4
"$INTERLOCK" run --enforce preload --rules "$R" -- bash -c "/bin/true; (exec -a shred /usr/bin/true); echo rc=\$?" >out5 2>&1
check "a harmless program run with argv[0] shred is denied" grep -q 'rc=126' out5
if command -v strace >/dev/null; then
  strace -f -qq -e trace=sendmsg -o "$T/st3" "$INTERLOCK" run --enforce preload --rules "$R" -- \
    bash -c 'for i in $(seq 50); do /bin/true; done' 2>/dev/null
  n=$(grep -c 'ILK1' "$T/st3" || true)
  check "50 execs of a program no rule names: no per-exec request ($n frames)" test "$n" -lt 5
  strace -f -qq -e trace=sendmsg -o "$T/st4" "$INTERLOCK" run --enforce preload --rules "$R" --dry-run -- \
    bash -c 'for i in $(seq 50); do /bin/true; done' 2>/dev/null
  n=$(grep -c 'ILK1' "$T/st4" || true)
  check "dry-run: every exec is still reported ($n frames)" test "$n" -ge 50
fi
finish
