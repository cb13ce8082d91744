#!/usr/bin/env python3
"""model_server_check.py -- exercise every dialect of the scripted model
server (examples/model-server/server.js), plain and streamed.

    python3 model_server_check.py PORT LOG

The server must run examples/model-server/scripts/agent-gating.json with WS
set. For each API this sends a conversation with N tool results and checks
that the reply is the call of step N (or the final text past the end), in
the API's own shape; then that the log recorded the tool results sent.
Prints lib.sh-style "ok   - " / "FAIL - " lines; exits 1 on failure.
"""
import json
import sys
import urllib.error
import urllib.request

PORT, LOG = int(sys.argv[1]), sys.argv[2]
BASE = f"http://127.0.0.1:{PORT}"
failures = 0


def report(ok, name, why=""):
    global failures
    print(("ok   - " if ok else "FAIL - ") + name + ("" if ok else f": {why}"))
    failures += 0 if ok else 1


def post(path, body):
    req = urllib.request.Request(BASE + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.headers.get("content-type", ""), r.read().decode()


def sse(text):
    """Data payloads of an SSE stream, JSON-decoded ("[DONE]" kept as is)."""
    out = []
    for block in text.split("\n\n"):
        for line in block.splitlines():
            if line.startswith("data: "):
                d = line[6:]
                out.append(d if d == "[DONE]" else json.loads(d))
    return out


TOOL = {"type": "function", "function": {"name": "shell", "parameters": {"type": "object"}}}


def chat(stream, nresults):
    msgs = [{"role": "user", "content": "go"}]
    for i in range(nresults):
        msgs.append({"role": "assistant", "tool_calls": [{"id": f"c{i}", "type": "function",
                     "function": {"name": "shell", "arguments": "{}"}}]})
        msgs.append({"role": "tool", "tool_call_id": f"c{i}", "content": f"result {i}"})
    ct, body = post("/v1/chat/completions", {"model": "m", "messages": msgs, "tools": [TOOL], "stream": stream})
    if not stream:
        m = json.loads(body)["choices"][0]["message"]
        return (m["tool_calls"][0]["function"]["name"], json.loads(m["tool_calls"][0]["function"]["arguments"])) \
            if m.get("tool_calls") else ("text", m["content"])
    ev = sse(body)
    if ev[-1] != "[DONE]":
        raise ValueError("no [DONE]")
    name, args, text = None, "", ""
    for e in ev[:-1]:
        d = e["choices"][0]["delta"] if e["choices"] else {}
        for tc in d.get("tool_calls") or []:
            name = tc.get("function", {}).get("name") or name
            args += tc.get("function", {}).get("arguments") or ""
        text += d.get("content") or ""
    return (name, json.loads(args)) if name else ("text", text)


def responses(stream, nresults):
    items = [{"role": "user", "content": "go"}]
    for i in range(nresults):
        items.append({"type": "function_call", "call_id": f"c{i}", "name": "shell", "arguments": "{}"})
        items.append({"type": "function_call_output", "call_id": f"c{i}", "output": f"result {i}"})
    ct, body = post("/v1/responses", {"model": "m", "input": items,
                                      "tools": [{"type": "function", "name": "shell"}], "stream": stream})
    if stream:
        ev = sse(body)
        if ev[-1]["type"] != "response.completed":
            raise ValueError("stream does not end with response.completed")
        out = ev[-1]["response"]["output"]
    else:
        out = json.loads(body)["output"]
    o = out[0]
    return (o["name"], json.loads(o["arguments"])) if o["type"] == "function_call" else ("text", o["content"][0]["text"])


def anthropic(stream, nresults):
    msgs = [{"role": "user", "content": "go"}]
    for i in range(nresults):
        msgs.append({"role": "assistant", "content": [{"type": "tool_use", "id": f"t{i}", "name": "shell", "input": {}}]})
        msgs.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"t{i}", "content": f"result {i}"}]})
    ct, body = post("/v1/messages", {"model": "m", "max_tokens": 100, "messages": msgs,
                                     "tools": [{"name": "shell", "input_schema": {"type": "object"}}], "stream": stream})
    if not stream:
        b = json.loads(body)["content"][0]
        return (b["name"], b["input"]) if b["type"] == "tool_use" else ("text", b["text"])
    ev = sse(body)
    if ev[-1]["type"] != "message_stop":
        raise ValueError("stream does not end with message_stop")
    start = next(e for e in ev if e["type"] == "content_block_start")["content_block"]
    deltas = [e["delta"] for e in ev if e["type"] == "content_block_delta"]
    if start["type"] == "tool_use":
        return start["name"], json.loads("".join(d["partial_json"] for d in deltas))
    return "text", "".join(d["text"] for d in deltas)


def gemini(stream, nresults):
    contents = [{"role": "user", "parts": [{"text": "go"}]}]
    for i in range(nresults):
        contents.append({"role": "model", "parts": [{"functionCall": {"name": "shell", "args": {}}}]})
        contents.append({"role": "user", "parts": [{"functionResponse": {"name": "shell", "response": {"output": f"result {i}"}}}]})
    op = "streamGenerateContent?alt=sse" if stream else "generateContent"
    ct, body = post(f"/v1beta/models/m:{op}", {"contents": contents,
                    "tools": [{"functionDeclarations": [{"name": "shell"}]}]})
    c = (sse(body)[0] if stream else json.loads(body))["candidates"][0]["content"]["parts"][0]
    return (c["functionCall"]["name"], c["functionCall"]["args"]) if "functionCall" in c else ("text", c["text"])


for api in (chat, responses, anthropic, gemini):
    for stream in (False, True):
        for n, want in ((0, "shell"), (4, "http_request"), (20, "text")):
            label = f"{api.__name__} stream={stream} after {n} results -> {want}"
            try:
                name, _ = api(stream, n)
                report(name == want, label, f"got {name}")
            except Exception as e:
                report(False, label, f"{type(e).__name__}: {e}")

ct, body = post("/v1/chat/completions", {"model": "m", "messages": [{"role": "user", "content": "title?"}]})
report(json.loads(body)["choices"][0]["message"]["content"] == "OK", "a request without tools gets idle_text")
try:
    post("/v1/unknown", {})
    report(False, "an unknown route is a 404", "got 200")
except urllib.error.HTTPError as e:
    report(e.code == 404, "an unknown route is a 404", f"got {e.code}")

texts = []
for line in open(LOG, encoding="utf-8"):
    e = json.loads(line)
    texts += [r["text"] for r in e.get("tool_results") or []]
report(any("result 3" in t for t in texts), "the log records the tool results sent", "none found")
sys.exit(1 if failures else 0)
