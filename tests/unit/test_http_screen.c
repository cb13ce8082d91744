/*
 * test_http_screen.c — the HTTP screen (issue #6): the sidecar's per-rule
 * hints (il_policy_http_hints) and the shim's screen over them
 * (interceptor/shim_hints.c, compiled into this program with stubs for
 * the shim's configuration and its HINTS round trip).
 *
 * The property that matters is soundness: whenever the shim skips the
 * round trip for a request, the sidecar's own matcher, given the same
 * request, matches no rule (and the default allows it). It is checked over
 * every combination of a set of methods, hosts, paths, schemes, ports and
 * visibility, against several rule sets, with mixed case, trailing dots,
 * percent-encoding, dot segments and over-long parts. Fixed cases check
 * that the screen does skip what it should (so the property is not met
 * by a screen that never skips), and that malformed hints ask about all.
 */
#include "unit.h"

#include "hints_frame.h"
#include "policy.h"
#include "wire.h"

#include "shim_hints.c"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- stubs for the shim side -------------------------------------------- */

il_config il_cfg;
static unsigned char payload[64 * 1024];
static size_t payload_len;
static int fetch_fails;

int il_conn_cacheable(pid_t pid)
{
	(void)pid;
	return 1;
}

int il_hints_fetch(char *buf, size_t cap, size_t *len)
{
	if (fetch_fails || payload_len > cap)
		return -1;
	memcpy(buf, payload, payload_len);
	*len = payload_len;
	return 0;
}

/* Make the shim fetch and parse the current payload again. */
static void refetch(void)
{
	il_cfg.active = 1;
	il_cfg.broken = NULL;
	atomic_store(&il_hs_state, IL_HS_UNKNOWN);
	il_hints_prepare(1);
	CU_ASSERT_EQUAL(atomic_load(&il_hs_state), IL_HS_DONE);
}

/* Set the payload from an encoded frame (header dropped). */
static void set_frame(const il_wire_buf *b)
{
	CU_ASSERT_FATAL(!b->failed && b->len >= IL_WIRE_HDR_SIZE);
	payload_len = b->len - IL_WIRE_HDR_SIZE;
	CU_ASSERT_FATAL(payload_len <= sizeof payload);
	memcpy(payload, b->data + IL_WIRE_HDR_SIZE, payload_len);
}

/* What the sidecar sends for policy p (il_hints_frame, as send_hints in
 * sidecar/sidecar.c does). */
static void encode_policy(const il_policy *p)
{
	il_wire_buf b = { 0 };
	CU_ASSERT_EQUAL(il_hints_frame(&b, p, false), 0);
	set_frame(&b);
	il_wire_buf_free(&b);
	refetch();
}

