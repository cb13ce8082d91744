/*
 * cmd_control.c — `interlock pending [--json]`, `interlock approve ID
 * [--reason R]`, `interlock deny ID [--reason R]`: talk to every sidecar of
 * this user (found through the per-user runtime directory, or the one named
 * with --ctl SOCKET) over its control socket.
 */
#include "cmd.h"
#include "control.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The control sockets to ask: --ctl, or all discovered ones. */
static size_t targets(const char *ctl, char ***out)
{
	if (ctl) {
		*out = xcalloc(1, sizeof(char *));
		(*out)[0] = xstrdup(ctl);
		return 1;
	}
	return il_control_list(out);
}

static const char *jstr(const cJSON *o, const char *k, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : dflt;
}

static double jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* Ask one sidecar for its pending requests; append copies to `all`. */
static int collect(const char *path, cJSON *all, bool loud)
{
	cJSON *req = cJSON_CreateObject(), *resp = NULL;
	cJSON_AddStringToObject(req, "op", "pending");
	char err[512];
	int rc = il_control_call(path, req, &resp, err, sizeof err);
	cJSON_Delete(req);
	if (rc < 0) {
		if (loud)
			il_warn("%s", err);
		return -1;
	}
	const cJSON *it, *reqs = cJSON_GetObjectItemCaseSensitive(resp, "requests");
	cJSON_ArrayForEach(it, reqs) {
		cJSON *copy = cJSON_Duplicate(it, true);
		if (!copy)
			continue;
		cJSON_AddStringToObject(copy, "sidecar", path);
		cJSON_AddItemToArray(all, copy);
	}
	cJSON_Delete(resp);
	return 0;
}

static void print_table(const cJSON *all)
{
	if (cJSON_GetArraySize(all) == 0) {
		puts("no pending requests");
		return;
	}
	printf("%-15s %-9s %-8s %-24s %s\n", "ID", "LEFT", "RISK", "RULES", "ACTION");
	const cJSON *it;
	cJSON_ArrayForEach(it, all) {
		char left[32], rules[256] = "";
		il_format_duration((int64_t)(jnum(it, "time_left_ms") / 1000) * 1000, left, sizeof left);
		const cJSON *r, *ra = cJSON_GetObjectItemCaseSensitive(it, "rules");
		cJSON_ArrayForEach(r, ra) {
			if (!cJSON_IsString(r))
				continue;
			size_t l = strlen(rules);
			snprintf(rules + l, sizeof rules - l, "%s%s", l ? "," : "", r->valuestring);
		}
		if (!*rules)
			strcpy(rules, "(default)");
		printf("%-15s %-9s %-8s %-24s %s", jstr(it, "id", "?"), left, jstr(it, "risk", "?"),
		       rules, jstr(it, "action", "?"));
		if (jnum(it, "approvals_needed") > 1)
			printf("  [%d/%d approvals]", (int)jnum(it, "approvals_got"),
			       (int)jnum(it, "approvals_needed"));
		putchar('\n');
	}
}

int cmd_pending(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' }, { "ctl", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' }, { 0 },
	};
	bool json = false;
	const char *ctl = NULL;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'j': json = true; break;
		case 'c': ctl = optarg; break;
		case 'h':
			puts("usage: interlock pending [--json] [--ctl SOCKET]\n\n"
			     "List the requests waiting for a verdict in every sidecar you run.");
			return 0;
		default:
			fprintf(stderr, "usage: interlock pending [--json] [--ctl SOCKET]\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "interlock pending: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	char **paths;
	size_t n = targets(ctl, &paths);
	cJSON *all = cJSON_CreateArray();
	int rc = 0;
	for (size_t i = 0; i < n; i++)
		if (collect(paths[i], all, ctl != NULL) < 0 && ctl)
			rc = 1;
	il_control_list_free(paths, n);
	if (json) {
		char *s = cJSON_PrintUnformatted(all);
		puts(s ? s : "[]");
		free(s);
	} else {
		print_table(all);
	}
	cJSON_Delete(all);
	return rc;
}

/* approve / deny */
static int decide(int argc, char **argv, const char *decision)
{
	static const struct option lo[] = {
		{ "reason", required_argument, NULL, 'r' }, { "ctl", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' }, { 0 },
	};
	const char *reason = NULL, *ctl = NULL;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "hr:", lo, NULL)) != -1) {
		switch (opt) {
		case 'r': reason = optarg; break;
		case 'c': ctl = optarg; break;
		case 'h':
			printf("usage: interlock %s ID [--reason R] [--ctl SOCKET]\n", argv[0]);
			return 0;
		default:
			fprintf(stderr, "usage: interlock %s ID [--reason R] [--ctl SOCKET]\n", argv[0]);
			return 2;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "usage: interlock %s ID [--reason R] [--ctl SOCKET]\n", argv[0]);
		return 2;
	}
	const char *id = argv[optind];
	char **paths;
	size_t n = targets(ctl, &paths);
	int rc = 1;
	bool found = false;
	for (size_t i = 0; i < n && !found; i++) {
		/* Find the sidecar holding the id, then decide there. */
		cJSON *list = cJSON_CreateArray();
		collect(paths[i], list, ctl != NULL);
		const cJSON *it;
		cJSON_ArrayForEach(it, list)
			if (strcmp(jstr(it, "id", ""), id) == 0)
				found = true;
		cJSON_Delete(list);
		if (!found)
			continue;
		cJSON *req = cJSON_CreateObject(), *resp = NULL;
		cJSON_AddStringToObject(req, "op", "decide");
		cJSON_AddStringToObject(req, "id", id);
		cJSON_AddStringToObject(req, "decision", decision);
		if (reason)
			cJSON_AddStringToObject(req, "reason", reason);
		char err[512];
		if (il_control_call(paths[i], req, &resp, err, sizeof err) < 0) {
			il_warn("%s", err);
		} else if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(resp, "ok"))) {
			il_warn("%s: %s", id, jstr(resp, "error", "refused"));
		} else {
			printf("%s\n", jstr(resp, "message", "done"));
			rc = 0;
		}
		cJSON_Delete(req);
		cJSON_Delete(resp);
	}
	if (!found)
		il_warn("no pending request %s in any of your sidecars", id);
	il_control_list_free(paths, n);
	return rc;
}

int cmd_approve(int argc, char **argv) { return decide(argc, argv, "approve"); }
int cmd_deny(int argc, char **argv) { return decide(argc, argv, "deny"); }
