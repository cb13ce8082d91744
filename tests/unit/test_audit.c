/*
 * test_audit.c — the hash-chained audit log: append + verify, every kind of
 * tampering named at the right line, chain continuation on reopen, refusal
 * of damaged logs, failed writes that leave the chain intact, concurrent
 * appends, and `audit stats` numbers on a known log.
 */
#include "audit.h"
#include "unit.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[64];
static int seq_no;

static int suite_init(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/il-test-audit-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int suite_clean(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A fresh path in the scratch directory. */
static void new_path(char *buf, size_t n, const char *tag)
{
	snprintf(buf, n, "%s/%s-%d.jsonl", tmpdir, tag, ++seq_no);
}

static il_rule rule_rm = { .id = "rm-recursive", .decision = IL_APPROVE, .risk = IL_RISK_HIGH,
                           .break_glass = true };
static il_rule rule_etc = { .id = "never-delete-etc", .decision = IL_DENY,
                            .risk = IL_RISK_CRITICAL, .break_glass = false };
static il_rule rule_refund = { .id = "refunds", .decision = IL_APPROVE,
                               .risk = IL_RISK_CRITICAL, .break_glass = true };

static void verdict_for(il_verdict *v, il_rule *r)
{
	memset(v, 0, sizeof *v);
	if (!r) {
		v->decision = IL_ALLOW;
		return;
	}
	v->decision = r->decision;
	v->risk = r->risk;
	v->primary = r;
	v->matched[0].rule = r;
	v->nmatched = 1;
	v->break_glass_ok = r->break_glass;
}

static const char *const rm_argv[] = { "rm", "-rf", "/srv/data" };

static il_action exec_action(void)
{
	il_action a = { .kind = IL_KIND_EXEC, .program = "/usr/bin/rm", .argv = rm_argv,
	                .argc = 3, .cwd = "/home/u", .pid = 42, .ppid = 41, .uid = 1000,
	                .session = "s-1", .agent_id = "agent" };
	return a;
}

/* Append one ordinary decision record i; CUnit-asserts success. */
static void append_one(il_audit *a, int i)
{
	il_action act = exec_action();
	il_verdict v;
	verdict_for(&v, i % 2 ? &rule_rm : NULL);
	char rid[32], err[256];
	snprintf(rid, sizeof rid, "req-%d", i);
	il_audit_record r = { .request_id = rid, .action = &act, .verdict = &v,
	                      .policy_version = "abc", .decision = "allow",
	                      .decided_by = i % 2 ? "reviewer" : "default",
	                      .reviewer = i % 2 ? "alice" : NULL, .latency_ms = i * 10 };
	int rc = il_audit_append(a, &r, err, sizeof err);
	CU_ASSERT_EQUAL(rc, 0);
	if (rc)
		fprintf(stderr, "append: %s\n", err);
}

/* Create a log of n records at path. */
static void make_log(const char *path, int n)
{
	char err[256] = "";
	il_audit *a = il_audit_open(path, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	for (int i = 1; i <= n; i++)
		append_one(a, i);
	CU_ASSERT_EQUAL(il_audit_seq(a), (uint64_t)n);
	il_audit_close(a);
}

/* Run verify; return its status and its output in out. */
static int verify_out(const char *path, char *out, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc = il_audit_verify(path, f);
	fclose(f);
	snprintf(out, n, "%s", buf ? buf : "");
	free(buf);
	return rc;
}

/* The file as an array of lines (each keeping its '\n'). */
typedef struct {
	char *lines[64];
	int n;
} lines_t;

static void read_lines(const char *path, lines_t *L)
{
	FILE *f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	L->n = 0;
	char *line = NULL;
	size_t cap = 0;
	while (L->n < 64 && getline(&line, &cap, f) > 0)
		L->lines[L->n++] = strdup(line);
	free(line);
	fclose(f);
}

static void write_lines(const char *path, lines_t *L)
{
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (int i = 0; i < L->n; i++) {
		fputs(L->lines[i], f);
		free(L->lines[i]);
	}
	fclose(f);
}

static void test_append_verify(void)
{
	char path[128], out[512];
	new_path(path, sizeof path, "ok");
	make_log(path, 10);
	CU_ASSERT_EQUAL(verify_out(path, out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "audit: 10 records verified, chain intact\n");
	struct stat st;
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);

	/* The record carries the documented fields. */
	lines_t L;
	read_lines(path, &L);
	CU_ASSERT_EQUAL(L.n, 10);
	cJSON *j = cJSON_Parse(L.lines[0]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(j, "seq")->valueint, 1);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(j, "prev")->valuestring,
	                       "0000000000000000000000000000000000000000000000000000000000000000");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(j, "decided_by")->valuestring, "reviewer");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(j, "rule")->valuestring, "rm-recursive");
	cJSON *act = cJSON_GetObjectItem(j, "action");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(act, "kind")->valuestring, "exec");
	CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItem(act, "argv")), 3);
	const char *ts = cJSON_GetObjectItem(j, "ts")->valuestring;
	CU_ASSERT_EQUAL(strlen(ts), 24);
	CU_ASSERT_EQUAL(ts[23], 'Z');
	cJSON *j2 = cJSON_Parse(L.lines[1]);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(j2, "prev")->valuestring,
	                       cJSON_GetObjectItem(j, "hash")->valuestring);
	cJSON_Delete(j);
	cJSON_Delete(j2);
	write_lines(path, &L);
}

