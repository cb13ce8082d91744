/*
 * shim.h — internals shared by the files of the LD_PRELOAD shim
 * (build/lib/libinterlock.so). Nothing here is exported: every symbol is
 * hidden (-fvisibility=hidden) except the hook entry points, which carry
 * IL_EXPORT.
 *
 * Rules every file of the shim follows (see docs/shim.md):
 *  - no malloc, stdio, locks or locale on the paths that run before an
 *    exec: a vfork child shares its parent's memory, and a child forked
 *    from a multi-threaded process may find any lock held forever;
 *  - no writes to shared static state on those paths (only the cached
 *    configuration written once, by il_init(), before any hook runs);
 *  - errno is the real call's, or EACCES / ECONNREFUSED on a deny;
 *  - every descriptor the shim opens is close-on-exec;
 *  - any doubt (sidecar unreachable, malformed reply, path that cannot be
 *    resolved) is a deny.
 */
#ifndef INTERLOCK_SHIM_H
#define INTERLOCK_SHIM_H

#include <limits.h>
#include <spawn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <netdb.h>

#include "action.h"
#include "protocol.h"

#define IL_EXPORT __attribute__((visibility("default")))
#define IL_ARRAY_N(a) (sizeof(a) / sizeof((a)[0]))

/* Bounded buffers (all on the caller's stack). */
#define IL_CWD_MAX 4096          /* getcwd buffer */
#define IL_ABS_MAX 8192          /* an absolute, normalised path */
#define IL_REPLY_MAX 8192        /* largest reply payload the shim accepts */
#define IL_MSG_MAX 2048          /* one stderr line */
#define IL_CFG_VALUE_MAX 1024    /* a cached INTERLOCK_* value */
#define IL_ENV_STACK_MAX (256u * 1024u) /* larger fixed envp blocks use mmap */

/* The environment variables the shim caches at init and forces into the
 * environment of every child, in this order. */
enum {
	IL_CENV_SOCKET = 0,
	IL_CENV_SESSION,
	IL_CENV_AGENT_ID,
	IL_CENV_SHIM,
	IL_CENV_DRY_RUN,
	IL_CENV_LAYERS,
	IL_CENV_COUNT,
};

/* Configuration captured once at load time. `active` is 0 when the shim
 * was loaded outside interlock ($INTERLOCK_SOCKET unset): every hook then
 * passes straight through. `broken` names a configuration problem (socket
 * path too long, value too long) that makes every gated call deny. */
typedef struct {
	int active;
	const char *broken;
	/* The launcher says a seccomp layer gates deletes (INTERLOCK_LAYERS);
	 * il_seccomp_deletes() checks that a filter really is installed. */
	int seccomp_claimed;
	char socket_path[108];
	/* "NAME=value" strings; env_len[i] == 0 when the variable is unset */
	char env[IL_CENV_COUNT][IL_CFG_VALUE_MAX + 32];
	size_t env_len[IL_CENV_COUNT];
	size_t name_len[IL_CENV_COUNT];
	const char *session;     /* value part of env[IL_CENV_SESSION] or NULL */
	const char *agent_id;
	const char *shim_path;   /* absolute path of this library */
	size_t shim_path_len;
} il_config;

extern il_config il_cfg;

/* Real libc functions, resolved once (pthread_once) with dlsym(RTLD_NEXT).
 * A NULL entry means libc does not provide it: the hook fails with ENOSYS. */
typedef int (*il_spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
			   const posix_spawnattr_t *, char *const[], char *const[]);
typedef struct {
	int (*execve)(const char *, char *const[], char *const[]);
	int (*execv)(const char *, char *const[]);
	int (*execvp)(const char *, char *const[]);
	int (*execvpe)(const char *, char *const[], char *const[]);
	int (*fexecve)(int, char *const[], char *const[]);
	int (*execveat)(int, const char *, char *const[], char *const[], int);
	il_spawn_fn posix_spawn;        /* default version (GLIBC_2.15) */
	il_spawn_fn posix_spawnp;
	il_spawn_fn posix_spawn_old;    /* GLIBC_2.2.5: tries /bin/sh on ENOEXEC */
	il_spawn_fn posix_spawnp_old;
	int (*system)(const char *);
	FILE *(*popen)(const char *, const char *);
	int (*unlink)(const char *);
	int (*unlinkat)(int, const char *, int);
	int (*rmdir)(const char *);
	int (*remove)(const char *);
	int (*rename)(const char *, const char *);
	int (*renameat)(int, const char *, int, const char *);
	int (*renameat2)(int, const char *, int, const char *, unsigned int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*getaddrinfo)(const char *, const char *, const struct addrinfo *,
			   struct addrinfo **);
	struct hostent *(*gethostbyname)(const char *);
} il_real_table;

extern il_real_table il_real;

/* Run the one-time initialisation (config + symbols). Idempotent and cheap
 * after the first call; safe in a vfork child once the constructor ran. */
