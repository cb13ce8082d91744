#!/usr/bin/env bash
# gate_grant.sh — one human decision covers what it approved: approving
# `rm -rf DIR` lets that rm delete what is under DIR even where a delete
# rule would ask again, but nothing else: not another directory, not a
# path a deny rule protects, not another process.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gate_common.bash"
cd "$T"
AUDIT="$T/audit.jsonl"
G="$T/grant-rules.toml"
cat >"$G" <<'TOML'
version = 1
[defaults]
decision = "allow"
timeout = "20s"

[[rule]]
id = "rm-recursive"
kind = "exec"
program = ["rm"]
args = { any = ["-r*", "-*r*"] }
decision = "approve"
risk = "high"

[[rule]]
id = "delete-guarded"
kind = "delete"
path = ["**/guarded", "**/guarded/**"]
decision = "approve"
risk = "high"

[[rule]]
id = "delete-vault"
kind = "delete"
path = ["**/vault/**"]
decision = "deny"
risk = "critical"
TOML
chmod 600 "$G"
# the same scenarios with the shim asking (preload) and with the seccomp
# supervisor asking for the deletes (both, where the kernel supports it)
modes="preload"
"$INTERLOCK" run --enforce both --rules "$G" -- true 2>/dev/null && modes="preload both"
for MODE in $modes; do
W="$T/$MODE"
mkdir -p "$W" && cd "$W" || exit 1
mkdir -p a/guarded/x b/guarded c/guarded/vault
touch a/guarded/x/1 a/guarded/x/2 a/guarded/3 b/guarded/1 c/guarded/vault/secret

# 1. one approval of `rm -rf a/guarded` covers its 5 gated deletes
"$INTERLOCK" run --enforce "$MODE" --rules "$G" --audit "$AUDIT" -- \
  sh -c "/bin/rm -rf $W/a/guarded; echo rc=\$?" >out1 2>err1 &
run=$!
n=0
if wait_pending 1; then
  id=$(pending_ids | head -n1)
  "$INTERLOCK" approve "$id" --reason "clean a" >/dev/null
  # any further prompt would be a failure of the grant: count them
  for _ in $(seq 20); do
    sleep 0.1
    more=$(pending_ids | wc -l)
    [ "$more" -gt 0 ] && { n=$((n + more)); for x in $(pending_ids); do "$INTERLOCK" approve "$x" >/dev/null; done; }
  done
else
  fail "$MODE: rm -rf a/guarded never became pending"
fi
wait $run
check "$MODE: approved rm removed the whole tree" test ! -e a/guarded
check "$MODE: no second prompt for rm's own deletes" test "$n" -eq 0
check "$MODE: rm exited 0" grep -q 'rc=0' out1
check "$MODE: audit records the grant" audit_has "$AUDIT" grant

# 2. the grant is for a/guarded only: a second rm of b/guarded asks again
"$INTERLOCK" run --enforce "$MODE" --rules "$G" --audit "$AUDIT" -- \
  sh -c "/bin/rm -rf $W/a; /bin/rm -rf $W/b/guarded; echo rc=\$?" >out2 2>err2 &
run=$!
if wait_pending 1; then
  "$INTERLOCK" approve "$(pending_ids | head -n1)" >/dev/null   # rm -rf a
  sleep 0.5
  if wait_pending 1; then
    check "$MODE: second rm asks again" sh -c "'$INTERLOCK' pending | grep -q 'b/guarded'"
    "$INTERLOCK" deny "$(pending_ids | head -n1)" --reason "not b" >/dev/null
  else
    fail "$MODE: second rm did not ask"
  fi
fi
wait $run
check "$MODE: denied rm left b/guarded" test -f b/guarded/1

# 3. a grant never overrides a deny rule
"$INTERLOCK" run --enforce "$MODE" --rules "$G" --audit "$AUDIT" -- \
  sh -c "/bin/rm -rf $W/c/guarded; echo rc=\$?" >out3 2>err3 &
run=$!
if wait_pending 1; then
  "$INTERLOCK" approve "$(pending_ids | head -n1)" >/dev/null
fi
wait $run
check "$MODE: deny rule still protects vault/secret" test -f c/guarded/vault/secret
check "$MODE: the denial reached the agent" grep -q 'rule delete-vault' err3

# 4. another process does not inherit the grant: rm approved, a python
#    delete of a guarded path in a sibling process asks on its own
mkdir -p d/guarded e/guarded; touch d/guarded/1 e/guarded/1
"$INTERLOCK" run --enforce "$MODE" --rules "$G" --audit "$AUDIT" --timeout 2s -- \
  sh -c "/bin/rm -rf $W/d/guarded; python3 -c 'import os; os.remove(\"$W/e/guarded/1\")'" >out4 2>err4 &
run=$!
if wait_pending 1; then
  "$INTERLOCK" approve "$(pending_ids | head -n1)" >/dev/null
fi
wait $run
check "$MODE: approved rm removed d/guarded" test ! -e d/guarded
check "$MODE: sibling process not covered: e/guarded/1 kept (timed out)" test -f e/guarded/1
cd "$T"
done
check "audit log verifies" "$INTERLOCK" audit verify "$AUDIT"
finish
