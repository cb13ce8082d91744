/*
 * fuzz_rules.c — libFuzzer target for the rules loader and matcher.
 *
 * Loads the input as one rule document with il_policy_load_buffer (no
 * temporary file needed). A failed load must report at least one error,
 * each "NAME:LINE:COL: message" or "NAME: message"; a successful load must
 * have a 64-hex-digit version, and then every [[test]] action the input
 * defines, plus a fixed set of actions of every kind, is decided (the
 * verdict must be a valid decision). Sanitizers catch the rest.
 */
#include "policy.h"
#include "rules_test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_verdict(const il_verdict *v)
{
	if ((unsigned)v->decision > IL_DENY || v->nmatched > IL_MAX_MATCHES ||
	    (v->decision == IL_APPROVE && v->timeout_ms <= 0) || v->approvals < 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	il_policy_opts o = { .home = "/home/f", .workspace = "/home/f/ws" };
	il_errors e = { 0 };
	il_policy *p = il_policy_load_buffer("fuzz.toml", (const char *)data, size, &o, &e);
	if (!p) {
		if (e.len == 0)
			abort();
		for (size_t i = 0; i < e.len; i++)
			if (strncmp(e.msgs[i], "fuzz.toml:", 10) != 0)
				abort();
		il_errors_free(&e);
		return 0;
	}
	if (strlen(il_policy_version(p)) != 64)
		abort();
	static il_verdict v;
	for (size_t i = 0; i < il_policy_test_count(p); i++) {
		char msg[256];
		il_rule_test_run(p, il_policy_test(p, i), &v, msg, sizeof(msg));
		check_verdict(&v);
	}
	static const char *const argv[] = { "rm", "-rf", "/home/f/ws/../x", "--", "a b" };
	static const char *const hdrs[] = { "Content-Type: text/plain", "X-A:" };
	const il_action acts[] = {
		{ .kind = IL_KIND_EXEC, .program = "/usr/bin/rm", .argv = argv, .argc = 5, .cwd = "/" },
		{ .kind = IL_KIND_DELETE, .path = "/home/f/.ssh/id", .cwd = "/home/f/ws" },
		{ .kind = IL_KIND_DELETE, .path = "/home/f/ws/.git", .is_dir = true, .del_op = IL_DEL_RMDIR },
		{ .kind = IL_KIND_CONNECT, .host = "Example.COM.", .addr = "::ffff:10.0.0.1", .port = 22 },
		{ .kind = IL_KIND_HTTP, .method = "POST", .scheme = "https", .host = "api.x", .port = 8443,
		  .url_path = "/a/%2e%2e/b//c", .query = "x=1&&y", .headers = hdrs, .nheaders = 2,
		  .body_len = 5, .url_visible = true, .cwd = "/" },
		{ .kind = IL_KIND_HTTP, .host = "api.x", .port = 443, .body_len = -1 },
	};
	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
		il_policy_decide(p, &acts[i], &v);
		check_verdict(&v);
	}
	il_policy_free(p);
	il_errors_free(&e);
	return 0;
}
