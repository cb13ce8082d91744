/*
 * test_glob.c — the rules engine's glob matcher: '*', '?', classes, '**'
 * with its directory semantics, case folding, ${CWD} prefixes, escapes and
 * compile errors. Table-driven.
 */
#include "glob.h"
#include "unit.h"
#include "util.h"

#include <string.h>

typedef struct {
	const char *pat;
	unsigned flags;
	const char *subject;
	const char *cwd;
	bool want;
} glob_case;

#define P IL_GLOB_PATH
#define I IL_GLOB_NOCASE

static const glob_case cases[] = {
	/* literals */
	{ "rm", 0, "rm", NULL, true },
	{ "rm", 0, "rmdir", NULL, false },
	{ "rm", 0, "", NULL, false },
	{ "", 0, "", NULL, true },
	{ "", 0, "x", NULL, false },
	/* single star */
	{ "-r*", 0, "-rf", NULL, true },
	{ "-r*", 0, "-r", NULL, true },
	{ "-r*", 0, "-f", NULL, false },
	{ "-*r*", 0, "-fr", NULL, true },
	{ "-*r*", 0, "--recursive", NULL, true },
	{ "*.pem", 0, "/home/a/key.pem", NULL, true },
	{ "*.pem", P, "/home/a/key.pem", NULL, false },
	{ "/etc/*", P, "/etc/passwd", NULL, true },
	{ "/etc/*", P, "/etc/ssh/sshd_config", NULL, false },
	{ "a*b*c", 0, "aXXbYYc", NULL, true },
	{ "a*b*c", 0, "aXXbYY", NULL, false },
	{ "*", P, "", NULL, true },
	{ "*", P, "a/b", NULL, false },
	{ "***", P, "a/b", NULL, true },
	/* question mark */
	{ "?", 0, "a", NULL, true },
	{ "?", 0, "", NULL, false },
	{ "a?c", P, "a/c", NULL, false },
	{ "a?c", 0, "a/c", NULL, true },
	/* classes */
	{ "[abc]", 0, "b", NULL, true },
	{ "[abc]", 0, "d", NULL, false },
	{ "[a-c]x", 0, "cx", NULL, true },
	{ "[!a-c]x", 0, "cx", NULL, false },
	{ "[^a-c]x", 0, "dx", NULL, true },
	{ "[]]", 0, "]", NULL, true },
	{ "[!-]*f*", 0, "-f", NULL, false },  /* first char must not be '-' */
	{ "-[!-]*", 0, "-uf", NULL, true },
	{ "-[!-]*", 0, "--force", NULL, false },
	{ "a[/]b", P, "a/b", NULL, false },
	{ "[A-Z]", I, "q", NULL, true },
	/* escapes */
	{ "\\*", 0, "*", NULL, true },
	{ "\\*", 0, "x", NULL, false },
	{ "a\\?", 0, "a?", NULL, true },
	/* double star, path mode */
	{ "/etc/**", P, "/etc/ssh/sshd_config", NULL, true },
	{ "/etc/**", P, "/etc", NULL, true },
	{ "/etc/**", P, "/etc/", NULL, true },
	{ "/etc/**", P, "/etcx", NULL, false },
	{ "/etc/**", P, "/usr/etc/x", NULL, false },
	{ "**/.git", P, ".git", NULL, true },
	{ "**/.git", P, "/home/a/p/.git", NULL, true },
	{ "**/.git", P, "/home/a/p/x.git", NULL, false },
	{ "**/.git/**", P, "/home/a/p/.git/HEAD", NULL, true },
	{ "**/.git/**", P, "/home/a/p/.git", NULL, true },
	{ "/a/**/b", P, "/a/b", NULL, true },
	{ "/a/**/b", P, "/a/x/y/b", NULL, true },
	{ "/a/**/b", P, "/a/xb", NULL, false },
	{ "/a/**/b", P, "/ab", NULL, false },
	{ "/a/**.log", P, "/a/x/y.log", NULL, true },
	{ "/home/*/.ssh/**", P, "/home/bob/.ssh/id_rsa", NULL, true },
	{ "/home/*/.ssh/**", P, "/home/bob/x/.ssh/id_rsa", NULL, false },
	/* case folding */
	{ "*.Example.com", I, "api.EXAMPLE.com", NULL, true },
	{ "post", I, "POST", NULL, true },
	{ "post", 0, "POST", NULL, false },
	/* ${CWD} */
	{ "${CWD}/**", P, "/w/p/build/x.o", "/w/p", true },
	{ "${CWD}/**", P, "/w/p", "/w/p", true },
	{ "${CWD}/**", P, "/w/px/y", "/w/p", false },
	{ "${CWD}/**", P, "/w/p/a", "/w/p/", true },
	{ "${CWD}/**", P, "/etc/passwd", "/", true },
	{ "${CWD}/**", P, "/w/p/a", NULL, false },
	{ "${CWD}/*.o", P, "/w/p/a.o", "/w/p", true },
	{ "${CWD}/*.o", P, "/w/p/d/a.o", "/w/p", false },
	/* pathological patterns stay fast (NFA, not backtracking) */
	{ "a*a*a*a*a*a*a*a*a*a*a*a*b", 0,
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL, false },
	{ "**a**a**a**a**a**a**a**a**b", P,
	  "a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a", NULL, false },
};

