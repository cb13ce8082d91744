/*
 * cmd_serve.c — `interlock serve --config FILE`: a standalone sidecar that
 * serves many agents (each started with `interlock run --connect SOCKET`).
 * The configuration is TOML, validated strictly (unknown keys, wrong types
 * and bad values are FILE:LINE:COL errors); see docs/sidecar.md.
 */
#include "cmd.h"
#include "daemon.h"
#include "rundir.h"
#include "seccomp_launch.h"   /* seccomp listener hand-off */
#include "toml.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

static const char serve_usage[] =
"usage: interlock serve --config FILE\n"
"\n"
"Run a standalone sidecar for many agents; start agents with\n"
"`interlock run --connect SOCKET -- CMD`. Stops on SIGTERM or SIGINT.\n";

typedef struct {
	char *socket_dir;
	char **rules;
	size_t nrules;
	char *approver;
	il_approver_http_cfg http;
	char *http_key, *http_token, *http_ca;
	char *journal;
	char *audit;
	bool audit_allowed;
	bool dry_run;
	char *report;
	int64_t timeout_ms;
	char *agent_id;
	char *bg_verifier;
	int64_t bg_max_ms;
	uid_t *allow_uids;
	size_t nallow_uids;
	int nerr;
} serve_cfg;

static const char *il_serve_cfg_path;

IL_PRINTF(3, 4) static void cfg_err(serve_cfg *c, const toml_value *v, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s:%d:%d: %s\n", il_serve_cfg_path, v ? v->line : 1, v ? v->col : 1, msg);
	c->nerr++;
}

/* Resolve a path relative to the configuration file's directory. */
static char *cfg_path(const char *base_dir, const char *p)
{
	if (p[0] == '/')
		return xstrdup(p);
	return xasprintf("%s/%s", base_dir, p);
}

static const char *want_str(serve_cfg *c, const toml_value *v, const char *key)
{
	if (v->type != TOML_STRING || v->u.s.len != strlen(v->u.s.ptr) || !*v->u.s.ptr) {
		cfg_err(c, v, "'%s' must be a non-empty string", key);
		return NULL;
	}
	return v->u.s.ptr;
}

static void parse_duration(serve_cfg *c, const toml_value *v, const char *key, int64_t *out)
{
	const char *s = want_str(c, v, key);
	if (s && (il_parse_duration(s, out) < 0 || *out <= 0))
		cfg_err(c, v, "'%s': invalid duration '%s' (e.g. 30s, 5m, 1h)", key, s);
}

static void parse_bool(serve_cfg *c, const toml_value *v, const char *key, bool *out)
{
	if (v->type != TOML_BOOL)
		cfg_err(c, v, "'%s' must be true or false", key);
	else
		*out = v->u.b;
}

static void parse_break_glass(serve_cfg *c, const toml_value *t, const char *dir)
{
	if (t->type != TOML_TABLE) {
		cfg_err(c, t, "'break_glass' must be a table");
		return;
	}
	for (size_t i = 0; i < t->u.tab.len; i++) {
		const char *k = t->u.tab.items[i].key;
		const toml_value *v = t->u.tab.items[i].value;
		if (strcmp(k, "verifier") == 0) {
			const char *s = want_str(c, v, k);
			if (s)
				c->bg_verifier = cfg_path(dir, s);
		} else if (strcmp(k, "max_duration") == 0) {
			parse_duration(c, v, k, &c->bg_max_ms);
			if (c->bg_max_ms > IL_BG_HARD_CAP_MS)
				cfg_err(c, v, "'max_duration' exceeds the 24h cap");
		} else {
			cfg_err(c, v, "unknown key 'break_glass.%s' (expected verifier, max_duration)", k);
		}
	}
}

static void serve_cfg_free(serve_cfg *c)
{
	for (size_t i = 0; i < c->nrules; i++)
		free(c->rules[i]);
	free(c->rules);
	free(c->socket_dir);
	free(c->approver);
	free(c->http_key);
	free(c->http_token);
	free(c->http_ca);
	free(c->journal);
	free(c->audit);
	free(c->report);
	free(c->agent_id);
	free(c->bg_verifier);
	free(c->allow_uids);
	memset(c, 0, sizeof *c);
}

