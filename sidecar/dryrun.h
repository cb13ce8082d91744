/*
 * dryrun.h — the dry-run report: what a rule set *would* have gated.
 *
 * In dry-run mode every action is allowed, but its real verdict is recorded
 * here; at exit the sidecar prints a summary (and optionally writes JSON) so
 * a rule set can be tuned before it is enforced. Memory is bounded: at most
 * IL_DRYRUN_MAX_DISTINCT distinct gated actions are kept; the report says
 * when the cap was reached (counts stay exact).
 */
#ifndef INTERLOCK_DRYRUN_H
#define INTERLOCK_DRYRUN_H

#include "action.h"
#include "policy.h"

#include <stdint.h>
#include <stdio.h>

#define IL_DRYRUN_MAX_DISTINCT 10000
#define IL_DRYRUN_MAX_RULES 4096

typedef struct il_dryrun il_dryrun;
il_dryrun *il_dryrun_new(void);
void il_dryrun_free(il_dryrun *d);
/* record one decided action (the policy's verdict before dry-run softened it); thread-safe */
void il_dryrun_record(il_dryrun *d, const il_action *a, const il_verdict *v);
/* the summary table on `out` (stderr at exit): counts per decision (allow / would_approve / would_deny), per rule,
   the distinct actions that would have been gated (deduplicated by a normalised key: program+argv / path / host:port /
   method+url), and an estimate of approvals per hour of agent runtime. */
void il_dryrun_print(const il_dryrun *d, FILE *out, int64_t runtime_ms);
/* the same as one JSON object written to `path` (0600, replaced atomically). 0 or -1 + err. */
int il_dryrun_write_json(const il_dryrun *d, const char *path, int64_t runtime_ms, char *err, size_t errlen);

#endif
