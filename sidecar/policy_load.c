/*
 * policy_load.c — turn one parsed rule document into rules, defaults and
 * tests, validating everything and reporting every problem at its
 * FILE:LINE:COL (the loader never stops at the first error), and build
 * the matcher's indexes once all documents are in.
 *
 * Schema (docs/rules.md is the reference):
 *   version = 1                        required
 *   [defaults] decision timeout approvers risk
 *   [[rule]]  id kind decision (required) description risk timeout
 *             approvers approvals escalate break_glass + conditions
 *   [[test]]  name action expect rule rules
 */
#include "policy_internal.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- shared loader helpers ------------------------------------------------ */

void il_ld_err(il_loader *c, const toml_value *v, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	il_errors_addf(c->errs, "%s:%d:%d: %s", c->file, v ? v->line : 1, v ? v->col : 1, msg);
	c->nerr++;
}

const char *il_ld_string(il_loader *c, const toml_value *v, const char *key)
{
	if (!v)
		return NULL;
	if (v->type != TOML_STRING) {
		il_ld_err(c, v, "'%s' must be a string, not %s", key, toml_type_name(v->type));
		return NULL;
	}
	if (strlen(v->u.s.ptr) != v->u.s.len) {
		il_ld_err(c, v, "'%s' must not contain NUL characters", key);
		return NULL;
	}
	return v->u.s.ptr;
}

const toml_value **il_ld_strlist(il_loader *c, const toml_value *v, const char *key, size_t *n)
{
	*n = 0;
	if (v->type == TOML_STRING) {
		if (!il_ld_string(c, v, key))
			return NULL;
		const toml_value **out = xmalloc(sizeof(*out));
		out[0] = v;
		*n = 1;
		return out;
	}
	if (v->type != TOML_ARRAY) {
		il_ld_err(c, v, "'%s' must be a string or an array of strings, not %s", key,
		          toml_type_name(v->type));
		return NULL;
	}
	if (v->u.arr.len == 0) {
		il_ld_err(c, v, "'%s' must not be an empty array", key);
		return NULL;
	}
	const toml_value **out = xcalloc(v->u.arr.len, sizeof(*out));
	bool ok = true;
	for (size_t i = 0; i < v->u.arr.len; i++) {
		const toml_value *it = v->u.arr.items[i];
		if (it->type != TOML_STRING) {
			il_ld_err(c, it, "'%s' must be a string or an array of strings; item %zu is %s", key,
			          i + 1, toml_type_name(it->type));
			ok = false;
		} else if (!il_ld_string(c, it, key)) {
			ok = false;
		}
		out[i] = it;
	}
	if (!ok) {
		free(out);
		return NULL;
	}
	*n = v->u.arr.len;
	return out;
}

void il_ld_check_keys(il_loader *c, const toml_value *t, const char *const *allowed,
                      const char *what)
{
	for (size_t i = 0; i < t->u.tab.len; i++) {
		const char *k = t->u.tab.items[i].key;
		bool ok = false;
		for (size_t a = 0; allowed[a] && !ok; a++)
			ok = strcmp(allowed[a], k) == 0;
		if (!ok)
			il_ld_err(c, t->u.tab.items[i].value, "unknown key '%s' in %s", k, what);
	}
}

/* Append s to a growing buffer, escaped for the target syntax. */
static void append_escaped(char **buf, size_t *len, size_t *cap, const char *s, int mode)
{
	for (; *s; s++) {
		bool esc = (mode == IL_EXPAND_GLOB && strchr("*?[]\\", *s)) ||
		           (mode == IL_EXPAND_REGEX && strchr(".[]{}()\\*+?|^$", *s));
		if (*len + 3 > *cap) {
			*cap = *cap * 2 + 16;
			*buf = xrealloc(*buf, *cap);
		}
		if (esc)
			(*buf)[(*len)++] = '\\';
		(*buf)[(*len)++] = *s;
	}
	(*buf)[*len] = '\0';
}

