/*
 * seccomp_dircache.h — the supervisor's handles on its callers' directory
 * descriptors, with the paths they had.
 *
 * `rm -rf` deletes every file of a directory relative to one descriptor:
 * unlinkat(dirfd, name). For each, the supervisor needs a handle on that
 * directory (to perform the delete itself, race-free) and its absolute
 * path (for the rules): pidfd_getfd, readlink and close, ~3 µs here. This
 * cache keeps both per (thread, descriptor number) and reuses them only
 * after checking, each time, that
 *
 *   - the caller's descriptor is still the very same open file as ours
 *     (kcmp KCMP_FILE: a closed and reused number is a different file), and
 *   - the path still names that directory (lstat of the path gives the
 *     same device and inode: a rename of the directory or of any of its
 *     parents, by anyone, makes the path name something else or nothing).
 *
 * The first check runs on every use. The second runs on every use after
 * `recheck_ms` since the last one: `rm -rf` deletes a directory's hundred
 * files within a millisecond or two, and the lstat is a seventh of what
 * the supervisor spends per delete. Renames the supervised processes make
 * empty the cache outright (il_dircache_flush), so only a rename by a
 * process outside the agent's tree can go unnoticed, and for at most
 * `recheck_ms`. Single-threaded use; handles returned are borrowed until
 * the next call.
 */
#ifndef INTERLOCK_SECCOMP_DIRCACHE_H
#define INTERLOCK_SECCOMP_DIRCACHE_H

#include <stddef.h>
#include <sys/types.h>

typedef struct il_dircache il_dircache;

/* The supervisor's re-check interval for a remembered path. */
#define IL_DIRCACHE_RECHECK_MS 10

/* self: our own pid (for kcmp); recheck_ms: how long a path checked by
 * lstat is trusted without another (0: check on every use). NULL when out
 * of memory. */
il_dircache *il_dircache_new(pid_t self, int recheck_ms);
void il_dircache_free(il_dircache *c);

/* Forget everything (a supervised rename may have moved any directory). */
void il_dircache_flush(il_dircache *c);

/* Our handle on thread tid's descriptor tfd and its path, when a checked
 * entry exists: returns the handle (borrowed) and sets *path (borrowed),
 * else -1 (and drops a stale entry). */
int il_dircache_get(il_dircache *c, pid_t tid, int tfd, const char **path);

/* Remember fd (our handle on tid's tfd, a directory) and its path. The
 * cache takes fd over: the return value is the handle to use (borrowed),
 * or -1 when fd could not be kept (then fd is still the caller's). */
int il_dircache_put(il_dircache *c, pid_t tid, int tfd, int fd, const char *path);

#endif
