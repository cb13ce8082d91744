/*
 * seccomp_sup.c — the seccomp user-notification supervisor
 * (seccomp_sup.h): notifications in, actions built, decisions applied.
 */
#include "seccomp_sup.h"
#include "action.h"
#include "describe.h"
#include "seccomp_args.h"
#include "seccomp_cache.h"
#include "seccomp_decide.h"
#include "seccomp_dircache.h"
#include "seccomp_pidfds.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif
#ifndef SECCOMP_USER_NOTIF_FLAG_CONTINUE
#define SECCOMP_USER_NOTIF_FLAG_CONTINUE (1UL << 0)
#endif

/* Linux 6.6+: wake the supervisor and the caller synchronously (on the
 * same CPU), which roughly halves the cost of a notification round trip. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#define DECIDED_SLOTS 128
#define DECIDED_TTL_MS 3000

typedef struct listener {
	il_seccomp_sup *s;
	int fd;
	pid_t launcher_child;
	/* Every process of this agent descends from the launcher child and, under
	 * no_new_privs, keeps its uids and gids unless it calls one of the
	 * set*id calls the filter reports. Until one does, every caller's
	 * file-system identity is the launcher child's (taken at its exec), and
	 * a delete need not look its caller up. */
	bool creds_known, creds_changed;
	uid_t fsuid;
	gid_t fsgid;
	struct listener *next;
} listener;

typedef enum { OP_EXEC, OP_UNLINK, OP_RENAME, OP_CONNECT } op_kind;

typedef struct call {
	il_seccomp_sup *s;
	listener *L;
	uint64_t id;
	pid_t tid;
	int nr;
	const char *hook;
	op_kind op;
	il_tgt_status st;
	il_action a;
	uint64_t akey, dkey;
	uint64_t args[6];
	int pidfd;                       /* the calling thread's (borrowed from s->pidfds
	                                    while handle() runs), or -1 */
	/* exec */
	char **argv;                     /* one allocation */
	size_t argc;
	/* delete / rename: our descriptors for the caller's directories */
	int dfd, ffd;
	bool dfd_borrowed;               /* dfd belongs to s->dircache (while handle() runs) */
	int uflags;
	unsigned rflags;
	/* connect */
	int sock;
	socklen_t salen;
	bool async_registered;
	bool human;                      /* a person decided it (for the restart memory) */
	bool identified;                 /* st and pidfd are filled in */
	il_sc_ticket *ticket;
	struct call *prev, *next;
	/* The buffers (call_new zeroes everything above cwd, and only the
	 * first byte of each string below: a call is ~22 KiB). */
	char cwd[IL_SC_PATH_MAX];
	char raw[IL_SC_PATH_MAX];        /* exec or delete: the path argument as read */
	char program[IL_SC_PATH_MAX];    /* exec */
	char frel[IL_SC_PATH_MAX];       /* rename source as read */
	char path[IL_SC_PATH_MAX];       /* delete: absolute */
	char from[IL_SC_PATH_MAX];       /* rename source: absolute */
	struct sockaddr_storage sa;      /* connect */
	char addr[64];
	char host[256];
} call;

/* A call with every field zero (or empty), without clearing its buffers. */
static call *call_new(void)
{
	call *c = malloc(sizeof *c);
	if (!c)
		return NULL;
	memset(c, 0, offsetof(call, cwd));
	c->cwd[0] = c->raw[0] = c->program[0] = c->frel[0] = c->path[0] = c->from[0] = '\0';
	c->addr[0] = c->host[0] = '\0';
	memset(&c->sa, 0, sizeof c->sa);
	return c;
}

typedef struct {
	uint64_t dkey;
	int64_t expires;
	bool allow, human;
} decided;

struct il_seccomp_sup {
	il_loop *loop;
	il_sc_decider *decider;
	char *session, *agent_id;
	listener *listeners;
	size_t nlisteners;
	call *inflight;
	decided recent[DECIDED_SLOTS];
	unsigned recent_next;
	unsigned long handled;
	bool undelivered;                 /* the last answer found its call interrupted */
	const il_policy *fast_policy;     /* NULL: every action goes through the pipeline */
	bool fast_needs_cwd;              /* its delete rules look at the working directory */
	bool fast_exec_needs_cwd;         /* its exec rules do */
	int procfd;                       /* O_PATH /proc/self/fd, or -1 */
	il_pidfds *pidfds;                /* callers' pidfds */
	il_dircache *dircache;            /* handles on callers' directory descriptors */
	uid_t euid;
	gid_t egid;
};

static void call_free(call *c);
static void apply(call *c, bool allow, bool human, const char *message);

/* ---- answering ---- */

/* Send the answer for notification id: CONTINUE, or the syscall's result
 * (error > 0 means -error). A gone target (ENOENT) is not an error. */
static void respond(listener *L, uint64_t id, int error, bool cont)
{
	struct seccomp_notif_resp r;
	memset(&r, 0, sizeof r);
	r.id = id;
	if (cont)
		r.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else
		r.error = error ? -error : 0;
	while (ioctl(L->fd, SECCOMP_IOCTL_NOTIF_SEND, &r) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == ENOENT)
			L->s->undelivered = true;   /* interrupted: it will be restarted */
		else
			il_warn("seccomp: answering notification: %s", strerror(errno));
		return;
	}
}

