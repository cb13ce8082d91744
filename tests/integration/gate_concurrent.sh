#!/usr/bin/env bash
# gate_concurrent.sh — 100 concurrent processes each blocked on a gated
# action, approved (even ids) or denied (odd ids) from a loop of
# `interlock approve|deny` calls; every one resolved as decided.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gate_common.bash"
cd "$T"
N=100
AUDIT="$T/audit.jsonl"
mkdir -p "$T/files"

cat >"$T/agent.sh" <<AGENT
#!/bin/sh
i=0
while [ \$i -lt $N ]; do
  /usr/bin/touch "$T/files/f\$i" &
  i=\$((i+1))
done
wait
AGENT
chmod 700 "$T/agent.sh"

"$INTERLOCK" run --rules "$RULES" --audit "$AUDIT" --timeout 60s -- "$T/agent.sh" 2>err &
run=$!
WAIT_SECS=30
check "all $N requests pending at once" wait_pending $N

# Decide each by the file it would create: even -> approve, odd -> deny.
"$INTERLOCK" pending --json | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    n = int(r["action"].rsplit("/f", 1)[1])
    print(r["id"], "approve" if n % 2 == 0 else "deny")
' >decisions
bad=0
while read -r id what; do
  "$INTERLOCK" "$what" "$id" >/dev/null 2>&1 || bad=$((bad + 1))
done <decisions
check "every decision accepted" test $bad -eq 0
check "decided $N requests" test "$(wc -l <decisions)" -eq $N
wait $run

ok=1
for i in $(seq 0 $((N - 1))); do
  if [ $((i % 2)) -eq 0 ]; then [ -f "$T/files/f$i" ] || { ok=0; echo "missing f$i"; }
  else [ ! -e "$T/files/f$i" ] || { ok=0; echo "unexpected f$i"; }; fi
done
check "approved files exist, denied ones do not" test $ok -eq 1
check "audit log verifies" "$INTERLOCK" audit verify "$AUDIT"
check "audit holds $N reviewer decisions" test "$(grep -c '"decided_by":"reviewer"' "$AUDIT")" -eq $N

finish
