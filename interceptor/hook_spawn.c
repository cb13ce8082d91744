/*
 * hook_spawn.c — posix_spawn, posix_spawnp (both symbol versions), system
 * and popen.
 *
 * On x86_64 glibc exports posix_spawn/posix_spawnp twice: the current
 * @@GLIBC_2.15 and the old @GLIBC_2.2.5, which on ENOEXEC retries the file
 * with /bin/sh. A program linked long ago (or one that binds the old
 * version with .symver) calls the old one, so the shim defines both
 * versions (interceptor/shim.map) and forwards each to its own real
 * counterpart. system() and popen() use glibc's internal spawn, which no
 * hook sees, so they are gated themselves as an exec of /bin/sh -c CMD.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

extern char **environ;

/*
 * The parent of a spawn runs no fork handlers (posix_spawn clones with
 * CLONE_VFORK), so it would never fetch the screens (shim_hints.c) and
 * every exec it starts would be a round trip. Fetch them here, once per
 * process, from the parent's side of the call — never a vfork child's
 * (il_hints_prepare refuses those, and nested or signal-handler calls).
 */
static void il_spawn_hints(void)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);
	il_guard guard;
	int depth = il_guard_enter(tid, &guard);
	il_hints_prepare(depth);
	il_guard_leave(&guard);
}

/*
 * Shared body of the four spawn entry points. `search` selects the
 * execvp-style PATH search (done here, so the program the sidecar judged
 * is the one spawned: the real non-p function then gets the resolved
 * path). Returns an error number like posix_spawn; errno is preserved.
 */
static int il_spawn(const char *hook, il_spawn_fn real, il_spawn_fn real_pass, int search,
		    pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		    const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	int saved = errno;
	il_init();
	if (real == NULL || real_pass == NULL)
		return ENOSYS;
	il_spawn_hints();
	char resolved[IL_ABS_MAX];
	int g = search ? il_gate_execp(hook, path, argv, resolved, sizeof resolved)
		       : il_gate_exec(hook, AT_FDCWD, path, 0, argv);
	if (g == IL_GATE_PASS) {
		errno = saved;
		int rc = real_pass(pid, path, fa, attr, argv, envp);
		errno = saved;
		return rc;
	}
	if (g != 1) {
		int e = errno;
		errno = saved;
		return e ? e : EACCES;
	}
	char **fixed;
	void *map;
	size_t mapsz;
	IL_ENV_FIXED(envp, fixed, map, mapsz);
	if (fixed == NULL) {
		errno = saved;
		return ENOMEM;
	}
	int rc = real(pid, search ? resolved : path, fa, attr, argv, fixed);
	il_unmap(map, mapsz);
	errno = saved;
	return rc;
}

/* Current versions (GLIBC_2.15 on x86_64). */
IL_EXPORT int il_posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
			     const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return il_spawn("posix_spawn", il_real.posix_spawn, il_real.posix_spawn, 0, pid, path, fa,
			attr, argv, envp);
}

IL_EXPORT int il_posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			      const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return il_spawn("posix_spawnp", il_real.posix_spawn, il_real.posix_spawnp, 1, pid, file,
			fa, attr, argv, envp);
}

/* Old versions (GLIBC_2.2.5): forwarded to the old real functions, which
 * keep their /bin/sh retry on ENOEXEC. */
IL_EXPORT int il_posix_spawn_old(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
				 const posix_spawnattr_t *attr, char *const argv[],
				 char *const envp[])
{
	return il_spawn("posix_spawn", il_real.posix_spawn_old, il_real.posix_spawn_old, 0, pid,
			path, fa, attr, argv, envp);
}

IL_EXPORT int il_posix_spawnp_old(pid_t *pid, const char *file,
				  const posix_spawn_file_actions_t *fa,
				  const posix_spawnattr_t *attr, char *const argv[],
				  char *const envp[])
{
	return il_spawn("posix_spawnp", il_real.posix_spawn_old, il_real.posix_spawnp_old, 1, pid,
			file, fa, attr, argv, envp);
}

#if defined(__x86_64__)
__asm__(".symver il_posix_spawn, posix_spawn@@GLIBC_2.15");
__asm__(".symver il_posix_spawnp, posix_spawnp@@GLIBC_2.15");
__asm__(".symver il_posix_spawn_old, posix_spawn@GLIBC_2.2.5");
__asm__(".symver il_posix_spawnp_old, posix_spawnp@GLIBC_2.2.5");
#else
#error "interceptor/shim.map and these .symver lines describe x86_64 glibc only"
#endif

/* Gate "/bin/sh -c cmd" for system() and popen(). */
static int il_gate_shell(const char *hook, const char *cmd)
{
	il_spawn_hints();
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)cmd, NULL };
	return il_gate_exec(hook, AT_FDCWD, "/bin/sh", 0, argv);
}

IL_EXPORT int system(const char *cmd)
{
	int saved = errno;
	il_init();
	if (il_real.system == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (cmd == NULL)
		return il_real.system(cmd);
	int g = il_gate_shell("system", cmd);
	if (g == IL_GATE_PASS) {
		errno = saved;
		return il_real.system(cmd);
	}
	if (g != 1)
		return -1;
	size_t sz = il_cmd_fix_size(cmd);
	char *buf = NULL;
	if (sz) {
		buf = il_map(sz);
		if (buf == NULL) {
			errno = ENOMEM;
			return -1;
		}
		il_cmd_fix_build(cmd, buf, sz);
	}
	errno = saved;
	int rc = il_real.system(buf ? buf : cmd);
	int e = errno;
	il_unmap(buf, sz);
	errno = e;
	return rc;
}

IL_EXPORT FILE *popen(const char *cmd, const char *mode)
{
	int saved = errno;
	il_init();
	if (il_real.popen == NULL) {
		errno = ENOSYS;
		return NULL;
	}
	if (cmd == NULL)
		return il_real.popen(cmd, mode);
	int g = il_gate_shell("popen", cmd);
	if (g == IL_GATE_PASS) {
		errno = saved;
		return il_real.popen(cmd, mode);
	}
	if (g != 1)
		return NULL;
	size_t sz = il_cmd_fix_size(cmd);
	char *buf = NULL;
	if (sz) {
		buf = il_map(sz);
		if (buf == NULL) {
			errno = ENOMEM;
			return NULL;
		}
		il_cmd_fix_build(cmd, buf, sz);
	}
	errno = saved;
	FILE *f = il_real.popen(buf ? buf : cmd, mode);
	int e = errno;
	il_unmap(buf, sz);
	errno = e;
	return f;
}
