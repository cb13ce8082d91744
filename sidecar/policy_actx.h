/*
 * policy_actx.h — the per-action matching context of the policy engine:
 * the facts derived once from one action (basenames, lower-cased host,
 * parsed address, the canonical URL, the normalised URL path, the joined
 * command line) and the "why" notes a matching rule collects. Built in
 * policy_actx.c, read by the condition matcher (policy_match.c) and the
 * verdict folding (policy_decide.c). Nothing else includes it.
 *
 * It lives on the stack of il_policy_decide(): nothing is allocated.
 */
#ifndef INTERLOCK_POLICY_ACTX_H
#define INTERLOCK_POLICY_ACTX_H

#include "policy_internal.h"

#include <stdbool.h>
#include <stddef.h>

/* A condition's answer when the action may lack the fact it needs. */
typedef enum { IL_T_NO = 0, IL_T_YES = 1, IL_T_UNKNOWN = 2 } il_tri;

#define IL_ACTX_MAX_WHY 10
typedef struct {
	const char *field;
	const char *subject;      /* NULL: unknown */
	const char *pattern;      /* NULL: none to show */
} il_why_item;

typedef struct {
	const il_action *a;
	const char *prog_path;    /* a->program, else argv[0] */
	const char *prog_base;
	const char *argv0;
	const char *argv0_base;
	bool visible;             /* the HTTP request line was seen */
	char host[256];
	bool host_ok;
	il_ip ip;
	bool ip_ok;
	unsigned port;
	int url_state;            /* 0 not built, 1 ok, 2 unknown */
	char url[8192];
	int path_state;
	char path[4096];
	int cmd_state;
	char cmd[16384];
	il_why_item why[IL_ACTX_MAX_WHY];
	size_t nwhy;
} il_actx;

/* Reset x for action a (which it borrows) and derive the cheap facts:
 * program basenames for exec; host, address and port for connect/http. */
void il_actx_prepare(il_actx *x, const il_action *a);

/* The normalised URL path (percent-decoded unreserved characters, no
 * empty/"." segments, ".." resolved), built on first use; NULL when the
 * action has none or it does not fit. */
const char *il_actx_path(il_actx *x);

/* The canonical URL scheme://host[:port]/path[?query] (lower-case scheme
 * and host, default port left out, path normalised), else the action's
 * own URL; built on first use; NULL when unknown or too long. */
const char *il_actx_url(il_actx *x);

/* argv joined with single spaces, built on first use; NULL when it does
 * not fit. */
const char *il_actx_cmd(il_actx *x);

/* Note why the rule being tried matched (kept up to IL_ACTX_MAX_WHY). */
static inline void il_actx_why(il_actx *x, const char *field, const char *subject,
                               const char *pattern)
{
	if (x->nwhy < IL_ACTX_MAX_WHY)
		x->why[x->nwhy++] = (il_why_item){ field, subject, pattern };
}

/* policy_match.c: do all conditions of rule r hold for the action in x?
 * Resets and then fills x's why notes. Unknown facts count as matched
 * for approve/deny rules and as not matched for allow rules. */
bool il_rule_matches(const il_rule *r, il_actx *x);

#endif
