#!/usr/bin/env python3
"""fake_approval_service.py - a fault-injecting approval service for tests
(docs/approval-protocol.md). Test-only: it signs verdicts with the same
HMAC scheme as the reference service (tests/helpers/verdict_verify.py) and
misbehaves on request.

    fake_approval_service.py --key-file K [--token-file T] [--mode MODE]
                             [--port-file F] [--log F] [--wait-cap S]

Prints "listening on http://127.0.0.1:PORT" (and writes PORT to --port-file).
The mode can be changed at run time: POST /_mode with body MODE.
GET /_stats answers JSON: creates, polls, events (lists), waiting (polls
held open right now). --timing-log F appends one JSON line per answered
create/verdict: {"phase", "request_id", "path", "recv_ns", "sent_ns"}
(wall clock), for benchmarks.

Modes (what GET /v1/requests/ID/verdict answers; create answers 201 unless
the mode says otherwise):
  approve        a valid signed approve naming approvals_required reviewers
  approve-slow   long-poll: 202 at first, approve after --delay seconds
  deny           a valid signed deny with reason "fake says no"
  pending        202 until the wait ends (the deadline should deny)
  http500        every endpoint answers 500
  http429        every endpoint answers 429 with Retry-After: 1
  create400      create answers 400 (no retry expected)
  hang           accepts the connection and never answers
  truncated      200 with the first half of a valid verdict
  garbage        200 with a body that is not JSON
  forged         200 with a verdict signed with the wrong key
  unsigned       200 with a verdict without "signature"
  other-id       200 with a valid verdict for a different request id
  unknown-decision  200 with a correctly signed decision "maybe"
  expired        200 with a verdict that expired a minute ago
  insufficient   200 with a valid approve naming one reviewer (needs 2)
  self-approve   200 with a valid approve naming the requester (self-approval)
  hold           202 until POST /_release, then a valid approve (benchmarks:
                 many simultaneous long-polls released at once)
  replay         first a valid approve naming one reviewer (not enough for
                 a two-person rule), then a valid approve naming two
                 reviewers that reuses the first verdict's nonce
"""
import argparse
import hashlib
import hmac
import json
import os
import secrets
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs


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


def sign(key, v):
    v = dict(v)
    v["signature"] = hmac.new(key, canonical(v), hashlib.sha256).hexdigest()
    return v


class State:
    def __init__(self, key, token, mode, delay, wait_cap, log, timing_log=None):
        self.key, self.token, self.mode, self.delay = key, token, mode, delay
        self.wait_cap, self.log = wait_cap, log
        self.timing = open(timing_log, "a", buffering=1) if timing_log else None
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.released = False
        self.waiting = 0
        self.requests = {}      # id -> {"body": dict, "created": t}
        self.creates, self.polls, self.events = [], [], []
        self.nonces = {}        # id -> nonce (replay mode)
        self.decided = {}       # id -> "approve"/"deny" set via /_decide

    def time_note(self, phase, rid, path, recv_ns, sent_ns):
        if self.timing:
            line = json.dumps({"phase": phase, "request_id": rid, "path": path,
                               "recv_ns": recv_ns, "sent_ns": sent_ns}) + "\n"
            with self.lock:
                self.timing.write(line)

    def record(self, kind, item):
        with self.lock:
            getattr(self, kind).append(item)
        if self.log:
            with open(self.log, "a") as f:
                f.write(json.dumps({"kind": kind, "item": item}) + "\n")


