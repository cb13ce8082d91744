/*
 * journal.h — the durable journal of pending approval requests, so that a
 * request survives a crash or restart of `interlock serve`.
 *
 * An append-only file of JSON lines (mode 0600, owned by the sidecar's
 * user). Before the sidecar tells a shim that its call is PENDING, it
 * appends a "pending" record and fdatasync()s it: request id, the action
 * exactly as decided (the DECIDE frame, hex) and its fingerprint (SHA-256
 * of that frame), the peer's pid and process start time (/proc/PID/stat
 * field 22 — a reused pid has another start time), uid, creation time and
 * deadline (wall clock, ms), and the ids of the matched rules. When the
 * request leaves the sidecar a "done" record follows (not synced: losing it
 * only means the restarted sidecar re-offers a request nobody resumes, and
 * cancels it after the grace period).
 *
 * On open, the file is read (unparsable lines — a torn last write — are
 * skipped), every pending record without a later done record whose frame
 * still matches its fingerprint is returned, and the file is compacted to
 * just those records (written to a temporary file, synced, renamed).
 */
#ifndef INTERLOCK_JOURNAL_H
#define INTERLOCK_JOURNAL_H

#include "proctree.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define IL_JOURNAL_ID_MAX 128
#define IL_JOURNAL_MAX_BYTES (256u * 1024u * 1024u)   /* refuse larger files */

typedef struct {
	char id[IL_JOURNAL_ID_MAX + 1];
	char fingerprint[65];          /* lower-case hex SHA-256 of frame */
	pid_t pid;                     /* the peer that sent the action */
	uint64_t start_time;           /* its start time (clock ticks since boot) */
	uid_t uid;
	int64_t created_wall_ms, deadline_wall_ms;
	char **rules;                  /* matched rule ids */
	size_t nrules;
	uint8_t *frame;                /* the DECIDE frame (header + payload) */
	size_t frame_len;
} il_journal_entry;

typedef struct il_journal il_journal;

/* Open (creating) the journal at path; *out / *nout receive the requests
 * still pending (free with il_journal_entries_free). NULL + err when the
 * file cannot be opened, is not a regular file owned by us, is accessible
 * by group/others, or is too large. */
il_journal *il_journal_open(const char *path, il_journal_entry **out, size_t *nout,
                            char *err, size_t n);
void il_journal_close(il_journal *j);

/* Append a pending record and make it durable. 0, or -1 + err. */
int il_journal_add(il_journal *j, const il_journal_entry *e, char *err, size_t n);
/* Append a done record for id (best effort, not synced). When no request
 * is pending any more and the file has grown, it is truncated. */
void il_journal_done(il_journal *j, const char *id, size_t still_pending);

void il_journal_entries_free(il_journal_entry *e, size_t n);

/* il_proc_start_time (the identity a RESUME must match) is in proctree.h. */

#endif
