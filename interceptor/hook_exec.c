/*
 * hook_exec.c — the exec family: execve, execv, execvp, execvpe, execl,
 * execle, execlp, fexecve, execveat.
 *
 * glibc implements most of these by calling its internal __execve
 * directly (not through the PLT), so every entry point is hooked on its
 * own. Each one resolves the program exactly as the kernel / glibc would
 * (PATH search for the p-variants), asks the sidecar, and on allow runs
 * the real execve with an environment that still carries the shim.
 *
 * These functions run in vfork children: they use only the caller's stack
 * (alloca for argument vectors and the corrected envp, as glibc's own
 * execl does) and never write shared state; the recursion guard is
 * released before the real exec so a successful exec leaves nothing
 * behind in the parent's memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

extern char **environ;

static size_t il_argc(char *const argv[])
{
	size_t n = 0;
	while (argv && argv[n])
		n++;
	return n;
}

int il_gate_exec(const char *hook, int dirfd, const char *path, int empty_ok,
		 char *const argv[])
{
	il_init();
	if (!il_cfg.active)
		return IL_GATE_PASS;
	pid_t tid = (pid_t)syscall(SYS_gettid);
	il_guard guard;
	int depth = il_guard_enter(tid, &guard);
	char cwdbuf[IL_CWD_MAX];
	char prog[IL_ABS_MAX];
	struct stat st;
	const char *cwd = il_getcwd(cwdbuf, sizeof cwdbuf);
	int rc;
	if (path == NULL) {
		errno = EFAULT;
		rc = IL_GATE_FAIL;
	} else if (il_resolve_at(dirfd, path, empty_ok, cwd, prog, sizeof prog) < 0) {
		rc = IL_GATE_FAIL;
	} else if (fstatat(dirfd, path, &st, empty_ok && path[0] == '\0' ? AT_EMPTY_PATH : 0) < 0) {
		/* Nothing to run: fail as execve would, without asking and
		 * without calling it (so nothing can appear in between).
		 * Callers that try every $PATH entry (Python, libuv) then
		 * ask only about programs that exist. */
		rc = IL_GATE_FAIL;
	} else {
		il_req r = {
			.kind = IL_KIND_EXEC,
			.hook = hook,
			.program = prog,
			.argv = argv,
			.argc = il_argc(argv),
			.cwd = cwd,
			.tid = tid,
		};
		/* a program no exec rule names: allowed without a round trip
		 * (static tables only: safe in a vfork child) */
		if (il_hints_skip_exec(prog, argv ? argv[0] : NULL))
			rc = 1;
		else
			rc = il_ask_guarded(&r, depth);
		if (!rc)
			errno = EACCES;
	}
	int e = errno;
	il_guard_leave(&guard);
	errno = e;
	return rc;
}

int il_gate_execp(const char *hook, const char *file, char *const argv[],
		  char *out, size_t outsz)
{
	il_init();
	if (!il_cfg.active)
		return IL_GATE_PASS;
	if (file == NULL) {
		errno = EFAULT;
		return IL_GATE_FAIL;
	}
	if (file[0] == '\0') {
		errno = ENOENT;
		return IL_GATE_FAIL;
	}
	if (strchr(file, '/')) {
		size_t fl = strlen(file);
		if (fl + 1 > outsz) {
			errno = ENAMETOOLONG;
			return IL_GATE_FAIL;
		}
		memcpy(out, file, fl + 1);
	} else {
		int err = il_path_search(file, out, outsz);
		if (err) {
			errno = err;
			return IL_GATE_FAIL;
		}
	}
	return il_gate_exec(hook, AT_FDCWD, out, 0, argv);
}

/*
 * glibc's fallback for the PATH-searching calls: a file the kernel refuses
 * with ENOEXEC (a script without #!) is run by /bin/sh.
 */
static int il_exec_script(const char *path, char *const argv[], char *const envp[])
{
	size_t argc = il_argc(argv);
	size_t n = argc > 1 ? argc + 1 : 2;
	char **nargv = __builtin_alloca((n + 1) * sizeof(char *));
	nargv[0] = (char *)"/bin/sh";
	nargv[1] = (char *)path;
	for (size_t i = 1; i < argc; i++)
		nargv[i + 1] = argv[i];
	nargv[n] = NULL;
	return il_real.execve("/bin/sh", nargv, envp);
}

/* The allowed exec: corrected envp, caller's errno restored, real execve. */
static int il_do_execve(const char *path, char *const argv[], char *const envp[],
			int saved, int script)
{
	char **fixed;
	void *map;
	size_t mapsz;
	IL_ENV_FIXED(envp, fixed, map, mapsz);
	if (fixed == NULL) {
		errno = ENOMEM;
		return -1;
	}
	errno = saved;
	int rc = il_real.execve(path, argv, fixed);
	if (script && errno == ENOEXEC)
		rc = il_exec_script(path, argv, fixed);
	int e = errno;
	il_unmap(map, mapsz);
	errno = e;
	return rc;
}

static int il_execve_as(const char *hook, const char *path, char *const argv[],
			char *const envp[])
{
	int saved = errno;
	il_init();
	if (il_real.execve == NULL) {
		errno = ENOSYS;
		return -1;
	}
	int g = il_gate_exec(hook, AT_FDCWD, path, 0, argv);
	if (g == IL_GATE_PASS) {
		errno = saved;
		return il_real.execve(path, argv, envp);
	}
	if (g != 1)
		return -1;
	return il_do_execve(path, argv, envp, saved, 0);
}

