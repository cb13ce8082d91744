/*
 * approval_internal.h — helpers shared by the files that implement
 * approval_proto.h (approval_request.c, approval_verdict.c,
 * approval_ids.c, replay_cache.c). Nothing else includes it.
 */
#ifndef INTERLOCK_APPROVAL_INTERNAL_H
#define INTERLOCK_APPROVAL_INTERNAL_H

#include <cjson/cJSON.h>
#include <stdbool.h>

/* 2^53 - 1: the largest integer a JSON double holds exactly. Times and
 * counts on the wire stay within it. */
#define IL_JSON_MAX_SAFE_INT 9007199254740991LL

/*
 * Add "key": v to a JSON object as an exact integer literal (cJSON would
 * go through a double). Returns false when memory runs out.
 */
bool il_json_add_int(cJSON *obj, const char *key, long long v);

#endif
