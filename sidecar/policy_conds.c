/*
 * policy_conds.c — compile the conditions of one [[rule]] (globs, regular
 * expressions, CIDR blocks, ports, enums) into an il_match, reporting each
 * invalid value at its own line and column. Which keys may appear for the
 * rule's kind was already checked by the caller (policy_load.c).
 */
#include "policy_internal.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REGEX_LEN 4096

/* Compile the globs under `key` of table t; messages name them `label`. */
static void read_globs_as(il_loader *c, const toml_value *t, const char *key, const char *label,
                          unsigned flags, il_globlist *out)
{
	const toml_value *v = toml_get(t, key);
	if (!v)
		return;
	size_t n = 0;
	const toml_value **items = il_ld_strlist(c, v, label, &n);
	if (!items)
		return;
	out->v = xcalloc(n, sizeof(il_glob));
	for (size_t i = 0; i < n; i++) {
		const char *src = items[i]->u.s.ptr;
		char *pat = il_ld_expand(c, items[i], label, src, IL_EXPAND_GLOB);
		if (!pat)
			continue;
		char err[160];
		if (il_glob_compile(&out->v[out->n], pat, flags, err, sizeof(err)) != 0)
			il_ld_err(c, items[i], "'%s': invalid glob \"%s\": %s", label, src, err);
		else
			out->n++;
		free(pat);
	}
	free(items);
}

static void read_globs(il_loader *c, const toml_value *rule, const char *key, unsigned flags,
                       il_globlist *out)
{
	read_globs_as(c, rule, key, key, flags, out);
}

static void read_regex(il_loader *c, const toml_value *rule, const char *key, il_rx *out)
{
	const toml_value *v = toml_get(rule, key);
	if (!v)
		return;
	const char *src = il_ld_string(c, v, key);
	if (!src)
		return;
	if (!*src || strlen(src) > MAX_REGEX_LEN) {
		il_ld_err(c, v, "'%s': a regular expression must have 1 to %d characters", key, MAX_REGEX_LEN);
		return;
	}
	/* "(?i)" in front: case-insensitive (the only flag we accept) */
	int flags = REG_EXTENDED | REG_NOSUB;
	const char *body = src;
	if (strncmp(src, "(?i)", 4) == 0) {
		flags |= REG_ICASE;
		body = src + 4;
	}
	char *pat = il_ld_expand(c, v, key, body, IL_EXPAND_REGEX);
	if (!pat)
		return;
	int rc = regcomp(&out->re, pat, flags);
	if (rc != 0) {
		char msg[160];
		regerror(rc, &out->re, msg, sizeof(msg));
		il_ld_err(c, v, "'%s': invalid regular expression \"%s\": %s", key, src, msg);
		free(pat);
		return;
	}
	out->set = true;
	out->src = xstrdup(src);
	free(pat);
}

static void read_cidrs(il_loader *c, const toml_value *rule, const char *key, il_cidrlist *out)
{
	const toml_value *v = toml_get(rule, key);
	if (!v)
		return;
	size_t n = 0;
	const toml_value **items = il_ld_strlist(c, v, key, &n);
	if (!items)
		return;
	out->v = xcalloc(n, sizeof(il_cidr));
	for (size_t i = 0; i < n; i++) {
		char err[160];
		if (il_cidr_parse(items[i]->u.s.ptr, &out->v[out->n], err, sizeof(err)) != 0)
			il_ld_err(c, items[i], "'%s': %s", key, err);
		else
			out->n++;
	}
	free(items);
}

/* "443" or "8000-8999" */
static bool parse_port_range(const char *s, il_portrange *r)
{
	int64_t lo, hi;
	const char *dash = strchr(s, '-');
	if (!dash) {
		if (il_parse_i64(s, 1, 65535, &lo) != 0)
			return false;
		r->lo = r->hi = (unsigned)lo;
		return true;
	}
	char a[8], b[8];
	size_t la = (size_t)(dash - s), lb = strlen(dash + 1);
	if (la == 0 || la >= sizeof(a) || lb == 0 || lb >= sizeof(b))
		return false;
	memcpy(a, s, la);
	a[la] = '\0';
	memcpy(b, dash + 1, lb + 1);
	if (il_parse_i64(a, 1, 65535, &lo) != 0 || il_parse_i64(b, 1, 65535, &hi) != 0 || hi < lo)
		return false;
	r->lo = (unsigned)lo;
	r->hi = (unsigned)hi;
	return true;
}

