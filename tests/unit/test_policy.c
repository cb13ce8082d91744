/*
 * test_policy.c — the rules engine: matching for every action kind,
 * precedence and aggregation, variables and exclusions, fail-closed
 * handling of unknown facts, strict validation with exact positions,
 * multi-file loading, the permission check and the policy version.
 */
#include "cidr.h"
#include "policy.h"
#include "rules_test.h"
#include "unit.h"
#include "util.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOME "/home/u"
#define WS "/home/u/ws"

static il_policy *load_str(const char *toml, il_errors *errs)
{
	il_policy_opts o = { .home = HOME, .workspace = WS };
	return il_policy_load_buffer("t.toml", toml, strlen(toml), &o, errs);
}

/* Load, failing the test with the messages when it does not load. */
static il_policy *must_load(const char *toml)
{
	il_errors e = { 0 };
	il_policy *p = load_str(toml, &e);
	for (size_t i = 0; i < e.len; i++)
		fprintf(stderr, "unexpected: %s\n", e.msgs[i]);
	il_errors_free(&e);
	CU_ASSERT_PTR_NOT_NULL(p);
	return p;
}

static il_verdict V;

static il_decision decide_exec(const il_policy *p, const char *program, const char *cwd, size_t argc,
                               const char *const *argv)
{
	il_action a = { .kind = IL_KIND_EXEC, .program = program, .argv = argv, .argc = argc, .cwd = cwd };
	il_policy_decide(p, &a, &V);
	return V.decision;
}

#define EXEC(p, cwd, ...)                                                                    \
	decide_exec(p, NULL, cwd, IL_ARRAY_LEN(((const char *[]){ __VA_ARGS__ })),           \
	            (const char *const *)(const char *[]){ __VA_ARGS__ })
#define EXECP(p, prog, cwd, ...)                                                             \
	decide_exec(p, prog, cwd, IL_ARRAY_LEN(((const char *[]){ __VA_ARGS__ })),           \
	            (const char *const *)(const char *[]){ __VA_ARGS__ })

static il_decision decide_delete(const il_policy *p, const char *path, bool dir, il_delete_op op)
{
	il_action a = { .kind = IL_KIND_DELETE, .path = path, .is_dir = dir, .del_op = op, .cwd = WS };
	il_policy_decide(p, &a, &V);
	return V.decision;
}

static il_decision decide_connect(const il_policy *p, const char *host, const char *addr,
                                  unsigned port, bool udp)
{
	il_action a = { .kind = IL_KIND_CONNECT, .host = host, .addr = addr, .port = port, .udp = udp,
		        .cwd = WS };
	il_policy_decide(p, &a, &V);
	return V.decision;
}

static il_decision decide_http(const il_policy *p, const char *method, const char *url,
                               const char *const *headers, size_t nh, int64_t body)
{
	il_owned_action o;
	memset(&o, 0, sizeof(o));
	char err[128];
	CU_ASSERT_EQUAL_FATAL(il_owned_action_set_url(&o, url, err, sizeof(err)), 0);
	o.a.kind = IL_KIND_HTTP;
	o.a.method = method;
	o.a.headers = headers;
	o.a.nheaders = nh;
	o.a.body_len = body;
	o.a.cwd = WS;
	il_policy_decide(p, &o.a, &V);
	il_owned_action_free(&o);
	return V.decision;
}

static bool matched(const char *id)
{
	for (size_t i = 0; i < V.nmatched; i++)
		if (strcmp(V.matched[i].rule->id, id) == 0)
			return true;
	return false;
}

static const char *why(const char *id)
{
	for (size_t i = 0; i < V.nmatched; i++)
		if (strcmp(V.matched[i].rule->id, id) == 0)
			return V.matched[i].why;
	return "";
}

/* --- exec ----------------------------------------------------------------- */

static void test_exec_program(void)
{
	il_policy *p = must_load(
		"version = 1\n"
		"[[rule]]\nid = \"base\"\nkind = \"exec\"\nprogram = [\"rm\"]\ndecision = \"deny\"\n"
		"[[rule]]\nid = \"abs\"\nkind = \"exec\"\nprogram = \"/opt/*/bin/tool\"\ndecision = \"approve\"\n"
		"[[rule]]\nid = \"glob\"\nkind = \"exec\"\nprogram = [\"python3*\"]\nprogram_not = [\"python3-config\"]\ndecision = \"approve\"\n"
		"[[rule]]\nid = \"rx\"\nkind = \"exec\"\nprogram_regex = \"^/usr/local/.*/danger$\"\ndecision = \"approve\"\n");
	CU_ASSERT_EQUAL(EXECP(p, "/usr/bin/rm", WS, "rm", "x"), IL_DENY);
	CU_ASSERT_PTR_NOT_NULL(strstr(why("base"), "program \"rm\""));
	/* argv[0] basename and the resolved path both count */
	CU_ASSERT_EQUAL(EXECP(p, "/usr/bin/coreutils", WS, "rm", "x"), IL_DENY);
	CU_ASSERT_EQUAL(EXECP(p, "/bin/rm", WS, "del", "x"), IL_DENY);
	CU_ASSERT_EQUAL(EXECP(p, "/usr/bin/rmdir", WS, "rmdir", "x"), IL_ALLOW);
	CU_ASSERT_EQUAL(EXECP(p, "/opt/acme/bin/tool", WS, "tool"), IL_APPROVE);
	CU_ASSERT_EQUAL(EXECP(p, "/usr/bin/tool", WS, "tool"), IL_ALLOW);
	CU_ASSERT_EQUAL(EXECP(p, "/usr/bin/python3.11", WS, "python3.11", "-c", "1"), IL_APPROVE);
	CU_ASSERT_EQUAL(EXECP(p, "/usr/bin/python3-config", WS, "python3-config"), IL_ALLOW);
	CU_ASSERT_EQUAL(EXECP(p, "/usr/local/x/danger", WS, "danger"), IL_APPROVE);
	CU_ASSERT_TRUE(matched("rx"));
	CU_ASSERT_EQUAL(EXECP(p, "/usr/bin/danger", WS, "danger"), IL_ALLOW);
	/* no resolved program: argv[0] stands in */
	CU_ASSERT_EQUAL(EXECP(p, NULL, WS, "/usr/bin/rm", "x"), IL_DENY);
	il_policy_free(p);
}

