/*
 * request.c — the life of a request that needs a human: PENDING to the
 * shim, submit to the approver backend, the deadline timer, distinct
 * reviewer approvals, and the release of the verdict after its audit record
 * is durable. Every exit path denies unless enough reviewers approved and
 * the audit append succeeded.
 */
#include "sidecar_int.h"
#include "describe.h"
#include "journal.h"
#include "proctree.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void list_remove(il_request *r)
{
	il_sidecar *sc = r->sc;
	if (r->prev)
		r->prev->next = r->next;
	else if (sc->reqs == r)
		sc->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
}

void il_request_free(il_request *r)
{
	if (!r)
		return;
	il_sidecar *sc = r->sc;
	il_loop_cancel_timer(sc->loop, r->timer);
	il_loop_cancel_timer(sc->loop, r->detach_timer);
	if (!r->done && sc->npending)
		sc->npending--;
	if (r->journaled && sc->journal) {
		/* A suspending shutdown keeps the record for the next sidecar. */
		sc->njournaled--;
		if (!sc->suspending)
			il_journal_done(sc->journal, r->id, sc->njournaled);
	}
	list_remove(r);
	if (r->conn && r->conn->req == r)
		r->conn->req = NULL;
	il_wire_message_free(&r->msg);
	free(r->summary);
	for (size_t i = 0; i < r->nreviewers; i++)
		free(r->reviewers[i]);
	free(r->reviewers);
	free(r->final_rule);
	free(r->final_reason);
	free(r->final_message);
	free(r->final_banner);
	free(r);
}

il_request *il_request_new(il_sidecar *sc, il_conn *c, il_wire_message *msg,
                           const il_verdict *v, char *summary)
{
	il_request *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->sc = sc;
	r->conn = c;
	r->msg = *msg;
	memset(msg, 0, sizeof *msg);
	r->verdict = *v;
	r->summary = summary;
	r->recv_mono = il_now_mono_ms();

	/* --timeout / serve `timeout` replaces the rules' timeouts (the rules
	 * engine folds [defaults].timeout into each rule, so "only where the
	 * rule has none" cannot be told apart). A timeout only ever denies. */
	int64_t timeout;
	if (sc->o.default_timeout_ms > 0)
		timeout = sc->o.default_timeout_ms;
	else if (v->timeout_ms > 0)
		timeout = v->timeout_ms;
	else
		timeout = il_policy_default_timeout_ms(sc->o.policy);
	if (timeout <= 0)
		timeout = 1;

	il_approval_request *p = &r->pub;
	p->id = r->id;
	p->action = &r->msg.action;
	p->verdict = &r->verdict;
	p->summary = r->summary;
	p->created_wall_ms = il_now_wall_ms();
	p->deadline_wall_ms = p->created_wall_ms + timeout;
	p->deadline_mono_ms = r->recv_mono + timeout;
	p->approvals_needed = v->approvals ? v->approvals : 1;
	p->session = r->msg.action.session;
	p->agent_id = r->msg.action.agent_id;
	p->hostname = sc->hostname;
	p->policy_version = sc->o.policy ? il_policy_version(sc->o.policy) : NULL;
	return r;
}

il_request *il_request_find(il_sidecar *sc, const char *id)
{
	if (!id)
		return NULL;
	for (il_request *r = sc->reqs; r; r = r->next)
		if (strcmp(r->id, id) == 0)
			return r;
	return NULL;
}

static void send_pending(il_request *r)
{
	il_wire_buf b = { 0 };
	if (il_wire_encode_pending(&b, r->id, r->pub.deadline_wall_ms) == 0)
		il_conn_send(r->conn, &b);
	il_wire_buf_free(&b);
}

static void send_final(il_request *r)
{
	il_wire_buf b = { 0 };
	if (il_wire_encode_verdict(&b, r->final, r->id, r->final_rule, r->final_reason,
	                           r->final_message, r->final_banner) == 0)
		il_conn_send(r->conn, &b);
	else
		r->conn->close_after_flush = true;
	il_wire_buf_free(&b);
}