static void read_ports(il_loader *c, const toml_value *rule, const char *key, il_portlist *out)
{
	const toml_value *v = toml_get(rule, key);
	if (!v)
		return;
	const toml_value *one[1] = { v };
	const toml_value *const *items = one;
	size_t n = 1;
	if (v->type == TOML_ARRAY) {
		items = (const toml_value *const *)v->u.arr.items;
		n = v->u.arr.len;
		if (n == 0) {
			il_ld_err(c, v, "'%s' must not be an empty array", key);
			return;
		}
	}
	out->v = xcalloc(n, sizeof(il_portrange));
	for (size_t i = 0; i < n; i++) {
		const toml_value *it = items[i];
		il_portrange r;
		if (it->type == TOML_INTEGER) {
			if (it->u.i < 1 || it->u.i > 65535) {
				il_ld_err(c, it, "'%s': port %lld out of range 1-65535", key, (long long)it->u.i);
				continue;
			}
			r.lo = r.hi = (unsigned)it->u.i;
		} else if (it->type == TOML_STRING) {
			if (!parse_port_range(it->u.s.ptr, &r)) {
				il_ld_err(c, it, "'%s': invalid port or range \"%s\" (use 443 or \"8000-8999\")", key,
				          it->u.s.ptr);
				continue;
			}
		} else {
			il_ld_err(c, it, "'%s' must be ports (integers) or ranges (\"LOW-HIGH\"), not %s", key,
			          toml_type_name(it->type));
			continue;
		}
		out->v[out->n++] = r;
	}
}

static void read_args(il_loader *c, const toml_value *rule, il_match *m)
{
	const toml_value *v = toml_get(rule, "args");
	if (!v)
		return;
	if (v->type != TOML_TABLE) {
		il_ld_err(c, v, "'args' must be a table like { any = [\"-rf\"] }, not %s", toml_type_name(v->type));
		return;
	}
	static const char *const keys[] = { "any", "any_except", "all", "none", "prefix", "sequence",
		                            "regex", NULL };
	il_ld_check_keys(c, v, keys, "'args' (expected any, any_except, all, none, prefix, sequence, regex)");
	if (v->u.tab.len == 0)
		il_ld_err(c, v, "'args' is empty: give at least one of any, all, none, prefix, sequence, regex");
	read_globs_as(c, v, "any", "args.any", 0, &m->args_any);
	read_globs_as(c, v, "any_except", "args.any_except", 0, &m->args_any_except);
	read_globs_as(c, v, "all", "args.all", 0, &m->args_all);
	read_globs_as(c, v, "none", "args.none", 0, &m->args_none);
	read_globs_as(c, v, "prefix", "args.prefix", 0, &m->args_prefix);
	read_globs_as(c, v, "sequence", "args.sequence", 0, &m->args_sequence);
	read_regex(c, v, "regex", &m->args_regex);
	const toml_value *ex = toml_get(v, "any_except");
	if (ex && !toml_get(v, "any"))
		il_ld_err(c, ex, "'any_except' needs 'any' (it narrows the arguments 'any' matched)");
	m->has_args = true;
}

static void read_table_lists(il_loader *c, const toml_value *rule, const char *key,
                             const char *const *names, il_globlist *const *outs, unsigned flags)
{
	const toml_value *v = toml_get(rule, key);
	if (!v)
		return;
	if (v->type != TOML_TABLE) {
		il_ld_err(c, v, "'%s' must be a table like { %s = [...] }, not %s", key, names[0],
		          toml_type_name(v->type));
		return;
	}
	char what[64];
	snprintf(what, sizeof(what), "'%s'", key);
	il_ld_check_keys(c, v, names, what);
	if (v->u.tab.len == 0)
		il_ld_err(c, v, "'%s' is empty", key);
	for (size_t i = 0; names[i]; i++) {
		char label[64];
		snprintf(label, sizeof(label), "%s.%s", key, names[i]);
		read_globs_as(c, v, names[i], label, flags, outs[i]);
	}
}

