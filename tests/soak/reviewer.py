#!/usr/bin/env python3
"""reviewer.py — the soak test's random reviewer.

    reviewer.py INTERLOCK CTL_SOCK AP_URL USER PASSWORD DECISIONS_OUT STOP_FILE SEED

Polls the sidecar's pending list (`interlock pending --json --ctl`), and for
every request it has not seen picks at random: approve (45%), deny (35%) or
never answer (20%, the deadline denies). Decisions are made as USER through
the reference approval service's web form (login, CSRF, POST
/requests/ID/decide), retried while the service or the request is not
reachable (restarts). Each choice is appended to DECISIONS_OUT as one JSON
line {"id", "action", "choice", "t"} before it is sent, and a line
{"id", "sent": true, "status"} once the service accepted it. Runs until
STOP_FILE exists.
"""
import http.client
import http.cookiejar
import json
import os
import random
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

interlock, ctl, url, user, password, out_path, stop, seed = sys.argv[1:9]
rng = random.Random(int(seed))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def new_session():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())


opener, csrf = None, None


def login():
    global opener, csrf
    opener = new_session()
    data = urllib.parse.urlencode({"username": user, "password": password}).encode()
    try:
        opener.open(url + "/login", data, timeout=5)
    except urllib.error.HTTPError:
        pass   # 303 to /requests
    except OSError:
        return False   # the service is down (restarting)
    try:
        page = opener.open(url + "/requests", timeout=5).read().decode("utf-8", "replace")
    except OSError:
        return False
    m = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    csrf = m.group(1) if m else None
    return csrf is not None


def decide(rid, decision):
    """HTTP status of the decision, or 0 when the service is unreachable."""
    global csrf
    if csrf is None and not login():
        return 0
    data = urllib.parse.urlencode({"csrf": csrf, "decision": decision, "reason": "soak"}).encode()
    try:
        r = opener.open(url + "/requests/%s/decide" % rid, data, timeout=5)
        return r.status
    except urllib.error.HTTPError as e:
        if e.code in (302, 303):
            loc = e.headers.get("Location", "")
            if "/login" in loc:
                csrf = None   # session lost (service restarted): log in again
                return 401
            return 303
        if e.code in (401, 403):
            csrf = None
        return e.code
    except (urllib.error.URLError, OSError, http.client.HTTPException):
        csrf = None
        return 0


def pending():
    try:
        p = subprocess.run([interlock, "pending", "--json", "--ctl", ctl], capture_output=True,
                           text=True, timeout=15)
        if p.returncode != 0:
            return []
        return json.loads(p.stdout)
    except (subprocess.TimeoutExpired, ValueError):
        return []


seen, todo = set(), {}   # todo: id -> (decision, first try)
with open(out_path, "a", buffering=1) as out:
    while not os.path.exists(stop):
        for r in pending():
            rid = r.get("id")
            if not rid or rid in seen:
                continue
            seen.add(rid)
            x = rng.random()
            choice = "approve" if x < 0.45 else "deny" if x < 0.80 else "never"
            out.write(json.dumps({"id": rid, "action": r.get("action", ""), "choice": choice,
                                 "t": int(time.time() * 1000)}) + "\n")
            if choice != "never":
                todo[rid] = (choice, time.time())
        for rid, (choice, t0) in list(todo.items()):
            st = decide(rid, choice)
            if st in (200, 303):
                out.write(json.dumps({"id": rid, "sent": True, "status": st}) + "\n")
                del todo[rid]
            elif st in (404, 409, 410) and time.time() - t0 > 30:
                out.write(json.dumps({"id": rid, "sent": False, "status": st}) + "\n")
                del todo[rid]   # long gone (timed out, cancelled)
            elif time.time() - t0 > 60:
                out.write(json.dumps({"id": rid, "sent": False, "status": st}) + "\n")
                del todo[rid]
        time.sleep(0.2)
