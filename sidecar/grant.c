/*
 * grant.c — approvals of a program cover the deletes its command line
 * named (see grant.h for the rules).
 */
#include "grant.h"

#include "journal.h"
#include "proctree.h"
#include "seccomp_args.h"
#include "util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	bool used;
	pid_t pid;
	uint64_t start;                  /* /proc/<pid>/stat starttime */
	int64_t expires_mono;
	char id[32];
	char *paths[IL_GRANT_MAX_PATHS];
	size_t npaths;
	uint64_t seq;                    /* for oldest-first eviction */
} il_grant;

struct il_grants {
	il_grant g[IL_GRANT_MAX];
	uint64_t seq;
	size_t live;
};

il_grants *il_grants_new(void)
{
	return xcalloc(1, sizeof(il_grants));
}

static void grant_clear(il_grants *gs, il_grant *g)
{
	for (size_t i = 0; i < g->npaths; i++)
		free(g->paths[i]);
	memset(g, 0, sizeof *g);
	if (gs->live)
		gs->live--;
}

void il_grants_free(il_grants *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < IL_GRANT_MAX; i++)
		if (g->g[i].used)
			grant_clear(g, &g->g[i]);
	free(g);
}

/* `path` made absolute against `cwd`, then normalised lexically. */
static int grant_path(const char *cwd, const char *path, char *out, size_t n)
{
	char buf[8192];
	int w;
	if (path[0] == '/')
		w = snprintf(buf, sizeof buf, "%s", path);
	else if (cwd && cwd[0] == '/')
		w = snprintf(buf, sizeof buf, "%s/%s", cwd, path);
	else
		return -1;
	if (w < 0 || (size_t)w >= sizeof buf)
		return -1;
	return il_path_normalize(buf, out, n);
}

/* Is `path` equal to `prefix` or below it? */
static bool path_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	if (n == 1 && prefix[0] == '/')
		return path[0] == '/';
	return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

void il_grants_add(il_grants *gs, const il_action *a, const char *request_id,
                   int64_t now_mono_ms)
{
	if (!gs || !a || a->kind != IL_KIND_EXEC || a->pid <= 0 || !a->argv)
		return;
	uint64_t start;
	if (il_proc_start_time(a->pid, &start) < 0)
		return;   /* the process is gone: nothing to cover */
	il_grant ng;
	memset(&ng, 0, sizeof ng);
	bool options_done = false;
	for (size_t i = 1; i < a->argc && ng.npaths < IL_GRANT_MAX_PATHS; i++) {
		const char *arg = a->argv[i];
		if (!arg || !*arg)
			continue;
		if (!options_done && strcmp(arg, "--") == 0) {
			options_done = true;
			continue;
		}
		if (!options_done && arg[0] == '-')
			continue;
		char norm[4096];
		if (grant_path(a->cwd, arg, norm, sizeof norm) < 0)
			continue;
		/* "/" would cover everything: a grant is never that wide */
		if (strcmp(norm, "/") == 0)
			continue;
		ng.paths[ng.npaths++] = xstrdup(norm);
	}
	if (ng.npaths == 0)
		return;
	il_grant *slot = NULL, *oldest = NULL;
	for (size_t i = 0; i < IL_GRANT_MAX; i++) {
		il_grant *g = &gs->g[i];
		if (!g->used) {
			slot = g;
			break;
		}
		if (!oldest || g->seq < oldest->seq)
			oldest = g;
	}
	if (!slot) {
		grant_clear(gs, oldest);
		slot = oldest;
	}
	ng.used = true;
	ng.pid = a->pid;
	ng.start = start;
	ng.expires_mono = now_mono_ms + IL_GRANT_MAX_MS;
	ng.seq = ++gs->seq;
	snprintf(ng.id, sizeof ng.id, "%s", request_id ? request_id : "?");
	*slot = ng;
	gs->live++;
}

/* Is `pid` the granted process or below it? The chain walk is bounded and
 * a process whose chain cannot be read is not covered. */
static bool from_granted_process(const il_grant *g, pid_t pid)
{
	uint64_t start;
	if (il_proc_start_time(g->pid, &start) < 0 || start != g->start)
		return false;   /* the approved process is gone (or its pid reused) */
	pid_t p = pid;
	for (int depth = 0; depth < 64 && p > 1; depth++) {
		if (p == g->pid)
			return true;
		p = il_proc_ppid(p);
	}
	return false;
}

const char *il_grants_cover(il_grants *gs, const il_action *a, const il_verdict *v,
                            int64_t now_mono_ms)
{
	if (!gs || gs->live == 0 || !a || !v || a->kind != IL_KIND_DELETE ||
	    v->decision != IL_APPROVE || !a->path || a->pid <= 0)
		return NULL;
	for (size_t i = 0; i < IL_GRANT_MAX; i++) {
		il_grant *g = &gs->g[i];
		if (!g->used)
			continue;
		if (now_mono_ms >= g->expires_mono) {
			grant_clear(gs, g);
			continue;
		}
		bool path_ok = false;
		for (size_t k = 0; k < g->npaths && !path_ok; k++)
			path_ok = path_under(a->path, g->paths[k]);
		if (!path_ok)
			continue;
		if (from_granted_process(g, a->pid))
			return g->id;
	}
	return NULL;
}
