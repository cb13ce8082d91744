#!/usr/bin/env python3
"""agent.py -- a plain tool-calling agent loop, standard library only.

    OPENAI_BASE_URL=http://127.0.0.1:8080/v1 python3 agent.py "clean up the repo"

The shape of most home-made agents: send the conversation to an
OpenAI-compatible Chat Completions endpoint (urllib), run whatever tool the
model asks for, append the result, repeat until the model answers in text.
Tools:
  shell         run a command with /bin/sh (subprocess)
  delete_path   remove a file or a directory tree (os.remove / shutil.rmtree)
  http_request  send an HTTP request (urllib)
Every tool failure -- including a call that interlock denied -- goes back to
the model as the tool's result, so the agent keeps going and the model
learns what happened. Nothing here knows about interlock.

Environment: OPENAI_BASE_URL (default http://127.0.0.1:8080/v1),
OPENAI_API_KEY (default "sk-local"), AGENT_MODEL (default "gpt-4o-mini"),
AGENT_MAX_TURNS (default 30).
"""
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request

BASE = os.environ.get("OPENAI_BASE_URL", "http://127.0.0.1:8080/v1").rstrip("/")
KEY = os.environ.get("OPENAI_API_KEY", "sk-local")
MODEL = os.environ.get("AGENT_MODEL", "gpt-4o-mini")
MAX_TURNS = int(os.environ.get("AGENT_MAX_TURNS", "30"))
MAX_OUTPUT = 8000

TOOLS = [
    {"type": "function", "function": {
        "name": "shell",
        "description": "Run a shell command in the working directory; returns exit code, stdout and stderr.",
        "parameters": {"type": "object", "properties": {"command": {"type": "string"}},
                       "required": ["command"]}}},
    {"type": "function", "function": {
        "name": "delete_path",
        "description": "Delete a file, or a directory and everything in it.",
        "parameters": {"type": "object", "properties": {"path": {"type": "string"}},
                       "required": ["path"]}}},
    {"type": "function", "function": {
        "name": "http_request",
        "description": "Send an HTTP request; returns the status and the response body.",
        "parameters": {"type": "object", "properties": {
            "method": {"type": "string"}, "url": {"type": "string"},
            "body": {"type": "string"}}, "required": ["method", "url"]}}},
]


def clip(s):
    return s if len(s) <= MAX_OUTPUT else s[:MAX_OUTPUT] + "\n[truncated]"


def tool_shell(args):
    try:
        p = subprocess.run(args["command"], shell=True, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.SubprocessError) as e:
        return f"error: {e}"
    return clip(f"exit code {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")


def tool_delete(args):
    path = args["path"]
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.remove(path)
    except OSError as e:
        return f"error: {e}"
    return f"deleted {path}"


def tool_http(args):
    body = args.get("body")
    req = urllib.request.Request(args["url"], method=args.get("method", "GET").upper(),
                                 data=body.encode() if body is not None else None,
                                 headers={"Content-Type": "application/json"} if body else {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return clip(f"status {r.status}\n{r.read().decode('utf-8', 'replace')}")
    except urllib.error.HTTPError as e:
        return clip(f"status {e.code}\n{e.read().decode('utf-8', 'replace')}")
    except (urllib.error.URLError, OSError) as e:
        return f"error: {getattr(e, 'reason', e)}"


HANDLERS = {"shell": tool_shell, "delete_path": tool_delete, "http_request": tool_http}


def chat(messages):
    data = json.dumps({"model": MODEL, "messages": messages, "tools": TOOLS}).encode()
    req = urllib.request.Request(BASE + "/chat/completions", data=data, method="POST",
                                 headers={"Content-Type": "application/json",
                                          "Authorization": "Bearer " + KEY})
    with urllib.request.urlopen(req, timeout=300) as r:
        return json.load(r)["choices"][0]["message"]


def run_tool(call):
    name = call["function"]["name"]
    try:
        args = json.loads(call["function"].get("arguments") or "{}")
    except json.JSONDecodeError as e:
        return f"error: bad arguments: {e}"
    h = HANDLERS.get(name)
    if h is None:
        return f"error: no tool named {name}"
    try:
        return h(args)
    except (KeyError, TypeError) as e:
        return f"error: bad arguments: {e}"


def main():
    task = " ".join(sys.argv[1:]) or "Tidy up the workspace."
    messages = [{"role": "system", "content": "You are a careful coding agent. Use the tools."},
                {"role": "user", "content": task}]
    for _ in range(MAX_TURNS):
        msg = chat(messages)
        messages.append({k: v for k, v in msg.items() if k in ("role", "content", "tool_calls")})
        calls = msg.get("tool_calls") or []
        if not calls:
            print(f"agent: {msg.get('content') or ''}")
            return 0
        for c in calls:
            print(f"agent: tool {c['function']['name']} {c['function'].get('arguments', '')}", flush=True)
            out = run_tool(c)
            print("agent:   -> " + out.replace("\n", "\n            "), flush=True)
            messages.append({"role": "tool", "tool_call_id": c["id"], "content": out})
    print("agent: giving up after too many turns")
    return 1


if __name__ == "__main__":
    sys.exit(main())
