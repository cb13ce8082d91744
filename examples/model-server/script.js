'use strict';
// script.js — load a model-server script and decide what the "model" says
// next.
//
// A script is a JSON file:
//
//   {
//     "description": "what the run exercises",
//     "steps": [
//       { "call": { "name": "shell", "arguments": { "command": "rm -rf build" } },
//         "expect_result": "exit code 0" },
//       { "text": "All done." }
//     ],
//     "idle_text": "OK"
//   }
//
// Each step is either a tool call the model asks the agent to make ("call")
// or a final answer ("text"). Which step is next is derived from the request
// alone: the number of tool results the agent has sent back so far. That
// makes the server stateless (retries and concurrent sessions get the same
// answer) and makes the k-th tool result in a conversation the answer to
// the k-th step. "expect_result" is a regular expression (Python re syntax)
// the tests match against that tool result (tests/agents/check_log.py);
// the server only carries it. Requests that declare no tools at all (titles,
// summaries, "who speaks next" checks of CLI agents) get "idle_text".
//
// Strings may name environment variables as ${NAME}; they are substituted
// when the script is loaded, and a missing variable is an error, so a test
// can never silently drive an agent at the wrong path or port.

const fs = require('fs');

const VAR_RE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

// Replace ${NAME} in every string of `v` (recursively) from `env`; throw
// naming the first variable that is not set.
function substitute(v, env, where) {
  if (typeof v === 'string') {
    return v.replace(VAR_RE, (m, name) => {
      if (env[name] === undefined) {
        throw new Error(`${where}: environment variable ${name} is not set`);
      }
      return env[name];
    });
  }
  if (Array.isArray(v)) return v.map((x, i) => substitute(x, env, `${where}[${i}]`));
  if (v && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = substitute(x, env, `${where}.${k}`);
    return out;
  }
  return v;
}

// Validate one step; throw with its index on anything unexpected.
function checkStep(s, i) {
  if (!s || typeof s !== 'object') throw new Error(`steps[${i}]: not an object`);
  const hasCall = Object.prototype.hasOwnProperty.call(s, 'call');
  const hasText = Object.prototype.hasOwnProperty.call(s, 'text');
  if (hasCall === hasText) throw new Error(`steps[${i}]: needs exactly one of "call" or "text"`);
  if (hasCall) {
    const c = s.call;
    if (!c || typeof c.name !== 'string' || !c.name) throw new Error(`steps[${i}].call.name: missing`);
    if (c.arguments === undefined) c.arguments = {};
    if (typeof c.arguments !== 'object' || Array.isArray(c.arguments) || c.arguments === null) {
      throw new Error(`steps[${i}].call.arguments: must be an object`);
    }
  } else if (typeof s.text !== 'string') {
    throw new Error(`steps[${i}].text: must be a string`);
  }
  if (s.expect_result !== undefined) {
    if (typeof s.expect_result !== 'string') throw new Error(`steps[${i}].expect_result: must be a string`);
  }
}

// Load and validate a script file, substituting ${NAME} from `env`.
function loadScript(file, env) {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!raw || !Array.isArray(raw.steps) || raw.steps.length === 0) {
    throw new Error(`${file}: "steps" must be a non-empty array`);
  }
  const s = substitute(raw, env, file);
  s.steps.forEach(checkStep);
  const last = s.steps[s.steps.length - 1];
  if (last.text === undefined) throw new Error(`${file}: the last step must be a "text" answer`);
  if (s.idle_text === undefined) s.idle_text = 'OK';
  return s;
}

// The step to answer with after `nresults` tool results; past the end, the
// final answer again.
function nextStep(script, nresults) {
  const i = Math.min(nresults, script.steps.length - 1);
  return { index: i, step: script.steps[i] };
}

module.exports = { loadScript, nextStep, substitute };
