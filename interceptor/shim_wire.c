/*
 * shim_wire.c — the shim's side of interceptor/protocol.h: encode one
 * action, send it on a fresh unix-socket connection, wait for the verdict,
 * and turn anything other than an explicit ALLOW into a deny with one
 * line on stderr.
 *
 * The request is streamed with sendmsg (writev semantics plus
 * MSG_NOSIGNAL, so a vanished sidecar cannot kill the host with SIGPIPE)
 * from small batches of iovecs pointing at the caller's own strings: an
 * argv of ARG_MAX size needs no copy and no big buffer. The reply is read
 * into a bounded stack buffer. One connection per request keeps the shim
 * immune to descriptors closed behind its back (close_range, closefrom)
 * and needs no shared state, which a vfork child must not touch.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "shim.h"

#define IL_EMIT_FIELDS 32

/* Per-request context values sent with every action. */
typedef struct {
	int32_t pid, ppid, tid;
	uint32_t uid;
} il_ctx;

/* Two-pass encoder: the counting pass only adds up the payload size (and
 * checks limits), the sending pass batches iovecs and flushes them. */
typedef struct {
	int fd;
	int counting;
	int err;                 /* errno-style failure, 0 when fine */
	uint64_t total;          /* payload bytes (counting pass) */
	struct iovec iov[2 * IL_EMIT_FIELDS + 1];
	size_t niov;
	il_wire_field fh[IL_EMIT_FIELDS];
	uint32_t scalar[IL_EMIT_FIELDS][2];
	size_t nfh;
} il_emit;

/* Send all queued iovecs, coping with partial sends and EINTR. */
static void il_emit_flush(il_emit *e)
{
	struct iovec *v = e->iov;
	size_t n = e->niov;
	while (n > 0 && e->err == 0) {
		struct msghdr mh;
		memset(&mh, 0, sizeof mh);
		mh.msg_iov = v;
		mh.msg_iovlen = n;
		ssize_t w = sendmsg(e->fd, &mh, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			e->err = errno ? errno : EPIPE;
			break;
		}
		size_t left = (size_t)w;
		while (n > 0 && left >= v->iov_len) {
			left -= v->iov_len;
			v++;
			n--;
		}
		if (n > 0 && left > 0) {
			v->iov_base = (char *)v->iov_base + left;
			v->iov_len -= left;
		}
	}
	e->niov = 0;
	e->nfh = 0;
}

static void il_emit_raw(il_emit *e, const void *p, size_t len)
{
	e->iov[e->niov].iov_base = (void *)p;
	e->iov[e->niov].iov_len = len;
	e->niov++;
}

static void il_emit_bytes(il_emit *e, uint16_t tag, const void *p, size_t len)
{
	if (e->err)
		return;
	if (e->counting) {
		if (len > IL_WIRE_MAX_FIELD) {
			e->err = E2BIG;
			return;
		}
		e->total += sizeof(il_wire_field) + len;
		return;
	}
	if (e->nfh == IL_EMIT_FIELDS || e->niov + 2 > IL_ARRAY_N(e->iov))
		il_emit_flush(e);
	il_wire_field *f = &e->fh[e->nfh++];
	f->tag = tag;
	f->flags = 0;
	f->len = (uint32_t)len;
	il_emit_raw(e, f, sizeof *f);
	if (len)
		il_emit_raw(e, p, len);
}

static void il_emit_str(il_emit *e, uint16_t tag, const char *s)
{
	if (s != NULL)
		il_emit_bytes(e, tag, s, strlen(s));
}

/* A 4-byte scalar needs storage that lives until the flush: it is kept in
 * the slot that belongs to its field header. */
static void il_emit_u32(il_emit *e, uint16_t tag, uint32_t v)
{
	if (e->err)
		return;
	if (e->counting) {
		il_emit_bytes(e, tag, NULL, sizeof v);
		return;
	}
	if (e->nfh == IL_EMIT_FIELDS || e->niov + 2 > IL_ARRAY_N(e->iov))
		il_emit_flush(e);
	memcpy(e->scalar[e->nfh], &v, sizeof v);
	il_emit_bytes(e, tag, e->scalar[e->nfh], sizeof v);
}

