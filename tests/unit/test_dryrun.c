/*
 * test_dryrun.c — the dry-run report: counts per decision and rule,
 * deduplication by normalised key, the distinct-action cap, the printed
 * table and the JSON file.
 */
#include "dryrun.h"
#include "unit.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static il_rule r_rm = { .id = "rm-recursive", .decision = IL_APPROVE, .risk = IL_RISK_HIGH, .break_glass = true };
static il_rule r_etc = { .id = "never-delete-etc", .decision = IL_DENY, .risk = IL_RISK_CRITICAL };
static il_rule r_http = { .id = "refunds", .decision = IL_APPROVE, .risk = IL_RISK_CRITICAL, .break_glass = true };
static il_rule r_note = { .id = "note-curl", .decision = IL_ALLOW, .risk = IL_RISK_LOW };

static il_verdict verdict(il_decision d, il_rule *primary, il_rule *also)
{
	il_verdict v;
	memset(&v, 0, sizeof v);
	v.decision = d;
	v.primary = primary;
	if (primary) {
		v.risk = primary->risk;
		v.matched[v.nmatched++].rule = primary;
	}
	if (also)
		v.matched[v.nmatched++].rule = also;
	return v;
}

/* The JSON report of d as a parsed object (caller frees). */
static cJSON *report(const il_dryrun *d, int64_t runtime_ms)
{
	char path[] = "/tmp/il-test-dryrun-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	char err[256];
	CU_ASSERT_EQUAL_FATAL(il_dryrun_write_json(d, path, runtime_ms, err, sizeof err), 0);
	struct stat st;
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
	char *txt = il_read_file(path, 64 << 20, NULL);
	unlink(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(txt);
	cJSON *j = cJSON_Parse(txt);
	free(txt);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	return j;
}

static char *printed(const il_dryrun *d, int64_t runtime_ms)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	il_dryrun_print(d, f, runtime_ms);
	fclose(f);
	return buf;
}

#define NUM(o, k) (cJSON_GetObjectItem((o), (k)) ? cJSON_GetObjectItem((o), (k))->valuedouble : -12345)

static const cJSON *find_gated(const cJSON *j, const char *action)
{
	const cJSON *g;
	cJSON_ArrayForEach(g, cJSON_GetObjectItem(j, "gated"))
		if (strcmp(cJSON_GetObjectItem(g, "action")->valuestring, action) == 0)
			return g;
	return NULL;
}

static const cJSON *find_rule(const cJSON *j, const char *id)
{
	const cJSON *r;
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(j, "rules"))
		if (strcmp(cJSON_GetObjectItem(r, "id")->valuestring, id) == 0)
			return r;
	return NULL;
}

