/*
 * http_gate.c — the per-connection HTTP/1.x request gate (http_gate.h):
 * find each request head in a stream of writes, ask the sidecar before
 * the first byte of the request leaves the process, follow the body
 * framing to the next head.
 *
 * Holding policy (docs/coverage.md): a write that completes a request head
 * (the common case: clients write the whole head at once) is decided right
 * away and then sent by the real call. A write that leaves the head
 * incomplete is held in the connection's buffer and reported written; the
 * held bytes are sent, before anything else, once the head is complete and
 * allowed (a denied head is never sent). A head longer than
 * IL_HTTP_HEAD_MAX is decided as an opaque request (URL not visible) and
 * the rest of the connection passes. A single write never carries bytes
 * past the next decision point: the real call is limited to the end of the
 * current request, and the short count makes the caller write the rest
 * (short writes are legal on stream sockets and for SSL_write/
 * gnutls_record_send callers, which loop).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "http_gate.h"
#include "shim.h"

static __thread int il_hs_busy __attribute__((tls_model("initial-exec")));

void il_hs_busy_enter(int *saved)
{
	*saved = il_hs_busy;
	il_hs_busy = 1;
}

void il_hs_busy_leave(int saved)
{
	il_hs_busy = saved;
}

/* Is this thread inside the gate already (the shim's own traffic)? */
int il_hs_is_busy(void);
int il_hs_is_busy(void)
{
	return il_hs_busy;
}

void il_hc_reset(il_hconn *c)
{
	c->mode = IL_HC_HEAD;
	c->fresh = 1;
	c->seen_http = 0;
	c->tunnel_after = 0;
	c->held = 0;
	c->pass_left = 0;
	il_http_scan_init(&c->scan);
	memset(&c->body, 0, sizeof c->body);
	c->body.done = 1;
}

/* ---- building the action ------------------------------------------------ */

typedef struct {
	char *p;
	size_t cap, len;
	int full;
} il_scr;

/* Append a NUL-terminated copy of s[0..n) (CR/LF/NUL made spaces); returns
 * the copy, or NULL when the scratch area is full. */
static const char *il_scr_add(il_scr *s, const char *a, size_t n, const char *b, size_t m)
{
	if (s->len + n + m + 1 > s->cap) {
		s->full = 1;
		return NULL;
	}
	char *o = s->p + s->len;
	for (size_t i = 0; i < n + m; i++) {
		char ch = i < n ? a[i] : b[i - n];
		o[i] = (ch == '\r' || ch == '\n' || ch == '\0') ? ' ' : ch;
	}
	o[n + m] = '\0';
	s->len += n + m + 1;
	return o;
}

/* Split "host[:port]" / "[v6]:port"; returns host length, *port or 0. */
static size_t il_split_authority(const char *a, size_t n, unsigned *port)
{
	*port = 0;
	size_t hl = n;
	if (n > 0 && a[0] == '[') {
		const char *e = memchr(a, ']', n);
		if (e == NULL)
			return n;
		hl = (size_t)(e - a) + 1;
	} else {
		const char *colon = memchr(a, ':', n);
		if (colon)
			hl = (size_t)(colon - a);
	}
	if (hl < n && a[hl] == ':') {
		unsigned v = 0;
		size_t i = hl + 1;
		for (; i < n && a[i] >= '0' && a[i] <= '9' && v <= 65535; i++)
			v = v * 10 + (unsigned)(a[i] - '0');
		if (i == n && v <= 65535)
			*port = v;
	}
	return hl;
}

static int il_is_secret_header(const char *buf, il_http_span name)
{
	return il_http_span_eq(buf, name, "authorization") ||
	       il_http_span_eq(buf, name, "proxy-authorization") ||
	       il_http_span_eq(buf, name, "cookie");
}