/* Leave the pending state: tell the approver (once). */
static void unsubmit(il_request *r, const char *why)
{
	if (r->submitted) {
		r->submitted = false;
		il_approver *ap = r->sc->approver;
		if (ap && ap->ops->cancel)
			ap->ops->cancel(ap, r->id, why);
	}
}

/* Decide r for good: audit (fail closed), release the verdict to the shim
 * if it is connected, and free r — or keep it until RESUME when detached. */
static void finish(il_request *r, il_wire_decision d, const char *decided_by,
                   const char *reviewer, const char *reason, const char *override_id,
                   const char *banner)
{
	il_sidecar *sc = r->sc;
	il_loop_cancel_timer(sc->loop, r->timer);
	r->timer = 0;
	/* The backend tells its humans why the request went away. */
	unsubmit(r, d == IL_WIRE_ALLOW ? "approved" :
	            (decided_by && strcmp(decided_by, "timeout") == 0) ? "timed out" : "denied");
	char err[512];
	il_audit_record rec = {
		.event = override_id ? "break_glass_use" : NULL,
		.request_id = r->id, .action = &r->msg.action, .verdict = &r->verdict,
		.decision = d == IL_WIRE_ALLOW ? "allow" : "deny",
		.decided_by = decided_by, .reviewer = reviewer, .reason = reason,
		.latency_ms = il_now_mono_ms() - r->recv_mono, .override_id = override_id,
	};
	if (il_sc_audit(sc, &rec, err, sizeof err) < 0) {
		if (d == IL_WIRE_ALLOW) {
			d = IL_WIRE_DENY;
			reason = err;
			banner = NULL;
		} else {
			il_warn("%s", err);
		}
	}
	if (d == IL_WIRE_ALLOW && reviewer)
		il_grants_add(sc->grants, &r->msg.action, r->id, il_now_mono_ms());
	if (d == IL_WIRE_DENY)
		il_denymemo_note(sc->denied, &r->msg.action, reason, il_now_mono_ms());
	r->done = true;
	if (sc->npending)
		sc->npending--;
	r->final = d;
	r->final_rule = r->verdict.primary ? strdup(r->verdict.primary->id) : NULL;
	r->final_reason = reason ? strdup(reason) : NULL;
	r->final_banner = banner ? strdup(banner) : NULL;
	if (d == IL_WIRE_DENY)
		r->final_message = il_sc_message("denied", r->summary, reason ? reason : "denied");
	if (r->conn) {
		send_final(r);
		r->conn->req = NULL;
		r->conn = NULL;
		il_request_free(r);
	}
	/* detached: the detach timer frees it, or a RESUME collects it */
}

static void on_deadline(il_loop *l, void *arg)
{
	(void)l;
	il_request *r = arg;
	r->timer = 0;
	char d[32], reason[64];
	il_format_duration(r->pub.deadline_mono_ms - r->recv_mono, d, sizeof d);
	snprintf(reason, sizeof reason, "timed out after %s", d);
	finish(r, IL_WIRE_DENY, "timeout", NULL, reason, NULL, NULL);
}

/* Write r's pending record to the journal and sync it. 0 or -1 + err. */
static int journal_add(il_request *r, char *err, size_t n)
{
	il_sidecar *sc = r->sc;
	il_journal_entry e = { .pid = r->conn->pid, .uid = r->conn->uid,
	                       .created_wall_ms = r->pub.created_wall_ms,
	                       .deadline_wall_ms = r->pub.deadline_wall_ms };
	snprintf(e.id, sizeof e.id, "%s", r->id);
	if (il_proc_start_time(e.pid, &e.start_time) < 0) {
		snprintf(err, n, "cannot read the start time of pid %d", (int)e.pid);
		return -1;
	}
	char *rules[IL_MAX_MATCHES];
	for (size_t i = 0; i < r->verdict.nmatched && i < IL_MAX_MATCHES; i++)
		rules[e.nrules++] = (char *)r->verdict.matched[i].rule->id;
	e.rules = rules;
	il_wire_buf b = { 0 };
	if (il_wire_encode_decide(&b, &r->msg.action) < 0) {
		il_wire_buf_free(&b);
		snprintf(err, n, "cannot encode the action for the journal");
		return -1;
	}
	e.frame = b.data;
	e.frame_len = b.len;
	int rc = il_journal_add(sc->journal, &e, err, n);
	il_wire_buf_free(&b);
	if (rc < 0)
		return -1;
	r->journaled = true;
	r->peer_pid = e.pid;
	r->peer_start = e.start_time;
	sc->njournaled++;
	return 0;
}

