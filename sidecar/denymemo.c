/*
 * denymemo.c — recent exec denials, so a shell's $PATH retry of a denied
 * program is not a fresh question (see denymemo.h).
 */
#include "denymemo.h"

#include "util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	pid_t pid;
	uint64_t key;
	int64_t expires;
	char reason[256];
} memo_slot;

struct il_denymemo {
	memo_slot s[IL_DENYMEMO_SLOTS];
	size_t next;          /* round-robin replacement */
};

il_denymemo *il_denymemo_new(void)
{
	return xcalloc(1, sizeof(il_denymemo));
}

void il_denymemo_free(il_denymemo *m)
{
	free(m);
}

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	h ^= 0xff;   /* separator: ("ab","c") and ("a","bc") differ */
	return h * 1099511628211ull;
}

/* What the exec runs: the resolved program file and the whole argv. 0 when
 * the action carries no program (never remembered). */
static uint64_t exec_key(const il_action *a)
{
	if (a->kind != IL_KIND_EXEC || !a->program || !a->program[0])
		return 0;
	char real[PATH_MAX];
	const char *prog = realpath(a->program, real) ? real : a->program;
	uint64_t h = fnv(14695981039346656037ull, prog);
	for (size_t i = 0; i < a->argc; i++)
		h = fnv(h, a->argv[i] ? a->argv[i] : "");
	return h ? h : 1;
}

void il_denymemo_note(il_denymemo *m, const il_action *a, const char *reason, int64_t now_mono_ms)
{
	if (!m || !a || a->pid <= 0)
		return;
	uint64_t key = exec_key(a);
	if (!key)
		return;
	memo_slot *slot = &m->s[m->next];
	m->next = (m->next + 1) % IL_DENYMEMO_SLOTS;
	slot->pid = a->pid;
	slot->key = key;
	slot->expires = now_mono_ms + IL_DENYMEMO_TTL_MS;
	snprintf(slot->reason, sizeof slot->reason, "%s", reason ? reason : "denied");
}

const char *il_denymemo_check(il_denymemo *m, const il_action *a, int64_t now_mono_ms)
{
	if (!m || !a || a->pid <= 0 || a->kind != IL_KIND_EXEC)
		return NULL;
	uint64_t key = 0;
	for (size_t i = 0; i < IL_DENYMEMO_SLOTS; i++) {
		memo_slot *s = &m->s[i];
		if (s->pid != a->pid || now_mono_ms >= s->expires)
			continue;
		if (!key)
			key = exec_key(a);
		if (s->key == key)
			return s->reason;
	}
	return NULL;
}
