#!/usr/bin/env python3
"""e2e_test.py - end to end in a real browser: real programs run under
`interlock run --approver http://127.0.0.1:PORT` against the reference
approval service, and a reviewer decides in headless Chromium.

  1. alice approves on the review page -> the program's gated delete happens
  2. alice denies another request with a reason -> the delete does not
     happen and the program's stderr carries the reason
  3. a two-person request: alice's approval alone leaves the program
     blocked; bob's approval releases it

Environment: as review_test.py (AP_URL, AP_TOKEN, AP_KEY, WEBDRIVER_URL,
ARTIFACTS, PW_ALICE, PW_BOB, CHROMIUM) plus INTERLOCK (binary), RULES (rule
file gating deletes of WORK/approve-*, WORK/deny-*, WORK/pair-*), KEY_FILE,
TOKEN_FILE, WORK (scratch directory). Prints "browser_e2e: N passed,
N failed" and exits non-zero on failure.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import review_test as rt  # noqa: E402  (WebDriver helpers)

INTERLOCK = os.environ["INTERLOCK"]
RULES = os.environ["RULES"]
WORK = os.environ["WORK"]


def run_gated(name):
    """Start `rm -f WORK/name` under interlock with the http approver."""
    path = os.path.join(WORK, name)
    open(path, "w").close()
    err = open(os.path.join(WORK, name + ".err"), "w")
    p = subprocess.Popen([INTERLOCK, "run", "--rules", RULES, "--approver", rt.AP_URL,
                          "--approver-key-file", os.environ["KEY_FILE"],
                          "--approver-token-file", os.environ["TOKEN_FILE"],
                          "--enforce", "preload", "--agent-id", "browser-e2e",
                          "--", "/usr/bin/rm", "-f", path], stdout=subprocess.DEVNULL, stderr=err)
    return p, path


def wait_exit(p, secs):
    try:
        return p.wait(timeout=secs)
    except subprocess.TimeoutExpired:
        return None


def request_id_for(b, needle, secs=20):
    """The id of the pending card whose text mentions needle (reloading)."""
    end = time.time() + secs
    while time.time() < end:
        b.go("/requests")
        ids = b.js("return Array.from(document.querySelectorAll('[id^=\"req-\"]'))"
                   ".filter(e => e.textContent.includes(arguments[0])).map(e => e.id.slice(4));",
                   needle)
        if ids:
            return ids[0]
        time.sleep(0.3)
    return None


def main():
    check = rt.check
    pa, fa = run_gated("approve-me")
    pb, fb = run_gated("deny-me")
    pc, fc = run_gated("pair-me")
    b = rt.Browser()
    try:
        after = rt.login(b, "alice", os.environ["PW_ALICE"])
        check("alice signs in", after.endswith("/requests"), after)
        ra = request_id_for(b, "approve-me")
        rb = request_id_for(b, "deny-me")
        rc = request_id_for(b, "pair-me")
        check("the sidecar's three requests appear on the review page", ra and rb and rc,
              (ra, rb, rc))
        card = b.text("#req-" + ra)
        for want in ("browser-e2e", "gate-approve", "unlink", fa):
            check("card shows %s" % want, want in card, card[:400])
        check("the programs are still blocked", pa.poll() is None and pb.poll() is None
              and pc.poll() is None)
        b.shot("e2e-pending.png")

        # 1: approve -> the gated action happens
        b.click("#approve-" + ra)
        rc_a = wait_exit(pa, 15)
        check("approved program exits 0", rc_a == 0, rc_a)
        check("approved delete happened", not os.path.exists(fa))
        b.shot("e2e-approved.png")

        # 2: deny with a reason -> nothing happens, reason on stderr
        b.go("/requests")
        b.type("#deny-reason-" + rb, "not on a Friday")
        b.click("#deny-" + rb)
        rc_b = wait_exit(pb, 15)
        check("denied program fails", rc_b not in (None, 0), rc_b)
        check("denied delete did not happen", os.path.exists(fb))
        err = open(fb + ".err").read()
        check("deny reason reaches the agent's stderr", "not on a Friday" in err, err[:300])
        b.shot("e2e-denied.png")

        # 3: two-person: alice alone is not enough
        b.go("/requests")
        b.click("#approve-" + rc)
        time.sleep(2)
        check("one approval of two: the program still waits", pc.poll() is None)
        check("one approval of two: nothing deleted", os.path.exists(fc))
        b.shot("e2e-two-person-first.png")
        b.click("#logout")
        rt.login(b, "bob", os.environ["PW_BOB"])
        b.go("/requests")
        b.click("#approve-" + rc)
        rc_c = wait_exit(pc, 15)
        check("second reviewer releases the program", rc_c == 0, rc_c)
        check("two-person delete happened", not os.path.exists(fc))
        b.go("/history")
        b.shot("e2e-history.png")
        hist = b.text("#history")
        check("history shows the deny reason", "not on a Friday" in hist)
    except Exception as e:  # a WebDriver error is a failed test, not a crash
        check("browser session", False, e)
        try:
            b.shot("e2e-failure.png")
        except Exception:
            pass
    finally:
        b.quit()
        for p in (pa, pb, pc):
            if p.poll() is None:
                p.kill()
                p.wait()
    print("browser_e2e: %d passed, %d failed" % (rt.passed, rt.failed))
    return 1 if rt.failed else 0


if __name__ == "__main__":
    sys.exit(main())
