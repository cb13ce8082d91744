#!/usr/bin/env python3
"""fake_sidecar.py — a stand-in sidecar for testing the preload shim.

Test infrastructure only. It listens on a unix socket, decodes the frames of
interceptor/protocol.h strictly (bad magic, a known tag of the wrong size or
a string with a NUL are protocol errors), appends every action as one JSON
line to a log file, and answers by simple command-line rules:

  --deny-program GLOB   deny an exec whose program (absolute path or basename)
                        matches GLOB
  --deny-path-glob GLOB deny a delete whose path matches GLOB
  --deny-host GLOB      deny a connect whose host name matches GLOB
  --deny-port N         deny a connect to port N
  --deny-all            deny everything
  --message TEXT        send TEXT as IL_T_MESSAGE with denies
  --banner TEXT         send TEXT as IL_T_BANNER with every verdict
  --pending-then-allow / --pending-then-deny
                        first answer PENDING, wait --pending-delay seconds,
                        then the verdict (allow / the rules' verdict)
  --hang                log the request, then never answer
  --garbage             answer with bytes that are not a frame
  --oversized           answer with a VERDICT header announcing 16 MiB
  --bad-decision N      answer VERDICT with IL_T_DECISION = N
  --close               close the connection without answering

Log line fields: kind, hook, layer, program, argv, cwd, path, is_dir, del_op,
rename_from, host, addr, port, udp, pid, ppid, uid, tid, session, agent_id,
answer ("allow", "deny", "hang", ...), error (protocol error text, if any).
The process exits by itself after --max-seconds (default 300).
"""
import argparse
import fnmatch
import json
import os
import signal
import socket
import socketserver
import struct
import sys
import threading
import time

MAGIC = 0x314B4C49
VERSION = 1
MAX_PAYLOAD = 4 * 1024 * 1024
MSG_DECIDE, MSG_RESUME, MSG_PENDING, MSG_VERDICT = 1, 2, 3, 4
MSG_HINTS_GET, MSG_HINTS, T_HINT_MODE = 5, 6, 60
HDR = struct.Struct("=IHHII")
FIELD = struct.Struct("=HHI")

KINDS = {1: "exec", 2: "delete", 3: "connect", 4: "http"}
DEL_OPS = {0: "unlink", 1: "rmdir", 2: "rename_over"}

# tag -> (name, type, repeated)
TAGS = {
    1: ("kind", "u32", False), 2: ("program", "str", False), 3: ("argv", "str", True),
    4: ("cwd", "str", False), 5: ("path", "str", False), 6: ("is_dir", "u32", False),
    7: ("del_op", "u32", False), 8: ("rename_from", "str", False),
    9: ("host", "str", False), 10: ("addr", "str", False), 11: ("port", "u32", False),
    12: ("udp", "u32", False), 13: ("method", "str", False), 14: ("scheme", "str", False),
    15: ("url", "str", False), 16: ("url_path", "str", False), 17: ("query", "str", False),
    18: ("headers", "str", True), 19: ("body_len", "i64", False),
    20: ("url_visible", "u32", False), 21: ("pid", "i32", False), 22: ("ppid", "i32", False),
    23: ("uid", "u32", False), 24: ("session", "str", False), 25: ("agent_id", "str", False),
    26: ("tid", "i32", False), 27: ("layer", "str", False), 28: ("hook", "str", False),
}
T_DECISION, T_REQUEST_ID, T_RULE_ID, T_REASON, T_DEADLINE, T_BANNER, T_MESSAGE = 40, 41, 42, 43, 44, 45, 46
SIZES = {"u32": 4, "i32": 4, "i64": 8}
FMT = {"u32": "=I", "i32": "=i", "i64": "=q"}


class ProtocolError(Exception):
    pass


def decode(payload):
    """Decode a DECIDE payload into a dict; raise ProtocolError."""
    out = {}
    off = 0
    while off < len(payload):
        if len(payload) - off < FIELD.size:
            raise ProtocolError("truncated field header")
        tag, flags, ln = FIELD.unpack_from(payload, off)
        off += FIELD.size
        if ln > len(payload) - off:
            raise ProtocolError("field overruns payload")
        val = payload[off:off + ln]
        off += ln
        if tag not in TAGS:
            continue
        name, typ, rep = TAGS[tag]
        if typ == "str":
            if b"\0" in val:
                raise ProtocolError("NUL in string field %s" % name)
            v = val.decode("utf-8", "surrogateescape")
        else:
            if ln != SIZES[typ]:
                raise ProtocolError("field %s has size %d" % (name, ln))
            v = struct.unpack(FMT[typ], val)[0]
        if rep:
            out.setdefault(name, []).append(v)
        elif name in out:
            raise ProtocolError("repeated field %s" % name)
        else:
            out[name] = v
    if "kind" in out:
        out["kind"] = KINDS.get(out["kind"], out["kind"])
    if "del_op" in out:
        out["del_op"] = DEL_OPS.get(out["del_op"], out["del_op"])
    for b in ("is_dir", "udp", "url_visible"):
        if b in out:
            out[b] = bool(out[b])
    return out


def field(tag, value):
    if isinstance(value, int):
        value = struct.pack("=I", value)
    elif isinstance(value, str):
        value = value.encode()
    return FIELD.pack(tag, 0, len(value)) + value


def frame(msg, payload):
    return HDR.pack(MAGIC, VERSION, msg, len(payload), 0) + payload


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


