/*
 * seccomp_decide.h — "decide this action, call me back with the final
 * decision": the seccomp supervisor's way into the sidecar's decision
 * pipeline.
 *
 * The supervisor runs in the sidecar's own event loop, so it asks exactly
 * the way a shim does: it connects to the sidecar's agent socket (from
 * the same process), sends a DECIDE frame (IL_T_LAYER "seccomp") and reads
 * PENDING / VERDICT frames. Every rule, dry-run, break-glass, approver,
 * deadline and audit path is therefore the very same code as for the
 * shim, with no second implementation to drift. Connections are pooled;
 * one carries one question at a time.
 *
 * Any failure (socket error, malformed reply, sidecar gone) is a deny.
 */
#ifndef INTERLOCK_SECCOMP_DECIDE_H
#define INTERLOCK_SECCOMP_DECIDE_H

#include "action.h"
#include "loop.h"

#include <stdbool.h>
#include <sys/types.h>

typedef struct il_sc_decider il_sc_decider;
typedef struct il_sc_ticket il_sc_ticket;

/* The final answer. human: the sidecar parked the action for a reviewer
 * (a PENDING came first). rule: matched rule id or NULL. message: the
 * exact line to show the caller on a deny (may be NULL). All strings are
 * valid only during the call. */
typedef void (*il_sc_decided_fn)(void *arg, bool allow, bool human, const char *rule,
                                 const char *message);

il_sc_decider *il_sc_decider_new(il_loop *loop, const char *agent_sock);
/* Cancels every outstanding ticket (their callbacks are not called). */
void il_sc_decider_free(il_sc_decider *d);

/* Ask about action a (hook: the system call's name, tid: the calling
 * thread). cb runs exactly once, from the loop, never before this returns —
 * unless the ticket is cancelled first. NULL when the question could not
 * even be sent (then nothing will be called: deny). */
il_sc_ticket *il_sc_decide(il_sc_decider *d, const il_action *a, const char *hook, pid_t tid,
                           il_sc_decided_fn cb, void *arg);

/* Forget the question: the callback will not run; the connection is
 * closed (the sidecar cancels a pending request after its grace time). */
void il_sc_ticket_cancel(il_sc_ticket *t);

#endif
