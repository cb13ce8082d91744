/*
 * hook_delete.c — unlink, unlinkat (with and without AT_REMOVEDIR), rmdir,
 * remove, and rename/renameat/renameat2 when they would replace an
 * existing target (replacing a file destroys it: reported as a delete
 * with del_op IL_DEL_RENAME_OVER, path = target, rename_from = source).
 *
 * The action names the absolute path, resolved against the dirfd
 * (readlink /proc/self/fd/N) or the cwd and normalised lexically — the
 * final component is never followed, since unlink removes a symlink, not
 * its target — and whether it is a directory (lstat). The hot path
 * (an allowed unlinkat from `rm -rf` of a path no rule can gate, see
 * shim_hints.c) costs gettid and a readlink of the dirfd; a delete the
 * sidecar must see adds fstatat, getcwd and the round trip.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

/* Which delete operation a call is; IL_DEL_UNLINK for remove() is
 * refined by lstat (a directory makes it IL_DEL_RMDIR). */
typedef struct {
	const char *hook;
	int dirfd;
	const char *path;
	il_delete_op op;
	int is_remove;          /* remove(): unlink or rmdir, by file type */
	int from_dirfd;         /* rename source */
	const char *from;
} il_del_call;

/*
 * Gate one delete. Returns 1 (allow), 0 (deny; errno EACCES),
 * IL_GATE_PASS (inactive, nested, or a rename that replaces nothing) or
 * IL_GATE_FAIL (errno as the real call would fail: EBADF, ENOENT, ...).
 */
