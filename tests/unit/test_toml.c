/*
 * test_toml.c — unit tests of the TOML parser (sidecar/toml.h).
 *
 * Table-driven: malformed documents with the exact line, column and message
 * expected; positions recorded on values; the nesting and size limits;
 * integer range edges; and a handful of decoded values. The full language is
 * covered by the toml-test conformance run (tests/toml/run.sh).
 */
#include "toml.h"
#include "unit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static toml_value *parse(const char *s, toml_error *err)
{
	return toml_parse(s, strlen(s), err);
}

/* ---------------------------------------------------------------- errors */

static const struct {
	const char *doc;
	int line, col;
	const char *msg; /* exact message */
} error_cases[] = {
	{"a = 1\na = 2\n", 2, 1, "duplicate key 'a' (first defined at line 1)"},
	{"[t]\nx = 1\n\n[t]\n", 4, 2, "table 't' is already defined (at line 1)"},
	{"a = \"abc\n", 1, 9, "newline in a single-line string"},
	{"a = {x = 1}\n[a]\n", 2, 2, "cannot extend inline table 'a' (defined at line 1)"},
	{"x = [1, 2\n", 2, 1, "expected ',' or ']' in array but found end of file"},
	{"n = 9223372036854775808\n", 1, 5, "integer does not fit in 64 bits"},
	{"d = 2023-02-29\n", 1, 5, "date 2023-02-29 out of range"},
	{"s = \"\\q\"\n", 1, 6, "invalid escape sequence '\\q'"},
	{"# ok\nk = 'v' # bad \x01\n", 2, 15, "control character U+0001 in comment"},
	{"a = 1 b = 2\n", 1, 7, "expected end of line but found 'b'"},
	{"a.b = 1\na.b.c = 2\n", 2, 3, "key 'b' is already an integer (defined at line 1)"},
	{"[[a]]\n[a]\n", 2, 2, "'a' is already an array of tables (defined at line 1)"},
	{"t = {a = 1,}\n", 1, 12, "trailing comma in inline table"},
	{"k = \"\xc3\x28\"\n", 1, 6, "invalid UTF-8 sequence"},
	{"x = 01\n", 1, 5, "leading zeros are not allowed in numbers"},
	{"\xc3\xa9 = 1\n", 1, 1, "expected a key but found byte 0xC3"},
	{"a = [\n  1,\n  {b = 1\n}]\n", 3, 9, "newlines are not allowed in inline tables"},
	{"s = \"\\uD800\"\n", 1, 6, "escape \\uD800 is not a Unicode scalar value"},
	{"t = 24:00:00\n", 1, 5, "time 24:00:00 out of range"},
	{"a = [1]\n[[a]]\n", 2, 3, "key 'a' is already an array (defined at line 1)"},
	{"[a]\nb.c = 1\n[a.b]\n", 3, 4, "table 'b' is already defined (at line 2)"},
	{"x = 1\r\ny = 2\rz = 3\n", 2, 6, "control character U+000D"},
	{"action = approve\n", 1, 10, "invalid value 'approve' (strings must be quoted)"},
	{"[rule\nx = 1\n", 1, 6, "expected ']' to close the table header but found end of line"},
};

static void test_error_positions(void)
{
	for (size_t i = 0; i < N_ELEMS(error_cases); i++) {
		toml_error err;
		toml_value *v = parse(error_cases[i].doc, &err);
		CU_ASSERT_PTR_NULL(v);
		toml_free(v);
		if (err.line != error_cases[i].line || err.col != error_cases[i].col ||
		    strcmp(err.msg, error_cases[i].msg) != 0) {
			fprintf(stderr, "case %zu: got %d:%d '%s', want %d:%d '%s'\n", i, err.line,
				err.col, err.msg, error_cases[i].line, error_cases[i].col,
				error_cases[i].msg);
			CU_FAIL("error position or message");
		}
	}
}

