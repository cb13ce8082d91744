'use strict';
// gemini.js — the Gemini dialect: POST .../models/MODEL:generateContent,
// :streamGenerateContent (SSE with ?alt=sse, else one JSON array) and
// :countTokens.
//
// Requests that ask for JSON output against a schema and declare no tools
// (CLI agents' internal "who speaks next" / routing checks) get an object
// built from the schema: the first value of each enum, "ok" for other
// strings, the minimum (or 1) for numbers, false, [] — unless the script
// names a reply in "json_text".

const { sendJSON, startSSE } = require('./common');

function matches(method, path) {
  return method === 'POST' && /\/models\/[^/:]+:(generateContent|streamGenerateContent|countTokens)$/.test(path);
}

function parse(body, url) {
  const tools = [];
  for (const t of Array.isArray(body.tools) ? body.tools : []) {
    for (const f of (t && Array.isArray(t.functionDeclarations)) ? t.functionDeclarations : []) {
      if (f && f.name) tools.push(f.name);
    }
  }
  const results = [];
  for (const c of Array.isArray(body.contents) ? body.contents : []) {
    for (const p of (c && Array.isArray(c.parts)) ? c.parts : []) {
      if (p && p.functionResponse) {
        results.push({ id: p.functionResponse.id || null, name: p.functionResponse.name, text: JSON.stringify(p.functionResponse.response) });
      }
    }
  }
  const m = /\/models\/([^/:]+):(\w+)$/.exec(url.pathname);
  const gc = body.generationConfig || {};
  return {
    model: m ? m[1] : 'scripted',
    op: m ? m[2] : 'generateContent',
    stream: m ? m[2] === 'streamGenerateContent' : false,
    sse: url.searchParams.get('alt') === 'sse',
    toolNames: tools,
    results,
    jsonSchema: gc.responseMimeType === 'application/json' ? (gc.responseJsonSchema || gc.responseSchema || {}) : null,
  };
}

// A value that satisfies `schema` (OpenAPI-ish or JSON Schema), bounded depth.
function fromSchema(schema, depth) {
  if (!schema || typeof schema !== 'object' || depth > 8) return null;
  const type = String(schema.type || (schema.properties ? 'object' : 'string')).toLowerCase();
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  switch (type) {
    case 'object': {
      const o = {};
      for (const [k, v] of Object.entries(schema.properties || {})) o[k] = fromSchema(v, depth + 1);
      return o;
    }
    case 'array': return [];
    case 'integer': case 'number': return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean': return false;
    default: return 'ok';
  }
}

function respond(res, req, reply, script) {
  if (req.op === 'countTokens') {
    sendJSON(res, 200, { totalTokens: 10 });
    return;
  }
  let part;
  if (reply.kind === 'call') {
    part = { functionCall: { name: reply.name, args: reply.arguments } };
  } else if (req.jsonSchema && req.toolNames.length === 0) {
    part = { text: script.json_text !== undefined ? script.json_text : JSON.stringify(fromSchema(req.jsonSchema, 0)) };
  } else {
    part = { text: reply.text };
  }
  const body = {
    candidates: [{ content: { role: 'model', parts: [part] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
    modelVersion: req.model,
    responseId: 'resp_' + reply.seq,
  };
  if (!req.stream) {
    sendJSON(res, 200, body);
  } else if (req.sse) {
    const sse = startSSE(res);
    sse.write(null, body);
    sse.end();
  } else {
    sendJSON(res, 200, [body]);
  }
}

module.exports = { name: 'gemini', matches, parse, respond };
