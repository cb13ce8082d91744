/*
 * seccomp_cache.h — "one human decision per action": the shim's recent
 * ALLOW verdicts, remembered for a few seconds so that the seccomp
 * notification for the very same call (the shim calls the real function
 * after its verdict, and the kernel then stops it again) resolves from the
 * shim's verdict instead of asking a second time.
 *
 * The sidecar feeds it through three one-line hooks in sidecar.c: the
 * action of every DECIDE frame (il_shimcache_note_decide), every frame it
 * sends to a shim connection (il_shimcache_note_frame: a PENDING marks the
 * call as human-gated, an ALLOW VERDICT stores the entry), and the end of
 * a connection (il_shimcache_forget).
 *
 * Entries are keyed by the caller's pid (thread-group id), the kind, and a
 * hash of exactly what was decided: program + argv for exec, the absolute
 * path (and rename source) for a delete, address + port for a connect.
 * An entry serves one notification and expires after IL_SHIMCACHE_TTL_MS.
 * The table is process-wide (one sidecar per process) and bounded; losing
 * an entry only means a second question, never a wrong allow.
 */
#ifndef INTERLOCK_SECCOMP_CACHE_H
#define INTERLOCK_SECCOMP_CACHE_H

#include "action.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define IL_SHIMCACHE_TTL_MS 10000

/* Hooks (sidecar.c). conn identifies the shim connection; layer is the
 * DECIDE frame's IL_T_LAYER (frames from the seccomp layer are ignored). */
void il_shimcache_note_decide(const void *conn, const il_action *a, const char *layer);
void il_shimcache_note_frame(const void *conn, const void *frame, size_t len);
void il_shimcache_forget(const void *conn);

/* The hash that identifies what an action does (see above). */
uint64_t il_shimcache_key(const il_action *a);

typedef struct {
	bool gated;           /* a human approved it (the shim saw PENDING) */
	char host[256];       /* connect: the host name the shim resolved ("" unknown) */
	char rule[128];       /* matched rule id ("" none) */
} il_shimcache_hit;

/* Take (consume) the entry for an action by process tgid with key `key`;
 * true and *hit filled when there is a live one. */
bool il_shimcache_take(pid_t tgid, il_kind kind, uint64_t key, il_shimcache_hit *hit);

/* Store an entry directly (tests; the frame hook uses it). */
void il_shimcache_put(pid_t tgid, il_kind kind, uint64_t key, bool gated, const char *host,
                      const char *rule);

/* Drop everything (tests). */
void il_shimcache_clear(void);

#endif