/* Documents that must be refused (message not checked). */
static const char *const bad_docs[] = {
	"a = \"\\x41\"",           /* \x escapes are TOML 1.1 */
	"a = \"\\e\"",             /* so is \e */
	"a = '''x\x7f'''",         /* DEL in a literal string */
	"a = \"\"\"x\\ y\"\"\"",   /* backslash-space not at end of line */
	"a = 1_000_",               /* trailing underscore */
	"a = 1__0",                 /* double underscore */
	"a = _1",                   /* leading underscore */
	"a = 0x_1",                 /* underscore after prefix */
	"a = +0x1",                 /* sign on a prefixed integer */
	"a = 0X1",                  /* upper-case prefix */
	"a = 1.",                   /* no fraction digits */
	"a = .5",                   /* no integer part */
	"a = 1e",                   /* empty exponent */
	"a = 1.5e_3",               /* underscore before exponent digits */
	"a = infinity",
	"a = 1979-05-27T07:32",     /* seconds are required */
	"a = 1979-13-01",
	"a = 1979-05-27T07:32:00+24:00",
	"a = 1900-02-29",            /* not a leap year */
	"a = 10000-01-01",
	"a = {a = 1\n}",
	"a = {a.b = 1, a = 2}",
	"a = {b = {}, b.c = 1}",
	"[a]\n[a.b]\n[a]",
	"[[a]]\nb = 1\n[a.b]\nc = 1\n[a.b.c]",
	"\xef\xbb\xbf\xef\xbb\xbf a = 1", /* only one BOM, and only at the start */
	"a = \"\xed\xa0\x80\"",            /* encoded surrogate */
	"a = \"\xf4\x90\x80\x80\"",        /* above U+10FFFF */
	"a = \"\xe0\x80\xaf\"",            /* overlong */
	"a = \"\xe2\x82\"",                /* truncated */
	"a = tru",
	"a = true false",
	"= 1",
	"a.\"\"\"b\"\"\" = 1",
	"[a.]",
	"[[a]\nx = 1",
	"a = 1\nb",
	"a = \"\x00\"",
};

static void test_rejected(void)
{
	for (size_t i = 0; i < N_ELEMS(bad_docs); i++) {
		toml_error err;
		const char *d = bad_docs[i];
		size_t len = strlen(d);
		if (i == N_ELEMS(bad_docs) - 1)
			len = 7; /* the embedded NUL */
		toml_value *v = toml_parse(d, len, &err);
		if (v) {
			fprintf(stderr, "accepted bad document %zu: %s\n", i, d);
			CU_FAIL("bad document accepted");
			toml_free(v);
			continue;
		}
		CU_ASSERT(err.line >= 1 && err.col >= 1);
		CU_ASSERT(err.msg[0] != '\0');
	}
}

/* ------------------------------------------------------------- positions */