static void parse_config(serve_cfg *c, const toml_value *root, const char *dir)
{
	for (size_t i = 0; i < root->u.tab.len; i++) {
		const char *k = root->u.tab.items[i].key;
		const toml_value *v = root->u.tab.items[i].value;
		if (strcmp(k, "socket_dir") == 0) {
			const char *s = want_str(c, v, k);
			if (s)
				c->socket_dir = cfg_path(dir, s);
		} else if (strcmp(k, "rules") == 0) {
			if (v->type != TOML_ARRAY || v->u.arr.len == 0) {
				cfg_err(c, v, "'rules' must be a non-empty array of file names");
				continue;
			}
			c->rules = xcalloc(v->u.arr.len, sizeof(char *));
			for (size_t j = 0; j < v->u.arr.len; j++) {
				const char *s = want_str(c, v->u.arr.items[j], "rules[]");
				if (s)
					c->rules[c->nrules++] = cfg_path(dir, s);
			}
		} else if (strcmp(k, "approver") == 0) {
			const char *s = want_str(c, v, k);
			if (s && strcmp(s, "cli") != 0 && strcmp(s, "tty") != 0 &&
			    strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
				cfg_err(c, v, "'approver' must be \"cli\", \"tty\" or an http(s):// URL, "
				        "not \"%s\"", s);
			else if (s) {
				free(c->approver);
				c->approver = xstrdup(s);
			}
		} else if (strcmp(k, "approver_key_file") == 0 || strcmp(k, "approver_token_file") == 0 ||
		           strcmp(k, "approver_ca") == 0 || strcmp(k, "journal") == 0) {
			const char *s = want_str(c, v, k);
			char **slot = strcmp(k, "journal") == 0 ? &c->journal :
			              strcmp(k, "approver_key_file") == 0 ? &c->http_key :
			              strcmp(k, "approver_token_file") == 0 ? &c->http_token : &c->http_ca;
			if (s) {
				free(*slot);
				*slot = cfg_path(dir, s);
			}
		} else if (strcmp(k, "approver_insecure_http") == 0) {
			parse_bool(c, v, k, &c->http.insecure_http);
		} else if (strcmp(k, "audit") == 0) {
			const char *s = want_str(c, v, k);
			if (s)
				c->audit = cfg_path(dir, s);
		} else if (strcmp(k, "audit_allowed") == 0) {
			parse_bool(c, v, k, &c->audit_allowed);
		} else if (strcmp(k, "dry_run") == 0) {
			parse_bool(c, v, k, &c->dry_run);
		} else if (strcmp(k, "report") == 0) {
			const char *s = want_str(c, v, k);
			if (s)
				c->report = cfg_path(dir, s);
		} else if (strcmp(k, "timeout") == 0) {
			parse_duration(c, v, k, &c->timeout_ms);
		} else if (strcmp(k, "agent_id") == 0) {
			const char *s = want_str(c, v, k);
			if (s)
				c->agent_id = xstrdup(s);
		} else if (strcmp(k, "allow_uids") == 0) {
			if (v->type != TOML_ARRAY) {
				cfg_err(c, v, "'allow_uids' must be an array of user ids");
				continue;
			}
			c->allow_uids = xcalloc(v->u.arr.len + 1, sizeof(uid_t));
			for (size_t j = 0; j < v->u.arr.len; j++) {
				const toml_value *u = v->u.arr.items[j];
				if (u->type != TOML_INTEGER || u->u.i < 0 || u->u.i > 0x7fffffff)
					cfg_err(c, u, "'allow_uids' entries must be user ids (integers >= 0)");
				else
					c->allow_uids[c->nallow_uids++] = (uid_t)u->u.i;
			}
		} else if (strcmp(k, "break_glass") == 0) {
			parse_break_glass(c, v, dir);
		} else {
			cfg_err(c, v, "unknown key '%s'", k);
		}
	}
	if (!c->nrules && !c->nerr)
		cfg_err(c, root, "missing 'rules' (the rule files this sidecar enforces)");
	if (c->report && !c->dry_run)
		cfg_err(c, toml_get(root, "report"), "'report' needs dry_run = true");
	bool url = c->approver && strncmp(c->approver, "http", 4) == 0;
	if (url && !c->http_key)
		cfg_err(c, toml_get(root, "approver"), "an http(s) 'approver' needs 'approver_key_file' "
		        "(the verdict signing key)");
	if (!url && (c->http_key || c->http_token || c->http_ca || c->http.insecure_http))
		cfg_err(c, root, "'approver_key_file', 'approver_token_file', 'approver_ca' and "
		        "'approver_insecure_http' need an http(s) 'approver'");
	c->http.key_file = c->http_key;
	c->http.token_file = c->http_token;
	c->http.ca_file = c->http_ca;
}

int cmd_serve(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' }, { "help", no_argument, NULL, 'h' }, { 0 },
	};
	const char *config = NULL;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "hc:", lo, NULL)) != -1) {
		switch (opt) {
		case 'c': config = optarg; break;
		case 'h': fputs(serve_usage, stdout); return 0;
		default: fputs(serve_usage, stderr); return 2;
		}
	}
	if (!config || optind < argc) {
		fputs(serve_usage, stderr);
		return 2;
	}
	il_serve_cfg_path = config;
	toml_error terr;
	toml_value *root = toml_parse_file(config, &terr);
	if (!root) {
		if (terr.line)
			fprintf(stderr, "%s:%d:%d: %s\n", config, terr.line, terr.col, terr.msg);
		else
			fprintf(stderr, "interlock serve: %s: %s\n", config, terr.msg);
		return 1;
	}
	char tmp[PATH_MAX], dir[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s", config);
	if (!realpath(dirname(tmp), dir))
		die_with_error("%s", config);
	serve_cfg c = { .approver = xstrdup("cli") };
	parse_config(&c, root, dir);
	toml_free(root);
	if (c.nerr) {
		fprintf(stderr, "interlock serve: %d error(s) in %s; not starting\n", c.nerr, config);
		serve_cfg_free(&c);
		return 1;
	}

	char session[32], sdir[4096], err[1024];
	if (il_rundir_new_session_id(session, sizeof session) < 0)
		die("cannot generate a session id");
	bool own_dir = false;
	if (c.socket_dir) {
		if (mkdir(c.socket_dir, c.nallow_uids ? 0711 : 0700) < 0 && errno != EEXIST)
			die("cannot create %s: %s", c.socket_dir, strerror(errno));
		struct stat st;
		if (lstat(c.socket_dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
		    (st.st_mode & 022))
			die("%s: must be a directory owned by you and not writable by others", c.socket_dir);
		snprintf(sdir, sizeof sdir, "%s", c.socket_dir);
	} else {
		if (il_rundir_make_session(session, sdir, sizeof sdir, err, sizeof err) < 0)
			die("%s", err);
		own_dir = true;
	}

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);

	il_daemon d;
	il_daemon_cfg dc = {
		.rules = (const char *const *)c.rules, .nrules = c.nrules, .approver = c.approver,
		.approver_http = &c.http, .journal_path = c.journal,
		.audit_path = c.audit, .audit_allowed = c.audit_allowed, .dry_run = c.dry_run,
		.report_path = c.report, .timeout_ms = c.timeout_ms, .agent_id = c.agent_id,
		.bg_verifier = c.bg_verifier, .bg_max_ms = c.bg_max_ms, .allow_uids = c.allow_uids,
		.nallow_uids = c.nallow_uids, .dir = sdir, .sock_mode = c.nallow_uids ? 0666 : 0600,
		.session = session,
	};
	int rc = 0;
	if (il_daemon_start(&d, &dc) < 0) {
		rc = 1;
		goto out;
	}
	fprintf(stderr, "interlock serve: listening on %s (agents: interlock run --connect %s -- CMD)\n",
	        d.agent_sock, d.agent_sock);
	il_serve_seccomp *ssc = il_serve_seccomp_start(d.loop, d.agent_sock,
	                                               dc.dry_run || dc.audit_allowed ? NULL : d.policy,
	                                               dc.sock_mode, c.allow_uids, c.nallow_uids);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		die_with_error("signalfd");
	for (;;) {
		struct signalfd_siginfo si;
		if (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
			break;
		/* Wake at least every 200 ms to look for a stop signal. */
		if (il_loop_run_once(d.loop, 200) < 0) {
			il_warn("event loop: %s", strerror(errno));
			rc = 1;
			break;
		}
	}
	close(sfd);
	il_serve_seccomp_stop(ssc);
	il_daemon_stop(&d);
out:
	if (own_dir)
		il_rundir_remove_session(sdir);
	serve_cfg_free(&c);
	return rc;
}
