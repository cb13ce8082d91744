/*
 * replay_cache.c — the verdict nonce replay cache: each accepted nonce is
 * remembered until its verdict expires, so a captured verdict cannot be
 * played back. Bounded and fail-closed: full of unexpired nonces means
 * new verdicts are refused. Internally locked. Contracts in
 * approval_proto.h.
 */
#include "approval_proto.h"
#include "util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	char nonce[IL_VERDICT_NONCE_MAX + 1];
	int64_t expires_at_ms;     /* 0: empty slot */
} replay_slot;

struct il_replay_cache {
	pthread_mutex_t lock;
	size_t cap;
	replay_slot *slots;
};

il_replay_cache *il_replay_cache_new(size_t capacity)
{
	if (capacity == 0 || capacity > (1u << 20))
		return NULL;
	il_replay_cache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->slots = calloc(capacity, sizeof *c->slots);
	if (!c->slots) {
		free(c);
		return NULL;
	}
	c->cap = capacity;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void il_replay_cache_free(il_replay_cache *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c->slots);
	free(c);
}

int il_replay_cache_check_add(il_replay_cache *c, const char *nonce, int64_t expires_at_ms,
                              int64_t now_wall_ms, char *err, size_t errlen)
{
	if (!c || !il_verdict_nonce_valid(nonce)) {
		il_set_err(err, errlen, "no replay cache or invalid nonce");
		return -1;
	}
	pthread_mutex_lock(&c->lock);
	replay_slot *free_slot = NULL;
	int rc = 0;
	for (size_t i = 0; i < c->cap; i++) {
		replay_slot *s = &c->slots[i];
		if (s->expires_at_ms != 0 && s->expires_at_ms <= now_wall_ms)
			s->expires_at_ms = 0;  /* expired: its verdict is refused anyway */
		if (s->expires_at_ms == 0) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (strcmp(s->nonce, nonce) == 0) {
			il_set_err(err, errlen, "nonce replayed: this verdict was already used");
			rc = -1;
			goto out;
		}
	}
	if (!free_slot) {
		il_set_err(err, errlen, "replay cache full of unexpired nonces; refusing verdict");
		rc = -1;
		goto out;
	}
	snprintf(free_slot->nonce, sizeof free_slot->nonce, "%s", nonce);
	free_slot->expires_at_ms = expires_at_ms > 0 ? expires_at_ms : 1;
out:
	pthread_mutex_unlock(&c->lock);
	return rc;
}
