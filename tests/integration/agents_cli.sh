#!/usr/bin/env bash
# agents_cli.sh — a real CLI coding agent from the npm registry, Gemini CLI
# (@google/gemini-cli), run non-interactively with its own permission
# prompts off (--yolo) against the scripted model server (Gemini API), under
# `interlock run`: the "the agent's own guard is off, interlock is the
# guard" case. Every action goes through its run_shell_command tool — rm,
# a Python one-liner that deletes a tree, curl — and the test asserts, as
# for the framework agents: allowed actions happen, denied ones do not, an
# approved one happens exactly once, a timed-out one does not, and the agent
# reports each denial back to its model and keeps going.
#
# Gemini CLI is installed once into
# ${INTERLOCK_NPM_CACHE:-~/.cache/interlock-agents}/cli-agent; the test skips
# when the npm registry is unreachable. It runs with a private HOME whose
# settings pick API-key auth (GOOGLE_GEMINI_BASE_URL points the SDK at the
# model server) and turn off telemetry and update checks.
source "$(dirname "$0")/lib.sh"
source "$IL_ROOT/tests/agents/harness.bash"

agents_need
agents_npm examples/agents/cli-agent
agents_setup "$IL_ROOT/examples/model-server/scripts/gemini-cli.json"
mkdir -p "$T/home/.gemini"
cp "$IL_ROOT/examples/agents/cli-agent/gemini-settings.json" "$T/home/.gemini/settings.json"
agents_run gemini-cli env HOME="$T/home" GEMINI_API_KEY=test-key \
  GOOGLE_GEMINI_BASE_URL="http://127.0.0.1:$MODEL_PORT" NO_COLOR=1 \
  node "$AGENT_DIR/node_modules/@google/gemini-cli/bundle/gemini.js" --yolo --skip-trust \
  -p "Tidy up this workspace."
agents_assert gemini-cli
check "gemini-cli: the agent spoke the Gemini API" grep -q '"api":"gemini"' "$T/model.jsonl"
agents_cleanup
finish
