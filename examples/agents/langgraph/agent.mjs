// agent.mjs — a LangGraph.js ReAct agent with three tools, pointed at any
// OpenAI-compatible endpoint. Nothing here knows about interlock: run it
// unmodified under `interlock run` and its tools' side effects are gated at
// the operating-system boundary.
//
//   OPENAI_BASE_URL=http://127.0.0.1:8080/v1 node agent.mjs "clean up the repo"
//
// Tools:
//   shell         child_process.exec (runs /bin/sh -c COMMAND)
//   delete_path   fs.rmSync(path, { recursive: true })
//   http_request  fetch (Node's bundled undici)
// A failing tool — including one interlock denied — returns the error text
// as its result, so the model hears about it and the agent keeps going.
//
// Environment: OPENAI_BASE_URL, OPENAI_API_KEY (default "sk-local"),
// AGENT_MODEL (default "gpt-4o-mini").
import { exec } from 'node:child_process';
import fs from 'node:fs';
import { ChatOpenAI } from '@langchain/openai';
import { createReactAgent } from '@langchain/langgraph/prebuilt';
import { tool } from '@langchain/core/tools';
import { z } from 'zod';

const MAX_OUTPUT = 8000;
const clip = (s) => (s.length <= MAX_OUTPUT ? s : s.slice(0, MAX_OUTPUT) + '\n[truncated]');

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
      body: body ?? undefined,
      headers: body ? { 'content-type': 'application/json' } : {},
    });
    return clip(`status ${r.status}\n${await r.text()}`);
  } catch (e) {
    const c = e.cause || {};
    return `error: ${e.message}: ${c.code || ''} ${c.message || ''}`;
  }
}

const tools = [
  tool(async ({ command }) => runShell(command), {
    name: 'shell',
    description: 'Run a shell command in the working directory; returns exit code, stdout and stderr.',
    schema: z.object({ command: z.string() }),
  }),
  tool(async ({ path }) => deletePath(path), {
    name: 'delete_path',
    description: 'Delete a file, or a directory and everything in it.',
    schema: z.object({ path: z.string() }),
  }),
  tool(async (args) => httpRequest(args), {
    name: 'http_request',
    description: 'Send an HTTP request; returns the status and the response body.',
    schema: z.object({ method: z.string(), url: z.string(), body: z.string().nullish() }),
  }),
];

const llm = new ChatOpenAI({
  model: process.env.AGENT_MODEL || 'gpt-4o-mini',
  apiKey: process.env.OPENAI_API_KEY || 'sk-local',
  configuration: { baseURL: process.env.OPENAI_BASE_URL || 'http://127.0.0.1:8080/v1' },
  temperature: 0,
});

const agent = createReactAgent({
  llm,
  tools,
  prompt: 'You are a careful coding agent. Use the tools.',
});

const task = process.argv.slice(2).join(' ') || 'Tidy up the workspace.';
const stream = await agent.stream({ messages: [{ role: 'user', content: task }] },
  { recursionLimit: 60, streamMode: 'updates' });
let final = '';
for await (const update of stream) {
  for (const [node, value] of Object.entries(update)) {
    for (const m of value?.messages ?? []) {
      if (node === 'agent' && m.tool_calls?.length) {
        for (const c of m.tool_calls) console.log(`agent: tool ${c.name} ${JSON.stringify(c.args)}`);
      } else if (node === 'tools') {
        console.log(`agent:   -> ${String(m.content).replace(/\n/g, '\n            ')}`);
      } else if (node === 'agent') {
        final = String(m.content);
      }
    }
  }
}
console.log(`agent: ${final}`);
