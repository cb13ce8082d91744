/*
 * cmd_audit.c — `interlock audit verify FILE` and `interlock audit stats FILE [--json]`.
 */
#include "audit.h"
#include "cmd.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char audit_usage[] =
"usage: interlock audit verify FILE\n"
"       interlock audit stats FILE [--json]\n"
"\n"
"Check and summarise an interlock audit log (JSON Lines, SHA-256 hash chain).\n"
"\n"
"  verify FILE        check every record's hash and the chain linking them;\n"
"                     prints 'audit: N records verified, chain intact', or\n"
"                     'FILE:LINE: reason' for the first edited, dropped,\n"
"                     reordered, truncated or malformed record\n"
"  stats FILE         decisions, approval rate, human decision latency p50/p95,\n"
"                     timeouts and denials per rule, top gated programs, paths\n"
"                     and hosts, break-glass windows and uses\n"
"    --json           print the statistics as one JSON object\n"
"\n"
"Exit status: 0 ok (chain intact), 1 tampered/unreadable log, 2 usage error.\n"
"The record and hash format is described in docs/audit.md.\n";

static int usage_error(const char *fmt, ...) IL_PRINTF(1, 2);
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("interlock: audit: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'interlock audit --help'.\n", stderr);
	return 2;
}

static bool is_help(const char *s)
{
	return strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0;
}

int cmd_audit(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("%s", "missing subcommand (verify or stats)");
	const char *sub = argv[1];
	if (is_help(sub) || strcmp(sub, "help") == 0) {
		fputs(audit_usage, stdout);
		return 0;
	}
	const char *file = NULL;
	bool json = false, end_opts = false;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (!end_opts && is_help(a)) {
			fputs(audit_usage, stdout);
			return 0;
		} else if (!end_opts && strcmp(a, "--") == 0) {
			end_opts = true;
		} else if (!end_opts && strcmp(a, "--json") == 0 && strcmp(sub, "stats") == 0) {
			json = true;
		} else if (!end_opts && a[0] == '-' && a[1] != '\0') {
			return usage_error("unknown option '%s'", a);
		} else if (!file) {
			file = a;
		} else {
			return usage_error("unexpected argument '%s'", a);
		}
	}
	if (strcmp(sub, "verify") == 0) {
		if (!file)
			return usage_error("%s", "verify: missing FILE");
		int rc = il_audit_verify(file, stdout);
		fflush(stdout);
		return rc;
	}
	if (strcmp(sub, "stats") == 0) {
		if (!file)
			return usage_error("%s", "stats: missing FILE");
		return il_audit_stats(file, stdout, json);
	}
	return usage_error("unknown subcommand '%s' (verify or stats)", sub);
}
