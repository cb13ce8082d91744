/*
 * denymemo.h — a denied exec stays denied when the shell asks again.
 *
 * After execve fails with EACCES, a POSIX shell (dash, busybox sh) tries
 * the next $PATH entry: `/usr/bin/rm` denied, it asks about `/bin/rm` —
 * on a merged-/usr system the very same file. Without a memory of the
 * denial, that second request would reach the reviewer as a new question
 * (and an approval of it would run what was just denied). So the sidecar
 * remembers each exec it denied — by the process, the program's resolved
 * path (realpath) and the full argv — for IL_DENYMEMO_TTL_MS, and a request
 * for the same thing from the same process within that time is denied at
 * once with the original reason. The table is small and bounded; losing an
 * entry only means the reviewer is asked again.
 */
#ifndef INTERLOCK_DENYMEMO_H
#define INTERLOCK_DENYMEMO_H

#include "action.h"

#include <stdint.h>

#define IL_DENYMEMO_SLOTS 64
#define IL_DENYMEMO_TTL_MS 5000

typedef struct il_denymemo il_denymemo;

il_denymemo *il_denymemo_new(void);
void il_denymemo_free(il_denymemo *m);

/* Remember that exec action `a` was denied for `reason` (no-op for other kinds). */
void il_denymemo_note(il_denymemo *m, const il_action *a, const char *reason, int64_t now_mono_ms);

/* The reason `a` was denied moments ago, or NULL. */
const char *il_denymemo_check(il_denymemo *m, const il_action *a, int64_t now_mono_ms);

#endif