static int il_execvpe_as(const char *hook, const char *file, char *const argv[],
			 char *const envp[])
{
	int saved = errno;
	il_init();
	if (il_real.execve == NULL || il_real.execvpe == NULL) {
		errno = ENOSYS;
		return -1;
	}
	char path[IL_ABS_MAX];
	int g = il_gate_execp(hook, file, argv, path, sizeof path);
	if (g == IL_GATE_PASS) {
		errno = saved;
		return il_real.execvpe(file, argv, envp);
	}
	if (g != 1)
		return -1;
	return il_do_execve(path, argv, envp, saved, 1);
}

IL_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	return il_execve_as("execve", path, argv, envp);
}

IL_EXPORT int execv(const char *path, char *const argv[])
{
	return il_execve_as("execv", path, argv, environ);
}

IL_EXPORT int execvp(const char *file, char *const argv[])
{
	return il_execvpe_as("execvp", file, argv, environ);
}

IL_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	return il_execvpe_as("execvpe", file, argv, envp);
}

/* glibc declares the first list argument of execl* nonnull, yet callers do
 * pass NULL (an empty argv): hide the value from the optimiser so the NULL
 * checks below are kept. */
static const char *il_launder(const char *p)
{
	__asm__("" : "+r"(p));
	return p;
}

/* Count the variadic arguments after `arg` up to the NULL terminator. */
static size_t il_count_va(const char *arg, va_list *ap)
{
	size_t n = 0;
	if (arg == NULL)
		return 0;
	n = 1;
	va_list aq;
	va_copy(aq, *ap);
	while (va_arg(aq, const char *) != NULL)
		n++;
	va_end(aq);
	return n;
}

/* Fill argv[0..n] from arg and ap (argv[n] = NULL); consumes n-1 args. */
static void il_fill_va(char **argv, size_t n, const char *arg, va_list *ap)
{
	if (n > 0)
		argv[0] = (char *)arg;
	for (size_t i = 1; i < n; i++)
		argv[i] = va_arg(*ap, char *);
	argv[n] = NULL;
}

IL_EXPORT int execl(const char *path, const char *arg0, ...)
{
	va_list ap;
	va_start(ap, arg0);
	const char *arg = il_launder(arg0);
	size_t n = il_count_va(arg, &ap);
	char **argv = __builtin_alloca((n + 1) * sizeof(char *));
	il_fill_va(argv, n, arg, &ap);
	va_end(ap);
	return il_execve_as("execl", path, argv, environ);
}

IL_EXPORT int execle(const char *path, const char *arg0, ...)
{
	va_list ap;
	va_start(ap, arg0);
	const char *arg = il_launder(arg0);
	size_t n = il_count_va(arg, &ap);
	char **argv = __builtin_alloca((n + 1) * sizeof(char *));
	il_fill_va(argv, n, arg, &ap);
	if (arg != NULL)
		(void)va_arg(ap, char *); /* the NULL terminator */
	char *const *envp = va_arg(ap, char *const *);
	va_end(ap);
	return il_execve_as("execle", path, argv, envp);
}

IL_EXPORT int execlp(const char *file, const char *arg0, ...)
{
	va_list ap;
	va_start(ap, arg0);
	const char *arg = il_launder(arg0);
	size_t n = il_count_va(arg, &ap);
	char **argv = __builtin_alloca((n + 1) * sizeof(char *));
	il_fill_va(argv, n, arg, &ap);
	va_end(ap);
	return il_execvpe_as("execlp", file, argv, environ);
}

IL_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	int saved = errno;
	il_init();
	if (il_real.fexecve == NULL) {
		errno = ENOSYS;
		return -1;
	}
	int g = il_gate_exec("fexecve", fd, "", 1, argv);
	if (g == IL_GATE_PASS) {
		errno = saved;
		return il_real.fexecve(fd, argv, envp);
	}
	if (g != 1)
		return -1;
	char **fixed;
	void *map;
	size_t mapsz;
	IL_ENV_FIXED(envp, fixed, map, mapsz);
	if (fixed == NULL) {
		errno = ENOMEM;
		return -1;
	}
	errno = saved;
	int rc = il_real.fexecve(fd, argv, fixed);
	int e = errno;
	il_unmap(map, mapsz);
	errno = e;
	return rc;
}

IL_EXPORT int execveat(int dirfd, const char *path, char *const argv[],
		       char *const envp[], int flags)
{
	int saved = errno;
	il_init();
	if (il_real.execveat == NULL) {
		errno = ENOSYS;
		return -1;
	}
	int g = il_gate_exec("execveat", dirfd, path, (flags & AT_EMPTY_PATH) != 0, argv);
	if (g == IL_GATE_PASS) {
		errno = saved;
		return il_real.execveat(dirfd, path, argv, envp, flags);
	}
	if (g != 1)
		return -1;
	char **fixed;
	void *map;
	size_t mapsz;
	IL_ENV_FIXED(envp, fixed, map, mapsz);
	if (fixed == NULL) {
		errno = ENOMEM;
		return -1;
	}
	errno = saved;
	int rc = il_real.execveat(dirfd, path, argv, fixed, flags);
	int e = errno;
	il_unmap(map, mapsz);
	errno = e;
	return rc;
}
