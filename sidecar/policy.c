/*
 * policy.c — the rules engine's public face: read rule files safely
 * (permission check, bounded size), hash them into the policy version,
 * hand each document to the loader, and answer questions about the
 * loaded policy. Deciding lives in policy_decide.c (rule conditions in
 * policy_match.c, per-action facts in policy_actx.c), validation in
 * policy_load.c / policy_conds.c, [[test]] tables in rules_test.c.
 */
#include "policy_internal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_RULE_FILE (4u * 1024u * 1024u)

void il_errors_addf(il_errors *e, const char *fmt, ...)
{
	if (!e)
		return;
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	if (e->len == e->cap) {
		size_t ncap = e->cap ? e->cap * 2 : 8;
		char **n = realloc(e->msgs, ncap * sizeof(char *));
		if (!n) {
			free(msg);
			return;
		}
		e->msgs = n;
		e->cap = ncap;
	}
	e->msgs[e->len++] = msg;
}

void il_errors_free(il_errors *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->len; i++)
		free(e->msgs[i]);
	free(e->msgs);
	memset(e, 0, sizeof(*e));
}

const char *il_decision_name(il_decision d)
{
	switch (d) {
	case IL_ALLOW: return "allow";
	case IL_APPROVE: return "approve";
	case IL_DENY: return "deny";
	}
	return "deny";
}

const char *il_risk_name(il_risk r)
{
	static const char *const names[] = { "none", "low", "medium", "high", "critical" };
	return (unsigned)r < IL_ARRAY_LEN(names) ? names[r] : "critical";
}

static il_policy *policy_new(const il_policy_opts *opts)
{
	il_policy *p = xcalloc(1, sizeof(*p));
	const char *home = opts && opts->home ? opts->home : getenv("HOME");
	p->home = home && *home ? xstrdup(home) : NULL;
	if (opts && opts->workspace) {
		p->workspace = xstrdup(opts->workspace);
	} else {
		char *cwd = getcwd(NULL, 0);
		p->workspace = cwd ? cwd : xstrdup("/");
	}
	/* "/w/" and "/w" mean the same directory */
	size_t n = strlen(p->workspace);
	while (n > 1 && p->workspace[n - 1] == '/')
		p->workspace[--n] = '\0';
	return p;
}

static const char *keep_file_name(il_policy *p, const char *name)
{
	p->files = xrealloc(p->files, (p->nfiles + 1) * sizeof(char *));
	p->files[p->nfiles] = xstrdup(name);
	return p->files[p->nfiles++];
}

