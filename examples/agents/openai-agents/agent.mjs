// agent.mjs — an OpenAI Agents SDK (@openai/agents) agent with three tools,
// pointed at any OpenAI-compatible Responses endpoint. Nothing here knows
// about interlock: run it unmodified under `interlock run` and its tools'
// side effects are gated at the operating-system boundary.
//
//   OPENAI_BASE_URL=http://127.0.0.1:8080/v1 node agent.mjs "clean up the repo"
//
// Tools:
//   shell         child_process.exec (runs /bin/sh -c COMMAND)
//   delete_path   fs.rmSync(path, { recursive: true })
//   http_request  fetch (Node's bundled undici)
// A failing tool — including one interlock denied — returns the error text
// as its result, so the model hears about it and the agent keeps going.
// Tracing export is disabled (it would post traces to the vendor).
//
// Environment: OPENAI_BASE_URL, OPENAI_API_KEY (default "sk-local"),
// AGENT_MODEL (default "gpt-4o-mini"), AGENT_OPENAI_API ("responses", the
// default, or "chat_completions").
import { exec } from 'node:child_process';
import fs from 'node:fs';
import OpenAI from 'openai';
import {
  Agent, run, tool, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled,
} from '@openai/agents';
import { z } from 'zod';

const MAX_OUTPUT = 8000;
const clip = (s) => (s.length <= MAX_OUTPUT ? s : s.slice(0, MAX_OUTPUT) + '\n[truncated]');
const say = (name, args, out) => {
  console.log(`agent: tool ${name} ${JSON.stringify(args)}`);
  console.log(`agent:   -> ${out.replace(/\n/g, '\n            ')}`);
  return out;
};

// Run COMMAND with /bin/sh; resolve (never reject) with exit code and output.
function runShell(command) {
  return new Promise((resolve) => {
    exec(command, { timeout: 600_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : `error ${err.code || err.message}`) : 0;
      resolve(clip(`exit code ${code}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    });
  });
}

function deletePath(path) {
  try {
    fs.rmSync(path, { recursive: true });
    return `deleted ${path}`;
  } catch (e) {
    return `error: ${e.code || ''} ${e.message}`;
  }
}

async function httpRequest({ method, url, body }) {
  try {
    const r = await fetch(url, {
      method: (method || 'GET').toUpperCase(),
      body: body || undefined,
      headers: body ? { 'content-type': 'application/json' } : {},
    });
    return clip(`status ${r.status}\n${await r.text()}`);
  } catch (e) {
    const c = e.cause || {};
    return `error: ${e.message}: ${c.code || ''} ${c.message || ''}`;
  }
}

setTracingDisabled(true);
setDefaultOpenAIClient(new OpenAI({
  apiKey: process.env.OPENAI_API_KEY || 'sk-local',
  baseURL: process.env.OPENAI_BASE_URL || 'http://127.0.0.1:8080/v1',
}));
setOpenAIAPI(process.env.AGENT_OPENAI_API === 'chat_completions' ? 'chat_completions' : 'responses');

const agent = new Agent({
  name: 'workspace-janitor',
  instructions: 'You are a careful coding agent. Use the tools.',
  model: process.env.AGENT_MODEL || 'gpt-4o-mini',
  tools: [
    tool({
      name: 'shell',
      description: 'Run a shell command in the working directory; returns exit code, stdout and stderr.',
      parameters: z.object({ command: z.string() }),
      execute: async (a) => say('shell', a, await runShell(a.command)),
    }),
    tool({
      name: 'delete_path',
      description: 'Delete a file, or a directory and everything in it.',
      parameters: z.object({ path: z.string() }),
      execute: async (a) => say('delete_path', a, deletePath(a.path)),
    }),
    tool({
      name: 'http_request',
      description: 'Send an HTTP request; returns the status and the response body.',
      // Strict tool schemas need every field present: body may be null.
      parameters: z.object({ method: z.string(), url: z.string(), body: z.string().nullable() }),
      execute: async (a) => say('http_request', a, await httpRequest(a)),
    }),
  ],
});

const task = process.argv.slice(2).join(' ') || 'Tidy up the workspace.';
const result = await run(agent, task, { maxTurns: 30 });
console.log(`agent: ${result.finalOutput}`);