/* All fields of one DECIDE request, in a fixed order. */
static void il_describe(il_emit *e, const il_req *r, const il_ctx *c)
{
	il_emit_u32(e, IL_T_KIND, (uint32_t)r->kind);
	il_emit_str(e, IL_T_HOOK, r->hook);
	il_emit_str(e, IL_T_LAYER, "preload");
	il_emit_u32(e, IL_T_PID, (uint32_t)c->pid);
	il_emit_u32(e, IL_T_PPID, (uint32_t)c->ppid);
	il_emit_u32(e, IL_T_TID, (uint32_t)c->tid);
	il_emit_u32(e, IL_T_UID, c->uid);
	il_emit_str(e, IL_T_SESSION, il_cfg.session);
	il_emit_str(e, IL_T_AGENT_ID, il_cfg.agent_id);
	il_emit_str(e, IL_T_CWD, r->cwd);
	switch (r->kind) {
	case IL_KIND_EXEC:
		il_emit_str(e, IL_T_PROGRAM, r->program);
		if (r->argc > IL_WIRE_MAX_ARGV) {
			e->err = E2BIG;
			return;
		}
		for (size_t i = 0; i < r->argc && e->err == 0; i++)
			il_emit_str(e, IL_T_ARGV, r->argv[i]);
		break;
	case IL_KIND_DELETE:
		il_emit_str(e, IL_T_PATH, r->path);
		il_emit_u32(e, IL_T_IS_DIR, r->is_dir ? 1u : 0u);
		il_emit_u32(e, IL_T_DEL_OP, (uint32_t)r->del_op);
		il_emit_str(e, IL_T_RENAME_FROM, r->rename_from);
		break;
	case IL_KIND_CONNECT:
		il_emit_str(e, IL_T_HOST, r->host);
		il_emit_str(e, IL_T_ADDR, r->addr);
		il_emit_u32(e, IL_T_PORT, r->port);
		il_emit_u32(e, IL_T_UDP, r->udp ? 1u : 0u);
		break;
	case IL_KIND_HTTP:
		il_emit_str(e, IL_T_HOST, r->host);
		il_emit_str(e, IL_T_ADDR, r->addr);
		il_emit_u32(e, IL_T_PORT, r->port);
		il_emit_str(e, IL_T_METHOD, r->method);
		il_emit_str(e, IL_T_SCHEME, r->scheme);
		il_emit_str(e, IL_T_URL, r->url);
		il_emit_str(e, IL_T_URL_PATH, r->url_path);
		il_emit_str(e, IL_T_QUERY, r->query);
		if (r->nheaders > IL_WIRE_MAX_HEADERS) {
			e->err = E2BIG;
			return;
		}
		for (size_t i = 0; i < r->nheaders && e->err == 0; i++)
			il_emit_str(e, IL_T_HEADER, r->headers[i]);
		if (e->counting) {
			il_emit_bytes(e, IL_T_BODY_LEN, NULL, sizeof(int64_t));
		} else {
			if (e->nfh == IL_EMIT_FIELDS || e->niov + 2 > IL_ARRAY_N(e->iov))
				il_emit_flush(e);
			memcpy(e->scalar[e->nfh], &r->body_len, sizeof(int64_t));
			il_emit_bytes(e, IL_T_BODY_LEN, e->scalar[e->nfh], sizeof(int64_t));
		}
		il_emit_u32(e, IL_T_URL_VISIBLE, r->url_visible ? 1u : 0u);
		break;
	default:
		break;
	}
}

/* Read into buf until it holds at least `need` bytes (reading whatever
 * more is available up to cap, so a whole reply usually takes one read).
 * 0, or -1 on EOF or error. */
static int il_fill(int fd, char *buf, size_t *have, size_t need, size_t cap)
{
	while (*have < need) {
		ssize_t r = read(fd, buf + *have, cap - *have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		*have += (size_t)r;
	}
	return 0;
}

/* Copy a sidecar-supplied string into a message, neutralising control
 * characters so one reply cannot forge extra lines or terminal escapes. */
static void il_sb_put_clean(il_sb *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if ((unsigned char)ch < 0x20 || ch == 0x7f)
			ch = '?';
		il_sb_putn(b, &ch, 1);
	}
}

