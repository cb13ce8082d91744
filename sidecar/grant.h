/*
 * grant.h — what a human's approval of a program covers.
 *
 * Approving `rm -rf /srv/old` is approving the deletes that rm is about to
 * make. Without grants, every file rm removes that a delete rule gates
 * would ask the reviewer again. A grant records, for an approved exec, the
 * approved process (pid + start time, so a reused pid is never covered)
 * and the paths its command line named (argv operands resolved against its
 * cwd). A later delete that a rule sends for *approval* is allowed without
 * asking when it comes from that process or one of its descendants and its
 * path is one of those paths or lies below one. Grants never override a
 * deny rule, never cover other kinds of action, die with the process, and
 * last at most IL_GRANT_MAX_MS. Every action a grant allows is audited
 * with decided_by "grant" and the approving request's id.
 */
#ifndef INTERLOCK_GRANT_H
#define INTERLOCK_GRANT_H

#include "action.h"
#include "policy.h"

#include <stddef.h>
#include <stdint.h>

#define IL_GRANT_MAX 256                  /* live grants per sidecar (oldest evicted) */
#define IL_GRANT_MAX_PATHS 32             /* operands remembered per grant */
#define IL_GRANT_MAX_MS (60 * 60 * 1000)  /* a grant's longest life */

typedef struct il_grants il_grants;

il_grants *il_grants_new(void);
void il_grants_free(il_grants *g);

/* Record the grant of an approved exec action (no-op for other kinds, or
 * when the command line names no path). request_id names the approval. */
void il_grants_add(il_grants *g, const il_action *exec, const char *request_id,
                   int64_t now_mono_ms);

/* The id of the approval that covers `a` (a delete whose verdict is
 * approve), or NULL when none does. */
const char *il_grants_cover(il_grants *g, const il_action *a, const il_verdict *v,
                            int64_t now_mono_ms);

#endif
