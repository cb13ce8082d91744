/*
 * seccomp_decide.c — the supervisor's client of the sidecar's decision
 * pipeline (seccomp_decide.h).
 */
#include "seccomp_decide.h"
#include "wire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define IDLE_MAX 16

struct il_sc_ticket {
	il_sc_decider *d;
	int fd;
	il_wire_buf out;
	size_t outoff;
	uint8_t *in;
	size_t inlen, incap;
	bool busy;              /* a question is outstanding */
	bool human;
	il_sc_decided_fn cb;
	void *arg;
	il_sc_ticket *next;     /* idle list / all list */
	il_sc_ticket *prev_all, *next_all;
};

struct il_sc_decider {
	il_loop *loop;
	char *sock;
	il_sc_ticket *idle;
	size_t nidle;
	il_sc_ticket *all;
};

il_sc_decider *il_sc_decider_new(il_loop *loop, const char *agent_sock)
{
	il_sc_decider *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->loop = loop;
	d->sock = strdup(agent_sock);
	if (!d->sock) {
		free(d);
		return NULL;
	}
	return d;
}

static void conn_destroy(il_sc_ticket *t)
{
	il_sc_decider *d = t->d;
	if (t->fd >= 0) {
		il_loop_del_fd(d->loop, t->fd);
		close(t->fd);
	}
	if (t->prev_all)
		t->prev_all->next_all = t->next_all;
	else
		d->all = t->next_all;
	if (t->next_all)
		t->next_all->prev_all = t->prev_all;
	il_wire_buf_free(&t->out);
	free(t->in);
	free(t);
}

void il_sc_decider_free(il_sc_decider *d)
{
	if (!d)
		return;
	while (d->all)
		conn_destroy(d->all);
	free(d->sock);
	free(d);
}

/* Deliver the answer (once) and return the connection to the pool, or
 * close it when it is no longer trustworthy. */
static void deliver(il_sc_ticket *t, bool allow, const char *rule, const char *message,
                    bool reusable)
{
	il_sc_decider *d = t->d;
	il_sc_decided_fn cb = t->cb;
	void *arg = t->arg;
	bool human = t->human;
	t->busy = false;
	t->cb = NULL;
	t->human = false;
	if (reusable && d->nidle < IDLE_MAX && t->inlen == 0) {
		t->next = d->idle;
		d->idle = t;
		d->nidle++;
	} else {
		conn_destroy(t);
	}
	if (cb)
		cb(arg, allow, human, rule, message);
}

static void on_io(il_loop *l, int fd, uint32_t events, void *arg);

static int flush_out(il_sc_ticket *t)
{
	while (t->outoff < t->out.len) {
		ssize_t w = send(t->fd, t->out.data + t->outoff, t->out.len - t->outoff,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			il_loop_mod_fd(t->d->loop, t->fd, EPOLLIN | EPOLLOUT);
			return 0;
		}
		if (w <= 0)
			return -1;
		t->outoff += (size_t)w;
	}
	t->out.len = 0;
	t->outoff = 0;
	il_loop_mod_fd(t->d->loop, t->fd, EPOLLIN);
	return 0;
}

/* Handle complete frames; returns false once the ticket was delivered. */
static bool parse_in(il_sc_ticket *t)
{
	for (;;) {
		if (t->inlen < IL_WIRE_HDR_SIZE)
			return true;
		il_wire_hdr h;
		char err[256];
		if (il_wire_check_header(t->in, &h, err, sizeof err) < 0) {
			deliver(t, false, NULL, "interlock: denied (malformed reply from the sidecar)", false);
			return false;
		}
		if (t->inlen - IL_WIRE_HDR_SIZE < h.len)
			return true;
		il_wire_message m;
		int rc = il_wire_decode(&h, t->in + IL_WIRE_HDR_SIZE, h.len, &m, err, sizeof err);
		size_t used = IL_WIRE_HDR_SIZE + h.len;
		memmove(t->in, t->in + used, t->inlen - used);
		t->inlen -= used;
		if (rc < 0) {
			deliver(t, false, NULL, "interlock: denied (malformed reply from the sidecar)", false);
			return false;
		}
		if (m.type == IL_MSG_PENDING) {
			t->human = true;
			il_wire_message_free(&m);
			continue;
		}
		bool allow = m.type == IL_MSG_VERDICT && m.has_decision && m.decision == IL_WIRE_ALLOW;
		bool ok = m.type == IL_MSG_VERDICT;
		deliver(t, allow, m.rule_id, m.message, ok);
		il_wire_message_free(&m);
		return false;
	}
}