class Fake:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.counter = 0
        self.log = open(args.log, "a", buffering=1)

    def record(self, entry):
        with self.lock:
            self.log.write(json.dumps(entry, sort_keys=True) + "\n")
            self.log.flush()

    def rule_denies(self, a):
        """(rule id, reason) when a deny rule matches, else None."""
        args = self.args
        if args.deny_all:
            return ("deny-all", "everything is denied")
        kind = a.get("kind")
        if kind == "exec":
            prog = a.get("program", "")
            for g in args.deny_program:
                if fnmatch.fnmatchcase(prog, g) or fnmatch.fnmatchcase(os.path.basename(prog), g):
                    return ("deny-program", "program %s matches %s" % (prog, g))
        if kind == "delete":
            for g in args.deny_path_glob:
                if fnmatch.fnmatchcase(a.get("path", ""), g):
                    return ("deny-path", "path matches %s" % g)
        if kind == "connect":
            for g in args.deny_host:
                if a.get("host") and fnmatch.fnmatchcase(a["host"], g):
                    return ("deny-host", "host matches %s" % g)
            if a.get("port") in args.deny_port:
                return ("deny-port", "port %d is closed" % a["port"])
        return None

    def verdict(self, rid, denied):
        p = field(T_REQUEST_ID, rid)
        if denied:
            p += field(T_DECISION, 0) + field(T_RULE_ID, denied[0]) + field(T_REASON, denied[1])
            if self.args.message:
                p += field(T_MESSAGE, self.args.message)
        else:
            p += field(T_DECISION, 1)
        if self.args.banner:
            p += field(T_BANNER, self.args.banner)
        return frame(MSG_VERDICT, p)

    def handle(self, sock):
        args = self.args
        while True:
            raw = read_exact(sock, HDR.size)
            if raw is None:
                return
            magic, ver, typ, ln, _ = HDR.unpack(raw)
            if magic == MAGIC and ver == VERSION and typ == MSG_HINTS_GET and ln == 0:
                # no delete screen: the shim must ask about every delete
                sock.sendall(frame(MSG_HINTS, field(T_HINT_MODE, 0)))
                continue
            entry = {}
            try:
                if magic != MAGIC or ver != VERSION:
                    raise ProtocolError("bad header")
                if typ != MSG_DECIDE:
                    raise ProtocolError("unexpected message %d" % typ)
                if ln > MAX_PAYLOAD:
                    raise ProtocolError("oversized payload")
                payload = read_exact(sock, ln)
                if payload is None:
                    return
                entry = decode(payload)
            except ProtocolError as e:
                entry["error"] = str(e)
                entry["answer"] = "deny"
                self.record(entry)
                sock.sendall(self.verdict("0", ("protocol", str(e))))
                return
            with self.lock:
                self.counter += 1
                rid = "req-%d" % self.counter
            denied = self.rule_denies(entry)
            if args.hang:
                entry["answer"] = "hang"
                self.record(entry)
                while True:
                    time.sleep(3600)
            if args.garbage:
                entry["answer"] = "garbage"
                self.record(entry)
                sock.sendall(b"this is not an interlock frame at all\n" * 4)
                return
            if args.oversized:
                entry["answer"] = "oversized"
                self.record(entry)
                sock.sendall(HDR.pack(MAGIC, VERSION, MSG_VERDICT, 16 << 20, 0))
                return
            if args.close:
                entry["answer"] = "close"
                self.record(entry)
                return
            if args.bad_decision is not None:
                entry["answer"] = "bad-decision"
                self.record(entry)
                p = field(T_REQUEST_ID, rid) + field(T_DECISION, args.bad_decision)
                sock.sendall(frame(MSG_VERDICT, p))
                continue
            pending = args.pending_then_allow or args.pending_then_deny
            if args.pending_then_allow:
                denied = None
            entry["answer"] = ("pending-" if pending else "") + ("deny" if denied else "allow")
            self.record(entry)
            if pending:
                deadline = int(time.time() * 1000) + 60000
                p = field(T_REQUEST_ID, rid) + FIELD.pack(T_DEADLINE, 0, 8) + struct.pack("=q", deadline)
                sock.sendall(frame(MSG_PENDING, p))
                time.sleep(args.pending_delay)
                if args.pending_then_deny and not denied:
                    denied = ("pending-then-deny", "the reviewer said no")
            sock.sendall(self.verdict(rid, denied))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--socket", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--deny-program", action="append", default=[])
    ap.add_argument("--deny-path-glob", action="append", default=[])
    ap.add_argument("--deny-host", action="append", default=[])
    ap.add_argument("--deny-port", action="append", type=int, default=[])
    ap.add_argument("--deny-all", action="store_true")
    ap.add_argument("--message")
    ap.add_argument("--banner")
    ap.add_argument("--pending-then-allow", action="store_true")
    ap.add_argument("--pending-then-deny", action="store_true")
    ap.add_argument("--pending-delay", type=float, default=0.5)
    ap.add_argument("--hang", action="store_true")
    ap.add_argument("--garbage", action="store_true")
    ap.add_argument("--oversized", action="store_true")
    ap.add_argument("--close", action="store_true")
    ap.add_argument("--bad-decision", type=int)
    ap.add_argument("--max-seconds", type=float, default=300)
    args = ap.parse_args()

    fake = Fake(args)

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            try:
                fake.handle(self.request)
            except OSError:
                pass

    class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
        daemon_threads = True

    try:
        os.unlink(args.socket)
    except FileNotFoundError:
        pass
    srv = Server(args.socket, Handler)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    timer = threading.Timer(args.max_seconds, lambda: os._exit(3))
    timer.daemon = True
    timer.start()
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
