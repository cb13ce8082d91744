#!/usr/bin/env bash
# demo.sh — `make demo`: an agent under interlock with gated actions.
#
# A scratch workspace (a git repo with a build directory), a directory
# outside it, and a fake home with an SSH key are created under build/. The
# demo agent (examples/agents/demo-agent.sh) then works there under
# `interlock run` with the default rules (rules/default.toml):
#
#   - by default a scripted reviewer in another "terminal" (a background
#     loop using `interlock pending`, `approve` and `deny`) answers: it
#     approves the cleanup outside the workspace, denies deleting .git, and
#     leaves the force-push unanswered so that it times out;
#   - with DEMO_INTERACTIVE=1 (and a terminal), you answer each prompt
#     yourself with the tty approver.
#
# At the end the audit log is verified and summarised.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
IL="$ROOT/build/bin/interlock"
mkdir -p "$ROOT/build"
D=$(mktemp -d "$ROOT/build/demo.XXXXXX")   # not under /tmp: the default rules let agents clean /tmp
export XDG_RUNTIME_DIR="$D/run"; mkdir -p "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
export HOME="$D/home"
mkdir -p "$HOME/.ssh" "$D/workspace/build" "$D/outside/old-data"
echo "demo key" >"$HOME/.ssh/id_demo"; chmod 600 "$HOME/.ssh/id_demo"
touch "$D/workspace/build/app.o" "$D/outside/old-data/2019.csv"
git -C "$D/workspace" init -q && git -C "$D/workspace" -c user.email=d@x -c user.name=demo commit -q --allow-empty -m init
cp rules/default.toml "$D/rules.toml"; chmod 600 "$D/rules.toml"
AUDIT="$D/audit.jsonl"

bold() { printf '\033[1m%s\033[0m\n' "$*"; }
bold "interlock demo — scratch directory $D"
echo "rules: rules/default.toml; audit log: $AUDIT"

approver=cli
if [ "${DEMO_INTERACTIVE:-0}" = 1 ] && [ -t 0 ]; then approver=tty; fi

reviewer() {
  # The human in another terminal: watch the queue and answer.
  local seen=" "
  while sleep 0.3; do
    "$IL" pending --json 2>/dev/null | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    print(r["id"], r.get("summary", r.get("action", "")))' | while read -r id summary; do
      case "$seen" in *" $id "*) continue ;; esac
      printf '\n\033[33mreviewer>\033[0m pending %s: %s\n' "$id" "$summary"
      case "$summary" in
        *old-data*) printf '\033[33mreviewer>\033[0m interlock approve %s --reason "stale export, ok to remove"\n' "$id"
                    "$IL" approve "$id" --reason "stale export, ok to remove" >/dev/null ;;
        *.git*)     printf '\033[33mreviewer>\033[0m interlock deny %s --reason "never delete repo history"\n' "$id"
                    "$IL" deny "$id" --reason "never delete repo history" >/dev/null ;;
        *)          printf '\033[33mreviewer>\033[0m (away from keyboard: this one will time out)\n' ;;
      esac
      echo "$id" >>"$D/seen"
    done
    seen=" $(tr '\n' ' ' <"$D/seen" 2>/dev/null || true) "
  done
}
if [ "$approver" = cli ]; then
  touch "$D/seen"
  reviewer &
  rpid=$!
  trap 'kill $rpid 2>/dev/null || true' EXIT
fi

cd "$D/workspace"
set +e
"$IL" run --enforce preload --approver "$approver" --rules "$D/rules.toml" --audit "$AUDIT" \
  --timeout 6s --agent-id demo-agent -- "$ROOT/examples/agents/demo-agent.sh" "$D/outside"
status=$?
set -e
echo
bold "agent exited with status $status"
bold "audit log:"
"$IL" audit verify "$AUDIT"
"$IL" audit stats "$AUDIT" | sed 's/^/  /'
echo
echo "scratch directory kept for a look: $D"
