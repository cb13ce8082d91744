#!/usr/bin/env bash
# agents_langgraph.sh — a LangGraph.js ReAct agent (@langchain/langgraph +
# @langchain/openai, examples/agents/langgraph/agent.mjs) driven by the
# scripted model server under `interlock run`: allowed actions happen,
# denied ones do not, an approved one happens exactly once, a timed-out one
# does not, and the agent reports each denial back to its model and keeps
# going. The npm packages are installed once into
# ${INTERLOCK_NPM_CACHE:-~/.cache/interlock-agents}/langgraph; the test
# skips when the npm registry is unreachable.
source "$(dirname "$0")/lib.sh"
source "$IL_ROOT/tests/agents/harness.bash"

agents_need
agents_npm examples/agents/langgraph
agents_setup
agents_run langgraph-agent env OPENAI_BASE_URL="http://127.0.0.1:$MODEL_PORT/v1" OPENAI_API_KEY=sk-test \
  node "$AGENT_DIR/agent.mjs" "Tidy up this workspace."
agents_assert langgraph
agents_cleanup
finish
