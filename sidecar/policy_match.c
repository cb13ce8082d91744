/*
 * policy_match.c — il_policy_decide(): match one action against the
 * compiled rules and fold every matching rule into a verdict.
 *
 * The function allocates nothing: per-action derived strings (basenames,
 * the canonical URL, the normalised URL path, the joined command line)
 * live in a stack context built once per call. Exec rules whose program
 * patterns are all literal are found by binary search on the program's
 * basename; every other rule of the action's kind is tried in turn, with
 * the glob's literal prefix/suffix rejecting most of them cheaply.
 *
 * Unknown facts fail closed. When the action lacks what a condition
 * needs (an HTTP request seen only as an opaque TLS connection, an unknown
 * body length, a command line too long to join), the condition counts as
 * matched for approve/deny rules and as not matched for allow rules; an
 * exclusion (`*_not`, `args.none`) with an unknown subject never removes
 * an approve/deny rule and always removes an allow rule.
 */
#include "policy_internal.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { T_NO = 0, T_YES = 1, T_UNKNOWN = 2 } tri;

#define MAX_WHY 10
typedef struct {
	const char *field;
	const char *subject;      /* NULL: unknown */
	const char *pattern;      /* NULL: none to show */
} why_item;

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
	why_item why[MAX_WHY];
	size_t nwhy;
} actx;

