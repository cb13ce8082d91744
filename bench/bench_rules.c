/*
 * bench_rules.c — rule evaluation cost with 1,000 rules.
 *
 * Generates 1,000 rules of every kind (literal and glob programs, argument
 * globs and regexes, path globs with '**', http method/host/path rules,
 * CIDR and port rules) into a private temporary file, loads it, and times
 * 100,000 decisions over a mix of matching and non-matching actions.
 * Prints "bench: rules-1000 us_per_action=X.XX target=20.00". Timing is
 * reported, never asserted.
 */
#include "policy.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NRULES 1000
#define NDECISIONS 100000

static void gen_rules(FILE *f)
{
	fprintf(f, "version = 1\n[defaults]\ndecision = \"allow\"\ntimeout = \"5m\"\n\n");
	for (int i = 0; i < NRULES; i++) {
		fprintf(f, "[[rule]]\nid = \"r%d\"\n", i);
		switch (i % 10) {
		case 0: case 1: case 2:
			fprintf(f, "kind = \"exec\"\nprogram = [\"tool%d\", \"/opt/bin/tool%d\"]\n"
			           "args = { any = [\"-r*\", \"--force\"] }\ndecision = \"approve\"\n", i, i);
			break;
		case 3:
			fprintf(f, "kind = \"exec\"\nprogram = [\"cli%d-*\"]\n"
			           "args = { regex = \"^(delete|destroy)-%d$\" }\ndecision = \"approve\"\n", i, i);
			break;
		case 4:
			fprintf(f, "kind = \"exec\"\nprogram = [\"sh%d\"]\ncommand_regex = \"curl.*[|] *sh%d\"\n"
			           "cwd_not = [\"/work/**\"]\ndecision = \"deny\"\n", i, i);
			break;
		case 5:
			fprintf(f, "kind = \"delete\"\npath = [\"/data/d%d/**\", \"/srv/s%d/*.db\"]\n"
			           "path_not = [\"/data/d%d/tmp/**\"]\ndecision = \"deny\"\n", i, i, i);
			break;
		case 6:
			fprintf(f, "kind = \"delete\"\npath = [\"**/.meta%d/**\"]\ndir = true\ndecision = \"approve\"\n", i);
			break;
		case 7:
			fprintf(f, "kind = \"http\"\nmethod = [\"POST\", \"DELETE\"]\nhost = \"h%d.example.com\"\n"
			           "path = [\"/v1/r%d/**\"]\ndecision = \"approve\"\nrisk = \"high\"\n", i, i);
			break;
		case 8:
			fprintf(f, "kind = \"http\"\nurl = [\"https://api%d.example.net/v2/*\"]\nmethod = \"PUT\"\n"
			           "decision = \"approve\"\n", i);
			break;
		default:
			fprintf(f, "kind = \"connect\"\naddr = [\"10.%d.0.0/16\", \"2001:db8:%x::/48\"]\n"
			           "port = [22, \"5432-5439\"]\ndecision = \"approve\"\n", i % 256, i);
			break;
		}
		fputc('\n', f);
	}
}

typedef struct {
	il_action a;
	const char *argv[6];
} bench_action;

static void make_actions(bench_action *acts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bench_action *b = &acts[i];
		memset(b, 0, sizeof(*b));
		il_action *a = &b->a;
		a->cwd = "/work/project";
		a->body_len = -1;
		switch (i % 8) {
		case 0: /* matches r30 */
			a->kind = IL_KIND_EXEC;
			b->argv[0] = "tool30";
			b->argv[1] = "-rf";
			b->argv[2] = "/x";
			a->program = "/usr/bin/tool30";
			a->argv = b->argv;
			a->argc = 3;
			break;
		case 1: /* ordinary build command: no literal match, glob rules tried */
			a->kind = IL_KIND_EXEC;
			b->argv[0] = "make";
			b->argv[1] = "-j4";
			b->argv[2] = "all";
			a->program = "/usr/bin/make";
			a->argv = b->argv;
			a->argc = 3;
			break;
		case 2:
			a->kind = IL_KIND_EXEC;
			b->argv[0] = "cli13-admin";
			b->argv[1] = "destroy-13";
			a->program = "/usr/local/bin/cli13-admin";
			a->argv = b->argv;
			a->argc = 2;
			break;
		case 3:
			a->kind = IL_KIND_DELETE;
			a->path = "/data/d505/a/b/c.txt";
			break;
		case 4:
			a->kind = IL_KIND_DELETE;
			a->path = "/work/project/build/obj/main.o";
			break;
		case 5:
			a->kind = IL_KIND_HTTP;
			a->method = "POST";
			a->scheme = "https";
			a->host = "h507.example.com";
			a->port = 443;
			a->url_path = "/v1/r507/items";
			a->url = "https://h507.example.com/v1/r507/items";
			a->url_visible = true;
			break;
		case 6:
			a->kind = IL_KIND_HTTP;
			a->method = "GET";
			a->scheme = "https";
			a->host = "docs.example.org";
			a->port = 443;
			a->url_path = "/guide/index.html";
			a->query = "q=1";
			a->url = "https://docs.example.org/guide/index.html?q=1";
			a->url_visible = true;
			break;
		default:
			a->kind = IL_KIND_CONNECT;
			a->host = "db.internal";
			a->addr = "10.99.1.1";
			a->port = 5433;
			break;
		}
	}
}

int main(void)
{
	char dir[] = "/tmp/il-bench-rules-XXXXXX";
	if (!mkdtemp(dir))
		die_with_error("mkdtemp");
	cleanup_free char *path = xasprintf("%s/rules.toml", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		die_with_error("%s", path);
	gen_rules(f);
	fclose(f);
	chmod(path, 0600);

	il_policy_opts o = { .home = "/home/bench", .workspace = "/work/project" };
	il_errors e = { 0 };
	const char *files[] = { path };
	il_policy *p = il_policy_load(files, 1, &o, &e);
	unlink(path);
	rmdir(dir);
	if (!p) {
		for (size_t i = 0; i < e.len; i++)
			fprintf(stderr, "%s\n", e.msgs[i]);
		die("the generated rules did not load");
	}
	bench_action acts[64];
	make_actions(acts, IL_ARRAY_LEN(acts));
	il_verdict *v = xmalloc(sizeof(*v));
	unsigned counts[3] = { 0, 0, 0 };
	/* warm up, and sanity-check that the mix really matches rules */
	for (size_t i = 0; i < IL_ARRAY_LEN(acts); i++) {
		il_policy_decide(p, &acts[i].a, v);
		counts[v->decision]++;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; i < NDECISIONS; i++)
		il_policy_decide(p, &acts[i % IL_ARRAY_LEN(acts)].a, v);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double us = ((double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3) /
	            NDECISIONS;
	printf("rules: %zu loaded; sample mix allow=%u approve=%u deny=%u\n", il_policy_rule_count(p),
	       counts[IL_ALLOW], counts[IL_APPROVE], counts[IL_DENY]);
	printf("bench: rules-1000 us_per_action=%.2f target=20.00\n", us);
	free(v);
	il_policy_free(p);
	il_errors_free(&e);
	return 0;
}
