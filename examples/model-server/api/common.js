'use strict';
// common.js — small helpers shared by the API dialects: JSON and
// server-sent-event replies, and flattening tool-result content to text.

// Send `obj` as a JSON response.
function sendJSON(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

// Start an SSE response; returns write(eventName|null, obj) and end().
function startSSE(res) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  return {
    write(event, obj) {
      let s = '';
      if (event) s += `event: ${event}\n`;
      s += `data: ${typeof obj === 'string' ? obj : JSON.stringify(obj)}\n\n`;
      res.write(s);
    },
    end() { res.end(); },
  };
}

// Tool results come as a string, an array of content parts ({type:"text",
// text} / {type:"input_text", text} / ...), or any JSON value: return text.
function contentText(c) {
  if (c === undefined || c === null) return '';
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) {
    return c.map((p) => (p && typeof p.text === 'string' ? p.text : JSON.stringify(p))).join('\n');
  }
  return JSON.stringify(c);
}

function randomId(prefix) {
  return prefix + Math.random().toString(36).slice(2, 12);
}

module.exports = { sendJSON, startSSE, contentText, randomId };