static const char *base_name(const char *p)
{
	if (!p)
		return NULL;
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static void add_why(actx *x, const char *field, const char *subject, const char *pattern)
{
	if (x->nwhy < MAX_WHY)
		x->why[x->nwhy++] = (why_item){ field, subject, pattern };
}

static bool want(tri t, bool strict)
{
	return t == T_YES || (t == T_UNKNOWN && strict);
}

static bool excluded(tri t, bool strict)
{
	return t == T_YES || (t == T_UNKNOWN && !strict);
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

/* --- derived subjects ---------------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool unreserved(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/* Normalise a URL path: decode %XX of unreserved characters, drop empty
 * and "." segments, resolve "..". false when it does not fit. */
static bool norm_path(const char *in, char *out, size_t n)
{
	char dec[4096];
	size_t d = 0;
	for (const char *p = in; *p; p++) {
		int c = (unsigned char)*p;
		if (c == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
			int v = hexval(p[1]) * 16 + hexval(p[2]);
			if (unreserved(v)) {
				c = v;
				p += 2;
			}
		}
		if (d + 1 >= sizeof(dec))
			return false;
		dec[d++] = (char)c;
	}
	dec[d] = '\0';
	bool trailing = d > 0 && dec[d - 1] == '/';
	size_t o = 0;
	const char *p = dec;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == 1 && p[0] == '.') {
			/* skip */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else {
			if (o + 1 + len + 1 >= n)
				return false;
			out[o++] = '/';
			memcpy(out + o, p, len);
			o += len;
		}
		p += len;
	}
	if (o == 0 || (trailing && o + 2 < n && out[o - 1] != '/'))
		out[o++] = '/';
	out[o] = '\0';
	return true;
}

static const char *get_path(actx *x)
{
	if (x->path_state == 0) {
		x->path_state = 2;
		if (x->a->url_path && norm_path(x->a->url_path, x->path, sizeof(x->path)))
			x->path_state = 1;
	}
	return x->path_state == 1 ? x->path : NULL;
}

static unsigned default_port(const char *scheme)
{
	if (!scheme)
		return 0;
	if (strcasecmp(scheme, "https") == 0)
		return 443;
	if (strcasecmp(scheme, "http") == 0)
		return 80;
	return 0;
}

/* scheme://host[:port]/path[?query], lower-case scheme and host, the
 * default port left out, the path normalised. */
static const char *get_url(actx *x)
{
	if (x->url_state)
		return x->url_state == 1 ? x->url : NULL;
	x->url_state = 2;
	const il_action *a = x->a;
	const char *path = get_path(x);
	if (a->scheme && x->host_ok && path) {
		char port[16] = "";
		if (x->port && x->port != default_port(a->scheme))
			snprintf(port, sizeof(port), ":%u", x->port);
		char scheme[16];
		size_t i;
		for (i = 0; a->scheme[i] && i + 1 < sizeof(scheme); i++)
			scheme[i] = (char)tolower((unsigned char)a->scheme[i]);
		scheme[i] = '\0';
		int w = snprintf(x->url, sizeof(x->url), "%s://%s%s%s%s%s", scheme, x->host, port, path,
		                 a->query ? "?" : "", a->query ? a->query : "");
		if (w > 0 && (size_t)w < sizeof(x->url))
			x->url_state = 1;
	} else if (a->url && strlen(a->url) < sizeof(x->url)) {
		memcpy(x->url, a->url, strlen(a->url) + 1);
		x->url_state = 1;
	}
	return x->url_state == 1 ? x->url : NULL;
}

/* argv joined with single spaces; NULL when it does not fit. */
static const char *get_cmd(actx *x)
{
	if (x->cmd_state == 0) {
		x->cmd_state = 1;
		size_t o = 0;
		for (size_t i = 0; i < x->a->argc; i++) {
			const char *s = x->a->argv[i] ? x->a->argv[i] : "";
			size_t len = strlen(s);
			if (o + len + 2 > sizeof(x->cmd)) {
				x->cmd_state = 2;
				break;
			}
			if (i)
				x->cmd[o++] = ' ';
			memcpy(x->cmd + o, s, len);
			o += len;
		}
		x->cmd[o] = '\0';
	}
	return x->cmd_state == 1 ? x->cmd : NULL;
}

static void prepare(actx *x, const il_action *a)
{
	memset(x, 0, offsetof(actx, url));
	x->path_state = 0;
	x->cmd_state = 0;
	x->nwhy = 0;
	x->a = a;
	if (a->kind == IL_KIND_EXEC) {
		x->argv0 = (a->argc > 0 && a->argv) ? a->argv[0] : NULL;
		x->prog_path = a->program ? a->program : x->argv0;
		x->prog_base = base_name(x->prog_path);
		x->argv0_base = base_name(x->argv0);
	}
	if (a->kind == IL_KIND_CONNECT || a->kind == IL_KIND_HTTP) {
		if (a->host && *a->host) {
			size_t n = strlen(a->host);
			while (n > 0 && a->host[n - 1] == '.')
				n--;
			if (n > 0 && n < sizeof(x->host)) {
				for (size_t i = 0; i < n; i++)
					x->host[i] = (char)tolower((unsigned char)a->host[i]);
				x->host[n] = '\0';
				x->host_ok = true;
			}
		}
		if (a->addr && il_ip_parse(a->addr, &x->ip) == 0)
			x->ip_ok = true;
		else if (x->host_ok && il_ip_parse(x->host, &x->ip) == 0)
			x->ip_ok = true;
		x->port = a->port;
		if (!x->port && a->kind == IL_KIND_HTTP)
			x->port = default_port(a->scheme);
		x->visible = a->url_visible || a->url || a->url_path;
	}
}

/* --- per-kind conditions ------------------------------------------------- */

/* Program patterns with a '/' match the resolved path (or an absolute
 * argv[0]); the others match the basename of either. */
static const il_glob *program_find(const il_globlist *l, actx *x, const char **subj)
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

static bool match_args(const il_match *m, actx *x)
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
		add_why(x, "args.prefix", arg_at(a, 1), m->args_prefix.v[0].source);
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
				add_why(x, "args.sequence", arg_at(a, s), m->args_sequence.v[0].source);
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
		add_why(x, "args.all", NULL, m->args_all.v[0].source);
	}
	if (m->args_any.n) {
		bool found = false;
		for (size_t i = 1; i < argc && !found; i++) {
			const il_glob *g = list_find(&m->args_any, arg_at(a, i), cwd);
			if (g && !list_find(&m->args_any_except, arg_at(a, i), cwd)) {
				found = true;
				add_why(x, "args.any", arg_at(a, i), g->source);
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
				add_why(x, "args.regex", arg_at(a, i), m->args_regex.src);
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

static bool match_exec(const il_match *m, actx *x, bool strict)
{
	const char *subj = NULL;
	if (m->program.n) {
		const il_glob *g = program_find(&m->program, x, &subj);
		if (!g)
			return false;
		add_why(x, "program", subj, g->source);
	}
	if (m->program_not.n && program_find(&m->program_not, x, &subj))
		return false;
	if (m->program_regex.set) {
		if (rx_match(&m->program_regex, x->prog_path))
			add_why(x, "program_regex", x->prog_path, m->program_regex.src);
		else if (rx_match(&m->program_regex, x->argv0))
			add_why(x, "program_regex", x->argv0, m->program_regex.src);
		else
			return false;
	}
	if (m->has_args && !match_args(m, x))
		return false;
	if (m->command.n || m->command_regex.set) {
		const char *cmd = get_cmd(x);
		if (!cmd) {
			if (!want(T_UNKNOWN, strict))
				return false;
			add_why(x, "command", NULL, NULL);
		} else {
			if (m->command.n) {
				const il_glob *g = list_find(&m->command, cmd, x->a->cwd);
				if (!g)
					return false;
				add_why(x, "command", NULL, g->source);
			}
			if (m->command_regex.set) {
				if (!rx_match(&m->command_regex, cmd))
					return false;
				add_why(x, "command_regex", NULL, m->command_regex.src);
			}
		}
	}
	return true;
}

static bool match_delete(const il_match *m, actx *x)
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
		add_why(x, "path", a->path, g->source);
	}
	if (m->path_not.n && list_find(&m->path_not, a->path, a->cwd))
		return false;
	if (m->path_regex.set) {
		if (!rx_match(&m->path_regex, a->path))
			return false;
		add_why(x, "path_regex", a->path, m->path_regex.src);
	}
	if (m->dir == IL_DIR_YES)
		add_why(x, "dir", a->path, NULL);
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
static bool match_dest(const il_match *m, actx *x)
{
	const il_action *a = x->a;
	if (m->host.n || m->addr.n) {
		const il_glob *g = x->host_ok ? list_find(&m->host, x->host, a->cwd) : NULL;
		bool in_addr = x->ip_ok && m->addr.n && cidr_find(&m->addr, &x->ip);
		if (g)
			add_why(x, "host", x->host, g->source);
		else if (in_addr)
			add_why(x, "addr", a->addr ? a->addr : x->host, NULL);
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
		add_why(x, "port", NULL, NULL);
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
static bool cond_list(actx *x, const il_globlist *l, const char *field, const char *subj,
                      bool strict, bool exclusion)
{
	if (!l->n)
		return true;
	if (!subj) {
		if (exclusion)
			return !excluded(T_UNKNOWN, strict);
		if (!want(T_UNKNOWN, strict))
			return false;
		add_why(x, field, NULL, NULL);
		return true;
	}
	const il_glob *g = list_find(l, subj, x->a->cwd);
	if (exclusion)
		return g == NULL;
	if (!g)
		return false;
	add_why(x, field, subj, g->source);
	return true;
}

static bool cond_rx(actx *x, const il_rx *r, const char *field, const char *subj, bool strict)
{
	if (!r->set)
		return true;
	if (!subj) {
		if (!want(T_UNKNOWN, strict))
			return false;
		add_why(x, field, NULL, NULL);
		return true;
	}
	if (!rx_match(r, subj))
		return false;
	add_why(x, field, subj, r->src);
	return true;
}

/* Query parameters: patterns with '=' match "name=value", others the name. */
static tri query_has(const il_globlist *l, actx *x, const il_glob **hit)
{
	const char *q = x->a->query;
	if (!q)
		return T_NO;
	char buf[2048];
	while (*q) {
		const char *e = strchr(q, '&');
		size_t len = e ? (size_t)(e - q) : strlen(q);
		if (len >= sizeof(buf))
			return T_UNKNOWN;
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
				return T_YES;
			}
		}
		q += len;
		if (*q == '&')
			q++;
	}
	return T_NO;
}

/* Headers: `names` match the header name, `full` match "name: value"
 * (both case-insensitive, whitespace around the value trimmed). */
static tri header_has(const il_globlist *l, actx *x, bool full, const il_glob **hit)
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
			return T_UNKNOWN;
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
				return T_UNKNOWN;
			memcpy(buf + nlen, ": ", 2);
			memcpy(buf + nlen + 2, v, vlen);
			buf[nlen + 2 + vlen] = '\0';
		}
		const il_glob *g = list_find(l, buf, NULL);
		if (g) {
			*hit = g;
			return T_YES;
		}
	}
	return T_NO;
}