static void test_counts_and_dedup(void)
{
	il_dryrun *d = il_dryrun_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	const char *rm1[] = { "rm", "-rf", "/srv/data" };
	const char *ls[] = { "ls", "-l" };
	il_action a_rm = { .kind = IL_KIND_EXEC, .program = "/usr/bin/rm", .argv = rm1, .argc = 3 };
	il_action a_ls = { .kind = IL_KIND_EXEC, .program = "/usr/bin/ls", .argv = ls, .argc = 2 };
	il_action a_del = { .kind = IL_KIND_DELETE, .path = "/etc/hosts" };
	il_action a_h1 = { .kind = IL_KIND_HTTP, .method = "POST", .scheme = "https", .host = "api.stripe.com",
	                   .url = "https://api.stripe.com/v1/refunds?id=1", .url_visible = true, .port = 443 };
	il_action a_h2 = a_h1;
	a_h2.url = "https://api.stripe.com/v1/refunds?id=2";
	il_verdict v_rm = verdict(IL_APPROVE, &r_rm, NULL);
	il_verdict v_allow = verdict(IL_ALLOW, NULL, NULL);
	il_verdict v_note = verdict(IL_ALLOW, NULL, &r_note);
	il_verdict v_etc = verdict(IL_DENY, &r_etc, NULL);
	il_verdict v_http = verdict(IL_APPROVE, &r_http, &r_note);
	il_verdict v_def = verdict(IL_APPROVE, NULL, NULL);

	for (int i = 0; i < 3; i++)
		il_dryrun_record(d, &a_rm, &v_rm);
	for (int i = 0; i < 5; i++)
		il_dryrun_record(d, &a_ls, &v_allow);
	il_dryrun_record(d, &a_ls, &v_note);
	il_dryrun_record(d, &a_del, &v_etc);
	il_dryrun_record(d, &a_h1, &v_http);
	il_dryrun_record(d, &a_h2, &v_http);   /* same key: query dropped */
	il_action a_del2 = { .kind = IL_KIND_DELETE, .path = "/tmp/x" };
	il_dryrun_record(d, &a_del2, &v_def);

	cJSON *j = report(d, 30 * 60 * 1000);   /* 30 minutes */
	cJSON *bd = cJSON_GetObjectItem(j, "by_decision");
	CU_ASSERT_EQUAL(NUM(j, "total"), 13);
	CU_ASSERT_EQUAL(NUM(bd, "allow"), 6);
	CU_ASSERT_EQUAL(NUM(bd, "would_approve"), 6);
	CU_ASSERT_EQUAL(NUM(bd, "would_deny"), 1);
	CU_ASSERT_DOUBLE_EQUAL(NUM(j, "approvals_per_hour"), 12.0, 1e-9);
	CU_ASSERT_EQUAL(NUM(j, "distinct_gated"), 4);
	CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItem(j, "gated")), 4);
	CU_ASSERT(cJSON_IsFalse(cJSON_GetObjectItem(j, "capped")));

	const cJSON *g = find_gated(j, "/usr/bin/rm -rf /srv/data");
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(NUM(g, "count"), 3);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(g, "decision")->valuestring, "would_approve");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(g, "rule")->valuestring, "rm-recursive");
	g = find_gated(j, "POST https://api.stripe.com/v1/refunds");
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(NUM(g, "count"), 2);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(g, "kind")->valuestring, "http");
	g = find_gated(j, "/etc/hosts");
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(g, "decision")->valuestring, "would_deny");
	g = find_gated(j, "/tmp/x");
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(g, "rule")));
	CU_ASSERT_PTR_NULL(find_gated(j, "/usr/bin/ls -l"));   /* allowed: not listed */

	const cJSON *r = find_rule(j, "note-curl");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(NUM(r, "matched"), 3);
	CU_ASSERT_EQUAL(NUM(r, "would_approve"), 0);
	r = find_rule(j, "refunds");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(NUM(r, "would_approve"), 2);
	r = find_rule(j, "never-delete-etc");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(NUM(r, "would_deny"), 1);
	r = find_rule(j, "(defaults)");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(NUM(r, "would_approve"), 1);
	cJSON_Delete(j);

	char *txt = printed(d, 30 * 60 * 1000);
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "agent ran 30m"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "12.0 approval requests per hour"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "/usr/bin/rm -rf /srv/data"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "never-delete-etc"));
	CU_ASSERT_PTR_NULL(strstr(txt, "note:"));
	free(txt);

	j = report(d, 0);
	CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(j, "approvals_per_hour")));
	cJSON_Delete(j);
	il_dryrun_free(d);
}

/* Table of actions and the normalised key each is listed under. */
static void test_normalised_keys(void)
{
	static const char *const argv_q[] = { "sh", "-c", "rm -rf 'x'" };
	static const char *const argv_ctl[] = { "echo", "\x1b[2J\xff" };
	static const char *const argv_utf[] = { "cat", "r\xc3\xa9sum\xc3\xa9.txt" };
	const struct {
		il_action a;
		const char *key;
	} cases[] = {
		{ { .kind = IL_KIND_EXEC, .program = "/bin/sh", .argv = argv_q, .argc = 3 },
		  "/bin/sh -c 'rm -rf '\\''x'\\'''" },
		{ { .kind = IL_KIND_EXEC, .argv = argv_ctl, .argc = 2 }, "echo '?[2J?'" },
		{ { .kind = IL_KIND_EXEC, .program = "/bin/cat", .argv = argv_utf, .argc = 2 },
		  "/bin/cat 'r\xc3\xa9sum\xc3\xa9.txt'" },
		{ { .kind = IL_KIND_DELETE, .path = "/srv/a b" }, "/srv/a b" },
		{ { .kind = IL_KIND_CONNECT, .host = "db.internal", .addr = "10.0.0.5", .port = 5432 },
		  "db.internal:5432" },
		{ { .kind = IL_KIND_CONNECT, .addr = "10.0.0.5", .port = 53, .udp = true }, "10.0.0.5:53/udp" },
		{ { .kind = IL_KIND_HTTP, .method = "GET", .scheme = "https", .host = "x.com", .port = 443,
		    .url = "https://x.com/a?b#c", .url_visible = true }, "GET https://x.com/a" },
		{ { .kind = IL_KIND_HTTP, .method = "CONNECT", .scheme = "https", .host = "x.com", .port = 443,
		    .url_visible = false }, "CONNECT https://x.com:443" },
	};
	il_dryrun *d = il_dryrun_new();
	il_verdict v = verdict(IL_DENY, &r_etc, NULL);
	for (size_t i = 0; i < IL_ARRAY_LEN(cases); i++)
		il_dryrun_record(d, &cases[i].a, &v);
	cJSON *j = report(d, 1000);
	for (size_t i = 0; i < IL_ARRAY_LEN(cases); i++) {
		const cJSON *g = find_gated(j, cases[i].key);
		if (!g)
			fprintf(stderr, "\nkey %zu not found: %s\n", i, cases[i].key);
		CU_ASSERT_PTR_NOT_NULL(g);
	}
	CU_ASSERT_EQUAL(NUM(j, "distinct_gated"), IL_ARRAY_LEN(cases));
	cJSON_Delete(j);

	/* an exec and a delete with the same text are different actions */
	il_action e = { .kind = IL_KIND_EXEC, .program = "/x" };
	il_action x = { .kind = IL_KIND_DELETE, .path = "/x" };
	il_dryrun_record(d, &e, &v);
	il_dryrun_record(d, &x, &v);
	j = report(d, 1000);
	CU_ASSERT_EQUAL(NUM(j, "distinct_gated"), IL_ARRAY_LEN(cases) + 2);
	cJSON_Delete(j);

	/* a very long argv is cut with a marker, stays valid JSON, bounded */
	static char big[5000];
	memset(big, 'a', sizeof big - 1);
	const char *argv_big[] = { "x", big };
	il_action b = { .kind = IL_KIND_EXEC, .program = "/x", .argv = argv_big, .argc = 2 };
	il_dryrun_record(d, &b, &v);
	j = report(d, 1000);
	const cJSON *g;
	bool found = false;
	cJSON_ArrayForEach(g, cJSON_GetObjectItem(j, "gated")) {
		const char *k = cJSON_GetObjectItem(g, "action")->valuestring;
		if (strncmp(k, "/x aaaa", 7) == 0) {
			found = true;
			CU_ASSERT(strlen(k) <= 512);
			CU_ASSERT_STRING_EQUAL(k + strlen(k) - 3, "...");
		}
	}
	CU_ASSERT(found);
	cJSON_Delete(j);
	il_dryrun_free(d);
}