static bool id_valid(listener *L, uint64_t id)
{
	uint64_t v = id;
	return ioctl(L->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &v) == 0;
}

/* Write the deny line on the caller's stderr (best effort, never blocks):
 * through a duplicate of its own descriptor 2, so the line lands at the
 * file's current offset like the caller's own messages. */
static void tell_caller(pid_t tgid, const char *message)
{
	if (!message || !*message)
		return;
	int pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
	if (pidfd < 0)
		return;
	int fd = (int)syscall(SYS_pidfd_getfd, pidfd, 2, 0);
	close(pidfd);
	if (fd < 0)
		return;
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	size_t l = strlen(message);
	char *line = malloc(l + 2);
	if (line && poll(&p, 1, 0) == 1 && (p.revents & POLLOUT)) {
		memcpy(line, message, l);
		line[l] = '\n';
		if (write(fd, line, l + 1) < 0) {
			/* nothing more to do */
		}
	}
	free(line);
	close(fd);
}

static bool identify(call *c);

static void deny(call *c, const char *message)
{
	identify(c);   /* whom to tell (a fast exec path may not have looked) */
	tell_caller(c->st.tgid, message); /* while it is stopped: a caller that exits at once still shows it */
	respond(c->L, c->id, c->op == OP_CONNECT ? ECONNREFUSED : EACCES, false);
}

/* ---- the decided-recently ring (signal restarts) ----
 *
 * A call interrupted by a signal while its answer was on the way (the
 * answer found no waiting call: ENOENT) is restarted by the kernel as a
 * new notification with the same arguments. Its decision is remembered
 * for DECIDED_TTL_MS so the restart is not a second question — but only
 * then: an answer that reached its call leaves nothing behind, so a new,
 * identical call from the same thread is always decided (and audited)
 * afresh. A remembered decision serves one restart. */

static decided *recent_find(il_seccomp_sup *s, uint64_t dkey)
{
	int64_t now = il_now_mono_ms();
	for (unsigned i = 0; i < DECIDED_SLOTS; i++)
		if (s->recent[i].expires > now && s->recent[i].dkey == dkey)
			return &s->recent[i];
	return NULL;
}

static void recent_put(il_seccomp_sup *s, uint64_t dkey, bool allow, bool human)
{
	decided *d = &s->recent[s->recent_next++ % DECIDED_SLOTS];
	d->dkey = dkey;
	d->allow = allow;
	d->human = human;
	d->expires = il_now_mono_ms() + DECIDED_TTL_MS;
}

/* ---- performing calls on the caller's behalf ---- */

typedef struct {
	bool switched;
	uid_t old_uid;
	gid_t old_gid;
} creds;

/* Act with the caller's file-system identity. -1 (EACCES) when we are not
 * root and the caller is someone else: we refuse rather than act with
 * the wrong credentials. */
static int creds_enter(const call *c, creds *cr)
{
	cr->switched = false;
	uid_t me = c->s->euid;
	if (c->st.fsuid == me && c->st.fsgid == c->s->egid)
		return 0;
	if (me != 0) {
		if (c->st.fsuid == me)
			return 0;     /* same user, another group: the kernel checks our own groups */
		errno = EACCES;
		return -1;
	}
	cr->old_gid = (gid_t)setfsgid(c->st.fsgid);
	cr->old_uid = (uid_t)setfsuid(c->st.fsuid);
	cr->switched = true;
	if ((uid_t)setfsuid((uid_t)-1) != c->st.fsuid) {
		setfsuid(cr->old_uid);
		setfsgid(cr->old_gid);
		cr->switched = false;
		errno = EACCES;
		return -1;
	}
	return 0;
}

static void creds_leave(const creds *cr)
{
	if (cr->switched) {
		setfsuid(cr->old_uid);
		setfsgid(cr->old_gid);
	}
}

static void perform_delete(call *c)
{
	creds cr;
	int rc, err = 0;
	if (creds_enter(c, &cr) < 0) {
		respond(c->L, c->id, EACCES, false);
		return;
	}
	if (c->op == OP_RENAME)
		rc = (int)syscall(SYS_renameat2, c->ffd, c->frel, c->dfd, c->raw, c->rflags);
	else
		rc = unlinkat(c->dfd, c->raw, c->uflags);
	if (rc < 0)
		err = errno;
	creds_leave(&cr);
	respond(c->L, c->id, err, false);
}

static void connect_done(il_loop *l, int fd, uint32_t events, void *arg)
{
	(void)events;
	call *c = arg;
	int soerr = 0;
	socklen_t sl = sizeof soerr;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		soerr = errno;
	il_loop_del_fd(l, fd);
	c->async_registered = false;
	c->s->undelivered = false;
	respond(c->L, c->id, soerr, false);
	if (c->s->undelivered)
		recent_put(c->s, c->dkey, true, c->human);
	call_free(c);
}

/* Connect the duplicate of the caller's socket to the decided address.
 * Returns true when the answer was sent (the call may be freed), false
 * when it completes later (connect_done). */