static bool cond_tri_present(actx *x, const il_globlist *l, const char *field, tri t,
                             const il_glob *hit, bool strict, bool absent)
{
	if (!l->n)
		return true;
	if (!x->visible)
		t = T_UNKNOWN;
	if (absent)
		return !excluded(t, strict);
	if (!want(t, strict))
		return false;
	add_why(x, field, NULL, t == T_YES && hit ? hit->source : NULL);
	return true;
}

static bool match_http(const il_match *m, actx *x, bool strict)
{
	const il_action *a = x->a;
	if (!match_dest(m, x))
		return false;
	if (!cond_list(x, &m->scheme, "scheme", a->scheme, strict, false))
		return false;
	const char *method = x->visible ? a->method : NULL;
	if (!cond_list(x, &m->method, "method", method, strict, false))
		return false;
	const char *path = x->visible ? get_path(x) : NULL;
	if (!cond_list(x, &m->path, "path", path, strict, false) ||
	    !cond_list(x, &m->path_not, "path_not", path, strict, true) ||
	    !cond_rx(x, &m->path_regex, "path_regex", path, strict))
		return false;
	const char *url = (m->url.n || m->url_not.n || m->url_regex.set) && x->visible ? get_url(x) : NULL;
	if (!cond_list(x, &m->url, "url", url, strict, false) ||
	    !cond_list(x, &m->url_not, "url_not", url, strict, true) ||
	    !cond_rx(x, &m->url_regex, "url_regex", url, strict))
		return false;
	const il_glob *hit = NULL;
	if (m->query_present.n) {
		for (size_t i = 0; i < m->query_present.n; i++) {
			il_globlist one = { &m->query_present.v[i], 1 };
			tri t = query_has(&one, x, &hit);
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
			tri t = header_has(&one, x, false, &hit);
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
		tri t = (!x->visible || a->body_len < 0) ? T_UNKNOWN
		        : a->body_len > m->body_larger_than ? T_YES : T_NO;
		if (!want(t, strict))
			return false;
		add_why(x, "body_larger_than", NULL, NULL);
	}
	return true;
}

static bool match_cwd(const il_match *m, actx *x, bool strict)
{
	const char *cwd = x->a->cwd;
	if (!cond_list(x, &m->cwd, "cwd", cwd, strict, false))
		return false;
	if (m->cwd_not.n) {
		if (!cond_list(x, &m->cwd_not, "cwd_not", cwd, strict, true))
			return false;
		add_why(x, "cwd (outside cwd_not)", cwd, NULL);
	}
	return true;
}

static bool rule_matches(const il_rule *r, actx *x)
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

/* --- folding matches into the verdict ------------------------------------ */

static void format_why(const actx *x, char *out, size_t n)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < x->nwhy && o + 1 < n; i++) {
		const why_item *w = &x->why[i];
		int wr;
		if (w->subject && w->pattern)
			wr = snprintf(out + o, n - o, "%s%s \"%s\" ~ \"%s\"", i ? "; " : "", w->field,
			              w->subject, w->pattern);
		else if (w->pattern)
			wr = snprintf(out + o, n - o, "%s%s ~ \"%s\"", i ? "; " : "", w->field, w->pattern);
		else if (w->subject)
			wr = snprintf(out + o, n - o, "%s%s \"%s\"", i ? "; " : "", w->field, w->subject);
		else
			wr = snprintf(out + o, n - o, "%s%s (unknown: assumed to match)", i ? "; " : "",
			              w->field);
		if (wr < 0)
			break;
		o += (size_t)wr;
	}
	if (x->nwhy == 0)
		snprintf(out, n, "kind %s", il_kind_name(x->a->kind));
}

