/*
 * hints_frame.h — the HINTS reply (interceptor/protocol.h): what a shim
 * may skip asking the sidecar about under a policy, as one frame.
 */
#ifndef INTERLOCK_HINTS_FRAME_H
#define INTERLOCK_HINTS_FRAME_H

#include "policy.h"
#include "wire.h"

#include <stdbool.h>

/*
 * Encode the HINTS frame for policy p into b: the delete screen (path globs
 * of every delete rule), the exec screen (program globs of every exec
 * rule), "no HTTP rule at all", and the HTTP screen (per http rule: method,
 * host and url-host globs) — each only where it is sound, and none when the
 * sidecar must see every action (sees_all: dry-run, or auditing every
 * allow). An HTTP screen over the protocol's bounds is left out (the shim
 * then asks about every request). 0, or -1 when the frame cannot be built
 * (out of memory, or larger than a frame may be).
 */
int il_hints_frame(il_wire_buf *b, const il_policy *p, bool sees_all);

#endif
