/*
 * policy.h — the rules engine: load TOML rule files into plain structs and
 * decide an action against them.
 *
 * Loading (il_policy_load) is strict: every problem in every file is
 * collected as "FILE:LINE:COL: message" and the load fails as a whole —
 * never a silently partial rule set. A file writable by group or other, or
 * owned by another non-root user, is refused unless the caller sets
 * `allow_insecure_perms` (INTERLOCK_INSECURE_RULES=1 in the environment sets
 * it for tests).
 *
 * Deciding (il_policy_decide) is one pure function: no I/O, no allocation
 * after load, no global state. Every matching rule is collected; the
 * strictest decision wins (deny > approve > allow), ties broken by the
 * highest risk; when nothing matches, [defaults].decision applies.
 * A timeout never resolves to allow: that is enforced by the sidecar, and
 * policies cannot express otherwise.
 */
#ifndef INTERLOCK_POLICY_H
#define INTERLOCK_POLICY_H

#include "action.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { IL_ALLOW = 0, IL_APPROVE = 1, IL_DENY = 2 } il_decision;

typedef enum {
	IL_RISK_NONE = 0, IL_RISK_LOW, IL_RISK_MEDIUM, IL_RISK_HIGH, IL_RISK_CRITICAL
} il_risk;

typedef struct {
	int64_t after_ms;      /* escalate after this long pending */
	char *to;              /* approver group */
} il_escalation;

/* The parts of a rule the rest of the sidecar reads; the matcher's
 * compiled patterns live behind `priv`. */
typedef struct il_rule {
	char *id;
	char *description;
	il_kind kind;
	il_decision decision;
	il_risk risk;
	int64_t timeout_ms;            /* 0: use [defaults].timeout */
	char **approvers;              /* groups/names; napprovers entries */
	size_t napprovers;
	unsigned approvals;            /* distinct reviewers needed (>= 1) */
	il_escalation *escalate;
	size_t nescalate;
	bool break_glass;              /* may a break-glass window override it */
	const char *file;              /* where it was defined */
	int line;
	void *priv;
} il_rule;

#define IL_MAX_MATCHES 64
#define IL_MAX_VERDICT_APPROVERS 16
#define IL_MAX_VERDICT_ESCALATE 16

/* Which field of a rule matched, for `rules explain`. */
typedef struct {
	const il_rule *rule;
	char why[160];                 /* e.g. "program 'rm' ~ \"rm\"; args any \"-rf\" ~ \"-r*\"" */
} il_rule_match;

typedef struct {
	il_decision decision;
	il_risk risk;
	const il_rule *primary;        /* the rule that decided; NULL: defaults */
	il_rule_match matched[IL_MAX_MATCHES];
	size_t nmatched;               /* every matching rule (capped; see truncated) */
	bool truncated;
	int64_t timeout_ms;            /* effective timeout for approve */
	unsigned approvals;            /* effective distinct reviewers needed */
	bool break_glass_ok;           /* every matching deny/approve rule allows break-glass */
	/* approve verdicts: the union of the matching approve rules' approvers
	 * (or [defaults].approvers), and all their escalation steps sorted by
	 * `after_ms`; strings borrowed from the policy */
	const char *approvers[IL_MAX_VERDICT_APPROVERS];
	size_t napprovers;
	il_escalation escalate[IL_MAX_VERDICT_ESCALATE];
	size_t nescalate;
} il_verdict;

typedef struct {
	const char *home;              /* ${HOME}; NULL: from the environment */
	const char *workspace;         /* ${WORKSPACE}; NULL: the current directory */
	bool allow_insecure_perms;
} il_policy_opts;

typedef struct il_policy il_policy;

/* Errors collected by a load: each "FILE:LINE:COL: message". */
#define IL_ERRORS_PRINTF __attribute__((format(printf, 2, 3)))

typedef struct {
	char **msgs;
	size_t len, cap;
} il_errors;

void il_errors_free(il_errors *e);
/* Append one formatted message (never fails: drops it on out-of-memory). */
IL_ERRORS_PRINTF void il_errors_addf(il_errors *e, const char *fmt, ...);

/* Load and validate rule files. NULL on any error (all of them in *errs). */
il_policy *il_policy_load(const char *const *files, size_t nfiles,
                          const il_policy_opts *opts, il_errors *errs);
void il_policy_free(il_policy *p);

