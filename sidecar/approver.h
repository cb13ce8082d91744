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
	const char *policy_version;     /* hex SHA-256 of the rule files (may be NULL) */
	bool restored;                  /* re-submitted from the pending journal after a
	                                 * sidecar restart: the backend may already know it */
} il_approval_request;

/* Something a reviewer should know but does not decide (break-glass use,
 * docs/approval-protocol.md section 6). Borrowed for the call only. */
typedef struct {
	const char *type;               /* "break_glass_opened", "break_glass_used", ... */
	const char *request_id;         /* may be NULL */
	const il_action *action;        /* break_glass_used; may be NULL */
	const char *by, *reason;        /* may be NULL */
	int64_t expires_at_wall_ms;     /* break_glass_opened; 0 when not applicable */
	const char *const *rules;       /* rule ids; may be NULL */
	size_t nrules;
} il_approver_event;

typedef struct il_approver il_approver;

typedef struct {
	const char *name;               /* "tty", "cli", ... */
	/* Accept approve/deny sent over the control socket (`interlock
	 * approve`) while this backend is active. */
	bool local_decisions;
	int (*submit)(il_approver *ap, const il_approval_request *req);
	void (*cancel)(il_approver *ap, const char *id, const char *why);
	void (*free)(il_approver *ap);
	/* Optional: report an event (best effort; must never block). */
	void (*event)(il_approver *ap, const il_approver_event *ev);
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

/* Settings of the HTTP approval-service backend (approver_http.c). */
typedef struct {
	const char *token_file;         /* bearer token (file must not be group/world
	                                 * accessible); NULL: no Authorization header */
	const char *key_file;           /* verdict HMAC key (>= 32 bytes); required */
	const char *ca_file;            /* PEM CA bundle; NULL: the system store */
	bool insecure_http;             /* allow http:// to hosts other than loopback */
} il_approver_http_cfg;

/* il_approver_create, with the HTTP backend's settings for http(s):// specs
 * (http may be NULL for the other backends). */
il_approver *il_approver_create_cfg(const char *spec, const il_approver_http_cfg *http,
                                    il_sidecar *sc, il_loop *loop, char *err, size_t n);
il_approver *il_approver_http_new(const char *base_url, const il_approver_http_cfg *cfg,
                                  il_sidecar *sc, il_loop *loop, char *err, size_t n);
/* Report ev to the active backend, if it takes events. */
void il_approver_event_report(il_approver *ap, const il_approver_event *ev);
il_approver *il_approver_tty_new(il_sidecar *sc, il_loop *loop, char *err, size_t n);
il_approver *il_approver_cli_new(il_sidecar *sc, il_loop *loop, char *err, size_t n);
void il_approver_free(il_approver *ap);

#endif
