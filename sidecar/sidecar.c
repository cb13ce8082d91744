/*
 * sidecar.c — sockets, connections and the decision pipeline of the
 * sidecar (see sidecar.h; pending requests live in request.c, the control
 * socket in control_server.c).
 */
#include "sidecar_int.h"
#include "control.h"
#include "describe.h"
#include "hints_frame.h"
#include "rundir.h"
#include "seccomp_cache.h"   /* shim verdicts for the seccomp supervisor */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Per-peer fairness (docs/threat-model.md, "Flooding the sidecar"). A
 * process holding more than IL_MAX_CONNS_PER_PID agent connections has its
 * requests denied; past twice that, new connections are closed unanswered
 * (the shim denies on EOF). At most IL_MAX_PENDING_PER_PID requests of one
 * process and IL_MAX_PENDING_PER_SESSION of one session wait for a human at
 * once; more are denied at once and audited (decided_by "limit"). */
#define IL_MAX_CONNS_PER_PID 512
#define IL_MAX_PENDING_PER_PID 256
#define IL_MAX_PENDING_PER_SESSION 4096

const char *il_user_name(uid_t uid, char *buf, size_t n)
{
	struct passwd pw, *res = NULL;
	char tmp[2048];
	if (getpwuid_r(uid, &pw, tmp, sizeof tmp, &res) == 0 && res && res->pw_name)
		snprintf(buf, n, "%s", res->pw_name);
	else
		snprintf(buf, n, "uid %u", (unsigned)uid);
	return buf;
}

char *il_sc_message(const char *verb, const char *summary, const char *why)
{
	char *m = NULL;
	if (asprintf(&m, "interlock: %s %s (%s)", verb, summary, why) < 0)
		return NULL;
	return m;
}

int il_sc_audit(il_sidecar *sc, const il_audit_record *r, char *err, size_t n)
{
	if (!sc->o.audit)
		return 0;
	il_audit_record rec = *r;
	if (!rec.policy_version && sc->o.policy)
		rec.policy_version = il_policy_version(sc->o.policy);
	if (!rec.session)
		rec.session = sc->session;
	if (!rec.agent_id)
		rec.agent_id = sc->agent_id;
	return il_audit_append(sc->o.audit, &rec, err, n);
}

void il_sc_report_break_glass_use(il_sidecar *sc, const char *id, const il_action *a,
                                  const il_verdict *v)
{
	const char *rules[IL_MAX_MATCHES];
	size_t nr = 0;
	for (size_t i = 0; i < v->nmatched && i < IL_MAX_MATCHES; i++)
		rules[nr++] = v->matched[i].rule->id;
	il_approver_event ev = { .type = "break_glass_used", .request_id = id, .action = a,
	                         .by = sc->bg.opened_by, .reason = sc->bg.reason,
	                         .rules = rules, .nrules = nr };
	il_approver_event_report(sc->approver, &ev);
}

/* ---- sockets ---- */

/* Bind and listen on path (a stale socket nobody answers on is replaced;
 * anything else at that path is refused). fd or -1 + err. */