static void read_delete(il_loader *c, const toml_value *rule, il_match *m)
{
	const toml_value *v;
	if ((v = toml_get(rule, "dir"))) {
		if (v->type != TOML_BOOL)
			il_ld_err(c, v, "'dir' must be a boolean, not %s", toml_type_name(v->type));
		else
			m->dir = v->u.b ? IL_DIR_YES : IL_DIR_NO;
	}
	if ((v = toml_get(rule, "op"))) {
		size_t n = 0;
		const toml_value **items = il_ld_strlist(c, v, "op", &n);
		if (items) {
			m->ops = 0;
			for (size_t i = 0; i < n; i++) {
				const char *s = items[i]->u.s.ptr;
				if (strcmp(s, "unlink") == 0)
					m->ops |= 1u << IL_DEL_UNLINK;
				else if (strcmp(s, "rmdir") == 0)
					m->ops |= 1u << IL_DEL_RMDIR;
				else if (strcmp(s, "rename") == 0)
					m->ops |= 1u << IL_DEL_RENAME_OVER;
				else
					il_ld_err(c, items[i], "'op': unknown value \"%s\" (expected unlink, rmdir or rename)", s);
			}
			free(items);
		}
	}
}

static void check_absolute(il_loader *c, const toml_value *rule, const char *key, const il_globlist *l)
{
	const toml_value *v = toml_get(rule, key);
	for (size_t i = 0; i < l->n; i++) {
		const char *s = l->v[i].source;
		if (s[0] != '/' && s[0] != '*' && !l->v[i].cwd_prefix)
			il_ld_err(c, v, "'%s': \"%s\" is neither absolute nor starts with '**' or ${CWD}: "
			          "paths are matched in absolute form", key, s);
	}
}

void il_match_load(il_loader *c, const toml_value *rule, il_kind kind, il_decision decision,
                   il_match *m)
{
	(void)decision;
	m->dir = IL_DIR_ANY;
	m->ops = IL_OPS_ALL;
	m->body_larger_than = -1;
	read_globs(c, rule, "cwd", IL_GLOB_PATH, &m->cwd);
	read_globs(c, rule, "cwd_not", IL_GLOB_PATH, &m->cwd_not);
	check_absolute(c, rule, "cwd", &m->cwd);
	check_absolute(c, rule, "cwd_not", &m->cwd_not);
	const toml_value *v;
	switch (kind) {
	case IL_KIND_EXEC:
		read_globs(c, rule, "program", IL_GLOB_PATH, &m->program);
		read_globs(c, rule, "program_not", IL_GLOB_PATH, &m->program_not);
		read_regex(c, rule, "program_regex", &m->program_regex);
		read_args(c, rule, m);
		read_globs(c, rule, "command", 0, &m->command);
		read_regex(c, rule, "command_regex", &m->command_regex);
		break;
	case IL_KIND_DELETE:
		read_globs(c, rule, "path", IL_GLOB_PATH, &m->path);
		read_globs(c, rule, "path_not", IL_GLOB_PATH, &m->path_not);
		read_regex(c, rule, "path_regex", &m->path_regex);
		check_absolute(c, rule, "path", &m->path);
		check_absolute(c, rule, "path_not", &m->path_not);
		read_delete(c, rule, m);
		if (!m->path.n && !m->path_regex.set && !toml_get(rule, "path"))
			il_ld_err(c, rule, "a delete rule needs 'path' or 'path_regex'");
		break;
	case IL_KIND_CONNECT:
	case IL_KIND_HTTP:
		read_globs(c, rule, "host", IL_GLOB_NOCASE, &m->host);
		read_globs(c, rule, "host_not", IL_GLOB_NOCASE, &m->host_not);
		read_cidrs(c, rule, "addr", &m->addr);
		read_cidrs(c, rule, "addr_not", &m->addr_not);
		read_ports(c, rule, "port", &m->port);
		read_ports(c, rule, "port_not", &m->port_not);
		if (kind == IL_KIND_CONNECT) {
			if ((v = toml_get(rule, "protocol"))) {
				const char *s = il_ld_string(c, v, "protocol");
				if (s && strcmp(s, "tcp") == 0)
					m->proto = IL_PROTO_TCP;
				else if (s && strcmp(s, "udp") == 0)
					m->proto = IL_PROTO_UDP;
				else if (s && strcmp(s, "any") != 0)
					il_ld_err(c, v, "'protocol': unknown value \"%s\" (expected tcp, udp or any)", s);
			}
			break;
		}
		read_globs(c, rule, "method", IL_GLOB_NOCASE, &m->method);
		read_globs(c, rule, "scheme", IL_GLOB_NOCASE, &m->scheme);
		read_globs(c, rule, "url", IL_GLOB_PATH, &m->url);
		read_globs(c, rule, "url_not", IL_GLOB_PATH, &m->url_not);
		read_regex(c, rule, "url_regex", &m->url_regex);
		read_globs(c, rule, "path", IL_GLOB_PATH, &m->path);
		read_globs(c, rule, "path_not", IL_GLOB_PATH, &m->path_not);
		read_regex(c, rule, "path_regex", &m->path_regex);
		{
			static const char *const qn[] = { "present", "absent", NULL };
			il_globlist *const qo[] = { &m->query_present, &m->query_absent };
			read_table_lists(c, rule, "query", qn, qo, 0);
			static const char *const hn[] = { "present", "absent", "match", NULL };
			il_globlist *const ho[] = { &m->header_present, &m->header_absent, &m->header_match };
			read_table_lists(c, rule, "headers", hn, ho, IL_GLOB_NOCASE);
		}
		if ((v = toml_get(rule, "body_larger_than"))) {
			if (v->type != TOML_INTEGER)
				il_ld_err(c, v, "'body_larger_than' must be an integer (bytes), not %s",
				          toml_type_name(v->type));
			else if (v->u.i < 0)
				il_ld_err(c, v, "'body_larger_than' must not be negative");
			else
				m->body_larger_than = v->u.i;
		}
		break;
	default:
		break;
	}
}