static void test_empty_log_verifies(void)
{
	char path[128], out[512];
	new_path(path, sizeof path, "empty");
	il_audit *a = il_audit_open(path, out, sizeof out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	il_audit_close(a);
	CU_ASSERT_EQUAL(verify_out(path, out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "audit: 0 records verified, chain intact\n");
}

/* ---- tampering -------------------------------------------------------- */

static void tamper_edit_byte(lines_t *L)
{
	char *p = strstr(L->lines[4], "req-5");
	p[4] = '9';   /* request_id "req-5" -> "req-9": still valid JSON */
}

static void tamper_delete_middle(lines_t *L)
{
	free(L->lines[3]);
	memmove(&L->lines[3], &L->lines[4], (size_t)(L->n - 4) * sizeof L->lines[0]);
	L->n--;
}

static void tamper_swap(lines_t *L)
{
	char *t = L->lines[2];
	L->lines[2] = L->lines[3];
	L->lines[3] = t;
}

static void tamper_truncate_tail(lines_t *L)
{
	char *last = L->lines[L->n - 1];
	last[strlen(last) / 2] = '\0';
}

static void tamper_delete_first(lines_t *L)
{
	free(L->lines[0]);
	memmove(&L->lines[0], &L->lines[1], (size_t)(L->n - 1) * sizeof L->lines[0]);
	L->n--;
}

static void tamper_append_garbage(lines_t *L)
{
	L->lines[L->n++] = strdup("this is not a record\n");
}

static void tamper_append_blank(lines_t *L)
{
	L->lines[L->n++] = strdup("\n");
}

static void tamper_decision_field(lines_t *L)
{
	char *p = strstr(L->lines[6], "\"decision\":\"allow\"");
	memcpy(p + 12, "deny\" ", 6);  /* "allow" -> "deny" + space: valid JSON */
}

static void tamper_drop_hash(lines_t *L)
{
	char *p = strstr(L->lines[1], ",\"hash\":");
	strcpy(p, "}\n");
}

/* Hex SHA-256 of prev||body, as docs/audit.md defines the hash. */
static void doc_hash(const char *prev, const char *body, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	EVP_DigestUpdate(c, prev, 64);
	EVP_DigestUpdate(c, body, strlen(body));
	EVP_DigestFinal_ex(c, md, &n);
	EVP_MD_CTX_free(c);
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

/* An attacker who edits record 5 and recomputes its own hash (but not the
 * rest of the chain) is caught at record 6's prev. Also checks that the
 * documented hash definition is what the writer uses. */
static void tamper_rehash(lines_t *L)
{
	char *line = L->lines[4];
	char *p = strstr(line, "req-5");
	p[4] = '7';
	char *h = strstr(line, ",\"hash\":\"");
	char body[4096];
	size_t blen = (size_t)(h - line);
	memcpy(body, line, blen);
	body[blen] = '}';
	body[blen + 1] = '\0';
	char *pv = strstr(body, "\"prev\":\"") + 8;
	char prev[65];
	memcpy(prev, pv, 64);
	prev[64] = '\0';
	char nh[65];
	doc_hash(prev, body, nh);
	memcpy(h + 9, nh, 64);
}

static const struct {
	const char *name;
	void (*tamper)(lines_t *);
	int line;
	const char *why;
} tampers[] = {
	{ "edit a byte", tamper_edit_byte, 5, "hash mismatch" },
	{ "edit the decision", tamper_decision_field, 7, "hash mismatch" },
	{ "delete a middle line", tamper_delete_middle, 4, "seq 5 where 4 was expected" },
	{ "swap two lines", tamper_swap, 3, "seq 4 where 3 was expected" },
	{ "truncate tail mid-line", tamper_truncate_tail, 10, "truncated" },
	{ "delete first line", tamper_delete_first, 1, "head of the log was deleted" },
	{ "append garbage", tamper_append_garbage, 11, "not a valid JSON record" },
	{ "append blank line", tamper_append_blank, 11, "empty line" },
	{ "remove hash member", tamper_drop_hash, 2, "hash" },
	{ "edit and rehash", tamper_rehash, 6, "prev" },
};

static void test_tampering(void)
{
	for (size_t i = 0; i < IL_ARRAY_LEN(tampers); i++) {
		char path[128], out[512], want[192];
		new_path(path, sizeof path, "tamper");
		make_log(path, 10);
		lines_t L;
		read_lines(path, &L);
		tampers[i].tamper(&L);
		write_lines(path, &L);
		int rc = verify_out(path, out, sizeof out);
		snprintf(want, sizeof want, "%s:%d: ", path, tampers[i].line);
		bool ok = rc == 1 && strncmp(out, want, strlen(want)) == 0 &&
		          strstr(out, tampers[i].why) != NULL;
		if (!ok)
			fprintf(stderr, "\ntamper '%s': rc %d, output: %s", tampers[i].name, rc, out);
		CU_ASSERT(ok);
	}
}

/* ---- open: continue, refuse ------------------------------------------- */

static void test_reopen_continues_chain(void)
{
	char path[128], out[512], err[256];
	new_path(path, sizeof path, "reopen");
	make_log(path, 3);
	il_audit *a = il_audit_open(path, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(il_audit_seq(a), 3);
	append_one(a, 4);
	append_one(a, 5);
	il_audit_close(a);
	CU_ASSERT_EQUAL(verify_out(path, out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "audit: 5 records verified, chain intact\n");
}

static void test_open_refuses_damaged_tail(void)
{
	char path[128], err[256] = "";
	new_path(path, sizeof path, "partial");
	make_log(path, 3);
	lines_t L;
	read_lines(path, &L);
	tamper_truncate_tail(&L);
	write_lines(path, &L);
	CU_ASSERT_PTR_NULL(il_audit_open(path, err, sizeof err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "incomplete"));

	new_path(path, sizeof path, "edited-tail");
	make_log(path, 3);
	read_lines(path, &L);
	char *p = strstr(L.lines[2], "req-3");
	p[4] = '8';
	write_lines(path, &L);
	CU_ASSERT_PTR_NULL(il_audit_open(path, err, sizeof err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "damaged"));
}

static void test_open_refusals(void)
{
	char path[128], err[256] = "";
	/* group-writable */
	new_path(path, sizeof path, "gw");
	make_log(path, 1);
	CU_ASSERT_EQUAL(chmod(path, 0620), 0);
	CU_ASSERT_PTR_NULL(il_audit_open(path, err, sizeof err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "writable by group"));
	/* symlink */
	char link[160];
	snprintf(link, sizeof link, "%s.lnk", path);
	CU_ASSERT_EQUAL(symlink(path, link), 0);
	CU_ASSERT_PTR_NULL(il_audit_open(link, err, sizeof err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "symbolic link"));
	/* missing directory */
	snprintf(path, sizeof path, "%s/no/such/dir/log", tmpdir);
	CU_ASSERT_PTR_NULL(il_audit_open(path, err, sizeof err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file or directory"));
	/* directory */
	CU_ASSERT_PTR_NULL(il_audit_open(tmpdir, err, sizeof err));
	/* second writer */
	new_path(path, sizeof path, "locked");
	il_audit *a = il_audit_open(path, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NULL(il_audit_open(path, err, sizeof err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "in use"));
	il_audit_close(a);
}

/* ---- failed writes ---------------------------------------------------- */

static void test_write_to_full_device(void)
{
	char path[128], err[256] = "", out[512];
	new_path(path, sizeof path, "full");
	il_audit *a = il_audit_open(path, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	append_one(a, 1);
	int fd = open("/dev/full", O_WRONLY | O_APPEND | O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);
	il_audit_test_set_fd(a, fd);
	il_audit_record r = { .event = "error", .detail = "x", .latency_ms = -1 };
	CU_ASSERT_EQUAL(il_audit_append(a, &r, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "No space left on device"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	/* cannot be undone on /dev/full: every later append fails closed */
	CU_ASSERT_EQUAL(il_audit_append(a, &r, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unusable"));
	CU_ASSERT_EQUAL(il_audit_seq(a), 1);
	il_audit_close(a);
	CU_ASSERT_EQUAL(verify_out(path, out, sizeof out), 0);
}

/* A short write (file size limit) is rolled back; once the cause is gone,
 * appends continue and the chain verifies. */
static void test_short_write_rolls_back(void)
{
	char path[128], err[256] = "", out[512];
	new_path(path, sizeof path, "short");
	il_audit *a = il_audit_open(path, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	append_one(a, 1);
	append_one(a, 2);
	struct stat st;
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	struct rlimit old, lim;
	getrlimit(RLIMIT_FSIZE, &old);
	void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
	lim.rlim_cur = (rlim_t)st.st_size + 40;
	lim.rlim_max = old.rlim_max;
	CU_ASSERT_EQUAL(setrlimit(RLIMIT_FSIZE, &lim), 0);
	il_audit_record r = { .event = "session_start", .session = "s", .latency_ms = -1 };
	int rc = il_audit_append(a, &r, err, sizeof err);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, prev);
	CU_ASSERT_EQUAL(rc, -1);
	struct stat st2;
	CU_ASSERT_EQUAL(stat(path, &st2), 0);
	CU_ASSERT_EQUAL(st2.st_size, st.st_size);
	CU_ASSERT_EQUAL(il_audit_seq(a), 2);
	append_one(a, 3);
	il_audit_close(a);
	CU_ASSERT_EQUAL(verify_out(path, out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "audit: 3 records verified, chain intact\n");
}

/* ---- concurrency and odd input ---------------------------------------- */

static il_audit *shared_log;

static void *appender(void *arg)
{
	(void)arg;
	for (int i = 0; i < 50; i++) {
		il_audit_record r = { .event = "decision", .decision = "allow",
		                      .decided_by = "default", .latency_ms = i };
		char err[256];
		if (il_audit_append(shared_log, &r, err, sizeof err) != 0)
			return (void *)1;
	}
	return NULL;
}

static void test_concurrent_appends(void)
{
	char path[128], err[256], out[512];
	new_path(path, sizeof path, "threads");
	shared_log = il_audit_open(path, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(shared_log);
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, appender, NULL);
	for (int i = 0; i < 4; i++) {
		void *res;
		pthread_join(t[i], &res);
		CU_ASSERT_PTR_NULL(res);
	}
	il_audit_close(shared_log);
	CU_ASSERT_EQUAL(verify_out(path, out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "audit: 200 records verified, chain intact\n");
}

/* Invalid UTF-8, control characters, and a huge argv still give a valid,
 * bounded, verifiable line. */
static void test_hostile_strings(void)
{
	char path[128], err[256], out[512];
	new_path(path, sizeof path, "hostile");
	il_audit *a = il_audit_open(path, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	static char big[100000];
	memset(big, 'A', sizeof big - 1);
	const char *argv[] = { "x\xff\xfe\x1b[31m", "\"quoted\"\n,\"hash\":\"", big, big };
	il_action act = { .kind = IL_KIND_EXEC, .program = "/bin/\xc0\xaf", .argv = argv, .argc = 4 };
	il_audit_record r = { .action = &act, .decision = "deny", .decided_by = "rule",
	                      .reason = big, .latency_ms = 0 };
	CU_ASSERT_EQUAL(il_audit_append(a, &r, err, sizeof err), 0);
	il_audit_close(a);
	CU_ASSERT_EQUAL(verify_out(path, out, sizeof out), 0);
	struct stat st;
	stat(path, &st);
	CU_ASSERT(st.st_size < 20000);
	lines_t L;
	read_lines(path, &L);
	cJSON *j = cJSON_Parse(L.lines[0]);
	CU_ASSERT_PTR_NOT_NULL(j);
	cJSON *av = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "action"), "argv");
	CU_ASSERT_STRING_EQUAL(cJSON_GetArrayItem(av, 0)->valuestring,
	                       "x\xef\xbf\xbd\xef\xbf\xbd\x1b[31m");
	cJSON_Delete(j);
	write_lines(path, &L);
}

/* ---- stats ------------------------------------------------------------ */

static void add_decision(il_audit *a, il_action *act, il_rule *rule, const char *dec,
                         const char *by, int64_t lat)
{
	il_verdict v;
	verdict_for(&v, rule);
	il_audit_record r = { .action = act, .verdict = &v, .decision = dec, .decided_by = by,
	                      .latency_ms = lat, .reviewer = strcmp(by, "reviewer") ? NULL : "bob" };
	char err[256];
	CU_ASSERT_EQUAL(il_audit_append(a, &r, err, sizeof err), 0);
}

static void test_stats(void)
{
	char path[128], err[256];
	new_path(path, sizeof path, "stats");
	il_audit *a = il_audit_open(path, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	il_action rm = exec_action();
	il_action del = { .kind = IL_KIND_DELETE, .path = "/etc/passwd" };
	il_action http = { .kind = IL_KIND_HTTP, .method = "POST", .host = "api.stripe.com",
	                   .url = "https://api.stripe.com/v1/refunds", .port = 443, .body_len = -1 };
	il_action ls = { .kind = IL_KIND_EXEC, .program = "/bin/ls" };
	/* 4 human decisions: 3 approve (100, 200, 300 ms), 1 deny (1000 ms) */
	add_decision(a, &rm, &rule_rm, "allow", "reviewer", 100);
	add_decision(a, &rm, &rule_rm, "allow", "reviewer", 300);
	add_decision(a, &http, &rule_refund, "allow", "reviewer", 200);
	add_decision(a, &http, &rule_refund, "deny", "reviewer", 1000);
	/* 2 timeouts on refunds */
	add_decision(a, &http, &rule_refund, "deny", "timeout", 5000);
	add_decision(a, &http, &rule_refund, "deny", "timeout", 5000);
	/* 2 rule denials */
	add_decision(a, &del, &rule_etc, "deny", "rule", 0);
	add_decision(a, &del, &rule_etc, "deny", "rule", 0);
	/* 3 allowed by default */
	for (int i = 0; i < 3; i++)
		add_decision(a, &ls, NULL, "allow", "default", 0);
	/* break-glass */
	il_audit_record open_ev = { .event = "break_glass_open", .override_id = "bg-1",
	                            .reason = "incident", .latency_ms = -1 };
	CU_ASSERT_EQUAL(il_audit_append(a, &open_ev, err, sizeof err), 0);
	add_decision(a, &rm, &rule_rm, "allow", "break-glass", 1);
	il_verdict v_rm;
	verdict_for(&v_rm, &rule_rm);
	il_audit_record use_ev = { .event = "break_glass_use", .action = &rm, .verdict = &v_rm,
	                           .decision = "allow", .decided_by = "break-glass",
	                           .override_id = "bg-1", .latency_ms = 2 };
	CU_ASSERT_EQUAL(il_audit_append(a, &use_ev, err, sizeof err), 0);
	il_audit_record close_ev = { .event = "break_glass_close", .override_id = "bg-1",
	                             .latency_ms = -1 };
	CU_ASSERT_EQUAL(il_audit_append(a, &close_ev, err, sizeof err), 0);
	il_audit_close(a);

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CU_ASSERT_EQUAL(il_audit_stats(path, f, true), 0);
	fclose(f);
	cJSON *j = cJSON_Parse(buf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
#define NUM(o, k) cJSON_GetObjectItem(o, k)->valuedouble
	CU_ASSERT_EQUAL(NUM(j, "records"), 15);
	CU_ASSERT_EQUAL(NUM(j, "decisions"), 13);
	CU_ASSERT_EQUAL(NUM(j, "sent_for_approval"), 6);
	CU_ASSERT_EQUAL(NUM(j, "approved"), 3);
	CU_ASSERT_DOUBLE_EQUAL(NUM(j, "approval_rate"), 0.5, 1e-9);
	cJSON *lat = cJSON_GetObjectItem(j, "human_latency_ms");
	CU_ASSERT_EQUAL(NUM(lat, "count"), 4);
	CU_ASSERT_EQUAL(NUM(lat, "p50"), 200);
	CU_ASSERT_EQUAL(NUM(lat, "p95"), 1000);
	CU_ASSERT_EQUAL(NUM(j, "timeouts"), 2);
	CU_ASSERT_EQUAL(NUM(j, "denials"), 3);
	cJSON *rules = cJSON_GetObjectItem(j, "rules");
	cJSON *refunds = cJSON_GetObjectItem(rules, "refunds");
	CU_ASSERT_EQUAL(NUM(refunds, "timeouts"), 2);
	CU_ASSERT_EQUAL(NUM(refunds, "denials"), 1);
	CU_ASSERT_EQUAL(NUM(refunds, "sent_for_approval"), 4);
	CU_ASSERT_EQUAL(NUM(cJSON_GetObjectItem(rules, "never-delete-etc"), "denials"), 2);
	CU_ASSERT_EQUAL(NUM(cJSON_GetObjectItem(j, "by_decided_by"), "default"), 3);
	CU_ASSERT_EQUAL(NUM(cJSON_GetObjectItem(j, "by_decision"), "deny"), 5);
	cJSON *hosts = cJSON_GetObjectItem(j, "top_hosts");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(cJSON_GetArrayItem(hosts, 0), "key")->valuestring,
	                       "api.stripe.com");
	CU_ASSERT_EQUAL(NUM(cJSON_GetArrayItem(hosts, 0), "count"), 4);
	cJSON *progs = cJSON_GetObjectItem(j, "top_programs");
	CU_ASSERT_EQUAL(cJSON_GetArraySize(progs), 1);   /* ls was never gated */
	CU_ASSERT_EQUAL(NUM(cJSON_GetArrayItem(progs, 0), "count"), 4);
	CU_ASSERT_EQUAL(NUM(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "top_paths"), 0), "count"), 2);
	cJSON *bg = cJSON_GetObjectItem(j, "break_glass");
	CU_ASSERT_EQUAL(NUM(bg, "windows_opened"), 1);
	CU_ASSERT_EQUAL(NUM(bg, "windows_closed"), 1);
	CU_ASSERT_EQUAL(NUM(bg, "decisions_overridden"), 2);
	CU_ASSERT_EQUAL(NUM(bg, "use_events"), 1);
#undef NUM
	cJSON_Delete(j);
	free(buf);

	/* the text form names the headline numbers */
	buf = NULL;
	f = open_memstream(&buf, &len);
	CU_ASSERT_EQUAL(il_audit_stats(path, f, false), 0);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "approval rate 50.0%"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "p50 200ms, p95 1s"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "refunds"));
	free(buf);

	CU_ASSERT_EQUAL(il_audit_stats("/nonexistent/log", stdout, false), 1);
}

static CU_TestInfo audit_tests[] = {
	{ "append then verify", test_append_verify },
	{ "empty log verifies", test_empty_log_verifies },
	{ "every tampering is named at its line", test_tampering },
	{ "reopen continues the chain", test_reopen_continues_chain },
	{ "open refuses a damaged tail", test_open_refuses_damaged_tail },
	{ "open refusals", test_open_refusals },
	{ "write to a full device fails closed", test_write_to_full_device },
	{ "short write is rolled back", test_short_write_rolls_back },
	{ "concurrent appends keep one chain", test_concurrent_appends },
	{ "hostile strings stay valid and bounded", test_hostile_strings },
	{ "stats on a known log", test_stats },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "audit", suite_init, suite_clean, NULL, NULL, audit_tests },
	CU_SUITE_INFO_NULL,
};

IL_UNIT_MAIN(suites)
