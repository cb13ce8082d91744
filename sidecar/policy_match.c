/*
 * policy_match.c — does one compiled rule match one action? The
 * conditions of each kind (exec program/args/command, delete path/op,
 * connect and http destination, http method/path/URL/query/headers/body)
 * and the common cwd conditions, evaluated over the derived facts of the
 * action context (policy_actx.c). Each satisfied condition leaves a "why"
 * note for the verdict.
 *
 * Unknown facts fail closed. When the action lacks what a condition
 * needs (an HTTP request seen only as an opaque TLS connection, an unknown
 * body length, a command line too long to join), the condition counts as
 * matched for approve/deny rules and as not matched for allow rules; an
 * exclusion (`*_not`, `args.none`) with an unknown subject never removes
 * an approve/deny rule and always removes an allow rule.
 */
#include "policy_actx.h"

#include <string.h>

static bool want(il_tri t, bool strict)
{
	return t == IL_T_YES || (t == IL_T_UNKNOWN && strict);
}

static bool excluded(il_tri t, bool strict)
{
	return t == IL_T_YES || (t == IL_T_UNKNOWN && !strict);
}

static const il_glob *list_find(const il_globlist *l, const char *s, const char *cwd)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < l->n; i++)
		if (il_glob_match(&l->v[i], s, cwd))
			return &l->v[i];
	return NULL;
}

static bool rx_match(const il_rx *r, const char *s)
{
	return s && regexec(&r->re, s, 0, NULL, 0) == 0;
}

/* --- per-kind conditions ------------------------------------------------- */

/* Program patterns with a '/' match the resolved path (or an absolute
 * argv[0]); the others match the basename of either. */
static const il_glob *program_find(const il_globlist *l, il_actx *x, const char **subj)
{
	for (size_t i = 0; i < l->n; i++) {
		const il_glob *g = &l->v[i];
		const char *cands[2];
		if (g->has_slash) {
			cands[0] = x->a->program;
			cands[1] = (x->argv0 && x->argv0[0] == '/') ? x->argv0 : NULL;
		} else {
			cands[0] = x->prog_base;
			cands[1] = x->argv0_base;
		}
		for (int c = 0; c < 2; c++) {
			if (cands[c] && il_glob_match(g, cands[c], x->a->cwd)) {
				*subj = cands[c];
				return g;
			}
		}
	}
	return NULL;
}

static const char *arg_at(const il_action *a, size_t i)
{
	const char *s = a->argv[i];
	return s ? s : "";
}

static bool match_args(const il_match *m, il_actx *x)
{
	const il_action *a = x->a;
	size_t argc = a->argv ? a->argc : 0;
	const char *cwd = a->cwd;
	if (m->args_prefix.n) {
		if (argc < 1 + m->args_prefix.n)
			return false;
		for (size_t k = 0; k < m->args_prefix.n; k++)
			if (!il_glob_match(&m->args_prefix.v[k], arg_at(a, 1 + k), cwd))
				return false;
		il_actx_why(x, "args.prefix", arg_at(a, 1), m->args_prefix.v[0].source);
	}
	if (m->args_sequence.n) {
		bool found = false;
		for (size_t s = 1; !found && s + m->args_sequence.n <= argc; s++) {
			size_t k;
			for (k = 0; k < m->args_sequence.n; k++)
				if (!il_glob_match(&m->args_sequence.v[k], arg_at(a, s + k), cwd))
					break;
			if (k == m->args_sequence.n) {
				found = true;
				il_actx_why(x, "args.sequence", arg_at(a, s), m->args_sequence.v[0].source);
			}
		}
		if (!found)
			return false;
	}
	if (m->args_all.n) {
		for (size_t k = 0; k < m->args_all.n; k++) {
			bool found = false;
			for (size_t i = 1; i < argc && !found; i++)
				found = il_glob_match(&m->args_all.v[k], arg_at(a, i), cwd);
			if (!found)
				return false;
		}
		il_actx_why(x, "args.all", NULL, m->args_all.v[0].source);
	}
	if (m->args_any.n) {
		bool found = false;
		for (size_t i = 1; i < argc && !found; i++) {
			const il_glob *g = list_find(&m->args_any, arg_at(a, i), cwd);
			if (g && !list_find(&m->args_any_except, arg_at(a, i), cwd)) {
				found = true;
				il_actx_why(x, "args.any", arg_at(a, i), g->source);
			}
		}
		if (!found)
			return false;
	}
	if (m->args_regex.set) {
		bool found = false;
		for (size_t i = 1; i < argc && !found; i++) {
			if (rx_match(&m->args_regex, arg_at(a, i))) {
				found = true;
				il_actx_why(x, "args.regex", arg_at(a, i), m->args_regex.src);
			}
		}
		if (!found)
			return false;
	}
	if (m->args_none.n) {
		for (size_t i = 1; i < argc; i++)
			if (list_find(&m->args_none, arg_at(a, i), cwd))
				return false;
	}
	return true;
}

