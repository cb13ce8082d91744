/*
 * main.c — `interlock`: dispatch to a subcommand.
 */
#include "cmd.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static const char usage_text[] =
"usage: interlock COMMAND [ARGS]...\n"
"\n"
"Put a human between an AI agent and its irreversible actions.\n"
"\n"
"Commands:\n"
"  run [OPTIONS] -- CMD [ARG]...   run CMD with its exec, delete, connect and HTTP\n"
"                                  calls gated by the rules\n"
"  serve --config FILE             run a standalone sidecar for many agents\n"
"  pending                         list requests waiting for a verdict\n"
"  approve ID [--reason R]         approve a pending request\n"
"  deny ID [--reason R]            deny a pending request\n"
"  rules check|test|explain ...    validate, test and explain rule files\n"
"  audit verify|stats FILE         check the audit log's hash chain; summarise it\n"
"  break-glass --reason R --for D  open a time-boxed, logged override\n"
"\n"
"Run 'interlock COMMAND --help' for a command's options.\n"
"Exit status: 0 success, 1 failure or denial, 2 usage error.\n";

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{ "run", cmd_run },
	{ "serve", cmd_serve },
	{ "pending", cmd_pending },
	{ "approve", cmd_approve },
	{ "deny", cmd_deny },
	{ "rules", cmd_rules },
	{ "audit", cmd_audit },
	{ "break-glass", cmd_break_glass },
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		puts("interlock 0.1.0");
		return 0;
	}
	for (size_t i = 0; i < IL_ARRAY_LEN(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "interlock: unknown command '%s'\n", argv[1]);
	fputs(usage_text, stderr);
	return 2;
}
