#!/usr/bin/env python3
"""sink.py -- a test HTTP server on 127.0.0.1 that records what reaches it.

    python3 sink.py --log FILE --port N [--port N]... [--ready FILE]

Listens on every --port (all on 127.0.0.1) and appends one JSON line per
request to --log: {"port", "method", "path", "body"}; answers 200 with a
small JSON body. The agent tests point an agent's HTTP tool at these ports
and count the lines: an allowed request arrives, a denied or timed-out one
never does, an approved one arrives exactly once. --ready is written once
every port is bound. Exits on SIGTERM.
"""
import argparse
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 1 << 20
_lock = threading.Lock()


def make_handler(log_path):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _record(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(max(n, 0), MAX_BODY)) if n > 0 else b""
            rec = {"port": self.server.server_address[1], "method": self.command,
                   "path": self.path, "body": body.decode("utf-8", "replace")}
            with _lock, open(log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec) + "\n")
                f.flush()
                os.fsync(f.fileno())
            out = json.dumps({"ok": True, "received": self.command + " " + self.path}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _record

        def log_message(self, *args):
            pass

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--port", type=int, action="append", required=True)
    ap.add_argument("--ready")
    a = ap.parse_args()
    servers = []
    for p in a.port:
        try:
            s = ThreadingHTTPServer(("127.0.0.1", p), make_handler(a.log))
        except OSError as e:
            sys.exit(f"sink: cannot listen on 127.0.0.1:{p}: {e}")
        s.daemon_threads = True
        servers.append(s)
        threading.Thread(target=s.serve_forever, daemon=True).start()
    open(a.log, "a").close()
    if a.ready:
        with open(a.ready, "w") as f:
            f.write(" ".join(str(s.server_address[1]) for s in servers) + "\n")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    threading.Event().wait()


if __name__ == "__main__":
    main()
