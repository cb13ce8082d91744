/*
 * shim_init.c — load-time set-up of the preload shim: the cached
 * configuration (INTERLOCK_* values, shim path), the table of real libc
 * functions, and the per-thread recursion guard.
 *
 * Everything here runs once, from the library constructor (or from the
 * first hook that runs before it, e.g. inside another library's
 * constructor), under pthread_once. Hooks only ever read il_cfg/il_real
 * afterwards, so a vfork child or a child forked from a multi-threaded
 * process sees a complete, immutable copy.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim.h"

il_config il_cfg;
il_real_table il_real;

static pthread_once_t il_once = PTHREAD_ONCE_INIT;

static __thread pid_t il_guard_tid __attribute__((tls_model("initial-exec")));
static __thread int il_guard_depth __attribute__((tls_model("initial-exec")));

static const char *const il_env_names[IL_CENV_COUNT] = {
	[IL_CENV_SOCKET] = IL_ENV_SOCKET,
	[IL_CENV_SESSION] = IL_ENV_SESSION,
	[IL_CENV_AGENT_ID] = IL_ENV_AGENT_ID,
	[IL_CENV_SHIM] = IL_ENV_SHIM,
	[IL_CENV_DRY_RUN] = IL_ENV_DRY_RUN,
	[IL_CENV_LAYERS] = IL_ENV_LAYERS,
};

/*
 * Store "NAME=value" for cached variable i. A value too long for the
 * static buffer marks the configuration broken (every gated call then
 * denies) rather than silently truncating it.
 */
static void il_cache_var(int i, const char *value)
{
	size_t nl = strlen(il_env_names[i]);
	il_cfg.name_len[i] = nl;
	if (value == NULL)
		return;
	size_t vl = strlen(value);
	if (vl > IL_CFG_VALUE_MAX) {
		il_cfg.broken = "an INTERLOCK_* variable is too long";
		return;
	}
	memcpy(il_cfg.env[i], il_env_names[i], nl);
	il_cfg.env[i][nl] = '=';
	memcpy(il_cfg.env[i] + nl + 1, value, vl);
	il_cfg.env[i][nl + 1 + vl] = '\0';
	il_cfg.env_len[i] = nl + 1 + vl;
}

static const char *il_cached_value(int i)
{
	return il_cfg.env_len[i] ? il_cfg.env[i] + il_cfg.name_len[i] + 1 : NULL;
}

/*
 * Is a seccomp filter installed on this process? ("Seccomp:\t2" in
 * /proc/self/status.) Read once, at load time, never on a hook's path.
 */
static int il_seccomp_filtered(void)
{
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	const char *p = strstr(buf, "\nSeccomp:");
	if (!p)
		return 0;
	p += strlen("\nSeccomp:");
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '2';
}

/*
 * Leave deletes to the seccomp layer only when both hold: the launcher
 * said it installed one (INTERLOCK_LAYERS, forced into every child like the
 * other cached variables), and a filter really is installed. A forged
 * variable can only matter where the agent already runs without the seccomp
 * layer — where a static binary walks past the shim anyway.
 */
static void il_load_layers(void)
{
	const char *layers = il_cached_value(IL_CENV_LAYERS);
	il_cfg.seccomp_claimed = layers && strcmp(layers, "preload+seccomp") == 0;
}

/* 0: not read yet, 1: no filter, 2: filtered. Every thread that reads it
 * finds the same answer (a filter is inherited and never removed), so
 * concurrent first reads only repeat the same work. */
static _Atomic int il_filtered_state;

int il_seccomp_deletes(void)
{
	if (!il_cfg.seccomp_claimed)
		return 0;
	int st = atomic_load_explicit(&il_filtered_state, memory_order_relaxed);
	if (st == 0) {
		st = il_seccomp_filtered() ? 2 : 1;
		atomic_store_explicit(&il_filtered_state, st, memory_order_relaxed);
	}
	return st == 2;
}

/*
 * Read the environment once. Without $INTERLOCK_SOCKET the shim was loaded
 * outside interlock and stays inactive (pure pass-through). The shim path
 * comes from $INTERLOCK_SHIM, else from where the loader found this library,
 * made absolute so a child in another directory can still load it.
 */
