/*
 * test_wire.c — the shim <-> sidecar frame codec: round trips and every
 * class of malformed frame.
 */
#include "unit.h"
#include "wire.h"

#include <stdlib.h>
#include <string.h>

static char err[300];

static void encode_exec(il_wire_buf *b)
{
	const char *argv[] = { "rm", "-rf", "/srv/data" };
	il_action a = { .kind = IL_KIND_EXEC, .program = "/usr/bin/rm", .argv = argv, .argc = 3,
	                .cwd = "/home/u", .pid = 42, .ppid = 7, .uid = 1000,
	                .session = "s-1", .agent_id = "agent" };
	CU_ASSERT_EQUAL_FATAL(il_wire_encode_decide(b, &a), 0);
}

static void test_roundtrip_exec(void)
{
	il_wire_buf b = { 0 };
	encode_exec(&b);
	il_wire_message m;
	CU_ASSERT_EQUAL_FATAL(il_wire_decode_frame(b.data, b.len, &m, err, sizeof err), 0);
	CU_ASSERT_EQUAL(m.type, IL_MSG_DECIDE);
	CU_ASSERT_EQUAL(m.action.kind, IL_KIND_EXEC);
	CU_ASSERT_STRING_EQUAL(m.action.program, "/usr/bin/rm");
	CU_ASSERT_EQUAL_FATAL(m.action.argc, 3);
	CU_ASSERT_STRING_EQUAL(m.action.argv[0], "rm");
	CU_ASSERT_STRING_EQUAL(m.action.argv[2], "/srv/data");
	CU_ASSERT_STRING_EQUAL(m.action.cwd, "/home/u");
	CU_ASSERT_EQUAL(m.action.pid, 42);
	CU_ASSERT_EQUAL(m.action.ppid, 7);
	CU_ASSERT_EQUAL(m.action.uid, 1000);
	CU_ASSERT_STRING_EQUAL(m.action.session, "s-1");
	CU_ASSERT_STRING_EQUAL(m.action.agent_id, "agent");
	il_wire_message_free(&m);
	il_wire_buf_free(&b);
}