/* Read a rule file, refusing one that others could have written. */
static char *read_rule_file(const char *path, bool insecure_ok, size_t *len, il_errors *errs)
{
	cleanup_fd int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		il_errors_addf(errs, "%s: cannot open rule file: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		il_errors_addf(errs, "%s: cannot stat rule file: %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		il_errors_addf(errs, "%s: not a regular file", path);
		return NULL;
	}
	if (!insecure_ok) {
		if (st.st_mode & (S_IWGRP | S_IWOTH)) {
			il_errors_addf(errs, "%s: refusing rule file writable by %s (mode %04o); run "
			               "'chmod go-w %s' (INTERLOCK_INSECURE_RULES=1 overrides, for tests only)",
			               path, (st.st_mode & S_IWOTH) ? "others" : "its group",
			               (unsigned)(st.st_mode & 07777), path);
			return NULL;
		}
		if (st.st_uid != 0 && st.st_uid != geteuid()) {
			il_errors_addf(errs, "%s: refusing rule file owned by uid %u (must be owned by root or "
			               "by uid %u; INTERLOCK_INSECURE_RULES=1 overrides, for tests only)",
			               path, (unsigned)st.st_uid, (unsigned)geteuid());
			return NULL;
		}
	}
	if (st.st_size > (off_t)MAX_RULE_FILE) {
		il_errors_addf(errs, "%s: rule file larger than %u bytes", path, MAX_RULE_FILE);
		return NULL;
	}
	size_t cap = (size_t)st.st_size + 1, n = 0;
	char *buf = xmalloc(cap + 1);
	for (;;) {
		if (n == cap) {
			if (cap >= MAX_RULE_FILE) {
				il_errors_addf(errs, "%s: rule file larger than %u bytes", path, MAX_RULE_FILE);
				free(buf);
				return NULL;
			}
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			il_errors_addf(errs, "%s: read error: %s", path, strerror(errno));
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static il_policy *load_common(const char *const *names, const char *const *bufs,
                              const size_t *lens, size_t n, const il_policy_opts *opts,
                              il_errors *errs)
{
	il_policy *p = policy_new(opts);
	size_t before = errs->len;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		il_errors_addf(errs, "cannot initialise SHA-256");
		EVP_MD_CTX_free(md);
		il_policy_free(p);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const char *file = keep_file_name(p, names[i]);
		EVP_DigestUpdate(md, bufs[i], lens[i]);
		il_policy_load_doc(p, file, bufs[i], lens[i], errs);
	}
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;
	EVP_DigestFinal_ex(md, digest, &dlen);
	EVP_MD_CTX_free(md);
	il_hex_encode(digest, dlen < 32 ? dlen : 32, p->version);
	il_policy_finish(p, errs);
	if (errs->len > before) {
		il_policy_free(p);
		return NULL;
	}
	return p;
}

il_policy *il_policy_load(const char *const *files, size_t nfiles, const il_policy_opts *opts,
                          il_errors *errs)
{
	il_errors local = { 0 };
	if (!errs)
		errs = &local;
	if (nfiles == 0) {
		il_errors_addf(errs, "no rule files given");
		il_errors_free(&local);
		return NULL;
	}
	const char *env = getenv("INTERLOCK_INSECURE_RULES");
	bool insecure = (opts && opts->allow_insecure_perms) || (env && strcmp(env, "1") == 0);
	char **bufs = xcalloc(nfiles, sizeof(char *));
	size_t *lens = xcalloc(nfiles, sizeof(size_t));
	bool ok = true;
	for (size_t i = 0; i < nfiles; i++) {
		bufs[i] = read_rule_file(files[i], insecure, &lens[i], errs);
		if (!bufs[i])
			ok = false;
	}
	il_policy *p = NULL;
	if (ok)
		p = load_common(files, (const char *const *)bufs, lens, nfiles, opts, errs);
	for (size_t i = 0; i < nfiles; i++)
		free(bufs[i]);
	free(bufs);
	free(lens);
	il_errors_free(&local);
	return p;
}

il_policy *il_policy_load_buffer(const char *name, const char *buf, size_t len,
                                 const il_policy_opts *opts, il_errors *errs)
{
	il_errors local = { 0 };
	if (!errs)
		errs = &local;
	const char *names[1] = { name ? name : "<buffer>" };
	const char *bufs[1] = { buf };
	size_t lens[1] = { len };
	il_policy *p = load_common(names, bufs, lens, 1, opts, errs);
	il_errors_free(&local);
	return p;
}

void il_policy_free(il_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nrules; i++) {
		il_rule *r = &p->rules[i];
		free(r->id);
		free(r->description);
		for (size_t k = 0; k < r->napprovers; k++)
			free(r->approvers[k]);
		free(r->approvers);
		for (size_t k = 0; k < r->nescalate; k++)
			free(r->escalate[k].to);
		free(r->escalate);
		il_match_free(r->priv);
		free(r->priv);
	}
	free(p->rules);
	for (unsigned k = 0; k < 5; k++)
		free(p->by_kind[k]);
	free(p->exec_names);
	for (size_t i = 0; i < p->ndef_approvers; i++)
		free(p->def_approvers[i]);
	free(p->def_approvers);
	for (size_t i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	for (size_t i = 0; i < p->ntests; i++)
		il_rule_test_free(&p->tests[i]);
	free(p->tests);
	free(p->home);
	free(p->workspace);
	free(p);
}

const char *il_policy_version(const il_policy *p)
{
	return p ? p->version : "";
}

il_decision il_policy_default_decision(const il_policy *p)
{
	return p ? p->def_decision : IL_DENY;
}

int64_t il_policy_default_timeout_ms(const il_policy *p)
{
	return p ? p->def_timeout_ms : 0;
}

size_t il_policy_rule_count(const il_policy *p)
{
	return p ? p->nrules : 0;
}

const il_rule *il_policy_rule(const il_policy *p, size_t i)
{
	return (p && i < p->nrules) ? &p->rules[i] : NULL;
}

bool il_policy_uses_cwd(const il_policy *p, il_kind kind)
{
	if (!p)
		return true;
	for (size_t i = 0; i < p->nrules; i++)
		if (p->rules[i].kind == kind && il_match_uses_cwd(p->rules[i].priv))
			return true;
	return false;
}

const il_rule *il_policy_find_rule(const il_policy *p, const char *id)
{
	if (!p || !id)
		return NULL;
	for (size_t i = 0; i < p->nrules; i++)
		if (strcmp(p->rules[i].id, id) == 0)
			return &p->rules[i];
	return NULL;
}
