/*
 * cmd_rules.c — `interlock rules check|test|explain`: validate rule files,
 * run their [[test]] tables, and show how one action would be decided.
 *
 * Exit status: 0 success (for explain: whatever the decision), 1 invalid
 * rules or a failed test, 2 usage error.
 */
#include "cmd.h"
#include "policy.h"
#include "rules_test.h"
#include "util.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
"usage: interlock rules check [--home DIR] [--workspace DIR] FILE...\n"
"       interlock rules test [-v] [--home DIR] [--workspace DIR] FILE...\n"
"       interlock rules explain --rules FILE [--rules FILE]... [--cwd DIR]\n"
"                               [--home DIR] [--workspace DIR] [--program PATH]\n"
"                               -- KIND ARGS...\n"
"\n"
"Validate, test and explain interlock rule files (TOML; see docs/rules.md).\n"
"\n"
"Commands:\n"
"  check FILE...     Load all FILEs as one policy, the way the sidecar would\n"
"                    (rule ids must be unique across files). Prints one line\n"
"                    per file:  FILE: N rules, M tests, policy version HEX\n"
"                    (HEX: the version of the whole set, as audited), or\n"
"                    every error as FILE:LINE:COL: message.\n"
"  test FILE...      Load all FILEs as one policy and run every [[test]]\n"
"                    table. Variables have fixed values so results do not\n"
"                    depend on the machine: ${HOME}=" IL_TEST_HOME ",\n"
"                    ${WORKSPACE}=" IL_TEST_WORKSPACE " (a test action without\n"
"                    'cwd' runs there). Prints each failure with the rules\n"
"                    that matched, then 'rules test: N passed, N failed'.\n"
"                    -v also prints passing tests.\n"
"  explain -- KIND ARGS...\n"
"                    Decide one action against the --rules files and print\n"
"                    the decision, every matching rule and which of its\n"
"                    fields matched, and the effective timeout, approvers,\n"
"                    approvals, escalation and break-glass. KIND is one of:\n"
"                      exec PROGRAM [ARG]...     (PROGRAM found in $PATH\n"
"                                                 unless --program is given)\n"
"                      delete PATH [--dir] [--rename]\n"
"                      http METHOD URL [--header 'NAME: VALUE']...\n"
"                                      [--body-len N] [--opaque]\n"
"                      connect HOST:PORT [--udp]  (HOST may be a name or an\n"
"                                                 address; [V6]:PORT)\n"
"\n"
"Options:\n"
"  --rules FILE      (explain) a rule file; repeat to load several as one policy\n"
"  --cwd DIR         (explain) the action's working directory (default: the\n"
"                    current directory); ${CWD} patterns and relative delete\n"
"                    paths use it\n"
"  --home DIR        value of ${HOME} (default: $HOME; test: " IL_TEST_HOME ")\n"
"  --workspace DIR   value of ${WORKSPACE} (default: the current directory;\n"
"                    test: " IL_TEST_WORKSPACE ")\n"
"  --program PATH    (explain exec) the resolved program path\n"
"  -v, --verbose     (test) print passing tests too\n"
"  -h, --help        show this help\n"
"\n"
"Rule files must not be writable by group or others and must be owned by\n"
"root or by you, or they are refused. INTERLOCK_INSECURE_RULES=1 lifts the\n"
"check (for tests and CI checkouts only).\n"
"\n"
"Exit status: 0 success (explain: whatever the decision), 1 invalid rules or a\n"
"failing test, 2 usage error.\n"
"\n"
"Examples:\n"
"  interlock rules check rules/default.toml\n"
"  interlock rules test rules/default.toml rules/examples/*.toml\n"
"  interlock rules explain --rules rules/default.toml -- exec rm -rf /srv\n"
"  interlock rules explain --rules rules/default.toml -- delete ~/.ssh/id_rsa\n"
"  interlock rules explain --rules payments.toml -- http POST https://api.stripe.com/v1/refunds\n"
"  interlock rules explain --rules rules/default.toml -- connect 169.254.169.254:80\n";

