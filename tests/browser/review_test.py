#!/usr/bin/env python3
"""review_test.py - the approval service's review page in a real headless
Chromium, driven over the W3C WebDriver HTTP protocol (chromedriver) with
nothing but the standard library.

Environment: AP_URL, AP_TOKEN, AP_KEY (a running interlock-approver with
reviewers alice/bob in group oncall), WEBDRIVER_URL (a running chromedriver),
ARTIFACTS (directory for screenshots), PW_ALICE, PW_BOB, CHROMIUM.

The reviewer signs in, sees a pending request created through the API with
an XSS payload in argv (it must render as text and never run), approves it
(the verdict API then returns a signed approve); a second request is denied
with a reason; a two-person request needs both alice and bob.
Prints "browser_review: N passed, N failed" and exits non-zero on failure.
"""
import base64
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "helpers"))
import verdict_verify  # noqa: E402

AP_URL = os.environ["AP_URL"]
TOKEN = os.environ["AP_TOKEN"]
KEY = os.environ["AP_KEY"].encode()
WD = os.environ["WEBDRIVER_URL"]
ART = os.environ.get("ARTIFACTS", "build/test-artifacts")
ELEM = "element-6066-11e4-a52e-4f735466cecf"
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'

passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   - " + name)
    else:
        failed += 1
        print("FAIL - %s%s" % (name, ": " + str(detail) if detail else ""))


def http(method, url, body=None, headers=None, timeout=60):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def api(method, path, body=None):
    return http(method, AP_URL + path, body, {"Authorization": "Bearer " + TOKEN})


def new_request(rid, argv, approvals=1):
    now = int(time.time() * 1000)
    return {
        "version": 1, "request_id": rid, "created_at": now, "deadline": now + 600000,
        "session": "s-browser", "agent_id": "browser-agent", "host": "build-7",
        "requester": "mallory", "policy_version": "ab" * 32, "risk": "high",
        "approvals_required": approvals, "approvers": ["oncall"], "escalation": [],
        "rules": [{"id": "rm-recursive", "description": "recursive rm outside the workspace",
                   "risk": "high", "decision": "approve", "why": "args any \"-rf\" ~ \"-r*\""}],
        "action": {"kind": "exec", "summary": " ".join(argv), "program": "/usr/bin/rm",
                   "argv": argv, "argc": len(argv), "cwd": "/srv", "pid": 4242, "ppid": 1,
                   "uid": 1000, "lossy": False, "truncated": False},
    }


def verdict(rid, wait=3):
    code, body = api("GET", "/v1/requests/%s/verdict?wait=%d" % (rid, wait))
    if code != 200:
        return code, None
    v = json.loads(body)
    # the same check the sidecar applies, independently implemented
    import hashlib
    import hmac
    mac = hmac.new(KEY, verdict_verify.canonical(v), hashlib.sha256).hexdigest()
    ok = hmac.compare_digest(mac, v["signature"]) and v["request_id"] == rid
    return code, (v if ok else None)


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="il-chromium-")
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1800",
                "--user-data-dir=" + self.profile]
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                   "args": args}}}}
        code, body = http("POST", WD + "/session", caps, timeout=120)
        if code != 200:
            raise RuntimeError("cannot start a session: %s %s" % (code, body[:500]))
        self.sid = json.loads(body)["value"]["sessionId"]

    def cmd(self, method, path, body=None):
        code, out = http(method, "%s/session/%s%s" % (WD, self.sid, path), body)
        val = json.loads(out)["value"] if out else None
        if code != 200:
            raise RuntimeError("%s %s -> %s %s" % (method, path, code, str(val)[:300]))
        return val

    def go(self, path):
        self.cmd("POST", "/url", {"url": AP_URL + path})

    def find(self, css):
        return self.cmd("POST", "/element", {"using": "css selector", "value": css})[ELEM]

    def finds(self, css):
        return [e[ELEM] for e in self.cmd("POST", "/elements", {"using": "css selector", "value": css})]

    def text(self, css):
        return self.cmd("GET", "/element/%s/text" % self.find(css))

    def type(self, css, s):
        self.cmd("POST", "/element/%s/value" % self.find(css), {"text": s})

    def click(self, css):
        self.cmd("POST", "/element/%s/click" % self.find(css), {})

    def js(self, script, *args):
        return self.cmd("POST", "/execute/sync", {"script": script, "args": list(args)})

    def url(self):
        return self.cmd("GET", "/url")

    def wait_url(self, suffix, secs=10):
        """The current URL once it ends with suffix (a click's navigation
        completes asynchronously), or the last URL seen after secs."""
        end = time.time() + secs
        u = self.url()
        while not u.endswith(suffix) and time.time() < end:
            time.sleep(0.1)
            u = self.url()
        return u

    def shot(self, name):
        png = base64.b64decode(self.cmd("GET", "/screenshot"))
        os.makedirs(ART, exist_ok=True)
        with open(os.path.join(ART, name), "wb") as f:
            f.write(png)

    def quit(self):
        try:
            http("DELETE", "%s/session/%s" % (WD, self.sid))
        except Exception:
            pass