char *il_ld_expand(il_loader *c, const toml_value *v, const char *key, const char *s, int mode)
{
	size_t cap = strlen(s) + 16, len = 0;
	char *out = xmalloc(cap);
	out[0] = '\0';
	const char *p = s;
	while (*p) {
		if (p[0] == '$' && p[1] == '{') {
			const char *end = strchr(p, '}');
			if (!end) {
				il_ld_err(c, v, "'%s': unterminated '${' in \"%s\"", key, s);
				free(out);
				return NULL;
			}
			size_t nlen = (size_t)(end - p - 2);
			const char *val = NULL;
			if (nlen == 4 && strncmp(p + 2, "HOME", 4) == 0) {
				val = c->p->home;
				if (!val) {
					il_ld_err(c, v, "'%s': ${HOME} is used but HOME is not set", key);
					free(out);
					return NULL;
				}
			} else if (nlen == 9 && strncmp(p + 2, "WORKSPACE", 9) == 0) {
				val = c->p->workspace;
			} else if (nlen == 3 && strncmp(p + 2, "CWD", 3) == 0) {
				if (mode != IL_EXPAND_GLOB || p != s) {
					il_ld_err(c, v, "'%s': ${CWD} may only begin a glob pattern (\"%s\")", key, s);
					free(out);
					return NULL;
				}
				if (len + 7 > cap) {
					cap = len + 16;
					out = xrealloc(out, cap);
				}
				memcpy(out + len, "${CWD}", 7);
				len += 6;
				p = end + 1;
				continue;
			} else {
				il_ld_err(c, v, "'%s': unknown variable '${%.*s}' (known: ${HOME}, ${WORKSPACE}, ${CWD})",
				          key, (int)(nlen > 40 ? 40 : nlen), p + 2);
				free(out);
				return NULL;
			}
			if (mode == IL_EXPAND_PLAIN) {
				size_t vl = strlen(val);
				if (len + vl + 1 > cap) {
					cap = len + vl + 16;
					out = xrealloc(out, cap);
				}
				memcpy(out + len, val, vl + 1);
				len += vl;
			} else {
				append_escaped(&out, &len, &cap, val, mode);
			}
			p = end + 1;
			continue;
		}
		if (len + 2 > cap) {
			cap *= 2;
			out = xrealloc(out, cap);
		}
		out[len++] = *p++;
		out[len] = '\0';
	}
	return out;
}

/* --- enums ---------------------------------------------------------------- */

static int parse_decision(const char *s, il_decision *d)
{
	static const char *const names[] = { "allow", "approve", "deny" };
	for (int i = 0; i < 3; i++)
		if (strcmp(s, names[i]) == 0) {
			*d = (il_decision)i;
			return 0;
		}
	return -1;
}

static int parse_risk(const char *s, il_risk *r)
{
	static const char *const names[] = { "low", "medium", "high", "critical" };
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			*r = (il_risk)(i + 1);
			return 0;
		}
	return -1;
}

static bool get_decision(il_loader *c, const toml_value *v, il_decision *d)
{
	const char *s = il_ld_string(c, v, "decision");
	if (!s)
		return false;
	if (parse_decision(s, d) != 0) {
		il_ld_err(c, v, "'decision': unknown value \"%s\" (expected allow, approve or deny)", s);
		return false;
	}
	return true;
}

static bool get_risk(il_loader *c, const toml_value *v, il_risk *r)
{
	const char *s = il_ld_string(c, v, "risk");
	if (!s)
		return false;
	if (parse_risk(s, r) != 0) {
		il_ld_err(c, v, "'risk': unknown value \"%s\" (expected low, medium, high or critical)", s);
		return false;
	}
	return true;
}

static bool get_duration(il_loader *c, const toml_value *v, const char *key, int64_t *ms)
{
	const char *s = il_ld_string(c, v, key);
	if (!s)
		return false;
	if (il_parse_duration(s, ms) != 0 || *ms <= 0) {
		il_ld_err(c, v, "'%s': invalid duration \"%s\" (use e.g. \"90s\", \"5m\", \"1h30m\")", key, s);
		return false;
	}
	return true;
}