/* Ask the sidecar with r filled; 1 allow, 0 deny. */
static int il_hs_ask(il_req *r)
{
	int saved;
	il_hs_busy_enter(&saved);
	pid_t tid = (pid_t)syscall(SYS_gettid);
	il_guard guard;
	int depth = il_guard_enter(tid, &guard);
	char cwdbuf[IL_CWD_MAX];
	int rc;
	il_hints_prepare(depth);
	if (il_hints_skip_http(r)) {
		rc = 1;   /* no rule can match this request: no round trip */
	} else {
		r->cwd = il_getcwd(cwdbuf, sizeof cwdbuf);
		r->tid = tid;
		rc = il_ask_guarded(r, depth);
	}
	il_guard_leave(&guard);
	il_hs_busy_leave(saved);
	return rc;
}

int il_hs_ask_opaque(il_hconn *c, const char *hook)
{
	il_req r;
	memset(&r, 0, sizeof r);
	r.kind = IL_KIND_HTTP;
	r.hook = hook;
	r.scheme = c->tls ? "https" : "http";
	r.host = c->host[0] ? c->host : NULL;
	r.addr = c->addr[0] ? c->addr : NULL;
	r.port = c->port ? c->port : (c->tls ? 443u : 80u);
	r.body_len = -1;
	r.url_visible = 0;
	int saved = errno;
	int rc = il_hs_ask(&r);
	errno = saved;
	return rc;
}

/* Decide the request whose head is buf[0..len) (parsed into *q). */
static int il_hs_decide(il_hconn *c, const char *buf, const il_http_req *q, const char *hook)
{
	il_scr s = { c->mem + IL_HTTP_HEAD_MAX, IL_HC_SCRATCH, 0, 0 };
	const char *hdrs[IL_HTTP_MAX_HDRS];
	il_req r;
	memset(&r, 0, sizeof r);
	r.kind = IL_KIND_HTTP;
	r.hook = hook;
	r.url_visible = 1;
	r.scheme = c->tls ? "https" : "http";
	r.addr = c->addr[0] ? c->addr : NULL;
	r.method = il_scr_add(&s, buf + q->method.off, q->method.len, NULL, 0);

	const char *tg = buf + q->target.off;
	size_t tn = q->target.len;
	const char *auth = NULL;    /* authority the URL names */
	size_t an = 0;
	const char *path = NULL;    /* path[?query] part of the target */
	size_t pn = 0;
	const char *sep = tn > 3 ? memmem(tg, tn, "://", 3) : NULL;
	if (tg[0] != '/' && sep != NULL) {
		/* absolute-form (requests through a proxy) */
		size_t sl = (size_t)(sep - tg);
		r.scheme = il_scr_add(&s, tg, sl, NULL, 0);
		auth = sep + 3;
		size_t rest = tn - sl - 3;
		const char *slash = memchr(auth, '/', rest);
		an = slash ? (size_t)(slash - auth) : rest;
		const char *at = memchr(auth, '@', an);  /* drop userinfo */
		if (at) {
			an -= (size_t)(at + 1 - auth);
			auth = at + 1;
		}
		path = slash ? slash : "/";
		pn = slash ? rest - (size_t)(slash - (sep + 3)) : 1;
	} else if (il_http_span_eq(buf, q->method, "CONNECT")) {
		auth = tg;
		an = tn;
	} else {
		if (q->host.len) {
			auth = buf + q->host.off;
			an = q->host.len;
		}
		path = tg;
		pn = tn;
	}
	unsigned aport = 0;
	size_t hl = auth ? il_split_authority(auth, an, &aport) : 0;
	if (auth && hl > 0)
		r.host = il_scr_add(&s, auth, hl, NULL, 0);
	else if (c->host[0])
		r.host = c->host;
	else
		r.host = r.addr;
	r.port = c->port ? c->port : aport ? aport : (c->tls ? 443u : 80u);
	if (sep != NULL && tg[0] != '/' && aport)
		r.port = aport;

	if (path) {
		size_t plen = pn;
		const char *qm = memchr(path, '?', pn);
		const char *hash = memchr(path, '#', pn);
		if (hash)
			plen = (size_t)(hash - path);
		size_t only = qm && (!hash || qm < hash) ? (size_t)(qm - path) : plen;
		r.url_path = il_scr_add(&s, path, only, NULL, 0);
		if (qm && (!hash || qm < hash))
			r.query = il_scr_add(&s, qm + 1, plen - only - 1, NULL, 0);
	}
	/* url: scheme://host[:port]path */
	char portbuf[16] = "";
	unsigned dflt = strcmp(r.scheme ? r.scheme : "", "https") == 0 ? 443u : 80u;
	if (r.port && r.port != dflt) {
		il_sb pb = { portbuf, sizeof portbuf - 1, 0 };
		il_sb_put(&pb, ":");
		il_sb_putu(&pb, r.port);
		portbuf[pb.len] = '\0';
	}
	{
		char head[IL_HC_HOST_MAX + 64];
		il_sb hb = { head, sizeof head - 1, 0 };
		il_sb_put(&hb, r.scheme ? r.scheme : "http");
		il_sb_put(&hb, "://");
		il_sb_put(&hb, r.host ? r.host : "");
		il_sb_put(&hb, portbuf);
		head[hb.len] = '\0';
		size_t ul = path ? pn : 0;
		if (path && memchr(path, '#', pn))
			ul = (size_t)((const char *)memchr(path, '#', pn) - path);
		r.url = il_scr_add(&s, head, hb.len, path ? path : "", ul);
	}
	size_t nh = 0;
	for (unsigned i = 0; i < q->nhdrs; i++) {
		il_http_span nm = q->hdr_name[i], v = q->hdr_value[i];
		char pre[160];
		if (nm.len + 3 > sizeof pre)
			continue;
		memcpy(pre, buf + nm.off, nm.len);
		memcpy(pre + nm.len, ": ", 2);
		const char *val = buf + v.off;
		size_t vl = v.len;
		if (il_is_secret_header(buf, nm)) {
			/* keep the auth scheme ("Bearer"), never the credential */
			size_t w = 0;
			while (w < vl && val[w] != ' ')
				w++;
			if (il_http_span_eq(buf, nm, "cookie"))
				w = 0;
			memcpy(pre + nm.len + 2, val, w < 32 ? w : 32);
			size_t pl = nm.len + 2 + (w < 32 ? w : 32);
			hdrs[nh] = il_scr_add(&s, pre, pl, w ? " [redacted]" : "[redacted]",
					      w ? 11 : 10);
		} else {
			hdrs[nh] = il_scr_add(&s, pre, nm.len + 2, val, vl);
		}
		if (hdrs[nh])
			nh++;
	}
	r.headers = hdrs;
	r.nheaders = nh;
	r.body_len = q->body == IL_HTTP_BODY_LENGTH ? (int64_t)q->content_length
		     : q->body == IL_HTTP_BODY_NONE ? 0 : -1;
	if (r.method == NULL || r.url == NULL || s.full) {
		/* could not describe it whole: decide what is certain */
		return il_hs_ask_opaque(c, hook);
	}
	int saved = errno;
	int rc = il_hs_ask(&r);
	errno = saved;
	return rc;
}

