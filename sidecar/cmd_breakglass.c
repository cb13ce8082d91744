/*
 * cmd_breakglass.c — `interlock break-glass`: open a time-boxed, credentialed
 * override window on a running sidecar, and `interlock break-glass keygen`
 * to create the operators' key and the sidecar's verifier.
 *
 * The client reads the operators' key file, sends
 *   {"op":"break_glass","reason":R,"for_ms":N,"rules":[...],"secret":"hex"}
 * over the sidecar's control socket (control.h) and prints the window the
 * sidecar opened. The sidecar checks the secret against its verifier,
 * refuses callers inside the agent's process tree, caps the duration and
 * audits the window; this side only refuses what is obviously wrong early.
 */
#include "breakglass.h"
#include "cmd.h"
#include "control.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_RULE_ARGS 64

static const char bg_usage[] =
"usage: interlock break-glass --reason R --for DURATION [--rule ID]... [--key FILE]\n"
"                             [--session ID | --all] [--ctl SOCKET]\n"
"       interlock break-glass keygen --key FILE --verifier FILE\n"
"\n"
"Open an emergency override window on a running interlock sidecar: for its\n"
"duration, actions that rules send for approval or deny are allowed, when every\n"
"rule that gated them has break_glass = true (default). Every window and every\n"
"action it lets through is recorded in the audit log.\n"
"\n"
"  --reason R        why (required; recorded in the audit log)\n"
"  --for DURATION    how long: 30s, 15m, 1h (the sidecar's maximum applies,\n"
"                    1h by default; never more than 24h)\n"
"  --rule ID         only override this rule (repeatable; default: every\n"
"                    break-glass-eligible rule)\n"
"  --key FILE        operators' key file (default: $" IL_BG_KEY_ENV ",\n"
"                    else " IL_BG_DEFAULT_KEY_PATH ")\n"
"  --session ID      the sidecar of this session (see 'interlock pending')\n"
"  --all             every sidecar of this user\n"
"  --ctl SOCKET      the sidecar listening on this control socket\n"
"\n"
"  keygen            create a new random key (0600) and its verifier (0644);\n"
"                    give the verifier to the sidecar (--break-glass-verifier\n"
"                    or [break_glass] verifier = in the serve config), keep the\n"
"                    key where only operators can read it\n"
"\n"
"Break-glass is refused from inside an agent's process tree.\n"
"Exit status: 0 window open, 1 refused or failed, 2 usage error.\n";

static int usage_error(const char *fmt, ...) IL_PRINTF(1, 2);
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("interlock: break-glass: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'interlock break-glass --help'.\n", stderr);
	return 2;
}

/* Option value for "--name VALUE" or "--name=VALUE" at argv[*i]; NULL when
 * argv[*i] is not this option. Sets *missing when the value is absent. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

static bool is_help(const char *s)
{
	return strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0;
}

static int cmd_keygen(int argc, char **argv)
{
	const char *key = NULL, *ver = NULL;
	for (int i = 1; i < argc; i++) {
		bool missing = false;
		const char *v;
		if (is_help(argv[i])) {
			fputs(bg_usage, stdout);
			return 0;
		} else if ((v = opt_value(argc, argv, &i, "--key", &missing))) {
			key = v;
		} else if ((v = opt_value(argc, argv, &i, "--verifier", &missing))) {
			ver = v;
		} else if (missing) {
			return usage_error("option '%s' needs a value", argv[i]);
		} else {
			return usage_error("keygen: unexpected argument '%s'", argv[i]);
		}
	}
	if (!key || !ver)
		return usage_error("keygen needs --key FILE and --verifier FILE");
	char err[512];
	if (il_breakglass_keygen(key, ver, err, sizeof err) != 0) {
		fprintf(stderr, "interlock: break-glass keygen: %s\n", err);
		return 1;
	}
	printf("key:      %s (mode 0600; keep it where only operators can read it)\n", key);
	printf("verifier: %s (give it to the sidecar; it cannot be turned back into the key)\n", ver);
	return 0;
}

/* Ask the sidecar at ctl for its session id into buf; 0 or -1. */
static int sidecar_session(const char *ctl, char *buf, size_t n)
{
	cJSON *req = cJSON_CreateObject(), *resp = NULL;
	if (!req)
		return -1;
	cJSON_AddStringToObject(req, "op", "status");
	char err[256];
	int rc = il_control_call(ctl, req, &resp, err, sizeof err);
	cJSON_Delete(req);
	if (rc != 0)
		return -1;
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(resp, "session");
	rc = cJSON_IsString(s) ? 0 : -1;
	if (rc == 0)
		snprintf(buf, n, "%s", s->valuestring);
	cJSON_Delete(resp);
	return rc;
}