static char **get_names(il_loader *c, const toml_value *v, const char *key, size_t *n)
{
	size_t cnt = 0;
	const toml_value **items = il_ld_strlist(c, v, key, &cnt);
	if (!items)
		return NULL;
	char **out = xcalloc(cnt, sizeof(char *));
	for (size_t i = 0; i < cnt; i++) {
		if (items[i]->u.s.len == 0)
			il_ld_err(c, items[i], "'%s': empty name", key);
		out[i] = xstrdup(items[i]->u.s.ptr);
	}
	free(items);
	*n = cnt;
	return out;
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* --- defaults ------------------------------------------------------------- */

typedef struct {
	il_risk risk;
	int64_t timeout_ms;       /* 0: not set in this file */
	char **approvers;
	size_t napprovers;
} file_defaults;

static void load_defaults(il_loader *c, const toml_value *d, file_defaults *fd)
{
	static const char *const keys[] = { "decision", "timeout", "approvers", "risk", NULL };
	if (d->type != TOML_TABLE) {
		il_ld_err(c, d, "'defaults' must be a table ([defaults]), not %s", toml_type_name(d->type));
		return;
	}
	il_ld_check_keys(c, d, keys, "[defaults]");
	il_policy *p = c->p;
	const toml_value *v;
	il_decision dec;
	if ((v = toml_get(d, "decision")) && get_decision(c, v, &dec)) {
		/* several files: the strictest default wins */
		if (!p->def_decision_set || dec > p->def_decision)
			p->def_decision = dec;
		p->def_decision_set = true;
	}
	int64_t ms;
	if ((v = toml_get(d, "timeout")) && get_duration(c, v, "timeout", &ms)) {
		fd->timeout_ms = ms;
		if (p->def_timeout_ms == 0 || ms < p->def_timeout_ms)
			p->def_timeout_ms = ms;
	}
	il_risk r;
	if ((v = toml_get(d, "risk")) && get_risk(c, v, &r)) {
		fd->risk = r;
		if (r > p->def_risk)
			p->def_risk = r;
	}
	if ((v = toml_get(d, "approvers"))) {
		size_t n = 0;
		char **names = get_names(c, v, "approvers", &n);
		if (names) {
			fd->approvers = names;
			fd->napprovers = n;
			for (size_t i = 0; i < n; i++) {
				p->def_approvers = xrealloc(p->def_approvers,
				                            (p->ndef_approvers + 1) * sizeof(char *));
				p->def_approvers[p->ndef_approvers++] = xstrdup(names[i]);
			}
		}
	}
}

/* --- rules ---------------------------------------------------------------- */

static const char *const rule_keys[] = {
	"id", "kind", "description", "decision", "risk", "timeout", "approvers", "approvals",
	"escalate", "break_glass", "cwd", "cwd_not",
	"program", "program_not", "program_regex", "args", "command", "command_regex",
	"path", "path_not", "path_regex", "dir", "op",
	"host", "host_not", "addr", "addr_not", "port", "port_not", "protocol",
	"method", "scheme", "url", "url_not", "url_regex", "query", "headers", "body_larger_than",
	NULL,
};

/* Which kinds each kind-specific key applies to. */
static const struct {
	const char *key;
	unsigned kinds;
} key_kinds[] = {
#define K(k) (1u << (k))
	{ "program", K(IL_KIND_EXEC) }, { "program_not", K(IL_KIND_EXEC) },
	{ "program_regex", K(IL_KIND_EXEC) }, { "args", K(IL_KIND_EXEC) },
	{ "command", K(IL_KIND_EXEC) }, { "command_regex", K(IL_KIND_EXEC) },
	{ "path", K(IL_KIND_DELETE) | K(IL_KIND_HTTP) }, { "path_not", K(IL_KIND_DELETE) | K(IL_KIND_HTTP) },
	{ "path_regex", K(IL_KIND_DELETE) | K(IL_KIND_HTTP) },
	{ "dir", K(IL_KIND_DELETE) }, { "op", K(IL_KIND_DELETE) },
	{ "host", K(IL_KIND_CONNECT) | K(IL_KIND_HTTP) }, { "host_not", K(IL_KIND_CONNECT) | K(IL_KIND_HTTP) },
	{ "addr", K(IL_KIND_CONNECT) | K(IL_KIND_HTTP) }, { "addr_not", K(IL_KIND_CONNECT) | K(IL_KIND_HTTP) },
	{ "port", K(IL_KIND_CONNECT) | K(IL_KIND_HTTP) }, { "port_not", K(IL_KIND_CONNECT) | K(IL_KIND_HTTP) },
	{ "protocol", K(IL_KIND_CONNECT) },
	{ "method", K(IL_KIND_HTTP) }, { "scheme", K(IL_KIND_HTTP) }, { "url", K(IL_KIND_HTTP) },
	{ "url_not", K(IL_KIND_HTTP) }, { "url_regex", K(IL_KIND_HTTP) }, { "query", K(IL_KIND_HTTP) },
	{ "headers", K(IL_KIND_HTTP) }, { "body_larger_than", K(IL_KIND_HTTP) },
#undef K
};

static bool valid_id(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		          (i > 0 && (ch == '-' || ch == '_' || ch == '.'));
		if (!ok)
			return false;
	}
	return true;
}

