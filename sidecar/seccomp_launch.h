/*
 * seccomp_launch.h — `--enforce` for `interlock run`, and the listener
 * hand-off between `interlock run --connect` and `interlock serve`.
 *
 * Private sidecar (`interlock run`): the launcher's child installs the
 * filter just before exec and passes the listener to the parent over a
 * socketpair (SCM_RIGHTS); the parent — which is the sidecar — supervises
 * it in its event loop and only then lets the child exec.
 *
 * Shared sidecar (`interlock run --connect SOCKET`): the parent forwards
 * the listener to the serve process over `seccomp.sock`, next to the agent
 * socket, and closes its own copy:
 *
 *   client -> serve  16 bytes: u32 magic IL_HANDOFF_MAGIC ("ILSC"),
 *                    u32 version 1, i32 launcher child pid, u32 0,
 *                    with exactly one SCM_RIGHTS descriptor (the listener)
 *   serve -> client  one line: "ok\n", or "error: <reason>\n" and close
 *
 * serve accepts a hand-off only from a peer whose uid it serves (its own
 * or `allow_uids`), only a seccomp listener, and only for a child of the
 * connecting process. The connection then stays open: when serve (the
 * supervisor) dies the launcher sees EOF and prints that gated calls now
 * fail; the kernel makes each of them return ENOSYS.
 */
#ifndef INTERLOCK_SECCOMP_LAUNCH_H
#define INTERLOCK_SECCOMP_LAUNCH_H

#include "loop.h"
#include "seccomp_filter.h"
#include "seccomp_sup.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define IL_HANDOFF_MAGIC 0x43534c49u   /* "ILSC" little-endian */
#define IL_HANDOFF_SOCK "seccomp.sock"

typedef struct {
	il_enforce mode;
	bool preload, seccomp;           /* which layers run */
	int sock[2];                     /* [0] parent, [1] child; -1 when unused */
	char *orig_preload;              /* LD_PRELOAD as we found it (NULL: unset) */
	il_seccomp_sup *sup;             /* private sidecar: the supervisor */
	int handoff;                     /* --connect: connection to serve, -1 */
	bool reported;                   /* the supervisor's death was announced */
} il_enforce_plan;

/* Parse and resolve --enforce MODE (NULL: auto) against the kernel;
 * prints the auto-mode warning on stderr. 0, or -1 with the reason in err. */
int il_enforce_plan_init(il_enforce_plan *p, const char *mode, char *err, size_t n);
void il_enforce_plan_free(il_enforce_plan *p);

/* In the launcher's child, right before exec: drop the shim from
 * LD_PRELOAD when the preload layer is off, and install the filter and
 * hand over its listener when seccomp is on. 0, or -1 after printing why
 * (the child must not exec then). */
int il_enforce_child(il_enforce_plan *p);

/* In the launcher (private sidecar) after fork: receive the child's
 * listener and supervise it in `loop`, deciding through the sidecar at
 * agent_sock. fast_policy: see il_seccomp_sup_set_fast_allow (NULL when
 * the sidecar audits allows or runs dry). 0, or -1 with the reason in
 * err (kill the child). */
int il_enforce_parent_private(il_enforce_plan *p, il_loop *loop, const char *agent_sock,
                              const il_policy *fast_policy, const char *session,
                              const char *agent_id, pid_t child, char *err, size_t n);

/* In the launcher (--connect) after fork: forward the listener to the
 * serve process whose agent socket is agent_sock. 0 or -1 + err. */
int il_enforce_parent_connected(il_enforce_plan *p, const char *agent_sock, pid_t child,
                                char *err, size_t n);

/* --connect: read one signalfd record from sigfd (blocking) while
 * watching the hand-off connection; on its EOF print once
 * "interlock: the sidecar supervising ... died; ..." on stderr.
 * Returns what read(2) on sigfd returned. */
ssize_t il_enforce_read_signal(il_enforce_plan *p, int sigfd, void *buf, size_t len);

/* serve: accept listener hand-offs on `path` (a new Unix socket, mode
 * `mode`) for supervisor s. Returns an opaque server, or NULL + err. */
typedef struct il_handoff_server il_handoff_server;
il_handoff_server *il_handoff_listen(il_seccomp_sup *s, il_loop *loop, const char *path,
                                     unsigned mode, const uid_t *allow_uids, size_t nallow,
                                     char *err, size_t n);
void il_handoff_free(il_handoff_server *h);

/* serve: a supervisor plus its hand-off socket next to agent_sock, in
 * loop. NULL when seccomp user notification is unavailable or setup
 * failed (a warning says so; agents then run with --enforce preload). */
typedef struct il_serve_seccomp il_serve_seccomp;
il_serve_seccomp *il_serve_seccomp_start(il_loop *loop, const char *agent_sock,
                                         const il_policy *fast_policy, unsigned mode,
                                         const uid_t *allow_uids, size_t nallow);
void il_serve_seccomp_stop(il_serve_seccomp *ss);

#endif