/* ---- stream bookkeeping ------------------------------------------------- */

/* Copy n bytes from offset off of the caller's data into dst. */
static void il_io_copy(const il_hs_io *io, size_t off, char *dst, size_t n)
{
	for (int i = 0; i < io->iovcnt && n > 0; i++) {
		size_t l = io->iov[i].iov_len;
		if (off >= l) {
			off -= l;
			continue;
		}
		size_t k = l - off < n ? l - off : n;
		memcpy(dst, (const char *)io->iov[i].iov_base + off, k);
		dst += k;
		n -= k;
		off = 0;
	}
}

/* Run bytes [off, off+n) of the call through the framing of the current
 * request (head remainder first). With `commit` 0 it only measures.
 * Returns how many belong to the current request. */
static size_t il_hs_frame(il_hconn *c, const il_hs_io *io, size_t off, size_t n, int commit)
{
	uint64_t pl = c->pass_left;
	il_http_body b = c->body;
	size_t used = 0;
	int stop = 0;
	for (int i = 0; i < io->iovcnt && used < n && !stop; i++) {
		size_t l = io->iov[i].iov_len;
		if (off >= l) {
			off -= l;
			continue;
		}
		const char *p = (const char *)io->iov[i].iov_base + off;
		size_t k = l - off < n - used ? l - off : n - used;
		off = 0;
		size_t j = 0;
		if (pl > 0) {
			j = (uint64_t)k < pl ? k : (size_t)pl;
			pl -= j;
		}
		if (pl == 0 && j < k) {
			if (!b.done && !b.broken)
				j += il_http_body_feed(&b, p + j, k - j);
			stop = j < k;
		}
		used += j;
	}
	if (commit) {
		c->pass_left = pl;
		c->body = b;
		if (pl == 0 && (b.done || b.broken))
			c->mode = c->tunnel_after && !b.broken ? IL_HC_PASS : IL_HC_HEAD;
	}
	return used;
}

