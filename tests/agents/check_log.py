#!/usr/bin/env python3
"""check_log.py -- check a model-server log against the script that drove it.

    python3 check_log.py SCRIPT LOG [VAR=VALUE]...

The scripted model asks for one tool call per step, so the k-th tool result
the agent sent back answers step k. For every step with "expect_result"
(a Python regular expression, searched), this finds that result in the
longest conversation the agent sent and checks it matches: that is how the
tests see that the agent got the denial back from its tool and reported it
to its model. It also checks that every scripted tool was one the agent
declared, and that the agent came back for the final answer (it kept
running after the denials). ${VAR} in the script is substituted from the
VAR=VALUE arguments, then the environment.

Prints "ok   - ..." / "FAIL - ..." lines (the format of
tests/integration/lib.sh) and exits 1 when anything failed.
"""
import json
import os
import re
import sys


def subst(v, env):
    if isinstance(v, str):
        return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: env.get(m.group(1), m.group(0)), v)
    if isinstance(v, list):
        return [subst(x, env) for x in v]
    if isinstance(v, dict):
        return {k: subst(x, env) for k, x in v.items()}
    return v


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: check_log.py SCRIPT LOG [VAR=VALUE]...")
    env = dict(os.environ)
    for a in sys.argv[3:]:
        k, _, v = a.partition("=")
        env[k] = v
    with open(sys.argv[1], encoding="utf-8") as f:
        script = subst(json.load(f), env)
    entries = []
    with open(sys.argv[2], encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                entries.append(json.loads(line))
    steps = script["steps"]
    tool_entries = [e for e in entries if e.get("tools")]
    failures = 0

    def report(ok, name, why=""):
        nonlocal failures
        if ok:
            print(f"ok   - {name}")
        else:
            failures += 1
            print(f"FAIL - {name}{': ' + why if why else ''}")

    if not tool_entries:
        report(False, "model log: the agent asked its model with tools", "no such request in the log")
        return 1
    longest = max(tool_entries, key=lambda e: len(e.get("tool_results") or []))
    results = longest.get("tool_results") or []
    undeclared = sorted({e["reply"]["call"]["name"] for e in tool_entries
                         if "call" in e.get("reply", {}) and not e["reply"].get("declared", True)})
    report(not undeclared, "model log: every scripted tool is one the agent declared",
           "undeclared: " + ", ".join(undeclared))
    for i, st in enumerate(steps):
        if "call" not in st or "expect_result" not in st:
            continue
        label = f"model log: step {i} {st['call']['name']} result matches /{st['expect_result']}/"
        if i >= len(results):
            report(False, label, f"the agent sent only {len(results)} tool results")
            continue
        text = results[i].get("text") or ""
        report(re.search(st["expect_result"], text) is not None, label, "got: " + text[:300].replace("\n", "\\n"))
    last = len(steps) - 1
    report(any(e.get("step") == last for e in tool_entries),
           "model log: the agent kept going to the final answer",
           f"no request reached step {last}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
