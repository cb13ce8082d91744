/*
 * daemon.c — shared start-up and shutdown of a sidecar (daemon.h).
 */
#include "daemon.h"
#include "rundir.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

il_policy *il_daemon_load_rules(const char *const *files, size_t n)
{
	il_errors errs = { 0 };
	const char *ins = getenv("INTERLOCK_INSECURE_RULES");
	il_policy_opts po = { .allow_insecure_perms = ins && strcmp(ins, "1") == 0 };
	il_policy *p = il_policy_load(files, n, &po, &errs);
	if (!p) {
		for (size_t i = 0; i < errs.len; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		if (errs.len == 0)
			fprintf(stderr, "interlock: the rules could not be loaded\n");
		fprintf(stderr, "interlock: refusing to start with an invalid rule set\n");
	}
	il_errors_free(&errs);
	return p;
}

int il_daemon_start(il_daemon *d, const il_daemon_cfg *cfg)
{
	memset(d, 0, sizeof *d);
	d->cfg = *cfg;
	d->started_mono = il_now_mono_ms();
	char err[1024];
	d->policy = il_daemon_load_rules(cfg->rules, cfg->nrules);
	if (!d->policy)
		goto fail;
	if (cfg->audit_path) {
		d->audit = il_audit_open(cfg->audit_path, err, sizeof err);
		if (!d->audit) {
			il_warn("%s", err);
			goto fail;
		}
	}
	if (cfg->dry_run) {
		d->dryrun = il_dryrun_new();
		if (!d->dryrun) {
			il_warn("out of memory");
			goto fail;
		}
	}
	if (cfg->bg_verifier) {
		d->bg = il_bg_verifier_load(cfg->bg_verifier, err, sizeof err);
		if (!d->bg) {
			il_warn("%s", err);
			goto fail;
		}
	}
	d->loop = il_loop_new();
	if (!d->loop) {
		il_warn("cannot create the event loop");
		goto fail;
	}
	if ((size_t)snprintf(d->agent_sock, sizeof d->agent_sock, "%s/%s", cfg->dir,
	                     IL_RUNDIR_AGENT_SOCK) >= sizeof d->agent_sock ||
	    (size_t)snprintf(d->ctl_sock, sizeof d->ctl_sock, "%s/%s", cfg->dir,
	                     IL_RUNDIR_CTL_SOCK) >= sizeof d->ctl_sock) {
		il_warn("%s: socket directory path too long", cfg->dir);
		goto fail;
	}
	il_sidecar_opts so = {
		.agent_sock = d->agent_sock, .ctl_sock = d->ctl_sock, .sock_mode = cfg->sock_mode,
		.session = cfg->session, .agent_id = cfg->agent_id, .policy = d->policy,
		.audit = d->audit, .audit_allowed = cfg->audit_allowed, .dry_run = cfg->dry_run,
		.dryrun = d->dryrun, .default_timeout_ms = cfg->timeout_ms, .bg = d->bg,
		.bg_max_ms = cfg->bg_max_ms, .allow_uids = cfg->allow_uids,
		.nallow_uids = cfg->nallow_uids, .journal_path = cfg->journal_path,
	};
	d->sc = il_sidecar_new(d->loop, &so, err, sizeof err);
	if (!d->sc) {
		il_warn("%s", err);
		goto fail;
	}
	il_approver *ap = il_approver_create_cfg(cfg->approver, cfg->approver_http, d->sc, d->loop,
	                                         err, sizeof err);
	if (!ap) {
		il_warn("%s", err);
		goto fail;
	}
	il_sidecar_set_approver(d->sc, ap);
	il_audit_record rec = { .event = "session_start", .session = cfg->session,
	                        .agent_id = cfg->agent_id,
	                        .policy_version = il_policy_version(d->policy),
	                        .detail = cfg->dry_run ? "dry-run" : "enforcing",
	                        .latency_ms = -1 };
	if (d->audit && il_audit_append(d->audit, &rec, err, sizeof err) < 0) {
		il_warn("%s", err);
		goto fail;
	}
	return 0;
fail:
	il_daemon_stop(d);
	return -1;
}

void il_daemon_stop(il_daemon *d)
{
	char err[1024];
	if (d->sc) {
		il_sidecar_free(d->sc);
		d->sc = NULL;
		if (d->audit) {
			il_audit_record rec = { .event = "session_end", .session = d->cfg.session,
			                        .agent_id = d->cfg.agent_id,
			                        .policy_version = il_policy_version(d->policy),
			                        .latency_ms = -1 };
			if (il_audit_append(d->audit, &rec, err, sizeof err) < 0)
				il_warn("%s", err);
		}
	}
	if (d->dryrun) {
		int64_t runtime = il_now_mono_ms() - d->started_mono;
		il_dryrun_print(d->dryrun, stderr, runtime);
		if (d->cfg.report_path &&
		    il_dryrun_write_json(d->dryrun, d->cfg.report_path, runtime, err, sizeof err) < 0)
			il_warn("%s", err);
		il_dryrun_free(d->dryrun);
		d->dryrun = NULL;
	}
	if (d->audit) {
		il_audit_close(d->audit);
		d->audit = NULL;
	}
	il_bg_verifier_free(d->bg);
	d->bg = NULL;
	il_policy_free(d->policy);
	d->policy = NULL;
	il_loop_free(d->loop);
	d->loop = NULL;
}
