#!/usr/bin/env bash
# demo-agent.sh — a stand-in for an AI coding agent: it narrates each tool
# call it makes, then makes it for real, and carries on when one fails —
# as an agent reporting a tool error to its model would. Run under interlock:
#
#   interlock run -- examples/agents/demo-agent.sh OUTSIDE_DIR
#
# Nothing here knows about interlock; every gate happens at the OS boundary.
set -u
outside=$1

step() { printf '\n\033[1magent>\033[0m %s\n' "$*"; }
run() {
  printf '  $ %s\n' "$*"
  "$@"
  local rc=$?
  if [ $rc -eq 0 ]; then printf '  -> ok\n'; else printf '  -> failed (exit %d); reporting it to the model and carrying on\n' "$rc"; fi
}

step "tidy the build directory inside the workspace (ordinary work: allowed)"
run rm -rf build

step "clean up old data outside the workspace (a rule wants a human)"
run rm -rf "$outside/old-data"

step "remove the repository metadata (a rule wants a human)"
run rm -rf .git

step "delete an SSH key from Python, no rm involved (a rule denies it outright)"
run python3 -c 'import os, sys; os.remove(os.path.expanduser("~/.ssh/id_demo"))'

step "force-push over the remote branch (a rule wants a human; nobody answers)"
run git push --force origin main

step "done; what is left:"
for p in build "$outside/old-data" .git "$HOME/.ssh/id_demo"; do
  if [ -e "$p" ]; then echo "  still there: $p"; else echo "  removed:     $p"; fi
done
