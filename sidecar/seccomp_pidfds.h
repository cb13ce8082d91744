/*
 * seccomp_pidfds.h — the supervisor's pidfds for the threads that call it.
 *
 * Every supervised call needs to know who is calling (thread group,
 * parent, credentials) and, for a *at() call, a handle on the caller's
 * directory descriptor. Both are cheapest through a pidfd of the calling
 * thread (PIDFD_GET_INFO and pidfd_getfd), and opening one costs more
 * than using it, so the supervisor keeps the pidfds of recent callers in
 * a small table indexed by thread id.
 *
 * A kept pidfd can never speak for a different thread: a pidfd names one
 * task, and once that task is gone every use fails with ESRCH (its thread
 * id may then belong to a new task, which gets a fresh pidfd). The
 * table's pidfds are borrowed by the caller of il_pidfds_identify until
 * its next call (single-threaded use).
 */
#ifndef INTERLOCK_SECCOMP_PIDFDS_H
#define INTERLOCK_SECCOMP_PIDFDS_H

#include "seccomp_args.h"

typedef struct il_pidfds il_pidfds;

il_pidfds *il_pidfds_new(void);
void il_pidfds_free(il_pidfds *t);

/* Identify thread tid into *st. *pidfd receives a pidfd through which
 * tid's descriptors can be reached (borrowed: valid until the next call;
 * never close it), or -1 when there is none (then use /proc). Kernels
 * without PIDFD_THREAD (6.9) or PIDFD_GET_INFO (6.13) fall back to
 * /proc/TID/status. 0, or -1 when the thread is gone or unreadable. */
int il_pidfds_identify(il_pidfds *t, pid_t tid, il_tgt_status *st, int *pidfd);

#endif