void il_init(void);
/* Does the seccomp layer gate (and perform) this process's deletes, so
 * that the shim leaves them to it instead of paying a second round trip
 * per unlink? The launcher must have said so and a filter must really be
 * installed ("Seccomp: 2" in /proc/self/status, read on the first delete,
 * not at load: most processes never delete anything). */
int il_seccomp_deletes(void);

/* Per-thread recursion guard. The shim itself never calls a hooked
 * function, so re-entry means a signal handler (or another preload
 * library's hook) ran a gated call while this thread was inside the shim.
 * One level of nesting is gated normally (il_ask is reentrant: stack only,
 * its own connection); anything deeper is runaway recursion and is denied.
 * il_guard_enter() saves the previous state in *g and returns the new
 * depth; il_guard_leave() restores it. The mark holds the thread id, so a
 * vfork child killed while marked cannot leave its parent (which shares
 * the TLS block) believing it is inside the shim. */
#define IL_GUARD_MAX_DEPTH 2
typedef struct {
	pid_t tid;
	int depth;
} il_guard;
int il_guard_enter(pid_t tid, il_guard *g);
void il_guard_leave(const il_guard *g);

/* One action to submit. Strings are NUL-terminated and borrowed. */
typedef struct {
	il_kind kind;
	const char *hook;          /* name of the intercepted function */
	const char *program;       /* exec */
	char *const *argv;         /* exec: argc strings */
	size_t argc;
	const char *path;          /* delete */
	int is_dir;
	il_delete_op del_op;
	const char *rename_from;
	const char *host;          /* connect (NULL when unknown) */
	const char *addr;
	unsigned port;
	int udp;
	/* http (hook_http.c): method NULL when the request was not visible */
	const char *method;
	const char *scheme;
	const char *url;
	const char *url_path;
	const char *query;         /* NULL when absent */
	const char *const *headers;
	size_t nheaders;
	int64_t body_len;          /* -1 unknown */
	int url_visible;
	const char *cwd;           /* NULL when getcwd failed */
	pid_t tid;                 /* caller's thread id (0: il_ask finds it) */
} il_req;

/* The per-thread persistent connection (shim_conn.c). Never used on the
 * exec path. il_conn_take returns this thread's idle, still-valid
 * connection (marking it busy) or -1; il_conn_cacheable says whether a
 * fresh connection may be kept afterwards (then call il_conn_mark_busy);
 * il_conn_release keeps it for reuse (keep=1) or closes it. */
void il_conn_init(void);
int il_conn_take(pid_t pid);
int il_conn_cacheable(pid_t pid);
void il_conn_mark_busy(pid_t pid);
void il_conn_release(pid_t pid, int fd, int keep);

/* Delete hints (shim_hints.c): il_hints_prepare fetches them once per
 * process (call it only outside vfork children and nested calls);
 * il_hints_skip_delete is 1 when no rule can make a delete of this
 * absolute path anything but allowed. il_hints_fetch (shim_wire.c) does
 * the HINTS_GET round trip on a fresh connection. */
void il_hints_prepare(int depth);
int il_hints_skip_delete(const char *abs_path);
/* 1 when no http rule can match this request (or none concerns HTTP at all) */
int il_hints_skip_http(const il_req *r);
/* 1 when no exec rule can match this program (async-signal-safe). */
int il_hints_skip_exec(const char *program, const char *argv0);
void il_hints_init(void);       /* registers the fork-prepare fetch */
int il_hints_fetch(char *buf, size_t cap, size_t *len);

/* Ask the sidecar about `r` and wait (without timeout) for its verdict.
 * Returns 1 to allow, 0 to deny; a deny has already printed its one line
 * on stderr. Never allocates; leaves errno unspecified. */
int il_ask(const il_req *r);

/* il_ask() unless the guard depth is too deep (then deny with a line). */
int il_ask_guarded(const il_req *r, int depth);

/* Print "interlock: denied <action> (<why>)" on stderr (one write). */
void il_deny_line(const il_req *r, const char *why, const char *detail);

/* Outcomes of the gate functions besides 1 (allow) and 0 (deny, errno
 * already EACCES/ECONNREFUSED and the stderr line printed). */
#define IL_GATE_PASS (-1)  /* shim inactive (or nothing to decide): call the real function untouched */
#define IL_GATE_FAIL (-2)  /* fail the call with errno as the real one would (EBADF, ENOENT...) */

/* Gate executing `path` (resolved against dirfd, AT_FDCWD = cwd; an empty
 * path with empty_ok names dirfd itself) with `argv`, reported as `hook`.
 * Returns 1, 0, IL_GATE_PASS or IL_GATE_FAIL. (hook_exec.c) */
int il_gate_exec(const char *hook, int dirfd, const char *path, int empty_ok,
		 char *const argv[]);

/* For the PATH-searching entry points: resolve `file` like execvp into
 * out[outsz] (file itself when it holds a '/'), then gate it. Returns as
 * il_gate_exec; IL_GATE_FAIL carries the search's errno. */
