'use strict';
// anthropic.js — the Anthropic Messages dialect: POST /v1/messages, plain
// JSON or the streamed event sequence (stream: true).

const { sendJSON, startSSE, contentText } = require('./common');

function matches(method, path) {
  return method === 'POST' && /\/v1\/messages$/.test(path);
}

// Tool results are "tool_result" blocks inside user messages.
function parse(body) {
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const results = [];
  for (const m of Array.isArray(body.messages) ? body.messages : []) {
    if (!m || !Array.isArray(m.content)) continue;
    for (const b of m.content) {
      if (b && b.type === 'tool_result') {
        results.push({ id: b.tool_use_id || null, text: (b.is_error ? '[is_error] ' : '') + contentText(b.content) });
      }
    }
  }
  return {
    model: body.model || 'scripted',
    stream: body.stream === true,
    toolNames: tools.map((t) => t.name).filter(Boolean),
    results,
  };
}

function respond(res, req, reply) {
  const id = 'msg_' + reply.seq;
  const block = reply.kind === 'call'
    ? { type: 'tool_use', id: reply.id, name: reply.name, input: reply.arguments }
    : { type: 'text', text: reply.text };
  const stop = reply.kind === 'call' ? 'tool_use' : 'end_turn';
  const usage = { input_tokens: 10, output_tokens: 5 };
  if (!req.stream) {
    sendJSON(res, 200, {
      id, type: 'message', role: 'assistant', model: req.model, content: [block],
      stop_reason: stop, stop_sequence: null, usage,
    });
    return;
  }
  const sse = startSSE(res);
  const ev = (type, obj) => sse.write(type, Object.assign({ type }, obj));
  ev('message_start', { message: {
    id, type: 'message', role: 'assistant', model: req.model, content: [],
    stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } } });
  if (reply.kind === 'call') {
    ev('content_block_start', { index: 0, content_block: { type: 'tool_use', id: reply.id, name: reply.name, input: {} } });
    ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify(reply.arguments) } });
  } else {
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: reply.text } });
  }
  ev('content_block_stop', { index: 0 });
  ev('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 5 } });
  ev('message_stop', {});
  sse.end();
}

module.exports = { name: 'anthropic', matches, parse, respond };
