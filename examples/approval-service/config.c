/*
 * config.c — the approval service's TOML configuration (see
 * config.example.toml): listen address, database, the sidecar's bearer
 * token and the verdict HMAC key (inline or in files), lifetimes, and the
 * reviewers with their groups and PBKDF2 password hashes. Strict: unknown
 * keys, wrong types and weak secrets are errors with FILE:LINE:COL.
 */
#include "service.h"
#include "toml.h"
#include "util.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
	const char *file;
	char *err;
	size_t errlen;
} cctx;

__attribute__((format(printf, 3, 4)))
static int cerr(cctx *c, const toml_value *at, const char *fmt, ...)
{
	char msg[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s:%d:%d: %s", c->file, at ? at->line : 0, at ? at->col : 0, msg);
	return -1;
}

static char *resolve(const char *cfgpath, const char *p)
{
	if (p[0] == '/')
		return xstrdup(p);
	char *copy = xstrdup(cfgpath);
	char *r = xasprintf("%s/%s", dirname(copy), p);
	free(copy);
	return r;
}

/* Read a secret file: its bytes minus one trailing newline. Warn when others can read it. */
static char *read_secret(cctx *c, const toml_value *at, const char *path, size_t *len)
{
	struct stat st;
	if (stat(path, &st) == 0 && (st.st_mode & 077))
		fprintf(stderr, "interlock-approver: warning: %s is readable by group/other\n", path);
	size_t n;
	char *s = il_read_file(path, 65536, &n);
	if (!s) {
		cerr(c, at, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	if (n && s[n - 1] == '\n')
		s[--n] = '\0';
	if (n && s[n - 1] == '\r')
		s[--n] = '\0';
	*len = n;
	return s;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > REVIEWER_NAME_MAX)
		return false;
	for (const char *p = s; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-", *p))
			return false;
	return true;
}

static int get_str(cctx *c, const toml_value *v, const char **out)
{
	if (v->type != TOML_STRING || strlen(v->u.s.ptr) != v->u.s.len)
		return cerr(c, v, "expected a string without NUL bytes, got %s", toml_type_name(v->type));
	*out = v->u.s.ptr;
	return 0;
}

static int get_dur(cctx *c, const toml_value *v, int64_t *ms)
{
	const char *s = NULL;
	if (get_str(c, v, &s) != 0)
		return -1;
	if (il_parse_duration(s, ms) != 0 || *ms <= 0)
		return cerr(c, v, "invalid duration \"%s\" (use e.g. \"30s\", \"5m\", \"8h\")", s);
	return 0;
}

static int load_reviewer(cctx *c, const toml_value *t, reviewer_cfg *r)
{
	if (t->type != TOML_TABLE)
		return cerr(c, t, "[[reviewer]] must be a table");
	for (size_t i = 0; i < t->u.tab.len; i++) {
		const char *k = t->u.tab.items[i].key;
		const toml_value *v = t->u.tab.items[i].value;
		const char *s = NULL;
		if (strcmp(k, "name") == 0) {
			if (get_str(c, v, &s) != 0)
				return -1;
			if (!name_ok(s))
				return cerr(c, v, "reviewer name must be 1..%d of [A-Za-z0-9._@-]", REVIEWER_NAME_MAX);
			r->name = xstrdup(s);
		} else if (strcmp(k, "password") == 0) {
			if (get_str(c, v, &s) != 0)
				return -1;
			if (strncmp(s, "pbkdf2-sha256$", 14) != 0)
				return cerr(c, v, "password must be a hash from `interlock-approver hash-password`");
			r->password_hash = xstrdup(s);
		} else if (strcmp(k, "groups") == 0) {
			if (v->type != TOML_ARRAY || v->u.arr.len > MAX_GROUPS)
				return cerr(c, v, "groups must be an array of at most %d names", MAX_GROUPS);
			r->groups = xcalloc(v->u.arr.len + 1, sizeof *r->groups);
			for (size_t j = 0; j < v->u.arr.len; j++) {
				if (get_str(c, v->u.arr.items[j], &s) != 0)
					return -1;
				if (!name_ok(s))
					return cerr(c, v->u.arr.items[j], "group name must be 1..%d of [A-Za-z0-9._@-]",
					            REVIEWER_NAME_MAX);
				r->groups[r->ngroups++] = xstrdup(s);
			}
		} else {
			return cerr(c, v, "unknown key '%s' in [[reviewer]] (name, groups, password)", k);
		}
	}
	if (!r->name || !r->password_hash)
		return cerr(c, t, "[[reviewer]] needs name and password");
	return 0;
}

int config_load(const char *path, svc_config *cfg, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof *cfg);
	cctx c = { path, err, errlen };
	toml_error te;
	toml_value *root = toml_parse_file(path, &te);
	if (!root) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, te.line, te.col, te.msg);
		return -1;
	}
	int rc = -1;
	cfg->verdict_ttl_ms = 2 * 60 * 1000;
	cfg->session_ttl_ms = 8LL * 3600 * 1000;
	cfg->max_wait_ms = 60 * 1000;
	const toml_value *token_v = NULL, *key_v = NULL;
	size_t nrev = 0;
	for (size_t i = 0; i < root->u.tab.len; i++) {
		const char *k = root->u.tab.items[i].key;
		const toml_value *v = root->u.tab.items[i].value;
		const char *s = NULL;
		if (strcmp(k, "listen") == 0) {
			if (get_str(&c, v, &s) != 0)
				goto out;
			cfg->listen = xstrdup(s);
		} else if (strcmp(k, "database") == 0) {
			if (get_str(&c, v, &s) != 0)
				goto out;
			cfg->db_path = resolve(path, s);
		} else if (strcmp(k, "title") == 0) {
			if (get_str(&c, v, &s) != 0)
				goto out;
			cfg->title = xstrdup(s);
		} else if (strcmp(k, "notify_webhook") == 0) {
			if (get_str(&c, v, &s) != 0)
				goto out;
			if (strncmp(s, "http://", 7) && strncmp(s, "https://", 8)) {
				cerr(&c, v, "notify_webhook must be an http:// or https:// URL");
				goto out;
			}
			cfg->webhook = xstrdup(s);
		} else if (strcmp(k, "sidecar_token") == 0 || strcmp(k, "sidecar_token_file") == 0) {
			if (token_v) {
				cerr(&c, v, "give only one of sidecar_token and sidecar_token_file");
				goto out;
			}
			token_v = v;
			if (get_str(&c, v, &s) != 0)
				goto out;
			if (k[13] == '_') {
				cleanup_free char *p = resolve(path, s);
				size_t n;
				if (!(cfg->token = read_secret(&c, v, p, &n)))
					goto out;
			} else {
				cfg->token = xstrdup(s);
			}
			if (strlen(cfg->token) < 16) {
				cerr(&c, v, "the sidecar token must be at least 16 bytes");
				goto out;
			}
		} else if (strcmp(k, "hmac_key") == 0 || strcmp(k, "hmac_key_file") == 0) {
			if (key_v) {
				cerr(&c, v, "give only one of hmac_key and hmac_key_file");
				goto out;
			}
			key_v = v;
			if (get_str(&c, v, &s) != 0)
				goto out;
			if (k[8] == '_') {
				cleanup_free char *p = resolve(path, s);
				if (!(cfg->key = (unsigned char *)read_secret(&c, v, p, &cfg->keylen)))
					goto out;
			} else {
				cfg->key = (unsigned char *)xstrdup(s);
				cfg->keylen = strlen(s);
			}
			if (cfg->keylen < 32 || cfg->keylen > 4096) {
				cerr(&c, v, "the HMAC key must be 32..4096 bytes");
				goto out;
			}
		} else if (strcmp(k, "verdict_ttl") == 0) {
			if (get_dur(&c, v, &cfg->verdict_ttl_ms) != 0)
				goto out;
			if (cfg->verdict_ttl_ms > 3600 * 1000) {
				cerr(&c, v, "verdict_ttl may be at most 1h");
				goto out;
			}
		} else if (strcmp(k, "session_ttl") == 0) {
			if (get_dur(&c, v, &cfg->session_ttl_ms) != 0)
				goto out;
		} else if (strcmp(k, "max_wait") == 0) {
			if (get_dur(&c, v, &cfg->max_wait_ms) != 0)
				goto out;
		} else if (strcmp(k, "secure_cookies") == 0) {
			if (v->type != TOML_BOOL) {
				cerr(&c, v, "secure_cookies must be true or false");
				goto out;
			}
			cfg->secure_cookies = v->u.b;
		} else if (strcmp(k, "reviewer") == 0) {
			if (v->type != TOML_ARRAY) {
				cerr(&c, v, "use [[reviewer]] tables");
				goto out;
			}
			nrev = v->u.arr.len;
			cfg->reviewers = xcalloc(nrev ? nrev : 1, sizeof *cfg->reviewers);
			for (size_t j = 0; j < nrev; j++) {
				cfg->nreviewers = j + 1;
				if (load_reviewer(&c, v->u.arr.items[j], &cfg->reviewers[j]) != 0)
					goto out;
				for (size_t q = 0; q < j; q++)
					if (strcmp(cfg->reviewers[q].name, cfg->reviewers[j].name) == 0) {
						cerr(&c, v->u.arr.items[j], "duplicate reviewer '%s'", cfg->reviewers[j].name);
						goto out;
					}
			}
		} else {
			cerr(&c, v, "unknown key '%s'", k);
			goto out;
		}
	}
	if (!token_v) {
		cerr(&c, root, "missing sidecar_token or sidecar_token_file");
		goto out;
	}
	if (!key_v) {
		cerr(&c, root, "missing hmac_key or hmac_key_file");
		goto out;
	}
	if (cfg->token && cfg->key && strlen(cfg->token) == cfg->keylen &&
	    memcmp(cfg->token, cfg->key, cfg->keylen) == 0) {
		cerr(&c, root, "the HMAC key must differ from the sidecar token");
		goto out;
	}
	if (!cfg->listen)
		cfg->listen = xstrdup("127.0.0.1:8710");
	if (!cfg->db_path)
		cfg->db_path = resolve(path, "approver.db");
	if (!cfg->title)
		cfg->title = xstrdup("interlock approvals");
	rc = 0;
out:
	toml_free(root);
	if (rc != 0)
		config_free(cfg);
	return rc;
}

void config_free(svc_config *c)
{
	free(c->listen);
	free(c->db_path);
	if (c->token)
		OPENSSL_cleanse(c->token, strlen(c->token));
	free(c->token);
	if (c->key)
		OPENSSL_cleanse(c->key, c->keylen);
	free(c->key);
	free(c->webhook);
	free(c->title);
	for (size_t i = 0; i < c->nreviewers; i++) {
		reviewer_cfg *r = &c->reviewers[i];
		free(r->name);
		free(r->password_hash);
		for (size_t j = 0; j < r->ngroups; j++)
			free(r->groups[j]);
		free(r->groups);
	}
	free(c->reviewers);
	memset(c, 0, sizeof *c);
}

const reviewer_cfg *config_reviewer(const svc_config *c, const char *name)
{
	for (size_t i = 0; name && i < c->nreviewers; i++)
		if (strcmp(c->reviewers[i].name, name) == 0)
			return &c->reviewers[i];
	return NULL;
}
