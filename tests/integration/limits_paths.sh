#!/usr/bin/env bash
# limits_paths.sh — 4,096-byte paths. A delete rule protects
# `**/protected-*`. Files at the end of a ~4,050-byte absolute path (just
# under PATH_MAX), and files whose absolute path is longer than PATH_MAX
# (reached relative to a deep working directory), are removed with `rm`
# (the shim) and with a static program's raw unlink (seccomp): the
# protected ones survive every time, the unprotected ones at the shorter
# depth are deleted, and the sidecar survives.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gate_common.bash"
cd "$T"
RULES="$T/paths.toml"
cat >"$RULES" <<'TOML'
version = 1
[defaults]
decision = "allow"

[[rule]]
id = "protect"
description = "protected files"
kind = "delete"
path = ["**/protected-*"]
decision = "deny"
TOML
chmod 600 "$RULES"
AUDIT="$T/audit.jsonl"
seg=$(printf 'd%.0s' $(seq 1 250))
# deep: absolute length just under 4096; deeper: 2 more levels, over it.
deep="$T"; while [ $(( ${#deep} + 252 )) -lt 4060 ]; do deep="$deep/$seg"; done
mkdir -p "$deep"
( cd "$deep" && mkdir "$seg" && cd "$seg" && mkdir "$seg" )
rel2="$seg/$seg"
echo "deep path length: ${#deep}; deeper: $(( ${#deep} + 502 ))"
mk() { ( cd "$deep" && for f in "$@"; do : >"$f"; : >"$rel2/$f"; done ); }
exists_deep() { ( cd "$deep" && test -e "$1" ); }
exists_deeper() { ( cd "$deep" && test -e "$rel2/$1" ); }
not_deep() { ! exists_deep "$1"; }

STATIC="$T/static_ops"
gcc -static -O2 -pthread -o "$STATIC" "$IL_ROOT/tests/static/static_ops.c" 2>/dev/null || STATIC=""
modes="preload"
if "$INTERLOCK" run --enforce seccomp -- /usr/bin/true 2>/dev/null; then modes="preload both seccomp"; fi

for m in $modes; do
  mk "protected-$m" "free-$m"
  "$INTERLOCK" run --enforce "$m" --rules "$RULES" --audit "$AUDIT" -- sh -c "
    /usr/bin/rm -f '$deep/protected-$m' '$deep/free-$m'
    cd '$deep' && /usr/bin/rm -f 'protected-$m'
    cd '$seg' && cd '$seg' && /usr/bin/rm -f 'protected-$m' 'free-$m'
    echo done" >"$T/out.$m" 2>&1
  check "$m: protected file at a ${#deep}-byte path survives rm" exists_deep "protected-$m"
  check "$m: unprotected file at that path is deleted" not_deep "free-$m"
  check "$m: protected file beyond PATH_MAX survives rm (relative)" exists_deeper "protected-$m"
  check "$m: the agent went on" grep -q done "$T/out.$m"
  if [ "$m" != preload ] && [ -n "$STATIC" ]; then
    mk "protected-s$m"
    ( cd "$deep" && cd "$seg" && cd "$seg" && "$INTERLOCK" run --enforce "$m" --rules "$RULES" --audit "$AUDIT" -- \
        "$STATIC" unlink "protected-s$m" ) >"$T/sout.$m" 2>&1
    check "$m: static raw unlink beyond PATH_MAX does not delete the protected file" exists_deeper "protected-s$m"
  fi
done
"$INTERLOCK" run --rules "$RULES" -- /usr/bin/true
check "sidecar works afterwards" test $? -eq 0
check "the long-path denials name the rule in the audit" grep -q '"protect"' "$AUDIT"
check "audit log verifies" "$INTERLOCK" audit verify "$AUDIT"
for m in $modes; do exists_deeper "free-$m" && echo "info: $m: an unprotected file beyond PATH_MAX was not deleted (fail closed)"; done
head -c 2000 "$T"/out.* | grep -v '^$' | cut -c1-160 | head -20
finish