/* Send the request to one sidecar and report. 0 window open, 1 refused. */
static int open_on(const char *ctl, const cJSON *req, const char *label)
{
	cJSON *resp = NULL;
	char err[512];
	if (il_control_call(ctl, req, &resp, err, sizeof err) != 0) {
		fprintf(stderr, "interlock: break-glass: %s: %s\n", label, err);
		return 1;
	}
	const cJSON *ok = cJSON_GetObjectItemCaseSensitive(resp, "ok");
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(resp, "error");
	int rc = 1;
	if (!cJSON_IsTrue(ok)) {
		const char *why = cJSON_IsString(e) ? e->valuestring : "no reason given";
		fprintf(stderr, "interlock: break-glass: %s: %s%s\n", label,
		        strncmp(why, "refused", 7) == 0 ? "" : "refused: ", why);
	} else {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(resp, "override_id");
		if (!cJSON_IsString(id))
			id = cJSON_GetObjectItemCaseSensitive(resp, "id");
		const cJSON *exp = cJSON_GetObjectItemCaseSensitive(resp, "expires_ms");
		char when[64] = "?";
		if (cJSON_IsNumber(exp)) {
			time_t t = (time_t)(exp->valuedouble / 1000);
			struct tm tm;
			if (gmtime_r(&t, &tm))
				strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		}
		printf("break-glass window %s open on %s until %s\n",
		       cJSON_IsString(id) ? id->valuestring : "?", label, when);
		rc = 0;
	}
	cJSON_Delete(resp);
	return rc;
}

