#!/usr/bin/env bash
# agents_openai_agents.sh — an OpenAI Agents SDK agent (@openai/agents,
# examples/agents/openai-agents/agent.mjs, Responses API) driven by the
# scripted model server under `interlock run`: allowed actions happen,
# denied ones do not, an approved one happens exactly once, a timed-out one
# does not, and the agent reports each denial back to its model and keeps
# going. The npm packages are installed once into
# ${INTERLOCK_NPM_CACHE:-~/.cache/interlock-agents}/openai-agents; the test
# skips when the npm registry is unreachable.
source "$(dirname "$0")/lib.sh"
source "$IL_ROOT/tests/agents/harness.bash"

agents_need
agents_npm examples/agents/openai-agents
agents_setup
agents_run openai-agents env OPENAI_BASE_URL="http://127.0.0.1:$MODEL_PORT/v1" OPENAI_API_KEY=sk-test \
  OPENAI_AGENTS_DISABLE_TRACING=1 node "$AGENT_DIR/agent.mjs" "Tidy up this workspace."
agents_assert openai-agents
check "openai-agents: the agent used the Responses API" grep -q '"api":"openai-responses"' "$T/model.jsonl"
agents_cleanup
finish