static void il_load_config(void)
{
	const char *sock = getenv(IL_ENV_SOCKET);
	if (sock == NULL)
		return;
	il_cfg.active = 1;
	for (int i = 0; i < IL_CENV_COUNT; i++)
		il_cache_var(i, getenv(il_env_names[i]));
	if (strlen(sock) >= sizeof(il_cfg.socket_path) || sock[0] == '\0')
		il_cfg.broken = "INTERLOCK_SOCKET is empty or too long for a unix socket";
	else
		memcpy(il_cfg.socket_path, sock, strlen(sock) + 1);

	char abs[PATH_MAX];
	const char *shim = il_cached_value(IL_CENV_SHIM);
	Dl_info info;
	if (shim == NULL && dladdr((void *)&il_init, &info) && info.dli_fname)
		shim = info.dli_fname;
	/* interlock run passes an absolute, resolved path: only a relative
	 * one (the loader's own name for us, a hand-set variable) is resolved
	 * here, which costs a system call per path component at every start */
	if (shim != NULL && shim[0] != '/' && realpath(shim, abs) != NULL)
		shim = abs;
	if (shim == NULL || shim[0] != '/') {
		il_cfg.broken = "cannot determine the shim's own path (set INTERLOCK_SHIM)";
		return;
	}
	il_cache_var(IL_CENV_SHIM, shim);
	il_cfg.session = il_cached_value(IL_CENV_SESSION);
	il_cfg.agent_id = il_cached_value(IL_CENV_AGENT_ID);
	il_cfg.shim_path = il_cached_value(IL_CENV_SHIM);
	il_cfg.shim_path_len = il_cfg.shim_path ? strlen(il_cfg.shim_path) : 0;
	if (il_cfg.shim_path == NULL)
		il_cfg.broken = "the shim path is too long";
	il_load_layers();
}

/* dlsym(RTLD_NEXT) wrapped so that a missing symbol is simply NULL. */
static void *il_next(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

static void *il_next_ver(const char *name, const char *ver)
{
	void *p = dlvsym(RTLD_NEXT, name, ver);
	return p ? p : dlsym(RTLD_NEXT, name);
}

#if defined(__x86_64__)
#define IL_SPAWN_OLD_VERSION "GLIBC_2.2.5"
#define IL_SPAWN_NEW_VERSION "GLIBC_2.15"
#endif

static void il_resolve_symbols(void)
{
	/* Function pointers from void *: POSIX guarantees this works for dlsym. */
#define IL_RESOLVE(field, name) \
	do { void *p_ = il_next(name); memcpy(&il_real.field, &p_, sizeof p_); } while (0)
#define IL_RESOLVE_VER(field, name, ver) \
	do { void *p_ = il_next_ver(name, ver); memcpy(&il_real.field, &p_, sizeof p_); } while (0)
	IL_RESOLVE(execve, "execve");
	IL_RESOLVE(execv, "execv");
	IL_RESOLVE(execvp, "execvp");
	IL_RESOLVE(execvpe, "execvpe");
	IL_RESOLVE(fexecve, "fexecve");
	IL_RESOLVE(execveat, "execveat");
#ifdef IL_SPAWN_OLD_VERSION
	IL_RESOLVE_VER(posix_spawn, "posix_spawn", IL_SPAWN_NEW_VERSION);
	IL_RESOLVE_VER(posix_spawnp, "posix_spawnp", IL_SPAWN_NEW_VERSION);
	IL_RESOLVE_VER(posix_spawn_old, "posix_spawn", IL_SPAWN_OLD_VERSION);
	IL_RESOLVE_VER(posix_spawnp_old, "posix_spawnp", IL_SPAWN_OLD_VERSION);
#else
	IL_RESOLVE(posix_spawn, "posix_spawn");
	IL_RESOLVE(posix_spawnp, "posix_spawnp");
	IL_RESOLVE(posix_spawn_old, "posix_spawn");
	IL_RESOLVE(posix_spawnp_old, "posix_spawnp");
#endif
	IL_RESOLVE(system, "system");
	IL_RESOLVE(popen, "popen");
	IL_RESOLVE(unlink, "unlink");
	IL_RESOLVE(unlinkat, "unlinkat");
	IL_RESOLVE(rmdir, "rmdir");
	IL_RESOLVE(remove, "remove");
	IL_RESOLVE(rename, "rename");
	IL_RESOLVE(renameat, "renameat");
	IL_RESOLVE(renameat2, "renameat2");
	IL_RESOLVE(connect, "connect");
	IL_RESOLVE(getaddrinfo, "getaddrinfo");
	IL_RESOLVE(gethostbyname, "gethostbyname");
#undef IL_RESOLVE
#undef IL_RESOLVE_VER
}

static void il_init_once(void)
{
	int saved = errno;
	il_resolve_symbols();
	il_load_config();
	il_conn_init();
	il_hints_init();
	errno = saved;
}

void il_init(void)
{
	pthread_once(&il_once, il_init_once);
}

__attribute__((constructor)) static void il_constructor(void)
{
	il_init();
}

int il_guard_enter(pid_t tid, il_guard *g)
{
	g->tid = il_guard_tid;
	g->depth = il_guard_depth;
	il_guard_depth = il_guard_tid == tid ? il_guard_depth + 1 : 1;
	il_guard_tid = tid;
	return il_guard_depth;
}

void il_guard_leave(const il_guard *g)
{
	il_guard_tid = g->tid;
	il_guard_depth = g->depth;
}