def login(b, name, pw):
    b.go("/login")
    b.type("#username", name)
    b.type("#password", pw)
    b.click("#login")
    # the form's POST and redirect complete after the click returns
    return b.wait_url("/requests")


def main():
    ra, rb, rc = "r-web-approve1", "r-web-deny0001", "r-web-twoprsn1"
    for rid, argv, n in ((ra, ["rm", "-rf", XSS], 1), (rb, ["rm", "-rf", "/srv/data"], 1),
                         (rc, ["rm", "-r", "/srv/payments"], 2)):
        code, body = api("POST", "/v1/requests", new_request(rid, argv, n))
        check("API creates %s" % rid, code == 201, body)

    b = Browser()
    try:
        b.go("/requests")
        check("unauthenticated visit lands on the login page", b.url().endswith("/login"), b.url())
        after = login(b, "alice", os.environ["PW_ALICE"])
        check("alice signs in and sees pending requests", after.endswith("/requests"), after)
        check("signed-in name shown", b.text("#whoami") == "alice")
        check("three pending requests listed", b.text("#pending-count") == "3", b.text("#pending-count"))

        # full context on the card
        card = "#req-" + ra
        argv_text = b.text(card + " dd.f-argv")
        check("argv payload is displayed as literal text", XSS in argv_text, argv_text)
        check("payload did not execute", b.js("return window.__xss === undefined;") is True)
        check("payload created no element",
              b.js("return document.querySelectorAll('main img, main script').length;") == 0)
        ctx = b.text(card)
        for want in ("/usr/bin/rm", "/srv", "browser-agent", "build-7", "rm-recursive",
                     "recursive rm outside the workspace", "mallory", "oncall"):
            check("card shows %s" % want, want in ctx)
        time.sleep(1.2)
        cd = b.text(card + " .countdown")
        check("live deadline countdown runs", cd.startswith("deadline in 9m") or cd.startswith("deadline in 10m"), cd)
        b.shot("review-pending.png")

        # approve
        b.click("#approve-" + ra)
        check("vote recorded message", "was recorded" in b.text("#message"))
        code, v = verdict(ra)
        check("verdict API returns a signed approve", code == 200 and v and v["decision"] == "approve"
              and v["reviewers"] == ["alice"], (code, v))

        # deny: the reason is required (the browser refuses to submit without one)
        b.click("#deny-" + rb)
        time.sleep(0.3)
        code, _ = api("GET", "/v1/requests/%s/verdict" % rb)
        check("deny without a reason is not submitted", code == 202, code)
        b.type("#deny-reason-" + rb, "not during the change freeze")
        b.shot("review-deny-reason.png")
        b.click("#deny-" + rb)
        code, v = verdict(rb)
        check("verdict API returns a signed deny with the reason", code == 200 and v and
              v["decision"] == "deny" and v["reason"] == "not during the change freeze", (code, v))

        # two-person rule
        b.click("#approve-" + rc)
        code, _ = api("GET", "/v1/requests/%s/verdict?wait=1" % rc)
        check("one approval of two leaves it pending", code == 202, code)
        note = b.text("#req-%s .voted" % rc)
        check("page says a second reviewer is needed", "1 more" in note, note)
        check("alice has no approve button any more", len(b.finds("#approve-" + rc)) == 0)
        b.shot("review-two-person-first.png")
        b.click("#logout")
        u = b.wait_url("/login")
        check("sign out returns to the login page", u.endswith("/login"), u)
        login(b, "bob", os.environ["PW_BOB"])
        check("bob sees alice's vote", "alice approve" in b.text("#req-" + rc))
        b.click("#approve-" + rc)
        code, v = verdict(rc)
        check("two-person verdict approves with both reviewers", code == 200 and v and
              v["decision"] == "approve" and sorted(v["reviewers"]) == ["alice", "bob"], (code, v))
        check("nothing left pending", b.text("#pending-count") == "0")

        b.go("/history")
        hist = b.text("#history")
        check("history lists the deny reason", "not during the change freeze" in hist)
        check("history lists both approvers", "alice" in hist and "bob" in hist)
        b.shot("review-history.png")
        b.go("/metrics")
        check("metrics show the approval rate", b.text("#m-approval-rate").startswith("66.7%"),
              b.text("#m-approval-rate"))
        b.shot("review-metrics.png")
    except Exception as e:  # a WebDriver error is a failed test, not a crash
        check("browser session", False, e)
        try:
            b.shot("review-failure.png")
        except Exception:
            pass
    finally:
        b.quit()
    print("browser_review: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
