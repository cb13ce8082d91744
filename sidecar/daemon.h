/*
 * daemon.h — what `interlock run` (private sidecar) and `interlock serve`
 * (shared sidecar) have in common: load the rules, open the audit log,
 * load the break-glass verifier, bind the sockets, plug in the approver,
 * then run the loop; and tear it all down in order (pending requests
 * denied, dry-run report written, audit closed, sockets removed).
 *
 * Functions here print their own error messages ("interlock: ...") since
 * they serve only the two commands.
 */
#ifndef INTERLOCK_DAEMON_H
#define INTERLOCK_DAEMON_H

#include "sidecar.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct {
	const char *const *rules;       /* rule files (>= 1) */
	size_t nrules;
	const char *approver;           /* "cli" (default), "tty" or an http(s):// URL */
	const il_approver_http_cfg *approver_http;   /* settings for an http(s) approver */
	const char *journal_path;       /* durable pending journal; NULL: none */
	const char *audit_path;         /* NULL: no audit log */
	bool audit_allowed;
	bool dry_run;
	const char *report_path;        /* dry-run JSON report */
	int64_t timeout_ms;             /* 0: the rules' defaults */
	const char *agent_id;
	const char *bg_verifier;        /* NULL: break-glass disabled */
	int64_t bg_max_ms;
	const uid_t *allow_uids;
	size_t nallow_uids;
	const char *dir;                /* socket directory (exists, private) */
	unsigned sock_mode;
	const char *session;
} il_daemon_cfg;

typedef struct {
	il_daemon_cfg cfg;
	il_loop *loop;
	il_policy *policy;
	il_audit *audit;
	il_dryrun *dryrun;
	il_bg_verifier *bg;
	il_sidecar *sc;
	int64_t started_mono;
	char agent_sock[256], ctl_sock[256];
} il_daemon;

/* Load the rules (printing every FILE:LINE:COL error). NULL on failure. */
il_policy *il_daemon_load_rules(const char *const *files, size_t n);

/* Everything up to a listening sidecar. 0, or -1 after printing why
 * (everything already set up is released). */
int il_daemon_start(il_daemon *d, const il_daemon_cfg *cfg);

/* Tear down (see above). Safe on a partially started daemon. */
void il_daemon_stop(il_daemon *d);

#endif
