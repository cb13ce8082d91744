"""ilwire.py — a minimal client of the shim<->sidecar wire protocol
(interceptor/protocol.h) for tests that play a misbehaving or flooding
shim: encode DECIDE/RESUME frames, read PENDING/VERDICT replies.

    import sys; sys.path.insert(0, HELPERS_DIR); import ilwire
    s = ilwire.connect(path)
    s.sendall(ilwire.decide_exec("/usr/bin/touch", ["touch", "/x"], cwd="/"))
    typ, fields = ilwire.read_frame(s)       # fields: {tag: [bytes, ...]}
"""
import socket
import struct

MAGIC = 0x314B4C49
VERSION = 1
HDR = struct.Struct("=IHHII")
FLD = struct.Struct("=HHI")

MSG_DECIDE, MSG_RESUME, MSG_PENDING, MSG_VERDICT = 1, 2, 3, 4
T_KIND, T_PROGRAM, T_ARGV, T_CWD, T_PATH = 1, 2, 3, 4, 5
T_DEL_OP = 7
T_PID, T_PPID, T_SESSION, T_AGENT_ID = 21, 22, 24, 25
T_DECISION, T_REQUEST_ID, T_RULE_ID, T_REASON, T_DEADLINE_MS = 40, 41, 42, 43, 44
T_MESSAGE = 46
KIND_EXEC, KIND_DELETE = 1, 2
ALLOW, DENY = 1, 0


def field(tag, value):
    if isinstance(value, str):
        value = value.encode()
    return FLD.pack(tag, 0, len(value)) + value


def u32(tag, v):
    return field(tag, struct.pack("=I", v))


def i32(tag, v):
    return field(tag, struct.pack("=i", v))


def frame(typ, payload):
    return HDR.pack(MAGIC, VERSION, typ, len(payload), 0) + payload


def decide_exec(program, argv, cwd="/", session=None, pid=None):
    p = u32(T_KIND, KIND_EXEC) + field(T_PROGRAM, program)
    for a in argv:
        p += field(T_ARGV, a)
    p += field(T_CWD, cwd)
    if session:
        p += field(T_SESSION, session)
    if pid is not None:
        p += i32(T_PID, pid)
    return frame(MSG_DECIDE, p)


def decide_delete(path, cwd="/", session=None):
    p = u32(T_KIND, KIND_DELETE) + field(T_PATH, path) + u32(T_DEL_OP, 0) + field(T_CWD, cwd)
    if session:
        p += field(T_SESSION, session)
    return frame(MSG_DECIDE, p)


def resume(request_id):
    return frame(MSG_RESUME, field(T_REQUEST_ID, request_id))


def connect(path, timeout=30.0):
    """A blocking connect (a full listen backlog makes a Unix connect wait,
    not fail), then `timeout` for the replies."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(timeout)
    return s


def _recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError("connection closed")
        b += c
    return b


def read_frame(s):
    """(type, {tag: [bytes...]}) of the next frame; EOFError on close."""
    magic, ver, typ, ln, _ = HDR.unpack(_recv_exact(s, HDR.size))
    if magic != MAGIC or ver != VERSION:
        raise ValueError("bad frame from the sidecar")
    body = _recv_exact(s, ln)
    fields, i = {}, 0
    while i + FLD.size <= len(body):
        tag, _, l = FLD.unpack_from(body, i)
        fields.setdefault(tag, []).append(body[i + FLD.size:i + FLD.size + l])
        i += FLD.size + l
    return typ, fields


def read_verdict(s):
    """Skip PENDING; return (decision, reason, request_id) of the VERDICT."""
    while True:
        typ, f = read_frame(s)
        if typ == MSG_PENDING:
            continue
        if typ != MSG_VERDICT:
            raise ValueError("unexpected frame type %d" % typ)
        dec = struct.unpack("=I", f[T_DECISION][0])[0] if T_DECISION in f else DENY
        reason = f.get(T_REASON, [b""])[0].decode(errors="replace")
        rid = f.get(T_REQUEST_ID, [b""])[0].decode(errors="replace")
        return dec, reason, rid


def read_pending_or_verdict(s):
    """('pending', id) or ('verdict', (decision, reason, id))."""
    typ, f = read_frame(s)
    if typ == MSG_PENDING:
        return "pending", f.get(T_REQUEST_ID, [b""])[0].decode()
    if typ == MSG_VERDICT:
        dec = struct.unpack("=I", f[T_DECISION][0])[0] if T_DECISION in f else DENY
        return "verdict", (dec, f.get(T_REASON, [b""])[0].decode(errors="replace"),
                           f.get(T_REQUEST_ID, [b""])[0].decode())
    raise ValueError("unexpected frame type %d" % typ)
