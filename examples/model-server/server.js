#!/usr/bin/env node
'use strict';
// server.js — a scripted "model" on 127.0.0.1 that drives a real agent
// through a fixed list of tool calls, for testing what the agent's tools
// actually do (under interlock) without a real model.
//
//   node server.js --script FILE --log FILE [--port N] [--port-file FILE]
//
// Speaks enough of four APIs for agents and SDKs to work against it:
//   OpenAI Chat Completions   POST /v1/chat/completions   (JSON and SSE)
//   OpenAI Responses          POST /v1/responses          (JSON and SSE)
//   Anthropic Messages        POST /v1/messages           (JSON and SSE)
//   Gemini                    POST /v1beta/models/M:generateContent,
//                             :streamGenerateContent, :countTokens
//   GET /v1/models, GET /v1beta/models   a one-model list
// Any path prefix is accepted (base URLs with or without /v1).
//
// What the model says next comes from the script (see script.js). Every
// request is appended to the --log file as one JSON line: the API, the
// model, the tool names the agent declared, the tool results it sent back
// (so tests can check the agent told its model about a denial), the step
// answered, and the raw request body. Port 0 (the default) picks a free
// port; the chosen one goes to --port-file and to stdout.

const http = require('http');
const fs = require('fs');
const { loadScript, nextStep } = require('./script');
const { sendJSON } = require('./api/common');

const DIALECTS = [
  require('./api/openai_chat'),
  require('./api/openai_responses'),
  require('./api/anthropic'),
  require('./api/gemini'),
];
const MAX_BODY = 32 * 1024 * 1024;

function usage(msg) {
  if (msg) process.stderr.write(`model-server: ${msg}\n`);
  process.stderr.write('usage: server.js --script FILE --log FILE [--port N] [--port-file FILE]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { port: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
    if (a === '--script') o.script = val();
    else if (a === '--log') o.log = val();
    else if (a === '--port') o.port = Number(val());
    else if (a === '--port-file') o.portFile = val();
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown argument ${a}`);
  }
  if (!o.script || !o.log) usage('--script and --log are required');
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) usage('bad --port');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
let script;
try {
  script = loadScript(opts.script, process.env);
} catch (e) {
  process.stderr.write(`model-server: ${e.message}\n`);
  process.exit(1);
}
const logFd = fs.openSync(opts.log, 'a');
let seq = 0;

function logLine(obj) {
  fs.writeSync(logFd, JSON.stringify(obj) + '\n');
}

// Decide the reply for a parsed request of dialect `d`.
function decide(req) {
  const n = ++seq;
  if (req.toolNames.length === 0) return { seq: n, kind: 'text', text: script.idle_text, step: null };
  const { index, step } = nextStep(script, req.results.length);
  if (step.call) {
    return { seq: n, kind: 'call', step: index, id: `call_${index}_${step.call.name}`, name: step.call.name,
      arguments: step.call.arguments, known: req.toolNames.includes(step.call.name) };
  }
  return { seq: n, kind: 'text', text: step.text, step: index };
}

function handle(rq, res, raw) {
  const url = new URL(rq.url, 'http://127.0.0.1');
  if (rq.method === 'GET' && /\/models\/?$/.test(url.pathname)) {
    logLine({ time: new Date().toISOString(), method: rq.method, path: url.pathname, api: 'models' });
    if (url.pathname.includes('v1beta')) {
      sendJSON(res, 200, { models: [{ name: 'models/scripted', displayName: 'scripted', supportedGenerationMethods: ['generateContent'] }] });
    } else {
      sendJSON(res, 200, { object: 'list', data: [{ id: 'scripted', object: 'model', created: 0, owned_by: 'interlock' }] });
    }
    return;
  }
  const d = DIALECTS.find((x) => x.matches(rq.method, url.pathname));
  if (!d) {
    logLine({ time: new Date().toISOString(), method: rq.method, path: url.pathname, api: null, status: 404 });
    sendJSON(res, 404, { error: { message: `model-server: no route for ${rq.method} ${url.pathname}`, type: 'not_found' } });
    return;
  }
  let body;
  try {
    body = raw.length ? JSON.parse(raw) : {};
  } catch (e) {
    logLine({ time: new Date().toISOString(), method: rq.method, path: url.pathname, api: d.name, status: 400, error: e.message });
    sendJSON(res, 400, { error: { message: 'invalid JSON body', type: 'invalid_request_error' } });
    return;
  }
  const req = d.parse(body, url);
  const reply = decide(req);
  logLine({
    time: new Date().toISOString(), seq: reply.seq, method: rq.method, path: url.pathname, api: d.name,
    model: req.model, stream: req.stream, tools: req.toolNames, tool_results: req.results,
    step: reply.step, reply: reply.kind === 'call'
      ? { call: { name: reply.name, arguments: reply.arguments }, declared: reply.known }
      : { text: reply.text },
    body,
  });
  d.respond(res, req, reply, script);
}

const server = http.createServer((rq, res) => {
  const chunks = [];
  let size = 0;
  rq.on('data', (c) => {
    size += c.length;
    if (size > MAX_BODY) { rq.destroy(); return; }
    chunks.push(c);
  });
  rq.on('end', () => {
    try {
      handle(rq, res, Buffer.concat(chunks).toString('utf8'));
    } catch (e) {
      process.stderr.write(`model-server: ${e.stack}\n`);
      if (!res.headersSent) sendJSON(res, 500, { error: { message: String(e.message), type: 'server_error' } });
      else res.end();
    }
  });
});

server.listen(opts.port, '127.0.0.1', () => {
  const port = server.address().port;
  if (opts.portFile) fs.writeFileSync(opts.portFile + '.tmp', `${port}\n`), fs.renameSync(opts.portFile + '.tmp', opts.portFile);
  process.stdout.write(`model-server: listening on 127.0.0.1:${port} (${script.steps.length} steps)\n`);
});

for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { server.close(); process.exit(0); });
