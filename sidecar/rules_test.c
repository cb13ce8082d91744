/*
 * rules_test.c — [[test]] tables (parse, run) and actions built from
 * strings: a test's `action = { ... }` table and the words after
 * `interlock rules explain --`.
 */
#include "policy_internal.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* --- owned actions ------------------------------------------------------- */

const char *il_owned_action_keep(il_owned_action *o, const char *s)
{
	if (!s)
		return NULL;
	if (o->nbufs == o->capbufs) {
		o->capbufs = o->capbufs ? o->capbufs * 2 : 8;
		o->bufs = xrealloc(o->bufs, o->capbufs * sizeof(char *));
	}
	char *copy = xstrdup(s);
	o->bufs[o->nbufs++] = copy;
	return copy;
}

static const char *keepn(il_owned_action *o, const char *s, size_t n)
{
	char *tmp = xstrndup(s, n);
	const char *k = il_owned_action_keep(o, tmp);
	free(tmp);
	return k;
}

void il_owned_action_free(il_owned_action *o)
{
	for (size_t i = 0; i < o->nbufs; i++)
		free(o->bufs[i]);
	free(o->bufs);
	free(o->argv);
	free(o->headers);
	memset(o, 0, sizeof(*o));
}

int il_owned_action_set_url(il_owned_action *o, const char *url, char *err, size_t errlen)
{
	const char *sep = strstr(url, "://");
	if (!sep || sep == url) {
		snprintf(err, errlen, "URL \"%s\" has no scheme (expected http:// or https://)", url);
		return -1;
	}
	char scheme[16];
	size_t sl = (size_t)(sep - url);
	if (sl >= sizeof(scheme)) {
		snprintf(err, errlen, "URL \"%s\": scheme too long", url);
		return -1;
	}
	for (size_t i = 0; i < sl; i++)
		scheme[i] = (char)tolower((unsigned char)url[i]);
	scheme[sl] = '\0';
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		snprintf(err, errlen, "URL \"%s\": scheme must be http or https", url);
		return -1;
	}
	const char *auth = sep + 3;
	size_t alen = strcspn(auth, "/?#");
	const char *rest = auth + alen;
	/* drop userinfo */
	const char *at = memchr(auth, '@', alen);
	if (at) {
		alen -= (size_t)(at + 1 - auth);
		auth = at + 1;
	}
	const char *host = auth;
	size_t hlen = alen;
	unsigned port = strcmp(scheme, "https") == 0 ? 443 : 80;
	const char *portstr = NULL;
	if (alen > 0 && auth[0] == '[') {
		const char *close = memchr(auth, ']', alen);
		if (!close) {
			snprintf(err, errlen, "URL \"%s\": unterminated '[' in host", url);
			return -1;
		}
		host = auth + 1;
		hlen = (size_t)(close - auth - 1);
		if (close + 1 < auth + alen && close[1] == ':')
			portstr = close + 2;
	} else {
		const char *colon = memchr(auth, ':', alen);
		if (colon) {
			hlen = (size_t)(colon - auth);
			portstr = colon + 1;
		}
	}
	if (hlen == 0) {
		snprintf(err, errlen, "URL \"%s\" has no host", url);
		return -1;
	}
	if (portstr) {
		char pb[8];
		size_t pl = (size_t)(auth + alen - portstr);
		int64_t pv;
		if (pl == 0 || pl >= sizeof(pb)) {
			snprintf(err, errlen, "URL \"%s\": invalid port", url);
			return -1;
		}
		memcpy(pb, portstr, pl);
		pb[pl] = '\0';
		if (il_parse_i64(pb, 1, 65535, &pv) != 0) {
			snprintf(err, errlen, "URL \"%s\": invalid port", url);
			return -1;
		}
		port = (unsigned)pv;
	}
	size_t plen = strcspn(rest, "?#");
	const char *query = rest[plen] == '?' ? rest + plen + 1 : NULL;
	size_t qlen = query ? strcspn(query, "#") : 0;
	il_action *a = &o->a;
	a->scheme = il_owned_action_keep(o, scheme);
	char *h = xstrndup(host, hlen);
	for (char *p = h; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	a->host = il_owned_action_keep(o, h);
	free(h);
	a->port = port;
	a->url_path = plen ? keepn(o, rest, plen) : "/";
	a->query = query ? keepn(o, query, qlen) : NULL;
	size_t ulen = (size_t)((query ? query + qlen : rest + plen) - url);
	a->url = keepn(o, url, ulen);
	a->url_visible = true;
	il_ip ip;
	if (il_ip_parse(a->host, &ip) == 0)
		a->addr = a->host;
	return 0;
}

