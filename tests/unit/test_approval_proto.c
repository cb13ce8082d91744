/*
 * test_approval_proto.c — the approval protocol's message layer: the
 * canonical string and HMAC (a known-answer vector shared with
 * docs/approval-protocol.md), verdict verification (valid, forged,
 * altered, replayed, cross-request, expired, malformed, oversize — each
 * rejected with the right message), the replay cache, and the
 * create-request body. Table-driven.
 */
#include "approval_proto.h"
#include "unit.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <string.h>

#define KEY "test-key-0123456789abcdef0123456789"
#define RID "r-0123456789ab"
#define NONCE "00112233445566778899aabbccddeeff"
#define T0 1700000000000LL

static il_verdict_msg base_msg(void)
{
	il_verdict_msg m;
	memset(&m, 0, sizeof m);
	m.request_id = RID;
	m.decision = IL_VERDICT_APPROVE;
	m.reviewers[0] = "bob";
	m.reviewers[1] = "alice";
	m.nreviewers = 2;
	m.reason = "looks fine: ticket OPS-1";
	snprintf(m.nonce, sizeof m.nonce, "%s", NONCE);
	m.issued_at_ms = T0;
	m.expires_at_ms = T0 + 120000;
	return m;
}

static char *signed_base(const char *key)
{
	il_verdict_msg m = base_msg();
	char err[256];
	char *j = il_verdict_sign_json(&m, (const unsigned char *)key, strlen(key), err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	return j;
}

/* Replace the first occurrence of `from` in s by `to` (new malloc'd string). */
static char *replace(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	size_t a = (size_t)(p - s), fl = strlen(from), tl = strlen(to);
	char *r = xmalloc(strlen(s) - fl + tl + 1);
	memcpy(r, s, a);
	memcpy(r + a, to, tl);
	strcpy(r + a + tl, p + fl);
	return r;
}

static void test_known_answer(void)
{
	il_verdict_msg m = base_msg();
	size_t n;
	cleanup_free char *c = il_verdict_canonical(&m, &n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(c, "interlock-verdict\n1:1\n14:r-0123456789ab\n7:approve\n1:2\n"
	                          "5:alice\n3:bob\n24:looks fine: ticket OPS-1\n13:1700000000000\n"
	                          "13:1700000120000\n32:00112233445566778899aabbccddeeff\n");
	CU_ASSERT_EQUAL(n, strlen(c));
	char hex[65];
	CU_ASSERT_EQUAL(il_verdict_mac_hex(&m, (const unsigned char *)KEY, strlen(KEY), hex), 0);
	CU_ASSERT_STRING_EQUAL(hex, "15a0222b9d17b194661ca6db9d933f8b2dd96645a998f13be55a6bbf8009958e");
	/* reviewer order does not change the signature */
	m.reviewers[0] = "alice";
	m.reviewers[1] = "bob";
	char hex2[65];
	CU_ASSERT_EQUAL(il_verdict_mac_hex(&m, (const unsigned char *)KEY, strlen(KEY), hex2), 0);
	CU_ASSERT_STRING_EQUAL(hex, hex2);
}

/* One verification case: the signed base verdict, edited, checked. */
typedef struct {
	const char *name;
	const char *from, *to;        /* text edit on the signed JSON (NULL: none) */
	const char *raw;              /* or this body instead */
	const char *expect_id;        /* NULL: RID */
	const char *sign_key;         /* NULL: KEY */
	int64_t now;                  /* 0: T0 + 1000 */
	const char *want;             /* NULL: accepted; else substring of err */
} vcase;

static const vcase vcases[] = {
	{ "valid", NULL, NULL, NULL, NULL, NULL, 0, NULL },
	{ "valid at issue time", NULL, NULL, NULL, NULL, NULL, T0, NULL },
	{ "valid with unknown extra field", "{", "{\"x-extra\":[1,2],", NULL, NULL, NULL, 0, NULL },
	{ "forged signature (other key)", NULL, NULL, NULL, NULL, "another-key-that-is-long-enough!!", 0,
	  "signature mismatch" },
	{ "altered decision", "\"approve\"", "\"deny\"", NULL, NULL, NULL, 0, "signature mismatch" },
	{ "altered reviewer", "\"alice\"", "\"mallory\"", NULL, NULL, NULL, 0, "signature mismatch" },
	{ "dropped reviewer", "\"bob\",", "", NULL, NULL, NULL, 0, "signature mismatch" },
	{ "altered reason", "ticket OPS-1", "ticket OPS-2", NULL, NULL, NULL, 0, "signature mismatch" },
	{ "altered request id", RID, "r-aaaaaaaaaaaa", NULL, "r-aaaaaaaaaaaa", NULL, 0, "signature mismatch" },
	{ "altered expiry", "1700000120000", "1700000999000", NULL, NULL, NULL, 0, "signature mismatch" },
	{ "altered nonce", NONCE, "ffffffffffffffffffffffffffffffff", NULL, NULL, NULL, 0, "signature mismatch" },
	{ "verdict for another request", NULL, NULL, NULL, "r-ffffffffffff", NULL, 0, "request_id mismatch" },
	{ "expired", NULL, NULL, NULL, NULL, NULL, T0 + 120000, "verdict expired" },
	{ "issued in the future", NULL, NULL, NULL, NULL, NULL, T0 - 10 * 60 * 1000, "future" },
	{ "missing signature", ",\"signature\":", ",\"sig\":", NULL, NULL, NULL, 0, "missing field 'signature'" },
	{ "empty signature", NULL, NULL,
	  "{\"version\":1,\"request_id\":\"" RID "\",\"decision\":\"approve\",\"reviewers\":[\"a\"],"
	  "\"reason\":\"\",\"issued_at\":1700000000000,\"expires_at\":1700000060000,"
	  "\"nonce\":\"" NONCE "\",\"signature\":\"\"}", NULL, NULL, 0, "field 'signature'" },
	{ "upper-case signature", NULL, NULL,
	  "{\"version\":1,\"request_id\":\"" RID "\",\"decision\":\"approve\",\"reviewers\":[\"a\"],"
	  "\"reason\":\"\",\"issued_at\":1700000000000,\"expires_at\":1700000060000,"
	  "\"nonce\":\"" NONCE "\",\"signature\":\"15A0222B9D17B194661CA6DB9D933F8B2DD96645A998F13BE55A6BBF8009958E\"}",
	  NULL, NULL, 0, "field 'signature'" },
	{ "unknown decision", "\"approve\"", "\"maybe\"", NULL, NULL, NULL, 0, "field 'decision': unknown value" },
	{ "decision wrong case", "\"approve\"", "\"APPROVE\"", NULL, NULL, NULL, 0, "unknown value" },
	{ "truncated JSON", NULL, NULL, "{\"version\":1,\"request_id\":\"" RID "\",\"decis", NULL, NULL, 0,
	  "not valid JSON" },
	{ "empty body", NULL, NULL, "", NULL, NULL, 0, "not valid JSON" },
	{ "not an object", NULL, NULL, "[1,2,3]", NULL, NULL, 0, "not a JSON object" },
	{ "trailing data", "}", "} {}", NULL, NULL, NULL, 0, "trailing data" },
	{ "duplicate decision field", "{", "{\"decision\":\"approve\",", NULL, NULL, NULL, 0,
	  "duplicate field 'decision'" },
	{ "version as string", "\"version\":1", "\"version\":\"1\"", NULL, NULL, NULL, 0,
	  "field 'version': expected an integer" },
	{ "unsupported version", "\"version\":1", "\"version\":2", NULL, NULL, NULL, 0, "unsupported protocol version" },
	{ "reviewers as string", "[\"bob\",\"alice\"]", "\"bob\"", NULL, NULL, NULL, 0,
	  "field 'reviewers': expected an array" },
	{ "reviewer as number", "\"bob\"", "7", NULL, NULL, NULL, 0, "field 'reviewers': expected an array" },
	{ "issued_at as string", "\"issued_at\":1700000000000", "\"issued_at\":\"1700000000000\"", NULL, NULL,
	  NULL, 0, "field 'issued_at': expected an integer" },
	{ "expires_at fractional", "\"expires_at\":1700000120000", "\"expires_at\":1700000120000.5", NULL,
	  NULL, NULL, 0, "field 'expires_at': expected an integer" },
	{ "negative issued_at", "\"issued_at\":1700000000000", "\"issued_at\":-1", NULL, NULL, NULL, 0,
	  "field 'issued_at'" },
	{ "reason as null", "\"reason\":\"looks fine: ticket OPS-1\"", "\"reason\":null", NULL, NULL, NULL, 0,
	  "field 'reason': expected a string" },
	{ "request id as number", "\"request_id\":\"" RID "\"", "\"request_id\":5", NULL, NULL, NULL, 0,
	  "field 'request_id': expected a string" },
	{ "bad nonce", NONCE, "short", NULL, NULL, NULL, 0, "field 'nonce'" },
	{ "nonce with slash", NONCE, "0011223344556677/8899aabbccddeeff", NULL, NULL, NULL, 0, "field 'nonce'" },
	{ "approve without reviewers", "[\"bob\",\"alice\"]", "[]", NULL, NULL, NULL, 0, "at least one reviewer" },
	{ "duplicate reviewer", "[\"bob\",\"alice\"]", "[\"bob\",\"bob\"]", NULL, NULL, NULL, 0, "duplicate reviewer" },
	{ "control char in reviewer", "\"bob\"", "\"b\\nob\"", NULL, NULL, NULL, 0, "control characters" },
	{ "too many reviewers", "[\"bob\",\"alice\"]",
	  "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\",\"l\",\"m\",\"n\",\"o\",\"p\",\"q\"]",
	  NULL, NULL, NULL, 0, "more than 16" },
	{ "lifetime over an hour", "\"expires_at\":1700000120000", "\"expires_at\":1700009000000", NULL, NULL,
	  NULL, 0, "lifetime longer" },
	{ "expires before issued", "\"expires_at\":1700000120000", "\"expires_at\":1699999999999", NULL, NULL,
	  NULL, 0, "not after issued_at" },
};

static void test_verify_table(void)
{
	for (size_t i = 0; i < IL_ARRAY_LEN(vcases); i++) {
		const vcase *c = &vcases[i];
		cleanup_free char *base = signed_base(c->sign_key ? c->sign_key : KEY);
		cleanup_free char *body = c->raw ? xstrdup(c->raw) :
		                          c->from ? replace(base, c->from, c->to) : xstrdup(base);
		il_verdict_msg m;
		char err[256] = "";
		int rc = il_verdict_parse_verify(body, strlen(body), c->expect_id ? c->expect_id : RID,
		                                 (const unsigned char *)KEY, strlen(KEY),
		                                 c->now ? c->now : T0 + 1000, &m, err, sizeof err);
		bool ok = c->want ? (rc == -1 && strstr(err, c->want) != NULL) : rc == 0;
		if (!ok)
			printf("\n  case '%s': rc=%d err='%s' (want %s)\n", c->name, rc, err,
			       c->want ? c->want : "accept");
		CU_ASSERT(ok);
		if (rc == 0) {
			CU_ASSERT_EQUAL(m.decision, IL_VERDICT_APPROVE);
			CU_ASSERT_EQUAL(m.nreviewers, 2);
			CU_ASSERT_STRING_EQUAL(m.reviewers[0], "bob");
			CU_ASSERT_STRING_EQUAL(m.reason, "looks fine: ticket OPS-1");
			CU_ASSERT_STRING_EQUAL(m.nonce, NONCE);
			CU_ASSERT_EQUAL(m.expires_at_ms, T0 + 120000);
		} else {
			CU_ASSERT_PTR_NULL(m.request_id);   /* zeroed on failure */
		}
		il_verdict_msg_free(&m);
	}
}

static void test_oversize(void)
{
	size_t n = IL_VERDICT_MAX_BODY + 1;
	cleanup_free char *body = xmalloc(n + 1);
	memset(body, ' ', n);
	body[0] = '{';
	body[n - 1] = '}';
	body[n] = '\0';
	il_verdict_msg m;
	char err[256];
	CU_ASSERT_EQUAL(il_verdict_parse_verify(body, n, RID, (const unsigned char *)KEY, strlen(KEY),
	                                        T0, &m, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "larger than 65536"));
	/* a long reason is refused by the signer and by the verifier */
	il_verdict_msg s = base_msg();
	cleanup_free char *longr = xmalloc(IL_VERDICT_MAX_STR + 2);
	memset(longr, 'x', IL_VERDICT_MAX_STR + 1);
	longr[IL_VERDICT_MAX_STR + 1] = '\0';
	s.reason = longr;
	CU_ASSERT_PTR_NULL(il_verdict_sign_json(&s, (const unsigned char *)KEY, strlen(KEY), err, sizeof err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "field 'reason'"));
	cleanup_free char *base = signed_base(KEY);
	cleanup_free char *body2 = xasprintf("{\"reason\":\"%s\",%s", longr, base + 1);
	CU_ASSERT_EQUAL(il_verdict_parse_verify(body2, strlen(body2), RID, (const unsigned char *)KEY,
	                                        strlen(KEY), T0, &m, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "duplicate field 'reason'"));
	cleanup_free char *body3 = replace(base, "looks fine: ticket OPS-1", longr);
	CU_ASSERT_EQUAL(il_verdict_parse_verify(body3, strlen(body3), RID, (const unsigned char *)KEY,
	                                        strlen(KEY), T0, &m, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "field 'reason': longer than 1024"));
}

static void test_replay(void)
{
	il_replay_cache *c = il_replay_cache_new(8);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	cleanup_free char *body = signed_base(KEY);
	il_verdict_msg m;
	char err[256];
	CU_ASSERT_EQUAL(il_verdict_accept(body, strlen(body), RID, (const unsigned char *)KEY, strlen(KEY),
	                                  T0 + 1, c, &m, err, sizeof err), 0);
	il_verdict_msg_free(&m);
	CU_ASSERT_EQUAL(il_verdict_accept(body, strlen(body), RID, (const unsigned char *)KEY, strlen(KEY),
	                                  T0 + 2, c, &m, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "nonce replayed"));
	CU_ASSERT_PTR_NULL(m.request_id);
	/* full of unexpired nonces: fail closed; after expiry slots free up */
	il_replay_cache *small = il_replay_cache_new(2);
	CU_ASSERT_EQUAL(il_replay_cache_check_add(small, "aaaaaaaaaaaaaaaa", T0 + 100, T0, err, sizeof err), 0);
	CU_ASSERT_EQUAL(il_replay_cache_check_add(small, "bbbbbbbbbbbbbbbb", T0 + 200, T0, err, sizeof err), 0);
	CU_ASSERT_EQUAL(il_replay_cache_check_add(small, "cccccccccccccccc", T0 + 300, T0, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "full"));
	CU_ASSERT_EQUAL(il_replay_cache_check_add(small, "cccccccccccccccc", T0 + 300, T0 + 150, err, sizeof err), 0);
	CU_ASSERT_EQUAL(il_replay_cache_check_add(small, "bbbbbbbbbbbbbbbb", T0 + 300, T0 + 150, err, sizeof err), -1);
	CU_ASSERT_EQUAL(il_replay_cache_check_add(small, "bad nonce!", T0 + 300, T0, err, sizeof err), -1);
	il_replay_cache_free(small);
	il_replay_cache_free(c);
}

static void test_sign_refuses(void)
{
	char err[256];
	il_verdict_msg m = base_msg();
	m.nreviewers = 0;
	CU_ASSERT_PTR_NULL(il_verdict_sign_json(&m, (const unsigned char *)KEY, strlen(KEY), err, sizeof err));
	m = base_msg();
	m.decision = IL_VERDICT_DENY;
	m.nreviewers = 0;   /* a deny by the deadline names nobody */
	cleanup_free char *j = il_verdict_sign_json(&m, (const unsigned char *)KEY, strlen(KEY), err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	il_verdict_msg out;
	CU_ASSERT_EQUAL(il_verdict_parse_verify(j, strlen(j), RID, (const unsigned char *)KEY, strlen(KEY),
	                                        T0 + 5, &out, err, sizeof err), 0);
	CU_ASSERT_EQUAL(out.decision, IL_VERDICT_DENY);
	CU_ASSERT_EQUAL(out.nreviewers, 0);
	il_verdict_msg_free(&out);
	m = base_msg();
	m.request_id = "r/../x";
	CU_ASSERT_PTR_NULL(il_verdict_sign_json(&m, (const unsigned char *)KEY, strlen(KEY), err, sizeof err));
	m = base_msg();
	CU_ASSERT_PTR_NULL(il_verdict_sign_json(&m, (const unsigned char *)"", 0, err, sizeof err));
	CU_ASSERT_FALSE(il_approval_id_valid(""));
	CU_ASSERT_TRUE(il_approval_id_valid("r-0123abcd"));
	char hex[33];
	CU_ASSERT_EQUAL(il_approval_random_hex(hex, sizeof hex, 16), 0);
	CU_ASSERT_EQUAL(strlen(hex), 32);
	CU_ASSERT_TRUE(il_verdict_nonce_valid(hex));
	CU_ASSERT_EQUAL(il_approval_random_hex(hex, sizeof hex, 17), -1);
}

static void test_request_json(void)
{
	const char *argv[] = { "rm", "-rf", "<script>alert(1)</script>", "bad\xff\xfe utf8" };
	const char *headers[] = { "Authorization: Bearer sk_live_123", "Content-Type: application/json" };
	il_action a = { .kind = IL_KIND_EXEC, .program = "/usr/bin/rm", .argv = argv, .argc = 4,
	                .cwd = "/srv", .pid = 42, .ppid = 1, .uid = 1000, .session = "s-1",
	                .agent_id = "claude", .headers = headers, .nheaders = 2 };
	char *approvers[] = { "oncall" };
	il_escalation esc[] = { { 300000, "payments-lead" } };
	il_rule r = { .id = "rm-recursive", .description = "recursive rm", .kind = IL_KIND_EXEC,
	              .decision = IL_APPROVE, .risk = IL_RISK_HIGH, .approvers = approvers,
	              .napprovers = 1, .approvals = 2, .escalate = esc, .nescalate = 1 };
	il_verdict v;
	memset(&v, 0, sizeof v);
	v.decision = IL_APPROVE;
	v.risk = IL_RISK_HIGH;
	v.primary = &r;
	v.matched[0].rule = &r;
	snprintf(v.matched[0].why, sizeof v.matched[0].why, "program 'rm' ~ \"rm\"");
	v.nmatched = 1;
	v.timeout_ms = 600000;
	v.approvals = 2;
	il_approval_ctx ctx = { .request_id = RID, .hostname = "build-1", .requester = "dev",
	                        .policy_version = "abc", .created_wall_ms = T0,
	                        .deadline_wall_ms = T0 + 600000 };
	cleanup_free char *j = il_approval_request_json(&a, &v, &ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	cJSON *o = cJSON_Parse(j);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(o, "version")->valueint, 1);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(o, "request_id")->valuestring, RID);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(o, "session")->valuestring, "s-1");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(o, "agent_id")->valuestring, "claude");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(o, "requester")->valuestring, "dev");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(o, "risk")->valuestring, "high");
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(o, "approvals_required")->valueint, 2);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(o, "deadline")->valuedouble, (double)(T0 + 600000));
	CU_ASSERT_STRING_EQUAL(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "approvers"), 0)->valuestring, "oncall");
	cJSON *e0 = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "escalation"), 0);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(e0, "after_ms")->valueint, 300000);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(e0, "to")->valuestring, "payments-lead");
	cJSON *r0 = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "rules"), 0);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(r0, "id")->valuestring, "rm-recursive");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(r0, "description")->valuestring, "recursive rm");
	cJSON *act = cJSON_GetObjectItem(o, "action");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(act, "kind")->valuestring, "exec");
	cJSON *av = cJSON_GetObjectItem(act, "argv");
	CU_ASSERT_EQUAL(cJSON_GetArraySize(av), 4);
	CU_ASSERT_STRING_EQUAL(cJSON_GetArrayItem(av, 2)->valuestring, "<script>alert(1)</script>");
	CU_ASSERT_STRING_EQUAL(cJSON_GetArrayItem(av, 3)->valuestring, "bad\xEF\xBF\xBD\xEF\xBF\xBD utf8");
	CU_ASSERT_TRUE(cJSON_IsTrue(cJSON_GetObjectItem(act, "lossy")));
	CU_ASSERT_TRUE(cJSON_IsFalse(cJSON_GetObjectItem(act, "truncated")));
	CU_ASSERT_PTR_NOT_NULL(strstr(cJSON_GetObjectItem(act, "summary")->valuestring,
	                              "rm -rf '<script>alert(1)</script>'"));
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(act, "cwd")->valuestring, "/srv");
	cJSON_Delete(o);

	/* http: sensitive header values never leave the machine */
	a = (il_action){ .kind = IL_KIND_HTTP, .method = "POST", .url = "https://api.stripe.com/v1/refunds",
	                 .host = "api.stripe.com", .port = 443, .headers = headers, .nheaders = 2,
	                 .body_len = -1 };
	cleanup_free char *h = il_approval_request_json(&a, &v, &ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_PTR_NULL(strstr(h, "sk_live_123"));
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "Authorization: [redacted]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "Content-Type: application/json"));
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "\"summary\":\"POST https://api.stripe.com/v1/refunds\""));

	/* incomplete context: no body */
	ctx.request_id = "bad id";
	CU_ASSERT_PTR_NULL(il_approval_request_json(&a, &v, &ctx));
	ctx.request_id = RID;
	ctx.deadline_wall_ms = ctx.created_wall_ms;
	CU_ASSERT_PTR_NULL(il_approval_request_json(&a, &v, &ctx));
}

static CU_TestInfo proto_tests[] = {
	{ "canonical string and HMAC known answer", test_known_answer },
	{ "verdict verification table", test_verify_table },
	{ "oversize body and fields", test_oversize },
	{ "replay cache", test_replay },
	{ "signer refuses invalid verdicts", test_sign_refuses },
	{ "create-request body", test_request_json },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "approval_proto", NULL, NULL, NULL, NULL, proto_tests },
	CU_SUITE_INFO_NULL,
};

IL_UNIT_MAIN(suites)