static const il_rule *find_rule(const il_policy *p, const char *id)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (strcmp(p->rules[i].id, id) == 0)
			return &p->rules[i];
	return NULL;
}

static void load_escalate(il_loader *c, const toml_value *v, il_rule *r)
{
	if (v->type != TOML_ARRAY) {
		il_ld_err(c, v, "'escalate' must be an array of tables like [{ after = \"5m\", to = \"lead\" }], not %s",
		          toml_type_name(v->type));
		return;
	}
	static const char *const keys[] = { "after", "to", NULL };
	r->escalate = xcalloc(v->u.arr.len, sizeof(il_escalation));
	for (size_t i = 0; i < v->u.arr.len; i++) {
		const toml_value *e = v->u.arr.items[i];
		if (e->type != TOML_TABLE) {
			il_ld_err(c, e, "'escalate' items must be tables like { after = \"5m\", to = \"lead\" }, not %s",
			          toml_type_name(e->type));
			continue;
		}
		il_ld_check_keys(c, e, keys, "escalate step");
		const toml_value *after = toml_get(e, "after"), *to = toml_get(e, "to");
		int64_t ms = 0;
		if (!after)
			il_ld_err(c, e, "escalate step: missing required key 'after'");
		else if (!get_duration(c, after, "after", &ms))
			continue;
		const char *tos = NULL;
		if (!to)
			il_ld_err(c, e, "escalate step: missing required key 'to'");
		else if ((tos = il_ld_string(c, to, "to")) && !*tos)
			il_ld_err(c, to, "'to': empty name");
		if (!after || !tos)
			continue;
		if (r->timeout_ms > 0 && ms > r->timeout_ms)
			il_ld_err(c, after, "escalation after \"%s\" never happens: the rule's timeout is shorter (a timeout denies)",
			          after->u.s.ptr);
		r->escalate[r->nescalate].after_ms = ms;
		r->escalate[r->nescalate].to = xstrdup(tos);
		r->nescalate++;
	}
}

