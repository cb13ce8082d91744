/*
 * breakglass.h — the emergency override: a credential operators hold, and a
 * time-boxed, rule-scoped window the sidecar opens when it is presented.
 *
 * The credential is a random 32-byte secret in a key file only operators can
 * read. The sidecar keeps only a *verifier*, PBKDF2-HMAC-SHA256(secret, salt,
 * iterations), so an agent that can read every file of the sidecar still
 * cannot produce the secret. See docs/break-glass.md for the full design.
 */
#ifndef INTERLOCK_BREAKGLASS_H
#define INTERLOCK_BREAKGLASS_H

#include "policy.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IL_BG_SECRET_BYTES 32
#define IL_BG_SECRET_HEX (IL_BG_SECRET_BYTES * 2)
#define IL_BG_DEFAULT_MAX_MS (60 * 60 * 1000LL)        /* sidecar default maximum window: 1h */
#define IL_BG_HARD_CAP_MS (24 * 60 * 60 * 1000LL)      /* client-side hard cap: 24h */
#define IL_BG_DEFAULT_KEY_PATH "/etc/interlock/break-glass.key"
#define IL_BG_KEY_ENV "INTERLOCK_BREAK_GLASS_KEY"

/* `interlock break-glass keygen --key FILE --verifier FILE`: create both
 * (key 0600, verifier 0644; refuses to overwrite either). 0 or -1 + err. */
int il_breakglass_keygen(const char *key_path, const char *verifier_path, char *err, size_t errlen);

typedef struct il_bg_verifier il_bg_verifier;
il_bg_verifier *il_bg_verifier_load(const char *path, char *err, size_t errlen);
void il_bg_verifier_free(il_bg_verifier *v);
/* Constant-time check of a hex secret against the verifier: 1 ok, 0 wrong
 * (also for malformed input or a NULL verifier). */
int il_bg_verifier_check(const il_bg_verifier *v, const char *secret_hex);

/* Read the key file into secret_hex (n >= IL_BG_SECRET_HEX + 1). Refuses a
 * non-regular file and a file readable/writable by other; a group-readable
 * file is accepted (operators' group). 0 or -1 + err. */
int il_breakglass_read_key(const char *key_path, char *secret_hex, size_t n, char *err, size_t errlen);

typedef struct {
	char id[40];              /* "bg-" + random hex */
	char reason[512];
	int64_t opened_wall_ms, expires_wall_ms, expires_mono_ms;
	char **rules; size_t nrules;  /* empty: every break_glass-eligible rule */
	char opened_by[64];
} il_bg_window;

/* Does window w (if open at now_mono) override verdict v? Only if: window not
 * expired, the verdict is approve or deny, every matching rule that made the
 * decision approve/deny has break_glass = true (v->break_glass_ok), and if
 * w->rules is non-empty the primary rule id is in w->rules. Pure function. */
bool il_bg_window_covers(const il_bg_window *w, const il_verdict *v, int64_t now_mono_ms);

/* Sidecar side of {"op":"break_glass",...}: validate the request (reason
 * 1..511 bytes, for_ms in 1..max_ms, optional rules: array of at most 64 rule
 * ids, secret: 64 hex digits), check the secret against v, and fill *out
 * (fresh id, wall and monotonic clocks from now, copies of the rule ids;
 * opened_by = `who`, e.g. "uid 1000 pid 4242"). The caller must already have
 * refused requests from inside the agent's process tree (proctree.h,
 * il_proc_in_trees). 0 ok, -1 with a client-presentable message in err.
 * Release with il_bg_window_clear. */
int il_bg_window_open(il_bg_window *out, const il_bg_verifier *v, const cJSON *req,
                      int64_t max_ms, const char *who, char *err, size_t errlen);
void il_bg_window_clear(il_bg_window *w);

/* Check a window's rule filter against the loaded policy: every named rule
 * must exist and have break_glass = true. 0 ok, -1 with err naming the rule. */
int il_bg_window_check_rules(const il_bg_window *w, const il_policy *p, char *err, size_t errlen);

/* The window as a JSON object for responses and audit detail:
 * {"override_id","reason","opened_wall_ms","expires_wall_ms","rules":[..],"opened_by"}. */
cJSON *il_bg_window_json(const il_bg_window *w);

#endif