static void test_roundtrip_http_delete_connect(void)
{
	const char *hdrs[] = { "Content-Type: application/json", "X-A: b" };
	il_action h = { .kind = IL_KIND_HTTP, .method = "POST", .scheme = "https",
	                .url = "https://api.example.com/v1/refunds?x=1", .url_path = "/v1/refunds",
	                .query = "x=1", .host = "api.example.com", .port = 443, .headers = hdrs,
	                .nheaders = 2, .body_len = 17, .url_visible = true };
	il_wire_buf b = { 0 };
	CU_ASSERT_EQUAL_FATAL(il_wire_encode_decide(&b, &h), 0);
	il_wire_message m;
	CU_ASSERT_EQUAL_FATAL(il_wire_decode_frame(b.data, b.len, &m, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(m.action.method, "POST");
	CU_ASSERT_STRING_EQUAL(m.action.url_path, "/v1/refunds");
	CU_ASSERT_EQUAL(m.action.nheaders, 2);
	CU_ASSERT_STRING_EQUAL(m.action.headers[1], "X-A: b");
	CU_ASSERT_EQUAL(m.action.body_len, 17);
	CU_ASSERT_EQUAL(m.action.port, 443);
	CU_ASSERT(m.action.url_visible);
	il_wire_message_free(&m);
	il_wire_buf_free(&b);

	il_action d = { .kind = IL_KIND_DELETE, .path = "/etc/passwd", .del_op = IL_DEL_RENAME_OVER,
	                .rename_from = "/tmp/x", .is_dir = false };
	CU_ASSERT_EQUAL_FATAL(il_wire_encode_decide(&b, &d), 0);
	CU_ASSERT_EQUAL_FATAL(il_wire_decode_frame(b.data, b.len, &m, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(m.action.path, "/etc/passwd");
	CU_ASSERT_EQUAL(m.action.del_op, IL_DEL_RENAME_OVER);
	CU_ASSERT_STRING_EQUAL(m.action.rename_from, "/tmp/x");
	CU_ASSERT_EQUAL(m.action.body_len, -1);
	il_wire_message_free(&m);
	il_wire_buf_free(&b);

	il_action c = { .kind = IL_KIND_CONNECT, .addr = "10.0.0.1", .port = 5432, .udp = true };
	CU_ASSERT_EQUAL_FATAL(il_wire_encode_decide(&b, &c), 0);
	CU_ASSERT_EQUAL_FATAL(il_wire_decode_frame(b.data, b.len, &m, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(m.action.addr, "10.0.0.1");
	CU_ASSERT(m.action.udp);
	CU_ASSERT_PTR_NULL(m.action.host);
	il_wire_message_free(&m);
	il_wire_buf_free(&b);
}

static void test_roundtrip_verdict_pending(void)
{
	il_wire_buf b = { 0 };
	CU_ASSERT_EQUAL_FATAL(il_wire_encode_verdict(&b, IL_WIRE_ALLOW, "r-1", "rule", "why",
	                                             "msg", "banner"), 0);
	il_wire_message m;
	CU_ASSERT_EQUAL_FATAL(il_wire_decode_frame(b.data, b.len, &m, err, sizeof err), 0);
	CU_ASSERT_EQUAL(m.type, IL_MSG_VERDICT);
	CU_ASSERT(m.has_decision);
	CU_ASSERT_EQUAL(m.decision, IL_WIRE_ALLOW);
	CU_ASSERT_STRING_EQUAL(m.request_id, "r-1");
	CU_ASSERT_STRING_EQUAL(m.rule_id, "rule");
	CU_ASSERT_STRING_EQUAL(m.reason, "why");
	CU_ASSERT_STRING_EQUAL(m.message, "msg");
	CU_ASSERT_STRING_EQUAL(m.banner, "banner");
	il_wire_message_free(&m);
	il_wire_buf_free(&b);

	CU_ASSERT_EQUAL_FATAL(il_wire_encode_pending(&b, "r-2", 1234567890123LL), 0);
	CU_ASSERT_EQUAL_FATAL(il_wire_decode_frame(b.data, b.len, &m, err, sizeof err), 0);
	CU_ASSERT_EQUAL(m.type, IL_MSG_PENDING);
	CU_ASSERT(m.has_deadline);
	CU_ASSERT_EQUAL(m.deadline_ms, 1234567890123LL);
	il_wire_message_free(&m);
	il_wire_buf_free(&b);

	/* Optional strings are omitted, not sent empty. */
	CU_ASSERT_EQUAL_FATAL(il_wire_encode_verdict(&b, IL_WIRE_DENY, NULL, NULL, NULL, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(il_wire_decode_frame(b.data, b.len, &m, err, sizeof err), 0);
	CU_ASSERT_EQUAL(m.decision, IL_WIRE_DENY);
	CU_ASSERT_PTR_NULL(m.request_id);
	il_wire_message_free(&m);
	il_wire_buf_free(&b);
}

static void test_resume(void)
{
	il_wire_buf b = { 0 };
	il_wire_begin(&b, IL_MSG_RESUME);
	il_wire_put_str(&b, IL_T_REQUEST_ID, "r-abcdef");
	CU_ASSERT_EQUAL_FATAL(il_wire_end(&b), 0);
	il_wire_message m;
	CU_ASSERT_EQUAL_FATAL(il_wire_decode_frame(b.data, b.len, &m, err, sizeof err), 0);
	CU_ASSERT_EQUAL(m.type, IL_MSG_RESUME);
	CU_ASSERT_STRING_EQUAL(m.request_id, "r-abcdef");
	il_wire_message_free(&m);
	il_wire_buf_free(&b);

	il_wire_begin(&b, IL_MSG_RESUME);
	CU_ASSERT_EQUAL_FATAL(il_wire_end(&b), 0);
	CU_ASSERT_EQUAL(il_wire_decode_frame(b.data, b.len, &m, err, sizeof err), -1);
	il_wire_buf_free(&b);
}

/* Decoding must fail (and report a reason). */
static void expect_reject(const uint8_t *buf, size_t len, const char *needle)
{
	il_wire_message m;
	err[0] = '\0';
	int rc = il_wire_decode_frame(buf, len, &m, err, sizeof err);
	CU_ASSERT_EQUAL(rc, -1);
	if (rc == 0)
		il_wire_message_free(&m);
	CU_ASSERT(err[0] != '\0');
	if (needle && !strstr(err, needle)) {
		fprintf(stderr, "error '%s' lacks '%s'\n", err, needle);
		CU_FAIL("unexpected error text");
	}
}

static void test_bad_header(void)
{
	il_wire_buf b = { 0 };
	encode_exec(&b);
	il_wire_hdr h;
	memcpy(&h, b.data, sizeof h);

	il_wire_hdr x = h;
	x.magic ^= 1;
	memcpy(b.data, &x, sizeof x);
	expect_reject(b.data, b.len, "magic");

	x = h;
	x.version = 2;
	memcpy(b.data, &x, sizeof x);
	expect_reject(b.data, b.len, "version");

	x = h;
	x.type = 9;
	memcpy(b.data, &x, sizeof x);
	expect_reject(b.data, b.len, "message type");

	x = h;
	x.len = IL_WIRE_MAX_PAYLOAD + 1;
	memcpy(b.data, &x, sizeof x);
	expect_reject(b.data, b.len, "exceeds");
	il_wire_hdr chk;
	CU_ASSERT_EQUAL(il_wire_check_header(&x, &chk, err, sizeof err), -1);

	x = h;
	x.reserved = 1;
	memcpy(b.data, &x, sizeof x);
	expect_reject(b.data, b.len, "reserved");

	x = h;
	x.len = h.len + 4;   /* claims more than given */
	memcpy(b.data, &x, sizeof x);
	expect_reject(b.data, b.len, NULL);

	memcpy(b.data, &h, sizeof h);
	expect_reject(b.data, 10, "short");
	il_wire_buf_free(&b);
}

/* A DECIDE frame with a custom tail of raw fields. */
static il_wire_buf exec_with(void (*extra)(il_wire_buf *))
{
	il_wire_buf b = { 0 };
	il_wire_begin(&b, IL_MSG_DECIDE);
	il_wire_put_u32(&b, IL_T_KIND, IL_KIND_EXEC);
	il_wire_put_str(&b, IL_T_PROGRAM, "/bin/true");
	extra(&b);
	il_wire_end(&b);
	return b;
}

static void x_nothing(il_wire_buf *b) { (void)b; }
static void x_short_int(il_wire_buf *b) { uint16_t v = 1; il_wire_put_bytes(b, IL_T_PID, &v, 2); }
static void x_long_i64(il_wire_buf *b) { uint32_t v = 1; il_wire_put_bytes(b, IL_T_BODY_LEN, &v, 4); }
static void x_nul(il_wire_buf *b) { il_wire_put_bytes(b, IL_T_ARGV, "a\0b", 3); }
static void x_dup(il_wire_buf *b) { il_wire_put_str(b, IL_T_PROGRAM, "/bin/false"); }
static void x_unknown(il_wire_buf *b) { il_wire_put_str(b, (il_wire_tag)999, "whatever"); }
/* Append raw bytes (for hand-made, invalid fields). */
static void append_raw(il_wire_buf *b, const void *v, size_t n)
{
	if (b->len + n > b->cap) {
		b->data = realloc(b->data, b->len + n);
		b->cap = b->len + n;
	}
	memcpy(b->data + b->len, v, n);
	b->len += n;
}
static void x_flags(il_wire_buf *b)
{
	il_wire_field f = { .tag = IL_T_CWD, .flags = 1, .len = 1 };
	append_raw(b, &f, sizeof f);
	append_raw(b, "/", 1);
}
static void x_overrun(il_wire_buf *b)
{
	il_wire_field f = { .tag = IL_T_CWD, .flags = 0, .len = 1000 };
	append_raw(b, &f, sizeof f);
	append_raw(b, "/ab", 3);
}
static void x_trailing(il_wire_buf *b) { append_raw(b, "abc", 3); }
static void x_bad_kind_val(il_wire_buf *b) { il_wire_put_u32(b, IL_T_DEL_OP, 7); }
static void x_bad_bool(il_wire_buf *b) { il_wire_put_u32(b, IL_T_IS_DIR, 2); }
static void x_bad_port(il_wire_buf *b) { il_wire_put_u32(b, IL_T_PORT, 70000); }
static void x_too_many_argv(il_wire_buf *b)
{
	for (unsigned i = 0; i <= IL_WIRE_MAX_ARGV; i++)
		il_wire_put_bytes(b, IL_T_ARGV, "", 0);
}
static void x_too_many_headers(il_wire_buf *b)
{
	for (unsigned i = 0; i <= IL_WIRE_MAX_HEADERS; i++)
		il_wire_put_str(b, IL_T_HEADER, "A: b");
}
static void x_big_field(il_wire_buf *b)
{
	char *big = calloc(1, IL_WIRE_MAX_FIELD + 1);
	memset(big, 'a', IL_WIRE_MAX_FIELD + 1);
	il_wire_put_bytes(b, IL_T_CWD, big, IL_WIRE_MAX_FIELD + 1);
	free(big);
}

static void check_tail(void (*extra)(il_wire_buf *), const char *needle)
{
	il_wire_buf b = exec_with(extra);
	CU_ASSERT_FALSE_FATAL(b.failed);
	/* frames built with a hand-made tail need their length fixed up */
	uint32_t l = (uint32_t)(b.len - IL_WIRE_HDR_SIZE);
	memcpy(b.data + 8, &l, 4);
	expect_reject(b.data, b.len, needle);
	il_wire_buf_free(&b);
}

static void test_bad_fields(void)
{
	check_tail(x_short_int, "expected 4");
	check_tail(x_long_i64, "expected 8");
	check_tail(x_nul, "NUL");
	check_tail(x_dup, "repeated");
	check_tail(x_flags, "flags");
	check_tail(x_overrun, "overruns");
	check_tail(x_trailing, "truncated");
	check_tail(x_bad_kind_val, "delete operation");
	check_tail(x_bad_bool, "0 or 1");
	check_tail(x_bad_port, "port");
	check_tail(x_too_many_argv, "too many argv");
	check_tail(x_too_many_headers, "too many headers");
	check_tail(x_big_field, "exceeds");
}

static void test_unknown_tag_ignored(void)
{
	il_wire_buf b = exec_with(x_unknown);
	il_wire_message m;
	CU_ASSERT_EQUAL(il_wire_decode_frame(b.data, b.len, &m, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(m.action.program, "/bin/true");
	CU_ASSERT_EQUAL(m.action.argc, 0);
	il_wire_message_free(&m);
	il_wire_buf_free(&b);
	b = exec_with(x_nothing);
	CU_ASSERT_EQUAL(il_wire_decode_frame(b.data, b.len, &m, err, sizeof err), 0);
	il_wire_message_free(&m);
	il_wire_buf_free(&b);
}

static void test_missing_required(void)
{
	il_wire_buf b = { 0 };
	il_wire_message m;
	/* no kind */
	il_wire_begin(&b, IL_MSG_DECIDE);
	il_wire_put_str(&b, IL_T_PROGRAM, "/bin/x");
	il_wire_end(&b);
	expect_reject(b.data, b.len, "kind");
	il_wire_buf_free(&b);
	/* unknown kind */
	il_wire_begin(&b, IL_MSG_DECIDE);
	il_wire_put_u32(&b, IL_T_KIND, 77);
	il_wire_end(&b);
	expect_reject(b.data, b.len, "kind");
	il_wire_buf_free(&b);
	/* exec without program */
	il_wire_begin(&b, IL_MSG_DECIDE);
	il_wire_put_u32(&b, IL_T_KIND, IL_KIND_EXEC);
	il_wire_put_str(&b, IL_T_ARGV, "ls");
	il_wire_end(&b);
	expect_reject(b.data, b.len, "program");
	il_wire_buf_free(&b);
	/* delete without path */
	il_wire_begin(&b, IL_MSG_DECIDE);
	il_wire_put_u32(&b, IL_T_KIND, IL_KIND_DELETE);
	il_wire_end(&b);
	expect_reject(b.data, b.len, "path");
	il_wire_buf_free(&b);
	/* http without method */
	il_wire_begin(&b, IL_MSG_DECIDE);
	il_wire_put_u32(&b, IL_T_KIND, IL_KIND_HTTP);
	il_wire_put_str(&b, IL_T_URL, "http://x/");
	il_wire_end(&b);
	expect_reject(b.data, b.len, "method");
	il_wire_buf_free(&b);
	/* verdict without decision */
	il_wire_begin(&b, IL_MSG_VERDICT);
	il_wire_put_str(&b, IL_T_REQUEST_ID, "r-1");
	il_wire_end(&b);
	expect_reject(b.data, b.len, "decision");
	il_wire_buf_free(&b);
	(void)m;
}

static void test_encoder_limits(void)
{
	il_wire_buf b = { 0 };
	il_wire_begin(&b, IL_MSG_DECIDE);
	char *big = malloc(IL_WIRE_MAX_FIELD);
	memset(big, 'x', IL_WIRE_MAX_FIELD);
	il_wire_put_bytes(&b, IL_T_CWD, big, IL_WIRE_MAX_FIELD);
	il_wire_put_bytes(&b, IL_T_PATH, big, IL_WIRE_MAX_FIELD);
	free(big);
	CU_ASSERT_EQUAL(il_wire_end(&b), -1);   /* > IL_WIRE_MAX_PAYLOAD */
	il_wire_buf_free(&b);
}

static CU_TestInfo wire_tests[] = {
	{ "round trip: exec", test_roundtrip_exec },
	{ "round trip: http, delete, connect", test_roundtrip_http_delete_connect },
	{ "round trip: verdict and pending", test_roundtrip_verdict_pending },
	{ "resume needs a request id", test_resume },
	{ "bad header: magic, version, type, length, reserved", test_bad_header },
	{ "bad fields: sizes, NUL, repeats, overruns, counts", test_bad_fields },
	{ "unknown tags are skipped", test_unknown_tag_ignored },
	{ "missing required fields", test_missing_required },
	{ "encoder refuses oversize payloads", test_encoder_limits },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "wire", NULL, NULL, NULL, NULL, wire_tests },
	CU_SUITE_INFO_NULL,
};

IL_UNIT_MAIN(suites)
