#!/usr/bin/env bash
# audit_tamper.sh — editing the audit log. A real log written by `interlock
# run` verifies; each tampering is then detected by `interlock audit verify`
# (exit non-zero, naming the line): a decision flipped from deny to allow,
# a record deleted, two records swapped, a record duplicated, the last
# line cut short, an edited record whose own hash was recomputed (the next
# record's `prev` no longer matches), and the head record removed. A
# sidecar refuses to extend a log whose last record was edited. Rewriting
# the whole chain from the edit onwards, or dropping whole records from
# the end, is NOT detectable by an unkeyed chain: a stated limit
# (docs/threat-model.md, docs/audit.md), shown here as information.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/../integration/gate_common.bash"
cd "$T"
AUDIT="$T/audit.jsonl"
"$INTERLOCK" run --rules "$RULES" --audit "$AUDIT" -- sh -c "
  /usr/bin/rm -f $T/nothing; /usr/bin/rm -f $T/nothing2; /usr/bin/rm -f $T/nothing3; /usr/bin/true" 2>/dev/null
check "the real log verifies" "$INTERLOCK" audit verify "$AUDIT"
n=$(wc -l <"$AUDIT")
check "it has enough records to tamper with ($n)" test "$n" -ge 5

cat >"$T/tamper.py" <<'PY'
import hashlib, json, sys
src, kind, dst = sys.argv[1], sys.argv[2], sys.argv[3]
lines = open(src, "rb").read().split(b"\n")[:-1]
def rehash(line, prev):
    body = line[:-75] + b"}"
    rec = json.loads(body)
    rec_prev = rec["prev"]
    if prev is not None:
        body = body.replace(b'"prev":"%s"' % rec_prev.encode(), b'"prev":"%s"' % prev.encode())
    h = hashlib.sha256(json.loads(body)["prev"].encode() + body).hexdigest()
    return body[:-1] + b',"hash":"' + h.encode() + b'"}', h
deny = next(i for i, l in enumerate(lines) if b'"decision":"deny"' in l)
if kind == "flip":
    lines[deny] = lines[deny].replace(b'"decision":"deny"', b'"decision":"allow"')
elif kind == "delete":
    del lines[2]
elif kind == "swap":
    lines[2], lines[3] = lines[3], lines[2]
elif kind == "duplicate":
    lines.insert(3, lines[2])
elif kind == "cut":
    lines[-1] = lines[-1][:len(lines[-1]) // 2]
elif kind == "rehash-one":
    lines[deny] = lines[deny].replace(b'"decision":"deny"', b'"decision":"allow"')
    lines[deny], _ = rehash(lines[deny], None)
elif kind == "drop-head":
    del lines[0]
elif kind == "rewrite-chain":
    lines[deny] = lines[deny].replace(b'"decision":"deny"', b'"decision":"allow"')
    prev = None
    for i in range(deny, len(lines)):
        if i > deny:
            pass
        lines[i], h = rehash(lines[i], prev)
        prev = h
elif kind == "drop-tail":
    del lines[-1]
elif kind == "edit-last":
    lines[-1] = lines[-1].replace(b'"event":"session_end"', b'"event":"session_xnd"')
open(dst, "wb").write(b"\n".join(lines) + b"\n")
PY
for kind in flip delete swap duplicate cut rehash-one drop-head; do
  python3 "$T/tamper.py" "$AUDIT" "$kind" "$T/t-$kind.jsonl"
  "$INTERLOCK" audit verify "$T/t-$kind.jsonl" >"$T/v-$kind.out" 2>&1; st=$?
  check "$kind: detected by audit verify ($(head -n1 "$T/v-$kind.out" | sed "s|.*jsonl:|line |" | cut -c1-90))" test $st -ne 0
done

python3 "$T/tamper.py" "$AUDIT" edit-last "$T/t-last.jsonl"; chmod 600 "$T/t-last.jsonl"
"$INTERLOCK" run --rules "$RULES" --audit "$T/t-last.jsonl" -- /usr/bin/true >"$T/start.out" 2>&1; st=$?
check "a sidecar refuses to extend a log whose last record was edited" test $st -ne 0
check "and says why" grep -qi 'audit' "$T/start.out"

for kind in rewrite-chain drop-tail; do
  python3 "$T/tamper.py" "$AUDIT" "$kind" "$T/t-$kind.jsonl"
  if "$INTERLOCK" audit verify "$T/t-$kind.jsonl" >/dev/null 2>&1; then
    echo "info: $kind is not detectable by the unkeyed chain (stated limit; anchor seq/hash off-host)"
  else
    echo "info: $kind detected"
  fi
done
finish