int il_gate_execp(const char *hook, const char *file, char *const argv[],
		  char *out, size_t outsz);

/* ---- paths (shim_path.c) ---- */

/* Lexically normalise the absolute path `in` into out[outsz]: collapse
 * "//", drop ".", resolve ".." (never above "/"), drop a trailing "/".
 * Symlinks are not followed. Returns 0, or -1 (ENAMETOOLONG / EINVAL when
 * `in` is not absolute). */
int il_normalize(const char *in, char *out, size_t outsz);

/* Absolute normalised form of `path` relative to `dirfd` (AT_FDCWD: the
 * cwd string given, which may be NULL when unknown). An empty path with
 * `empty_ok` names dirfd itself (AT_EMPTY_PATH). Returns 0, or -1 with
 * errno (EBADF for a bad dirfd, ENOENT when the cwd is unknown, ...). */
int il_resolve_at(int dirfd, const char *path, int empty_ok, const char *cwd,
		  char *out, size_t outsz);

/* Search `file` (no '/') along $PATH exactly as glibc's execvp does (the
 * default "/bin:/usr/bin" when PATH is unset; an empty entry is the cwd).
 * On success writes the candidate path (as execve would be given it) into
 * out and returns 0; else returns the errno execvp would fail with. */
int il_path_search(const char *file, char *out, size_t outsz);

/* getcwd into buf, or NULL (errno kept by caller). */
const char *il_getcwd(char *buf, size_t n);

/* ---- environment (shim_env.c) ---- */

/* Bytes needed to build a corrected copy of envp (NULL = empty) that
 * carries LD_PRELOAD with the shim and the cached INTERLOCK_* values,
 * or 0 when envp needs no correction (or the shim is inactive). */
size_t il_env_fix_size(char *const envp[]);
/* Build that copy in buf[size] (from il_env_fix_size) and return it. */
char **il_env_fix_build(char *const envp[], void *buf, size_t size);

/* For system()/popen(): bytes needed to rewrite `cmd` so that the shell
 * started by libc (with the process's own, possibly scrubbed, environ)
 * re-executes itself with the shim and INTERLOCK_* restored; 0 when the
 * environ is already right. */
size_t il_cmd_fix_size(const char *cmd);
/* Build the rewritten command in buf[size]; returns buf. */
char *il_cmd_fix_build(const char *cmd, char *buf, size_t size);

/* Map `size` bytes of private anonymous memory, or NULL. */
void *il_map(size_t size);
void il_unmap(void *p, size_t size);

/* Envp corrected for the shim, in the caller's frame: stack for the usual
 * sizes, mmap beyond IL_ENV_STACK_MAX (then *mapped_ is set for unmapping on
 * a failed exec). `out` is NULL when memory could not be had. */
#define IL_ENV_FIXED(envp_in, out, mapped_, mapsz_)                          \
	do {                                                                 \
		size_t il_sz_ = il_env_fix_size(envp_in);                    \
		(mapped_) = NULL;                                            \
		(mapsz_) = il_sz_;                                           \
		if (il_sz_ == 0) {                                           \
			(out) = (char **)(envp_in);                          \
		} else {                                                     \
			void *il_b_;                                         \
			if (il_sz_ <= IL_ENV_STACK_MAX) {                    \
				il_b_ = __builtin_alloca(il_sz_);            \
			} else {                                             \
				il_b_ = il_map(il_sz_);                      \
				(mapped_) = il_b_;                           \
			}                                                    \
			(out) = il_b_ ? il_env_fix_build(envp_in, il_b_, il_sz_) \
				      : NULL;                                \
		}                                                            \
	} while (0)

/* ---- the versioned posix_spawn hooks (hook_spawn.c, see shim.map) ---- */
int il_posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		   const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);
int il_posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
		    const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);
int il_posix_spawn_old(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		       const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);
int il_posix_spawnp_old(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);

/* ---- network (hook_net.c) ---- */

/* Start tracking a TCP connection that connect() just opened (or began
 * opening) on fd, for HTTP request gating (hook_http.c). `rc` is the real
 * connect's result; errno is preserved. */
void il_http_on_connect(int fd, const struct sockaddr *sa, socklen_t len, int rc);

/* Copy the host name most recently resolved (getaddrinfo/gethostbyname) to
 * the numeric address addr[alen] of `family` into out[n]; 0 or -1. */
int il_host_lookup(int family, const void *addr, size_t alen, char *out, size_t n);

/* ---- small string helpers (shim_str.c) ---- */

/* Bounded appender for building messages without stdio. */
typedef struct {
	char *buf;
	size_t cap, len;
} il_sb;
void il_sb_put(il_sb *b, const char *s);
void il_sb_putn(il_sb *b, const char *s, size_t n);
void il_sb_putu(il_sb *b, unsigned long v);
/* Write all of buf to fd (retrying EINTR and short writes); errno kept. */
void il_write_fd(int fd, const char *buf, size_t n);
/* Untranslated description of errno e (no locale, no malloc). */
const char *il_errstr(int e);

#endif
