/*
 * approver.h — approval backends: where a pending request goes to meet a
 * human, and how the human's answer comes back.
 *
 * A backend is plugged into the sidecar's event loop (loop.h): it may
 * register descriptors and timers of its own (a terminal, an HTTP client's
 * sockets driven by libcurl multi, ...). The sidecar calls
 *   submit(req)      a request now awaits a verdict; `req` stays valid until
 *                    cancel() is called for its id
 *   cancel(id, why)  the request left the pending state (decided elsewhere,
 *                    timed out, the agent went away, shutdown): forget it
 * and the backend answers, at any later time, with
 *   il_sidecar_resolve(sc, id, decision, reviewer, via, reason, ...)
 * (sidecar.h). A backend must never allow on its own failure: when it
 * cannot reach its humans it simply does not answer, and the deadline denies.
 *
 * cancel() is called exactly once for every submitted request, including
 * the ones the backend itself resolved.
 */
#ifndef INTERLOCK_APPROVER_H
#define INTERLOCK_APPROVER_H

#include "action.h"
#include "loop.h"
#include "policy.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct il_sidecar il_sidecar;

/* What a backend sees of a pending request (owned by the sidecar). */
typedef struct {
	const char *id;                 /* "r-" + 12 hex */
	const il_action *action;
	const il_verdict *verdict;      /* matched rules, risk, approvals */
	const char *summary;            /* one printable line: "exec rm -rf /srv" */
	int64_t created_wall_ms;
	int64_t deadline_wall_ms, deadline_mono_ms;
	unsigned approvals_needed;
	unsigned approvals_got;         /* distinct reviewers so far */
	const char *session, *agent_id;
	const char *hostname;
} il_approval_request;

typedef struct il_approver il_approver;

typedef struct {
	const char *name;               /* "tty", "cli", ... */
	/* Accept approve/deny sent over the control socket (`interlock
	 * approve`) while this backend is active. */
	bool local_decisions;
	int (*submit)(il_approver *ap, const il_approval_request *req);
	void (*cancel)(il_approver *ap, const char *id, const char *why);
	void (*free)(il_approver *ap);
} il_approver_ops;

struct il_approver {
	const il_approver_ops *ops;
	il_sidecar *sc;
	il_loop *loop;
	void *priv;
};

/* Create the backend named by spec ("tty" or "cli"). NULL + err when the
 * spec is unknown or the backend cannot work here (no terminal...). */
il_approver *il_approver_create(const char *spec, il_sidecar *sc, il_loop *loop,
                                char *err, size_t n);
il_approver *il_approver_tty_new(il_sidecar *sc, il_loop *loop, char *err, size_t n);
il_approver *il_approver_cli_new(il_sidecar *sc, il_loop *loop, char *err, size_t n);
void il_approver_free(il_approver *ap);

#endif