int il_owned_action_set_target(il_owned_action *o, const char *target, char *err, size_t errlen)
{
	const char *colon = strrchr(target, ':');
	if (!colon || colon == target) {
		snprintf(err, errlen, "\"%s\": expected HOST:PORT", target);
		return -1;
	}
	int64_t pv;
	if (il_parse_i64(colon + 1, 1, 65535, &pv) != 0) {
		snprintf(err, errlen, "\"%s\": invalid port", target);
		return -1;
	}
	const char *h = target;
	size_t hl = (size_t)(colon - target);
	if (h[0] == '[') {
		if (hl < 3 || h[hl - 1] != ']') {
			snprintf(err, errlen, "\"%s\": expected [IPV6]:PORT", target);
			return -1;
		}
		h++;
		hl -= 2;
	} else if (memchr(h, ':', hl)) {
		snprintf(err, errlen, "\"%s\": write IPv6 addresses as [ADDR]:PORT", target);
		return -1;
	}
	const char *host = keepn(o, h, hl);
	il_ip ip;
	if (il_ip_parse(host, &ip) == 0)
		o->a.addr = host;
	else
		o->a.host = host;
	o->a.port = (unsigned)pv;
	return 0;
}

/* --- [[test]] tables ---------------------------------------------------------- */

static const char *test_str(il_loader *c, const toml_value *t, const char *key, bool expand,
                            il_owned_action *o)
{
	const toml_value *v = toml_get(t, key);
	if (!v)
		return NULL;
	const char *s = il_ld_string(c, v, key);
	if (!s || !expand)
		return s ? il_owned_action_keep(o, s) : NULL;
	char *x = il_ld_expand(c, v, key, s, IL_EXPAND_PLAIN);
	if (!x)
		return NULL;
	const char *k = il_owned_action_keep(o, x);
	free(x);
	return k;
}