static bool perform_connect(call *c)
{
	int fl = fcntl(c->sock, F_GETFL);
	bool blocking = fl >= 0 && !(fl & O_NONBLOCK);
	if (blocking)
		fcntl(c->sock, F_SETFL, fl | O_NONBLOCK);
	int rc = connect(c->sock, (struct sockaddr *)&c->sa, c->salen);
	int err = rc < 0 ? errno : 0;
	if (blocking)
		fcntl(c->sock, F_SETFL, fl);
	if (blocking && err == EINPROGRESS &&
	    il_loop_add_fd(c->s->loop, c->sock, EPOLLOUT, connect_done, c) == 0) {
		c->async_registered = true;
		return false;
	}
	respond(c->L, c->id, err, false);
	return true;
}

/* ---- applying a decision ---- */

static bool argv_equal(char **a, size_t na, char **b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

/* Allowed exec: check the arguments did not change, then continue. */
static void allow_exec(call *c, bool human)
{
	char msg[IL_SC_PATH_MAX + 200];
	if (human && il_tgt_shares_memory(c->tid, &c->st)) {
		snprintf(msg, sizeof msg, "interlock: denied exec of %s (approved, but another thread "
		         "shares the process memory and could swap the program before it runs)",
		         c->program);
		deny(c, msg);
		return;
	}
	char again[IL_SC_PATH_MAX];
	char **argv2 = NULL;
	size_t argc2 = 0;
	bool same = il_tgt_read_str(c->tid, c->args[c->nr == SYS_execveat ? 1 : 0], again,
	                            sizeof again) >= 0 &&
	            strcmp(again, c->raw) == 0 &&
	            il_tgt_read_argv(c->tid, c->args[c->nr == SYS_execveat ? 2 : 1], &argv2, &argc2) == 0 &&
	            argv_equal(argv2, argc2, c->argv, c->argc);
	free(argv2);
	if (!same || !id_valid(c->L, c->id)) {
		snprintf(msg, sizeof msg, "interlock: denied exec of %s (its arguments changed "
		         "while it was being checked)", c->program);
		deny(c, msg);
		return;
	}
	respond(c->L, c->id, 0, true);
}

/* Apply a final decision to c and free it (unless it completes later). */
static void apply(call *c, bool allow, bool human, const char *message)
{
	if (!allow) {
		deny(c, message);
		call_free(c);
		return;
	}
	switch (c->op) {
	case OP_EXEC:
		allow_exec(c, human);
		break;
	case OP_UNLINK:
	case OP_RENAME:
		perform_delete(c);
		break;
	case OP_CONNECT:
		if (!perform_connect(c))
			return;
		break;
	}
	call_free(c);
}

/* apply(), remembering the decision only when its answer found the call
 * interrupted (see the decided-recently ring). c may be freed. */
static void apply_once(call *c, bool allow, bool human, const char *message)
{
	il_seccomp_sup *s = c->s;
	uint64_t dkey = c->dkey;
	c->human = human;
	s->undelivered = false;
	apply(c, allow, human, message);
	if (s->undelivered)
		recent_put(s, dkey, allow, human);
}

static void on_decided(void *arg, bool allow, bool human, const char *rule, const char *message)
{
	(void)rule;
	call *c = arg;
	c->ticket = NULL;
	char fallback[IL_SC_PATH_MAX + 64];
	if (!allow && !message) {
		snprintf(fallback, sizeof fallback, "interlock: denied %s (no verdict)", c->hook);
		message = fallback;
	}
	apply_once(c, allow, human, message);
}

/* ---- call bookkeeping ---- */

static void call_unlink(call *c)
{
	il_seccomp_sup *s = c->s;
	if (c->prev)
		c->prev->next = c->next;
	else if (s->inflight == c)
		s->inflight = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

static void call_free(call *c)
{
	if (!c)
		return;
	call_unlink(c);
	if (c->ticket)
		il_sc_ticket_cancel(c->ticket);
	if (c->async_registered)
		il_loop_del_fd(c->s->loop, c->sock);
	if (c->sock >= 0)
		close(c->sock);
	if (c->dfd >= 0 && !c->dfd_borrowed)
		close(c->dfd);
	if (c->ffd >= 0)
		close(c->ffd);
	free(c->argv);
	free(c);
}

/* ---- building actions ---- */

/* Build outcomes. */
enum { B_DECIDE = 0, B_DONE = 1, B_ASYNC = 2 };  /* B_ASYNC: answered later */

/* Resolve a *at() path argument: open our handle for its directory (kept
 * in *dfd, AT_FDCWD for absolute paths) and compute the absolute path.
 * 0, or an errno value. */
static int resolve_at(call *c, int dirfd, const char *raw, int *dfd, char *out, size_t n)
{
	char base[IL_SC_PATH_MAX];
	if (raw[0] == '\0')
		return ENOENT;
	if (raw[0] == '/') {
		*dfd = AT_FDCWD;
		return il_path_normalize(raw, out, n) < 0 ? ENAMETOOLONG : 0;
	}
	*dfd = il_tgt_dup_dir(c->tid, c->pidfd, dirfd);
	if (*dfd < 0)
		return errno ? errno : EBADF;
	if (il_fd_path_at(c->s->procfd, *dfd, base, sizeof base) < 0 ||
	    il_path_join(base, raw, out, n) < 0)
		return ENOENT;
	if (dirfd == AT_FDCWD && !c->cwd[0])
		memcpy(c->cwd, base, strlen(base) + 1);   /* saves opening it again */
	return 0;
}

/* resolve_at for an unlink relative to a directory descriptor, through
 * the directory cache (seccomp_dircache.h): the hot path of `rm -rf`.
 * c->dfd may be borrowed from the cache (c->dfd_borrowed). */
static int resolve_unlink_at(call *c, int dirfd, const char *raw, char *out, size_t n)
{
	il_dircache *dc = c->s->dircache;
	const char *base = NULL;
	int fd = dc ? il_dircache_get(dc, c->tid, dirfd, &base) : -1;
	if (fd >= 0) {
		c->dfd = fd;
		c->dfd_borrowed = true;
		return il_path_join(base, raw, out, n) < 0 ? ENAMETOOLONG : 0;
	}
	char buf[IL_SC_PATH_MAX];
	identify(c);   /* for its pidfd (pidfd_getfd); without one, /proc */
	int own = il_tgt_dup_dir(c->tid, c->pidfd, dirfd);
	if (own < 0)
		return errno ? errno : EBADF;
	struct stat st;
	if (fstat(own, &st) == 0 && !S_ISDIR(st.st_mode)) {
		close(own);
		return ENOTDIR;   /* as the kernel would answer, unasked */
	}
	if (il_fd_path_at(c->s->procfd, own, buf, sizeof buf) < 0) {
		close(own);
		return ENOENT;
	}
	c->dfd = own;
	if (dc && il_dircache_put(dc, c->tid, dirfd, own, buf) >= 0)
		c->dfd_borrowed = true;
	return il_path_join(buf, raw, out, n) < 0 ? ENAMETOOLONG : 0;
}

/* Before a call outlives handle() (waiting for a decision), it must own
 * its directory handle: the cache may drop its own at any time. */
static bool own_dfd(call *c)
{
	if (!c->dfd_borrowed)
		return true;
	c->dfd_borrowed = false;
	c->dfd = fcntl(c->dfd, F_DUPFD_CLOEXEC, 0);
	return c->dfd >= 0;
}

static int build_exec(call *c)
{
	bool at = c->nr == SYS_execveat;
	int dirfd = at ? (int)c->args[0] : AT_FDCWD;
	int flags = at ? (int)c->args[4] : 0;
	if (il_tgt_read_str(c->tid, c->args[at ? 1 : 0], c->raw, sizeof c->raw) < 0 ||
	    il_tgt_read_argv(c->tid, c->args[at ? 2 : 1], &c->argv, &c->argc) < 0) {
		respond(c->L, c->id, errno == E2BIG ? E2BIG : EFAULT, false);
		return B_DONE;
	}
	int dfd = -1;
	int e = 0;
	if (c->raw[0] == '\0' && (flags & AT_EMPTY_PATH)) {
		dfd = -1;
		char p[64];
		snprintf(p, sizeof p, "/proc/%d/fd/%d", (int)c->tid, dirfd);
		int f = open(p, O_PATH | O_CLOEXEC);
		if (f < 0 || il_fd_path(f, c->program, sizeof c->program) < 0)
			e = EBADF;
		if (f >= 0)
			close(f);
	} else {
		e = resolve_at(c, dirfd, c->raw, &dfd, c->program, sizeof c->program);
		struct stat st;
		if (!e && fstatat(dfd, c->raw, &st, 0) < 0)
			e = errno;   /* nothing to run: fail as the kernel would, unasked */
		if (dfd >= 0)
			close(dfd);
	}
	if (e) {
		respond(c->L, c->id, e, false);
		return B_DONE;
	}
	c->a.kind = IL_KIND_EXEC;
	c->a.program = c->program;
	c->a.argv = (const char *const *)c->argv;
	c->a.argc = c->argc;
	return B_DECIDE;
}

/* Is this the launcher child's own exec of the agent (its image is still
 * the launcher's, i.e. the same file as its parent's)? */
static bool launcher_exec(const call *c)
{
	if (c->L->launcher_child <= 0 || c->st.tgid != c->L->launcher_child ||
	    c->tid != c->st.tgid)
		return false;
	char p[64], q[64];
	struct stat a, b;
	snprintf(p, sizeof p, "/proc/%d/exe", (int)c->tid);
	snprintf(q, sizeof q, "/proc/%d/exe", (int)c->st.ppid);
	return stat(p, &a) == 0 && stat(q, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int build_delete(call *c)
{
	int dirfd = AT_FDCWD, fdirfd = AT_FDCWD;
	uint64_t path_arg, from_arg = 0;
	c->a.kind = IL_KIND_DELETE;
	switch (c->nr) {
#ifdef SYS_unlink
	case SYS_unlink: c->op = OP_UNLINK; path_arg = c->args[0]; break;
#endif
#ifdef SYS_rmdir
	case SYS_rmdir: c->op = OP_UNLINK; path_arg = c->args[0]; c->uflags = AT_REMOVEDIR; break;
#endif
	case SYS_unlinkat:
		c->op = OP_UNLINK;
		dirfd = (int)c->args[0];
		path_arg = c->args[1];
		c->uflags = (int)c->args[2];
		if (c->uflags & ~AT_REMOVEDIR) {
			respond(c->L, c->id, EINVAL, false);
			return B_DONE;
		}
		break;
#ifdef SYS_rename
	case SYS_rename: c->op = OP_RENAME; from_arg = c->args[0]; path_arg = c->args[1]; break;
#endif
	case SYS_renameat:
	case SYS_renameat2:
		c->op = OP_RENAME;
		fdirfd = (int)c->args[0];
		from_arg = c->args[1];
		dirfd = (int)c->args[2];
		path_arg = c->args[3];
		c->rflags = c->nr == SYS_renameat2 ? (unsigned)c->args[4] : 0;
		break;
	default:
		respond(c->L, c->id, ENOSYS, false);
		return B_DONE;
	}
	if (il_tgt_read_str(c->tid, path_arg, c->raw, sizeof c->raw) < 0 ||
	    (c->op == OP_RENAME && il_tgt_read_str(c->tid, from_arg, c->frel, sizeof c->frel) < 0)) {
		respond(c->L, c->id, errno == ENAMETOOLONG ? ENAMETOOLONG : EFAULT, false);
		return B_DONE;
	}
	/* a rename may move any directory: no remembered path is trusted */
	if (c->op == OP_RENAME && c->s->dircache)
		il_dircache_flush(c->s->dircache);
	int e = c->op == OP_UNLINK && dirfd >= 0 && c->raw[0] != '/'
	                ? resolve_unlink_at(c, dirfd, c->raw, c->path, sizeof c->path)
	                : resolve_at(c, dirfd, c->raw, &c->dfd, c->path, sizeof c->path);
	if (!e && c->op == OP_RENAME)
		e = resolve_at(c, fdirfd, c->frel, &c->ffd, c->from, sizeof c->from);
	if (e) {
		respond(c->L, c->id, e, false);
		return B_DONE;
	}
	c->a.path = c->path;
	if (c->op == OP_UNLINK) {
		/* what the call itself insists on (unlink fails on a directory,
		 * rmdir on anything else); handle() looks before asking anyone */
		c->a.del_op = (c->uflags & AT_REMOVEDIR) ? IL_DEL_RMDIR : IL_DEL_UNLINK;
		c->a.is_dir = c->a.del_op == IL_DEL_RMDIR;
		return B_DECIDE;
	}
	struct stat st;
	bool exists = fstatat(c->dfd, c->raw, &st, AT_SYMLINK_NOFOLLOW) == 0;
	c->a.is_dir = exists && S_ISDIR(st.st_mode);
	c->a.del_op = IL_DEL_RENAME_OVER;
	c->a.rename_from = c->from;
	/* A rename that replaces nothing destroys nothing: perform it, but
	 * refuse to replace anything that appeared meanwhile (then decide).
	 * RENAME_NOREPLACE never replaces: perform it as asked (mv tries it first). */
	struct stat sst;
	bool same = exists && fstatat(c->ffd, c->frel, &sst, AT_SYMLINK_NOFOLLOW) == 0 &&
	            sst.st_dev == st.st_dev && sst.st_ino == st.st_ino;
	if ((c->rflags & (RENAME_EXCHANGE | RENAME_NOREPLACE)) || same || !exists) {
		unsigned saved = c->rflags;
		if (!exists && !(c->rflags & RENAME_EXCHANGE))
			c->rflags |= RENAME_NOREPLACE;
		if (!id_valid(c->L, c->id))
			return B_DONE;   /* what we read may not be the caller's */
		creds cr;
		if (creds_enter(c, &cr) < 0) {
			respond(c->L, c->id, EACCES, false);
			return B_DONE;
		}
		int rc = (int)syscall(SYS_renameat2, c->ffd, c->frel, c->dfd, c->raw, c->rflags);
		int err = rc < 0 ? errno : 0;
		creds_leave(&cr);
		c->rflags = saved;
		if (!(err == EEXIST && !(saved & RENAME_NOREPLACE))) {
			respond(c->L, c->id, err, false);
			return B_DONE;
		}
		/* the target appeared in between: it is a replace after all */
		if (fstatat(c->dfd, c->raw, &st, AT_SYMLINK_NOFOLLOW) == 0)
			c->a.is_dir = S_ISDIR(st.st_mode);
	}
	return B_DECIDE;
}

static int build_connect(call *c)
{
	int tfd = (int)c->args[0];
	int pidfd = (int)syscall(SYS_pidfd_open, c->st.tgid, 0);
	if (pidfd >= 0) {
		c->sock = (int)syscall(SYS_pidfd_getfd, pidfd, tfd, 0);
		close(pidfd);
	}
	if (c->sock < 0) {
		respond(c->L, c->id, errno == EBADF ? EBADF : EACCES, false);
		return B_DONE;
	}
	int dom = 0, type = 0;
	socklen_t l = sizeof dom;
	if (getsockopt(c->sock, SOL_SOCKET, SO_DOMAIN, &dom, &l) < 0) {
		respond(c->L, c->id, ENOTSOCK, false);
		return B_DONE;
	}
	if (dom != AF_INET && dom != AF_INET6) {
		/* Unix, netlink...: not gated, and the socket's family is fixed,
		 * so a rewritten address cannot reach the network. */
		respond(c->L, c->id, 0, true);
		return B_DONE;
	}
	l = sizeof type;
	getsockopt(c->sock, SOL_SOCKET, SO_TYPE, &type, &l);
	uint64_t len = c->args[2];
	if (len > sizeof c->sa) {
		respond(c->L, c->id, EINVAL, false);
		return B_DONE;
	}
	c->salen = (socklen_t)len;
	if (il_tgt_read(c->tid, c->args[1], &c->sa, len) < 0) {
		respond(c->L, c->id, EFAULT, false);
		return B_DONE;
	}
	unsigned port = 0;
	int fam = il_sockaddr_describe(&c->sa, len, c->addr, sizeof c->addr, &port);
	if (fam < 0) {
		respond(c->L, c->id, EINVAL, false);
		return B_DONE;
	}
	if (fam == 0) {
		/* AF_UNSPEC (dissolve a UDP association) and the like: no peer. */
		if (!id_valid(c->L, c->id))
			return B_DONE;   /* what we read may not be the caller's */
		return perform_connect(c) ? B_DONE : B_ASYNC;
	}
	c->a.kind = IL_KIND_CONNECT;
	c->a.addr = c->addr;
	c->a.port = port;
	c->a.udp = type == SOCK_DGRAM;
	return B_DECIDE;
}

static uint64_t dedupe_key(const call *c)
{
	uint64_t h = 1469598103934665603ull;
	uint64_t vals[9] = { (uint64_t)c->tid, (uint64_t)c->nr, c->akey,
	                     c->args[0], c->args[1], c->args[2], c->args[3], c->args[4], c->args[5] };
	const unsigned char *b = (const unsigned char *)vals;
	for (size_t i = 0; i < sizeof vals; i++) {
		h ^= b[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* The set*id calls the filter reports (seccomp_filter.c). */
static bool creds_call(int nr)
{
	switch (nr) {
	case SYS_setuid: case SYS_setgid: case SYS_setreuid: case SYS_setregid:
	case SYS_setresuid: case SYS_setresgid: case SYS_setfsuid: case SYS_setfsgid:
		return true;
	default:
		return false;
	}
}

static const char *hook_name(int nr)
{
	switch (nr) {
	case SYS_execve: return "execve";
	case SYS_execveat: return "execveat";
#ifdef SYS_unlink
	case SYS_unlink: return "unlink";
#endif
#ifdef SYS_rmdir
	case SYS_rmdir: return "rmdir";
#endif
#ifdef SYS_rename
	case SYS_rename: return "rename";
#endif
	case SYS_unlinkat: return "unlinkat";
	case SYS_renameat: return "renameat";
	case SYS_renameat2: return "renameat2";
	case SYS_connect: return "connect";
	default: return NULL;
	}
}

/* Who is calling (st) and a pidfd for its descriptors, once. False when
 * the thread is gone. */
static bool identify(call *c)
{
	if (!c->identified &&
	    il_pidfds_identify(c->s->pidfds, c->tid, &c->st, &c->pidfd) == 0)
		c->identified = true;
	return c->identified;
}

/* The caller's working directory into c->cwd and the action (once; left
 * empty when it cannot be read). */
static void read_cwd(call *c)
{
	if (!c->cwd[0] && il_tgt_cwd_path(c->tid, c->cwd, sizeof c->cwd) < 0)
		c->cwd[0] = '\0';
	if (c->cwd[0])
		c->a.cwd = c->cwd;
}

/* Who is asking, as the action records it. */
static void fill_ids(call *c)
{
	c->a.pid = c->st.tgid;
	c->a.ppid = c->st.ppid;
	c->a.uid = c->st.uid;
	c->a.session = c->s->session;
	c->a.agent_id = c->s->agent_id;
}

/*
 * Does the policy allow c with no rule matching — nothing to audit,
 * nobody to ask? The working directory is read only when a rule of the
 * kind could look at it (needs_cwd); without one, the answer is no.
 */
static bool allowed_unmatched(call *c, bool needs_cwd)
{
	if (!c->s->fast_policy)
		return false;
	if (needs_cwd) {
		read_cwd(c);
		if (!c->cwd[0])
			return false;
	}
	il_verdict v;
	il_policy_decide(c->s->fast_policy, &c->a, &v);
	return v.decision == IL_ALLOW && v.nmatched == 0;
}

/*
 * The hot path of `rm -rf` under the seccomp layer: a delete the policy
 * allows unmatched is performed at once. Whether the target is a
 * directory is taken from the call itself (unlink fails on one, rmdir on
 * anything else, so a rule's dir condition cannot be dodged this way).
 * True when c was answered and freed.
 */
static bool fast_delete(call *c)
{
	if (!allowed_unmatched(c, c->s->fast_needs_cwd))
		return false;
	apply(c, true, false, NULL);
	return true;
}

/*
 * The hot path of an exec-heavy workload (a shell starting short
 * processes): an exec the policy allows unmatched is answered as soon as
 * its program and arguments are read, without even looking up who is
 * calling. The re-read before CONTINUE (allow_exec) still applies. True
 * when c was answered and freed.
 */
static bool fast_exec(call *c)
{
	if (!allowed_unmatched(c, c->s->fast_exec_needs_cwd))
		return false;
	allow_exec(c, false);
	call_free(c);
	return true;
}

/* One notification, from receipt to answer (now or later). */
static void handle(listener *L, const struct seccomp_notif *req)
{
	il_seccomp_sup *s = L->s;
	s->handled++;
	if (creds_call(req->data.nr)) {
		/* from now on, look every caller's identity up (and let it run) */
		L->creds_changed = true;
		respond(L, req->id, 0, true);
		return;
	}
	const char *hook = hook_name(req->data.nr);
	if (!hook) {
		respond(L, req->id, ENOSYS, false);
		return;
	}
	call *c = call_new();
	if (!c) {
		respond(L, req->id, ENOMEM, false);
		return;
	}
	c->s = s;
	c->L = L;
	c->id = req->id;
	c->tid = (pid_t)req->pid;
	c->nr = req->data.nr;
	c->hook = hook;
	c->dfd = c->ffd = c->sock = c->pidfd = -1;
	for (int i = 0; i < 6; i++)
		c->args[i] = req->data.args[i];
	/* No ID_VALID yet: until the reads below are checked by one (before
	 * anything is performed), nothing read counts — the pidfd included,
	 * which names whichever task had the thread id when it was opened.
	 * An exec is identified only when it needs to be (fast_exec). */
	bool exec = c->nr == SYS_execve || c->nr == SYS_execveat;
	bool del = !exec && c->nr != SYS_connect;
	if (del && L->creds_known && !L->creds_changed) {
		c->st.fsuid = L->fsuid;   /* see listener; looked up if it must be asked */
		c->st.fsgid = L->fsgid;
	} else if ((!exec || c->tid == L->launcher_child) && !identify(c)) {
		respond(L, c->id, ESRCH, false);
		call_free(c);
		return;
	}
	int b;
	if (exec) {
		c->op = OP_EXEC;
		if (c->identified && launcher_exec(c)) {
			if (!L->creds_changed) {
				L->fsuid = c->st.fsuid;
				L->fsgid = c->st.fsgid;
				L->creds_known = true;
			}
			respond(L, c->id, 0, true);
			call_free(c);
			return;
		}
		b = build_exec(c);
	} else if (c->nr == SYS_connect) {
		c->op = OP_CONNECT;
		b = build_connect(c);
	} else {
		b = build_delete(c);
	}
	if (b == B_ASYNC) {
		c->pidfd = -1;   /* borrowed: not past this call */
		return;
	}
	if (b == B_DONE) {
		call_free(c);
		return;
	}
	/* The reads above must describe the process that is still stopped. */
	if (!id_valid(L, c->id)) {
		call_free(c);
		return;
	}
	if ((c->op == OP_UNLINK || c->op == OP_RENAME) && fast_delete(c))
		return;
	if (c->op == OP_EXEC && fast_exec(c))
		return;
	if (!c->identified && (!identify(c) || !id_valid(L, c->id))) {
		call_free(c);   /* gone */
		return;
	}
	if (c->op == OP_UNLINK) {
		struct stat st;
		c->a.is_dir = fstatat(c->dfd, c->raw, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		              S_ISDIR(st.st_mode);
	}
	read_cwd(c);
	fill_ids(c);
	c->akey = il_shimcache_key(&c->a);
	c->dkey = dedupe_key(c);

	/* The shim already obtained a verdict for exactly this call. */
	il_shimcache_hit hit;
	if (il_shimcache_take(c->st.tgid, c->a.kind, c->akey, &hit) ||
	    (c->op == OP_EXEC && il_shimcache_take(c->st.ppid, c->a.kind, c->akey, &hit))) {
		if (hit.host[0]) {
			snprintf(c->host, sizeof c->host, "%s", hit.host);
			c->a.host = c->host;
		}
		apply_once(c, true, hit.gated, NULL);
		return;
	}
	/* A restarted call (signal): join the question in flight... */
	for (call *o = s->inflight; o; o = o->next)
		if (o->dkey == c->dkey && o->L == L) {
			o->id = c->id;
			call_free(c);
			return;
		}
	/* ...or reuse its answer. */
	decided *d = recent_find(s, c->dkey);
	if (d) {
		bool allow = d->allow, human = d->human;
		d->expires = 0;   /* one restart per remembered answer */
		char *what = allow ? NULL : il_action_describe(&c->a);
		char msg[IL_SC_PATH_MAX + 64];
		snprintf(msg, sizeof msg, "interlock: denied %s (the same call was denied moments ago)",
		         what ? what : hook);
		free(what);
		apply_once(c, allow, human, msg);
		return;
	}
	if (s->fast_policy) {
		il_verdict v;
		il_policy_decide(s->fast_policy, &c->a, &v);
		if (v.decision == IL_ALLOW && v.nmatched == 0) {
			apply(c, true, false, NULL);
			return;
		}
	}
	c->pidfd = -1;   /* borrowed: not past this call */
	if (!own_dfd(c)) {
		deny(c, "interlock: denied (the supervisor is out of file descriptors)");
		call_free(c);
		return;
	}
	c->ticket = il_sc_decide(s->decider, &c->a, hook, c->tid, on_decided, c);
	if (!c->ticket) {
		deny(c, "interlock: denied (the sidecar is unreachable)");
		call_free(c);
		return;
	}
	c->next = s->inflight;
	if (s->inflight)
		s->inflight->prev = c;
	s->inflight = c;
}

/* ---- listeners ---- */

static void listener_close(listener *L)
{
	il_seccomp_sup *s = L->s;
	for (call *c = s->inflight, *next; c; c = next) {
		next = c->next;
		if (c->L == L)
			call_free(c);
	}
	il_loop_del_fd(s->loop, L->fd);
	close(L->fd);
	for (listener **pp = &s->listeners; *pp; pp = &(*pp)->next)
		if (*pp == L) {
			*pp = L->next;
			break;
		}
	s->nlisteners--;
	free(L);
}

static void on_listener(il_loop *l, int fd, uint32_t events, void *arg)
{
	(void)l;
	listener *L = arg;
	/* One notification per wake-up: epoll is level-triggered, so another
	 * pending one wakes us again at once. EPOLLIN means one is pending
	 * (RECV cannot block: a notification whose caller died meanwhile
	 * makes it fail with ENOENT), so no poll() comes first — every
	 * system call here is paid on every supervised call. */
	if (events & EPOLLIN) {
		struct seccomp_notif req;
		memset(&req, 0, sizeof req);
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0)
			handle(L, &req);
		else if (errno != EINTR && errno != ENOENT)   /* ENOENT: the caller went away */
			il_warn("seccomp: receiving a notification: %s", strerror(errno));
		return;
	}
	if (events & (EPOLLHUP | EPOLLERR))
		listener_close(L);   /* every target is gone */
}

il_seccomp_sup *il_seccomp_sup_new(il_loop *loop, const char *agent_sock, const char *session,
                                   const char *agent_id, char *err, size_t n)
{
	il_seccomp_sup *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, n, "out of memory");
		return NULL;
	}
	s->loop = loop;
	s->procfd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);   /* -1 is fine */
	s->euid = geteuid();
	s->egid = getegid();
	s->decider = il_sc_decider_new(loop, agent_sock);
	s->pidfds = il_pidfds_new();
	/* NULL: every call reads afresh */
	s->dircache = il_dircache_new(getpid(), IL_DIRCACHE_RECHECK_MS);
	s->session = session ? strdup(session) : NULL;
	s->agent_id = agent_id ? strdup(agent_id) : NULL;
	if (!s->decider || !s->pidfds || (session && !s->session) || (agent_id && !s->agent_id)) {
		snprintf(err, n, "out of memory");
		il_seccomp_sup_free(s);
		return NULL;
	}
	return s;
}

void il_seccomp_sup_free(il_seccomp_sup *s)
{
	if (!s)
		return;
	while (s->listeners)
		listener_close(s->listeners);
	while (s->inflight)
		call_free(s->inflight);
	il_sc_decider_free(s->decider);
	if (s->procfd >= 0)
		close(s->procfd);
	il_pidfds_free(s->pidfds);
	il_dircache_free(s->dircache);
	free(s->session);
	free(s->agent_id);
	free(s);
}

int il_seccomp_sup_add_listener(il_seccomp_sup *s, int fd, pid_t launcher_child,
                                char *err, size_t n)
{
	listener *L = calloc(1, sizeof *L);
	if (!L) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	L->s = s;
	L->fd = fd;
	L->launcher_child = launcher_child;
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	/* best effort: older kernels answer EINVAL */
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) < 0 &&
	    errno != EINVAL && errno != ENOTTY)
		il_warn("seccomp: SECCOMP_IOCTL_NOTIF_SET_FLAGS: %s", strerror(errno));
	if (il_loop_add_fd(s->loop, fd, EPOLLIN, on_listener, L) < 0) {
		snprintf(err, n, "epoll (seccomp listener): %s", strerror(errno));
		free(L);
		return -1;
	}
	L->next = s->listeners;
	s->listeners = L;
	s->nlisteners++;
	return 0;
}

void il_seccomp_sup_set_fast_allow(il_seccomp_sup *s, const il_policy *policy)
{
	s->fast_policy = policy;
	s->fast_needs_cwd = il_policy_uses_cwd(policy, IL_KIND_DELETE);
	s->fast_exec_needs_cwd = il_policy_uses_cwd(policy, IL_KIND_EXEC);
}

size_t il_seccomp_sup_listeners(const il_seccomp_sup *s) { return s->nlisteners; }
unsigned long il_seccomp_sup_handled(const il_seccomp_sup *s) { return s->handled; }
