/*
 * sidecar.h — the policy decision point: a Unix-socket server that takes
 * actions from the shim, decides them with the rules, parks the ones that
 * need a human with an approver backend, enforces deadlines, and releases
 * every verdict only after its audit record is durable.
 *
 * One il_sidecar runs inside one single-threaded il_loop. It serves two
 * sockets in its (0700) directory: agent.sock (the wire protocol of
 * interceptor/protocol.h) and ctl.sock (the JSON-lines control protocol of
 * control.h). See docs/sidecar.md for the decision pipeline.
 */
#ifndef INTERLOCK_SIDECAR_H
#define INTERLOCK_SIDECAR_H

#include "approver.h"
#include "audit.h"
#include "breakglass.h"
#include "dryrun.h"
#include "loop.h"
#include "policy.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct {
	const char *agent_sock;         /* path to bind for the shim */
	const char *ctl_sock;           /* path to bind for control clients */
	unsigned sock_mode;             /* chmod of both sockets (0600 default when 0) */
	const char *session;            /* session id (audit context) */
	const char *agent_id;           /* default agent id when the shim sends none */
	const il_policy *policy;        /* borrowed */
	il_audit *audit;                /* borrowed; NULL: no audit log */
	bool audit_allowed;             /* audit every allow, not only rule-matched ones */
	bool dry_run;
	il_dryrun *dryrun;              /* borrowed; required when dry_run */
	int64_t default_timeout_ms;     /* overrides [defaults].timeout when > 0 */
	const il_bg_verifier *bg;       /* borrowed; NULL: break-glass unavailable */
	int64_t bg_max_ms;              /* longest window (IL_BG_DEFAULT_MAX_MS when 0) */
	const uid_t *allow_uids;        /* peers besides our own uid; may be NULL */
	size_t nallow_uids;
	const char *journal_path;       /* pending requests survive a restart; NULL: off */
} il_sidecar_opts;

/* Bind both sockets and register them with the loop. NULL + err. */
il_sidecar *il_sidecar_new(il_loop *loop, const il_sidecar_opts *o, char *err, size_t n);
/* Deny every pending request ("sidecar shutting down"), close everything,
 * unlink the sockets. */
void il_sidecar_free(il_sidecar *sc);

/* Hand pending requests to `ap` (the sidecar owns it from now on). */
void il_sidecar_set_approver(il_sidecar *sc, il_approver *ap);

/* Processes at or under `pid` are the agent's: they may not decide. */
void il_sidecar_add_tree_root(il_sidecar *sc, pid_t pid);
void il_sidecar_remove_tree_root(il_sidecar *sc, pid_t pid);

size_t il_sidecar_pending_count(const il_sidecar *sc);
size_t il_sidecar_connection_count(const il_sidecar *sc);

/* A reviewer's answer to pending request `id`. `reviewer` names the human
 * (distinct reviewers are counted for `approvals = N`), `via` the channel
 * ("tty", "cli pid 123"), reason is free text (may be NULL).
 * Returns 1 when the request was decided, 0 when an approval was recorded
 * but more distinct reviewers are needed (status in msg), -1 when refused
 * (unknown id, same reviewer twice...) with the reason in msg. */
int il_sidecar_resolve(il_sidecar *sc, const char *id, il_decision d,
                       const char *reviewer, const char *via, const char *reason,
                       char *msg, size_t n);

/* Name of the user with this uid ("uid 1234" if unknown) into buf. */
const char *il_user_name(uid_t uid, char *buf, size_t n);

#endif