static void load_test_action(il_loader *c, const toml_value *act, il_owned_action *o)
{
	static const char *const keys[] = { "kind", "argv", "program", "cwd", "path", "dir", "op",
		                            "from", "method", "url", "host", "addr", "port", "protocol",
		                            "headers", "body_len", "visible", NULL };
	il_ld_check_keys(c, act, keys, "test action");
	il_action *a = &o->a;
	const toml_value *v = toml_get(act, "kind");
	const char *ks = v ? il_ld_string(c, v, "kind") : NULL;
	if (!v)
		il_ld_err(c, act, "test action: missing required key 'kind'");
	else if (ks && (a->kind = il_kind_from_name(ks)) == IL_KIND_NONE)
		il_ld_err(c, v, "'kind': unknown value \"%s\" (expected exec, delete, connect or http)", ks);
	a->cwd = test_str(c, act, "cwd", true, o);
	if (!a->cwd)
		a->cwd = c->p->workspace;
	a->body_len = 0;   /* a test request has an empty body unless body_len says */
	static const struct { const char *key; unsigned kinds; } applies[] = {
		{ "argv", 1u << IL_KIND_EXEC }, { "program", 1u << IL_KIND_EXEC },
		{ "path", 1u << IL_KIND_DELETE }, { "dir", 1u << IL_KIND_DELETE },
		{ "op", 1u << IL_KIND_DELETE }, { "from", 1u << IL_KIND_DELETE },
		{ "method", 1u << IL_KIND_HTTP }, { "url", 1u << IL_KIND_HTTP },
		{ "headers", 1u << IL_KIND_HTTP }, { "body_len", 1u << IL_KIND_HTTP },
		{ "visible", 1u << IL_KIND_HTTP }, { "protocol", 1u << IL_KIND_CONNECT },
		{ "host", 1u << IL_KIND_CONNECT }, { "port", 1u << IL_KIND_CONNECT },
		{ "addr", (1u << IL_KIND_CONNECT) | (1u << IL_KIND_HTTP) },
	};
	if (a->kind != IL_KIND_NONE)
		for (size_t i = 0; i < IL_ARRAY_LEN(applies); i++)
			if ((v = toml_get(act, applies[i].key)) && !(applies[i].kinds & (1u << a->kind)))
				il_ld_err(c, v, "test action: '%s' does not apply to kind = \"%s\"", applies[i].key,
				          il_kind_name(a->kind));
	switch (a->kind) {
	case IL_KIND_EXEC: {
		v = toml_get(act, "argv");
		size_t n = 0;
		const toml_value **items = v ? il_ld_strlist(c, v, "argv", &n) : NULL;
		if (!v)
			il_ld_err(c, act, "exec test action: missing required key 'argv'");
		if (!items)
			break;
		o->argv = xcalloc(n + 1, sizeof(char *));
		for (size_t i = 0; i < n; i++) {
			char *x = il_ld_expand(c, items[i], "argv", items[i]->u.s.ptr, IL_EXPAND_PLAIN);
			o->argv[i] = x ? il_owned_action_keep(o, x) : "";
			free(x);
		}
		free(items);
		a->argv = o->argv;
		a->argc = n;
		a->program = test_str(c, act, "program", true, o);
		if (!a->program) {
			char *p = o->argv[0][0] == '/' ? xstrdup(o->argv[0]) : xasprintf("/usr/bin/%s", o->argv[0]);
			a->program = il_owned_action_keep(o, p);
			free(p);
		}
		break;
	}
	case IL_KIND_DELETE:
		a->path = test_str(c, act, "path", true, o);
		if (!toml_get(act, "path"))
			il_ld_err(c, act, "delete test action: missing required key 'path'");
		else if (a->path && a->path[0] != '/')
			il_ld_err(c, toml_get(act, "path"), "'path' must be absolute");
		if ((v = toml_get(act, "dir"))) {
			if (v->type != TOML_BOOL)
				il_ld_err(c, v, "'dir' must be a boolean, not %s", toml_type_name(v->type));
			else
				a->is_dir = v->u.b;
		}
		a->del_op = a->is_dir ? IL_DEL_RMDIR : IL_DEL_UNLINK;
		if ((v = toml_get(act, "op"))) {
			const char *s = il_ld_string(c, v, "op");
			if (s && strcmp(s, "unlink") == 0)
				a->del_op = IL_DEL_UNLINK;
			else if (s && strcmp(s, "rmdir") == 0)
				a->del_op = IL_DEL_RMDIR;
			else if (s && strcmp(s, "rename") == 0)
				a->del_op = IL_DEL_RENAME_OVER;
			else if (s)
				il_ld_err(c, v, "'op': unknown value \"%s\" (expected unlink, rmdir or rename)", s);
		}
		a->rename_from = test_str(c, act, "from", true, o);
		break;
	case IL_KIND_CONNECT:
	case IL_KIND_HTTP:
		a->addr = test_str(c, act, "addr", false, o);
		if (a->kind == IL_KIND_CONNECT) {
			a->host = test_str(c, act, "host", false, o);
			if (!a->host && !a->addr)
				il_ld_err(c, act, "connect test action: give 'host', 'addr' or both");
			v = toml_get(act, "port");
			if (!v)
				il_ld_err(c, act, "connect test action: missing required key 'port'");
			else if (v->type != TOML_INTEGER || v->u.i < 1 || v->u.i > 65535)
				il_ld_err(c, v, "'port' must be an integer between 1 and 65535");
			else
				a->port = (unsigned)v->u.i;
			if ((v = toml_get(act, "protocol"))) {
				const char *s = il_ld_string(c, v, "protocol");
				if (s && strcmp(s, "udp") == 0)
					a->udp = true;
				else if (s && strcmp(s, "tcp") != 0)
					il_ld_err(c, v, "'protocol': unknown value \"%s\" (expected tcp or udp)", s);
			}
			break;
		}
		v = toml_get(act, "url");
		if (!v) {
			il_ld_err(c, act, "http test action: missing required key 'url'");
		} else {
			const char *u = il_ld_string(c, v, "url");
			char err[256];
			if (u && il_owned_action_set_url(o, u, err, sizeof(err)) != 0)
				il_ld_err(c, v, "'url': %s", err);
		}
		a->method = test_str(c, act, "method", false, o);
		if (!a->method)
			a->method = "GET";
		if ((v = toml_get(act, "headers"))) {
			size_t n = 0;
			const toml_value **items = il_ld_strlist(c, v, "headers", &n);
			if (items) {
				o->headers = xcalloc(n, sizeof(char *));
				for (size_t i = 0; i < n; i++)
					o->headers[i] = il_owned_action_keep(o, items[i]->u.s.ptr);
				a->headers = o->headers;
				a->nheaders = n;
				free(items);
			}
		}
		if ((v = toml_get(act, "body_len"))) {
			if (v->type != TOML_INTEGER || v->u.i < -1)
				il_ld_err(c, v, "'body_len' must be an integer >= 0, or -1 for unknown");
			else
				a->body_len = v->u.i;
		}
		if ((v = toml_get(act, "visible"))) {
			if (v->type != TOML_BOOL) {
				il_ld_err(c, v, "'visible' must be a boolean, not %s", toml_type_name(v->type));
			} else if (!v->u.b) {
				/* only the host of an opaque TLS connection was seen */
				a->url_visible = false;
				a->url = NULL;
				a->url_path = NULL;
				a->query = NULL;
				a->method = NULL;
				a->nheaders = 0;
			}
		}
		break;
	default:
		break;
	}
}