static void load_rule(il_loader *c, const toml_value *t, const file_defaults *fd)
{
	if (t->type != TOML_TABLE) {
		il_ld_err(c, t, "'rule' entries must be tables ([[rule]]), not %s", toml_type_name(t->type));
		return;
	}
	il_policy *p = c->p;
	il_ld_check_keys(c, t, rule_keys, "[[rule]]");
	il_rule r;
	memset(&r, 0, sizeof(r));
	r.file = c->file;
	r.line = t->line;
	r.approvals = 1;
	r.risk = fd->risk ? fd->risk : IL_RISK_MEDIUM;

	const toml_value *v;
	const char *id = NULL;
	if (!(v = toml_get(t, "id")))
		il_ld_err(c, t, "rule: missing required key 'id'");
	else if ((id = il_ld_string(c, v, "id"))) {
		const il_rule *dup = find_rule(p, id);
		if (!valid_id(id)) {
			il_ld_err(c, v, "'id': \"%s\" is not a valid rule id (letters, digits, '-', '_', '.'; "
			          "at most 64; starting with a letter or digit)", id);
			id = NULL;
		} else if (dup) {
			il_ld_err(c, v, "duplicate rule id '%s' (first defined at %s:%d)", id, dup->file, dup->line);
			id = NULL;
		}
	}
	il_kind kind = IL_KIND_NONE;
	if (!(v = toml_get(t, "kind"))) {
		il_ld_err(c, t, "rule%s%s: missing required key 'kind'", id ? " " : "", id ? id : "");
	} else {
		const char *ks = il_ld_string(c, v, "kind");
		if (ks && (kind = il_kind_from_name(ks)) == IL_KIND_NONE)
			il_ld_err(c, v, "'kind': unknown value \"%s\" (expected exec, delete, connect or http)", ks);
	}
	bool have_decision = false;
	if (!(v = toml_get(t, "decision")))
		il_ld_err(c, t, "rule%s%s: missing required key 'decision'", id ? " " : "", id ? id : "");
	else
		have_decision = get_decision(c, v, &r.decision);
	if (kind != IL_KIND_NONE) {
		for (size_t i = 0; i < IL_ARRAY_LEN(key_kinds); i++) {
			const toml_value *kv = toml_get(t, key_kinds[i].key);
			if (kv && !(key_kinds[i].kinds & (1u << kind)))
				il_ld_err(c, kv, "'%s' does not apply to kind = \"%s\"", key_kinds[i].key,
				          il_kind_name(kind));
		}
	}
	if ((v = toml_get(t, "description")))
		if (il_ld_string(c, v, "description"))
			r.description = xstrdup(v->u.s.ptr);
	if ((v = toml_get(t, "risk")))
		get_risk(c, v, &r.risk);

	/* approval keys apply to approve rules; break_glass to approve/deny */
	bool approve = have_decision && r.decision == IL_APPROVE;
	static const char *const approve_only[] = { "timeout", "approvers", "approvals", "escalate" };
	for (size_t i = 0; i < IL_ARRAY_LEN(approve_only); i++)
		if (have_decision && !approve && (v = toml_get(t, approve_only[i])))
			il_ld_err(c, v, "'%s' applies only to decision = \"approve\"", approve_only[i]);
	if (approve) {
		if ((v = toml_get(t, "timeout")))
			get_duration(c, v, "timeout", &r.timeout_ms);
		if ((v = toml_get(t, "approvers")))
			r.approvers = get_names(c, v, "approvers", &r.napprovers);
		else if (fd->napprovers) {
			r.approvers = xcalloc(fd->napprovers, sizeof(char *));
			for (size_t i = 0; i < fd->napprovers; i++)
				r.approvers[i] = xstrdup(fd->approvers[i]);
			r.napprovers = fd->napprovers;
		}
		if ((v = toml_get(t, "approvals"))) {
			if (v->type != TOML_INTEGER)
				il_ld_err(c, v, "'approvals' must be an integer, not %s", toml_type_name(v->type));
			else if (v->u.i < 1 || v->u.i > 16)
				il_ld_err(c, v, "'approvals' must be between 1 and 16, not %lld", (long long)v->u.i);
			else
				r.approvals = (unsigned)v->u.i;
		}
		if ((v = toml_get(t, "escalate")))
			load_escalate(c, v, &r);
		if (r.timeout_ms == 0)
			r.timeout_ms = fd->timeout_ms;   /* this file's [defaults].timeout */
	}
	r.break_glass = approve;   /* default: approve rules yes, deny rules no */
	if ((v = toml_get(t, "break_glass"))) {
		if (have_decision && r.decision == IL_ALLOW)
			il_ld_err(c, v, "'break_glass' does not apply to decision = \"allow\"");
		else if (v->type != TOML_BOOL)
			il_ld_err(c, v, "'break_glass' must be a boolean, not %s", toml_type_name(v->type));
		else
			r.break_glass = v->u.b;
	}
	r.kind = kind;
	il_match *m = xcalloc(1, sizeof(*m));
	if (kind != IL_KIND_NONE)
		il_match_load(c, t, kind, r.decision, m);
	r.priv = m;
	r.id = xstrdup(id ? id : "");
	if (p->nrules == p->caprules) {
		p->caprules = p->caprules ? p->caprules * 2 : 32;
		p->rules = xrealloc(p->rules, p->caprules * sizeof(il_rule));
	}
	p->rules[p->nrules++] = r;
}

/* --- the document ----------------------------------------------------------- */

