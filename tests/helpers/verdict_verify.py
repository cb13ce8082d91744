#!/usr/bin/env python3
"""verdict_verify.py - an independent implementation of the verdict check of
docs/approval-protocol.md, used by the shell tests to verify what the
approval service signs (and so to check the document against the C code).

    verdict_verify.py KEY REQUEST_ID < verdict.json
prints "DECISION REVIEWER,REVIEWER REASON" and exits 0 when the signature,
request id and expiry are valid; prints the reason and exits 1 otherwise.
"""
import hashlib
import hmac
import json
import sys
import time


def field(s):
    b = s.encode("utf-8")
    return str(len(b)).encode() + b":" + b + b"\n"


def canonical(v):
    revs = sorted(v["reviewers"], key=lambda r: r.encode("utf-8"))
    out = b"interlock-verdict\n" + field("1") + field(v["request_id"]) + field(v["decision"])
    out += field(str(len(revs))) + b"".join(field(r) for r in revs)
    out += field(v["reason"]) + field(str(v["issued_at"])) + field(str(v["expires_at"]))
    out += field(v["nonce"])
    return out


def main():
    key, rid = sys.argv[1].encode(), sys.argv[2]
    try:
        v = json.loads(sys.stdin.read())
    except ValueError as e:
        print("bad JSON: %s" % e)
        return 1
    need = ("version", "request_id", "decision", "reviewers", "reason", "issued_at",
            "expires_at", "nonce", "signature")
    for k in need:
        if k not in v:
            print("missing field %s" % k)
            return 1
    if v["version"] != 1 or v["decision"] not in ("approve", "deny"):
        print("bad version or decision")
        return 1
    if v["request_id"] != rid:
        print("request_id mismatch")
        return 1
    mac = hmac.new(key, canonical(v), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac, v["signature"]):
        print("signature mismatch")
        return 1
    now = int(time.time() * 1000)
    if now >= v["expires_at"]:
        print("expired")
        return 1
    print("%s %s %s" % (v["decision"], ",".join(v["reviewers"]), v["reason"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
