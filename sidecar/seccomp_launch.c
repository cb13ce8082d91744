/*
 * seccomp_launch.c — --enforce plumbing for the launcher and the serve
 * hand-off (seccomp_launch.h).
 */
#include "seccomp_launch.h"
#include "proctree.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct {
	uint32_t magic, version;
	int32_t child;
	uint32_t reserved;
} handoff_msg;

int il_enforce_plan_init(il_enforce_plan *p, const char *mode, char *err, size_t n)
{
	memset(p, 0, sizeof *p);
	p->sock[0] = p->sock[1] = -1;
	p->handoff = -1;
	if (il_enforce_parse(mode ? mode : "auto", &p->mode) < 0) {
		snprintf(err, n, "--enforce must be auto, preload, seccomp or both, not '%s'", mode);
		return -1;
	}
	const char *warning = NULL;
	if (il_enforce_resolve(p->mode, &p->preload, &p->seccomp, &warning, err, n) < 0)
		return -1;
	if (warning)
		fprintf(stderr, "interlock: warning: %s\n", warning);
	const char *pre = getenv("LD_PRELOAD");
	if (pre && !(p->orig_preload = strdup(pre))) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	if (p->seccomp && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p->sock) < 0) {
		snprintf(err, n, "socketpair: %s", strerror(errno));
		free(p->orig_preload);
		p->orig_preload = NULL;
		return -1;
	}
	return 0;
}

void il_enforce_plan_free(il_enforce_plan *p)
{
	il_seccomp_sup_free(p->sup);
	p->sup = NULL;
	for (int i = 0; i < 2; i++)
		if (p->sock[i] >= 0) {
			close(p->sock[i]);
			p->sock[i] = -1;
		}
	if (p->handoff >= 0) {
		close(p->handoff);
		p->handoff = -1;
	}
	free(p->orig_preload);
	p->orig_preload = NULL;
}

int il_enforce_child(il_enforce_plan *p)
{
	if (!p->preload) {
		if (p->orig_preload)
			setenv("LD_PRELOAD", p->orig_preload, 1);
		else
			unsetenv("LD_PRELOAD");
	}
	if (!p->seccomp)
		return 0;
	char err[512];
	close(p->sock[0]);
	p->sock[0] = -1;
	int rc = il_seccomp_child_setup(p->sock[1], err, sizeof err);
	p->sock[1] = -1;
	if (rc < 0) {
		fprintf(stderr, "interlock: %s\n", err);
		return -1;
	}
	return 0;
}

/* Parent: take the listener out of the socketpair. */
static int take_listener(il_enforce_plan *p, char *err, size_t n)
{
	close(p->sock[1]);
	p->sock[1] = -1;
	return il_seccomp_parent_receive(p->sock[0], err, n);
}

static void release_child(il_enforce_plan *p)
{
	il_seccomp_parent_go(p->sock[0]);
	close(p->sock[0]);
	p->sock[0] = -1;
}

int il_enforce_parent_private(il_enforce_plan *p, il_loop *loop, const char *agent_sock,
                              const il_policy *fast_policy, const char *session,
                              const char *agent_id, pid_t child, char *err, size_t n)
{
	if (!p->seccomp)
		return 0;
	int fd = take_listener(p, err, n);
	if (fd < 0)
		return -1;
	p->sup = il_seccomp_sup_new(loop, agent_sock, session, agent_id, err, n);
	if (!p->sup || il_seccomp_sup_add_listener(p->sup, fd, child, err, n) < 0) {
		close(fd);
		return -1;
	}
	il_seccomp_sup_set_fast_allow(p->sup, fast_policy);
	release_child(p);
	return 0;
}