static il_policy *load(const char *toml)
{
	il_errors e = { 0 };
	il_policy_opts o = { .home = "/home/u", .workspace = "/work" };
	il_policy *p = il_policy_load_buffer("t.toml", toml, strlen(toml), &o, &e);
	for (size_t i = 0; i < e.len; i++)
		fprintf(stderr, "unexpected: %s\n", e.msgs[i]);
	il_errors_free(&e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	return p;
}

/* ---- one request, as the shim describes it and as the sidecar sees it ---- */

typedef struct {
	const char *method, *host, *scheme, *path, *query;
	unsigned port;
	int visible;
} req_spec;

typedef struct {
	il_req r;
	il_action a;
	char url[8192];
} req_pair;

/* Build the shim's il_req the way interceptor/http_gate.c does (opaque:
 * no method, path or URL) and the il_action the sidecar decodes from it. */
static void build(const req_spec *s, req_pair *p)
{
	memset(p, 0, sizeof *p);
	p->r.kind = IL_KIND_HTTP;
	p->r.scheme = s->scheme;
	p->r.host = s->host;
	p->r.addr = "127.0.0.1";
	p->r.port = s->port;
	p->r.body_len = -1;
	p->r.url_visible = s->visible;
	if (s->visible) {
		p->r.method = s->method;
		p->r.url_path = s->path;
		p->r.query = s->query;
		unsigned dflt = strcmp(s->scheme, "https") == 0 ? 443u : 80u;
		char port[16] = "";
		if (s->port && s->port != dflt)
			snprintf(port, sizeof port, ":%u", s->port);
		snprintf(p->url, sizeof p->url, "%s://%s%s%s%s%s", s->scheme, s->host ? s->host : "", port,
		         s->path ? s->path : "", s->query ? "?" : "", s->query ? s->query : "");
		p->r.url = p->url;
	}
	p->a.kind = IL_KIND_HTTP;
	p->a.host = p->r.host;
	p->a.addr = p->r.addr;
	p->a.port = p->r.port;
	p->a.method = p->r.method;
	p->a.scheme = p->r.scheme;
	p->a.url = p->r.url;
	p->a.url_path = p->r.url_path;
	p->a.query = p->r.query;
	p->a.body_len = -1;
	p->a.url_visible = s->visible;
	p->a.cwd = "/work";
}

/* Does the screen skip s? (Checks soundness against the policy too.) */
static int skips(const il_policy *p, const req_spec *s)
{
	static req_pair rp;
	build(s, &rp);
	int skip = il_hints_skip_http(&rp.r);
	if (skip) {
		il_verdict v;
		il_policy_decide(p, &rp.a, &v);
		if (v.primary != NULL || v.decision != IL_ALLOW) {
			fprintf(stderr, "UNSOUND: skipped %s %s (host %s) but rule %s matches\n",
			        s->method ? s->method : "(opaque)", rp.url, s->host ? s->host : "(none)",
			        v.primary ? v.primary->id : "(default)");
			CU_FAIL("the screen skipped a request a rule matches");
		}
	}
	return skip;
}

/* ---- rule sets ------------------------------------------------------------ */

static const char BENCH[] =
	"version = 1\n[defaults]\ndecision = \"allow\"\n"
	"[[rule]]\nid = \"refunds\"\nkind = \"http\"\nmethod = [\"POST\"]\n"
	"url = [\"https://api.stripe.com/v1/refunds*\"]\ndecision = \"approve\"\n"
	"[[rule]]\nid = \"no-delete\"\nkind = \"http\"\nmethod = [\"DELETE\"]\n"
	"host = [\"prod.example.com\"]\ndecision = \"deny\"\n";

static const char *const SETS[] = {
	BENCH,
	/* wildcards, classes and escapes in hosts; a lower-case method glob */
	"version = 1\n[defaults]\ndecision = \"allow\"\n"
	"[[rule]]\nid = \"wild\"\nkind = \"http\"\nhost = [\"*.Stripe.COM\", \"api.[st]tripe.com\", \"pr\\\\od.example.com\"]\n"
	"decision = \"deny\"\n"
	"[[rule]]\nid = \"lower\"\nkind = \"http\"\nmethod = [\"p?t\", \"del*\"]\ndecision = \"deny\"\n",
	/* url shapes: port, prefix host, ** and no scheme text, an allow rule */
	"version = 1\n[defaults]\ndecision = \"allow\"\n"
	"[[rule]]\nid = \"port\"\nkind = \"http\"\nurl = [\"https://api.stripe.com:8443/**\"]\ndecision = \"deny\"\n"
	"[[rule]]\nid = \"prefix\"\nkind = \"http\"\nurl = [\"http://prod.exa*/v1/*\"]\ndecision = \"approve\"\n"
	"[[rule]]\nid = \"logged\"\nkind = \"http\"\nurl = [\"https://LocalHost/*\"]\ndecision = \"allow\"\n",
	/* a host rule with addr blocks (host OR addr), screened by its method */
	"version = 1\n[defaults]\ndecision = \"allow\"\n"
	"[[rule]]\nid = \"addr\"\nkind = \"http\"\nmethod = [\"PUT\"]\nhost = [\"nowhere.test\"]\naddr = [\"127.0.0.0/8\"]\n"
	"decision = \"deny\"\n"
	"[[rule]]\nid = \"two-urls\"\nkind = \"http\"\nurl = [\"https://api.stripe.com/*\", \"**/refunds\"]\n"
	"method = [\"PATCH\"]\ndecision = \"deny\"\n",
	/* method + path + headers + regex: only the method screens */
	"version = 1\n[defaults]\ndecision = \"allow\"\n"
	"[[rule]]\nid = \"post-refunds\"\nkind = \"http\"\nmethod = [\"POST\"]\npath = [\"/v1/refunds\"]\n"
	"url_regex = \"stripe\"\nheaders = { present = [\"x-live\"] }\ndecision = \"deny\"\n"
	"[[rule]]\nid = \"host-trailing\"\nkind = \"http\"\nhost = [\"prod.example.com\"]\ndecision = \"deny\"\n",
	/* url hosts the canonical URL never has, but a raw URL (when the
	 * canonical one cannot be built) or an IPv6 host may */
	"version = 1\n[defaults]\ndecision = \"allow\"\n"
	"[[rule]]\nid = \"dot\"\nkind = \"http\"\nurl = [\"https://api.stripe.com./**\"]\ndecision = \"deny\"\n"
	"[[rule]]\nid = \"v6\"\nkind = \"http\"\nurl = [\"https://fe80::1/**\"]\ndecision = \"deny\"\n"
	"[[rule]]\nid = \"any-get\"\nkind = \"http\"\nmethod = [\"GET\"]\ndecision = \"allow\"\n",
};

static char longhost[300], longpath[3600], hugepath[5000], hugequery[9000];

static void test_soundness(void)
{
	memset(longhost, 'a', sizeof longhost - 1);
	longhost[0] = 'p';
	longpath[0] = '/';
	memset(longpath + 1, 'r', sizeof longpath - 2);
	hugepath[0] = '/';
	memset(hugepath + 1, 'r', sizeof hugepath - 2);
	memset(hugequery, 'q', sizeof hugequery - 1);
	static const char *const methods[] = { "GET", "POST", "post", "pOsT", "DELETE", "delete",
		                               "PUT", "PATCH", "put" };
	const char *hosts[] = { "localhost", "LOCALHOST", "127.0.0.1", "api.stripe.com",
		                "API.STRIPE.COM", "api.stripe.com.", "api.stripe.com..",
		                "api.stripe.com.evil", "evil-api.stripe.com", "prod.example.com",
		                "PROD.Example.Com.", "prod.example.org", "[::1]", "::1", "fe80::1", "",
		                NULL, longhost, "a/b", "tripe.com" };
	const char *paths[] = { "/", "/v1/refunds", "/v1/%72efunds", "/v1/x/../refunds",
		                "//v1//refunds", "v1/refunds", "/v1/refunds/", "", longpath, hugepath };
	const char *queries[] = { NULL, "a=1", hugequery };
	static const char *const schemes[] = { "https", "http", "HTTPS", "ftp" };
	static const unsigned ports[] = { 443, 80, 8443 };
	size_t total = 0, skipped = 0;
	for (size_t si = 0; si < sizeof SETS / sizeof *SETS; si++) {
		il_policy *p = load(SETS[si]);
		encode_policy(p);
		CU_ASSERT_TRUE(il_hh_screen);
		for (size_t m = 0; m < sizeof methods / sizeof *methods; m++)
		for (size_t h = 0; h < sizeof hosts / sizeof *hosts; h++)
		for (size_t pa = 0; pa < sizeof paths / sizeof *paths; pa++)
		for (size_t q = 0; q < sizeof queries / sizeof *queries; q++)
		for (size_t sc = 0; sc < 4; sc++)
		for (size_t po = 0; po < 3; po++)
		for (int vis = 0; vis < 2; vis++) {
			if (!vis && (pa || q || m))
				continue;   /* opaque: no method, path or query */
			req_spec s = { methods[m], hosts[h], schemes[sc], paths[pa], queries[q],
				       ports[po], vis };
			total++;
			skipped += (size_t)skips(p, &s);
		}
		il_policy_free(p);
	}
	/* the property must not hold vacuously */
	CU_ASSERT_TRUE(skipped > total / 10);
	printf("\n  http screen: %zu requests, %zu skipped\n", total, skipped);
}

/* ---- fixed expectations --------------------------------------------------- */

static void test_bench_rules(void)
{
	il_policy *p = load(BENCH);
	il_http_hint *h = NULL;
	size_t n = 0;
	CU_ASSERT_EQUAL_FATAL(il_policy_http_hints(p, &h, &n), 1);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(h[0].nmethods, 1);
	CU_ASSERT_EQUAL(h[0].nhosts, 0);
	CU_ASSERT_EQUAL_FATAL(h[0].nurl_hosts, 1);
	CU_ASSERT_STRING_EQUAL(h[0].url_hosts[0], "api.stripe.com");
	CU_ASSERT_EQUAL_FATAL(h[1].nhosts, 1);
	CU_ASSERT_STRING_EQUAL(h[1].hosts[0], "prod.example.com");
	CU_ASSERT_STRING_EQUAL(h[1].methods[0], "DELETE");
	il_policy_http_hints_free(h, n);

	encode_policy(p);
	req_spec get = { "GET", "localhost", "https", "/bench/1", NULL, 4443, 1 };
	req_spec post = { "POST", "localhost", "https", "/bench/1", NULL, 4443, 1 };
	req_spec refund = { "POST", "API.Stripe.com.", "https", "/v1/refunds", NULL, 443, 1 };
	req_spec lower = { "post", "api.stripe.com", "https", "/v1/refunds", NULL, 443, 1 };
	req_spec del = { "delete", "PROD.EXAMPLE.COM", "https", "/x", NULL, 443, 1 };
	req_spec del_other = { "DELETE", "staging.example.com", "https", "/x", NULL, 443, 1 };
	req_spec opaque = { NULL, "localhost", "https", NULL, NULL, 443, 0 };
	req_spec opaque_prod = { NULL, "prod.example.com", "https", NULL, NULL, 443, 0 };
	CU_ASSERT_TRUE(skips(p, &get));
	CU_ASSERT_TRUE(skips(p, &post));
	CU_ASSERT_FALSE(skips(p, &refund));
	CU_ASSERT_FALSE(skips(p, &lower));
	CU_ASSERT_FALSE(skips(p, &del));
	CU_ASSERT_TRUE(skips(p, &del_other));
	/* opaque: the method is unknown, and the refunds rule names no host */
	CU_ASSERT_FALSE(skips(p, &opaque));
	CU_ASSERT_FALSE(skips(p, &opaque_prod));
	il_policy_free(p);

	/* a rule set whose every rule names a host: opaque traffic to another
	 * host skips the round trip too */
	p = load("version = 1\n[defaults]\ndecision = \"allow\"\n"
	         "[[rule]]\nid = \"h\"\nkind = \"http\"\nhost = [\"prod.example.com\"]\ndecision = \"deny\"\n");
	encode_policy(p);
	CU_ASSERT_TRUE(skips(p, &opaque));
	CU_ASSERT_FALSE(skips(p, &opaque_prod));
	il_policy_free(p);
}

static void test_no_screen(void)
{
	static const char *const unscreenable[] = {
		/* a non-allow default */
		"version = 1\n[defaults]\ndecision = \"approve\"\n"
		"[[rule]]\nid = \"a\"\nkind = \"http\"\nmethod = [\"POST\"]\ndecision = \"deny\"\n",
		/* only a regex, a path, headers: nothing screenable */
		"version = 1\n[defaults]\ndecision = \"allow\"\n"
		"[[rule]]\nid = \"a\"\nkind = \"http\"\nurl_regex = \"stripe\"\ndecision = \"deny\"\n",
		"version = 1\n[defaults]\ndecision = \"allow\"\n"
		"[[rule]]\nid = \"a\"\nkind = \"http\"\npath = [\"/v1/*\"]\ndecision = \"allow\"\n",
		"version = 1\n[defaults]\ndecision = \"allow\"\n"
		"[[rule]]\nid = \"a\"\nkind = \"http\"\nheaders = { present = [\"x\"] }\ndecision = \"deny\"\n",
		/* host OR addr, and no method */
		"version = 1\n[defaults]\ndecision = \"allow\"\n"
		"[[rule]]\nid = \"a\"\nkind = \"http\"\nhost = [\"x.test\"]\naddr = [\"10.0.0.0/8\"]\ndecision = \"deny\"\n",
		/* a url glob whose literal text has no "://" */
		"version = 1\n[defaults]\ndecision = \"allow\"\n"
		"[[rule]]\nid = \"a\"\nkind = \"http\"\nurl = [\"http*://*/v1/charges\"]\ndecision = \"deny\"\n",
	};
	for (size_t i = 0; i < sizeof unscreenable / sizeof *unscreenable; i++) {
		il_policy *p = load(unscreenable[i]);
		il_http_hint *h = NULL;
		size_t n = 0;
		CU_ASSERT_EQUAL(il_policy_http_hints(p, &h, &n), 0);
		CU_ASSERT_PTR_NULL(h);
		encode_policy(p);
		req_spec get = { "GET", "localhost", "https", "/", NULL, 443, 1 };
		CU_ASSERT_FALSE(skips(p, &get));
		il_policy_free(p);
	}
	/* no http rule at all: the old "HTTP free" flag, everything skips */
	il_policy *p = load("version = 1\n[defaults]\ndecision = \"allow\"\n"
	                    "[[rule]]\nid = \"x\"\nkind = \"exec\"\nprogram = [\"rm\"]\ndecision = \"deny\"\n");
	il_http_hint *h = NULL;
	size_t n = 7;
	CU_ASSERT_EQUAL(il_policy_http_hints(p, &h, &n), 1);
	CU_ASSERT_EQUAL(n, 0);
	encode_policy(p);
	req_spec get = { "GET", "localhost", "https", "/", NULL, 443, 1 };
	CU_ASSERT_TRUE(skips(p, &get));
	il_policy_free(p);
}

static void test_url_hosts(void)
{
	static const struct {
		const char *url, *host;   /* host NULL: the url implies none */
	} cases[] = {
		{ "https://api.stripe.com/v1/*", "api.stripe.com" },
		{ "https://api.stripe.com:8443/**", "api.stripe.com" },
		{ "https://api.exa*/x", "api.exa*" },
		{ "https://host", "host*" },
		{ "https://**", "*" },
		{ "**://api.stripe.com/*", NULL },
		{ "https\\://x.test/", NULL },
		{ "${CWD}/x://y/", NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char toml[512];
		snprintf(toml, sizeof toml,
		         "version = 1\n[defaults]\ndecision = \"allow\"\n[[rule]]\nid = \"u\"\nkind = \"http\"\n"
		         "method = [\"POST\"]\nurl = ['%s']\ndecision = \"deny\"\n", cases[i].url);
		il_policy *p = load(toml);
		il_http_hint *h = NULL;
		size_t n = 0;
		CU_ASSERT_EQUAL_FATAL(il_policy_http_hints(p, &h, &n), 1);
		CU_ASSERT_EQUAL_FATAL(n, 1);
		if (cases[i].host) {
			CU_ASSERT_EQUAL_FATAL(h[0].nurl_hosts, 1);
			CU_ASSERT_STRING_EQUAL(h[0].url_hosts[0], cases[i].host);
		} else {
			CU_ASSERT_EQUAL(h[0].nurl_hosts, 0);
		}
		il_policy_http_hints_free(h, n);
		il_policy_free(p);
	}
}

/* Start a hand-made HINTS payload that announces an HTTP screen. */
static void begin_screen(il_wire_buf *b)
{
	memset(b, 0, sizeof *b);
	il_wire_begin(b, IL_MSG_HINTS);
	il_wire_put_u32(b, IL_T_HINT_MODE, IL_HINT_ASK);
	il_wire_put_u32(b, IL_T_HINT_HTTP_SCREEN, 1);
}

/* End it and make the shim fetch it. */
static void load_screen(il_wire_buf *b)
{
	CU_ASSERT_EQUAL(il_wire_end(b), 0);
	set_frame(b);
	refetch();
	il_wire_buf_free(b);
}

/* Hand-made payloads: malformed or over-bound screens ask about all. */
static void test_malformed(void)
{
	req_spec get = { "GET", "localhost", "https", "/", NULL, 443, 1 };
	static req_pair rp;
	build(&get, &rp);
	il_wire_buf b;

	/* a well-formed screen whose only rule is ruled out: skips */
	begin_screen(&b);
	il_wire_put_u32(&b, IL_T_HINT_HTTP_RULE, 0);
	il_wire_put_str(&b, IL_T_HINT_HTTP_METHOD, "POST");
	load_screen(&b);
	CU_ASSERT_TRUE(il_hints_skip_http(&rp.r));

	/* a glob before any group */
	begin_screen(&b);
	il_wire_put_str(&b, IL_T_HINT_HTTP_METHOD, "POST");
	load_screen(&b);
	CU_ASSERT_FALSE(il_hints_skip_http(&rp.r));

	/* a group with no glob at all can never be ruled out */
	begin_screen(&b);
	il_wire_put_u32(&b, IL_T_HINT_HTTP_RULE, 0);
	il_wire_put_str(&b, IL_T_HINT_HTTP_METHOD, "POST");
	il_wire_put_u32(&b, IL_T_HINT_HTTP_RULE, 0);
	load_screen(&b);
	CU_ASSERT_FALSE(il_hints_skip_http(&rp.r));

	/* more groups than the bound */
	begin_screen(&b);
	for (unsigned i = 0; i <= IL_HINT_HTTP_MAX_RULES; i++) {
		il_wire_put_u32(&b, IL_T_HINT_HTTP_RULE, 0);
		il_wire_put_str(&b, IL_T_HINT_HTTP_METHOD, "POST");
	}
	load_screen(&b);
	CU_ASSERT_FALSE(il_hints_skip_http(&rp.r));

	/* a rule marker of the wrong size, a NUL inside a glob, a field
	 * running past the end: the whole payload counts for nothing */
	for (int bad = 0; bad < 3; bad++) {
		begin_screen(&b);
		if (bad == 0)
			il_wire_put_bytes(&b, IL_T_HINT_HTTP_RULE, "xy", 2);
		else
			il_wire_put_u32(&b, IL_T_HINT_HTTP_RULE, 0);
		if (bad == 1)
			il_wire_put_bytes(&b, IL_T_HINT_HTTP_METHOD, "PO\0ST", 5);
		else
			il_wire_put_str(&b, IL_T_HINT_HTTP_METHOD, "POST");
		CU_ASSERT_EQUAL(il_wire_end(&b), 0);
		set_frame(&b);
		if (bad == 2)
			payload_len -= 2;
		refetch();
		CU_ASSERT_FALSE(il_hints_skip_http(&rp.r));
		CU_ASSERT_FALSE(il_hh_screen);
		il_wire_buf_free(&b);
	}

	/* the sidecar unreachable */
	fetch_fails = 1;
	refetch();
	CU_ASSERT_FALSE(il_hints_skip_http(&rp.r));
	fetch_fails = 0;
}

static CU_TestInfo screen_tests[] = {
	{ "bench rules", test_bench_rules },
	{ "no sound screen", test_no_screen },
	{ "url globs imply hosts", test_url_hosts },
	{ "malformed hints", test_malformed },
	{ "soundness over many requests", test_soundness },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "http screen", NULL, NULL, NULL, NULL, screen_tests },
	CU_SUITE_INFO_NULL,
};

IL_UNIT_MAIN(suites)
