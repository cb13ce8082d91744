/*
 * seccomp_sup.h — the seccomp user-notification supervisor: the
 * non-bypassable layer's decision side, running inside the sidecar's
 * single-threaded event loop.
 *
 * For every notification (see seccomp_filter.h for what the filter sends)
 * the supervisor reads the call's arguments from the stopped caller
 * (re-checking that the notification is still valid after the reads),
 * builds the same il_action the shim would, and answers:
 *
 *  - exec: SECCOMP_USER_NOTIF_FLAG_CONTINUE when allowed; the arguments are
 *    read again after the decision and must not have changed; an exec that
 *    needed a human is refused when another thread can rewrite the
 *    caller's memory (multi-threaded, or a vfork child of a multi-threaded
 *    parent), since that thread could swap the program after the check;
 *  - delete / rename: performed by the supervisor on the caller's behalf
 *    (relative to the caller's cwd or dirfd, with the exact path bytes that
 *    were decided, with the caller's fsuid/fsgid), and answered with that
 *    result — never CONTINUE, so no argument swap can redirect it;
 *  - connect on an AF_INET/AF_INET6 socket: performed on the caller's
 *    behalf on a duplicate of its socket (pidfd_getfd) with the address
 *    that was decided; other socket families continue untouched.
 *
 * Decisions come from the sidecar's pipeline (seccomp_decide.h), or from
 * the shim's verdict for the same call (seccomp_cache.h), so a dynamic
 * program under `--enforce both` is asked about once. Notifications
 * repeated after a signal restart join the question already in flight
 * (or reuse a decision a few seconds old) instead of asking again.
 *
 * A denied call fails with EACCES (ECONNREFUSED for connect) and its
 * one-line reason is written to the caller's stderr.
 */
#ifndef INTERLOCK_SECCOMP_SUP_H
#define INTERLOCK_SECCOMP_SUP_H

#include "loop.h"
#include "policy.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct il_seccomp_sup il_seccomp_sup;

/* A supervisor deciding through the sidecar listening on agent_sock (in
 * the same loop). session/agent_id are recorded with every action (may be
 * NULL). NULL + err on failure. */
il_seccomp_sup *il_seccomp_sup_new(il_loop *loop, const char *agent_sock, const char *session,
                                   const char *agent_id, char *err, size_t n);
/* Close every listener (their callers' pending calls fail with ENOSYS)
 * and the hand-off socket. */
void il_seccomp_sup_free(il_seccomp_sup *s);

/* Decide plain allows in-process: when set, an action the policy allows
 * with no rule matched is answered at once, without the round trip
 * through the agent socket — exactly what the pipeline would do when it
 * neither audits allows nor runs in dry-run mode (the caller only sets
 * this then). Anything else still goes through the pipeline. */
void il_seccomp_sup_set_fast_allow(il_seccomp_sup *s, const il_policy *policy);

/* Take ownership of a listener fd for the agent tree whose launcher child
 * is launcher_child: that process's own exec of the agent (while its image
 * is still the launcher's) continues without a question. 0 or -1 + err. */
int il_seccomp_sup_add_listener(il_seccomp_sup *s, int fd, pid_t launcher_child,
                                char *err, size_t n);

/* Listeners still attached (targets alive). */
size_t il_seccomp_sup_listeners(const il_seccomp_sup *s);
/* Notifications handled so far (statistics, tests). */
unsigned long il_seccomp_sup_handled(const il_seccomp_sup *s);

#endif
