#!/usr/bin/env bash
# agents_python.sh — a plain Python tool-calling agent (standard library
# only: examples/agents/python/agent.py) driven by the scripted model server
# under `interlock run`: allowed actions happen, denied ones do not, an
# approved one happens exactly once, a timed-out one does not, and the agent
# reports each denial back to its model and keeps going.
source "$(dirname "$0")/lib.sh"
source "$IL_ROOT/tests/agents/harness.bash"

agents_need
check "tests/agents/rules.toml: its own [[test]] tables pass" \
  env INTERLOCK_INSECURE_RULES=1 "$INTERLOCK" rules test "$IL_ROOT/tests/agents/rules.toml"
agents_setup
agents_run python-agent env OPENAI_BASE_URL="http://127.0.0.1:$MODEL_PORT/v1" OPENAI_API_KEY=sk-test \
  python3 "$IL_ROOT/examples/agents/python/agent.py" "Tidy up this workspace."
agents_assert python
agents_cleanup
finish