int il_enforce_parent_connected(il_enforce_plan *p, const char *agent_sock, pid_t child,
                                char *err, size_t n)
{
	if (!p->seccomp)
		return 0;
	int fd = take_listener(p, err, n);
	if (fd < 0)
		return -1;
	char tmp[PATH_MAX];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(tmp, sizeof tmp, "%s", agent_sock);
	if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s", dirname(tmp),
	                     IL_HANDOFF_SOCK) >= sizeof sa.sun_path) {
		snprintf(err, n, "%s: path too long", IL_HANDOFF_SOCK);
		close(fd);
		return -1;
	}
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) {
		snprintf(err, n, "cannot hand the seccomp listener to the sidecar at %s: %s",
		         sa.sun_path, strerror(errno));
		if (s >= 0)
			close(s);
		close(fd);
		return -1;
	}
	handoff_msg m = { IL_HANDOFF_MAGIC, 1, child, 0 };
	int rc = il_seccomp_send_fd(s, fd, &m, sizeof m);
	close(fd);   /* serve must hold the only reference */
	char reply[512];
	size_t got = 0;
	while (rc == 0 && got < sizeof reply - 1) {
		struct pollfd pf = { .fd = s, .events = POLLIN };
		if (poll(&pf, 1, 10000) <= 0)
			break;
		ssize_t r = read(s, reply + got, sizeof reply - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
		if (memchr(reply, '\n', got))
			break;
	}
	reply[got] = '\0';
	if (rc < 0 || strcmp(reply, "ok\n") != 0) {
		char *nl = strchr(reply, '\n');
		if (nl)
			*nl = '\0';
		snprintf(err, n, "the sidecar refused the seccomp listener: %s",
		         rc < 0 ? strerror(errno) : got ? reply : "no answer");
		close(s);
		return -1;
	}
	p->handoff = s;
	release_child(p);
	return 0;
}

ssize_t il_enforce_read_signal(il_enforce_plan *p, int sigfd, void *buf, size_t len)
{
	for (;;) {
		struct pollfd pf[2] = { { .fd = sigfd, .events = POLLIN },
		                        { .fd = p->handoff, .events = POLLIN } };
		int np = p->handoff >= 0 ? 2 : 1;
		if (poll(pf, (nfds_t)np, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (np == 2 && pf[1].revents) {
			char c;
			ssize_t r = recv(p->handoff, &c, 1, MSG_DONTWAIT);
			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
				fprintf(stderr, "interlock: the sidecar supervising this agent died; every "
				        "gated exec, delete and connect now fails (ENOSYS)\n");
				p->reported = true;
				close(p->handoff);
				p->handoff = -1;
			}
		}
		if (pf[0].revents)
			return read(sigfd, buf, len);
	}
}

/* ---- serve side ---- */

typedef struct hconn {
	il_handoff_server *h;
	int fd;
	bool done;                 /* listener taken; now only watching for EOF */
	struct hconn *prev, *next;
} hconn;

struct il_handoff_server {
	il_seccomp_sup *s;
	il_loop *loop;
	int fd;
	char *path;
	uid_t *allow;
	size_t nallow;
	hconn *conns;
};

static void hconn_close(hconn *c)
{
	il_handoff_server *h = c->h;
	il_loop_del_fd(h->loop, c->fd);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		h->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
}

static void hconn_reply(hconn *c, const char *line)
{
	if (send(c->fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* the client sees EOF instead */
	}
}

/* Is fd a seccomp user-notification listener? */
static bool is_listener(int fd)
{
	char p[64], l[128];
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	ssize_t r = readlink(p, l, sizeof l - 1);
	if (r <= 0)
		return false;
	l[r] = '\0';
	return strcmp(l, "anon_inode:seccomp notify") == 0;
}

static void hconn_event(il_loop *l, int fd, uint32_t events, void *arg)
{
	(void)l;
	(void)events;
	hconn *c = arg;
	il_handoff_server *h = c->h;
	if (c->done) {
		char b[64];
		ssize_t r = recv(fd, b, sizeof b, MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
			hconn_close(c);
		return;
	}
	handoff_msg m;
	int lfd = -1;
	ssize_t r = il_seccomp_recv_fd(fd, &m, sizeof m, &lfd);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	char err[300];
	const char *why = NULL;
	struct ucred cr;
	socklen_t cl = sizeof cr;
	if (r != (ssize_t)sizeof m || m.magic != IL_HANDOFF_MAGIC || m.version != 1 || m.reserved)
		why = "malformed hand-off message";
	else if (lfd < 0 || !is_listener(lfd))
		why = "no seccomp listener attached";
	else if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) < 0)
		why = "cannot identify the peer";
	else if (m.child <= 0 || il_proc_ppid(m.child) != cr.pid)
		why = "the launcher child is not the peer's child";
	else if (il_seccomp_sup_add_listener(h->s, lfd, m.child, err, sizeof err) < 0)
		why = err;
	if (why) {
		if (lfd >= 0)
			close(lfd);
		char line[400];
		snprintf(line, sizeof line, "error: %s\n", why);
		hconn_reply(c, line);
		hconn_close(c);
		return;
	}
	c->done = true;
	hconn_reply(c, "ok\n");
}

static void handoff_accept(il_loop *l, int lfd, uint32_t events, void *arg)
{
	(void)events;
	il_handoff_server *h = arg;
	for (int i = 0; i < 16; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct ucred cr;
		socklen_t cl = sizeof cr;
		bool ok = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) == 0 && cr.uid == getuid();
		for (size_t k = 0; !ok && k < h->nallow; k++)
			ok = h->allow[k] == cr.uid;
		hconn *c = ok ? calloc(1, sizeof *c) : NULL;
		if (!c) {
			close(fd);
			continue;
		}
		c->h = h;
		c->fd = fd;
		if (il_loop_add_fd(l, fd, EPOLLIN | EPOLLRDHUP, hconn_event, c) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->next = h->conns;
		if (h->conns)
			h->conns->prev = c;
		h->conns = c;
	}
}

il_handoff_server *il_handoff_listen(il_seccomp_sup *s, il_loop *loop, const char *path,
                                     unsigned mode, const uid_t *allow_uids, size_t nallow,
                                     char *err, size_t n)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path) {
		snprintf(err, n, "%s: socket path too long", path);
		return NULL;
	}
	strcpy(sa.sun_path, path);
	il_handoff_server *h = calloc(1, sizeof *h);
	if (!h) {
		snprintf(err, n, "out of memory");
		return NULL;
	}
	h->s = s;
	h->loop = loop;
	h->fd = -1;
	h->path = strdup(path);
	if (nallow) {
		h->allow = calloc(nallow, sizeof *h->allow);
		if (h->allow) {
			memcpy(h->allow, allow_uids, nallow * sizeof *h->allow);
			h->nallow = nallow;
		}
	}
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);    /* stale: the agent socket next to it is already ours */
	h->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	mode_t old = umask(0177);
	int rc = h->fd < 0 ? -1 : bind(h->fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (!h->path || (nallow && !h->allow) || rc < 0 ||
	    chmod(path, mode ? mode : 0600) < 0 || listen(h->fd, 64) < 0 ||
	    il_loop_add_fd(loop, h->fd, EPOLLIN, handoff_accept, h) < 0) {
		snprintf(err, n, "%s: %s", path, strerror(errno));
		il_handoff_free(h);
		return NULL;
	}
	return h;
}