static bool match_exec(const il_match *m, il_actx *x, bool strict)
{
	const char *subj = NULL;
	if (m->program.n) {
		const il_glob *g = program_find(&m->program, x, &subj);
		if (!g)
			return false;
		il_actx_why(x, "program", subj, g->source);
	}
	if (m->program_not.n && program_find(&m->program_not, x, &subj))
		return false;
	if (m->program_regex.set) {
		if (rx_match(&m->program_regex, x->prog_path))
			il_actx_why(x, "program_regex", x->prog_path, m->program_regex.src);
		else if (rx_match(&m->program_regex, x->argv0))
			il_actx_why(x, "program_regex", x->argv0, m->program_regex.src);
		else
			return false;
	}
	if (m->has_args && !match_args(m, x))
		return false;
	if (m->command.n || m->command_regex.set) {
		const char *cmd = il_actx_cmd(x);
		if (!cmd) {
			if (!want(IL_T_UNKNOWN, strict))
				return false;
			il_actx_why(x, "command", NULL, NULL);
		} else {
			if (m->command.n) {
				const il_glob *g = list_find(&m->command, cmd, x->a->cwd);
				if (!g)
					return false;
				il_actx_why(x, "command", NULL, g->source);
			}
			if (m->command_regex.set) {
				if (!rx_match(&m->command_regex, cmd))
					return false;
				il_actx_why(x, "command_regex", NULL, m->command_regex.src);
			}
		}
	}
	return true;
}

static bool match_delete(const il_match *m, il_actx *x)
{
	const il_action *a = x->a;
	if (!((m->ops >> (unsigned)a->del_op) & 1u))
		return false;
	if (m->dir != IL_DIR_ANY && (a->is_dir ? IL_DIR_YES : IL_DIR_NO) != m->dir)
		return false;
	if (m->path.n) {
		const il_glob *g = list_find(&m->path, a->path, a->cwd);
		if (!g)
			return false;
		il_actx_why(x, "path", a->path, g->source);
	}
	if (m->path_not.n && list_find(&m->path_not, a->path, a->cwd))
		return false;
	if (m->path_regex.set) {
		if (!rx_match(&m->path_regex, a->path))
			return false;
		il_actx_why(x, "path_regex", a->path, m->path_regex.src);
	}
	if (m->dir == IL_DIR_YES)
		il_actx_why(x, "dir", a->path, NULL);
	return true;
}

static bool cidr_find(const il_cidrlist *l, const il_ip *ip)
{
	for (size_t i = 0; i < l->n; i++)
		if (il_cidr_contains(&l->v[i], ip))
			return true;
	return false;
}

static bool port_find(const il_portlist *l, unsigned port)
{
	for (size_t i = 0; i < l->n; i++)
		if (port >= l->v[i].lo && port <= l->v[i].hi)
			return true;
	return false;
}

/* Destination conditions shared by connect and http. */
static bool match_dest(const il_match *m, il_actx *x)
{
	const il_action *a = x->a;
	if (m->host.n || m->addr.n) {
		const il_glob *g = x->host_ok ? list_find(&m->host, x->host, a->cwd) : NULL;
		bool in_addr = x->ip_ok && m->addr.n && cidr_find(&m->addr, &x->ip);
		if (g)
			il_actx_why(x, "host", x->host, g->source);
		else if (in_addr)
			il_actx_why(x, "addr", a->addr ? a->addr : x->host, NULL);
		else
			return false;
	}
	if (m->host_not.n && x->host_ok && list_find(&m->host_not, x->host, a->cwd))
		return false;
	if (m->addr_not.n && x->ip_ok && cidr_find(&m->addr_not, &x->ip))
		return false;
	if (m->port.n) {
		if (!port_find(&m->port, x->port))
			return false;
		il_actx_why(x, "port", NULL, NULL);
	}
	if (m->port_not.n && port_find(&m->port_not, x->port))
		return false;
	if (m->proto == IL_PROTO_TCP && a->udp)
		return false;
	if (m->proto == IL_PROTO_UDP && !a->udp)
		return false;
	return true;
}

