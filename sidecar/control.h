/*
 * control.h — the sidecar's control socket: a client helper for the CLI
 * commands (`interlock pending|approve|deny|break-glass`) and the discovery
 * of every sidecar the current user runs.
 *
 * Protocol (docs/sidecar.md, "Control protocol"): over ctl.sock, a
 * SOCK_STREAM Unix socket in the sidecar's 0700 session directory, the
 * client writes one JSON object on one line and reads one JSON object on
 * one line back. Requests carry "op": "pending", "decide", "break_glass",
 * "status" (and "register", used by `interlock run --connect`). Every
 * response carries "ok": true|false, and "error": "message" when false.
 * The sidecar identifies the caller with SO_PEERCRED: a caller inside an
 * agent's process tree may list and query, never decide or break glass.
 */
#ifndef INTERLOCK_CONTROL_H
#define INTERLOCK_CONTROL_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* Longest request or response line either side accepts (bytes). */
#define IL_CONTROL_MAX_LINE (1024u * 1024u)
/* Longest response line a client accepts: `pending` lists every pending
 * request (thousands in a shared sidecar under load, ~400 bytes each). */
#define IL_CONTROL_MAX_RESPONSE (64u * 1024u * 1024u)
/* How long a client waits for the sidecar's answer. */
#define IL_CONTROL_TIMEOUT_MS 10000

/* Send `req` to the sidecar listening on `ctl_path` and wait for its one-line
 * answer. 0: *resp holds the parsed response object (caller frees it with
 * cJSON_Delete), whatever its "ok" says. -1: no answer (connect refused,
 * timeout, malformed response...) with a message in err; *resp is NULL. */
int il_control_call(const char *ctl_path, const cJSON *req, cJSON **resp,
                    char *err, size_t n);

/* Every control socket of the current user's sidecars: the ctl.sock of each
 * session directory under the per-user runtime directory (rundir.h) whose
 * socket accepts a connection. Stale session directories (socket refuses)
 * are removed. Returns the count and a malloc'd array of malloc'd paths in
 * *ctl_paths (free with il_control_list_free); 0 and NULL when none. */
size_t il_control_list(char ***ctl_paths);
void il_control_list_free(char **ctl_paths, size_t n);

#endif