/* Load one rule document from memory (no permission check; `name` is used
 * in messages and il_rule.file). For fuzzing, tests and embedded sets. */
il_policy *il_policy_load_buffer(const char *name, const char *buf, size_t len,
                                 const il_policy_opts *opts, il_errors *errs);

/* Decide `a`. Pure; safe to call from many threads at once. */
void il_policy_decide(const il_policy *p, const il_action *a, il_verdict *out);

/* Hex SHA-256 over the loaded files' bytes (in load order), 64 chars + NUL. */
const char *il_policy_version(const il_policy *p);

/* [defaults] */
il_decision il_policy_default_decision(const il_policy *p);
int64_t il_policy_default_timeout_ms(const il_policy *p);

size_t il_policy_rule_count(const il_policy *p);
const il_rule *il_policy_rule(const il_policy *p, size_t i);
const il_rule *il_policy_find_rule(const il_policy *p, const char *id);

/*
 * Delete hints for the shim: which deletes must reach the sidecar. Returns
 * 1 and the path globs (borrowed from the policy; free only the array) of
 * every delete rule — allow rules too, since a delete a rule matches is
 * audited — when a delete whose path matches none of them is certainly
 * allowed by the default and recorded nowhere: the default decision is
 * allow and every delete rule has a path glob condition (the shim's screen
 * over-approximates globs, and ignores the rules' narrowing conditions:
 * op, dir, path_not, cwd). Returns 0 when no such screen is sound (a
 * non-allow default, a rule matching by regex or on every path): then
 * every delete must be asked about.
 */
int il_policy_delete_hints(const il_policy *p, const char ***globs, size_t *nglobs);

/*
 * Exec hints, like the delete hints: 1 and the program globs of every exec
 * rule when an exec whose program (resolved path, argv[0], or either's
 * basename) matches none of them is certainly allowed by the default and
 * recorded nowhere; 0 when no such screen is sound (a non-allow default,
 * an exec rule without program globs or with a program regex).
 */
int il_policy_exec_hints(const il_policy *p, const char ***globs, size_t *nglobs);

/* True when some HTTP request must reach the sidecar: the default decision
 * is not allow, or the policy has any http rule (a matched request is
 * decided and audited by it, whatever its decision). */
bool il_policy_http_gated(const il_policy *p);

/* What the shim needs to rule one http rule out without asking: a request
 * whose method no `methods` glob can match, or whose host no `hosts` glob
 * can match, or whose host no `url_hosts` glob can match, cannot match the
 * rule (an empty list constrains nothing). */
typedef struct {
	const char **methods;          /* the rule's method globs (borrowed) */
	size_t nmethods;
	const char **hosts;            /* its host globs (borrowed); none when it also has addr */
	size_t nhosts;
	char **url_hosts;              /* host globs its url globs imply (owned) */
	size_t nurl_hosts;
} il_http_hint;

/*
 * HTTP hints, like the delete hints: 1 and one il_http_hint per http rule
 * (allow rules too: a request a rule matches is audited) when a request
 * that every rule's hint rules out is certainly allowed by the default and
 * recorded nowhere; *nrules may be 0 (no http rule). 0 when no such screen
 * is sound: a non-allow default, or an http rule that no method, host or
 * url glob constrains (e.g. only a url_regex, headers or a path): then
 * every request must be asked about. Free with il_policy_http_hints_free.
 *
 * A url glob implies a host glob only when its literal text (before the
 * first wildcard) holds "://": the text after it up to the first '/' or
 * ':' is exactly the host of every URL it matches, or, without such a
 * character, a prefix of it. The canonical URL the matcher builds
 * (policy_actx.c) has a lower-cased host with no trailing dot and always a
 * path, so this holds whenever it is built (the shim checks that it will
 * be: scheme http(s), a valid host without '/' or ':', a bounded path).
 */
int il_policy_http_hints(const il_policy *p, il_http_hint **rules, size_t *nrules);
void il_policy_http_hints_free(il_http_hint *rules, size_t nrules);

/* Can the decision for an action of this kind depend on its working
 * directory (a rule of the kind with a cwd condition or a ${CWD} glob)?
 * The seccomp supervisor reads a caller's cwd only when it can. */
bool il_policy_uses_cwd(const il_policy *p, il_kind kind);

const char *il_decision_name(il_decision d);   /* "allow" "approve" "deny" */
const char *il_risk_name(il_risk r);           /* "none" "low" ... */

#endif
