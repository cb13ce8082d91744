#!/usr/bin/env python3
"""http_server.py PORT LOG [CERT KEY] — a local HTTP/1.1 (or HTTPS) test
server on 127.0.0.1 that appends "METHOD PATH BODYLEN" to LOG for every
request it receives, answers "ok", keeps connections alive, and creates
LOG.ready once listening."""
import http.server
import ssl
import sys

log = open(sys.argv[2], 'a', buffering=1)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    disable_nagle_algorithm = True

    def _do(self):
        n = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(n) if n else b''
        log.write('%s %s %d\n' % (self.command, self.path, len(body)))
        out = b'ok\n'
        self.send_response(200)
        self.send_header('Content-Length', str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _do

    def log_message(self, *args):
        pass


srv = http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), Handler)
if len(sys.argv) > 4:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[3], sys.argv[4])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
open(sys.argv[2] + '.ready', 'w').close()
srv.serve_forever()
