'use strict';
// openai_chat.js — the OpenAI Chat Completions dialect:
// POST /v1/chat/completions, plain JSON or streamed chunks (stream: true).

const { sendJSON, startSSE, contentText } = require('./common');

function matches(method, path) {
  return method === 'POST' && /\/chat\/completions$/.test(path);
}

// What the server needs from a request: model, streaming, declared tool
// names and the tool results sent back so far (role "tool" messages).
function parse(body) {
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const results = [];
  for (const m of Array.isArray(body.messages) ? body.messages : []) {
    if (m && m.role === 'tool') results.push({ id: m.tool_call_id || null, text: contentText(m.content) });
  }
  return {
    model: body.model || 'scripted',
    stream: body.stream === true,
    includeUsage: !!(body.stream_options && body.stream_options.include_usage),
    toolNames: tools.map((t) => (t.function ? t.function.name : t.name)).filter(Boolean),
    results,
  };
}

// Answer with `reply` ({kind:"call", id, name, arguments} or {kind:"text", text}).
function respond(res, req, reply) {
  const created = Math.floor(Date.now() / 1000);
  const id = 'chatcmpl-' + reply.seq;
  const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
  const call = reply.kind === 'call'
    ? { id: reply.id, type: 'function', function: { name: reply.name, arguments: JSON.stringify(reply.arguments) } }
    : null;
  const finish = call ? 'tool_calls' : 'stop';
  if (!req.stream) {
    const message = call
      ? { role: 'assistant', content: null, tool_calls: [call] }
      : { role: 'assistant', content: reply.text };
    sendJSON(res, 200, {
      id, object: 'chat.completion', created, model: req.model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: finish }], usage,
    });
    return;
  }
  const sse = startSSE(res);
  const chunk = (delta, fr) => ({
    id, object: 'chat.completion.chunk', created, model: req.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: fr }],
  });
  if (call) {
    sse.write(null, chunk({ role: 'assistant', content: null, tool_calls: [
      { index: 0, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }, null));
    sse.write(null, chunk({ tool_calls: [{ index: 0, function: { arguments: call.function.arguments } }] }, null));
  } else {
    sse.write(null, chunk({ role: 'assistant', content: '' }, null));
    sse.write(null, chunk({ content: reply.text }, null));
  }
  sse.write(null, chunk({}, finish));
  if (req.includeUsage) {
    sse.write(null, { id, object: 'chat.completion.chunk', created, model: req.model, choices: [], usage });
  }
  sse.write(null, '[DONE]');
  sse.end();
}

module.exports = { name: 'openai-chat', matches, parse, respond };