static void test_exec_args(void)
{
	il_policy *p = must_load(
		"version = 1\n"
		"[[rule]]\nid = \"any\"\nkind = \"exec\"\nprogram = \"a\"\nargs = { any = [\"-r*\", \"--recursive\"] }\ndecision = \"approve\"\n"
		"[[rule]]\nid = \"all\"\nkind = \"exec\"\nprogram = \"b\"\nargs = { all = [\"push\", \"--force\"] }\ndecision = \"approve\"\n"
		"[[rule]]\nid = \"none\"\nkind = \"exec\"\nprogram = \"c\"\nargs = { none = [\"--dry-run\"] }\ndecision = \"approve\"\n"
		"[[rule]]\nid = \"prefix\"\nkind = \"exec\"\nprogram = \"d\"\nargs = { prefix = [\"s3\", \"r?\"] }\ndecision = \"approve\"\n"
		"[[rule]]\nid = \"seq\"\nkind = \"exec\"\nprogram = \"e\"\nargs = { sequence = [\"-m\", \"twine\"] }\ndecision = \"approve\"\n"
		"[[rule]]\nid = \"rx\"\nkind = \"exec\"\nprogram = \"f\"\nargs = { regex = \"(?i)^drop \" }\ndecision = \"approve\"\n"
		"[[rule]]\nid = \"except\"\nkind = \"exec\"\nprogram = \"g\"\nargs = { any = [\"/*\"], any_except = [\"${WORKSPACE}/**\"] }\ndecision = \"approve\"\n"
		"[[rule]]\nid = \"cmd\"\nkind = \"exec\"\nprogram = \"sh\"\ncommand_regex = \"curl[^|]*[|] *sh\"\ndecision = \"approve\"\n"
		"[[rule]]\nid = \"cmdglob\"\nkind = \"exec\"\nprogram = \"h\"\ncommand = \"h * --yes*\"\ndecision = \"approve\"\n");
	CU_ASSERT_EQUAL(EXEC(p, WS, "a", "-rf", "x"), IL_APPROVE);
	CU_ASSERT_PTR_NOT_NULL(strstr(why("any"), "args.any \"-rf\" ~ \"-r*\""));
	CU_ASSERT_EQUAL(EXEC(p, WS, "a", "-f", "x"), IL_ALLOW);
	CU_ASSERT_EQUAL(EXEC(p, WS, "a"), IL_ALLOW);
	/* argv[0] is not an argument */
	CU_ASSERT_EQUAL(EXEC(p, WS, "b", "push", "--force"), IL_APPROVE);
	CU_ASSERT_EQUAL(EXEC(p, WS, "b", "--force", "x", "push"), IL_APPROVE);
	CU_ASSERT_EQUAL(EXEC(p, WS, "b", "push", "--force-with-lease"), IL_ALLOW);
	CU_ASSERT_EQUAL(EXEC(p, WS, "c", "deploy"), IL_APPROVE);
	CU_ASSERT_EQUAL(EXEC(p, WS, "c", "deploy", "--dry-run"), IL_ALLOW);
	CU_ASSERT_EQUAL(EXEC(p, WS, "d", "s3", "rb", "x"), IL_APPROVE);
	CU_ASSERT_EQUAL(EXEC(p, WS, "d", "s3", "rmx"), IL_ALLOW);
	CU_ASSERT_EQUAL(EXEC(p, WS, "d", "x", "s3", "rm"), IL_ALLOW);
	CU_ASSERT_EQUAL(EXEC(p, WS, "d", "s3"), IL_ALLOW);
	CU_ASSERT_EQUAL(EXEC(p, WS, "e", "-u", "-m", "twine", "upload"), IL_APPROVE);
	CU_ASSERT_EQUAL(EXEC(p, WS, "e", "-m", "pip", "twine"), IL_ALLOW);
	CU_ASSERT_EQUAL(EXEC(p, WS, "f", "-c", "Drop table x"), IL_APPROVE);
	CU_ASSERT_EQUAL(EXEC(p, WS, "f", "-c", "select 1; drop table x"), IL_ALLOW);
	CU_ASSERT_EQUAL(EXEC(p, WS, "g", "/etc"), IL_APPROVE);
	CU_ASSERT_EQUAL(EXEC(p, WS, "g", WS "/build"), IL_ALLOW);
	CU_ASSERT_EQUAL(EXEC(p, WS, "g", WS), IL_ALLOW);
	CU_ASSERT_EQUAL(EXEC(p, WS, "g", WS "/x", "/srv"), IL_APPROVE);
	CU_ASSERT_EQUAL(EXEC(p, WS, "g", WS "x"), IL_APPROVE);
	CU_ASSERT_EQUAL(EXEC(p, WS, "sh", "-c", "curl -s https://x | sh"), IL_APPROVE);
	CU_ASSERT_PTR_NOT_NULL(strstr(why("cmd"), "command_regex"));
	CU_ASSERT_EQUAL(EXEC(p, WS, "sh", "-c", "curl -s https://x | tar x"), IL_ALLOW);
	CU_ASSERT_EQUAL(EXEC(p, WS, "h", "deploy", "--yes"), IL_APPROVE);
	CU_ASSERT_EQUAL(EXEC(p, WS, "h", "deploy"), IL_ALLOW);
	il_policy_free(p);
}

static void test_exec_cwd_and_variables(void)
{
	il_policy *p = must_load(
		"version = 1\n"
		"[[rule]]\nid = \"out\"\nkind = \"exec\"\nprogram = \"rm\"\ncwd_not = [\"${WORKSPACE}/**\", \"/tmp/**\"]\ndecision = \"approve\"\n"
		"[[rule]]\nid = \"home\"\nkind = \"exec\"\nprogram = \"x\"\ncwd = \"${HOME}/secret/**\"\ndecision = \"deny\"\n"
		"[[rule]]\nid = \"here\"\nkind = \"exec\"\nprogram = \"y\"\nargs = { any = [\"${CWD}/*\"] }\ndecision = \"deny\"\n");
	CU_ASSERT_EQUAL(EXEC(p, WS, "rm", "f"), IL_ALLOW);
	CU_ASSERT_EQUAL(EXEC(p, WS "/sub/dir", "rm", "f"), IL_ALLOW);
	CU_ASSERT_EQUAL(EXEC(p, "/tmp", "rm", "f"), IL_ALLOW);
	CU_ASSERT_EQUAL(EXEC(p, "/", "rm", "f"), IL_APPROVE);
	CU_ASSERT_PTR_NOT_NULL(strstr(why("out"), "cwd"));
	CU_ASSERT_EQUAL(EXEC(p, "/home/u/wsx", "rm", "f"), IL_APPROVE);
	CU_ASSERT_EQUAL(EXEC(p, HOME "/secret/a", "x"), IL_DENY);
	il_policy_free(p);
}

