'use strict';
// openai_responses.js — the OpenAI Responses dialect: POST /v1/responses,
// plain JSON or the streamed event sequence (stream: true).

const { sendJSON, startSSE, contentText } = require('./common');

function matches(method, path) {
  return method === 'POST' && /\/responses$/.test(path);
}

// Tool results are "function_call_output" input items.
function parse(body) {
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const results = [];
  const input = Array.isArray(body.input) ? body.input : [];
  for (const it of input) {
    if (it && it.type === 'function_call_output') results.push({ id: it.call_id || null, text: contentText(it.output) });
  }
  return {
    model: body.model || 'scripted',
    stream: body.stream === true,
    toolNames: tools.map((t) => t.name || (t.function && t.function.name)).filter(Boolean),
    results,
  };
}

// The output item for `reply`, complete.
function outputItem(reply) {
  if (reply.kind === 'call') {
    return {
      type: 'function_call', id: 'fc_' + reply.seq, call_id: reply.id, name: reply.name,
      arguments: JSON.stringify(reply.arguments), status: 'completed',
    };
  }
  return {
    type: 'message', id: 'msg_' + reply.seq, status: 'completed', role: 'assistant',
    content: [{ type: 'output_text', text: reply.text, annotations: [] }],
  };
}

function responseObject(req, reply, status, output) {
  return {
    id: 'resp_' + reply.seq, object: 'response', created_at: Math.floor(Date.now() / 1000),
    status, model: req.model, output, parallel_tool_calls: true, tool_choice: 'auto', tools: [],
    error: null, incomplete_details: null, previous_response_id: null,
    output_text: reply.kind === 'text' ? reply.text : '',
    usage: status === 'completed' ? {
      input_tokens: 10, output_tokens: 5, total_tokens: 15,
      input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 },
    } : null,
  };
}

function respond(res, req, reply) {
  const item = outputItem(reply);
  if (!req.stream) {
    sendJSON(res, 200, responseObject(req, reply, 'completed', [item]));
    return;
  }
  const sse = startSSE(res);
  let seq = 0;
  const ev = (type, obj) => sse.write(type, Object.assign({ type, sequence_number: seq++ }, obj));
  ev('response.created', { response: responseObject(req, reply, 'in_progress', []) });
  ev('response.in_progress', { response: responseObject(req, reply, 'in_progress', []) });
  if (item.type === 'function_call') {
    ev('response.output_item.added', { output_index: 0, item: Object.assign({}, item, { arguments: '', status: 'in_progress' }) });
    ev('response.function_call_arguments.delta', { item_id: item.id, output_index: 0, delta: item.arguments });
    ev('response.function_call_arguments.done', { item_id: item.id, output_index: 0, arguments: item.arguments });
  } else {
    const part = { type: 'output_text', text: '', annotations: [] };
    ev('response.output_item.added', { output_index: 0, item: Object.assign({}, item, { content: [], status: 'in_progress' }) });
    ev('response.content_part.added', { item_id: item.id, output_index: 0, content_index: 0, part });
    ev('response.output_text.delta', { item_id: item.id, output_index: 0, content_index: 0, delta: reply.text });
    ev('response.output_text.done', { item_id: item.id, output_index: 0, content_index: 0, text: reply.text });
    ev('response.content_part.done', { item_id: item.id, output_index: 0, content_index: 0, part: item.content[0] });
  }
  ev('response.output_item.done', { output_index: 0, item });
  ev('response.completed', { response: responseObject(req, reply, 'completed', [item]) });
  sse.end();
}

module.exports = { name: 'openai-responses', matches, parse, respond };