void il_request_start(il_request *r)
{
	il_sidecar *sc = r->sc;
	r->next = sc->reqs;
	if (sc->reqs)
		sc->reqs->prev = r;
	sc->reqs = r;
	sc->npending++;
	r->conn->req = r;
	if (sc->journal) {
		/* Durable before the shim hears PENDING: a restart finds it. */
		char err[600], why[700];
		if (journal_add(r, err, sizeof err) < 0) {
			snprintf(why, sizeof why, "cannot journal the pending request: %s", err);
			finish(r, IL_WIRE_DENY, "error", NULL, why, NULL, NULL);
			return;
		}
	}
	send_pending(r);
	r->timer = il_loop_add_timer(sc->loop, r->pub.deadline_mono_ms, on_deadline, r);
	if (!r->timer) {
		finish(r, IL_WIRE_DENY, "error", NULL, "out of memory arming the deadline", NULL, NULL);
		return;
	}
	il_approver *ap = sc->approver;
	if (ap && ap->ops->submit) {
		r->submitted = true;
		if (ap->ops->submit(ap, &r->pub) < 0) {
			/* The backend could not take it: nobody can answer. */
			r->submitted = false;
			finish(r, IL_WIRE_DENY, "error", NULL, "approver backend refused the request",
			       NULL, NULL);
		}
	}
}

/* Drop a request nobody waits for any more: audited as cancelled. */
static void cancel_request(il_request *r, const char *why)
{
	unsubmit(r, why);
	char err[512];
	il_audit_record rec = {
		.event = "request_cancelled", .request_id = r->id, .action = &r->msg.action,
		.verdict = &r->verdict, .decision = "deny", .decided_by = "error",
		.reason = why, .latency_ms = il_now_mono_ms() - r->recv_mono,
	};
	if (il_sc_audit(r->sc, &rec, err, sizeof err) < 0)
		il_warn("%s", err);
	il_request_free(r);
}

static void on_detach_timeout(il_loop *l, void *arg)
{
	(void)l;
	il_request *r = arg;
	r->detach_timer = 0;
	if (r->conn)
		return;
	if (r->done)
		il_request_free(r);
	else
		cancel_request(r, "agent disconnected while the request was pending");
}

void il_request_detach(il_request *r, bool grace)
{
	pid_t pid = r->conn ? r->conn->pid : 0;
	r->conn = NULL;
	if (r->done) {
		il_request_free(r);
		return;
	}
	/* The process died (the common case: killed while waiting): cancel
	 * now. Otherwise give the shim a moment to reconnect and RESUME. */
	if (!grace || !il_proc_alive(pid)) {
		cancel_request(r, "agent process exited while the request was pending");
		return;
	}
	r->detach_timer = il_loop_add_timer(r->sc->loop, il_now_mono_ms() + IL_DETACH_GRACE_MS,
	                                    on_detach_timeout, r);
	if (!r->detach_timer)
		cancel_request(r, "agent disconnected while the request was pending");
}

void il_request_resume(il_request *r, il_conn *c)
{
	il_loop_cancel_timer(r->sc->loop, r->detach_timer);
	r->detach_timer = 0;
	r->conn = c;
	if (r->done) {
		send_final(r);
		r->conn = NULL;
		il_request_free(r);
		return;
	}
	c->req = r;
	send_pending(r);
}

/* Is reviewer `who` already among r's approvers? */
static bool has_reviewer(const il_request *r, const char *who)
{
	for (size_t i = 0; i < r->nreviewers; i++)
		if (strcmp(r->reviewers[i], who) == 0)
			return true;
	return false;
}