/* The real call on [off, off+k) of the call, framing advanced by what was
 * sent. off > 0 means off bytes were already consumed (held+flushed). */
static long il_hs_send_body(il_hconn *c, il_hs_io *io, size_t off, il_hs_how *how)
{
	size_t k = il_hs_frame(c, io, off, io->total - off, 0);
	if (k == 0 && off > 0) {
		*how = IL_HS_COUNT;
		return (long)off;
	}
	size_t sent = 0;
	long raw = io->pass(io, off, k, &sent);
	if (sent > 0)
		(void)il_hs_frame(c, io, off, sent, 1);
	if (off == 0) {
		*how = IL_HS_RAW;
		return raw;
	}
	*how = IL_HS_COUNT;
	return (long)(off + sent);
}

/* A denied request: the connection is shut down so nothing of it leaks. */
static long il_hs_deny(il_hconn *c, il_hs_how *how)
{
	c->mode = IL_HC_DENIED;
	c->held = 0;
	if (c->fd >= 0)
		shutdown(c->fd, SHUT_RDWR);
	*how = IL_HS_DENY;
	errno = EACCES;
	return -1;
}

/* Flush held head bytes; then the call continues at `off`. */
static int il_hs_flush_held(il_hconn *c, il_hs_io *io, size_t n)
{
	if (n == 0)
		return 0;
	int rc = io->flush(io, c->mem, n);
	c->held = 0;
	return rc;
}

