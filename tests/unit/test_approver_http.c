/*
 * test_approver_http.c — unit tests for the approval-service client side:
 * the loop-driven HTTP client (http_client.h) against a tiny in-process
 * server thread, the backend's fail-closed configuration checks
 * (approver_http.c), and the pending journal (journal.h).
 */
#include "approver.h"
#include "http_client.h"
#include "journal.h"
#include "loop.h"
#include "util.h"

#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- a one-shot HTTP server thread ---- */

typedef struct {
	int lfd;
	int port;
	const char *response;     /* written verbatim after the request head */
	int hang_ms;              /* sleep before answering */
	char request[4096];       /* what the client sent (head + some body) */
} one_shot;

static void *serve_once(void *arg)
{
	one_shot *s = arg;
	int fd = accept(s->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	size_t have = 0;
	while (have < sizeof s->request - 1) {
		ssize_t r = read(fd, s->request + have, sizeof s->request - 1 - have);
		if (r <= 0)
			break;
		have += (size_t)r;
		s->request[have] = '\0';
		char *end = strstr(s->request, "\r\n\r\n");
		if (end) {
			/* read a body if Content-Length says so */
			char *cl = strcasestr(s->request, "Content-Length:");
			size_t want = cl ? (size_t)atoi(cl + 15) : 0;
			if (have - (size_t)(end + 4 - s->request) >= want)
				break;
		}
	}
	if (s->hang_ms)
		usleep((useconds_t)s->hang_ms * 1000);
	if (write(fd, s->response, strlen(s->response)) < 0)
		perror("write");
	close(fd);
	return NULL;
}

static int start_server(one_shot *s, pthread_t *t)
{
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sa;
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s->lfd, 4) < 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&sa, &sl) < 0)
		return -1;
	s->port = ntohs(sa.sin_port);
	return pthread_create(t, NULL, serve_once, s);
}

typedef struct {
	bool done;
	long status;
	char body[256];
	bool too_large;
	bool had_error;
	int64_t retry_after_ms;
} result;

static void on_done(void *arg, const il_http_response *r)
{
	result *res = arg;
	res->done = true;
	res->status = r->status;
	res->too_large = r->too_large;
	res->had_error = r->error != NULL;
	res->retry_after_ms = r->retry_after_ms;
	snprintf(res->body, sizeof res->body, "%.*s", (int)(r->body_len < 255 ? r->body_len : 255),
	         r->body);
}

