/*
 * seccomp_pidfds.c — the supervisor's pidfds for the threads that call it
 * (seccomp_pidfds.h).
 */
#include "seccomp_pidfds.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PIDFDS_SLOTS 64
#define IL_PIDFD_THREAD O_EXCL     /* pidfd_open: this thread, not its group (6.9+) */

typedef struct {
	pid_t tid;                 /* 0: empty */
	int fd;
} slot;

struct il_pidfds {
	slot v[PIDFDS_SLOTS];
	int scratch;               /* a pidfd lent out without a slot, or -1 */
	bool no_info;              /* the kernel has shown it lacks the pidfd route */
};

il_pidfds *il_pidfds_new(void)
{
	il_pidfds *t = calloc(1, sizeof *t);
	if (t)
		t->scratch = -1;
	return t;
}

static void slot_clear(slot *s)
{
	if (s->tid && s->fd >= 0)
		close(s->fd);
	s->tid = 0;
	s->fd = -1;
}

void il_pidfds_free(il_pidfds *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < PIDFDS_SLOTS; i++)
		slot_clear(&t->v[i]);
	if (t->scratch >= 0)
		close(t->scratch);
	free(t);
}

/* The old route: /proc/TID/status, and a process pidfd for a group
 * leader (a process pidfd reaches the leader's descriptor table, and
 * another thread may have unshared its own). */
static int identify_proc(il_pidfds *t, pid_t tid, il_tgt_status *st, int *pidfd)
{
	if (il_tgt_read_status(tid, st) < 0)
		return -1;
	if (st->tgid == tid) {
		t->scratch = (int)syscall(SYS_pidfd_open, tid, 0);
		*pidfd = t->scratch;
	}
	return 0;
}

int il_pidfds_identify(il_pidfds *t, pid_t tid, il_tgt_status *st, int *pidfd)
{
	*pidfd = -1;
	if (t->scratch >= 0) {
		close(t->scratch);
		t->scratch = -1;
	}
	if (tid <= 0) {
		errno = ESRCH;
		return -1;
	}
	if (t->no_info)
		return identify_proc(t, tid, st, pidfd);
	slot *s = &t->v[(unsigned)tid % PIDFDS_SLOTS];
	if (s->tid == tid) {
		if (il_tgt_pidfd_info(s->fd, tid, st) == 0) {
			*pidfd = s->fd;
			return 0;
		}
		slot_clear(s);   /* its task is gone: tid may be somebody new */
	}
	int fd = (int)syscall(SYS_pidfd_open, tid, IL_PIDFD_THREAD);
	if (fd < 0) {
		if (errno == ESRCH)
			return -1;
		t->no_info = errno == EINVAL;   /* no PIDFD_THREAD */
		return identify_proc(t, tid, st, pidfd);
	}
	if (il_tgt_pidfd_info(fd, tid, st) < 0) {
		int e = errno;
		close(fd);
		if (e == ESRCH)
			return -1;
		t->no_info = e == ENOTTY || e == EINVAL;
		return identify_proc(t, tid, st, pidfd);
	}
	slot_clear(s);
	s->tid = tid;
	s->fd = fd;
	*pidfd = fd;
	return 0;
}