void il_handoff_free(il_handoff_server *h)
{
	if (!h)
		return;
	while (h->conns)
		hconn_close(h->conns);
	if (h->fd >= 0) {
		il_loop_del_fd(h->loop, h->fd);
		close(h->fd);
		if (h->path)
			unlink(h->path);
	}
	free(h->path);
	free(h->allow);
	free(h);
}

struct il_serve_seccomp {
	il_seccomp_sup *sup;
	il_handoff_server *h;
};

il_serve_seccomp *il_serve_seccomp_start(il_loop *loop, const char *agent_sock,
                                         const il_policy *fast_policy, unsigned mode,
                                         const uid_t *allow_uids, size_t nallow)
{
	char why[300], tmp[PATH_MAX], path[PATH_MAX + 32];
	if (!il_seccomp_available(why, sizeof why)) {
		il_warn("warning: %s; agents started with --connect run with the LD_PRELOAD shim only", why);
		return NULL;
	}
	il_serve_seccomp *ss = calloc(1, sizeof *ss);
	if (!ss)
		return NULL;
	snprintf(tmp, sizeof tmp, "%s", agent_sock);
	snprintf(path, sizeof path, "%s/%s", dirname(tmp), IL_HANDOFF_SOCK);
	ss->sup = il_seccomp_sup_new(loop, agent_sock, NULL, NULL, why, sizeof why);
	if (ss->sup) {
		il_seccomp_sup_set_fast_allow(ss->sup, fast_policy);
		ss->h = il_handoff_listen(ss->sup, loop, path, mode, allow_uids, nallow, why, sizeof why);
	}
	if (!ss->h) {
		il_warn("warning: seccomp hand-off unavailable: %s", why);
		il_serve_seccomp_stop(ss);
		return NULL;
	}
	return ss;
}

void il_serve_seccomp_stop(il_serve_seccomp *ss)
{
	if (!ss)
		return;
	il_handoff_free(ss->h);
	il_seccomp_sup_free(ss->sup);
	free(ss);
}