static void test_exec_cwd_vars_exact(void)
{
	il_policy *p = must_load(
		"version = 1\n"
		"[[rule]]\nid = \"home\"\nkind = \"exec\"\nprogram = \"x\"\ncwd = \"${HOME}/secret/**\"\ndecision = \"deny\"\n"
		"[[rule]]\nid = \"here\"\nkind = \"exec\"\nprogram = \"y\"\nargs = { any = [\"${CWD}/*\"] }\ndecision = \"deny\"\n");
	CU_ASSERT_EQUAL(EXEC(p, HOME "/secret", "x"), IL_DENY);
	CU_ASSERT_EQUAL(EXEC(p, HOME, "x"), IL_ALLOW);
	CU_ASSERT_EQUAL(EXEC(p, "/srv/app", "y", "/srv/app/data"), IL_DENY);
	CU_ASSERT_EQUAL(EXEC(p, "/srv/other", "y", "/srv/app/data"), IL_ALLOW);
	il_policy_free(p);
}

/* --- delete ---------------------------------------------------------------- */

static void test_delete(void)
{
	il_policy *p = must_load(
		"version = 1\n"
		"[[rule]]\nid = \"etc\"\nkind = \"delete\"\npath = [\"/etc/**\", \"${HOME}/.ssh/**\"]\npath_not = [\"/etc/tmp/**\"]\ndecision = \"deny\"\n"
		"[[rule]]\nid = \"gitdir\"\nkind = \"delete\"\npath = \"**/.git\"\ndir = true\ndecision = \"approve\"\n"
		"[[rule]]\nid = \"head\"\nkind = \"delete\"\npath = \"**/.git/HEAD\"\nop = [\"unlink\"]\ndecision = \"approve\"\n"
		"[[rule]]\nid = \"rx\"\nkind = \"delete\"\npath_regex = \"\\\\.(pem|key)$\"\ndecision = \"approve\"\nrisk = \"high\"\n");
	CU_ASSERT_EQUAL(decide_delete(p, "/etc/passwd", false, IL_DEL_UNLINK), IL_DENY);
	CU_ASSERT_EQUAL(decide_delete(p, "/etc", true, IL_DEL_RMDIR), IL_DENY);
	CU_ASSERT_EQUAL(decide_delete(p, "/etc/tmp/x", false, IL_DEL_UNLINK), IL_ALLOW);
	CU_ASSERT_EQUAL(decide_delete(p, HOME "/.ssh/id_rsa", false, IL_DEL_UNLINK), IL_DENY);
	CU_ASSERT_EQUAL(decide_delete(p, WS "/.git", true, IL_DEL_RMDIR), IL_APPROVE);
	CU_ASSERT_EQUAL(decide_delete(p, WS "/.git", false, IL_DEL_UNLINK), IL_ALLOW);
	CU_ASSERT_EQUAL(decide_delete(p, WS "/.git/HEAD", false, IL_DEL_UNLINK), IL_APPROVE);
	CU_ASSERT_EQUAL(decide_delete(p, WS "/.git/HEAD", false, IL_DEL_RENAME_OVER), IL_ALLOW);
	CU_ASSERT_EQUAL(decide_delete(p, WS "/certs/a.pem", false, IL_DEL_UNLINK), IL_APPROVE);
	CU_ASSERT_EQUAL(V.risk, IL_RISK_HIGH);
	CU_ASSERT_EQUAL(decide_delete(p, WS "/a.pem.txt", false, IL_DEL_UNLINK), IL_ALLOW);
	il_policy_free(p);
}

/* --- connect ---------------------------------------------------------------- */

static void test_connect(void)
{
	il_policy *p = must_load(
		"version = 1\n"
		"[[rule]]\nid = \"meta\"\nkind = \"connect\"\naddr = [\"169.254.169.254\", \"fd00:ec2::254\"]\ndecision = \"deny\"\n"
		"[[rule]]\nid = \"corp\"\nkind = \"connect\"\naddr = [\"10.0.0.0/8\", \"2001:db8::/32\"]\naddr_not = [\"10.1.0.0/16\"]\nport = [22, \"5432-5439\"]\ndecision = \"approve\"\n"
		"[[rule]]\nid = \"names\"\nkind = \"connect\"\nhost = [\"*.evil.example\"]\nhost_not = [\"ok.evil.example\"]\ndecision = \"deny\"\n"
		"[[rule]]\nid = \"dns\"\nkind = \"connect\"\nport = 53\nport_not = [54]\nprotocol = \"udp\"\ndecision = \"approve\"\n");
	CU_ASSERT_EQUAL(decide_connect(p, NULL, "169.254.169.254", 80, false), IL_DENY);
	CU_ASSERT_EQUAL(decide_connect(p, NULL, "::ffff:169.254.169.254", 80, false), IL_DENY);
	CU_ASSERT_EQUAL(decide_connect(p, NULL, "fd00:ec2::254", 80, false), IL_DENY);
	CU_ASSERT_EQUAL(decide_connect(p, NULL, "169.254.169.253", 80, false), IL_ALLOW);
	CU_ASSERT_EQUAL(decide_connect(p, "db", "10.2.3.4", 5433, false), IL_APPROVE);
	CU_ASSERT_EQUAL(decide_connect(p, "db", "10.2.3.4", 22, false), IL_APPROVE);
	CU_ASSERT_EQUAL(decide_connect(p, "db", "10.2.3.4", 5440, false), IL_ALLOW);
	CU_ASSERT_EQUAL(decide_connect(p, "db", "10.1.3.4", 22, false), IL_ALLOW);
	CU_ASSERT_EQUAL(decide_connect(p, NULL, "2001:db8:1::5", 22, false), IL_APPROVE);
	CU_ASSERT_EQUAL(decide_connect(p, NULL, "2001:db9::5", 22, false), IL_ALLOW);
	CU_ASSERT_EQUAL(decide_connect(p, "a.b.EVIL.example.", "1.2.3.4", 443, false), IL_DENY);
	CU_ASSERT_PTR_NOT_NULL(strstr(why("names"), "host \"a.b.evil.example\""));
	CU_ASSERT_EQUAL(decide_connect(p, "ok.evil.example", "1.2.3.4", 443, false), IL_ALLOW);
	CU_ASSERT_EQUAL(decide_connect(p, "evil.example", "1.2.3.4", 443, false), IL_ALLOW);
	CU_ASSERT_EQUAL(decide_connect(p, NULL, "8.8.8.8", 53, true), IL_APPROVE);
	CU_ASSERT_EQUAL(decide_connect(p, NULL, "8.8.8.8", 53, false), IL_ALLOW);
	il_policy_free(p);
}

