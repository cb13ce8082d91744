#!/usr/bin/env bash
# gate_dryrun.sh — --dry-run blocks nothing, audits would_approve /
# would_deny, prints a summary at exit and writes the --report JSON.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gate_common.bash"
cd "$T"
AUDIT="$T/audit.jsonl"
echo x >"$T/victim"

start=$SECONDS
"$INTERLOCK" run --rules "$RULES" --audit "$AUDIT" --dry-run --report "$T/report.json" -- \
  sh -c "/usr/bin/touch $T/made; /usr/bin/rm -f $T/victim; /usr/bin/true" >out 2>err
st=$?
check "dry run exits 0" test $st -eq 0
check "nothing blocks" test $((SECONDS - start)) -le 5
check "gated action ran" test -f "$T/made"
check "denied action ran" test ! -e "$T/victim"
check "summary printed at exit" grep -qi 'would' err
check "report is JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/report.json"
check "report names the deny rule" grep -q 'no-rm' "$T/report.json"
check "report names the approve rule" grep -q 'gate-touch' "$T/report.json"
check "audited would_deny" audit_has "$AUDIT" would_deny
check "audited would_approve" audit_has "$AUDIT" would_approve
check "audited as dry-run" audit_has "$AUDIT" dry-run
check "audit log verifies" "$INTERLOCK" audit verify "$AUDIT"

"$INTERLOCK" run --rules "$RULES" --report "$T/r2.json" -- true 2>/dev/null; st=$?
check "--report without --dry-run is a usage error" test $st -eq 2

finish