int il_policy_load_doc(il_policy *p, const char *file, const char *buf, size_t len,
                       il_errors *errs)
{
	il_loader c = { .p = p, .file = file, .errs = errs, .nerr = 0 };
	toml_error terr;
	memset(&terr, 0, sizeof(terr));
	toml_value *root = toml_parse(buf, len, &terr);
	if (!root) {
		il_errors_addf(errs, "%s:%d:%d: %s", file, terr.line ? terr.line : 1,
		               terr.col ? terr.col : 1, terr.msg);
		return -1;
	}
	static const char *const top_keys[] = { "version", "defaults", "rule", "test", NULL };
	il_ld_check_keys(&c, root, top_keys, "the top level (expected version, [defaults], [[rule]], [[test]])");
	const toml_value *v = toml_get(root, "version");
	if (!v)
		il_ld_err(&c, NULL, "missing required top-level key 'version' (write \"version = 1\" first)");
	else if (v->type != TOML_INTEGER)
		il_ld_err(&c, v, "'version' must be an integer, not %s", toml_type_name(v->type));
	else if (v->u.i != 1)
		il_ld_err(&c, v, "unsupported rules version %lld (this interlock reads version 1)",
		          (long long)v->u.i);

	file_defaults fd;
	memset(&fd, 0, sizeof(fd));
	if ((v = toml_get(root, "defaults")))
		load_defaults(&c, v, &fd);
	if ((v = toml_get(root, "rule"))) {
		if (v->type != TOML_ARRAY)
			il_ld_err(&c, v, "'rule' must be an array of tables (write [[rule]], not [rule])");
		else
			for (size_t i = 0; i < v->u.arr.len; i++)
				load_rule(&c, v->u.arr.items[i], &fd);
	}
	if ((v = toml_get(root, "test"))) {
		if (v->type != TOML_ARRAY)
			il_ld_err(&c, v, "'test' must be an array of tables (write [[test]], not [test])");
		else
			for (size_t i = 0; i < v->u.arr.len; i++)
				il_test_load(&c, v->u.arr.items[i]);
	}
	free_names(fd.approvers, fd.napprovers);
	toml_free(root);
	return c.nerr ? -1 : 0;
}

/* --- indexes ------------------------------------------------------------------ */

static int cmp_name_idx(const void *a, const void *b)
{
	const il_name_idx *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* Exec rules whose program patterns are all literal go under each name
 * (the basename of an absolute literal path); others are tried always. */
static bool indexable(const il_match *m)
{
	if (m->program.n == 0)
		return false;
	for (size_t i = 0; i < m->program.n; i++)
		if (!m->program.v[i].literal || m->program.v[i].cwd_prefix)
			return false;
	return true;
}

int il_policy_finish(il_policy *p, il_errors *errs)
{
	size_t before = errs->len;
	for (size_t t = 0; t < p->ntests; t++) {
		il_rule_test *tt = &p->tests[t];
		if (tt->rule && !il_policy_find_rule(p, tt->rule))
			il_errors_addf(errs, "%s:%d:1: test '%s': 'rule' names unknown rule id '%s'", tt->file,
			               tt->line, tt->name, tt->rule);
		for (size_t i = 0; i < tt->nrules; i++)
			if (!il_policy_find_rule(p, tt->rules[i]))
				il_errors_addf(errs, "%s:%d:1: test '%s': 'rules' names unknown rule id '%s'",
				               tt->file, tt->line, tt->name, tt->rules[i]);
	}
	if (!p->def_decision_set)
		p->def_decision = IL_ALLOW;
	if (p->def_timeout_ms == 0)
		p->def_timeout_ms = 5 * 60 * 1000;
	if (p->def_risk == IL_RISK_NONE)
		p->def_risk = IL_RISK_MEDIUM;
	for (unsigned k = 0; k < 5; k++) {
		p->by_kind[k] = xcalloc(p->nrules ? p->nrules : 1, sizeof(size_t));
		p->nby_kind[k] = 0;
	}
	size_t nnames = 0;
	for (size_t i = 0; i < p->nrules; i++) {
		const il_match *m = p->rules[i].priv;
		if (p->rules[i].kind == IL_KIND_EXEC && indexable(m))
			nnames += m->program.n;
	}
	p->exec_names = xcalloc(nnames ? nnames : 1, sizeof(il_name_idx));
	for (size_t i = 0; i < p->nrules; i++) {
		const il_rule *r = &p->rules[i];
		const il_match *m = r->priv;
		if (r->kind == IL_KIND_EXEC && indexable(m)) {
			for (size_t k = 0; k < m->program.n; k++) {
				const char *lit = m->program.v[k].lit;
				const char *slash = strrchr(lit, '/');
				p->exec_names[p->nexec_names++] = (il_name_idx){ slash ? slash + 1 : lit, i };
			}
		} else if ((unsigned)r->kind < 5) {
			p->by_kind[r->kind][p->nby_kind[r->kind]++] = i;
		}
	}
	qsort(p->exec_names, p->nexec_names, sizeof(il_name_idx), cmp_name_idx);
	return errs->len > before ? -1 : 0;
}