IL_PRINTF(1, 2) static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("interlock rules: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'interlock rules --help'.\n", stderr);
	return 2;
}

typedef struct {
	const char **files;
	size_t nfiles;
	const char *home, *workspace, *cwd, *program;
	bool verbose;
	int rest;                 /* index of the first word after "--" (explain) */
} opts_t;

/* Parse options; positional words go to files (check/test). */
static int parse_opts(int argc, char **argv, opts_t *o, bool explain)
{
	memset(o, 0, sizeof(*o));
	o->files = xcalloc((size_t)argc + 1, sizeof(char *));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;
		if (strcmp(a, "--") == 0) {
			o->rest = i + 1;
			return 0;
		} else if (strcmp(a, "--home") == 0) {
			slot = &o->home;
		} else if (strcmp(a, "--workspace") == 0) {
			slot = &o->workspace;
		} else if (explain && strcmp(a, "--cwd") == 0) {
			slot = &o->cwd;
		} else if (explain && strcmp(a, "--program") == 0) {
			slot = &o->program;
		} else if (explain && strcmp(a, "--rules") == 0) {
			if (i + 1 >= argc)
				return usage_error("option '%s' needs an argument", a);
			o->files[o->nfiles++] = argv[++i];
			continue;
		} else if (!explain && (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)) {
			o->verbose = true;
			continue;
		} else if (a[0] == '-' && a[1]) {
			return usage_error("unknown option '%s'", a);
		} else if (!explain) {
			o->files[o->nfiles++] = a;
			continue;
		} else {
			return usage_error("unexpected '%s' (put the action after '--')", a);
		}
		if (i + 1 >= argc)
			return usage_error("option '%s' needs an argument", a);
		*slot = argv[++i];
	}
	return 0;
}

/* parse_opts, then insist on at least one rule file (`no_files` is the
 * usage message otherwise). On any error o->files is freed and the exit
 * status returned; 0 means o is ready and the caller frees o->files. */
static int parse_opts_files(int argc, char **argv, opts_t *o, bool explain, const char *no_files)
{
	int rc = parse_opts(argc, argv, o, explain);
	if (rc == 0 && o->nfiles == 0)
		rc = usage_error("%s", no_files);
	if (rc) {
		free(o->files);
		o->files = NULL;
	}
	return rc;
}

static void print_errors(il_errors *e)
{
	for (size_t i = 0; i < e->len; i++)
		fprintf(stderr, "%s\n", e->msgs[i]);
}

static int rules_check(int argc, char **argv)
{
	opts_t o;
	int rc = parse_opts_files(argc, argv, &o, false, "check: no rule files given");
	if (rc)
		return rc;
	il_policy_opts po = { .home = o.home, .workspace = o.workspace };
	il_errors errs = { 0 };
	il_policy *p = il_policy_load(o.files, o.nfiles, &po, &errs);
	bool ok = p != NULL;
	if (!p)
		print_errors(&errs);
	for (size_t i = 0; p && i < o.nfiles; i++) {
		size_t nr = 0, nt = 0;
		for (size_t k = 0; k < il_policy_rule_count(p); k++)
			nr += strcmp(il_policy_rule(p, k)->file, o.files[i]) == 0;
		for (size_t k = 0; k < il_policy_test_count(p); k++)
			nt += strcmp(il_policy_test(p, k)->file, o.files[i]) == 0;
		printf("%s: %zu rules, %zu tests, policy version %s\n", o.files[i], nr, nt,
		       il_policy_version(p));
	}
	il_policy_free(p);
	il_errors_free(&errs);
	free(o.files);
	return ok ? 0 : 1;
}

