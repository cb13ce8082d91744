/*
 * control_server.c — the sidecar's side of the control protocol
 * (control.h, docs/sidecar.md): list pending requests, take reviewers'
 * decisions, open break-glass windows, report status. Callers inside an
 * agent's process tree may read, never decide.
 */
#include "sidecar_int.h"
#include "control.h"
#include "proctree.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Queue one JSON response line on c (takes ownership of resp). */
static void reply(il_conn *c, cJSON *resp)
{
	char *s = resp ? cJSON_PrintUnformatted(resp) : NULL;
	cJSON_Delete(resp);
	if (!s) {
		c->close_after_flush = true;
		return;
	}
	size_t len = strlen(s);
	il_wire_buf b = { .data = (uint8_t *)s, .len = len, .cap = len + 1 };
	s[len] = '\n';   /* overwrite the NUL: the buffer is len+1 bytes */
	b.len = len + 1;
	il_conn_send(c, &b);
	free(s);
}

static void reply_error(il_conn *c, const char *msg)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddBoolToObject(r, "ok", false);
	cJSON_AddStringToObject(r, "error", msg);
	reply(c, r);
}

static cJSON *request_json(const il_request *r, int64_t now_mono)
{
	cJSON *o = cJSON_CreateObject();
	const il_verdict *v = &r->verdict;
	cJSON_AddStringToObject(o, "id", r->id);
	cJSON_AddStringToObject(o, "kind", il_kind_name(r->msg.action.kind));
	cJSON_AddStringToObject(o, "action", r->summary);
	cJSON *rules = cJSON_AddArrayToObject(o, "rules");
	for (size_t i = 0; i < v->nmatched; i++)
		cJSON_AddItemToArray(rules, cJSON_CreateString(v->matched[i].rule->id));
	cJSON_AddStringToObject(o, "risk", il_risk_name(v->risk));
	if (v->primary && v->primary->description)
		cJSON_AddStringToObject(o, "description", v->primary->description);
	int64_t left = r->pub.deadline_mono_ms - now_mono;
	cJSON_AddNumberToObject(o, "time_left_ms", (double)(left > 0 ? left : 0));
	cJSON_AddNumberToObject(o, "deadline_ms", (double)r->pub.deadline_wall_ms);
	cJSON_AddNumberToObject(o, "approvals_needed", r->pub.approvals_needed);
	cJSON_AddNumberToObject(o, "approvals_got", r->pub.approvals_got);
	cJSON_AddNumberToObject(o, "pid", r->msg.action.pid);
	if (r->msg.action.cwd)
		cJSON_AddStringToObject(o, "cwd", r->msg.action.cwd);
	if (r->pub.session)
		cJSON_AddStringToObject(o, "session", r->pub.session);
	if (r->pub.agent_id)
		cJSON_AddStringToObject(o, "agent_id", r->pub.agent_id);
	return o;
}

static void op_pending(il_conn *c)
{
	il_sidecar *sc = c->sc;
	cJSON *resp = cJSON_CreateObject();
	cJSON_AddBoolToObject(resp, "ok", true);
	cJSON_AddStringToObject(resp, "session", sc->session);
	cJSON *arr = cJSON_AddArrayToObject(resp, "requests");
	int64_t now = il_now_mono_ms();
	for (il_request *r = sc->reqs; r; r = r->next)
		if (!r->done)
			cJSON_AddItemToArray(arr, request_json(r, now));
	reply(c, resp);
}

/* Refuse (and audit) a decision-making request from the agent's tree. */
static bool refuse_self(il_conn *c, const char *op, const char *id)
{
	il_sidecar *sc = c->sc;
	if (!il_proc_in_trees(c->pid, sc->roots, sc->nroots))
		return false;
	char detail[256], err[512];
	snprintf(detail, sizeof detail, "%s from pid %d inside the agent's process tree", op, (int)c->pid);
	il_audit_record rec = { .event = "self_approval_refused", .request_id = id,
	                        .decision = "deny", .decided_by = "rule",
	                        .reason = "the agent may not approve its own actions",
	                        .detail = detail, .latency_ms = -1 };
	if (il_sc_audit(sc, &rec, err, sizeof err) < 0)
		il_warn("%s", err);
	reply_error(c, "refused: this process is inside the agent's process tree; "
	               "the agent cannot approve its own actions");
	return true;
}