/* One glob-list condition over a subject that may be unknown. */
static bool cond_list(il_actx *x, const il_globlist *l, const char *field, const char *subj,
                      bool strict, bool exclusion)
{
	if (!l->n)
		return true;
	if (!subj) {
		if (exclusion)
			return !excluded(IL_T_UNKNOWN, strict);
		if (!want(IL_T_UNKNOWN, strict))
			return false;
		il_actx_why(x, field, NULL, NULL);
		return true;
	}
	const il_glob *g = list_find(l, subj, x->a->cwd);
	if (exclusion)
		return g == NULL;
	if (!g)
		return false;
	il_actx_why(x, field, subj, g->source);
	return true;
}

static bool cond_rx(il_actx *x, const il_rx *r, const char *field, const char *subj, bool strict)
{
	if (!r->set)
		return true;
	if (!subj) {
		if (!want(IL_T_UNKNOWN, strict))
			return false;
		il_actx_why(x, field, NULL, NULL);
		return true;
	}
	if (!rx_match(r, subj))
		return false;
	il_actx_why(x, field, subj, r->src);
	return true;
}

/* Query parameters: patterns with '=' match "name=value", others the name. */
static il_tri query_has(const il_globlist *l, il_actx *x, const il_glob **hit)
{
	const char *q = x->a->query;
	if (!q)
		return IL_T_NO;
	char buf[2048];
	while (*q) {
		const char *e = strchr(q, '&');
		size_t len = e ? (size_t)(e - q) : strlen(q);
		if (len >= sizeof(buf))
			return IL_T_UNKNOWN;
		memcpy(buf, q, len);
		buf[len] = '\0';
		char *eq = strchr(buf, '=');
		for (size_t i = 0; i < l->n; i++) {
			const il_glob *g = &l->v[i];
			bool full = strchr(g->source, '=') != NULL;
			if (!full && eq)
				*eq = '\0';
			bool ok = il_glob_match(g, buf, NULL);
			if (!full && eq)
				*eq = '=';
			if (ok) {
				*hit = g;
				return IL_T_YES;
			}
		}
		q += len;
		if (*q == '&')
			q++;
	}
	return IL_T_NO;
}

/* Headers: `names` match the header name, `full` match "name: value"
 * (both case-insensitive, whitespace around the value trimmed). */
static il_tri header_has(const il_globlist *l, il_actx *x, bool full, const il_glob **hit)
{
	char buf[4096];
	for (size_t h = 0; h < x->a->nheaders; h++) {
		const char *s = x->a->headers[h];
		if (!s)
			continue;
		const char *colon = strchr(s, ':');
		size_t nlen = colon ? (size_t)(colon - s) : strlen(s);
		while (nlen > 0 && (s[nlen - 1] == ' ' || s[nlen - 1] == '\t'))
			nlen--;
		if (nlen + 3 >= sizeof(buf))
			return IL_T_UNKNOWN;
		memcpy(buf, s, nlen);
		buf[nlen] = '\0';
		if (full) {
			const char *v = colon ? colon + 1 : "";
			while (*v == ' ' || *v == '\t')
				v++;
			size_t vlen = strlen(v);
			while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t' ||
			                    v[vlen - 1] == '\r' || v[vlen - 1] == '\n'))
				vlen--;
			if (nlen + 2 + vlen + 1 > sizeof(buf))
				return IL_T_UNKNOWN;
			memcpy(buf + nlen, ": ", 2);
			memcpy(buf + nlen + 2, v, vlen);
			buf[nlen + 2 + vlen] = '\0';
		}
		const il_glob *g = list_find(l, buf, NULL);
		if (g) {
			*hit = g;
			return IL_T_YES;
		}
	}
	return IL_T_NO;
}