static int64_t rule_timeout(const il_policy *p, const il_rule *r)
{
	return r->timeout_ms > 0 ? r->timeout_ms : p->def_timeout_ms;
}

static void add_approvers(il_verdict *v, char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		for (size_t k = 0; k < v->napprovers && !dup; k++)
			dup = strcmp(v->approvers[k], list[i]) == 0;
		if (!dup && v->napprovers < IL_MAX_VERDICT_APPROVERS)
			v->approvers[v->napprovers++] = list[i];
	}
}

static void record(const il_policy *p, const il_rule *r, actx *x, il_verdict *v)
{
	for (size_t i = 0; i < v->nmatched; i++)
		if (v->matched[i].rule == r)
			return;
	if (v->nmatched < IL_MAX_MATCHES) {
		il_rule_match *mm = &v->matched[v->nmatched++];
		mm->rule = r;
		format_why(x, mm->why, sizeof(mm->why));
	} else {
		v->truncated = true;
	}
	const il_rule *pr = v->primary;
	if (!pr || r->decision > pr->decision ||
	    (r->decision == pr->decision &&
	     (r->risk > pr->risk || (r->risk == pr->risk && r < pr)))) {
		v->primary = r;
		v->decision = r->decision;
		v->risk = r->risk;
	}
	if (r->decision != IL_ALLOW && !r->break_glass)
		v->break_glass_ok = false;
	if (r->decision == IL_APPROVE) {
		int64_t t = rule_timeout(p, r);
		if (v->timeout_ms == 0 || t < v->timeout_ms)
			v->timeout_ms = t;
		if (r->approvals > v->approvals)
			v->approvals = r->approvals;
		add_approvers(v, r->approvers, r->napprovers);
		for (size_t i = 0; i < r->nescalate && v->nescalate < IL_MAX_VERDICT_ESCALATE; i++)
			v->escalate[v->nescalate++] = r->escalate[i];
	}
}