/* Run one request against a server answering `response`; fills res. */
static void roundtrip(const char *response, int hang_ms, int64_t timeout_ms, size_t max_body,
                      const char *body, result *res, one_shot *srv)
{
	memset(res, 0, sizeof *res);
	memset(srv, 0, sizeof *srv);
	srv->response = response;
	srv->hang_ms = hang_ms;
	pthread_t t;
	CU_ASSERT_EQUAL_FATAL(start_server(srv, &t), 0);
	il_loop *loop = il_loop_new();
	char err[256], url[128];
	il_http *h = il_http_new(loop, NULL, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/requests", srv->port);
	const char *hdrs[] = { "Authorization: Bearer tok", NULL };
	il_http_xfer *x = il_http_request(h, body ? "POST" : "GET", url, hdrs, body, timeout_ms,
	                                  max_body, on_done, res);
	CU_ASSERT_PTR_NOT_NULL(x);
	CU_ASSERT_FALSE(res->done);   /* never synchronously from il_http_request */
	int64_t end = il_now_mono_ms() + 5000;
	while (!res->done && il_now_mono_ms() < end)
		il_loop_run_once(loop, 50);
	CU_ASSERT_EQUAL(il_http_active(h), 0);
	il_http_free(h);
	il_loop_free(loop);
	pthread_join(t, NULL);
	close(srv->lfd);
}

static void test_http_ok(void)
{
	result r;
	one_shot s;
	roundtrip("HTTP/1.1 201 Created\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello", 0,
	          2000, 1024, "{\"a\":1}", &r, &s);
	CU_ASSERT_TRUE(r.done);
	CU_ASSERT_EQUAL(r.status, 201);
	CU_ASSERT_STRING_EQUAL(r.body, "hello");
	CU_ASSERT_EQUAL(r.retry_after_ms, -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(s.request, "POST /v1/requests"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s.request, "Authorization: Bearer tok"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s.request, "Content-Type: application/json"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s.request, "{\"a\":1}"));
}

static void test_http_retry_after(void)
{
	result r;
	one_shot s;
	roundtrip("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: 0\r\n"
	          "Connection: close\r\n\r\n", 0, 2000, 1024, NULL, &r, &s);
	CU_ASSERT_EQUAL(r.status, 429);
	CU_ASSERT_EQUAL(r.retry_after_ms, 7000);
	CU_ASSERT_PTR_NOT_NULL(strstr(s.request, "GET /v1/requests"));
}

static void test_http_too_large(void)
{
	result r;
	one_shot s;
	roundtrip("HTTP/1.1 200 OK\r\nContent-Length: 40\r\nConnection: close\r\n\r\n"
	          "0123456789012345678901234567890123456789", 0, 2000, 16, NULL, &r, &s);
	CU_ASSERT_TRUE(r.done);
	CU_ASSERT_EQUAL(r.status, 0);   /* not a usable response */
	CU_ASSERT_TRUE(r.too_large);
}

static void test_http_timeout(void)
{
	result r;
	one_shot s;
	int64_t t0 = il_now_mono_ms();
	roundtrip("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 1500, 300, 1024, NULL, &r, &s);
	CU_ASSERT_TRUE(r.done);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_TRUE(r.had_error);
	CU_ASSERT_TRUE(il_now_mono_ms() - t0 < 1400 + 1500);
}

static void test_http_refused(void)
{
	/* a port that was just free: nobody listens */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sa;
	CU_ASSERT_EQUAL_FATAL(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	close(fd);
	il_loop *loop = il_loop_new();
	char err[256], url[128];
	il_http *h = il_http_new(loop, NULL, err, sizeof err);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", ntohs(sa.sin_port));
	result r = { 0 };
	CU_ASSERT_PTR_NOT_NULL(il_http_request(h, "GET", url, NULL, NULL, 2000, 1024, on_done, &r));
	int64_t end = il_now_mono_ms() + 3000;
	while (!r.done && il_now_mono_ms() < end)
		il_loop_run_once(loop, 50);
	CU_ASSERT_TRUE(r.done);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_TRUE(r.had_error);
	/* an aborted transfer never calls back */
	result r2 = { 0 };
	il_http_xfer *x = il_http_request(h, "GET", url, NULL, NULL, 2000, 1024, on_done, &r2);
	il_http_abort(h, x);
	for (int i = 0; i < 5; i++)
		il_loop_run_once(loop, 20);
	CU_ASSERT_FALSE(r2.done);
	il_http_free(h);
	il_loop_free(loop);
}

/* ---- configuration checks of the backend (fail closed at start-up) ---- */

static char tmpdir[] = "/tmp/il-test-approver-XXXXXX";

static const char *write_file(const char *name, const char *content, mode_t mode)
{
	static char path[8][256];
	static int slot;
	char *p = path[slot++ % 8];
	snprintf(p, 256, "%s/%s", tmpdir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		if (write(fd, content, strlen(content)) < 0)
			perror("write");
		close(fd);
	}
	chmod(p, mode);
	return p;
}

static void expect_config_error(const char *url, const il_approver_http_cfg *cfg, const char *needle)
{
	char err[512] = "";
	il_loop *loop = il_loop_new();
	il_approver *ap = il_approver_http_new(url, cfg, NULL, loop, err, sizeof err);
	CU_ASSERT_PTR_NULL(ap);
	if (ap)
		il_approver_free(ap);
	if (!strstr(err, needle))
		fprintf(stderr, "\n  want '%s' in error, got '%s'\n", needle, err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, needle));
	il_loop_free(loop);
}

static void test_config_checks(void)
{
	const char *key = write_file("key", "0123456789abcdef0123456789abcdef-key\n", 0600);
	const char *tok = write_file("tok", "secret-token\n", 0600);
	il_approver_http_cfg ok = { .key_file = key, .token_file = tok };
	expect_config_error("ftp://127.0.0.1/", &ok, "not a valid http(s) base URL");
	expect_config_error("http://127.0.0.1/x?y=1", &ok, "no query");
	expect_config_error("http://approvals.example.com", &ok, "plain http is allowed only");
	il_approver_http_cfg nokey = { .token_file = tok };
	expect_config_error("https://approvals.example.com", &nokey, "needs the verdict key");
	il_approver_http_cfg openkey = { .key_file = write_file("key2", "0123456789abcdef0123456789abcdef\n",
	                                                        0644) };
	expect_config_error("https://approvals.example.com", &openkey, "too open");
	il_approver_http_cfg shortkey = { .key_file = write_file("key3", "short\n", 0600) };
	expect_config_error("https://approvals.example.com", &shortkey, "at least 32 bytes");
	il_approver_http_cfg badtok = { .key_file = key,
	                                .token_file = write_file("tok2", "two words\n", 0600) };
	expect_config_error("https://approvals.example.com", &badtok, "printable ASCII");
	il_approver_http_cfg opentok = { .key_file = key,
	                                 .token_file = write_file("tok3", "tok\n", 0640) };
	expect_config_error("https://approvals.example.com", &opentok, "too open");

	/* the accepted forms */
	const char *good[] = { "http://127.0.0.1:9/", "http://localhost:9", "http://[::1]:9/base",
	                       "https://approvals.example.com/interlock" };
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		char err[512] = "";
		il_loop *loop = il_loop_new();
		il_approver *ap = il_approver_http_new(good[i], &ok, NULL, loop, err, sizeof err);
		if (!ap)
			fprintf(stderr, "\n  %s refused: %s\n", good[i], err);
		CU_ASSERT_PTR_NOT_NULL(ap);
		CU_ASSERT_FALSE(ap && ap->ops->local_decisions);   /* only signed verdicts decide */
		il_approver_free(ap);
		il_loop_free(loop);
	}
	il_approver_http_cfg insecure = { .key_file = key, .insecure_http = true };
	char err[512];
	il_loop *loop = il_loop_new();
	il_approver *ap = il_approver_http_new("http://approvals.example.com", &insecure, NULL, loop,
	                                       err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL(ap);
	il_approver_free(ap);
	/* spec dispatch */
	ap = il_approver_create_cfg("https://approvals.example.com", &ok, NULL, loop, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL(ap);
	CU_ASSERT_STRING_EQUAL(ap ? ap->ops->name : "", "http");
	il_approver_free(ap);
	CU_ASSERT_PTR_NULL(il_approver_create_cfg("gopher://x", &ok, NULL, loop, err, sizeof err));
	il_loop_free(loop);
}

/* ---- the pending journal ---- */

static il_journal_entry entry(const char *id, const char *frame, const char *rule)
{
	static char *rules[1];
	rules[0] = (char *)rule;
	il_journal_entry e = { .pid = getpid(), .uid = getuid(), .created_wall_ms = 1000,
	                       .deadline_wall_ms = 99000, .rules = rules, .nrules = 1,
	                       .frame = (uint8_t *)frame, .frame_len = strlen(frame) };
	snprintf(e.id, sizeof e.id, "%s", id);
	il_proc_start_time(getpid(), &e.start_time);
	return e;
}

static void test_journal(void)
{
	char path[300], err[512];
	snprintf(path, sizeof path, "%s/pending.journal", tmpdir);
	unlink(path);
	il_journal_entry *out;
	size_t n;
	il_journal *j = il_journal_open(path, &out, &n, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_EQUAL(n, 0);
	il_journal_entries_free(out, n);
	/* entry() shares its rules array: add each one right away */
	il_journal_entry a = entry("r-aaaaaaaaaaaa", "frame-a", "rule-a");
	CU_ASSERT_EQUAL(il_journal_add(j, &a, err, sizeof err), 0);
	il_journal_entry b = entry("r-bbbbbbbbbbbb", "frame-b", "rule-b");
	CU_ASSERT_EQUAL(il_journal_add(j, &b, err, sizeof err), 0);
	il_journal_entry c = entry("r-cccccccccccc", "frame-c", "rule-c");
	CU_ASSERT_EQUAL(il_journal_add(j, &c, err, sizeof err), 0);
	il_journal_done(j, a.id, 2);
	il_journal_close(j);
	struct stat st;
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);

	/* tamper with c's action (its fingerprint no longer matches) and add
	 * a torn record at the end */
	char *txt = il_read_file(path, 1 << 20, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(txt);
	char *hex = strstr(txt, "6672616d652d63");   /* "frame-c" in hex */
	CU_ASSERT_PTR_NOT_NULL_FATAL(hex);
	hex[13] = '4';                              /* -> "frame-d" */
	FILE *f = fopen(path, "w");
	fputs(txt, f);
	fputs("{\"t\":\"pending\",\"id\":\"r-torn", f);
	fclose(f);
	free(txt);

	j = il_journal_open(path, &out, &n, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_EQUAL_FATAL(n, 1);   /* a: done; c: altered; torn: never synced */
	CU_ASSERT_STRING_EQUAL(out[0].id, b.id);
	CU_ASSERT_EQUAL(out[0].frame_len, 7);
	CU_ASSERT_EQUAL(memcmp(out[0].frame, "frame-b", 7), 0);
	CU_ASSERT_EQUAL(out[0].pid, getpid());
	CU_ASSERT_EQUAL(out[0].start_time, b.start_time);
	CU_ASSERT_EQUAL(out[0].deadline_wall_ms, 99000);
	CU_ASSERT_EQUAL_FATAL(out[0].nrules, 1);
	CU_ASSERT_STRING_EQUAL(out[0].rules[0], "rule-b");
	char fp[65];
	il_sha256_hex("frame-b", 7, fp);
	CU_ASSERT_STRING_EQUAL(out[0].fingerprint, fp);
	il_journal_entries_free(out, n);
	il_journal_close(j);

	/* compacted: reopening again finds the same single entry */
	j = il_journal_open(path, &out, &n, err, sizeof err);
	CU_ASSERT_EQUAL(n, 1);
	il_journal_entries_free(out, n);
	il_journal_close(j);

	/* a journal others can read is refused */
	chmod(path, 0644);
	CU_ASSERT_PTR_NULL(il_journal_open(path, &out, &n, err, sizeof err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "0600"));
	unlink(path);
}

static void test_start_time(void)
{
	uint64_t me, again, child_t = 0;
	CU_ASSERT_EQUAL(il_proc_start_time(getpid(), &me), 0);
	CU_ASSERT_EQUAL(il_proc_start_time(getpid(), &again), 0);
	CU_ASSERT_EQUAL(me, again);
	CU_ASSERT_TRUE(me > 0);
	usleep(20000);
	pid_t c = fork();
	if (c == 0) {
		usleep(200000);
		_exit(0);
	}
	CU_ASSERT_EQUAL(il_proc_start_time(c, &child_t), 0);
	CU_ASSERT_TRUE(child_t >= me);
	waitpid(c, NULL, 0);
	CU_ASSERT_EQUAL(il_proc_start_time(c, &child_t), -1);   /* gone */
}

static int suite_init(void)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int suite_clean(void)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static CU_TestInfo http_tests[] = {
	{ "http client: request, headers, body, status", test_http_ok },
	{ "http client: 429 with Retry-After", test_http_retry_after },
	{ "http client: oversize body is not a response", test_http_too_large },
	{ "http client: a hung server times out", test_http_timeout },
	{ "http client: refused connection; aborted transfer is silent", test_http_refused },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo backend_tests[] = {
	{ "http backend: fail-closed configuration checks", test_config_checks },
	{ "journal: add, done, altered and torn records, compaction, mode", test_journal },
	{ "journal: process start time", test_start_time },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "http_client", NULL, NULL, NULL, NULL, http_tests },
	{ "approver_http", suite_init, suite_clean, NULL, NULL, backend_tests },
	CU_SUITE_INFO_NULL,
};

IL_UNIT_MAIN(suites)