int il_sidecar_resolve(il_sidecar *sc, const char *id, il_decision d,
                       const char *reviewer, const char *via, const char *reason,
                       char *msg, size_t n)
{
	il_request *r = il_request_find(sc, id);
	if (!r || r->done) {
		snprintf(msg, n, "no pending request %s", id ? id : "(none)");
		return -1;
	}
	if (!reviewer || !*reviewer) {
		snprintf(msg, n, "a decision needs a reviewer name");
		return -1;
	}
	char who[512];
	snprintf(who, sizeof who, "%s%s%s%s", reviewer, via ? " (" : "", via ? via : "", via ? ")" : "");
	if (d == IL_DENY) {
		char why[700];
		snprintf(why, sizeof why, "denied by %s%s%s", reviewer, reason && *reason ? ": " : "",
		         reason && *reason ? reason : "");
		finish(r, IL_WIRE_DENY, "reviewer", who, why, NULL, NULL);
		snprintf(msg, n, "%s denied", id);
		return 1;
	}
	if (d != IL_APPROVE && d != IL_ALLOW) {
		snprintf(msg, n, "unknown decision");
		return -1;
	}
	if (has_reviewer(r, reviewer)) {
		snprintf(msg, n, "%s already approved %s; %u more distinct reviewer(s) needed",
		         reviewer, id, r->pub.approvals_needed - r->pub.approvals_got);
		return -1;
	}
	char **rv = realloc(r->reviewers, (r->nreviewers + 1) * sizeof *rv);
	char *copy = strdup(reviewer);
	if (!rv || !copy) {
		free(copy);
		if (rv)
			r->reviewers = rv;
		snprintf(msg, n, "out of memory");
		return -1;
	}
	r->reviewers = rv;
	r->reviewers[r->nreviewers++] = copy;
	r->pub.approvals_got = (unsigned)r->nreviewers;
	if (r->pub.approvals_got < r->pub.approvals_needed) {
		snprintf(msg, n, "approval of %s recorded (%u of %u distinct reviewers)", id,
		         r->pub.approvals_got, r->pub.approvals_needed);
		return 0;
	}
	/* Every reviewer, for the audit record. */
	char all[1024] = "";
	for (size_t i = 0; i < r->nreviewers; i++) {
		size_t l = strlen(all);
		snprintf(all + l, sizeof all - l, "%s%s", i ? ", " : "", r->reviewers[i]);
	}
	if (r->nreviewers == 1)
		snprintf(all, sizeof all, "%s", who);
	char why[1400];
	snprintf(why, sizeof why, "approved by %s%s%s", all, reason && *reason ? ": " : "",
	         reason && *reason ? reason : "");
	finish(r, IL_WIRE_ALLOW, "reviewer", all, why, NULL, NULL);
	snprintf(msg, n, "%s approved", id);
	return 1;
}

void il_request_apply_break_glass(il_sidecar *sc)
{
	int64_t now = il_now_mono_ms();
	il_request *r = sc->reqs;
	while (r) {
		il_request *next = r->next;
		if (!r->done && sc->bg_open && il_bg_window_covers(&sc->bg, &r->verdict, now)) {
			char *banner = NULL;
			if (asprintf(&banner, "interlock: BREAK-GLASS %s allowed %s (reason: %s)",
			             sc->bg.id, r->summary, sc->bg.reason) < 0)
				banner = NULL;
			il_sc_report_break_glass_use(sc, r->id, &r->msg.action, &r->verdict);
			finish(r, IL_WIRE_ALLOW, "break-glass", sc->bg.opened_by, sc->bg.reason,
			       sc->bg.id, banner);
			free(banner);
		}
		r = next;
	}
}

void il_request_shutdown_all(il_sidecar *sc, const char *why)
{
	while (sc->reqs) {
		il_request *r = sc->reqs;
		if (r->done || !r->conn) {
			if (!r->done)
				cancel_request(r, why);
			else
				il_request_free(r);
			continue;
		}
		finish(r, IL_WIRE_DENY, "error", NULL, why, NULL, NULL);
	}
}