static void try_rule(const il_policy *p, size_t idx, actx *x, il_verdict *v)
{
	const il_rule *r = &p->rules[idx];
	if (rule_matches(r, x))
		record(p, r, x, v);
}

/* Rules indexed under one literal program basename. */
static void try_name(const il_policy *p, const char *name, actx *x, il_verdict *v)
{
	if (!name)
		return;
	size_t lo = 0, hi = p->nexec_names;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(p->exec_names[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < p->nexec_names && strcmp(p->exec_names[i].name, name) == 0; i++)
		try_rule(p, p->exec_names[i].rule, x, v);
}

void il_policy_decide(const il_policy *p, const il_action *a, il_verdict *out)
{
	memset(out, 0, offsetof(il_verdict, matched));
	out->nmatched = 0;
	out->truncated = false;
	out->timeout_ms = 0;
	out->approvals = 0;
	out->break_glass_ok = true;
	out->napprovers = 0;
	out->nescalate = 0;
	out->primary = NULL;
	if (!p || !a) {
		out->decision = IL_DENY;
		out->risk = IL_RISK_CRITICAL;
		return;
	}
	actx x;
	prepare(&x, a);
	unsigned k = (unsigned)a->kind;
	if (k < 5) {
		for (size_t i = 0; i < p->nby_kind[k]; i++)
			try_rule(p, p->by_kind[k][i], &x, out);
		if (a->kind == IL_KIND_EXEC) {
			try_name(p, x.prog_base, &x, out);
			if (x.argv0_base && (!x.prog_base || strcmp(x.argv0_base, x.prog_base) != 0))
				try_name(p, x.argv0_base, &x, out);
		}
	}
	if (!out->primary) {
		out->decision = p->def_decision;
		out->risk = p->def_decision == IL_ALLOW ? IL_RISK_NONE : p->def_risk;
		if (out->decision == IL_APPROVE) {
			out->timeout_ms = p->def_timeout_ms;
			add_approvers(out, p->def_approvers, p->ndef_approvers);
		}
		if (a->kind == IL_KIND_NONE) {
			out->decision = IL_DENY;   /* fail closed on a malformed action */
			out->risk = IL_RISK_CRITICAL;
		}
	}
	if (out->decision != IL_APPROVE) {
		out->timeout_ms = 0;
		out->napprovers = 0;
		out->nescalate = 0;
	} else if (out->napprovers == 0) {
		add_approvers(out, p->def_approvers, p->ndef_approvers);
	}
	if (out->approvals == 0)
		out->approvals = 1;
	/* matches in rule-file order; escalations by time */
	for (size_t i = 1; i < out->nmatched; i++) {
		il_rule_match tmp = out->matched[i];
		size_t j = i;
		while (j > 0 && out->matched[j - 1].rule > tmp.rule) {
			out->matched[j] = out->matched[j - 1];
			j--;
		}
		out->matched[j] = tmp;
	}
	for (size_t i = 1; i < out->nescalate; i++) {
		il_escalation tmp = out->escalate[i];
		size_t j = i;
		while (j > 0 && out->escalate[j - 1].after_ms > tmp.after_ms) {
			out->escalate[j] = out->escalate[j - 1];
			j--;
		}
		out->escalate[j] = tmp;
	}
}
