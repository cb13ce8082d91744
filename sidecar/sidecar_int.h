/*
 * sidecar_int.h — the sidecar's internal state, shared by sidecar.c
 * (sockets, connections, the decision pipeline), request.c (pending
 * requests: approvals, deadlines, verdict release) and control_server.c
 * (the control socket). Not for use outside those files.
 */
#ifndef INTERLOCK_SIDECAR_INT_H
#define INTERLOCK_SIDECAR_INT_H

#include "denymemo.h"
#include "grant.h"
#include "journal.h"
#include "sidecar.h"
#include "wire.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Bytes a control connection may buffer before its line is complete. */
#define IL_CTL_MAX_IN IL_CONTROL_MAX_LINE
/* How long a request whose connection closed (process still alive) waits
 * for the shim to reconnect with IL_MSG_RESUME before it is cancelled. */
#define IL_DETACH_GRACE_MS 3000
/* How long a request restored from the journal after a sidecar restart
 * waits for its shim to reconnect before it is cancelled. */
#define IL_RESTORE_GRACE_MS 60000

typedef struct il_request il_request;

typedef struct il_conn {
	int fd;
	il_sidecar *sc;
	bool is_ctl;
	uid_t uid;
	pid_t pid;
	uint8_t *in;               /* bounded input buffer */
	size_t inlen, incap;
	il_wire_buf out;           /* pending output */
	size_t outoff;
	bool close_after_flush;
	bool registered_root;      /* ctl: this connection registered a tree root */
	il_request *req;           /* agent: the request in flight */
	struct il_conn *prev, *next;
} il_conn;

struct il_request {
	il_approval_request pub;
	char id[16];
	il_sidecar *sc;
	il_conn *conn;             /* NULL while detached */
	il_wire_message msg;       /* owns the action */
	il_verdict verdict;
	char *summary;
	int64_t recv_mono;
	uint64_t timer, detach_timer;
	char **reviewers;
	size_t nreviewers;
	bool submitted;            /* handed to the approver */
	bool done;                 /* verdict decided (maybe awaiting RESUME) */
	il_wire_decision final;    /* when done */
	char *final_rule, *final_reason, *final_message, *final_banner;
	bool journaled;            /* a pending record is in the journal */
	pid_t peer_pid;            /* journaled: the peer and its start time, */
	uint64_t peer_start;       /* which a RESUME must come from */
	struct il_request *prev, *next;
};

struct il_sidecar {
	il_loop *loop;
	il_sidecar_opts o;
	char *agent_path, *ctl_path;
	int agent_fd, ctl_fd;
	il_approver *approver;
	il_conn *conns;
	size_t nconns;
	il_request *reqs;
	size_t npending;
	pid_t *roots;
	size_t nroots;
	il_bg_window bg;
	bool bg_open;
	uint64_t bg_timer;
	char hostname[256];
	char *session, *agent_id;
	il_journal *journal;           /* pending requests survive a restart; may be NULL */
	size_t njournaled;            /* journaled requests not yet done */
	bool suspending;              /* shutdown that keeps the journal's requests */
	il_grants *grants;            /* what approved programs may delete (grant.h) */
	il_denymemo *denied;          /* execs denied moments ago (denymemo.h) */
	pid_t self_pid;               /* this process: its in-process connections */
};

/* sidecar.c */
void il_conn_send(il_conn *c, const il_wire_buf *frame);
void il_conn_close(il_conn *c);
int il_sc_audit(il_sidecar *sc, const il_audit_record *r, char *err, size_t n);
/* Tell the approval backend a gated action ran under break-glass. */
void il_sc_report_break_glass_use(il_sidecar *sc, const char *id, const il_action *a,
                                  const il_verdict *v);
/* Format "interlock: denied <summary> (<why>)" style messages. */
char *il_sc_message(const char *verb, const char *summary, const char *why);

/* request.c */
il_request *il_request_new(il_sidecar *sc, il_conn *c, il_wire_message *msg,
                           const il_verdict *v, char *summary);
il_request *il_request_find(il_sidecar *sc, const char *id);
/* Send PENDING, submit to the approver, arm the deadline. */
void il_request_start(il_request *r);
/* The request's connection closed; `grace`: the peer may RESUME (it hung
 * up, rather than being thrown out for a protocol error). */
void il_request_detach(il_request *r, bool grace);
/* A shim reconnected and asked for r. */
void il_request_resume(il_request *r, il_conn *c);
/* Allow every pending request a new break-glass window covers. */
void il_request_apply_break_glass(il_sidecar *sc);
/* Shutdown: deny and drop everything. */
void il_request_shutdown_all(il_sidecar *sc, const char *why);
/* Shutdown with a journal: drop undecided requests from memory but keep
 * them in the journal (the shims reconnect to the next sidecar). */
void il_request_suspend_all(il_sidecar *sc);
/* Recreate the journal's pending requests, detached, awaiting RESUME. */
void il_request_restore(il_sidecar *sc, const il_journal_entry *e);
/* Hand restored requests to the (new) approver; cancel those whose
 * process is gone. */
void il_request_submit_restored(il_sidecar *sc);
/* May connection c resume request r (same peer process as journaled)? */
bool il_request_peer_matches(const il_request *r, const il_conn *c);
void il_request_free(il_request *r);

/* control_server.c */
void il_ctl_handle_line(il_conn *c, const char *line, size_t len);
void il_ctl_conn_closed(il_conn *c);
void il_ctl_close_break_glass(il_sidecar *sc, const char *why);

#endif