static void print_action(FILE *f, const il_action *a)
{
	switch (a->kind) {
	case IL_KIND_EXEC:
		fprintf(f, "exec");
		for (size_t i = 0; i < a->argc; i++)
			fprintf(f, " %s", a->argv[i]);
		fprintf(f, " (program %s)", a->program ? a->program : "?");
		break;
	case IL_KIND_DELETE:
		fprintf(f, "delete %s%s%s", a->path ? a->path : "?", a->is_dir ? " (directory)" : "",
		        a->del_op == IL_DEL_RENAME_OVER ? " (renamed over)" : "");
		break;
	case IL_KIND_HTTP:
		if (a->url_visible)
			fprintf(f, "http %s %s", a->method ? a->method : "?", a->url ? a->url : "?");
		else
			fprintf(f, "http (opaque) %s:%u", a->host ? a->host : "?", a->port);
		break;
	case IL_KIND_CONNECT:
		if (a->addr && strchr(a->addr, ':'))
			fprintf(f, "connect %s%s[%s]:%u%s", a->host ? a->host : "", a->host ? " " : "",
			        a->addr, a->port, a->udp ? " udp" : "");
		else
			fprintf(f, "connect %s%s%s:%u%s", a->host ? a->host : "", a->host && a->addr ? " " : "",
			        a->addr ? a->addr : "", a->port, a->udp ? " udp" : "");
		break;
	default:
		fprintf(f, "(no action)");
		break;
	}
	if (a->cwd)
		fprintf(f, " in %s", a->cwd);
}

static void print_matches(FILE *f, const il_verdict *v, const char *indent)
{
	if (v->nmatched == 0) {
		fprintf(f, "%sno rule matched: the default decision applies\n", indent);
		return;
	}
	for (size_t i = 0; i < v->nmatched; i++) {
		const il_rule *r = v->matched[i].rule;
		fprintf(f, "%s%s %s [%s, %s] %s:%d\n%s    %s\n", indent, r == v->primary ? "*" : "-",
		        r->id, il_decision_name(r->decision), il_risk_name(r->risk), r->file, r->line,
		        indent, v->matched[i].why);
	}
	if (v->truncated)
		fprintf(f, "%s(more rules matched than can be listed)\n", indent);
}

static int rules_test(int argc, char **argv)
{
	opts_t o;
	int rc = parse_opts_files(argc, argv, &o, false, "test: no rule files given");
	if (rc)
		return rc;
	il_policy_opts po = { .home = o.home ? o.home : IL_TEST_HOME,
		              .workspace = o.workspace ? o.workspace : IL_TEST_WORKSPACE };
	il_errors errs = { 0 };
	il_policy *p = il_policy_load(o.files, o.nfiles, &po, &errs);
	free(o.files);
	if (!p) {
		print_errors(&errs);
		il_errors_free(&errs);
		printf("rules test: 0 passed, 1 failed (the rules did not load)\n");
		return 1;
	}
	size_t pass = 0, fail = 0;
	il_verdict *v = xmalloc(sizeof(*v));
	for (size_t i = 0; i < il_policy_test_count(p); i++) {
		const il_rule_test *t = il_policy_test(p, i);
		char msg[256];
		if (il_rule_test_run(p, t, v, msg, sizeof(msg))) {
			pass++;
			if (o.verbose) {
				printf("ok   %s:%d: %s: %s\n", t->file, t->line, t->name,
				       il_decision_name(v->decision));
			}
			continue;
		}
		fail++;
		printf("FAIL %s:%d: %s: %s\n     action: ", t->file, t->line, t->name, msg);
		print_action(stdout, &t->action);
		printf("\n");
		print_matches(stdout, v, "     ");
	}
	free(v);
	printf("rules test: %zu passed, %zu failed\n", pass, fail);
	il_policy_free(p);
	il_errors_free(&errs);
	return fail ? 1 : 0;
}

