/*
 * loop.c — epoll + timer event loop (see loop.h).
 */
#include "loop.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

typedef struct {
	il_fd_cb cb;
	void *arg;
	uint32_t gen;
	bool active;
} fd_reg;

typedef struct {
	uint64_t id;
	int64_t when;
	il_timer_cb cb;
	void *arg;
} timer_ent;

struct il_loop {
	int epfd;
	fd_reg *fds;
	size_t nfds;
	uint32_t gen;
	/* binary min-heap of timers ordered by (when, id) */
	timer_ent *timers;
	size_t ntimers, captimers;
	uint64_t next_timer_id;
};

il_loop *il_loop_new(void)
{
	il_loop *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	l->next_timer_id = 1;
	return l;
}

void il_loop_free(il_loop *l)
{
	if (!l)
		return;
	close(l->epfd);
	free(l->fds);
	free(l->timers);
	free(l);
}

static int grow_fds(il_loop *l, int fd)
{
	if ((size_t)fd < l->nfds)
		return 0;
	size_t n = l->nfds ? l->nfds : 64;
	while (n <= (size_t)fd)
		n *= 2;
	fd_reg *r = realloc(l->fds, n * sizeof *r);
	if (!r)
		return -1;
	memset(r + l->nfds, 0, (n - l->nfds) * sizeof *r);
	l->fds = r;
	l->nfds = n;
	return 0;
}

int il_loop_add_fd(il_loop *l, int fd, uint32_t events, il_fd_cb cb, void *arg)
{
	if (fd < 0 || grow_fds(l, fd) < 0) {
		errno = fd < 0 ? EBADF : ENOMEM;
		return -1;
	}
	uint32_t gen = ++l->gen;
	struct epoll_event ev = { .events = events,
	                          .data.u64 = ((uint64_t)gen << 32) | (uint32_t)fd };
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	l->fds[fd] = (fd_reg){ .cb = cb, .arg = arg, .gen = gen, .active = true };
	return 0;
}

int il_loop_mod_fd(il_loop *l, int fd, uint32_t events)
{
	if (fd < 0 || (size_t)fd >= l->nfds || !l->fds[fd].active) {
		errno = EBADF;
		return -1;
	}
	struct epoll_event ev = { .events = events,
	                          .data.u64 = ((uint64_t)l->fds[fd].gen << 32) | (uint32_t)fd };
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev);
}

void il_loop_del_fd(il_loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nfds || !l->fds[fd].active)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->fds[fd].active = false;
	l->fds[fd].cb = NULL;
}

static bool tless(const timer_ent *a, const timer_ent *b)
{
	return a->when < b->when || (a->when == b->when && a->id < b->id);
}

static void heap_up(il_loop *l, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!tless(&l->timers[i], &l->timers[p]))
			break;
		timer_ent t = l->timers[i];
		l->timers[i] = l->timers[p];
		l->timers[p] = t;
		i = p;
	}
}

static void heap_down(il_loop *l, size_t i)
{
	for (;;) {
		size_t c = 2 * i + 1, m = i;
		if (c < l->ntimers && tless(&l->timers[c], &l->timers[m]))
			m = c;
		if (c + 1 < l->ntimers && tless(&l->timers[c + 1], &l->timers[m]))
			m = c + 1;
		if (m == i)
			return;
		timer_ent t = l->timers[i];
		l->timers[i] = l->timers[m];
		l->timers[m] = t;
		i = m;
	}
}

static void heap_remove_at(il_loop *l, size_t i)
{
	l->ntimers--;
	if (i == l->ntimers)
		return;
	l->timers[i] = l->timers[l->ntimers];
	heap_down(l, i);
	heap_up(l, i);
}

uint64_t il_loop_add_timer(il_loop *l, int64_t when_ms, il_timer_cb cb, void *arg)
{
	if (l->ntimers == l->captimers) {
		size_t n = l->captimers ? l->captimers * 2 : 64;
		timer_ent *t = realloc(l->timers, n * sizeof *t);
		if (!t)
			return 0;
		l->timers = t;
		l->captimers = n;
	}
	uint64_t id = l->next_timer_id++;
	l->timers[l->ntimers] = (timer_ent){ .id = id, .when = when_ms, .cb = cb, .arg = arg };
	heap_up(l, l->ntimers++);
	return id;
}

void il_loop_cancel_timer(il_loop *l, uint64_t id)
{
	if (!id)
		return;
	/* Linear search: at most a few thousand timers (one per pending request). */
	for (size_t i = 0; i < l->ntimers; i++)
		if (l->timers[i].id == id) {
			heap_remove_at(l, i);
			return;
		}
}

static void run_timers(il_loop *l)
{
	int64_t now = il_now_mono_ms();
	while (l->ntimers && l->timers[0].when <= now) {
		timer_ent t = l->timers[0];
		heap_remove_at(l, 0);
		t.cb(l, t.arg);
	}
}

int il_loop_run_once(il_loop *l, int max_wait_ms)
{
	int wait = max_wait_ms;
	if (l->ntimers) {
		int64_t d = l->timers[0].when - il_now_mono_ms();
		if (d < 0)
			d = 0;
		if (wait < 0 || d < wait)
			wait = d > 60000 ? 60000 : (int)d;
	}
	struct epoll_event evs[64];
	int n = epoll_wait(l->epfd, evs, 64, wait);
	if (n < 0) {
		if (errno != EINTR)
			return -1;
		n = 0;
	}
	for (int i = 0; i < n; i++) {
		int fd = (int)(uint32_t)evs[i].data.u64;
		uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);
		if ((size_t)fd >= l->nfds || !l->fds[fd].active || l->fds[fd].gen != gen)
			continue;
		l->fds[fd].cb(l, fd, evs[i].events, l->fds[fd].arg);
	}
	run_timers(l);
	return 0;
}
