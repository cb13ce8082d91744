#!/usr/bin/env python3
"""http_client.py MODE ... — the Python clients of the http_*.sh tests.

  urllib METHOD URL [CAFILE]        one request with urllib.request
  keepalive HOSTPORT TLS CAFILE P1 M2 P2
                                    http.client: GET P1 then M2 P2 on one
                                    connection (TLS when TLS=1)
  bench HOSTPORT CAFILE N BODYLEN   N POSTs (or GETs for BODYLEN 0) on one
                                    keep-alive HTTPS connection
Prints "status N" per response or "ERR <exception>"; exit 0 unless usage."""
import http.client
import ssl
import sys
import urllib.request


def ctx_for(cafile):
    return ssl.create_default_context(cafile=cafile) if cafile else None


mode = sys.argv[1]
if mode == 'urllib':
    method, url = sys.argv[2], sys.argv[3]
    cafile = sys.argv[4] if len(sys.argv) > 4 else None
    data = b'amount=100' if method in ('POST', 'PUT') else None
    try:
        r = urllib.request.urlopen(urllib.request.Request(url, data=data, method=method),
                                   context=ctx_for(cafile), timeout=60)
        print('status', r.status)
    except Exception as e:  # noqa: BLE001 - the test reads the message
        print('ERR', repr(e))
elif mode == 'keepalive':
    hostport, tls, cafile, p1, m2, p2 = sys.argv[2:8]
    host, port = hostport.rsplit(':', 1)
    if tls == '1':
        c = http.client.HTTPSConnection(host, int(port), context=ctx_for(cafile), timeout=60)
    else:
        c = http.client.HTTPConnection(host, int(port), timeout=60)
    for method, path in (('GET', p1), (m2, p2)):
        try:
            c.request(method, path)
            r = c.getresponse()
            r.read()
            print('status', r.status)
        except Exception as e:  # noqa: BLE001
            print('ERR', repr(e))
elif mode == 'bench':
    hostport, cafile, n, blen = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    host, port = hostport.rsplit(':', 1)
    c = http.client.HTTPSConnection(host, int(port), context=ctx_for(cafile), timeout=60)
    body = b'x' * blen
    for i in range(n):
        if blen:
            c.request('POST', '/bench/%d' % i, body=body)
        else:
            c.request('GET', '/bench/%d' % i)
        r = c.getresponse()
        r.read()
        if r.status != 200:
            print('status', r.status)
            sys.exit(1)
    print('done', n)
else:
    sys.exit('usage: http_client.py urllib|keepalive|bench ...')
