/*
 * proctree.h — is a process inside an agent's process tree?
 *
 * `interlock run` makes itself a child subreaper, so every descendant of the
 * agent — including double-forked daemons, which reparent to the launcher —
 * has the launcher as an ancestor. A control request is therefore refused
 * when the caller's /proc/<pid>/stat parent chain reaches any tree root the
 * sidecar knows (the launcher's pid, the agent's pid).
 */
#ifndef INTERLOCK_PROCTREE_H
#define INTERLOCK_PROCTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Parent pid of `pid` from /proc/<pid>/stat, or -1 if unreadable. */
pid_t il_proc_ppid(pid_t pid);

/* Field 22 of /proc/PID/stat: the start time in clock ticks since boot,
 * which with the pid names one process for good (pids are reused). 0 or -1. */
int il_proc_start_time(pid_t pid, uint64_t *out);

/* Is the process alive (exists and is not a zombie)? */
bool il_proc_alive(pid_t pid);

/* Does pid (or one of its ancestors) equal one of roots[0..nroots)?
 * Fails closed: a chain that cannot be read before reaching pid 1 or 0
 * answers true, unless the process no longer exists at all (then false:
 * a dead process cannot be the caller). */
bool il_proc_in_trees(pid_t pid, const pid_t *roots, size_t nroots);

#endif