static void op_decide(il_conn *c, const cJSON *req)
{
	il_sidecar *sc = c->sc;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(req, "id");
	const cJSON *dec = cJSON_GetObjectItemCaseSensitive(req, "decision");
	const cJSON *reason = cJSON_GetObjectItemCaseSensitive(req, "reason");
	if (!cJSON_IsString(id) || !cJSON_IsString(dec) ||
	    (reason && !cJSON_IsNull(reason) && !cJSON_IsString(reason))) {
		reply_error(c, "decide needs string \"id\" and \"decision\" (and optional string \"reason\")");
		return;
	}
	if (refuse_self(c, "decide", id->valuestring))
		return;
	il_decision d;
	if (strcmp(dec->valuestring, "approve") == 0)
		d = IL_APPROVE;
	else if (strcmp(dec->valuestring, "deny") == 0)
		d = IL_DENY;
	else {
		reply_error(c, "decision must be \"approve\" or \"deny\"");
		return;
	}
	if (!sc->approver || !sc->approver->ops->local_decisions) {
		reply_error(c, "this sidecar takes decisions from its approval service, not from the control socket");
		return;
	}
	const char *why = cJSON_IsString(reason) ? reason->valuestring : NULL;
	if (why && strlen(why) > 1000) {
		reply_error(c, "reason too long (1000 bytes at most)");
		return;
	}
	char user[128], via[64], msg[600];
	il_user_name(c->uid, user, sizeof user);
	snprintf(via, sizeof via, "cli pid %d", (int)c->pid);
	int rc = il_sidecar_resolve(sc, id->valuestring, d, user, via, why, msg, sizeof msg);
	if (rc < 0) {
		reply_error(c, msg);
		return;
	}
	cJSON *resp = cJSON_CreateObject();
	cJSON_AddBoolToObject(resp, "ok", true);
	cJSON_AddBoolToObject(resp, "decided", rc == 1);
	cJSON_AddStringToObject(resp, "message", msg);
	reply(c, resp);
}

static void on_bg_expire(il_loop *l, void *arg)
{
	(void)l;
	il_sidecar *sc = arg;
	sc->bg_timer = 0;
	il_ctl_close_break_glass(sc, "expired");
}

void il_ctl_close_break_glass(il_sidecar *sc, const char *why)
{
	if (!sc->bg_open)
		return;
	il_loop_cancel_timer(sc->loop, sc->bg_timer);
	sc->bg_timer = 0;
	char err[512];
	il_audit_record rec = { .event = "break_glass_close", .override_id = sc->bg.id,
	                        .reason = sc->bg.reason, .detail = why, .reviewer = sc->bg.opened_by,
	                        .latency_ms = -1 };
	if (il_sc_audit(sc, &rec, err, sizeof err) < 0)
		il_warn("%s", err);
	il_warn("BREAK-GLASS %s closed (%s)", sc->bg.id, why);
	il_approver_event ev = { .type = "break_glass_closed", .by = strcmp(why, "expired") == 0 ?
	                         "expired" : sc->bg.opened_by, .reason = why };   /* approval service */
	il_approver_event_report(sc->approver, &ev);
	il_bg_window_clear(&sc->bg);
	sc->bg_open = false;
}

static void op_break_glass(il_conn *c, const cJSON *req)
{
	il_sidecar *sc = c->sc;
	if (refuse_self(c, "break_glass", NULL))
		return;
	if (!sc->o.bg) {
		reply_error(c, "break-glass is not enabled for this sidecar (no verifier file configured)");
		return;
	}
	char user[128], err[512];
	il_user_name(c->uid, user, sizeof user);
	il_bg_window w;
	memset(&w, 0, sizeof w);
	int64_t max = sc->o.bg_max_ms > 0 ? sc->o.bg_max_ms : IL_BG_DEFAULT_MAX_MS;
	if (il_bg_window_open(&w, sc->o.bg, req, max, user, err, sizeof err) < 0) {
		il_audit_record rec = { .event = "error", .decision = "deny", .decided_by = "break-glass",
		                        .reviewer = user, .reason = err,
		                        .detail = "break-glass request refused", .latency_ms = -1 };
		char aerr[512];
		if (il_sc_audit(sc, &rec, aerr, sizeof aerr) < 0)
			il_warn("%s", aerr);
		reply_error(c, err);
		return;
	}
	/* The open must be durable before the window is usable. */
	char detail[256];
	snprintf(detail, sizeof detail, "opened by %s (pid %d) for %lld ms", user, (int)c->pid,
	         (long long)(w.expires_wall_ms - w.opened_wall_ms));
	il_audit_record rec = { .event = "break_glass_open", .override_id = w.id, .reason = w.reason,
	                        .reviewer = user, .detail = detail, .latency_ms = -1 };
	if (il_sc_audit(sc, &rec, err, sizeof err) < 0) {
		il_bg_window_clear(&w);
		reply_error(c, err);
		return;
	}
	if (sc->bg_open)
		il_ctl_close_break_glass(sc, "replaced by a new window");
	sc->bg = w;
	sc->bg_open = true;
	sc->bg_timer = il_loop_add_timer(sc->loop, w.expires_mono_ms, on_bg_expire, sc);
	if (!sc->bg_timer) {
		il_ctl_close_break_glass(sc, "out of memory");
		reply_error(c, "out of memory");
		return;
	}
	il_warn("BREAK-GLASS %s opened by %s: %s", w.id, user, w.reason);
	il_approver_event bev = { .type = "break_glass_opened", .by = user, .reason = w.reason,
	                          .expires_at_wall_ms = w.expires_wall_ms,
	                          .rules = (const char *const *)sc->bg.rules, .nrules = sc->bg.nrules };
	il_approver_event_report(sc->approver, &bev);   /* approval service */
	il_request_apply_break_glass(sc);
	cJSON *resp = cJSON_CreateObject();
	cJSON_AddBoolToObject(resp, "ok", true);
	cJSON_AddStringToObject(resp, "id", sc->bg.id);
	cJSON_AddNumberToObject(resp, "expires_ms", (double)sc->bg.expires_wall_ms);
	reply(c, resp);
}

