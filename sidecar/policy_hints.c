/*
 * policy_hints.c — what the shim may skip asking about (see
 * il_policy_delete_hints in policy.h).
 */
#include "policy.h"
#include "policy_internal.h"

#include <stdlib.h>
#include <string.h>

bool il_policy_http_gated(const il_policy *p)
{
	if (!p || p->def_decision != IL_ALLOW)
		return true;
	for (size_t i = 0; i < p->nrules; i++)
		if (p->rules[i].kind == IL_KIND_HTTP)
			return true;   /* matched requests are audited, allow rules' too */
	return false;
}

int il_policy_delete_hints(const il_policy *p, const char ***globs, size_t *nglobs)
{
	*globs = NULL;
	*nglobs = 0;
	if (!p || p->def_decision != IL_ALLOW)
		return 0;   /* an unmatched delete is not allowed: ask always */
	size_t cap = 0, n = 0;
	const char **out = NULL;
	for (size_t k = 0; k < p->nrules; k++) {
		const il_rule *r = &p->rules[k];
		/* every delete rule counts, allow rules too: an action a rule
		 * matches is audited, so it must reach the sidecar */
		if (r->kind != IL_KIND_DELETE)
			continue;
		const il_match *m = r->priv;
		/* a rule the shim cannot pre-screen by path matches anything */
		if (m->path.n == 0 || m->path_regex.set) {
			free(out);
			return 0;
		}
		for (size_t i = 0; i < m->path.n; i++) {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				const char **o = realloc(out, cap * sizeof *o);
				if (!o) {
					free(out);
					return 0;
				}
				out = o;
			}
			out[n++] = m->path.v[i].source;
		}
	}
	*globs = out;
	*nglobs = n;
	return 1;
}

int il_policy_exec_hints(const il_policy *p, const char ***globs, size_t *nglobs)
{
	*globs = NULL;
	*nglobs = 0;
	if (!p || p->def_decision != IL_ALLOW)
		return 0;
	size_t cap = 0, n = 0;
	const char **out = NULL;
	for (size_t k = 0; k < p->nrules; k++) {
		const il_rule *r = &p->rules[k];
		if (r->kind != IL_KIND_EXEC)
			continue;   /* allow rules count too: what they match is audited */
		const il_match *m = r->priv;
		if (m->program.n == 0 || m->program_regex.set) {
			free(out);
			return 0;
		}
		for (size_t i = 0; i < m->program.n; i++) {
			if (n == cap) {
				cap = cap ? cap * 2 : 32;
				const char **o = realloc(out, cap * sizeof *o);
				if (!o) {
					free(out);
					return 0;
				}
				out = o;
			}
			out[n++] = m->program.v[i].source;
		}
	}
	*globs = out;
	*nglobs = n;
	return 1;
}