static int listen_unix(const char *path, unsigned mode, char *err, size_t n)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path) {
		snprintf(err, n, "%s: socket path too long", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, n, "%s: exists and is not a socket", path);
			return -1;
		}
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0) {
			close(probe);
			snprintf(err, n, "%s: another sidecar is listening there", path);
			return -1;
		}
		if (probe >= 0)
			close(probe);
		unlink(path);
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, n, "socket: %s", strerror(errno));
		return -1;
	}
	mode_t old = umask(0177);
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (rc < 0 || chmod(path, mode) < 0 || listen(fd, 1024) < 0) {
		snprintf(err, n, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static bool uid_allowed(const il_sidecar *sc, uid_t uid)
{
	if (uid == getuid())
		return true;
	for (size_t i = 0; i < sc->o.nallow_uids; i++)
		if (sc->o.allow_uids[i] == uid)
			return true;
	return false;
}

static void conn_event(il_loop *l, int fd, uint32_t events, void *arg);

/* Input buffer bytes beyond the first IL_IDLE_INPUT_KEEP of each
 * connection, held by all connections together. A connection whose partial
 * frame would take that total past IL_MAX_INPUT_BUFFERED is ended with a
 * protocol error (its request denied), so half-sent 4 MiB frames on many
 * connections cannot exhaust the sidecar's memory, while ordinary requests
 * (well under 64 KiB) never compete for it. Idle connections give large
 * buffers back. */
#define IL_MAX_INPUT_BUFFERED (256u * 1024u * 1024u)
#define IL_IDLE_INPUT_KEEP (64u * 1024u)
static size_t input_buffered;

static size_t input_counted(size_t cap)
{
	return cap > IL_IDLE_INPUT_KEEP ? cap - IL_IDLE_INPUT_KEEP : 0;
}

static void conn_release_input(il_conn *c)
{
	size_t n = input_counted(c->incap);
	input_buffered -= n <= input_buffered ? n : input_buffered;
	free(c->in);
	c->in = NULL;
	c->inlen = c->incap = 0;
}

/* Agent connections open from peer process pid (the sidecar's own
 * in-process connections, the seccomp supervisor's, are not counted). */
static size_t conns_of_pid(const il_sidecar *sc, pid_t pid)
{
	size_t n = 0;
	if (pid == sc->self_pid)
		return 0;
	for (const il_conn *c = sc->conns; c; c = c->next)
		if (!c->is_ctl && c->pid == pid)
			n++;
	return n;
}

/* A descriptor kept in reserve: when accept fails with EMFILE/ENFILE it is
 * released to accept and close the waiting connection (the shim denies on
 * EOF), so the listening socket does not stay readable forever. */
static int spare_fd = -1;

static void shed_connection(int lfd)
{
	if (spare_fd >= 0) {
		close(spare_fd);
		spare_fd = -1;
	}
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		close(fd);
	spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void accept_cb(il_loop *l, int lfd, uint32_t events, void *arg, bool is_ctl)
{
	(void)events;
	il_sidecar *sc = arg;
	for (int i = 0; i < 64; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				static int64_t warned;
				int64_t now = il_now_mono_ms();
				if (now - warned > 10000) {
					il_warn("accept: %s (connections are being refused)", strerror(errno));
					warned = now;
				}
				shed_connection(lfd);
			} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				il_warn("accept: %s", strerror(errno));
			}
			return;
		}
		struct ucred cr;
		socklen_t cl = sizeof cr;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) < 0 || !uid_allowed(sc, cr.uid)) {
			/* Not one of ours: close without a word (the shim denies on EOF). */
			close(fd);
			continue;
		}
		if (!is_ctl && conns_of_pid(sc, cr.pid) >= 2 * IL_MAX_CONNS_PER_PID) {
			close(fd);   /* far over its share: not even an answer */
			continue;
		}
		il_conn *c = calloc(1, sizeof *c);
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->sc = sc;
		c->is_ctl = is_ctl;
		c->uid = cr.uid;
		c->pid = cr.pid;
		if (il_loop_add_fd(l, fd, EPOLLIN | EPOLLRDHUP, conn_event, c) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->next = sc->conns;
		if (sc->conns)
			sc->conns->prev = c;
		sc->conns = c;
		sc->nconns++;
	}
}

static void accept_agent(il_loop *l, int fd, uint32_t ev, void *arg) { accept_cb(l, fd, ev, arg, false); }
static void accept_ctl(il_loop *l, int fd, uint32_t ev, void *arg) { accept_cb(l, fd, ev, arg, true); }

void il_conn_close(il_conn *c)
{
	il_sidecar *sc = c->sc;
	if (c->req) {
		il_request *r = c->req;
		c->req = NULL;
		il_request_detach(r, !c->close_after_flush);
	}
	if (c->is_ctl)
		il_ctl_conn_closed(c);
	il_shimcache_forget(c);
	il_loop_del_fd(sc->loop, c->fd);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		sc->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	sc->nconns--;
	conn_release_input(c);
	il_wire_buf_free(&c->out);
	free(c);
}

/* Write as much pending output as the socket takes; 0 ok, -1 closed. */
static int conn_flush(il_conn *c)
{
	while (c->outoff < c->out.len) {
		ssize_t w = send(c->fd, c->out.data + c->outoff, c->out.len - c->outoff, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				il_loop_mod_fd(c->sc->loop, c->fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
				return 0;
			}
			il_conn_close(c);
			return -1;
		}
		c->outoff += (size_t)w;
	}
	c->out.len = 0;
	c->outoff = 0;
	il_loop_mod_fd(c->sc->loop, c->fd, EPOLLIN | EPOLLRDHUP);
	if (c->close_after_flush) {
		il_conn_close(c);
		return -1;
	}
	return 0;
}