void il_request_suspend_all(il_sidecar *sc)
{
	sc->suspending = true;
	il_request *r = sc->reqs;
	while (r) {
		il_request *next = r->next;
		if (r->journaled && !r->done) {
			/* No event, no audit: the request lives on in the journal. */
			unsubmit(r, "sidecar shutting down");
			il_request_free(r);
		}
		r = next;
	}
	sc->suspending = false;
}

bool il_request_peer_matches(const il_request *r, const il_conn *c)
{
	if (!r->journaled)
		return true;   /* unjournaled: the uid check of the caller suffices */
	uint64_t st;
	return c->pid == r->peer_pid && il_proc_start_time(c->pid, &st) == 0 && st == r->peer_start;
}

void il_request_restore(il_sidecar *sc, const il_journal_entry *e)
{
	if (strlen(e->id) >= sizeof ((il_request *)0)->id) {
		il_warn("journal: request id %.20s... too long; dropped", e->id);
		il_journal_done(sc->journal, e->id, sc->njournaled);
		return;
	}
	il_wire_message m;
	char err[300] = "not an action";
	int rc = il_wire_decode_frame(e->frame, e->frame_len, &m, err, sizeof err);
	if (rc < 0 || m.type != IL_MSG_DECIDE) {
		if (rc == 0)
			il_wire_message_free(&m);
		il_warn("journal: request %s: undecodable action (%s); dropped", e->id, err);
		il_journal_done(sc->journal, e->id, sc->njournaled);
		return;
	}
	/* The rules of the restarted sidecar decide again; only a request that
	 * still needs a human is resumed. */
	il_verdict v;
	il_policy_decide(sc->o.policy, &m.action, &v);
	char *summary = il_action_describe(&m.action);
	il_request *r = summary ? il_request_new(sc, NULL, &m, &v, summary) : NULL;
	if (!r) {
		free(summary);
		il_wire_message_free(&m);
		il_warn("journal: request %s: out of memory; dropped", e->id);
		return;
	}
	memcpy(r->id, e->id, strlen(e->id) + 1);
	int64_t now_wall = il_now_wall_ms(), now_mono = il_now_mono_ms();
	r->pub.created_wall_ms = e->created_wall_ms;
	r->pub.deadline_wall_ms = e->deadline_wall_ms;
	r->pub.deadline_mono_ms = now_mono + (e->deadline_wall_ms - now_wall);
	r->recv_mono = now_mono - (now_wall - e->created_wall_ms);
	r->pub.restored = true;
	r->journaled = true;
	r->peer_pid = e->pid;
	r->peer_start = e->start_time;
	sc->njournaled++;
	r->next = sc->reqs;
	if (sc->reqs)
		sc->reqs->prev = r;
	sc->reqs = r;
	sc->npending++;
	r->detach_timer = il_loop_add_timer(sc->loop, now_mono + IL_RESTORE_GRACE_MS,
	                                    on_detach_timeout, r);
	r->timer = il_loop_add_timer(sc->loop, r->pub.deadline_mono_ms, on_deadline, r);
	if (!r->timer || !r->detach_timer) {
		finish(r, IL_WIRE_DENY, "error", NULL, "out of memory restoring the request", NULL, NULL);
		return;
	}
	if (v.decision != IL_APPROVE)
		finish(r, IL_WIRE_DENY, "error", NULL,
		       "the rules changed while the request was pending (sidecar restarted)", NULL, NULL);
}

void il_request_submit_restored(il_sidecar *sc)
{
	il_approver *ap = sc->approver;
	il_request *r = sc->reqs;
	while (r) {
		il_request *next = r->next;
		if (r->pub.restored && !r->done && !r->submitted && !r->conn) {
			uint64_t st;
			bool alive = il_proc_alive(r->peer_pid) &&
			             il_proc_start_time(r->peer_pid, &st) == 0 && st == r->peer_start;
			if (ap && ap->ops->submit) {
				r->submitted = true;
				if (ap->ops->submit(ap, &r->pub) < 0)
					r->submitted = false;
			}
			if (!alive)
				cancel_request(r, "agent process exited while the sidecar was down");
		}
		r = next;
	}
}