long il_hs_write(il_hconn *c, il_hs_io *io, il_hs_how *how)
{
	*how = IL_HS_RAW;
	if (io->total == 0 || c->mode == IL_HC_PASS || c->mode == IL_HC_CIPHER) {
		size_t sent;
		return io->pass(io, 0, io->total, &sent);
	}
	if (c->mode == IL_HC_DENIED) {
		*how = IL_HS_DENY;
		errno = EACCES;
		return -1;
	}
	if (c->mode == IL_HC_BODY && c->pass_left == 0 && (c->body.done || c->body.broken))
		c->mode = c->tunnel_after && !c->body.broken ? IL_HC_PASS : IL_HC_HEAD;
	if (c->mode == IL_HC_PASS) {
		size_t sent;
		return io->pass(io, 0, io->total, &sent);
	}
	if (c->mode == IL_HC_BODY)
		return il_hs_send_body(c, io, 0, how);

	/* IL_HC_HEAD */
	if (c->held == 0 && c->fresh && !c->tls && c->fd >= 0) {
		char first[3];
		size_t fn = io->total < 3 ? io->total : 3;
		il_io_copy(io, 0, first, fn);
		if (il_tls_is_hello(first, fn)) {
			/* TLS on this socket: its plaintext is gated by the TLS
			 * hooks when the library is one the shim hooks; else it
			 * is opaque and decided here, by host (SNI) */
			c->fresh = 0;
			c->mode = IL_HC_CIPHER;
			if (!il_tls_hooks_loaded()) {
				char *hello = c->mem;
				size_t hn = io->total < IL_HTTP_HEAD_MAX ? io->total : IL_HTTP_HEAD_MAX;
				il_io_copy(io, 0, hello, hn);
				char sni[IL_HC_HOST_MAX];
				if (il_tls_sni(hello, hn, sni, sizeof sni) == 0)
					memcpy(c->host, sni, strlen(sni) + 1);
				c->tls = 1;
				if (!il_hs_ask_opaque(c, "tls (opaque)"))
					return il_hs_deny(c, how);
			}
			size_t sent;
			return io->pass(io, 0, io->total, &sent);
		}
	}
	size_t room = IL_HTTP_HEAD_MAX - c->held;
	size_t m = io->total < room ? io->total : room;
	il_io_copy(io, 0, c->mem + c->held, m);
	size_t have = c->held + m;
	int rc = il_http_scan_feed(&c->scan, c->mem, have);
	if (rc == IL_HTTP_MORE && have < IL_HTTP_HEAD_MAX) {
		c->held = have;
		*how = IL_HS_COUNT;
		return (long)io->total;
	}
	size_t prev = c->held;
	if (rc == IL_HTTP_BAD || rc == IL_HTTP_MORE) {
		/* not an HTTP request head (or one over the bound) */
		c->fresh = 0;
		if (c->seen_http || rc == IL_HTTP_MORE) {
			if (!il_hs_ask_opaque(c, c->tls ? "SSL_write" : "send"))
				return il_hs_deny(c, how);
		}
		c->mode = IL_HC_PASS;
		if (prev > 0) {
			if (il_hs_flush_held(c, io, prev) < 0) {
				*how = IL_HS_ERROR;
				return -1;
			}
			size_t sent = 0;
			return io->pass(io, 0, io->total, &sent);
		}
		size_t sent;
		return io->pass(io, 0, io->total, &sent);
	}

	/* a complete head: c->mem[0..end) */
	size_t end = c->scan.end;
	il_http_req qq;
	if (il_http_parse_head(c->mem, end, &qq) != 0) {
		if (!il_hs_ask_opaque(c, c->tls ? "SSL_write" : "send"))
			return il_hs_deny(c, how);
		c->mode = IL_HC_PASS;
	} else {
		int allow;
		if (qq.version >= 20) {
			allow = il_hs_ask_opaque(c, c->tls ? "SSL_write" : "send");
			qq.upgrade = 1;
		} else {
			allow = il_hs_decide(c, c->mem, &qq, c->tls ? "SSL_write" : "send");
		}
		if (!allow)
			return il_hs_deny(c, how);
		c->seen_http = 1;
		c->fresh = 0;
		c->tunnel_after = qq.upgrade || qq.version >= 20;
		if (qq.body == IL_HTTP_BODY_UNKNOWN) {
			/* framing cannot be followed: what follows the head is
			 * treated as the next head attempt (fail closed) */
			il_http_req none = qq;
			none.body = IL_HTTP_BODY_NONE;
			il_http_body_init(&c->body, &none);
		} else {
			il_http_body_init(&c->body, &qq);
		}
		if (qq.version >= 20)
			c->mode = IL_HC_PASS;
		else
			c->mode = IL_HC_BODY;
	}
	il_http_scan_init(&c->scan);
	if (prev > 0) {
		/* held bytes and the head's rest in this call: send them first */
		size_t from_call = end > prev ? end - prev : 0;
		if (il_hs_flush_held(c, io, end) < 0) {
			*how = IL_HS_ERROR;
			return -1;
		}
		if (c->mode == IL_HC_PASS) {
			size_t sent = 0;
			if (from_call < io->total)
				(void)io->pass(io, from_call, io->total - from_call, &sent);
			*how = IL_HS_COUNT;
			return (long)(from_call + sent);
		}
		c->pass_left = 0;
		if (c->body.done)
			c->mode = c->tunnel_after ? IL_HC_PASS : IL_HC_HEAD;
		if (c->mode != IL_HC_BODY) {
			*how = IL_HS_COUNT;
			return (long)from_call;
		}
		return il_hs_send_body(c, io, from_call, how);
	}
	if (c->mode == IL_HC_PASS) {
		size_t sent;
		return io->pass(io, 0, io->total, &sent);
	}
	c->pass_left = end;
	return il_hs_send_body(c, io, 0, how);
}