int cmd_break_glass(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "keygen") == 0)
		return cmd_keygen(argc - 1, argv + 1);
	const char *reason = NULL, *dur = NULL, *key = NULL, *session = NULL, *ctl = NULL;
	const char *rules[MAX_RULE_ARGS];
	size_t nrules = 0;
	bool all = false;
	for (int i = 1; i < argc; i++) {
		bool missing = false;
		const char *v;
		if (is_help(argv[i])) {
			fputs(bg_usage, stdout);
			return 0;
		} else if ((v = opt_value(argc, argv, &i, "--reason", &missing))) {
			reason = v;
		} else if ((v = opt_value(argc, argv, &i, "--for", &missing))) {
			dur = v;
		} else if ((v = opt_value(argc, argv, &i, "--rule", &missing))) {
			if (nrules == MAX_RULE_ARGS)
				return usage_error("at most %d --rule options", MAX_RULE_ARGS);
			rules[nrules++] = v;
		} else if ((v = opt_value(argc, argv, &i, "--key", &missing))) {
			key = v;
		} else if ((v = opt_value(argc, argv, &i, "--session", &missing))) {
			session = v;
		} else if ((v = opt_value(argc, argv, &i, "--ctl", &missing)) ||
		           (v = opt_value(argc, argv, &i, "--control", &missing))) {
			ctl = v;
		} else if (strcmp(argv[i], "--all") == 0) {
			all = true;
		} else if (missing) {
			return usage_error("option '%s' needs a value", argv[i]);
		} else {
			return usage_error("unexpected argument '%s'", argv[i]);
		}
	}
	if (!reason || !*reason)
		return usage_error("--reason R is required");
	if (strlen(reason) >= sizeof(((il_bg_window *)0)->reason))
		return usage_error("--reason is too long (at most %zu bytes)",
		                   sizeof(((il_bg_window *)0)->reason) - 1);
	if (!dur)
		return usage_error("--for DURATION is required");
	int64_t for_ms;
	if (il_parse_duration(dur, &for_ms) != 0 || for_ms <= 0)
		return usage_error("--for: '%s' is not a duration (e.g. 15m, 1h)", dur);
	if (for_ms > IL_BG_HARD_CAP_MS)
		return usage_error("--for %s is longer than the 24h hard limit", dur);
	if ((session != NULL) + (ctl != NULL) + all > 1)
		return usage_error("--session, --all and --ctl are mutually exclusive");
	for (size_t i = 0; i < nrules; i++)
		if (!*rules[i])
			return usage_error("--rule needs a rule id");

	if (!key)
		key = getenv(IL_BG_KEY_ENV);
	if (!key || !*key)
		key = IL_BG_DEFAULT_KEY_PATH;
	char secret[IL_BG_SECRET_HEX + 1], err[512];
	if (il_breakglass_read_key(key, secret, sizeof secret, err, sizeof err) != 0) {
		fprintf(stderr, "interlock: break-glass: %s\n", err);
		return 1;
	}

	char **paths = NULL;
	size_t npaths;
	if (ctl) {
		paths = xcalloc(1, sizeof *paths);
		paths[0] = xstrdup(ctl);
		npaths = 1;
	} else {
		npaths = il_control_list(&paths);
	}
	/* Pick the targets: every listed one, one session, or the only one. */
	bool *use = xcalloc(npaths ? npaths : 1, sizeof *use);
	char **labels = xcalloc(npaths ? npaths : 1, sizeof *labels);
	size_t nuse = 0;
	for (size_t i = 0; i < npaths; i++) {
		char sess[128];
		bool known = sidecar_session(paths[i], sess, sizeof sess) == 0;
		labels[i] = known ? xasprintf("session %s", sess) : xstrdup(paths[i]);
		if (ctl || all || (session && known && strcmp(sess, session) == 0) || (!session && npaths == 1))
			use[i] = true;
		nuse += use[i];
	}
	int rc = 1;
	if (npaths == 0) {
		fprintf(stderr, "interlock: break-glass: no running interlock sidecar found for this user\n");
	} else if (nuse == 0 && session) {
		fprintf(stderr, "interlock: break-glass: no sidecar with session '%s'\n", session);
	} else if (nuse == 0) {
		fprintf(stderr, "interlock: break-glass: %zu sidecars are running; choose one with "
		        "--session ID or use --all:\n", npaths);
		for (size_t i = 0; i < npaths; i++)
			fprintf(stderr, "  %s\n", labels[i]);
	} else {
		cJSON *req = cJSON_CreateObject();
		cJSON *ra = cJSON_CreateArray();
		if (!req || !ra)
			die("out of memory");
		cJSON_AddStringToObject(req, "op", "break_glass");
		cJSON_AddStringToObject(req, "reason", reason);
		cJSON_AddNumberToObject(req, "for_ms", (double)for_ms);
		for (size_t i = 0; i < nrules; i++)
			cJSON_AddItemToArray(ra, cJSON_CreateString(rules[i]));
		cJSON_AddItemToObject(req, "rules", ra);
		cJSON *sec = cJSON_AddStringToObject(req, "secret", secret);
		rc = 0;
		for (size_t i = 0; i < npaths; i++)
			if (use[i] && open_on(paths[i], req, labels[i]) != 0)
				rc = 1;
		if (sec && sec->valuestring)
			OPENSSL_cleanse(sec->valuestring, strlen(sec->valuestring));
		cJSON_Delete(req);
	}
	OPENSSL_cleanse(secret, sizeof secret);
	for (size_t i = 0; i < npaths; i++)
		free(labels[i]);
	free(labels);
	free(use);
	il_control_list_free(paths, npaths);
	return rc;
}