static void test_cap(void)
{
	il_dryrun *d = il_dryrun_new();
	il_verdict v = verdict(IL_APPROVE, &r_rm, NULL);
	char path[64];
	int extra = 25;
	for (int i = 0; i < IL_DRYRUN_MAX_DISTINCT + extra; i++) {
		snprintf(path, sizeof path, "/data/file-%d", i);
		il_action a = { .kind = IL_KIND_DELETE, .path = path };
		il_dryrun_record(d, &a, &v);
	}
	/* a known key still counts after the cap */
	il_action a0 = { .kind = IL_KIND_DELETE, .path = "/data/file-0" };
	il_dryrun_record(d, &a0, &v);
	cJSON *j = report(d, 3600000);
	CU_ASSERT_EQUAL(NUM(j, "total"), IL_DRYRUN_MAX_DISTINCT + extra + 1);
	CU_ASSERT_EQUAL(NUM(j, "distinct_gated"), IL_DRYRUN_MAX_DISTINCT);
	CU_ASSERT_EQUAL(NUM(j, "not_listed"), extra);
	CU_ASSERT(cJSON_IsTrue(cJSON_GetObjectItem(j, "capped")));
	CU_ASSERT_EQUAL(NUM(find_gated(j, "/data/file-0"), "count"), 2);
	cJSON_Delete(j);
	char *txt = printed(d, 3600000);
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "only the first 10000 distinct"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "and 9950 more distinct actions"));
	free(txt);
	il_dryrun_free(d);
}

static il_dryrun *shared;

static void *recorder(void *arg)
{
	const char *path = arg;
	il_action a = { .kind = IL_KIND_DELETE, .path = path };
	il_verdict v = verdict(IL_APPROVE, &r_rm, NULL);
	for (int i = 0; i < 1000; i++)
		il_dryrun_record(shared, &a, &v);
	return NULL;
}

static void test_threads(void)
{
	shared = il_dryrun_new();
	pthread_t t[4];
	const char *paths[] = { "/a", "/b", "/a", "/c" };
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, recorder, (void *)paths[i]);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	cJSON *j = report(shared, 1000);
	CU_ASSERT_EQUAL(NUM(j, "total"), 4000);
	CU_ASSERT_EQUAL(NUM(find_gated(j, "/a"), "count"), 2000);
	CU_ASSERT_EQUAL(NUM(j, "distinct_gated"), 3);
	cJSON_Delete(j);
	il_dryrun_free(shared);
}

static void test_write_errors(void)
{
	il_dryrun *d = il_dryrun_new();
	char err[256] = "";
	CU_ASSERT_EQUAL(il_dryrun_write_json(d, "/nonexistent/dir/report.json", 0, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/dir/report.json"));
	/* an empty report is still a valid one */
	cJSON *j = report(d, 0);
	CU_ASSERT_EQUAL(NUM(j, "total"), 0);
	cJSON_Delete(j);
	il_dryrun_free(d);
}

static CU_TestInfo dryrun_tests[] = {
	{ "counts per decision and rule, dedup", test_counts_and_dedup },
	{ "normalised keys", test_normalised_keys },
	{ "distinct-action cap", test_cap },
	{ "concurrent records", test_threads },
	{ "write errors and empty report", test_write_errors },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "dryrun", NULL, NULL, NULL, NULL, dryrun_tests },
	CU_SUITE_INFO_NULL,
};

IL_UNIT_MAIN(suites)
