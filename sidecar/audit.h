/*
 * audit.h — the tamper-evident audit log (PRODUCT §7).
 *
 * One JSON object per line (JSON Lines), one line per decision or event,
 * written with a single write(2) and fsync'd before il_audit_append returns,
 * so a verdict is only released once its record is durable. Every record
 * carries `prev` (the previous record's hash) and `hash` (SHA-256 over prev +
 * the record without its hash member): `il_audit_verify` detects an edited,
 * dropped, reordered or truncated record. The exact byte format is specified
 * in docs/audit.md so that an independent verifier can be written.
 *
 * The log is append-only and single-writer: il_audit_open takes an exclusive
 * flock(2) on the file, so two sidecars cannot interleave two chains.
 */
#ifndef INTERLOCK_AUDIT_H
#define INTERLOCK_AUDIT_H

#include "action.h"
#include "policy.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define IL_AUDIT_FORMAT_VERSION 1
/* Longest line il_audit_verify / il_audit_open accept (bytes, with '\n'). */
#define IL_AUDIT_MAX_LINE (1024 * 1024)

typedef struct il_audit il_audit;

typedef struct {
	const char *event;          /* "decision" (default when NULL), "break_glass_open", "break_glass_close",
	                               "break_glass_use", "session_start", "session_end", "self_approval_refused",
	                               "request_cancelled", "error" */
	const char *request_id;
	const il_action *action;    /* may be NULL for events */
	const il_verdict *verdict;  /* matched rules + risk; may be NULL */
	const char *policy_version;
	const char *decision;       /* final: "allow" "deny" "would_deny" "would_approve" ... */
	const char *decided_by;     /* "rule" "default" "reviewer" "timeout" "break-glass" "dry-run" "error" */
	const char *reviewer;       /* reviewer name(s), NULL if none */
	const char *reason;
	int64_t latency_ms;         /* request received -> decision; -1 unknown */
	const char *override_id;    /* break-glass window id, NULL if none */
	const char *detail;         /* free text for events */
	/* Context for records without an action (session_start, break-glass
	 * events...). When `action` is set, its session/agent_id win. */
	const char *session;
	const char *agent_id;
} il_audit_record;

/* Open (creating mode 0600 if missing) the log at `path` for appending.
 * Continues the hash chain from the last record of an existing file: the
 * last line must be complete (end with '\n'), parse, and its hash must match
 * its content; otherwise the open is refused with a message in err — never a
 * silently restarted chain. Refuses a symlink, a non-regular file, a file
 * writable by group/other, and a file another process holds open for
 * auditing. NULL on error. */
il_audit *il_audit_open(const char *path, char *err, size_t errlen);

/* Append one record as one JSON line (single write(2), then fsync). 0 ok,
 * -1 error with err set ("audit log /x: No space left on device").
 * Thread-safe. On a failed or short write the file is truncated back to its
 * previous size and the chain state is left unchanged, so a later append may
 * succeed once the cause is gone; if even the truncation fails, the log is
 * marked broken and every later append fails (fail closed). */
int il_audit_append(il_audit *a, const il_audit_record *r, char *err, size_t errlen);

/* Records appended through this handle plus those found at open (= last seq). */
uint64_t il_audit_seq(il_audit *a);
/* Hex hash of the last record (64 zeros for an empty log) into buf[65]. */
void il_audit_last_hash(il_audit *a, char buf[65]);

void il_audit_close(il_audit *a);

/* Verify the whole chain. 0: prints "audit: N records verified, chain intact"
 * on out. 1: prints "FILE:LINE: reason" for the first bad line (edited,
 * dropped, reordered record, truncated tail / partial last line, bad JSON,
 * deleted head) or "FILE: reason" when the file cannot be read. */
int il_audit_verify(const char *path, FILE *out);

/* Summarise a log (PRODUCT §7): decisions, approval rate, human decision
 * latency p50/p95, timeouts and denials per rule, top gated programs / paths
 * / hosts, counts per decision and decided_by, break-glass windows and uses.
 * Text or (json) one JSON object. 0 ok, 1 unreadable file. */
int il_audit_stats(const char *path, FILE *out, bool json);

/* Read the next line of an audit file into *buf (grown as needed, bounded by
 * IL_AUDIT_MAX_LINE): 1 with *len bytes (NUL-terminated, '\n' stripped) and
 * *nl telling whether a newline ended it; 0 at end of file; -1 on a read
 * error, an over-long line or OOM. */
int il_audit_next_line(FILE *f, char **buf, size_t *cap, size_t *len, bool *nl);

/* Test hook: replace the handle's file descriptor (e.g. with /dev/full) to
 * exercise the failure path. Takes ownership of fd. Not for production. */
void il_audit_test_set_fd(il_audit *a, int fd);

#endif