static void op_status(il_conn *c)
{
	il_sidecar *sc = c->sc;
	cJSON *r = cJSON_CreateObject();
	cJSON_AddBoolToObject(r, "ok", true);
	cJSON_AddStringToObject(r, "session", sc->session);
	if (sc->agent_id)
		cJSON_AddStringToObject(r, "agent_id", sc->agent_id);
	cJSON_AddNumberToObject(r, "pid", getpid());
	cJSON_AddNumberToObject(r, "pending", (double)sc->npending);
	cJSON_AddNumberToObject(r, "connections", (double)sc->nconns);
	cJSON_AddBoolToObject(r, "dry_run", sc->o.dry_run);
	cJSON_AddStringToObject(r, "approver", sc->approver ? sc->approver->ops->name : "none");
	cJSON_AddStringToObject(r, "policy_version", il_policy_version(sc->o.policy));
	cJSON_AddStringToObject(r, "agent_socket", sc->agent_path);
	if (sc->bg_open) {
		cJSON *bg = cJSON_AddObjectToObject(r, "break_glass");
		cJSON_AddStringToObject(bg, "id", sc->bg.id);
		cJSON_AddStringToObject(bg, "reason", sc->bg.reason);
		cJSON_AddNumberToObject(bg, "expires_ms", (double)sc->bg.expires_wall_ms);
	} else {
		cJSON_AddNullToObject(r, "break_glass");
	}
	reply(c, r);
}

/* `interlock run --connect`: the caller's process is an agent tree root
 * for as long as this connection stays open. */
static void op_register(il_conn *c)
{
	if (!c->registered_root) {
		il_sidecar_add_tree_root(c->sc, c->pid);
		c->registered_root = true;
	}
	cJSON *r = cJSON_CreateObject();
	cJSON_AddBoolToObject(r, "ok", true);
	cJSON_AddStringToObject(r, "session", c->sc->session);
	reply(c, r);
}

void il_ctl_handle_line(il_conn *c, const char *line, size_t len)
{
	cJSON *req = cJSON_ParseWithLength(line, len);
	if (!req || !cJSON_IsObject(req)) {
		cJSON_Delete(req);
		reply_error(c, "malformed request: expected one JSON object per line");
		c->close_after_flush = true;
		return;
	}
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(req, "op");
	if (!cJSON_IsString(op))
		reply_error(c, "request without a string \"op\"");
	else if (strcmp(op->valuestring, "pending") == 0)
		op_pending(c);
	else if (strcmp(op->valuestring, "decide") == 0)
		op_decide(c, req);
	else if (strcmp(op->valuestring, "break_glass") == 0)
		op_break_glass(c, req);
	else if (strcmp(op->valuestring, "status") == 0)
		op_status(c);
	else if (strcmp(op->valuestring, "register") == 0)
		op_register(c);
	else
		reply_error(c, "unknown op");
	cJSON_Delete(req);
}

void il_ctl_conn_closed(il_conn *c)
{
	if (c->registered_root) {
		il_sidecar_remove_tree_root(c->sc, c->pid);
		c->registered_root = false;
	}
}
