/*
 * policy_hints.c — what the shim may skip asking about (see
 * il_policy_delete_hints, il_policy_exec_hints and il_policy_http_hints in
 * policy.h). Every hint over-approximates what the rules of its kind can
 * match, allow rules included (a matched action is audited); whenever no
 * sound screen exists the answer is "ask about everything".
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

/*
 * The host glob a url glob implies (malloc'd), or NULL when it implies
 * none (see il_policy_http_hints in policy.h): from its literal text up to
 * the first wildcard, the part after "://" up to the first '/' or ':' is
 * the exact host; without such a character that part is a prefix of the
 * host ("part*"). A ${CWD} pattern implies nothing.
 */
static char *url_host_glob(const il_glob *g)
{
	if (g->cwd_prefix || !g->source)
		return NULL;
	const char *s = g->source;
	size_t lit = strcspn(s, "*?[\\");
	const char *sep = NULL;
	for (size_t i = 0; i + 3 <= lit; i++) {
		if (memcmp(s + i, "://", 3) == 0) {
			sep = s + i + 3;
			break;
		}
	}
	if (!sep)
		return NULL;
	size_t rest = lit - (size_t)(sep - s);
	size_t k = strcspn(sep, "/:");
	bool exact = k < rest;
	size_t n = exact ? k : rest;
	char *out = malloc(n + 2);
	if (!out)
		return NULL;
	memcpy(out, sep, n);
	if (!exact)
		out[n++] = '*';
	out[n] = '\0';
	return out;
}

void il_policy_http_hints_free(il_http_hint *rules, size_t nrules)
{
	for (size_t i = 0; rules && i < nrules; i++) {
		free(rules[i].methods);
		free(rules[i].hosts);
		for (size_t k = 0; k < rules[i].nurl_hosts; k++)
			free(rules[i].url_hosts[k]);
		free(rules[i].url_hosts);
	}
	free(rules);
}

/* Fill one rule's hint; false on allocation failure or when nothing in
 * the rule constrains method or host (no screen is then sound). */
static bool http_rule_hint(const il_match *m, il_http_hint *h)
{
	if (m->method.n) {
		h->methods = calloc(m->method.n, sizeof *h->methods);
		if (!h->methods)
			return false;
		for (size_t i = 0; i < m->method.n; i++)
			h->methods[i] = m->method.v[i].source;
		h->nmethods = m->method.n;
	}
	/* host OR addr: with addr blocks the host alone rules nothing out */
	if (m->host.n && !m->addr.n) {
		h->hosts = calloc(m->host.n, sizeof *h->hosts);
		if (!h->hosts)
			return false;
		for (size_t i = 0; i < m->host.n; i++)
			h->hosts[i] = m->host.v[i].source;
		h->nhosts = m->host.n;
	}
	if (m->url.n) {
		h->url_hosts = calloc(m->url.n, sizeof *h->url_hosts);
		if (!h->url_hosts)
			return false;
		for (size_t i = 0; i < m->url.n; i++) {
			char *u = url_host_glob(&m->url.v[i]);
			if (!u) {
				/* one url glob that implies no host: the list
				 * constrains nothing */
				for (size_t k = 0; k < h->nurl_hosts; k++)
					free(h->url_hosts[k]);
				free(h->url_hosts);
				h->url_hosts = NULL;
				h->nurl_hosts = 0;
				break;
			}
			h->url_hosts[h->nurl_hosts++] = u;
		}
	}
	return h->nmethods || h->nhosts || h->nurl_hosts;
}

int il_policy_http_hints(const il_policy *p, il_http_hint **rules, size_t *nrules)
{
	*rules = NULL;
	*nrules = 0;
	if (!p || p->def_decision != IL_ALLOW)
		return 0;
	size_t n = 0;
	for (size_t k = 0; k < p->nrules; k++)
		n += p->rules[k].kind == IL_KIND_HTTP;
	if (n == 0)
		return 1;
	il_http_hint *out = calloc(n, sizeof *out);
	if (!out)
		return 0;
	size_t o = 0;
	for (size_t k = 0; k < p->nrules; k++) {
		const il_rule *r = &p->rules[k];
		if (r->kind != IL_KIND_HTTP)
			continue;   /* allow rules count too: what they match is audited */
		if (!http_rule_hint(r->priv, &out[o++])) {
			il_policy_http_hints_free(out, o);
			return 0;
		}
	}
	*rules = out;
	*nrules = n;
	return 1;
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