/* "exec /usr/bin/rm", "delete /tmp/x", "connect 127.0.0.1:80 (localhost)" */
static void il_sb_action(il_sb *b, const il_req *r)
{
	switch (r->kind) {
	case IL_KIND_EXEC:
		il_sb_put(b, "exec ");
		il_sb_put(b, r->program ? r->program : "?");
		break;
	case IL_KIND_DELETE:
		if (r->del_op == IL_DEL_RENAME_OVER) {
			il_sb_put(b, "rename over ");
			il_sb_put(b, r->path ? r->path : "?");
			if (r->rename_from) {
				il_sb_put(b, " from ");
				il_sb_put(b, r->rename_from);
			}
		} else {
			il_sb_put(b, r->del_op == IL_DEL_RMDIR ? "delete directory " : "delete ");
			il_sb_put(b, r->path ? r->path : "?");
		}
		break;
	case IL_KIND_CONNECT:
		il_sb_put(b, r->udp ? "connect udp " : "connect ");
		if (r->addr && strchr(r->addr, ':')) {
			il_sb_put(b, "[");
			il_sb_put(b, r->addr);
			il_sb_put(b, "]");
		} else {
			il_sb_put(b, r->addr ? r->addr : "?");
		}
		il_sb_put(b, ":");
		il_sb_putu(b, r->port);
		if (r->host) {
			il_sb_put(b, " (");
			il_sb_put(b, r->host);
			il_sb_put(b, ")");
		}
		break;
	case IL_KIND_HTTP:
		if (r->url_visible && r->method && r->url) {
			il_sb_put(b, "http ");
			il_sb_put(b, r->method);
			il_sb_put(b, " ");
			il_sb_put(b, r->url);
		} else {
			il_sb_put(b, "http (url not visible) ");
			il_sb_put(b, r->host ? r->host : r->addr ? r->addr : "?");
			il_sb_put(b, ":");
			il_sb_putu(b, r->port);
		}
		break;
	default:
		il_sb_put(b, "action");
		break;
	}
}

/* "interlock: denied <action> (<why>[: <detail>])" with explicit lengths. */
static void il_deny_line_n(const il_req *r, const char *why, size_t whyn,
			   const char *detail, size_t detn)
{
	char buf[IL_MSG_MAX];
	il_sb b = { buf, sizeof buf - 1, 0 };
	buf[0] = '\0';
	il_sb_put(&b, "interlock: denied ");
	il_sb_action(&b, r);
	il_sb_put(&b, " (");
	il_sb_put_clean(&b, why, whyn);
	if (detail) {
		il_sb_put(&b, ": ");
		il_sb_put_clean(&b, detail, detn);
	}
	il_sb_put(&b, ")");
	buf[b.len++] = '\n';
	il_write_fd(2, buf, b.len);
}

void il_deny_line(const il_req *r, const char *why, const char *detail)
{
	il_deny_line_n(r, why, strlen(why), detail, detail ? strlen(detail) : 0);
}

/* Print one sidecar-supplied line (MESSAGE or BANNER) on stderr. */
static void il_print_line(const char *s, size_t n)
{
	char buf[IL_MSG_MAX];
	il_sb b = { buf, sizeof buf - 1, 0 };
	buf[0] = '\0';
	il_sb_put_clean(&b, s, n);
	buf[b.len++] = '\n';
	il_write_fd(2, buf, b.len);
}

typedef struct {
	const char *p;
	size_t n;
} il_span;

/* Fields of one reply. has_decision/decision for VERDICT. */
typedef struct {
	int has_decision;
	uint32_t decision;
	il_span rule, reason, message, banner;
	il_span request_id;      /* PENDING: the id to RESUME after a reconnect */
	int64_t deadline_ms;     /* PENDING: wall-clock deadline (0 unknown) */
} il_verdict;

/*
 * Walk a reply payload. Every field must fit, scalars must have their exact
 * size, strings must hold no NUL. Unknown tags are skipped (forward
 * compatible). Returns 0, or -1 for a malformed payload.
 */