static void test_table(void)
{
	for (size_t i = 0; i < IL_ARRAY_LEN(cases); i++) {
		const glob_case *c = &cases[i];
		il_glob g;
		char err[128] = "";
		int rc = il_glob_compile(&g, c->pat, c->flags, err, sizeof(err));
		CU_ASSERT_EQUAL_FATAL(rc, 0);
		bool got = il_glob_match(&g, c->subject, c->cwd);
		if (got != c->want)
			fprintf(stderr, "glob case %zu: '%s' flags %u vs '%s' cwd %s: got %d want %d\n", i,
			        c->pat, c->flags, c->subject, c->cwd ? c->cwd : "(null)", got, c->want);
		CU_ASSERT_EQUAL(got, c->want);
		il_glob_free(&g);
	}
}

static void test_errors(void)
{
	static const struct { const char *pat; const char *msg; } bad[] = {
		{ "[abc", "unterminated" },
		{ "a[", "unterminated" },
		{ "x\\", "trailing" },
		{ "[z-a]", "invalid" },
	};
	for (size_t i = 0; i < IL_ARRAY_LEN(bad); i++) {
		il_glob g;
		char err[128] = "";
		CU_ASSERT_EQUAL(il_glob_compile(&g, bad[i].pat, 0, err, sizeof(err)), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].msg));
	}
	char big[IL_GLOB_MAX_TOKENS + 10];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	il_glob g;
	char err[128] = "";
	CU_ASSERT_EQUAL(il_glob_compile(&g, big, 0, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "longer"));
}

static void test_helpers(void)
{
	CU_ASSERT_TRUE(il_glob_has_magic("a*"));
	CU_ASSERT_TRUE(il_glob_has_magic("[x]"));
	CU_ASSERT_FALSE(il_glob_has_magic("/usr/bin/rm"));
	char out[64] = "pre:";
	CU_ASSERT_NOT_EQUAL(il_glob_escape("/h/a*b[1]", out, sizeof(out)), (size_t)-1);
	CU_ASSERT_STRING_EQUAL(out, "pre:/h/a\\*b\\[1\\]");
	char tiny[4] = "";
	CU_ASSERT_EQUAL(il_glob_escape("abcdef", tiny, sizeof(tiny)), (size_t)-1);
	/* an escaped home directory matches itself literally */
	il_glob g;
	char err[64];
	char pat[64] = "";
	il_glob_escape("/home/we*ird", pat, sizeof(pat));
	strcat(pat, "/**");
	CU_ASSERT_EQUAL_FATAL(il_glob_compile(&g, pat, IL_GLOB_PATH, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(il_glob_match(&g, "/home/we*ird/.ssh/id", NULL));
	CU_ASSERT_FALSE(il_glob_match(&g, "/home/weXird/.ssh/id", NULL));
	il_glob_free(&g);
}

static CU_TestInfo glob_tests[] = {
	{ "table", test_table },
	{ "compile errors", test_errors },
	{ "escape and magic", test_helpers },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "glob", NULL, NULL, NULL, NULL, glob_tests },
	CU_SUITE_INFO_NULL,
};

IL_UNIT_MAIN(suites)