/* Find PROGRAM in $PATH the way execvp would (first executable match). */
static char *resolve_program(const char *name)
{
	if (strchr(name, '/'))
		return xstrdup(name);
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	char *copy = xstrdup(path), *save = NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *cand = xasprintf("%s/%s", *dir ? dir : ".", name);
		if (access(cand, X_OK) == 0) {
			free(copy);
			return cand;
		}
		free(cand);
	}
	free(copy);
	return xasprintf("/usr/bin/%s", name);
}

static void print_verdict(const il_policy *p, const il_verdict *v)
{
	printf("decision: %s (risk %s)\n", il_decision_name(v->decision), il_risk_name(v->risk));
	if (v->primary)
		printf("decided by: %s (%s:%d)%s%s\n", v->primary->id, v->primary->file, v->primary->line,
		       v->primary->description ? ": " : "",
		       v->primary->description ? v->primary->description : "");
	else
		printf("decided by: [defaults] decision = \"%s\"\n",
		       il_decision_name(il_policy_default_decision(p)));
	printf("matched rules (* decided):\n");
	print_matches(stdout, v, "  ");
	if (v->decision == IL_APPROVE) {
		char buf[32];
		printf("timeout: %s (then deny)\n", il_format_duration(v->timeout_ms, buf, sizeof(buf)));
		printf("approvals: %u distinct reviewer%s\n", v->approvals, v->approvals == 1 ? "" : "s");
		printf("approvers:");
		if (v->napprovers == 0)
			printf(" (any reviewer)");
		for (size_t i = 0; i < v->napprovers; i++)
			printf(" %s", v->approvers[i]);
		printf("\n");
		for (size_t i = 0; i < v->nescalate; i++)
			printf("escalate: after %s to %s\n",
			       il_format_duration(v->escalate[i].after_ms, buf, sizeof(buf)), v->escalate[i].to);
	}
	if (v->decision != IL_ALLOW)
		printf("break-glass: %s\n", v->break_glass_ok ? "may override" : "may NOT override");
	printf("policy version: %s\n", il_policy_version(p));
}

static int build_explain_action(int argc, char **argv, const opts_t *o, il_owned_action *oa)
{
	il_action *a = &oa->a;
	char err[256];
	const char *kind = argv[0];
	a->body_len = -1;
	a->cwd = o->cwd;
	if (strcmp(kind, "exec") == 0) {
		if (argc < 2)
			return usage_error("%s", "explain exec: give PROGRAM [ARG]...");
		a->kind = IL_KIND_EXEC;
		oa->argv = xcalloc((size_t)argc, sizeof(char *));
		for (int i = 1; i < argc; i++)
			oa->argv[i - 1] = il_owned_action_keep(oa, argv[i]);
		a->argv = oa->argv;
		a->argc = (size_t)argc - 1;
		char *prog = o->program ? xstrdup(o->program) : resolve_program(argv[1]);
		a->program = il_owned_action_keep(oa, prog);
		free(prog);
	} else if (strcmp(kind, "delete") == 0) {
		a->kind = IL_KIND_DELETE;
		a->del_op = IL_DEL_UNLINK;
		const char *path = NULL;
		for (int i = 1; i < argc; i++) {
			if (strcmp(argv[i], "--dir") == 0) {
				a->is_dir = true;
				a->del_op = IL_DEL_RMDIR;
			} else if (strcmp(argv[i], "--rename") == 0) {
				a->del_op = IL_DEL_RENAME_OVER;
			} else if (!path) {
				path = argv[i];
			} else {
				return usage_error("explain delete: unexpected '%s'", argv[i]);
			}
		}
		if (!path)
			return usage_error("%s", "explain delete: give PATH");
		if (path[0] != '/') {
			char *abs = xasprintf("%s/%s", strcmp(a->cwd, "/") == 0 ? "" : a->cwd, path);
			a->path = il_owned_action_keep(oa, abs);
			free(abs);
		} else {
			a->path = il_owned_action_keep(oa, path);
		}
	} else if (strcmp(kind, "http") == 0) {
		if (argc < 3)
			return usage_error("%s", "explain http: give METHOD URL");
		a->kind = IL_KIND_HTTP;
		a->method = il_owned_action_keep(oa, argv[1]);
		if (il_owned_action_set_url(oa, argv[2], err, sizeof(err)) != 0)
			return usage_error("explain http: %s", err);
		oa->headers = xcalloc((size_t)argc, sizeof(char *));
		for (int i = 3; i < argc; i++) {
			if (strcmp(argv[i], "--header") == 0 && i + 1 < argc) {
				oa->headers[a->nheaders++] = il_owned_action_keep(oa, argv[++i]);
			} else if (strcmp(argv[i], "--body-len") == 0 && i + 1 < argc) {
				int64_t n;
				if (il_parse_i64(argv[++i], 0, INT64_MAX, &n) != 0)
					return usage_error("explain http: invalid --body-len '%s'", argv[i]);
				a->body_len = n;
			} else if (strcmp(argv[i], "--opaque") == 0) {
				a->url_visible = false;
				a->url = a->url_path = a->query = a->method = NULL;
			} else {
				return usage_error("explain http: unexpected '%s'", argv[i]);
			}
		}
		a->headers = oa->headers;
	} else if (strcmp(kind, "connect") == 0) {
		if (argc < 2)
			return usage_error("%s", "explain connect: give HOST:PORT");
		a->kind = IL_KIND_CONNECT;
		if (il_owned_action_set_target(oa, argv[1], err, sizeof(err)) != 0)
			return usage_error("explain connect: %s", err);
		for (int i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--udp") == 0)
				a->udp = true;
			else
				return usage_error("explain connect: unexpected '%s'", argv[i]);
		}
	} else {
		return usage_error("explain: unknown action kind '%s' (exec, delete, http, connect)", kind);
	}
	return 0;
}