static int il_parse_reply(const char *buf, size_t len, il_verdict *v)
{
	size_t off = 0;
	memset(v, 0, sizeof *v);
	while (off < len) {
		il_wire_field f;
		if (len - off < sizeof f)
			return -1;
		memcpy(&f, buf + off, sizeof f);
		off += sizeof f;
		if (f.len > len - off)
			return -1;
		const char *val = buf + off;
		off += f.len;
		il_span *s = NULL;
		switch (f.tag) {
		case IL_T_DECISION:
			if (f.len != sizeof(uint32_t))
				return -1;
			memcpy(&v->decision, val, sizeof v->decision);
			v->has_decision = 1;
			continue;
		case IL_T_DEADLINE_MS:
			if (f.len != sizeof(int64_t))
				return -1;
			memcpy(&v->deadline_ms, val, sizeof v->deadline_ms);
			continue;
		case IL_T_REQUEST_ID: s = &v->request_id; break;
		case IL_T_RULE_ID: s = &v->rule; break;
		case IL_T_REASON: s = &v->reason; break;
		case IL_T_MESSAGE: s = &v->message; break;
		case IL_T_BANNER: s = &v->banner; break;
		default:
			continue;
		}
		if (memchr(val, '\0', f.len))
			return -1;
		s->p = val;
		s->n = f.len;
	}
	return 0;
}

/* Apply a parsed VERDICT: print banner/deny line, return 1 only on ALLOW. */
static int il_apply_verdict(const il_req *r, const il_verdict *v)
{
	if (v->banner.p)
		il_print_line(v->banner.p, v->banner.n);
	if (!v->has_decision) {
		il_deny_line(r, "malformed sidecar reply", "verdict without decision");
		return 0;
	}
	if (v->decision == IL_WIRE_ALLOW)
		return 1;
	if (v->message.p && v->message.n) {
		il_print_line(v->message.p, v->message.n);
		return 0;
	}
	if (v->decision != IL_WIRE_DENY) {
		char why[64];
		il_sb b = { why, sizeof why, 0 };
		il_sb_put(&b, "unknown sidecar decision ");
		il_sb_putu(&b, v->decision);
		il_deny_line(r, why, NULL);
		return 0;
	}
	char why[512];
	il_sb b = { why, sizeof why, 0 };
	why[0] = '\0';
	il_sb_put(&b, "rule ");
	if (v->rule.p)
		il_sb_putn(&b, v->rule.p, v->rule.n);
	else
		il_sb_put(&b, "?");
	const char *reason = v->reason.p ? v->reason.p : "no reason given";
	size_t rn = v->reason.p ? v->reason.n : strlen(reason);
	il_deny_line_n(r, why, b.len, reason, rn);
	return 0;
}

/* Connect a fresh close-on-exec stream socket to the sidecar, or -1. */
static int il_dial(int *err)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*err = errno;
		return -1;
	}
	struct sockaddr_un sun;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, il_cfg.socket_path, sizeof il_cfg.socket_path);
	int rc;
	do {
		rc = il_real.connect ? il_real.connect(fd, (struct sockaddr *)&sun, sizeof sun)
				     : (errno = ENOSYS, -1);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0 && errno != EISCONN) {
		*err = errno;
		close(fd);
		return -1;
	}
	return fd;
}

/* Send the DECIDE frame; returns 0 or an errno value (E2BIG: too large). */
static int il_send_request(int fd, const il_req *r, const il_ctx *c)
{
	il_emit e;
	memset(&e, 0, sizeof e);
	e.fd = fd;
	e.counting = 1;
	il_describe(&e, r, c);
	if (e.err)
		return e.err;
	if (e.total > IL_WIRE_MAX_PAYLOAD)
		return E2BIG;
	il_wire_hdr h = { IL_WIRE_MAGIC, IL_WIRE_VERSION, IL_MSG_DECIDE,
			  (uint32_t)e.total, 0 };
	e.counting = 0;
	il_emit_raw(&e, &h, sizeof h);
	il_describe(&e, r, c);
	il_emit_flush(&e);
	return e.err;
}

/* How long a shim whose pending request lost its sidecar keeps trying to
 * reach a restarted one (never past the request's deadline + slack). */
#define IL_RECONNECT_MAX_MS 5000
#define IL_RECONNECT_SLACK_MS 1000
#define IL_RESUME_ID_MAX 128

