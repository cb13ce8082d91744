/*
 * policy_hints.c — what the shim may skip asking about (see
 * il_policy_delete_hints in policy.h).
 */
#include "policy.h"
#include "policy_internal.h"

#include <stdlib.h>
#include <string.h>

int il_policy_delete_hints(const il_policy *p, const char ***globs, size_t *nglobs)
{
	*globs = NULL;
	*nglobs = 0;
	if (!p || p->def_decision != IL_ALLOW)
		return 0;   /* an unmatched delete is not allowed: ask always */
	size_t cap = 0, n = 0;
	const char **out = NULL;
	for (size_t k = 0; k < p->nby_kind[IL_KIND_DELETE]; k++) {
		const il_rule *r = &p->rules[p->by_kind[IL_KIND_DELETE][k]];
		if (r->decision == IL_ALLOW)
			continue;   /* an allow rule never makes a delete ask */
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