/* Queue bytes for c. Does not flush (the caller's event handler does, or
 * the next loop turn via EPOLLOUT). */
static void conn_queue(il_conn *c, const void *data, size_t len)
{
	il_wire_buf *b = &c->out;
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 512;
		while (cap < b->len + len)
			cap *= 2;
		uint8_t *d = realloc(b->data, cap);
		if (!d) {
			c->close_after_flush = true;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	il_loop_mod_fd(c->sc->loop, c->fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
}

void il_conn_send(il_conn *c, const il_wire_buf *frame)
{
	size_t off = 0;
	il_shimcache_note_frame(c, frame->data, frame->len);   /* seccomp: remember shim verdicts */
	/* Fast path: nothing queued, write now (a verdict's latency matters).
	 * Errors are left to the event handler, which sees the hang-up. */
	if (c->out.len == 0 && !c->close_after_flush) {
		ssize_t w = send(c->fd, frame->data, frame->len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0)
			off = (size_t)w;
	}
	if (off < frame->len)
		conn_queue(c, frame->data + off, frame->len - off);
}

/* Send a VERDICT on c. */
static void send_verdict(il_conn *c, il_wire_decision d, const char *id, const char *rule,
                         const char *reason, const char *message, const char *banner)
{
	il_wire_buf b = { 0 };
	if (il_wire_encode_verdict(&b, d, id, rule, reason, message, banner) < 0) {
		il_wire_buf_free(&b);
		c->close_after_flush = true;   /* EOF: the shim denies */
		return;
	}
	il_conn_send(c, &b);
	il_wire_buf_free(&b);
}

/* A protocol error: deny with the reason, then close. */
static void protocol_error(il_conn *c, const char *why)
{
	char reason[300];
	snprintf(reason, sizeof reason, "protocol error: %s", why);
	char *msg = NULL;
	if (asprintf(&msg, "interlock: denied (%s)", reason) < 0)
		msg = NULL;
	send_verdict(c, IL_WIRE_DENY, NULL, NULL, reason, msg, NULL);
	free(msg);
	c->close_after_flush = true;
}

/* "rule ID: description" / "rule ID" / "default decision" for messages. */
static void why_rule(const il_verdict *v, const char *prefix, char *buf, size_t n)
{
	if (v->primary && v->primary->description && *v->primary->description)
		snprintf(buf, n, "%srule %s: %s", prefix, v->primary->id, v->primary->description);
	else if (v->primary)
		snprintf(buf, n, "%srule %s", prefix, v->primary->id);
	else
		snprintf(buf, n, "%sdefault decision", prefix);
}

/* The process a request counts against: the peer (SO_PEERCRED), or, for
 * the sidecar's own in-process connections (the seccomp supervisor), the
 * caller it read from the kernel. */
static pid_t limit_pid(const il_conn *c, const il_action *a)
{
	if (c && c->pid != c->sc->self_pid)
		return c->pid;
	return a->pid;
}

/* NULL when c's peer holds no more connections than its share, else why
 * (into buf): its every request is then denied. */
static const char *over_conn_limit(const il_sidecar *sc, const il_conn *c, char *buf, size_t n)
{
	size_t conns = conns_of_pid(sc, c->pid);
	if (conns <= IL_MAX_CONNS_PER_PID)
		return NULL;
	snprintf(buf, n, "limit: process %d holds %zu connections to the sidecar (at most %d)",
	         (int)c->pid, conns, IL_MAX_CONNS_PER_PID);
	return buf;
}

/* NULL when c may park one more request for a human, else why not (into
 * buf). Bounds what one process or one session can hold in the sidecar. */
static const char *over_limit(const il_sidecar *sc, const il_conn *c, const il_action *a,
                              char *buf, size_t n)
{
	pid_t pid = limit_pid(c, a);
	size_t by_pid = 0, by_session = 0;
	for (const il_request *r = sc->reqs; r; r = r->next) {
		if (r->done)
			continue;
		if (limit_pid(r->conn, &r->msg.action) == pid)
			by_pid++;
		if (r->msg.action.session && a->session && strcmp(r->msg.action.session, a->session) == 0)
			by_session++;
	}
	if (by_pid >= IL_MAX_PENDING_PER_PID) {
		snprintf(buf, n, "limit: process %d already has %zu requests waiting for approval (at most %d)",
		         (int)pid, by_pid, IL_MAX_PENDING_PER_PID);
		return buf;
	}
	if (by_session >= IL_MAX_PENDING_PER_SESSION) {
		snprintf(buf, n, "limit: session %s already has %zu requests waiting for approval (at most %d)",
		         a->session, by_session, IL_MAX_PENDING_PER_SESSION);
		return buf;
	}
	return NULL;
}

/* Record an allow, then answer it. Fail closed: when the record cannot
 * be written the answer is a deny naming why. r NULL: nothing to record.
 * True when the action was allowed. */
static bool allow_recorded(il_conn *c, const il_audit_record *r, const char *id,
                           const char *rule, const char *summary, const char *reason,
                           const char *banner)
{
	char err[512];
	if (r && il_sc_audit(c->sc, r, err, sizeof err) < 0) {
		char *m = il_sc_message("denied", summary, err);
		send_verdict(c, IL_WIRE_DENY, id, rule, err, m, NULL);
		free(m);
		return false;
	}
	send_verdict(c, IL_WIRE_ALLOW, id, rule, reason, NULL, banner);
	return true;
}

/* Record a deny, then answer it with its one-line message. A record that
 * cannot be written is only warned about: the answer is a deny anyway. */
static void deny_recorded(il_conn *c, const il_audit_record *r, const char *id,
                          const char *rule, const char *summary, const char *why)
{
	char err[512];
	if (il_sc_audit(c->sc, r, err, sizeof err) < 0)
		il_warn("%s", err);
	char *m = il_sc_message("denied", summary, why);
	send_verdict(c, IL_WIRE_DENY, id, rule, why, m, NULL);
	free(m);
}

/* Decide an action that arrived on c and answer (or park it). Takes
 * ownership of msg. */
static void handle_decide(il_conn *c, il_wire_message *msg)
{
	il_sidecar *sc = c->sc;
	il_action *a = &msg->action;
	/* Identity comes from the kernel, not from the frame. */
	a->uid = c->uid;
	if (a->pid <= 0)
		a->pid = c->pid;
	if (!a->session)
		a->session = sc->session;
	if (!a->agent_id)
		a->agent_id = sc->agent_id;
	il_shimcache_note_decide(c, a, msg->layer);   /* seccomp: one decision per action */

	il_verdict v;
	il_policy_decide(sc->o.policy, a, &v);
	char *summary = il_action_describe(a);
	if (!summary) {
		protocol_error(c, "out of memory");
		il_wire_message_free(msg);
		return;
	}
	char id[16] = "r-";
	il_random_hex(id + 2, 6);
	const char *rule = v.primary ? v.primary->id : NULL;
	const char *decided_by = v.primary ? "rule" : "default";
	char why[700];
	int64_t now_mono = il_now_mono_ms();

	if (over_conn_limit(sc, c, why, sizeof why))
		goto limited;

	if (sc->o.dry_run && sc->o.dryrun)
		il_dryrun_record(sc->o.dryrun, a, &v);

	if (sc->o.dry_run && v.decision != IL_ALLOW) {
		il_audit_record r = { .request_id = id, .action = a, .verdict = &v,
		                      .decision = v.decision == IL_DENY ? "would_deny" : "would_approve",
		                      .decided_by = "dry-run", .latency_ms = 0 };
		allow_recorded(c, &r, id, rule, summary, "dry-run", NULL);
		goto out;
	}

	if (v.decision == IL_ALLOW) {
		il_audit_record r = { .request_id = id, .action = a, .verdict = &v,
		                      .decision = "allow", .decided_by = decided_by,
		                      .latency_ms = 0 };
		bool record = v.nmatched > 0 || sc->o.audit_allowed;
		allow_recorded(c, record ? &r : NULL, id, rule, summary, NULL, NULL);
		goto out;
	}

	if (sc->bg_open && il_bg_window_covers(&sc->bg, &v, now_mono)) {
		il_audit_record r = { .event = "break_glass_use", .request_id = id, .action = a,
		                      .verdict = &v, .decision = "allow", .decided_by = "break-glass",
		                      .reason = sc->bg.reason, .override_id = sc->bg.id,
		                      .latency_ms = 0 };
		char *banner = NULL;
		if (asprintf(&banner, "interlock: BREAK-GLASS %s allowed %s (reason: %s)",
		             sc->bg.id, summary, sc->bg.reason) < 0)
			banner = NULL;
		if (allow_recorded(c, &r, id, rule, summary, "break-glass", banner))
			il_sc_report_break_glass_use(sc, id, a, &v);
		free(banner);
		goto out;
	}

	/* an approved program's own deletes of what it was approved for */
	const char *grant = il_grants_cover(sc->grants, a, &v, now_mono);
	if (grant) {
		snprintf(why, sizeof why, "covered by approval %s", grant);
		il_audit_record r = { .request_id = id, .action = a, .verdict = &v,
		                      .decision = "allow", .decided_by = "grant",
		                      .reason = why, .latency_ms = 0 };
		allow_recorded(c, &r, id, rule, summary, why, NULL);
		goto out;
	}

	/* a shell retrying a denied program under its next $PATH name */
	const char *again = v.decision == IL_APPROVE ? il_denymemo_check(sc->denied, a, now_mono) : NULL;
	if (again) {
		snprintf(why, sizeof why, "denied moments ago: %s", again);
		il_audit_record r = { .request_id = id, .action = a, .verdict = &v,
		                      .decision = "deny", .decided_by = "repeat",
		                      .reason = why, .latency_ms = 0 };
		deny_recorded(c, &r, id, rule, summary, why);
		goto out;
	}

	if (v.decision == IL_DENY) {
		why_rule(&v, "", why, sizeof why);
		il_denymemo_note(sc->denied, a, why, now_mono);
		il_audit_record r = { .request_id = id, .action = a, .verdict = &v,
		                      .decision = "deny", .decided_by = decided_by,
		                      .reason = why, .latency_ms = 0 };
		deny_recorded(c, &r, id, rule, summary, why);
		goto out;
	}

	/* approve: park it for a human, within this peer's share */
	if (over_limit(sc, c, a, why, sizeof why)) {
limited:;
		il_audit_record r = { .request_id = id, .action = a, .verdict = &v,
		                      .decision = "deny", .decided_by = "limit",
		                      .reason = why, .latency_ms = 0 };
		deny_recorded(c, &r, id, rule, summary, why);
		goto out;
	}
	il_request *req = il_request_new(sc, c, msg, &v, summary);
	if (!req) {
		protocol_error(c, "out of memory");
		goto out;
	}
	memcpy(req->id, id, sizeof id);
	il_request_start(req);
	return;   /* the request owns msg and summary */
out:
	free(summary);
	il_wire_message_free(msg);
}

/*
 * Answer HINTS_GET: the path globs outside which a delete is certainly
 * allowed (il_policy_delete_hints), so the shim need not ask about every
 * file an `rm -rf` removes; the same for execs (program globs) and HTTP
 * requests (per rule: method, host and URL-host globs). Whenever the
 * sidecar must see every action — dry-run (it counts them), auditing every
 * allow — the answer is "ask".
 */
static void send_hints(il_conn *c)
{
	il_sidecar *sc = c->sc;
	il_wire_buf b = { 0 };
	if (il_hints_frame(&b, sc->o.policy, sc->o.dry_run || sc->o.audit_allowed) == 0)
		il_conn_send(c, &b);
	else
		protocol_error(c, "hints too large to send");
	il_wire_buf_free(&b);
}

/* Process every complete frame in c's input buffer. */
static void agent_input(il_conn *c)
{
	size_t off = 0;
	while (c->inlen - off >= IL_WIRE_HDR_SIZE) {
		il_wire_hdr h;
		char err[300];
		if (il_wire_check_header(c->in + off, &h, err, sizeof err) < 0) {
			protocol_error(c, err);
			return;
		}
		if (c->inlen - off - IL_WIRE_HDR_SIZE < h.len)
			break;
		il_wire_message m;
		if (il_wire_decode(&h, c->in + off + IL_WIRE_HDR_SIZE, h.len, &m, err, sizeof err) < 0) {
			protocol_error(c, err);
			return;
		}
		off += IL_WIRE_HDR_SIZE + h.len;
		if (c->req) {
			il_wire_message_free(&m);
			protocol_error(c, "a request arrived while another is pending on this connection");
			return;
		}
		if (m.type == IL_MSG_DECIDE) {
			handle_decide(c, &m);
		} else if (m.type == IL_MSG_HINTS_GET) {
			il_wire_message_free(&m);
			send_hints(c);
		} else if (m.type == IL_MSG_RESUME) {
			il_request *r = il_request_find(c->sc, m.request_id);
			il_wire_message_free(&m);
			if (!r || r->conn || r->msg.action.uid != c->uid || !il_request_peer_matches(r, c)) {
				char msg[200];
				snprintf(msg, sizeof msg, "interlock: denied (request %s is not pending)",
				         r ? r->id : "?");
				send_verdict(c, IL_WIRE_DENY, NULL, NULL, "unknown request id", msg, NULL);
				continue;
			}
			il_request_resume(r, c);
		} else {
			il_wire_message_free(&m);
			protocol_error(c, "unexpected message type from the shim");
			return;
		}
		if (c->close_after_flush)
			return;
	}
	if (off) {
		memmove(c->in, c->in + off, c->inlen - off);
		c->inlen -= off;
	}
}

/* Process every complete line of a control connection. */
static void ctl_input(il_conn *c)
{
	size_t off = 0;
	for (;;) {
		uint8_t *nl = memchr(c->in + off, '\n', c->inlen - off);
		if (!nl)
			break;
		size_t len = (size_t)(nl - (c->in + off));
		*nl = '\0';
		il_ctl_handle_line(c, (const char *)c->in + off, len);
		off += len + 1;
		if (c->close_after_flush)
			break;
	}
	if (off) {
		memmove(c->in, c->in + off, c->inlen - off);
		c->inlen -= off;
	}
}

static void conn_event(il_loop *l, int fd, uint32_t events, void *arg)
{
	(void)l;
	(void)fd;
	il_conn *c = arg;
	if (events & EPOLLOUT) {
		if (conn_flush(c) < 0)
			return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP | EPOLLERR)) {
		size_t limit = c->is_ctl ? IL_CTL_MAX_IN : IL_WIRE_HDR_SIZE + IL_WIRE_MAX_PAYLOAD;
		for (;;) {
			if (c->close_after_flush)
				break;
			if (c->inlen == c->incap) {
				if (c->incap >= limit) {
					if (c->is_ctl)
						c->close_after_flush = true;
					else
						protocol_error(c, "frame too large");
					break;
				}
				size_t cap = c->incap ? c->incap * 2 : 4096;
				if (cap > limit)
					cap = limit;
				size_t more = input_counted(cap) - input_counted(c->incap);
				if (input_buffered + more > IL_MAX_INPUT_BUFFERED) {
					if (c->is_ctl)
						c->close_after_flush = true;
					else
						protocol_error(c, "the sidecar's input buffers are full; try again");
					break;
				}
				uint8_t *in = realloc(c->in, cap);
				if (!in) {
					c->close_after_flush = true;
					break;
				}
				c->in = in;
				input_buffered += more;
				c->incap = cap;
			}
			ssize_t r = recv(c->fd, c->in + c->inlen, c->incap - c->inlen, 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (r <= 0) {
				il_conn_close(c);
				return;
			}
			c->inlen += (size_t)r;
			if (c->is_ctl)
				ctl_input(c);
			else
				agent_input(c);
		}
		if (!c->inlen && c->incap > IL_IDLE_INPUT_KEEP)
			conn_release_input(c);   /* a big frame was handled: give it back */
	}
	if (c->out.len > c->outoff || c->close_after_flush)
		conn_flush(c);
}

il_sidecar *il_sidecar_new(il_loop *loop, const il_sidecar_opts *o, char *err, size_t n)
{
	il_sidecar *sc = calloc(1, sizeof *sc);
	if (!sc) {
		snprintf(err, n, "out of memory");
		return NULL;
	}
	sc->loop = loop;
	sc->o = *o;
	sc->grants = il_grants_new();
	sc->self_pid = getpid();
	sc->denied = il_denymemo_new();
	sc->agent_fd = sc->ctl_fd = -1;
	if (spare_fd < 0)
		spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	sc->session = strdup(o->session ? o->session : "");
	sc->agent_id = o->agent_id ? strdup(o->agent_id) : NULL;
	sc->agent_path = strdup(o->agent_sock);
	sc->ctl_path = strdup(o->ctl_sock);
	if (gethostname(sc->hostname, sizeof sc->hostname - 1) < 0)
		strcpy(sc->hostname, "localhost");
	if (!sc->session || !sc->agent_path || !sc->ctl_path || (o->agent_id && !sc->agent_id)) {
		snprintf(err, n, "out of memory");
		goto fail;
	}
	unsigned mode = o->sock_mode ? o->sock_mode : 0600;
	sc->agent_fd = listen_unix(o->agent_sock, mode, err, n);
	if (sc->agent_fd < 0)
		goto fail;
	sc->ctl_fd = listen_unix(o->ctl_sock, mode, err, n);
	if (sc->ctl_fd < 0)
		goto fail;
	if (il_loop_add_fd(loop, sc->agent_fd, EPOLLIN, accept_agent, sc) < 0 ||
	    il_loop_add_fd(loop, sc->ctl_fd, EPOLLIN, accept_ctl, sc) < 0) {
		snprintf(err, n, "epoll: %s", strerror(errno));
		goto fail;
	}
	if (o->journal_path) {
		/* Requests pending when the previous sidecar died wait for their
		 * shims to RESUME (they are submitted once the approver is set). */
		il_journal_entry *e = NULL;
		size_t ne = 0;
		sc->journal = il_journal_open(o->journal_path, &e, &ne, err, n);
		if (!sc->journal)
			goto fail;
		for (size_t i = 0; i < ne; i++)
			il_request_restore(sc, &e[i]);
		il_journal_entries_free(e, ne);
		if (ne)
			il_warn("restored %zu pending request(s) from %s", ne, o->journal_path);
	}
	return sc;
fail:
	il_sidecar_free(sc);
	return NULL;
}

void il_sidecar_free(il_sidecar *sc)
{
	if (!sc)
		return;
	if (sc->journal)
		il_request_suspend_all(sc);   /* the next sidecar takes them over */
	il_request_shutdown_all(sc, "sidecar shutting down");
	/* Deliver what can be delivered, then close. */
	for (il_conn *c = sc->conns; c; c = c->next) {
		if (c->out.len > c->outoff) {
			int fl = fcntl(c->fd, F_GETFL);
			if (fl >= 0)
				fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
			struct timeval tv = { .tv_sec = 1 };
			setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
			send(c->fd, c->out.data + c->outoff, c->out.len - c->outoff, MSG_NOSIGNAL);
			c->outoff = c->out.len;
		}
	}
	while (sc->conns)
		il_conn_close(sc->conns);
	if (sc->bg_open)
		il_ctl_close_break_glass(sc, "sidecar shutting down");
	if (sc->approver)
		il_approver_free(sc->approver);
	if (sc->agent_fd >= 0) {
		il_loop_del_fd(sc->loop, sc->agent_fd);
		close(sc->agent_fd);
		unlink(sc->agent_path);
	}
	if (sc->ctl_fd >= 0) {
		il_loop_del_fd(sc->loop, sc->ctl_fd);
		close(sc->ctl_fd);
		unlink(sc->ctl_path);
	}
	il_journal_close(sc->journal);
	free(sc->agent_path);
	free(sc->ctl_path);
	free(sc->session);
	free(sc->agent_id);
	free(sc->roots);
	il_grants_free(sc->grants);
	il_denymemo_free(sc->denied);
	free(sc);
}

void il_sidecar_set_approver(il_sidecar *sc, il_approver *ap)
{
	if (sc->approver)
		il_approver_free(sc->approver);
	sc->approver = ap;
	il_request_submit_restored(sc);
}

void il_sidecar_add_tree_root(il_sidecar *sc, pid_t pid)
{
	pid_t *r = realloc(sc->roots, (sc->nroots + 1) * sizeof *r);
	if (!r)
		return;
	sc->roots = r;
	sc->roots[sc->nroots++] = pid;
}

void il_sidecar_remove_tree_root(il_sidecar *sc, pid_t pid)
{
	for (size_t i = 0; i < sc->nroots; i++)
		if (sc->roots[i] == pid) {
			sc->roots[i] = sc->roots[--sc->nroots];
			return;
		}
}

size_t il_sidecar_pending_count(const il_sidecar *sc) { return sc->npending; }
size_t il_sidecar_connection_count(const il_sidecar *sc) { return sc->nconns; }