static int il_gate_delete(const il_del_call *c)
{
	il_init();
	/* under the seccomp layer the supervisor gates (and performs) every
	 * delete itself, race-free: a second round trip here adds nothing */
	if (!il_cfg.active || il_seccomp_deletes())
		return IL_GATE_PASS;
	if (c->path == NULL || (c->from == NULL && c->op == IL_DEL_RENAME_OVER)) {
		errno = EFAULT;
		return IL_GATE_FAIL;
	}
	pid_t tid = (pid_t)syscall(SYS_gettid);
	il_guard guard;
	int depth = il_guard_enter(tid, &guard);
	int rc;
	char cwdbuf[IL_CWD_MAX];
	char abs[IL_ABS_MAX];
	char from[IL_ABS_MAX];
	/* the working directory is needed to resolve a relative path against
	 * AT_FDCWD now, and as context only when the sidecar is asked */
	const char *cwd = NULL;
	int cwd_done = 0;
	if (c->path[0] != '/' && c->dirfd == AT_FDCWD) {
		cwd = il_getcwd(cwdbuf, sizeof cwdbuf);
		cwd_done = 1;
	}
	if (il_resolve_at(c->dirfd, c->path, 0, cwd, abs, sizeof abs) < 0) {
		rc = IL_GATE_FAIL;
		goto out;
	}
	/* a path no rule can gate is allowed without a round trip (a rename
	 * first needs to know whether it replaces anything at all) */
	il_hints_prepare(depth);
	if (c->op != IL_DEL_RENAME_OVER && il_hints_skip_delete(abs)) {
		rc = 1;
		goto out;
	}
	struct stat st;
	int have_st = fstatat(c->dirfd, c->path, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (c->op == IL_DEL_RENAME_OVER) {
		struct stat sst;
		/* nothing is replaced when the target does not exist, or when
		 * source and target are the same file (rename is then a no-op) */
		if (!have_st || (fstatat(c->from_dirfd, c->from, &sst, AT_SYMLINK_NOFOLLOW) == 0 &&
				 sst.st_dev == st.st_dev && sst.st_ino == st.st_ino)) {
			rc = IL_GATE_PASS;
			goto out;
		}
		if (il_hints_skip_delete(abs)) {
			rc = 1;
			goto out;
		}
	}
	if (!cwd_done)
		cwd = il_getcwd(cwdbuf, sizeof cwdbuf);
	if (c->op == IL_DEL_RENAME_OVER &&
	    il_resolve_at(c->from_dirfd, c->from, 0, cwd, from, sizeof from) < 0) {
		rc = IL_GATE_FAIL;
	} else {
		int is_dir = have_st && S_ISDIR(st.st_mode);
		il_req r = {
			.kind = IL_KIND_DELETE,
			.hook = c->hook,
			.path = abs,
			.is_dir = is_dir,
			.del_op = c->is_remove ? (is_dir ? IL_DEL_RMDIR : IL_DEL_UNLINK) : c->op,
			.rename_from = c->op == IL_DEL_RENAME_OVER ? from : NULL,
			.cwd = cwd,
			.tid = tid,
		};
		rc = il_ask_guarded(&r, depth);
		if (!rc)
			errno = EACCES;
	}
out:;
	int e = errno;
	il_guard_leave(&guard);
	errno = e;
	return rc;
}

/* Run the gate; 1 means "call the real function", else return -1 now. */
static int il_delete_proceed(const il_del_call *c, int saved)
{
	int g = il_gate_delete(c);
	if (g == 1 || g == IL_GATE_PASS) {
		errno = saved;
		return 1;
	}
	return 0;
}

IL_EXPORT int unlink(const char *path)
{
	int saved = errno;
	il_init();
	if (il_real.unlink == NULL) {
		errno = ENOSYS;
		return -1;
	}
	il_del_call c = { "unlink", AT_FDCWD, path, IL_DEL_UNLINK, 0, AT_FDCWD, NULL };
	return il_delete_proceed(&c, saved) ? il_real.unlink(path) : -1;
}

IL_EXPORT int unlinkat(int dirfd, const char *path, int flags)
{
	int saved = errno;
	il_init();
	if (il_real.unlinkat == NULL) {
		errno = ENOSYS;
		return -1;
	}
	il_del_call c = { "unlinkat", dirfd, path,
			  (flags & AT_REMOVEDIR) ? IL_DEL_RMDIR : IL_DEL_UNLINK, 0, AT_FDCWD, NULL };
	return il_delete_proceed(&c, saved) ? il_real.unlinkat(dirfd, path, flags) : -1;
}

IL_EXPORT int rmdir(const char *path)
{
	int saved = errno;
	il_init();
	if (il_real.rmdir == NULL) {
		errno = ENOSYS;
		return -1;
	}
	il_del_call c = { "rmdir", AT_FDCWD, path, IL_DEL_RMDIR, 0, AT_FDCWD, NULL };
	return il_delete_proceed(&c, saved) ? il_real.rmdir(path) : -1;
}

IL_EXPORT int remove(const char *path)
{
	int saved = errno;
	il_init();
	if (il_real.remove == NULL) {
		errno = ENOSYS;
		return -1;
	}
	il_del_call c = { "remove", AT_FDCWD, path, IL_DEL_UNLINK, 1, AT_FDCWD, NULL };
	return il_delete_proceed(&c, saved) ? il_real.remove(path) : -1;
}

IL_EXPORT int rename(const char *from, const char *to)
{
	int saved = errno;
	il_init();
	if (il_real.rename == NULL) {
		errno = ENOSYS;
		return -1;
	}
	il_del_call c = { "rename", AT_FDCWD, to, IL_DEL_RENAME_OVER, 0, AT_FDCWD, from };
	return il_delete_proceed(&c, saved) ? il_real.rename(from, to) : -1;
}

IL_EXPORT int renameat(int fromfd, const char *from, int tofd, const char *to)
{
	int saved = errno;
	il_init();
	if (il_real.renameat == NULL) {
		errno = ENOSYS;
		return -1;
	}
	il_del_call c = { "renameat", tofd, to, IL_DEL_RENAME_OVER, 0, fromfd, from };
	return il_delete_proceed(&c, saved) ? il_real.renameat(fromfd, from, tofd, to) : -1;
}

IL_EXPORT int renameat2(int fromfd, const char *from, int tofd, const char *to,
			unsigned int flags)
{
	int saved = errno;
	il_init();
	if (il_real.renameat2 == NULL) {
		errno = ENOSYS;
		return -1;
	}
	/* NOREPLACE fails rather than replace; EXCHANGE swaps, destroying
	 * nothing: neither needs a decision. */
	if (flags & (RENAME_NOREPLACE | RENAME_EXCHANGE))
		return il_real.renameat2(fromfd, from, tofd, to, flags);
	il_del_call c = { "renameat2", tofd, to, IL_DEL_RENAME_OVER, 0, fromfd, from };
	return il_delete_proceed(&c, saved) ? il_real.renameat2(fromfd, from, tofd, to, flags)
					    : -1;
}