static void on_io(il_loop *l, int fd, uint32_t events, void *arg)
{
	(void)l;
	(void)fd;
	il_sc_ticket *t = arg;
	if (!t->busy) {
		/* An idle connection that speaks or hangs up is dropped. */
		il_sc_decider *d = t->d;
		for (il_sc_ticket **pp = &d->idle; *pp; pp = &(*pp)->next)
			if (*pp == t) {
				*pp = t->next;
				d->nidle--;
				break;
			}
		conn_destroy(t);
		return;
	}
	if ((events & EPOLLOUT) && flush_out(t) < 0) {
		deliver(t, false, NULL, "interlock: denied (the sidecar is unreachable)", false);
		return;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	for (;;) {
		if (t->incap - t->inlen < 4096) {
			size_t cap = t->incap ? t->incap * 2 : 8192;
			if (cap > IL_WIRE_HDR_SIZE + IL_WIRE_MAX_PAYLOAD + 8192) {
				deliver(t, false, NULL, "interlock: denied (oversized reply from the sidecar)", false);
				return;
			}
			uint8_t *in = realloc(t->in, cap);
			if (!in) {
				deliver(t, false, NULL, "interlock: denied (out of memory)", false);
				return;
			}
			t->in = in;
			t->incap = cap;
		}
		ssize_t r = recv(t->fd, t->in + t->inlen, t->incap - t->inlen, MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r <= 0) {
			deliver(t, false, NULL, "interlock: denied (the sidecar closed the connection)", false);
			return;
		}
		t->inlen += (size_t)r;
		if (!parse_in(t))
			return;
	}
}

static il_sc_ticket *conn_open(il_sc_decider *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(d->sock) >= sizeof sa.sun_path)
		return NULL;
	strcpy(sa.sun_path, d->sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
		close(fd);
		return NULL;
	}
	il_sc_ticket *t = calloc(1, sizeof *t);
	if (!t) {
		close(fd);
		return NULL;
	}
	t->d = d;
	t->fd = fd;
	if (il_loop_add_fd(d->loop, fd, EPOLLIN, on_io, t) < 0) {
		close(fd);
		free(t);
		return NULL;
	}
	t->next_all = d->all;
	if (d->all)
		d->all->prev_all = t;
	d->all = t;
	return t;
}

il_sc_ticket *il_sc_decide(il_sc_decider *d, const il_action *a, const char *hook, pid_t tid,
                           il_sc_decided_fn cb, void *arg)
{
	il_sc_ticket *t = d->idle;
	if (t) {
		d->idle = t->next;
		d->nidle--;
	} else {
		t = conn_open(d);
		if (!t)
			return NULL;
	}
	t->next = NULL;
	il_wire_buf *b = &t->out;
	if (il_wire_encode_decide_as(b, a, "seccomp", hook, tid) < 0) {
		conn_destroy(t);
		return NULL;
	}
	t->busy = true;
	t->human = false;
	t->cb = cb;
	t->arg = arg;
	if (flush_out(t) < 0) {
		conn_destroy(t);
		return NULL;
	}
	return t;
}

void il_sc_ticket_cancel(il_sc_ticket *t)
{
	if (t)
		conn_destroy(t);
}