static void test_value_positions(void)
{
	const char *doc = "a = 1\n"
			  "[tbl]\n"
			  "  key = \"v\"\n"
			  "  arr = [1,\n"
			  "    2]\n"
			  "t = {\"\xc3\xa9\xc3\xa9\xc3\xa9\" = 1, z = 2}\n"
			  "[[aot]]\n";
	toml_error err;
	toml_value *root = parse(doc, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	const toml_value *a = toml_get(root, "a");
	CU_ASSERT(a && a->line == 1 && a->col == 5);
	const toml_value *tbl = toml_get(root, "tbl");
	CU_ASSERT(tbl && tbl->line == 2 && tbl->col == 1);
	const toml_value *key = toml_get(tbl, "key");
	CU_ASSERT(key && key->line == 3 && key->col == 9);
	const toml_value *arr = toml_get(tbl, "arr");
	CU_ASSERT_FATAL(arr && arr->type == TOML_ARRAY && arr->u.arr.len == 2);
	CU_ASSERT(arr->line == 4 && arr->col == 9);
	CU_ASSERT(arr->u.arr.items[1]->line == 5 && arr->u.arr.items[1]->col == 5);
	const toml_value *z = toml_get(toml_get(tbl, "t"), "z");
	CU_ASSERT(z && z->line == 6 && z->col == 21); /* columns count characters */
	const toml_value *aot = toml_get(root, "aot");
	CU_ASSERT(aot && aot->type == TOML_ARRAY && aot->line == 7 && aot->col == 1);
	toml_free(root);

	/* a BOM does not shift columns; CRLF counts as one line end */
	root = parse("\xef\xbb\xbf" "a = 1\r\nb = 2\r\n", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT(toml_get(root, "a")->col == 5);
	CU_ASSERT(toml_get(root, "b")->line == 2 && toml_get(root, "b")->col == 5);
	toml_free(root);
}

/* ---------------------------------------------------------------- limits */

static char *nested(const char *open, const char *close, int n, const char *prefix)
{
	size_t lo = strlen(open), lc = strlen(close), lp = strlen(prefix);
	char *s = malloc(lp + (size_t)n * (lo + lc) + 1);
	char *o = s;
	memcpy(o, prefix, lp);
	o += lp;
	for (int i = 0; i < n; i++, o += lo)
		memcpy(o, open, lo);
	for (int i = 0; i < n; i++, o += lc)
		memcpy(o, close, lc);
	*o = '\0';
	return s;
}

static void test_depth_limit(void)
{
	toml_error err;
	/* a sits at depth 1: 128 nested arrays fit, 129 do not */
	char *ok = nested("[", "]", TOML_MAX_DEPTH, "a = ");
	toml_value *v = parse(ok, &err);
	CU_ASSERT_PTR_NOT_NULL(v);
	toml_free(v);
	free(ok);
	char *deep = nested("[", "]", TOML_MAX_DEPTH + 1, "a = ");
	v = parse(deep, &err);
	CU_ASSERT_PTR_NULL(v);
	CU_ASSERT_STRING_EQUAL(err.msg, "document nested deeper than 128 levels");
	CU_ASSERT(err.line == 1 && err.col == 5 + TOML_MAX_DEPTH);
	free(deep);
	/* far beyond the limit: refused without exhausting the stack */
	char *huge = nested("{b=[", "]}", 200000, "a = ");
	v = parse(huge, &err);
	CU_ASSERT_PTR_NULL(v);
	CU_ASSERT_STRING_EQUAL(err.msg, "document nested deeper than 128 levels");
	free(huge);
	/* keys and headers count towards the depth too */
	char *keys = nested("k.", "", 300, "");
	size_t kl = strlen(keys);
	keys = realloc(keys, kl + 8);
	memcpy(keys + kl, "k = 1", 6);
	v = parse(keys, &err);
	CU_ASSERT_PTR_NULL(v);
	free(keys);
	char *hdr = nested("h.", "", TOML_MAX_DEPTH - 1, "[");
	size_t hl = strlen(hdr);
	hdr = realloc(hdr, hl + 16);
	memcpy(hdr + hl, "h]\nx = 1\n", 10);
	v = parse(hdr, &err); /* the table at depth 128 may hold scalars */
	CU_ASSERT_PTR_NOT_NULL(v);
	toml_free(v);
	memcpy(hdr + hl, "h]\nx = []\n", 11);
	v = parse(hdr, &err); /* but not an array at depth 129 */
	CU_ASSERT_PTR_NULL(v);
	free(hdr);
}

static void test_size_limit(void)
{
	size_t n = (size_t)TOML_MAX_INPUT + 1;
	char *big = malloc(n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memset(big, '\n', n);
	toml_error err;
	toml_value *v = toml_parse(big, n, &err);
	CU_ASSERT_PTR_NULL(v);
	CU_ASSERT_EQUAL(err.line, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "larger than"));
	v = toml_parse(big, n - 1, &err); /* exactly the limit is fine */
	CU_ASSERT_PTR_NOT_NULL(v);
	toml_free(v);
	free(big);
}

/* -------------------------------------------------------------- integers */

static const struct {
	const char *text;
	bool ok;
	int64_t value;
} int_cases[] = {
	{"9223372036854775807", true, INT64_MAX},
	{"-9223372036854775808", true, INT64_MIN},
	{"+9_223_372_036_854_775_807", true, INT64_MAX},
	{"9223372036854775808", false, 0},
	{"-9223372036854775809", false, 0},
	{"99999999999999999999999", false, 0},
	{"0x7fff_ffff_ffff_ffff", true, INT64_MAX},
	{"0x8000000000000000", false, 0},
	{"0o777777777777777777777", true, INT64_MAX},
	{"0o1000000000000000000000", false, 0},
	{"0b1111111111111111111111111111111111111111111111111111111111111111", false, 0},
	{"0b0111111111111111111111111111111111111111111111111111111111111111", true, INT64_MAX},
	{"0xDEAD_beef", true, 0xDEADBEEF},
	{"-0", true, 0},
	{"0o0", true, 0},
};

static void test_integers(void)
{
	for (size_t i = 0; i < N_ELEMS(int_cases); i++) {
		char doc[128];
		snprintf(doc, sizeof doc, "n = %s", int_cases[i].text);
		toml_error err;
		toml_value *root = parse(doc, &err);
		if (!int_cases[i].ok) {
			CU_ASSERT_PTR_NULL(root);
			if (root)
				fprintf(stderr, "accepted %s\n", int_cases[i].text);
			toml_free(root);
			continue;
		}
		CU_ASSERT_PTR_NOT_NULL(root);
		const toml_value *n = toml_get(root, "n");
		CU_ASSERT(n && n->type == TOML_INTEGER && n->u.i == int_cases[i].value);
		toml_free(root);
	}
}

/* ---------------------------------------------------------------- values */

static void test_values(void)
{
	const char *doc =
		"s = \"tab\\there \\u00e9 \\U0001F600 nul\\u0000end\"\n"
		"ml = \"\"\"\n  one \\\n     two\"\"\"\n"
		"lit = 'C:\\path'\n"
		"mll = '''\nx''\n'''\n"
		"f = -1_000.5e-3\n"
		"ni = -inf\n"
		"nn = nan\n"
		"b = true\n"
		"odt = 1979-05-27 07:32:00.999999-07:30\n"
		"ld = 2000-02-29\n"
		"lt = 23:59:60.5\n"
		"mixed = [1, 'two', 3.0, [4], {five = 5}]\n"
		"[[p]]\nname = 'a'\n[[p]]\nname = 'b'\n"
		"[x.y]\nz = 1\n"
		"[x]\nw = 2\n";
	toml_error err;
	toml_value *root = parse(doc, &err);
	if (!root)
		fprintf(stderr, "%d:%d %s\n", err.line, err.col, err.msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	const toml_value *s = toml_get(root, "s");
	static const char want[] = "tab\there \xc3\xa9 \xf0\x9f\x98\x80 nul\0end";
	CU_ASSERT(s && s->type == TOML_STRING && s->u.s.len == sizeof want - 1 &&
		  memcmp(s->u.s.ptr, want, sizeof want) == 0);
	CU_ASSERT_STRING_EQUAL(toml_get(root, "ml")->u.s.ptr, "  one two");
	CU_ASSERT_STRING_EQUAL(toml_get(root, "lit")->u.s.ptr, "C:\\path");
	CU_ASSERT_STRING_EQUAL(toml_get(root, "mll")->u.s.ptr, "x''\n");
	CU_ASSERT_DOUBLE_EQUAL(toml_get(root, "f")->u.f, -1.0005, 1e-12);
	CU_ASSERT(isinf(toml_get(root, "ni")->u.f) && toml_get(root, "ni")->u.f < 0);
	CU_ASSERT(isnan(toml_get(root, "nn")->u.f));
	CU_ASSERT(toml_get(root, "b")->type == TOML_BOOL && toml_get(root, "b")->u.b);
	const toml_value *odt = toml_get(root, "odt");
	CU_ASSERT_FATAL(odt && odt->type == TOML_DATETIME);
	CU_ASSERT(odt->u.dt.year == 1979 && odt->u.dt.month == 5 && odt->u.dt.day == 27);
	CU_ASSERT(odt->u.dt.hour == 7 && odt->u.dt.minute == 32 && odt->u.dt.second == 0);
	CU_ASSERT(odt->u.dt.nanosecond == 999999000 && odt->u.dt.frac_digits == 6);
	CU_ASSERT(odt->u.dt.offset_minutes == -450 && !odt->u.dt.offset_z);
	CU_ASSERT(toml_get(root, "ld")->type == TOML_DATE_LOCAL);
	const toml_value *lt = toml_get(root, "lt");
	CU_ASSERT(lt->type == TOML_TIME_LOCAL && lt->u.dt.second == 60 &&
		  lt->u.dt.nanosecond == 500000000);
	const toml_value *mixed = toml_get(root, "mixed");
	CU_ASSERT_FATAL(mixed && mixed->u.arr.len == 5);
	CU_ASSERT(mixed->u.arr.items[1]->type == TOML_STRING);
	CU_ASSERT(mixed->u.arr.items[4]->type == TOML_TABLE);
	const toml_value *p = toml_get(root, "p");
	CU_ASSERT_FATAL(p && p->type == TOML_ARRAY && p->u.arr.len == 2);
	CU_ASSERT_STRING_EQUAL(toml_get(p->u.arr.items[1], "name")->u.s.ptr, "b");
	const toml_value *x = toml_get(root, "x");
	CU_ASSERT(toml_get(toml_get(x, "y"), "z")->u.i == 1 && toml_get(x, "w")->u.i == 2);
	CU_ASSERT_PTR_NULL(toml_get(root, "missing"));
	CU_ASSERT_PTR_NULL(toml_get(s, "s"));
	CU_ASSERT_STRING_EQUAL(toml_type_name(TOML_DATETIME_LOCAL), "datetime-local");
	CU_ASSERT_STRING_EQUAL(toml_type_name(TOML_INTEGER), "integer");
	toml_free(root);

	/* the empty document, and NULL with length 0 */
	root = toml_parse(NULL, 0, &err);
	CU_ASSERT(root && root->type == TOML_TABLE && root->u.tab.len == 0);
	toml_free(root);
}

static void test_parse_file(void)
{
	char path[] = "/tmp/test_toml_XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	static const char doc[] = "[server]\nport = 8080\n";
	CU_ASSERT(write(fd, doc, sizeof doc - 1) == (ssize_t)(sizeof doc - 1));
	close(fd);
	toml_error err;
	toml_value *root = toml_parse_file(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT(toml_get(toml_get(root, "server"), "port")->u.i == 8080);
	toml_free(root);
	unlink(path);
	root = toml_parse_file(path, &err);
	CU_ASSERT_PTR_NULL(root);
	CU_ASSERT_EQUAL(err.line, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "No such file"));
}

static CU_TestInfo toml_tests[] = {
	{"error line, column and message", test_error_positions},
	{"malformed documents are refused", test_rejected},
	{"value positions", test_value_positions},
	{"nesting depth limit", test_depth_limit},
	{"input size limit", test_size_limit},
	{"integer range", test_integers},
	{"decoded values", test_values},
	{"toml_parse_file", test_parse_file},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"toml", NULL, NULL, NULL, NULL, toml_tests},
	CU_SUITE_INFO_NULL,
};

IL_UNIT_MAIN(suites)