static void test_cidr(void)
{
	il_cidr c;
	il_ip ip;
	char err[128];
	CU_ASSERT_EQUAL(il_cidr_parse("10.0.0.0/8", &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(il_ip_parse("10.255.1.1", &ip), 0);
	CU_ASSERT_TRUE(il_cidr_contains(&c, &ip));
	CU_ASSERT_EQUAL(il_ip_parse("11.0.0.1", &ip), 0);
	CU_ASSERT_FALSE(il_cidr_contains(&c, &ip));
	CU_ASSERT_EQUAL(il_cidr_parse("0.0.0.0/0", &c, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(il_cidr_contains(&c, &ip));
	CU_ASSERT_EQUAL(il_cidr_parse("2001:db8::/33", &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(il_ip_parse("[2001:db8:7fff::1]", &ip), 0);
	CU_ASSERT_TRUE(il_cidr_contains(&c, &ip));
	CU_ASSERT_EQUAL(il_ip_parse("2001:db8:8000::1", &ip), 0);
	CU_ASSERT_FALSE(il_cidr_contains(&c, &ip));
	CU_ASSERT_EQUAL(il_ip_parse("fe80::1%eth0", &ip), 0);
	CU_ASSERT_EQUAL(il_cidr_parse("::ffff:10.0.0.0/104", &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.ip.family, 4);
	CU_ASSERT_EQUAL(c.prefix, 8);
	CU_ASSERT_EQUAL(il_cidr_parse("10.0.0.1/8", &c, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "host bits"));
	CU_ASSERT_EQUAL(il_cidr_parse("10.0.0.0/33", &c, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(il_cidr_parse("10.0.0/8", &c, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(il_cidr_parse("::/129", &c, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(il_cidr_parse("10.0.0.0/x", &c, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(il_ip_parse("example.com", &ip), -1);
}

/* --- http -------------------------------------------------------------------- */

static void test_http(void)
{
	il_policy *p = must_load(
		"version = 1\n"
		"[[rule]]\nid = \"refunds\"\nkind = \"http\"\nmethod = \"POST\"\nurl = \"https://api.stripe.com/v1/refunds*\"\ndecision = \"approve\"\nrisk = \"critical\"\n"
		"[[rule]]\nid = \"charges\"\nkind = \"http\"\nhost = \"api.stripe.com\"\npath = \"/v1/charges/**\"\nmethod = [\"POST\", \"DELETE\"]\nscheme = \"https\"\ndecision = \"approve\"\n"
		"[[rule]]\nid = \"idem\"\nkind = \"http\"\nhost = \"pay.example\"\nmethod = \"POST\"\nheaders = { absent = [\"Idempotency-Key\"] }\ndecision = \"deny\"\n"
		"[[rule]]\nid = \"json\"\nkind = \"http\"\nhost = \"up.example\"\nheaders = { match = [\"content-type: application/zip*\"] }\ndecision = \"approve\"\n"
		"[[rule]]\nid = \"big\"\nkind = \"http\"\nhost = \"up.example\"\nbody_larger_than = 1000\ndecision = \"approve\"\n"
		"[[rule]]\nid = \"dry\"\nkind = \"http\"\nhost = \"ops.example\"\nquery = { absent = [\"dry_run=true\"] }\ndecision = \"approve\"\n"
		"[[rule]]\nid = \"force\"\nkind = \"http\"\nhost = \"ops.example\"\nquery = { present = [\"force\"] }\ndecision = \"deny\"\n"
		"[[rule]]\nid = \"alt\"\nkind = \"http\"\nhost = \"alt.example\"\nport = 8443\nurl_regex = \"^https://alt[.]example:8443/a\"\ndecision = \"approve\"\n");
	CU_ASSERT_EQUAL(decide_http(p, "POST", "https://api.stripe.com/v1/refunds", NULL, 0, 10), IL_APPROVE);
	CU_ASSERT_EQUAL(V.risk, IL_RISK_CRITICAL);
	CU_ASSERT_EQUAL(decide_http(p, "post", "https://api.stripe.com/v1/refunds?expand=x", NULL, 0, 10), IL_APPROVE);
	/* canonical form defeats spelling tricks */
	CU_ASSERT_EQUAL(decide_http(p, "POST", "HTTPS://API.Stripe.com:443/v1//x/../refunds", NULL, 0, 10), IL_APPROVE);
	CU_ASSERT_EQUAL(decide_http(p, "POST", "https://api.stripe.com/v1/%72efunds", NULL, 0, 10), IL_APPROVE);
	CU_ASSERT_EQUAL(decide_http(p, "GET", "https://api.stripe.com/v1/refunds", NULL, 0, 10), IL_ALLOW);
	CU_ASSERT_EQUAL(decide_http(p, "POST", "https://api.stripe.com:8443/v1/refunds", NULL, 0, 10), IL_ALLOW);
	CU_ASSERT_EQUAL(decide_http(p, "DELETE", "https://api.stripe.com/v1/charges/ch_1", NULL, 0, 0), IL_APPROVE);
	CU_ASSERT_EQUAL(decide_http(p, "DELETE", "http://api.stripe.com/v1/charges/ch_1", NULL, 0, 0), IL_ALLOW);
	const char *h1[] = { "Idempotency-Key: abc" };
	CU_ASSERT_EQUAL(decide_http(p, "POST", "https://pay.example/x", h1, 1, 10), IL_ALLOW);
	CU_ASSERT_EQUAL(decide_http(p, "POST", "https://pay.example/x", NULL, 0, 10), IL_DENY);
	const char *h2[] = { "Content-Type:  Application/ZIP " };
	CU_ASSERT_EQUAL(decide_http(p, "PUT", "https://up.example/f", h2, 1, 10), IL_APPROVE);
	CU_ASSERT_TRUE(matched("json"));
	CU_ASSERT_EQUAL(decide_http(p, "PUT", "https://up.example/f", NULL, 0, 1000), IL_ALLOW);
	CU_ASSERT_EQUAL(decide_http(p, "PUT", "https://up.example/f", NULL, 0, 1001), IL_APPROVE);
	CU_ASSERT_TRUE(matched("big"));
	/* unknown body length: approve rule matches (fail closed) */
	CU_ASSERT_EQUAL(decide_http(p, "PUT", "https://up.example/f", NULL, 0, -1), IL_APPROVE);
	CU_ASSERT_EQUAL(decide_http(p, "POST", "https://ops.example/deploy?dry_run=true", NULL, 0, 0), IL_ALLOW);
	CU_ASSERT_EQUAL(decide_http(p, "POST", "https://ops.example/deploy?dry_run=false", NULL, 0, 0), IL_APPROVE);
	CU_ASSERT_EQUAL(decide_http(p, "POST", "https://ops.example/deploy", NULL, 0, 0), IL_APPROVE);
	CU_ASSERT_EQUAL(decide_http(p, "POST", "https://ops.example/deploy?a=1&force=1&dry_run=true", NULL, 0, 0), IL_DENY);
	CU_ASSERT_EQUAL(decide_http(p, "GET", "https://alt.example:8443/a/b", NULL, 0, 0), IL_APPROVE);
	CU_ASSERT_EQUAL(decide_http(p, "GET", "https://alt.example/a/b", NULL, 0, 0), IL_ALLOW);
	il_policy_free(p);
}

/* An opaque TLS request: conditions on the request line are unknown. */
static void test_http_unknown_fails_closed(void)
{
	il_policy *p = must_load(
		"version = 1\n[defaults]\ndecision = \"deny\"\n"
		"[[rule]]\nid = \"gate\"\nkind = \"http\"\nhost = \"api.x\"\nmethod = \"POST\"\ndecision = \"approve\"\n"
		"[[rule]]\nid = \"ok\"\nkind = \"http\"\nhost = \"api.x\"\nmethod = \"GET\"\ndecision = \"allow\"\n");
	il_action a = { .kind = IL_KIND_HTTP, .host = "api.x", .port = 443, .scheme = "https",
		        .body_len = -1, .url_visible = false };
	il_policy_decide(p, &a, &V);
	CU_ASSERT_EQUAL(V.decision, IL_APPROVE);
	CU_ASSERT_TRUE(matched("gate"));
	CU_ASSERT_FALSE(matched("ok"));
	CU_ASSERT_PTR_NOT_NULL(strstr(why("gate"), "unknown"));
	/* a malformed action never allows */
	il_action none = { .kind = IL_KIND_NONE };
	il_policy_decide(p, &none, &V);
	CU_ASSERT_EQUAL(V.decision, IL_DENY);
	il_policy_free(p);
}

/* --- precedence and aggregation ---------------------------------------------- */

static void test_precedence(void)
{
	il_policy *p = must_load(
		"version = 1\n[defaults]\ndecision = \"approve\"\ntimeout = \"7m\"\napprovers = [\"oncall\"]\n"
		"[[rule]]\nid = \"a-allow\"\nkind = \"exec\"\nprogram = \"t\"\ndecision = \"allow\"\nrisk = \"critical\"\n"
		"[[rule]]\nid = \"b-approve-low\"\nkind = \"exec\"\nprogram = \"t\"\nargs = { any = [\"x\"] }\ndecision = \"approve\"\nrisk = \"low\"\ntimeout = \"10m\"\napprovals = 1\napprovers = [\"team\"]\nescalate = [{ after = \"8m\", to = \"lead\" }]\n"
		"[[rule]]\nid = \"c-approve-high\"\nkind = \"exec\"\nprogram = \"t\"\nargs = { any = [\"x\"] }\ndecision = \"approve\"\nrisk = \"high\"\ntimeout = \"3m\"\napprovals = 2\napprovers = [\"oncall\", \"team\"]\nescalate = [{ after = \"1m\", to = \"oncall2\" }]\n"
		"[[rule]]\nid = \"d-deny-medium\"\nkind = \"exec\"\nprogram = \"t\"\nargs = { any = [\"y\"] }\ndecision = \"deny\"\n"
		"[[rule]]\nid = \"e-deny-medium\"\nkind = \"exec\"\nprogram = \"t\"\nargs = { any = [\"y\"] }\ndecision = \"deny\"\nbreak_glass = true\n"
		"[[rule]]\nid = \"f-approve-nobg\"\nkind = \"exec\"\nprogram = \"u\"\ndecision = \"approve\"\nbreak_glass = false\n");
	/* a matching allow rule overrides the default */
	CU_ASSERT_EQUAL(EXEC(p, WS, "t"), IL_ALLOW);
	CU_ASSERT_STRING_EQUAL(V.primary->id, "a-allow");
	CU_ASSERT_EQUAL(V.timeout_ms, 0);
	/* approve beats allow; highest risk decides; timeout = min, approvals = max */
	CU_ASSERT_EQUAL(EXEC(p, WS, "t", "x"), IL_APPROVE);
	CU_ASSERT_STRING_EQUAL(V.primary->id, "c-approve-high");
	CU_ASSERT_EQUAL(V.risk, IL_RISK_HIGH);
	CU_ASSERT_EQUAL(V.nmatched, 3);
	CU_ASSERT_STRING_EQUAL(V.matched[0].rule->id, "a-allow");
	CU_ASSERT_STRING_EQUAL(V.matched[2].rule->id, "c-approve-high");
	CU_ASSERT_EQUAL(V.timeout_ms, 3 * 60000);
	CU_ASSERT_EQUAL(V.approvals, 2);
	CU_ASSERT_EQUAL(V.napprovers, 2);
	CU_ASSERT_EQUAL(V.nescalate, 2);
	CU_ASSERT_EQUAL(V.escalate[0].after_ms, 60000);
	CU_ASSERT_STRING_EQUAL(V.escalate[1].to, "lead");
	CU_ASSERT_TRUE(V.break_glass_ok);
	/* deny beats approve; equal risk: the first defined decides; deny rules
	 * refuse break-glass unless they say otherwise */
	CU_ASSERT_EQUAL(EXEC(p, WS, "t", "x", "y"), IL_DENY);
	CU_ASSERT_STRING_EQUAL(V.primary->id, "d-deny-medium");
	CU_ASSERT_EQUAL(V.nmatched, 5);
	CU_ASSERT_FALSE(V.break_glass_ok);
	CU_ASSERT_EQUAL(V.timeout_ms, 0);
	/* no rule: the default, with its timeout and approvers */
	CU_ASSERT_EQUAL(EXEC(p, WS, "zzz"), IL_APPROVE);
	CU_ASSERT_PTR_NULL(V.primary);
	CU_ASSERT_EQUAL(V.timeout_ms, 7 * 60000);
	CU_ASSERT_EQUAL(V.approvals, 1);
	CU_ASSERT_EQUAL_FATAL(V.napprovers, 1);
	CU_ASSERT_STRING_EQUAL(V.approvers[0], "oncall");
	CU_ASSERT_EQUAL(EXEC(p, WS, "u"), IL_APPROVE);
	CU_ASSERT_FALSE(V.break_glass_ok);
	CU_ASSERT_EQUAL(V.timeout_ms, 7 * 60000);   /* rule without timeout: the default */
	const il_rule *r = il_policy_find_rule(p, "d-deny-medium");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_FALSE(r->break_glass);
	CU_ASSERT_EQUAL(r->risk, IL_RISK_MEDIUM);
	CU_ASSERT_TRUE(il_policy_find_rule(p, "b-approve-low")->break_glass);
	CU_ASSERT_EQUAL(il_policy_default_decision(p), IL_APPROVE);
	CU_ASSERT_EQUAL(il_policy_default_timeout_ms(p), 7 * 60000);
	CU_ASSERT_EQUAL(il_policy_rule_count(p), 6);
	il_policy_free(p);
}

static void test_risk_tiebreak(void)
{
	il_policy *p = must_load(
		"version = 1\n"
		"[[rule]]\nid = \"low\"\nkind = \"delete\"\npath = \"/d/**\"\ndecision = \"deny\"\nrisk = \"low\"\n"
		"[[rule]]\nid = \"crit\"\nkind = \"delete\"\npath = \"/d/x/**\"\ndecision = \"deny\"\nrisk = \"critical\"\n"
		"[[rule]]\nid = \"med\"\nkind = \"delete\"\npath = \"/d/x/y\"\ndecision = \"deny\"\n");
	CU_ASSERT_EQUAL(decide_delete(p, "/d/x/y", false, IL_DEL_UNLINK), IL_DENY);
	CU_ASSERT_STRING_EQUAL(V.primary->id, "crit");
	CU_ASSERT_EQUAL(V.risk, IL_RISK_CRITICAL);
	CU_ASSERT_EQUAL(V.nmatched, 3);
	CU_ASSERT_EQUAL(decide_delete(p, "/d/z", false, IL_DEL_UNLINK), IL_DENY);
	CU_ASSERT_STRING_EQUAL(V.primary->id, "low");
	il_policy_free(p);
}

/* --- validation -------------------------------------------------------------- */

typedef struct {
	const char *toml;
	const char *want;        /* "LINE:COL: substring" */
} bad_case;

#define R "version = 1\n[[rule]]\nid = \"r\"\n"
static const bad_case bad[] = {
	{ "[[rule]]\nid = \"r\"\nkind = \"exec\"\ndecision = \"allow\"\n", "1:1: missing required top-level key 'version'" },
	{ "version = 2\n", "1:11: unsupported rules version 2" },
	{ "version = \"1\"\n", "1:11: 'version' must be an integer" },
	{ "version = 1\nrules = []\n", "2:9: unknown key 'rules'" },
	{ R "kind = \"exex\"\ndecision = \"deny\"\n", "4:8: 'kind': unknown value \"exex\"" },
	{ R "kind = \"exec\"\ndecision = \"maybe\"\n", "5:12: 'decision': unknown value \"maybe\"" },
	{ R "kind = \"exec\"\n", "2:1: rule r: missing required key 'decision'" },
	{ R "decision = \"deny\"\n", "2:1: rule r: missing required key 'kind'" },
	{ R "kind = \"exec\"\ndecision = \"deny\"\nprogam = \"rm\"\n", "6:10: unknown key 'progam' in [[rule]]" },
	{ R "kind = \"exec\"\ndecision = \"deny\"\npath = \"/x\"\n", "6:8: 'path' does not apply to kind = \"exec\"" },
	{ R "kind = \"delete\"\ndecision = \"deny\"\nprogram = \"rm\"\npath = \"/x\"\n", "6:11: 'program' does not apply to kind = \"delete\"" },
	{ R "kind = \"exec\"\ndecision = \"approve\"\ntimeout = \"5 minutes\"\n", "6:11: 'timeout': invalid duration \"5 minutes\"" },
	{ R "kind = \"exec\"\ndecision = \"approve\"\ntimeout = 300\n", "6:11: 'timeout' must be a string, not integer" },
	{ R "kind = \"exec\"\ndecision = \"deny\"\ntimeout = \"5m\"\n", "6:11: 'timeout' applies only to decision = \"approve\"" },
	{ R "kind = \"exec\"\ndecision = \"allow\"\nbreak_glass = true\n", "6:15: 'break_glass' does not apply to decision = \"allow\"" },
	{ R "kind = \"exec\"\ndecision = \"approve\"\napprovals = 0\n", "6:13: 'approvals' must be between 1 and 16" },
	{ R "kind = \"exec\"\ndecision = \"approve\"\nrisk = \"severe\"\n", "6:8: 'risk': unknown value \"severe\"" },
	{ R "kind = \"exec\"\ndecision = \"deny\"\nprogram = [\"rm\", 3]\n", "6:18: 'program' must be a string or an array of strings; item 2 is integer" },
	{ R "kind = \"exec\"\ndecision = \"deny\"\nprogram = []\n", "6:11: 'program' must not be an empty array" },
	{ R "kind = \"exec\"\ndecision = \"deny\"\nprogram = [\"r[m\"]\n", "6:12: 'program': invalid glob \"r[m\"" },
	{ R "kind = \"exec\"\ndecision = \"deny\"\nprogram_regex = \"a(b\"\n", "6:17: 'program_regex': invalid regular expression" },
	{ R "kind = \"exec\"\ndecision = \"deny\"\nargs = { anyy = [\"x\"] }\n", "6:17: unknown key 'anyy' in 'args'" },
	{ R "kind = \"exec\"\ndecision = \"deny\"\nargs = { any_except = [\"x\"] }\n", "6:23: 'any_except' needs 'any'" },
	{ R "kind = \"exec\"\ndecision = \"deny\"\nargs = [\"x\"]\n", "6:8: 'args' must be a table" },
	{ R "kind = \"exec\"\ndecision = \"deny\"\ncwd = \"${NOPE}/x\"\n", "6:7: 'cwd': unknown variable '${NOPE}'" },
	{ R "kind = \"exec\"\ndecision = \"deny\"\ncwd = \"/a/${CWD}\"\n", "6:7: 'cwd': ${CWD} may only begin a glob pattern" },
	{ R "kind = \"exec\"\ndecision = \"deny\"\ncwd = \"relative/**\"\n", "6:7: 'cwd': \"relative/**\" is neither absolute" },
	{ R "kind = \"connect\"\ndecision = \"deny\"\naddr = [\"10.0.0.1/8\"]\n", "6:9: 'addr': '10.0.0.1/8' has host bits set" },
	{ R "kind = \"connect\"\ndecision = \"deny\"\naddr = \"300.1.1.1\"\n", "6:8: 'addr': invalid IP address '300.1.1.1'" },
	{ R "kind = \"connect\"\ndecision = \"deny\"\nport = [70000]\n", "6:9: 'port': port 70000 out of range" },
	{ R "kind = \"connect\"\ndecision = \"deny\"\nport = \"90-80\"\n", "6:8: 'port': invalid port or range \"90-80\"" },
	{ R "kind = \"connect\"\ndecision = \"deny\"\nprotocol = \"sctp\"\n", "6:12: 'protocol': unknown value \"sctp\"" },
	{ R "kind = \"delete\"\ndecision = \"deny\"\n", "2:1: a delete rule needs 'path' or 'path_regex'" },
	{ R "kind = \"delete\"\ndecision = \"deny\"\npath = \"/x\"\nop = \"truncate\"\n", "7:6: 'op': unknown value \"truncate\"" },
	{ R "kind = \"delete\"\ndecision = \"deny\"\npath = \"/x\"\ndir = \"yes\"\n", "7:7: 'dir' must be a boolean" },
	{ R "kind = \"http\"\ndecision = \"deny\"\nquery = { has = [\"a\"] }\n", "6:17: unknown key 'has' in 'query'" },
	{ R "kind = \"http\"\ndecision = \"deny\"\nbody_larger_than = -1\n", "6:20: 'body_larger_than' must not be negative" },
	{ R "kind = \"exec\"\ndecision = \"approve\"\nescalate = [{ after = \"soon\", to = \"x\" }]\n", "6:23: 'after': invalid duration \"soon\"" },
	{ R "kind = \"exec\"\ndecision = \"approve\"\nescalate = [{ after = \"1m\" }]\n", "6:13: escalate step: missing required key 'to'" },
	{ R "kind = \"exec\"\ndecision = \"approve\"\ntimeout = \"1m\"\nescalate = [{ after = \"2m\", to = \"x\" }]\n", "7:23: escalation after \"2m\" never happens" },
	{ "version = 1\n[[rule]]\nid = \"bad id!\"\nkind = \"exec\"\ndecision = \"deny\"\n", "3:6: 'id': \"bad id!\" is not a valid rule id" },
	{ "version = 1\n[[rule]]\nid = \"a\"\nkind = \"exec\"\ndecision = \"deny\"\n[[rule]]\nid = \"a\"\nkind = \"exec\"\ndecision = \"deny\"\n", "7:6: duplicate rule id 'a' (first defined at t.toml:2)" },
	{ "version = 1\n[defaults]\ndecision = \"never\"\n", "3:12: 'decision': unknown value \"never\"" },
	{ "version = 1\n[defaults]\ntimeout = \"0s\"\n", "3:11: 'timeout': invalid duration \"0s\"" },
	{ "version = 1\n[defaults]\nescalate = []\n", "3:12: unknown key 'escalate' in [defaults]" },
	{ "version = 1\n[rule]\nid = \"x\"\n", "2:1: 'rule' must be an array of tables" },
	{ "version = 1\n[[test]]\naction = { kind = \"exec\" }\nexpect = \"allow\"\n", "3:10: exec test action: missing required key 'argv'" },
	{ "version = 1\n[[test]]\naction = { kind = \"exec\", argv = [\"x\"] }\nexpect = \"yes\"\n", "4:10: 'expect': unknown value \"yes\"" },
	{ "version = 1\n[[test]]\naction = { kind = \"exec\", argv = [\"x\"] }\nexpect = \"allow\"\nrule = \"nope\"\n", "2:1: test 'test at line 2': 'rule' names unknown rule id 'nope'" },
	{ "version = 1\n[[test]]\naction = { kind = \"http\", url = \"ftp://x/\" }\nexpect = \"allow\"\n", "3:33: 'url': URL \"ftp://x/\": scheme must be http or https" },
	{ "version = 1\n[[test]]\naction = { kind = \"delete\", path = \"/x\", argv = [\"a\"] }\nexpect = \"allow\"\n", "3:49: test action: 'argv' does not apply to kind = \"delete\"" },
	{ "version = 1\nx = \n", "2:" },   /* a TOML syntax error keeps the parser's position */
};

static void test_validation_table(void)
{
	for (size_t i = 0; i < IL_ARRAY_LEN(bad); i++) {
		il_errors e = { 0 };
		il_policy *p = load_str(bad[i].toml, &e);
		CU_ASSERT_PTR_NULL(p);
		il_policy_free(p);
		char want[256];
		snprintf(want, sizeof(want), "t.toml:%s", bad[i].want);
		bool found = false;
		for (size_t k = 0; k < e.len && !found; k++)
			found = strncmp(e.msgs[k], want, strlen(want)) == 0 ||
			        (strstr(bad[i].want, ": ") == NULL && strncmp(e.msgs[k], want, strlen(want)) == 0);
		if (!found) {
			fprintf(stderr, "validation case %zu: want \"%s\", got:\n", i, want);
			for (size_t k = 0; k < e.len; k++)
				fprintf(stderr, "    %s\n", e.msgs[k]);
		}
		CU_ASSERT_TRUE(found);
		il_errors_free(&e);
	}
}

static void test_all_errors_collected(void)
{
	il_errors e = { 0 };
	il_policy *p = load_str("version = 1\n"
	                        "[[rule]]\nid = \"a\"\nkind = \"exec\"\ndecision = \"nope\"\n"
	                        "[[rule]]\nid = \"b\"\nkind = \"exec\"\ndecision = \"deny\"\nprogram = \"[\"\n"
	                        "[[rule]]\nid = \"c\"\nkind = \"wat\"\ndecision = \"deny\"\n",
	                        &e);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_EQUAL(e.len, 3);
	il_errors_free(&e);
}

/* --- files, permissions, version, tests ---------------------------------------- */

static char tmpdir[64];

static char *write_file(const char *name, const char *text, mode_t mode)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

static int files_init(void)
{
	strcpy(tmpdir, "/tmp/il-test-policy-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int files_clean(void)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

static const char doc_a[] = "version = 1\n[defaults]\ndecision = \"allow\"\ntimeout = \"9m\"\n"
                            "[[rule]]\nid = \"a\"\nkind = \"exec\"\nprogram = \"rm\"\ndecision = \"approve\"\n"
                            "[[test]]\naction = { kind = \"exec\", argv = [\"rm\", \"x\"] }\nexpect = \"approve\"\nrule = \"a\"\n";
static const char doc_b[] = "version = 1\n[defaults]\ndecision = \"approve\"\ntimeout = \"2m\"\n"
                            "[[rule]]\nid = \"b\"\nkind = \"delete\"\npath = \"${HOME}/**\"\ndecision = \"deny\"\n"
                            "[[test]]\nname = \"home\"\naction = { kind = \"delete\", path = \"${HOME}/f\" }\nexpect = \"deny\"\n"
                            "[[test]]\nname = \"wrong on purpose\"\naction = { kind = \"exec\", argv = [\"ls\"] }\nexpect = \"allow\"\n";

static void test_files_and_version(void)
{
	cleanup_free char *a = write_file("a.toml", doc_a, 0600);
	cleanup_free char *b = write_file("b.toml", doc_b, 0600);
	il_policy_opts o = { .home = HOME, .workspace = WS };
	il_errors e = { 0 };
	const char *both[] = { a, b };
	il_policy *p = il_policy_load(both, 2, &o, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	/* defaults across files: strictest decision, shortest timeout */
	CU_ASSERT_EQUAL(il_policy_default_decision(p), IL_APPROVE);
	CU_ASSERT_EQUAL(il_policy_default_timeout_ms(p), 2 * 60000);
	/* version = SHA-256 over both files' bytes in order */
	unsigned char md[32];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, doc_a, strlen(doc_a));
	EVP_DigestUpdate(ctx, doc_b, strlen(doc_b));
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	char hex[65];
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	CU_ASSERT_STRING_EQUAL(il_policy_version(p), hex);
	CU_ASSERT_EQUAL(strlen(il_policy_version(p)), 64);
	const il_rule *rb = il_policy_find_rule(p, "b");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rb);
	CU_ASSERT_STRING_EQUAL(rb->file, b);
	CU_ASSERT_EQUAL(rb->line, 5);
	/* the [[test]] tables of both files, run against the one policy */
	CU_ASSERT_EQUAL_FATAL(il_policy_test_count(p), 3);
	char msg[256];
	CU_ASSERT_TRUE(il_rule_test_run(p, il_policy_test(p, 0), &V, msg, sizeof(msg)));
	CU_ASSERT_TRUE(il_rule_test_run(p, il_policy_test(p, 1), &V, msg, sizeof(msg)));
	CU_ASSERT_FALSE(il_rule_test_run(p, il_policy_test(p, 2), &V, msg, sizeof(msg)));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "expected allow, got approve"));
	CU_ASSERT_STRING_EQUAL(il_policy_test(p, 2)->name, "wrong on purpose");
	il_policy_free(p);
	il_errors_free(&e);

	/* the same rule id in two files */
	cleanup_free char *c = write_file("c.toml", "version = 1\n[[rule]]\nid = \"a\"\nkind = \"exec\"\ndecision = \"deny\"\n", 0600);
	const char *dup[] = { a, c };
	p = il_policy_load(dup, 2, &o, &e);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_EQUAL_FATAL(e.len, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msgs[0], "duplicate rule id 'a' (first defined at"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msgs[0], "c.toml:3:6:"));
	il_errors_free(&e);
}

static void test_permissions(void)
{
	cleanup_free char *g = write_file("g.toml", doc_a, 0660);
	cleanup_free char *w = write_file("w.toml", doc_a, 0602);
	il_policy_opts o = { .home = HOME, .workspace = WS };
	il_errors e = { 0 };
	const char *saved = getenv("INTERLOCK_INSECURE_RULES");
	unsetenv("INTERLOCK_INSECURE_RULES");
	il_policy *p = il_policy_load((const char *[]){ g }, 1, &o, &e);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_EQUAL_FATAL(e.len, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msgs[0], "refusing rule file writable by its group"));
	il_errors_free(&e);
	p = il_policy_load((const char *[]){ w }, 1, &o, &e);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_PTR_NOT_NULL(e.len ? strstr(e.msgs[0], "writable by others") : NULL);
	il_errors_free(&e);
	o.allow_insecure_perms = true;
	p = il_policy_load((const char *[]){ g }, 1, &o, &e);
	CU_ASSERT_PTR_NOT_NULL(p);
	il_policy_free(p);
	o.allow_insecure_perms = false;
	setenv("INTERLOCK_INSECURE_RULES", "1", 1);
	p = il_policy_load((const char *[]){ w }, 1, &o, &e);
	CU_ASSERT_PTR_NOT_NULL(p);
	il_policy_free(p);
	if (saved)
		setenv("INTERLOCK_INSECURE_RULES", saved, 1);
	else
		unsetenv("INTERLOCK_INSECURE_RULES");
	/* missing file */
	p = il_policy_load((const char *[]){ "/nonexistent/r.toml" }, 1, &o, &e);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_PTR_NOT_NULL(e.len ? strstr(e.msgs[0], "cannot open rule file") : NULL);
	il_errors_free(&e);
}

static void test_names(void)
{
	CU_ASSERT_STRING_EQUAL(il_decision_name(IL_APPROVE), "approve");
	CU_ASSERT_STRING_EQUAL(il_risk_name(IL_RISK_CRITICAL), "critical");
	CU_ASSERT_STRING_EQUAL(il_risk_name(IL_RISK_NONE), "none");
}

static CU_TestInfo match_tests[] = {
	{ "exec: program basename, path, regex, exclusions", test_exec_program },
	{ "exec: args any/all/none/prefix/sequence/regex/except, command", test_exec_args },
	{ "exec: cwd, cwd_not and variables", test_exec_cwd_and_variables },
	{ "exec: ${HOME} and ${CWD}", test_exec_cwd_vars_exact },
	{ "delete: path, path_not, dir, op, regex", test_delete },
	{ "connect: CIDR v4/v6, names, ports, protocol", test_connect },
	{ "cidr parsing", test_cidr },
	{ "http: method, url canonical form, path, headers, query, body", test_http },
	{ "http: unknown facts fail closed", test_http_unknown_fails_closed },
	{ "precedence, aggregation, defaults, break-glass", test_precedence },
	{ "risk breaks ties", test_risk_tiebreak },
	{ "names", test_names },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo validation_tests[] = {
	{ "errors with exact positions", test_validation_table },
	{ "every error is collected", test_all_errors_collected },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo file_tests[] = {
	{ "multiple files, defaults, version, tests", test_files_and_version },
	{ "permission check and override", test_permissions },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "policy match", NULL, NULL, NULL, NULL, match_tests },
	{ "policy validation", NULL, NULL, NULL, NULL, validation_tests },
	{ "policy files", files_init, files_clean, NULL, NULL, file_tests },
	CU_SUITE_INFO_NULL,
};

IL_UNIT_MAIN(suites)
