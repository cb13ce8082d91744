/*
 * test_breakglass.c — break-glass credential and window: keygen, verifier
 * checks (right, wrong, malformed, tampered), key-file permission rules,
 * request validation, and which verdicts a window covers.
 */
#include "breakglass.h"
#include "unit.h"
#include "util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[64];
static char key_path[128], ver_path[128];
static char secret[IL_BG_SECRET_HEX + 1];
static il_bg_verifier *ver;

static int suite_init(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/il-test-bg-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(key_path, sizeof key_path, "%s/bg.key", tmpdir);
	snprintf(ver_path, sizeof ver_path, "%s/bg.verifier", tmpdir);
	char err[256];
	if (il_breakglass_keygen(key_path, ver_path, err, sizeof err) != 0) {
		fprintf(stderr, "keygen: %s\n", err);
		return -1;
	}
	if (il_breakglass_read_key(key_path, secret, sizeof secret, err, sizeof err) != 0)
		return -1;
	ver = il_bg_verifier_load(ver_path, err, sizeof err);
	return ver ? 0 : -1;
}

static int suite_clean(void)
{
	il_bg_verifier_free(ver);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	fchmod(fd, mode);
	close(fd);
}

static void test_keygen_files(void)
{
	struct stat st;
	CU_ASSERT_EQUAL(stat(key_path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
	CU_ASSERT_EQUAL(stat(ver_path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0644);
	CU_ASSERT_EQUAL(strlen(secret), IL_BG_SECRET_HEX);
	/* the verifier does not contain the secret */
	size_t len;
	char *vt = il_read_file(ver_path, 4096, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(vt);
	CU_ASSERT_PTR_NULL(strstr(vt, secret));
	free(vt);
	/* refuses to overwrite */
	char err[256] = "";
	CU_ASSERT_EQUAL(il_breakglass_keygen(key_path, "/tmp/il-unused-verifier", err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "refusing to overwrite"));
	char k2[160];
	snprintf(k2, sizeof k2, "%s/other.key", tmpdir);
	CU_ASSERT_EQUAL(il_breakglass_keygen(k2, ver_path, err, sizeof err), -1);
	CU_ASSERT_EQUAL(access(k2, F_OK), -1);   /* nothing half-created */
	/* two keygens give different secrets */
	char k3[160], v3[160], s3[IL_BG_SECRET_HEX + 1];
	snprintf(k3, sizeof k3, "%s/k3", tmpdir);
	snprintf(v3, sizeof v3, "%s/v3", tmpdir);
	CU_ASSERT_EQUAL(il_breakglass_keygen(k3, v3, err, sizeof err), 0);
	CU_ASSERT_EQUAL(il_breakglass_read_key(k3, s3, sizeof s3, err, sizeof err), 0);
	CU_ASSERT_STRING_NOT_EQUAL(s3, secret);
	CU_ASSERT_EQUAL(il_bg_verifier_check(ver, s3), 0);
}

static void test_verifier_check(void)
{
	CU_ASSERT_EQUAL(il_bg_verifier_check(ver, secret), 1);
	char upper[IL_BG_SECRET_HEX + 1];
	for (size_t i = 0; i <= IL_BG_SECRET_HEX; i++)
		upper[i] = (char)(secret[i] >= 'a' && secret[i] <= 'f' ? secret[i] - 32 : secret[i]);
	CU_ASSERT_EQUAL(il_bg_verifier_check(ver, upper), 1);

	char wrong[IL_BG_SECRET_HEX + 1];
	memcpy(wrong, secret, sizeof wrong);
	wrong[10] = wrong[10] == '0' ? '1' : '0';
	const char *bad[] = { wrong, "", "00", "zz", NULL };
	for (size_t i = 0; i < IL_ARRAY_LEN(bad); i++)
		CU_ASSERT_EQUAL(il_bg_verifier_check(ver, bad[i]), 0);
	char longer[IL_BG_SECRET_HEX + 3];
	snprintf(longer, sizeof longer, "%s00", secret);
	CU_ASSERT_EQUAL(il_bg_verifier_check(ver, longer), 0);
	CU_ASSERT_EQUAL(il_bg_verifier_check(NULL, secret), 0);
}

/* A verifier with any byte of its hash or salt changed rejects the real
 * secret; malformed verifier files fail to load. */
static void test_tampered_verifier(void)
{
	size_t len;
	char *vt = il_read_file(ver_path, 4096, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(vt);
	char path[160], err[256];
	snprintf(path, sizeof path, "%s/tampered", tmpdir);
	const char *fields[] = { "\"verifier\":\"", "\"salt\":\"" };
	for (size_t f = 0; f < IL_ARRAY_LEN(fields); f++) {
		char *copy = strdup(vt);
		char *p = strstr(copy, fields[f]) + strlen(fields[f]) + 5;
		*p = *p == 'a' ? 'b' : 'a';
		write_file(path, copy, 0644);
		il_bg_verifier *t = il_bg_verifier_load(path, err, sizeof err);
		CU_ASSERT_PTR_NOT_NULL(t);
		CU_ASSERT_EQUAL(il_bg_verifier_check(t, secret), 0);
		il_bg_verifier_free(t);
		free(copy);
	}
	/* lowered iterations change the result too */
	char *copy = strdup(vt);
	char *p = strstr(copy, "\"iterations\":100000");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memcpy(p + 13, "100001", 6);
	write_file(path, copy, 0644);
	il_bg_verifier *t = il_bg_verifier_load(path, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL(t);
	CU_ASSERT_EQUAL(il_bg_verifier_check(t, secret), 0);
	il_bg_verifier_free(t);
	free(copy);

	static const struct {
		const char *text;
		const char *why;
	} broken[] = {
		{ "", "not a verifier" },
		{ "not json", "not a verifier" },
		{ "{\"v\":2,\"kdf\":\"pbkdf2-hmac-sha256\",\"iterations\":100000,\"salt\":\"00112233445566778899aabbccddeeff\",\"verifier\":\"" "00000000000000000000000000000000" "00000000000000000000000000000000\"}", "version" },
		{ "{\"v\":1,\"kdf\":\"md5\",\"iterations\":100000,\"salt\":\"00112233445566778899aabbccddeeff\",\"verifier\":\"" "00000000000000000000000000000000" "00000000000000000000000000000000\"}", "kdf" },
		{ "{\"v\":1,\"kdf\":\"pbkdf2-hmac-sha256\",\"iterations\":1,\"salt\":\"00112233445566778899aabbccddeeff\",\"verifier\":\"" "00000000000000000000000000000000" "00000000000000000000000000000000\"}", "iterations" },
		{ "{\"v\":1,\"kdf\":\"pbkdf2-hmac-sha256\",\"iterations\":100000,\"salt\":\"00\",\"verifier\":\"" "00000000000000000000000000000000" "00000000000000000000000000000000\"}", "salt" },
		{ "{\"v\":1,\"kdf\":\"pbkdf2-hmac-sha256\",\"iterations\":100000,\"salt\":\"00112233445566778899aabbccddeeff\",\"verifier\":\"00\"}", "verifier hash" },
	};
	for (size_t i = 0; i < IL_ARRAY_LEN(broken); i++) {
		write_file(path, broken[i].text, 0644);
		err[0] = '\0';
		CU_ASSERT_PTR_NULL(il_bg_verifier_load(path, err, sizeof err));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, broken[i].why));
	}
	/* a group-writable verifier is refused: whoever can write it mints credentials */
	write_file(path, vt, 0664);
	CU_ASSERT_PTR_NULL(il_bg_verifier_load(path, err, sizeof err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "writable"));
	free(vt);
}

static void test_read_key_perms(void)
{
	char path[160], out[IL_BG_SECRET_HEX + 1], err[256];
	snprintf(path, sizeof path, "%s/perm.key", tmpdir);
	char text[IL_BG_SECRET_HEX + 2];
	snprintf(text, sizeof text, "%s\n", secret);
	static const struct {
		mode_t mode;
		int rc;
	} cases[] = {
		{ 0600, 0 }, { 0400, 0 }, { 0640, 0 }, { 0440, 0 },
		{ 0604, -1 }, { 0644, -1 }, { 0660, -1 }, { 0601, -1 },
	};
	for (size_t i = 0; i < IL_ARRAY_LEN(cases); i++) {
		write_file(path, text, cases[i].mode);
		int rc = il_breakglass_read_key(path, out, sizeof out, err, sizeof err);
		CU_ASSERT_EQUAL(rc, cases[i].rc);
		if (rc == 0)
			CU_ASSERT_STRING_EQUAL(out, secret);
	}
	write_file(path, "short\n", 0600);
	CU_ASSERT_EQUAL(il_breakglass_read_key(path, out, sizeof out, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "hex digits"));
	CU_ASSERT_EQUAL(il_breakglass_read_key("/nonexistent/key", out, sizeof out, err, sizeof err), -1);
	CU_ASSERT_EQUAL(il_breakglass_read_key(tmpdir, out, sizeof out, err, sizeof err), -1);
}

/* ---- windows ---------------------------------------------------------- */

static il_rule r_rm = { .id = "rm", .decision = IL_APPROVE, .break_glass = true };
static il_rule r_refund = { .id = "refunds", .decision = IL_APPROVE, .break_glass = true };
static il_rule r_etc = { .id = "etc", .decision = IL_DENY, .break_glass = false };
static il_rule r_log = { .id = "log-only", .decision = IL_ALLOW, .break_glass = false };

static il_verdict make_verdict(il_decision d, il_rule *primary, il_rule *other)
{
	il_verdict v;
	memset(&v, 0, sizeof v);
	v.decision = d;
	v.primary = primary;
	v.break_glass_ok = true;
	il_rule *rs[] = { primary, other };
	for (size_t i = 0; i < 2; i++) {
		if (!rs[i])
			continue;
		v.matched[v.nmatched++].rule = rs[i];
		if (rs[i]->decision != IL_ALLOW && !rs[i]->break_glass)
			v.break_glass_ok = false;
	}
	return v;
}

static void test_window_covers(void)
{
	char *only_rm[] = { "rm" };
	il_bg_window all = { .id = "bg-1", .expires_mono_ms = 1000 };
	il_bg_window rm = { .id = "bg-2", .expires_mono_ms = 1000, .rules = only_rm, .nrules = 1 };
	il_verdict v_rm = make_verdict(IL_APPROVE, &r_rm, NULL);
	il_verdict v_refund = make_verdict(IL_APPROVE, &r_refund, NULL);
	il_verdict v_etc = make_verdict(IL_DENY, &r_etc, NULL);
	il_verdict v_rm_etc = make_verdict(IL_DENY, &r_etc, &r_rm);
	il_verdict v_rm_log = make_verdict(IL_APPROVE, &r_rm, &r_log);
	il_verdict v_allow = make_verdict(IL_ALLOW, NULL, NULL);
	il_verdict v_default_deny = make_verdict(IL_DENY, NULL, NULL);
	il_verdict v_lying = make_verdict(IL_DENY, &r_etc, NULL);
	v_lying.break_glass_ok = true;   /* flag disagrees with the rule: still refused */

	const struct {
		const char *name;
		const il_bg_window *w;
		const il_verdict *v;
		int64_t now;
		bool want;
	} cases[] = {
		{ "open window, eligible rule", &all, &v_rm, 0, true },
		{ "just before expiry", &all, &v_rm, 999, true },
		{ "at expiry", &all, &v_rm, 1000, false },
		{ "expired", &all, &v_rm, 5000, false },
		{ "rule not eligible", &all, &v_etc, 0, false },
		{ "one of two rules not eligible", &all, &v_rm_etc, 0, false },
		{ "allow rule alongside is ignored", &all, &v_rm_log, 0, true },
		{ "nothing to override", &all, &v_allow, 0, false },
		{ "defaults deny, no rule filter", &all, &v_default_deny, 0, true },
		{ "defaults deny, rule filter", &rm, &v_default_deny, 0, false },
		{ "rule filter includes primary", &rm, &v_rm, 0, true },
		{ "rule filter excludes primary", &rm, &v_refund, 0, false },
		{ "flag disagrees with rule", &all, &v_lying, 0, false },
		{ "no window", NULL, &v_rm, 0, false },
	};
	for (size_t i = 0; i < IL_ARRAY_LEN(cases); i++) {
		bool got = il_bg_window_covers(cases[i].w, cases[i].v, cases[i].now);
		if (got != cases[i].want)
			fprintf(stderr, "\ncovers '%s': got %d\n", cases[i].name, got);
		CU_ASSERT_EQUAL(got, cases[i].want);
	}
}

static cJSON *request(const char *reason, double for_ms, const char *sec, const char *rules_json)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "op", "break_glass");
	if (reason)
		cJSON_AddStringToObject(r, "reason", reason);
	cJSON_AddNumberToObject(r, "for_ms", for_ms);
	if (sec)
		cJSON_AddStringToObject(r, "secret", sec);
	if (rules_json)
		cJSON_AddItemToObject(r, "rules", cJSON_Parse(rules_json));
	return r;
}

static void test_window_open(void)
{
	il_bg_window w;
	char err[256];
	int64_t before = il_now_mono_ms();
	cJSON *req = request("incident 42", 600000, secret, "[\"rm\",\"refunds\"]");
	CU_ASSERT_EQUAL_FATAL(il_bg_window_open(&w, ver, req, 0, "uid 0 pid 1", err, sizeof err), 0);
	CU_ASSERT_EQUAL(strncmp(w.id, "bg-", 3), 0);
	CU_ASSERT_EQUAL(strlen(w.id), 35);
	CU_ASSERT_STRING_EQUAL(w.reason, "incident 42");
	CU_ASSERT_STRING_EQUAL(w.opened_by, "uid 0 pid 1");
	CU_ASSERT_EQUAL(w.nrules, 2);
	CU_ASSERT_STRING_EQUAL(w.rules[1], "refunds");
	CU_ASSERT(w.expires_mono_ms >= before + 600000);
	CU_ASSERT_EQUAL(w.expires_wall_ms - w.opened_wall_ms, 600000);
	il_verdict v = make_verdict(IL_APPROVE, &r_rm, NULL);
	CU_ASSERT(il_bg_window_covers(&w, &v, il_now_mono_ms()));
	CU_ASSERT_FALSE(il_bg_window_covers(&w, &v, w.expires_mono_ms));
	cJSON *j = il_bg_window_json(&w);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(j, "override_id")->valuestring, w.id);
	CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItem(j, "rules")), 2);
	cJSON_Delete(j);
	il_bg_window_clear(&w);
	CU_ASSERT_EQUAL(w.nrules, 0);
	cJSON_Delete(req);

	char wrong[IL_BG_SECRET_HEX + 1];
	memcpy(wrong, secret, sizeof wrong);
	wrong[0] = wrong[0] == 'f' ? 'e' : 'f';
	static char long_reason[600];
	memset(long_reason, 'r', sizeof long_reason - 1);
	static const struct {
		const char *reason;
		double for_ms;
		int which_secret;   /* 0 right, 1 wrong, 2 none */
		int64_t max_ms;
		const char *rules;
		const char *why;
	} bad[] = {
		{ "x", 60000, 1, 0, NULL, "invalid break-glass credential" },
		{ "x", 60000, 2, 0, NULL, "invalid break-glass credential" },
		{ NULL, 60000, 0, 0, NULL, "reason" },
		{ "", 60000, 0, 0, NULL, "reason" },
		{ long_reason, 60000, 0, 0, NULL, "reason" },
		{ "x", 0, 0, 0, NULL, "for_ms" },
		{ "x", 1.5, 0, 0, NULL, "for_ms" },
		{ "x", 3600001, 0, 0, NULL, "exceeds this sidecar's maximum 1h" },
		{ "x", 600001, 0, 600000, NULL, "maximum 10m" },
		{ "x", 60000, 0, 0, "\"rm\"", "array" },
		{ "x", 60000, 0, 0, "[1]", "rule ids" },
		{ "x", 60000, 0, 0, "[\"\"]", "rule ids" },
	};
	for (size_t i = 0; i < IL_ARRAY_LEN(bad); i++) {
		const char *s = bad[i].which_secret == 0 ? secret : bad[i].which_secret == 1 ? wrong : NULL;
		req = request(bad[i].reason, bad[i].for_ms, s, bad[i].rules);
		err[0] = '\0';
		int rc = il_bg_window_open(&w, ver, req, bad[i].max_ms, "t", err, sizeof err);
		CU_ASSERT_EQUAL(rc, -1);
		if (rc == -1 && !strstr(err, bad[i].why))
			fprintf(stderr, "\nbad request %zu: err '%s', want '%s'\n", i, err, bad[i].why);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].why));
		CU_ASSERT_EQUAL(w.nrules, 0);
		cJSON_Delete(req);
	}
	req = request("x", 1000, secret, NULL);
	CU_ASSERT_EQUAL(il_bg_window_open(&w, NULL, req, 0, "t", err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not configured"));
	cJSON_DeleteItemFromObject(req, "op");
	cJSON_AddStringToObject(req, "op", "decide");
	CU_ASSERT_EQUAL(il_bg_window_open(&w, ver, req, 0, "t", err, sizeof err), -1);
	cJSON_Delete(req);
}

/* A window's rule filter is checked against the loaded policy. */
static void test_window_check_rules(void)
{
	static const char rules[] =
		"version = 1\n"
		"[defaults]\ndecision = \"allow\"\n"
		"[[rule]]\nid = \"rm\"\nkind = \"exec\"\nprogram = [\"rm\"]\ndecision = \"approve\"\n"
		"[[rule]]\nid = \"etc\"\nkind = \"delete\"\npath = [\"/etc/**\"]\ndecision = \"deny\"\n"
		"break_glass = false\n";
	il_errors errs = { 0 };
	il_policy_opts opts = { .home = "/root", .workspace = "/tmp", .allow_insecure_perms = true };
	il_policy *p = il_policy_load_buffer("bg.toml", rules, sizeof rules - 1, &opts, &errs);
	for (size_t i = 0; i < errs.len; i++)
		fprintf(stderr, "\n%s\n", errs.msgs[i]);
	il_errors_free(&errs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	char *ok_ids[] = { "rm" }, *bad_ids[] = { "rm", "etc" }, *unknown[] = { "nope" };
	il_bg_window w = { .rules = ok_ids, .nrules = 1 };
	char err[256] = "";
	CU_ASSERT_EQUAL(il_bg_window_check_rules(&w, p, err, sizeof err), 0);
	w.rules = bad_ids;
	w.nrules = 2;
	CU_ASSERT_EQUAL(il_bg_window_check_rules(&w, p, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "'etc' has break_glass = false"));
	w.rules = unknown;
	w.nrules = 1;
	CU_ASSERT_EQUAL(il_bg_window_check_rules(&w, p, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no rule 'nope'"));
	w.nrules = 0;
	CU_ASSERT_EQUAL(il_bg_window_check_rules(&w, p, err, sizeof err), 0);
	il_policy_free(p);
}

static CU_TestInfo bg_tests[] = {
	{ "keygen creates key and verifier", test_keygen_files },
	{ "verifier accepts only the secret", test_verifier_check },
	{ "tampered or malformed verifier", test_tampered_verifier },
	{ "key file permissions", test_read_key_perms },
	{ "window covers", test_window_covers },
	{ "window open validates the request", test_window_open },
	{ "window rules checked against the policy", test_window_check_rules },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "breakglass", suite_init, suite_clean, NULL, NULL, bg_tests },
	CU_SUITE_INFO_NULL,
};

IL_UNIT_MAIN(suites)