static void free_globs(il_globlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		il_glob_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void free_rx(il_rx *r)
{
	if (r->set)
		regfree(&r->re);
	free(r->src);
	r->set = false;
	r->src = NULL;
}

/* Every glob list of a match, for the functions that visit them all. */
#define IL_MATCH_GLOBLISTS(m) { \
	&(m)->cwd, &(m)->cwd_not, &(m)->program, &(m)->program_not, &(m)->args_any, \
	&(m)->args_any_except, &(m)->args_all, &(m)->args_none, &(m)->args_prefix, \
	&(m)->args_sequence, &(m)->command, &(m)->path, &(m)->path_not, &(m)->host, \
	&(m)->host_not, &(m)->method, &(m)->scheme, &(m)->url, &(m)->url_not, \
	&(m)->query_present, &(m)->query_absent, &(m)->header_present, \
	&(m)->header_absent, &(m)->header_match, }

bool il_match_uses_cwd(const il_match *m)
{
	if (m->cwd.n || m->cwd_not.n)
		return true;
	const il_globlist *lists[] = IL_MATCH_GLOBLISTS(m);
	for (size_t i = 0; i < IL_ARRAY_LEN(lists); i++)
		for (size_t k = 0; k < lists[i]->n; k++)
			if (lists[i]->v[k].cwd_prefix)
				return true;
	return false;
}

void il_match_free(il_match *m)
{
	if (!m)
		return;
	il_globlist *lists[] = IL_MATCH_GLOBLISTS(m);
	for (size_t i = 0; i < IL_ARRAY_LEN(lists); i++)
		free_globs(lists[i]);
	il_rx *rxs[] = { &m->program_regex, &m->args_regex, &m->command_regex, &m->path_regex,
		         &m->url_regex };
	for (size_t i = 0; i < IL_ARRAY_LEN(rxs); i++)
		free_rx(rxs[i]);
	free(m->addr.v);
	free(m->addr_not.v);
	free(m->port.v);
	free(m->port_not.v);
}