void il_test_load(il_loader *c, const toml_value *t)
{
	il_policy *p = c->p;
	if (t->type != TOML_TABLE) {
		il_ld_err(c, t, "'test' entries must be tables ([[test]]), not %s", toml_type_name(t->type));
		return;
	}
	static const char *const keys[] = { "name", "action", "expect", "rule", "rules", NULL };
	il_ld_check_keys(c, t, keys, "[[test]]");
	if (p->ntests == p->captests) {
		p->captests = p->captests ? p->captests * 2 : 32;
		p->tests = xrealloc(p->tests, p->captests * sizeof(il_rule_test));
	}
	il_rule_test *tt = &p->tests[p->ntests++];
	memset(tt, 0, sizeof(*tt));
	tt->file = c->file;
	tt->line = t->line;
	il_owned_action *o = xcalloc(1, sizeof(*o));
	tt->storage = o;
	const toml_value *v = toml_get(t, "name");
	const char *name = v ? il_ld_string(c, v, "name") : NULL;
	tt->name = name ? xstrdup(name) : xasprintf("test at line %d", t->line);
	if (!(v = toml_get(t, "action")))
		il_ld_err(c, t, "test: missing required key 'action'");
	else if (v->type != TOML_TABLE)
		il_ld_err(c, v, "'action' must be a table like { kind = \"exec\", argv = [...] }, not %s",
		          toml_type_name(v->type));
	else
		load_test_action(c, v, o);
	tt->action = o->a;
	if (!(v = toml_get(t, "expect"))) {
		il_ld_err(c, t, "test: missing required key 'expect'");
	} else {
		const char *s = il_ld_string(c, v, "expect");
		if (s && strcmp(s, "allow") == 0)
			tt->expect = IL_ALLOW;
		else if (s && strcmp(s, "approve") == 0)
			tt->expect = IL_APPROVE;
		else if (s && strcmp(s, "deny") == 0)
			tt->expect = IL_DENY;
		else if (s)
			il_ld_err(c, v, "'expect': unknown value \"%s\" (expected allow, approve or deny)", s);
	}
	if ((v = toml_get(t, "rule"))) {
		const char *s = il_ld_string(c, v, "rule");
		if (s)
			tt->rule = xstrdup(s);
	}
	if ((v = toml_get(t, "rules"))) {
		size_t n = 0;
		const toml_value **items = il_ld_strlist(c, v, "rules", &n);
		if (items) {
			tt->rules = xcalloc(n, sizeof(char *));
			for (size_t i = 0; i < n; i++)
				tt->rules[i] = xstrdup(items[i]->u.s.ptr);
			tt->nrules = n;
			free(items);
		}
	}
}

void il_rule_test_free(il_rule_test *t)
{
	free(t->name);
	free(t->rule);
	for (size_t i = 0; i < t->nrules; i++)
		free(t->rules[i]);
	free(t->rules);
	if (t->storage) {
		il_owned_action_free(t->storage);
		free(t->storage);
	}
}

size_t il_policy_test_count(const il_policy *p)
{
	return p ? p->ntests : 0;
}

const il_rule_test *il_policy_test(const il_policy *p, size_t i)
{
	return (p && i < p->ntests) ? &p->tests[i] : NULL;
}

static bool matched_id(const il_verdict *v, const char *id)
{
	for (size_t i = 0; i < v->nmatched; i++)
		if (strcmp(v->matched[i].rule->id, id) == 0)
			return true;
	return false;
}

bool il_rule_test_run(const il_policy *p, const il_rule_test *t, il_verdict *v, char *msg,
                      size_t msglen)
{
	il_policy_decide(p, &t->action, v);
	msg[0] = '\0';
	if (v->decision != t->expect) {
		snprintf(msg, msglen, "expected %s, got %s", il_decision_name(t->expect),
		         il_decision_name(v->decision));
		return false;
	}
	if (t->rule && (!v->primary || strcmp(v->primary->id, t->rule) != 0)) {
		snprintf(msg, msglen, "expected rule '%s' to decide, got %s%s%s", t->rule,
		         v->primary ? "'" : "", v->primary ? v->primary->id : "the defaults",
		         v->primary ? "'" : "");
		return false;
	}
	for (size_t i = 0; i < t->nrules; i++) {
		if (!matched_id(v, t->rules[i])) {
			snprintf(msg, msglen, "expected rule '%s' to match; it did not", t->rules[i]);
			return false;
		}
	}
	return true;
}