static int64_t il_clock_ms(clockid_t clk)
{
	struct timespec ts;
	if (clock_gettime(clk, &ts) < 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The sidecar went away while our request was pending (a crash or restart
 * of `interlock serve`): reconnect with backoff for up to
 * IL_RECONNECT_MAX_MS (never past the request's deadline plus slack) and
 * send RESUME with the same request id. The new connection takes over the
 * old descriptor number (dup3), so the caller's fd stays valid. Returns 0
 * once RESUME is sent, -1 when no sidecar came back in time (deny). Only
 * async-signal-safe calls: no malloc, no locks (vfork children get here).
 */
static int il_resume(int fd, const char *id, size_t idlen, int64_t deadline_ms)
{
	int64_t stop = il_clock_ms(CLOCK_MONOTONIC) + IL_RECONNECT_MAX_MS;
	if (deadline_ms > 0) {
		int64_t left = deadline_ms + IL_RECONNECT_SLACK_MS - il_clock_ms(CLOCK_REALTIME);
		if (il_clock_ms(CLOCK_MONOTONIC) + left < stop)
			stop = il_clock_ms(CLOCK_MONOTONIC) + left;
	}
	int64_t delay = 50;
	for (;;) {
		int err = 0;
		int nfd = il_dial(&err);
		if (nfd >= 0) {
			il_wire_hdr h = { IL_WIRE_MAGIC, IL_WIRE_VERSION, IL_MSG_RESUME,
					  (uint32_t)(sizeof(il_wire_field) + idlen), 0 };
			il_wire_field f = { IL_T_REQUEST_ID, 0, (uint32_t)idlen };
			struct iovec iov[3] = { { &h, sizeof h }, { &f, sizeof f },
						{ (void *)id, idlen } };
			struct msghdr mh;
			memset(&mh, 0, sizeof mh);
			mh.msg_iov = iov;
			mh.msg_iovlen = 3;
			ssize_t w;
			do {
				w = sendmsg(nfd, &mh, MSG_NOSIGNAL);
			} while (w < 0 && errno == EINTR);
			if (w == (ssize_t)(sizeof h + sizeof f + idlen) &&
			    (nfd == fd ||
			     syscall(SYS_dup3, nfd, fd, O_CLOEXEC) == fd)) {   /* not the dup3 hook */
				if (nfd != fd)
					close(nfd);
				return 0;
			}
			close(nfd);
		}
		int64_t now = il_clock_ms(CLOCK_MONOTONIC);
		if (now + delay > stop)
			return -1;
		struct timespec ts = { (time_t)(delay / 1000), (long)(delay % 1000) * 1000000L };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		delay = delay * 2 > 1000 ? 1000 : delay * 2;
	}
}

/*
 * Wait for the verdict: any number of PENDING replies (the sidecar owns
 * the deadline, so the shim blocks without timeout), then one VERDICT.
 */
static int il_await(int fd, const il_req *r, int *clean, int retry_ok)
{
	char buf[sizeof(il_wire_hdr) + IL_REPLY_MAX];
	size_t have = 0;
	char rid[IL_RESUME_ID_MAX];   /* from PENDING: resumable after a reconnect */
	size_t ridlen = 0;
	int64_t rdeadline = 0;
	int resumes = 0;
	int replies = 0;
	*clean = 0;
	for (;;) {
		il_wire_hdr h;
		if (il_fill(fd, buf, &have, sizeof h, sizeof buf) < 0) {
			if (ridlen && resumes++ < 8 && il_resume(fd, rid, ridlen, rdeadline) == 0) {
				have = 0;
				continue;
			}
			/* a reused connection the sidecar had already closed:
			 * nothing was decided, the caller may ask again */
			if (retry_ok && replies == 0 && have == 0)
				return -1;
			il_deny_line(r, "sidecar connection lost", NULL);
			return 0;
		}
		memcpy(&h, buf, sizeof h);
		if (h.magic != IL_WIRE_MAGIC || h.version != IL_WIRE_VERSION) {
			il_deny_line(r, "malformed sidecar reply", "bad frame header");
			return 0;
		}
		if (h.len > IL_REPLY_MAX) {
			il_deny_line(r, "malformed sidecar reply", "reply too large");
			return 0;
		}
		size_t need = sizeof h + h.len;
		if (il_fill(fd, buf, &have, need, sizeof buf) < 0) {
			if (ridlen && resumes++ < 8 && il_resume(fd, rid, ridlen, rdeadline) == 0) {
				have = 0;
				continue;
			}
			il_deny_line(r, "sidecar connection lost", NULL);
			return 0;
		}
		il_verdict v;
		if (il_parse_reply(buf + sizeof h, h.len, &v) < 0) {
			il_deny_line(r, "malformed sidecar reply", "bad field");
			return 0;
		}
		if (h.type == IL_MSG_VERDICT) {
			/* reusable only when nothing follows the verdict */
			*clean = have == need;
			return il_apply_verdict(r, &v);
		}
		if (h.type != IL_MSG_PENDING) {
			il_deny_line(r, "malformed sidecar reply", "unknown message type");
			return 0;
		}
		if (v.request_id.p && v.request_id.n > 0 && v.request_id.n <= sizeof rid) {
			memcpy(rid, v.request_id.p, v.request_id.n);
			ridlen = v.request_id.n;
			rdeadline = v.deadline_ms;
		}
		memmove(buf, buf + need, have - need);
		have -= need;
		replies++;
	}
}

int il_ask_guarded(const il_req *r, int depth)
{
	if (depth > IL_GUARD_MAX_DEPTH) {
		il_deny_line(r, "interlock shim re-entered too deeply", NULL);
		return 0;
	}
	return il_ask(r);
}

int il_ask(const il_req *r)
{
	if (il_cfg.broken) {
		il_deny_line(r, "interlock shim misconfigured", il_cfg.broken);
		return 0;
	}
	il_ctx c = {
		.pid = (int32_t)getpid(),
		.ppid = (int32_t)getppid(),
		.tid = (int32_t)(r->tid ? r->tid : (pid_t)syscall(SYS_gettid)),
		.uid = (uint32_t)getuid(),
	};
	/* Exec requests always dial afresh (they run in vfork children);
	 * the others reuse this thread's connection (shim_conn.c). */
	pid_t pid = (pid_t)c.pid;
	int cache = r->kind != IL_KIND_EXEC;
	int fd = cache ? il_conn_take(pid) : -1;
	int reused = fd >= 0;
	int err = 0;
	for (;;) {
		if (fd < 0) {
			fd = il_dial(&err);
			if (fd < 0) {
				il_deny_line(r, "sidecar unreachable", il_errstr(err));
				return 0;
			}
			cache = cache && il_conn_cacheable(pid);
			if (cache)
				il_conn_mark_busy(pid);
		}
		int clean = 0, allow = 0;
		err = il_send_request(fd, r, &c);
		if (err && err != E2BIG && reused) {
			/* the idle connection went away (sidecar restarted) */
			il_conn_release(pid, fd, 0);
			fd = -1;
			reused = 0;
			continue;
		}
		if (err == E2BIG)
			il_deny_line(r, "request too large to describe", NULL);
		else if (err)
			il_deny_line(r, "sidecar connection lost", il_errstr(err));
		else
			allow = il_await(fd, r, &clean, reused);
		if (allow < 0) {
			il_conn_release(pid, fd, 0);
			fd = -1;
			reused = 0;
			continue;
		}
		if (cache)
			il_conn_release(pid, fd, clean);
		else
			close(fd);
		return allow;
	}
}

/*
 * Ask the sidecar for its delete hints on a fresh connection: sends
 * HINTS_GET, reads one HINTS frame, and leaves its payload (the fields)
 * in buf. 0 and *len, or -1 (unreachable, malformed, larger than cap):
 * the caller then asks about every delete. Not for the exec path.
 */
int il_hints_fetch(char *buf, size_t cap, size_t *len)
{
	int err = 0;
	int fd = il_dial(&err);
	if (fd < 0)
		return -1;
	il_wire_hdr h = { IL_WIRE_MAGIC, IL_WIRE_VERSION, IL_MSG_HINTS_GET, 0, 0 };
	int rc = -1;
	char hb[sizeof h];
	size_t have = 0;
	if (send(fd, &h, sizeof h, MSG_NOSIGNAL) == (ssize_t)sizeof h &&
	    il_fill(fd, hb, &have, sizeof h, sizeof hb) == 0) {
		memcpy(&h, hb, sizeof h);
		if (h.magic == IL_WIRE_MAGIC && h.version == IL_WIRE_VERSION &&
		    h.type == IL_MSG_HINTS && h.len <= cap) {
			size_t got = 0;
			if (il_fill(fd, buf, &got, h.len, h.len) == 0) {
				*len = h.len;
				rc = 0;
			}
		}
	}
	close(fd);
	return rc;
}