static bool cond_tri_present(il_actx *x, const il_globlist *l, const char *field, il_tri t,
                             const il_glob *hit, bool strict, bool absent)
{
	if (!l->n)
		return true;
	if (!x->visible)
		t = IL_T_UNKNOWN;
	if (absent)
		return !excluded(t, strict);
	if (!want(t, strict))
		return false;
	il_actx_why(x, field, NULL, t == IL_T_YES && hit ? hit->source : NULL);
	return true;
}

static bool match_http(const il_match *m, il_actx *x, bool strict)
{
	const il_action *a = x->a;
	if (!match_dest(m, x))
		return false;
	if (!cond_list(x, &m->scheme, "scheme", a->scheme, strict, false))
		return false;
	const char *method = x->visible ? a->method : NULL;
	if (!cond_list(x, &m->method, "method", method, strict, false))
		return false;
	const char *path = x->visible ? il_actx_path(x) : NULL;
	if (!cond_list(x, &m->path, "path", path, strict, false) ||
	    !cond_list(x, &m->path_not, "path_not", path, strict, true) ||
	    !cond_rx(x, &m->path_regex, "path_regex", path, strict))
		return false;
	const char *url = (m->url.n || m->url_not.n || m->url_regex.set) && x->visible ? il_actx_url(x) : NULL;
	if (!cond_list(x, &m->url, "url", url, strict, false) ||
	    !cond_list(x, &m->url_not, "url_not", url, strict, true) ||
	    !cond_rx(x, &m->url_regex, "url_regex", url, strict))
		return false;
	const il_glob *hit = NULL;
	if (m->query_present.n) {
		for (size_t i = 0; i < m->query_present.n; i++) {
			il_globlist one = { &m->query_present.v[i], 1 };
			il_tri t = query_has(&one, x, &hit);
			if (!cond_tri_present(x, &one, "query.present", t, hit, strict, false))
				return false;
		}
	}
	if (m->query_absent.n &&
	    !cond_tri_present(x, &m->query_absent, "query.absent", query_has(&m->query_absent, x, &hit),
	                      hit, strict, true))
		return false;
	if (m->header_present.n) {
		for (size_t i = 0; i < m->header_present.n; i++) {
			il_globlist one = { &m->header_present.v[i], 1 };
			il_tri t = header_has(&one, x, false, &hit);
			if (!cond_tri_present(x, &one, "headers.present", t, hit, strict, false))
				return false;
		}
	}
	if (m->header_absent.n &&
	    !cond_tri_present(x, &m->header_absent, "headers.absent",
	                      header_has(&m->header_absent, x, false, &hit), hit, strict, true))
		return false;
	if (m->header_match.n &&
	    !cond_tri_present(x, &m->header_match, "headers.match",
	                      header_has(&m->header_match, x, true, &hit), hit, strict, false))
		return false;
	if (m->body_larger_than >= 0) {
		il_tri t = (!x->visible || a->body_len < 0) ? IL_T_UNKNOWN
		        : a->body_len > m->body_larger_than ? IL_T_YES : IL_T_NO;
		if (!want(t, strict))
			return false;
		il_actx_why(x, "body_larger_than", NULL, NULL);
	}
	return true;
}

static bool match_cwd(const il_match *m, il_actx *x, bool strict)
{
	const char *cwd = x->a->cwd;
	if (!cond_list(x, &m->cwd, "cwd", cwd, strict, false))
		return false;
	if (m->cwd_not.n) {
		if (!cond_list(x, &m->cwd_not, "cwd_not", cwd, strict, true))
			return false;
		il_actx_why(x, "cwd (outside cwd_not)", cwd, NULL);
	}
	return true;
}

bool il_rule_matches(const il_rule *r, il_actx *x)
{
	const il_match *m = r->priv;
	bool strict = r->decision != IL_ALLOW;
	x->nwhy = 0;
	bool ok;
	switch (r->kind) {
	case IL_KIND_EXEC:
		ok = match_exec(m, x, strict);
		break;
	case IL_KIND_DELETE:
		ok = match_delete(m, x);
		break;
	case IL_KIND_CONNECT:
		ok = match_dest(m, x);
		break;
	case IL_KIND_HTTP:
		ok = match_http(m, x, strict);
		break;
	default:
		ok = false;
		break;
	}
	return ok && match_cwd(m, x, strict);
}