static int rules_explain(int argc, char **argv)
{
	opts_t o;
	int rc = parse_opts_files(argc, argv, &o, true, "explain: give at least one --rules FILE");
	if (rc)
		return rc;
	if (!o.rest || o.rest >= argc) {
		free(o.files);
		return usage_error("%s", "explain: give the action after '--' (e.g. -- exec rm -rf /srv)");
	}
	char *cwd = o.cwd ? xstrdup(o.cwd) : getcwd(NULL, 0);
	if (!cwd)
		cwd = xstrdup("/");
	o.cwd = cwd;
	il_owned_action oa;
	memset(&oa, 0, sizeof(oa));
	rc = build_explain_action(argc - o.rest, argv + o.rest, &o, &oa);
	if (rc) {
		il_owned_action_free(&oa);
		free(cwd);
		free(o.files);
		return rc;
	}
	il_policy_opts po = { .home = o.home, .workspace = o.workspace };
	il_errors errs = { 0 };
	il_policy *p = il_policy_load(o.files, o.nfiles, &po, &errs);
	free(o.files);
	if (!p) {
		print_errors(&errs);
		il_errors_free(&errs);
		il_owned_action_free(&oa);
		free(cwd);
		return 1;
	}
	il_verdict *v = xmalloc(sizeof(*v));
	il_policy_decide(p, &oa.a, v);
	printf("action: ");
	print_action(stdout, &oa.a);
	printf("\n");
	print_verdict(p, v);
	free(v);
	il_policy_free(p);
	il_errors_free(&errs);
	il_owned_action_free(&oa);
	free(cwd);
	return 0;
}

int cmd_rules(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_text, stdout);
			return 0;
		}
	}
	if (strcmp(sub, "check") == 0)
		return rules_check(argc - 1, argv + 1);
	if (strcmp(sub, "test") == 0)
		return rules_test(argc - 1, argv + 1);
	if (strcmp(sub, "explain") == 0)
		return rules_explain(argc - 1, argv + 1);
	return usage_error("unknown subcommand '%s' (check, test, explain)", sub);
}
