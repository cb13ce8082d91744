/*
 * rundir.h — the per-user runtime directory where sidecars publish their
 * sockets, so that `interlock pending|approve|deny|break-glass` run from
 * any terminal of the same user finds them.
 *
 *   base:    $XDG_RUNTIME_DIR/interlock if XDG_RUNTIME_DIR is set (absolute),
 *            else /tmp/interlock-<uid>
 *   session: <base>/<session-id>/ (0700) holding agent.sock and ctl.sock
 *
 * The base is created 0700 and must be a real directory (not a symlink)
 * owned by the user with no group/other access; otherwise it is refused,
 * since anyone who could write there could impersonate a sidecar.
 */
#ifndef INTERLOCK_RUNDIR_H
#define INTERLOCK_RUNDIR_H

#include <stdbool.h>
#include <stddef.h>

#define IL_RUNDIR_AGENT_SOCK "agent.sock"
#define IL_RUNDIR_CTL_SOCK "ctl.sock"
#define IL_RUNDIR_LOCK "lock"          /* flock held by the owning sidecar */

/* Path of the base directory into buf (not created). 0, or -1 if too long. */
int il_rundir_base(char *buf, size_t n);

/* Create (if missing) and verify the base directory; its path into buf.
 * 0 or -1 with a message in err. */
int il_rundir_ensure_base(char *buf, size_t n, char *err, size_t errlen);

/* Verify that an existing directory is owned by us, not a symlink, and has
 * no group/other permission bits. 0 or -1 with a message in err. */
int il_rundir_check_private(const char *dir, char *err, size_t errlen);

/* Generate a fresh session id ("s-" + 16 hex chars) into buf (n >= 19). */
int il_rundir_new_session_id(char *buf, size_t n);

/* Create <base>/<session>/ 0700; its path into dir. 0 or -1 + err.
 * The calling process then holds an exclusive flock on <dir>/lock for the
 * rest of its life (the descriptor is close-on-exec and never closed): a
 * session whose lock can be taken has no live owner. */
int il_rundir_make_session(const char *session, char *dir, size_t n, char *err, size_t errlen);

/* May this session directory be removed as stale? True when its owner's
 * lock can be taken (the owner died, however it died), or when it has no
 * lock file and is over a minute old; false for a sidecar still starting
 * (its sockets not yet listening) or running. */
bool il_rundir_session_abandoned(const char *dir);

/* Remove a session directory, its sockets and lock file (best effort). */
void il_rundir_remove_session(const char *dir);

/* Fill buf with `nbytes` random bytes as lowercase hex (buf >= 2*nbytes+1).
 * 0 or -1 (getrandom failed). */
int il_random_hex(char *buf, size_t nbytes);

#endif