def make_verdict(st, rid, decision, reviewers, reason="", nonce=None, ttl_ms=120000,
                 issued_shift=0):
    now = int(time.time() * 1000) + issued_shift
    v = {"version": 1, "request_id": rid, "decision": decision, "reviewers": reviewers,
         "reason": reason, "issued_at": now, "expires_at": now + ttl_ms,
         "nonce": nonce or secrets.token_hex(16)}
    return v


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    st = None

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body=b"", headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.sent_ns = time.time_ns()   # the answer leaves now (timing log)
        self.wfile.write(body)

    def setup(self):
        super().setup()
        # headers and body go out in separate writes: without this, Nagle +
        # delayed ACK add ~40 ms to every answer
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle_one_request(self):
        self.recv_ns = None
        super().handle_one_request()

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def authed(self):
        if not self.st.token:
            return True
        got = self.headers.get("Authorization", "")
        return hmac.compare_digest(got.encode(), ("Bearer " + self.st.token).encode())

    def fault(self):
        """Answer for the modes that break every endpoint; True if answered."""
        m = self.st.mode
        if m == "http500":
            self.reply(500, {"error": "internal", "message": "injected"})
            return True
        if m == "http429":
            self.reply(429, {"error": "slow_down", "message": "injected"}, {"Retry-After": "1"})
            return True
        if m == "hang":
            time.sleep(3600)
            return True
        return False

    def do_POST(self):
        st = self.st
        path = urlparse(self.path).path
        data = self.body()
        self.recv_ns = time.time_ns()
        if path == "/_release":
            with st.cond:
                st.released = True
                st.cond.notify_all()
            self.reply(200, {})
            return
        if path == "/_mode":
            st.mode = data.decode().strip()
            self.reply(200, {"mode": st.mode})
            return
        if path == "/_decide":
            d = json.loads(data)
            with st.lock:
                st.decided[d["request_id"]] = d
            self.reply(200, {})
            return
        if path == "/v1/requests":
            try:
                req = json.loads(data)
                rid = req["request_id"]
            except (ValueError, KeyError, TypeError):
                req, rid = None, None
            st.record("creates", {"request_id": rid, "approvals_required":
                                  (req or {}).get("approvals_required", 1),
                                  "summary": (req or {}).get("action", {}).get("summary", "")})
        if self.fault():
            return
        if not self.authed():
            self.reply(401, {"error": "unauthorized", "message": "bad token"},
                       {"WWW-Authenticate": "Bearer"})
            return
        if path == "/v1/requests":
            if req is None:
                self.reply(400, {"error": "bad_request", "message": "bad JSON"})
                return
            if st.mode == "create400":
                self.reply(400, {"error": "bad_request", "message": "injected"})
                return
            with st.lock:
                known = rid in st.requests
                if not known:
                    st.requests[rid] = {"body": req, "created": time.time()}
            self.reply(200 if known else 201, {"request_id": rid, "status": "pending",
                                               "verdict_url": "/v1/requests/%s/verdict" % rid})
            st.time_note("create", rid, req.get("action", {}).get("path"), self.recv_ns,
                         self.sent_ns)
            return
        if path == "/v1/events":
            try:
                ev = json.loads(data)
            except ValueError:
                self.reply(400, {"error": "bad_request", "message": "bad JSON"})
                return
            st.record("events", ev)
            self.reply(202, {})
            return
        self.reply(404, {"error": "not_found", "message": path})

    def do_GET(self):
        st = self.st
        u = urlparse(self.path)
        self.recv_ns = time.time_ns()
        if u.path == "/_stats":
            with st.lock:
                self.reply(200, {"creates": st.creates, "polls": st.polls, "events": st.events,
                                 "mode": st.mode, "waiting": st.waiting})
            return
        if self.fault():
            return
        if not self.authed():
            self.reply(401, {"error": "unauthorized", "message": "bad token"},
                       {"WWW-Authenticate": "Bearer"})
            return
        parts = u.path.strip("/").split("/")
        if len(parts) != 4 or parts[:2] != ["v1", "requests"] or parts[3] != "verdict":
            self.reply(404, {"error": "not_found", "message": u.path})
            return
        rid = parts[2]
        wait = int(parse_qs(u.query).get("wait", ["0"])[0])
        wait = min(wait, st.wait_cap)
        st.record("polls", {"request_id": rid, "wait": wait})
        with st.lock:
            req = st.requests.get(rid)
        if req is None:
            self.reply(404, {"error": "not_found", "message": "unknown request"})
            return
        self.verdict(rid, req, wait)

    def verdict(self, rid, req, wait):
        st, key = self.st, self.st.key
        m = st.mode
        need = int(req["body"].get("approvals_required", 1))
        reviewers = ["reviewer-%d" % i for i in range(1, max(need, 1) + 1)]
        end = time.time() + wait
        if m == "hold":
            with st.cond:
                st.waiting += 1
                while not st.released and time.time() < end:
                    st.cond.wait(max(0.0, end - time.time()))
                st.waiting -= 1
                released = st.released
            if not released:
                self.reply(202, {"request_id": rid, "status": "pending"})
                return
            self.recv_ns = time.time_ns()   # the verdict exists from now on
            m = "approve"
        if m in ("pending", "approve-slow", "external"):
            while time.time() < end:
                with st.lock:
                    d = st.decided.get(rid)
                if m == "approve-slow" and time.time() - req["created"] >= st.delay:
                    break
                if m == "external" and d:
                    break
                time.sleep(0.02)
            if m == "pending" or (m == "approve-slow" and time.time() - req["created"] < st.delay):
                self.reply(202, {"request_id": rid, "status": "pending"})
                return
            if m == "external":
                with st.lock:
                    d = st.decided.get(rid)
                if not d:
                    self.reply(202, {"request_id": rid, "status": "pending"})
                    return
                v = make_verdict(st, rid, d["decision"], d.get("reviewers", reviewers),
                                 d.get("reason", ""))
                self.reply(200, sign(key, v))
                return
            m = "approve"
        if m == "approve":
            self.reply(200, sign(key, make_verdict(st, rid, "approve", reviewers, "fake ok")))
            st.time_note("verdict", rid, req["body"].get("action", {}).get("path"), self.recv_ns,
                         self.sent_ns)
        elif m == "deny":
            self.reply(200, sign(key, make_verdict(st, rid, "deny", ["reviewer-1"], "fake says no")))
        elif m == "truncated":
            b = json.dumps(sign(key, make_verdict(st, rid, "approve", reviewers))).encode()
            self.reply(200, b[: len(b) // 2])
        elif m == "garbage":
            self.reply(200, b"<html>approved!</html>")
        elif m == "forged":
            self.reply(200, sign(b"not-the-key-" * 4, make_verdict(st, rid, "approve", reviewers)))
        elif m == "unsigned":
            self.reply(200, make_verdict(st, rid, "approve", reviewers))
        elif m == "other-id":
            self.reply(200, sign(key, make_verdict(st, "r-0000deadbeef", "approve", reviewers)))
        elif m == "unknown-decision":
            self.reply(200, sign(key, make_verdict(st, rid, "maybe", reviewers)))
        elif m == "expired":
            self.reply(200, sign(key, make_verdict(st, rid, "approve", reviewers, ttl_ms=1000,
                                                   issued_shift=-60000)))
        elif m == "self-approve":
            who = req["body"].get("requester") or "root"
            self.reply(200, sign(key, make_verdict(st, rid, "approve", [who])))
        elif m == "insufficient":
            self.reply(200, sign(key, make_verdict(st, rid, "approve", ["reviewer-1"])))
        elif m == "replay":
            with st.lock:
                nonce = st.nonces.get(rid)
                first = nonce is None
                if first:
                    nonce = st.nonces[rid] = secrets.token_hex(16)
            revs = ["reviewer-1"] if first else ["reviewer-1", "reviewer-2"]
            self.reply(200, sign(key, make_verdict(st, rid, "approve", revs, nonce=nonce)))
        else:
            self.reply(500, {"error": "internal", "message": "unknown mode " + m})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--key-file", required=True)
    ap.add_argument("--token-file")
    ap.add_argument("--mode", default="approve")
    ap.add_argument("--delay", type=float, default=1.0)
    ap.add_argument("--wait-cap", type=int, default=5)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ap.add_argument("--timing-log")
    a = ap.parse_args()

    def secret(path):
        b = open(path, "rb").read()
        return b[:-1] if b.endswith(b"\n") else b

    key = secret(a.key_file)
    token = secret(a.token_file).decode() if a.token_file else None
    Handler.st = State(key, token, a.mode, a.delay, a.wait_cap, a.log, a.timing_log)
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 2048
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    port = srv.server_address[1]
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, a.port_file)
    print("listening on http://127.0.0.1:%d" % port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
