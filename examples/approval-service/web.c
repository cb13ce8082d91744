/*
 * web.c — the reviewer-facing half of the approval service: login
 * (PBKDF2-checked passwords, HttpOnly SameSite=Strict session cookies kept
 * hashed in SQLite), the pending-requests page with the full context of
 * each request and approve/deny forms (per-session CSRF token, checked on
 * every POST, plus an Origin check), the history of decided requests, the
 * notification and event logs, and a metrics view. Plain server-rendered
 * HTML; every agent-supplied string goes through sb_html().
 */
#include "service.h"
#include "approval_proto.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	const reviewer_cfg *rv;       /* NULL: not logged in */
	char csrf[65];
} viewer;

/* ------------------------------------------------------------ sessions */

static bool session_get(app *a, const http_req *q, viewer *v)
{
	memset(v, 0, sizeof *v);
	const char *tok = http_cookie(q, "il_session");
	if (!tok || strlen(tok) != 64)
		return false;
	char h[65];
	il_sha256_hex(tok, strlen(tok), h);
	sqlite3_stmt *st;
	bool ok = false;
	pthread_mutex_lock(&a->lock);
	if (sqlite3_prepare_v2(store_db(a), "SELECT reviewer, csrf FROM sessions WHERE token_hash=?"
	                       " AND expires_at > ?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, h, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, now_ms());
		if (sqlite3_step(st) == SQLITE_ROW) {
			v->rv = config_reviewer(&a->cfg, (const char *)sqlite3_column_text(st, 0));
			snprintf(v->csrf, sizeof v->csrf, "%s", (const char *)sqlite3_column_text(st, 1));
			ok = v->rv != NULL;   /* a reviewer removed from the config is logged out */
		}
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&a->lock);
	if (!ok)
		v->rv = NULL;
	return ok;
}

/* A cross-site POST carries a foreign Origin: refuse it (SameSite=Strict
 * already keeps the cookie away; this also covers the login form). */
static bool origin_ok(const http_req *q)
{
	const char *o = http_header(q, "Origin");
	const char *host = http_header(q, "Host");
	if (!o || strcmp(o, "null") == 0)
		return o == NULL;
	if (!host)
		return false;
	const char *p = strstr(o, "://");
	return p && strcmp(p + 3, host) == 0;
}

static bool csrf_ok(const http_req *q, const viewer *v)
{
	cleanup_free char *t = form_value(q->body, q->body_len, "csrf");
	return t && v->csrf[0] && secret_equal(t, v->csrf);
}

/* --------------------------------------------------------------- pages */

static void page_start(app *a, sbuf *b, const char *title, const viewer *v, const char *active)
{
	sb_put(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	          "<link rel=\"stylesheet\" href=\"/static/style.css\"><script src=\"/static/app.js\" defer></script><title>");
	sb_html(b, title);
	sb_put(b, " — ");
	sb_html(b, a->cfg.title);
	sb_put(b, "</title></head><body><nav><span class=\"brand\">");
	sb_html(b, a->cfg.title);
	sb_put(b, "</span>");
	if (v && v->rv) {
		static const char *const links[][2] = {
			{ "/requests", "Pending" }, { "/history", "History" }, { "/metrics", "Metrics" } };
		for (size_t i = 0; i < IL_ARRAY_LEN(links); i++)
			sb_printf(b, "<a href=\"%s\"%s>%s</a>", links[i][0],
			          strcmp(active, links[i][0]) == 0 ? " class=\"active\"" : "", links[i][1]);
		sb_put(b, "<span class=\"who\">signed in as <strong id=\"whoami\">");
		sb_html(b, v->rv->name);
		sb_put(b, "</strong>");
		for (size_t g = 0; g < v->rv->ngroups; g++) {
			sb_put(b, " <span class=\"group\">");
			sb_html(b, v->rv->groups[g]);
			sb_put(b, "</span>");
		}
		sb_put(b, "<form method=\"post\" action=\"/logout\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"");
		sb_html(b, v->csrf);
		sb_put(b, "\"><button type=\"submit\" id=\"logout\">Sign out</button></form></span>");
	}
	sb_put(b, "</nav><main>");
}

static void page_end(sbuf *b)
{
	sb_put(b, "</main></body></html>\n");
}

static void message_page(app *a, http_resp *r, int status, const viewer *v, const char *title,
                         const char *msg)
{
	sbuf b = { 0 };
	page_start(a, &b, title, v, "");
	sb_put(&b, "<h1>");
	sb_html(&b, title);
	sb_put(&b, "</h1><p class=\"error\" id=\"message\">");
	sb_html(&b, msg);
	sb_put(&b, "</p><p><a href=\"/requests\">Back to pending requests</a></p>");
	page_end(&b);
	resp_html(r, status, &b);
}

static void login_page(app *a, http_resp *r, int status, const char *error)
{
	sbuf b = { 0 };
	page_start(a, &b, "Sign in", NULL, "");
	sb_put(&b, "<h1>Sign in</h1>");
	if (error) {
		sb_put(&b, "<p class=\"error\" id=\"message\">");
		sb_html(&b, error);
		sb_put(&b, "</p>");
	}
	sb_put(&b, "<form method=\"post\" action=\"/login\" class=\"login\">"
	           "<label>Reviewer <input name=\"username\" id=\"username\" autocomplete=\"username\" required></label>"
	           "<label>Password <input name=\"password\" id=\"password\" type=\"password\" "
	           "autocomplete=\"current-password\" required></label>"
	           "<button type=\"submit\" id=\"login\">Sign in</button></form>");
	page_end(&b);
	resp_html(r, status, &b);
}

static void put_time(sbuf *b, int64_t ms)
{
	char t[40];
	fmt_time(ms, t, sizeof t);
	sb_printf(b, "<time data-ms=\"%lld\">%s</time>", (long long)ms, t);
}

static void put_duration(sbuf *b, int64_t ms)
{
	char d[40];
	if (ms < 1000)
		sb_printf(b, "%lldms", (long long)(ms < 0 ? 0 : ms));
	else
		sb_put(b, il_format_duration(ms / 1000 * 1000, d, sizeof d));
}

/* A JSON value as text: strings escaped, arrays as a list, objects as k=v. */
static void put_json_value(sbuf *b, const cJSON *v)
{
	if (cJSON_IsString(v)) {
		sb_put(b, "<code>");
		sb_html(b, v->valuestring);
		sb_put(b, "</code>");
	} else if (cJSON_IsArray(v)) {
		sb_put(b, "<ol class=\"list\">");
		const cJSON *it;
		cJSON_ArrayForEach(it, v) {
			sb_put(b, "<li>");
			put_json_value(b, it);
			sb_put(b, "</li>");
		}
		sb_put(b, "</ol>");
	} else {
		char *s = cJSON_PrintUnformatted(v);
		sb_put(b, "<code>");
		sb_html(b, s);
		sb_put(b, "</code>");
		free(s);
	}
}

static void dl_row(sbuf *b, const char *label, const char *text)
{
	sb_put(b, "<dt>");
	sb_html(b, label);
	sb_put(b, "</dt><dd>");
	sb_html(b, text);
	sb_put(b, "</dd>");
}

static void put_votes(sbuf *b, vote_row *v, size_t nv)
{
	if (nv == 0) {
		sb_put(b, "<span class=\"muted\">no votes yet</span>");
		return;
	}
	sb_put(b, "<ul class=\"votes\">");
	for (size_t i = 0; i < nv; i++) {
		sb_printf(b, "<li class=\"vote-%s\"><strong>", strcmp(v[i].vote, "approve") ? "deny" : "approve");
		sb_html(b, v[i].reviewer);
		sb_put(b, "</strong> ");
		sb_html(b, v[i].vote);
		sb_put(b, " at ");
		put_time(b, v[i].at);
		if (v[i].reason[0]) {
			sb_put(b, ": <q>");
			sb_html(b, v[i].reason);
			sb_put(b, "</q>");
		}
		sb_put(b, "</li>");
	}
	sb_put(b, "</ul>");
}

/* One decision form of a pending request: approve (reason optional) or
 * deny (reason required), posting to /requests/ID/decide with the CSRF
 * token. Element ids (approve-ID, deny-reason-ID, ...) are what the
 * browser tests click. */
static void put_decide_form(sbuf *b, const char *id, const char *csrf, bool approve)
{
	const char *d = approve ? "approve" : "deny";
	sb_printf(b, "<form method=\"post\" class=\"%s\" action=\"/requests/", d);
	sb_html(b, id);
	sb_put(b, "/decide\"><input type=\"hidden\" name=\"csrf\" value=\"");
	sb_html(b, csrf);
	sb_printf(b, "\"><input type=\"hidden\" name=\"decision\" value=\"%s\">"
	          "<input name=\"reason\" maxlength=\"1000\" %s id=\"%s-reason-", d,
	          approve ? "placeholder=\"reason (optional)\""
	                  : "required placeholder=\"reason (required)\"", d);
	sb_html(b, id);
	sb_printf(b, "\"><button type=\"submit\" class=\"%s\" id=\"%s-", d, d);
	sb_html(b, id);
	sb_printf(b, "\">%s</button></form>", approve ? "Approve" : "Deny");
}

/* The full context of one request, and (pending) the forms this viewer may use. */
static void put_request(app *a, sbuf *b, const req_row *r, const viewer *v, bool forms)
{
	cJSON *body = cJSON_Parse(r->body);
	const cJSON *act = cJSON_GetObjectItemCaseSensitive(body, "action");
	sb_put(b, "<article class=\"req risk-");
	sb_html(b, r->risk);
	sb_put(b, "\" id=\"req-");
	sb_html(b, r->id);
	sb_put(b, "\" data-id=\"");
	sb_html(b, r->id);
	sb_put(b, "\"><header><span class=\"badge risk-");
	sb_html(b, r->risk);
	sb_put(b, "\">");
	sb_html(b, r->risk);
	sb_put(b, "</span> <span class=\"kind\">");
	sb_html(b, r->kind);
	sb_put(b, "</span><h2 class=\"summary\"><code>");
	sb_html(b, r->summary);
	sb_put(b, "</code></h2>");
	if (strcmp(r->status, ST_PENDING) == 0) {
		sb_printf(b, "<p class=\"countdown\" data-deadline=\"%lld\">deadline ", (long long)r->deadline);
		put_time(b, r->deadline);
		sb_put(b, "</p>");
	}
	sb_put(b, "</header><div class=\"cols\"><section><h3>Action</h3><dl class=\"action\">");
	const cJSON *it;
	cJSON_ArrayForEach(it, act) {
		if (!it->string || strcmp(it->string, "summary") == 0 || strcmp(it->string, "kind") == 0)
			continue;
		if ((cJSON_IsFalse(it) && (strcmp(it->string, "lossy") == 0 || strcmp(it->string, "truncated") == 0)))
			continue;
		sb_printf(b, "<dt>");
		sb_html(b, it->string);
		sb_put(b, "</dt><dd class=\"f-");
		sb_html(b, it->string);
		sb_put(b, "\">");
		put_json_value(b, it);
		sb_put(b, "</dd>");
	}
	sb_put(b, "</dl></section><section><h3>Context</h3><dl>");
	dl_row(b, "request id", r->id);
	dl_row(b, "requested by", r->requester[0] ? r->requester : "(unknown)");
	dl_row(b, "agent id", r->agent_id);
	dl_row(b, "host", r->host);
	dl_row(b, "session", r->session);
	const cJSON *pv = cJSON_GetObjectItemCaseSensitive(body, "policy_version");
	if (cJSON_IsString(pv))
		dl_row(b, "policy version", pv->valuestring);
	sb_put(b, "<dt>requested at</dt><dd>");
	put_time(b, r->created_at);
	sb_put(b, "</dd><dt>approvers</dt><dd class=\"approvers\">");
	cJSON *apv = cJSON_Parse(r->approvers);
	if (cJSON_GetArraySize(apv) == 0)
		sb_put(b, "any reviewer");
	cJSON_ArrayForEach(it, apv) {
		sb_put(b, "<span class=\"group\">");
		sb_html(b, cJSON_IsString(it) ? it->valuestring : "?");
		sb_put(b, "</span> ");
	}
	cJSON_Delete(apv);
	if (r->escalation_level > 0)
		sb_printf(b, " <span class=\"escalated\">escalated (step %d)</span>", r->escalation_level);
	sb_put(b, "</dd>");
	const cJSON *esc = cJSON_GetObjectItemCaseSensitive(body, "escalation");
	if (cJSON_GetArraySize(esc) > 0) {
		sb_put(b, "<dt>escalation</dt><dd><ol class=\"list\">");
		cJSON_ArrayForEach(it, esc) {
			const cJSON *af = cJSON_GetObjectItemCaseSensitive(it, "after_ms");
			const cJSON *to = cJSON_GetObjectItemCaseSensitive(it, "to");
			sb_put(b, "<li>after ");
			put_duration(b, cJSON_IsNumber(af) ? (int64_t)af->valuedouble : 0);
			sb_put(b, " → ");
			sb_html(b, cJSON_IsString(to) ? to->valuestring : "?");
			sb_put(b, "</li>");
		}
		sb_put(b, "</ol></dd>");
	}
	size_t nv;
	vote_row *votes = store_votes(a, r->id, &nv);
	int napp = 0;
	bool voted = false;
	for (size_t i = 0; i < nv; i++) {
		napp += strcmp(votes[i].vote, "approve") == 0;
		voted |= v->rv && strcmp(votes[i].reviewer, v->rv->name) == 0;
	}
	sb_printf(b, "<dt>approvals</dt><dd class=\"approvals\">%d of %d</dd><dt>votes</dt><dd>",
	          napp, r->approvals_required);
	put_votes(b, votes, nv);
	vote_rows_free(votes, nv);
	sb_put(b, "</dd></dl></section></div>");

	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(body, "rules");
	sb_put(b, "<h3>Matching rules</h3><table class=\"rules\"><thead><tr><th>rule</th><th>description</th>"
	          "<th>risk</th><th>decision</th><th>why</th></tr></thead><tbody>");
	cJSON_ArrayForEach(it, rules) {
		static const char *const f[] = { "id", "description", "risk", "decision", "why" };
		sb_put(b, "<tr>");
		for (size_t i = 0; i < IL_ARRAY_LEN(f); i++) {
			const cJSON *x = cJSON_GetObjectItemCaseSensitive(it, f[i]);
			sb_put(b, "<td>");
			sb_html(b, cJSON_IsString(x) ? x->valuestring : "");
			sb_put(b, "</td>");
		}
		sb_put(b, "</tr>");
	}
	if (cJSON_GetArraySize(rules) == 0)
		sb_put(b, "<tr><td colspan=\"5\">no rule: the [defaults] decision</td></tr>");
	sb_put(b, "</tbody></table>");

	if (forms && v->rv && strcmp(r->status, ST_PENDING) == 0) {
		char why[200] = "";
		bool eligible = engine_eligible(a, r, v->rv, why, sizeof why);
		bool self = strcmp(r->requester, v->rv->name) == 0;
		sb_put(b, "<div class=\"decide\">");
		if (!eligible) {
			sb_put(b, "<p class=\"note not-eligible\">");
			sb_html(b, why);
			sb_put(b, "</p>");
		} else if (voted) {
			sb_printf(b, "<p class=\"note voted\">You voted; waiting for %d more distinct reviewer(s).</p>",
			          r->approvals_required - napp > 0 ? r->approvals_required - napp : 0);
		} else {
			if (self)
				sb_put(b, "<p class=\"note self\">You requested this action: another reviewer must approve it.</p>");
			else {
				put_decide_form(b, r->id, v->csrf, true);
			}
			put_decide_form(b, r->id, v->csrf, false);
		}
		sb_put(b, "</div>");
	}
	sb_put(b, "</article>");
	cJSON_Delete(body);
}

static void pending_page(app *a, const http_req *q, http_resp *resp, const viewer *v)
{
	sbuf b = { 0 };
	page_start(a, &b, "Pending", v, "/requests");
	pthread_mutex_lock(&a->lock);
	size_t n;
	req_row *rows = store_list(a, ST_PENDING, 500, &n);
	sb_printf(&b, "<h1>Pending requests <span class=\"count\" id=\"pending-count\">%zu</span></h1>"
	          "<div id=\"live\" data-version=\"%u\"></div>", n, a->changes);
	const char *done = http_query(q, "done");
	if (done && il_approval_id_valid(done)) {
		sb_put(&b, "<p class=\"ok\" id=\"message\">Your vote on ");
		sb_html(&b, done);
		sb_put(&b, " was recorded.</p>");
	}
	if (n == 0)
		sb_put(&b, "<p class=\"muted\" id=\"empty\">Nothing is waiting for a decision.</p>");
	for (size_t i = 0; i < n; i++) {
		put_request(a, &b, &rows[i], v, true);
		req_row_free(&rows[i]);
	}
	free(rows);
	pthread_mutex_unlock(&a->lock);
	page_end(&b);
	resp_html(resp, 200, &b);
}

static void history_page(app *a, http_resp *resp, const viewer *v)
{
	sbuf b = { 0 };
	page_start(a, &b, "History", v, "/history");
	sb_put(&b, "<h1>Decision history</h1><table class=\"history\" id=\"history\"><thead><tr>"
	           "<th>request</th><th>outcome</th><th>decided by</th><th>reason</th><th>votes</th>"
	           "<th>requested</th><th>decided</th><th>time to decision</th></tr></thead><tbody>");
	pthread_mutex_lock(&a->lock);
	size_t n;
	req_row *rows = store_list(a, NULL, 200, &n);
	for (size_t i = 0; i < n; i++) {
		req_row *r = &rows[i];
		sb_put(&b, "<tr id=\"hist-");
		sb_html(&b, r->id);
		sb_put(&b, "\"><td><code>");
		sb_html(&b, r->id);
		sb_put(&b, "</code><br><code class=\"summary\">");
		sb_html(&b, r->summary);
		sb_put(&b, "</code><br><span class=\"muted\">rule ");
		sb_html(&b, r->primary_rule);
		sb_put(&b, "</span></td><td class=\"outcome st-");
		sb_html(&b, r->status);
		sb_put(&b, "\">");
		sb_html(&b, r->status);
		sb_put(&b, "</td><td class=\"decided-by\">");
		cJSON *by = cJSON_Parse(r->decided_by);
		const cJSON *it;
		if (cJSON_GetArraySize(by) == 0)
			sb_put(&b, "<span class=\"muted\">nobody (deadline / sidecar)</span>");
		cJSON_ArrayForEach(it, by) {
			sb_html(&b, cJSON_IsString(it) ? it->valuestring : "?");
			sb_put(&b, " ");
		}
		cJSON_Delete(by);
		sb_put(&b, "</td><td class=\"reason\">");
		sb_html(&b, r->reason);
		sb_put(&b, "</td><td>");
		size_t nv;
		vote_row *votes = store_votes(a, r->id, &nv);
		put_votes(&b, votes, nv);
		vote_rows_free(votes, nv);
		sb_put(&b, "</td><td>");
		put_time(&b, r->created_at);
		sb_put(&b, "</td><td>");
		put_time(&b, r->decided_at);
		sb_put(&b, "</td><td>");
		put_duration(&b, r->decided_at - r->created_at);
		sb_put(&b, "</td></tr>");
		req_row_free(r);
	}
	free(rows);
	sb_put(&b, "</tbody></table><h2>Notifications</h2><table id=\"notifications\"><thead><tr><th>at</th>"
	           "<th>kind</th><th>request</th><th>to</th><th>message</th><th>webhook</th></tr></thead><tbody>");
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(store_db(a), "SELECT at, kind, request_id, target, message, delivered"
	                       " FROM notifications ORDER BY id DESC LIMIT 200", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			sb_put(&b, "<tr><td>");
			put_time(&b, sqlite3_column_int64(st, 0));
			for (int c = 1; c <= 4; c++) {
				sb_put(&b, c == 1 ? "</td><td class=\"kind\">" : "</td><td>");
				sb_html(&b, (const char *)sqlite3_column_text(st, c));
			}
			int d = sqlite3_column_int(st, 5);
			sb_printf(&b, "</td><td>%s</td></tr>", d == 1 ? "delivered" : d < 0 ? "failed" : "—");
		}
		sqlite3_finalize(st);
	}
	sb_put(&b, "</tbody></table><h2>Events reported by sidecars</h2><table id=\"events\"><thead><tr>"
	           "<th>at</th><th>type</th><th>request</th><th>session</th><th>agent</th><th>body</th></tr></thead><tbody>");
	if (sqlite3_prepare_v2(store_db(a), "SELECT at, type, request_id, session, agent_id, body FROM events"
	                       " ORDER BY id DESC LIMIT 200", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			sb_put(&b, "<tr><td>");
			put_time(&b, sqlite3_column_int64(st, 0));
			for (int c = 1; c <= 5; c++) {
				sb_put(&b, c == 5 ? "</td><td><code>" : "</td><td>");
				sb_html(&b, (const char *)sqlite3_column_text(st, c));
			}
			sb_put(&b, "</code></td></tr>");
		}
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&a->lock);
	sb_put(&b, "</tbody></table>");
	page_end(&b);
	resp_html(resp, 200, &b);
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return a < b ? -1 : a > b;
}

/* Nearest-rank percentile of sorted v[0..n). */
static int64_t pct(const int64_t *v, size_t n, int p)
{
	size_t rank = (size_t)((p * n + 99) / 100);
	return v[rank ? rank - 1 : 0];
}

static void metrics_page(app *a, http_resp *resp, const viewer *v)
{
	sbuf b = { 0 };
	page_start(a, &b, "Metrics", v, "/metrics");
	sb_put(&b, "<h1>Metrics</h1>");
	pthread_mutex_lock(&a->lock);
	sqlite3_stmt *st;
	int64_t cnt[5] = { 0 };
	static const char *const sts[] = { ST_PENDING, ST_APPROVED, ST_DENIED, ST_EXPIRED, ST_CANCELLED };
	if (sqlite3_prepare_v2(store_db(a), "SELECT status, count(*) FROM requests GROUP BY status", -1, &st,
	                       NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			for (size_t i = 0; i < 5; i++)
				if (strcmp((const char *)sqlite3_column_text(st, 0), sts[i]) == 0)
					cnt[i] = sqlite3_column_int64(st, 1);
		sqlite3_finalize(st);
	}
	int64_t closed = cnt[1] + cnt[2] + cnt[3];
	sb_put(&b, "<dl class=\"metrics\" id=\"metrics\">");
	for (size_t i = 0; i < 5; i++)
		sb_printf(&b, "<dt>%s</dt><dd id=\"m-%s\">%lld</dd>", sts[i], sts[i], (long long)cnt[i]);
	if (closed)
		sb_printf(&b, "<dt>approval rate</dt><dd id=\"m-approval-rate\">%.1f%% (%lld of %lld decided or expired)</dd>",
		          100.0 * (double)cnt[1] / (double)closed, (long long)cnt[1], (long long)closed);
	else
		sb_put(&b, "<dt>approval rate</dt><dd id=\"m-approval-rate\">n/a</dd>");
	size_t n = 0, cap = 64;
	int64_t *d = xmalloc(cap * sizeof *d);
	if (sqlite3_prepare_v2(store_db(a), "SELECT decided_at - created_at FROM requests WHERE status IN"
	                       " ('approved','denied')", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (n == cap)
				d = xrealloc(d, (cap *= 2) * sizeof *d);
			d[n++] = sqlite3_column_int64(st, 0);
		}
		sqlite3_finalize(st);
	}
	qsort(d, n, sizeof *d, cmp_i64);
	sb_put(&b, "<dt>time to decision p50</dt><dd id=\"m-p50\">");
	if (n)
		put_duration(&b, pct(d, n, 50));
	else
		sb_put(&b, "n/a");
	sb_put(&b, "</dd><dt>time to decision p95</dt><dd id=\"m-p95\">");
	if (n)
		put_duration(&b, pct(d, n, 95));
	else
		sb_put(&b, "n/a");
	sb_put(&b, "</dd></dl>");
	free(d);
	sb_put(&b, "<h2>Per rule</h2><table id=\"per-rule\"><thead><tr><th>rule</th><th>requests</th>"
	           "<th>approved</th><th>denied</th><th>timeouts</th><th>cancelled</th></tr></thead><tbody>");
	if (sqlite3_prepare_v2(store_db(a), "SELECT primary_rule, count(*), sum(status='approved'),"
	                       " sum(status='denied'), sum(status='expired'), sum(status='cancelled')"
	                       " FROM requests GROUP BY primary_rule ORDER BY 5 DESC, 2 DESC", -1, &st,
	                       NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			sb_put(&b, "<tr><td>");
			sb_html(&b, (const char *)sqlite3_column_text(st, 0));
			for (int c = 1; c <= 5; c++)
				sb_printf(&b, "</td><td>%lld", (long long)sqlite3_column_int64(st, c));
			sb_put(&b, "</td></tr>");
		}
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&a->lock);
	sb_put(&b, "</tbody></table>");
	page_end(&b);
	resp_html(resp, 200, &b);
}

/* -------------------------------------------------------------- actions */

static void do_login(app *a, const http_req *q, http_resp *resp)
{
	cleanup_free char *user = form_value(q->body, q->body_len, "username");
	cleanup_free char *pass = form_value(q->body, q->body_len, "password");
	const reviewer_cfg *rv = config_reviewer(&a->cfg, user);
	/* verify against a dummy hash for unknown names, so timing says nothing */
	static const char dummy[] = "pbkdf2-sha256$600000$00000000000000000000000000000000$"
	                            "0000000000000000000000000000000000000000000000000000000000000000";
	bool ok = password_verify(pass ? pass : "", rv ? rv->password_hash : dummy) && rv && pass;
	if (!ok) {
		fprintf(stderr, "interlock-approver: failed login for '%.64s'\n", user ? user : "");
		return login_page(a, resp, 401, "Unknown reviewer or wrong password.");
	}
	char tok[65], csrf[65], h[65];
	if (il_approval_random_hex(tok, sizeof tok, 32) || il_approval_random_hex(csrf, sizeof csrf, 32))
		return login_page(a, resp, 500, "Cannot create a session.");
	il_sha256_hex(tok, strlen(tok), h);
	pthread_mutex_lock(&a->lock);
	sqlite3_stmt *st;
	int rc = -1;
	int64_t now = now_ms();
	if (sqlite3_prepare_v2(store_db(a), "INSERT INTO sessions(token_hash, reviewer, csrf, created_at,"
	                       " expires_at) VALUES(?,?,?,?,?)", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, h, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, rv->name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, csrf, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 4, now);
		sqlite3_bind_int64(st, 5, now + a->cfg.session_ttl_ms);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&a->lock);
	if (rc != 0)
		return login_page(a, resp, 500, "Cannot create a session.");
	resp->set_cookie = xasprintf("il_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s", tok,
	                             (long long)(a->cfg.session_ttl_ms / 1000),
	                             a->cfg.secure_cookies ? "; Secure" : "");
	resp_redirect(resp, "/requests");
}

static void do_logout(app *a, const http_req *q, http_resp *resp)
{
	const char *tok = http_cookie(q, "il_session");
	if (tok) {
		char h[65];
		il_sha256_hex(tok, strlen(tok), h);
		pthread_mutex_lock(&a->lock);
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(store_db(a), "DELETE FROM sessions WHERE token_hash=?", -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, h, -1, SQLITE_TRANSIENT);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
		pthread_mutex_unlock(&a->lock);
	}
	resp->set_cookie = xstrdup("il_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
	resp_redirect(resp, "/login");
}

static void do_decide(app *a, const http_req *q, http_resp *resp, const viewer *v, const char *id)
{
	cleanup_free char *decision = form_value(q->body, q->body_len, "decision");
	cleanup_free char *reason = form_value(q->body, q->body_len, "reason");
	if (!decision || (strcmp(decision, "approve") && strcmp(decision, "deny")))
		return message_page(a, resp, 400, v, "Not recorded", "decision must be approve or deny");
	pthread_mutex_lock(&a->lock);
	dec_result res = engine_decide(a, id, v->rv, strcmp(decision, "approve") == 0, reason);
	pthread_mutex_unlock(&a->lock);
	if (res == DEC_OK) {
		fprintf(stderr, "interlock-approver: %s voted %s on %s\n", v->rv->name, decision, id);
		char *to = xasprintf("/requests?done=%s", id);
		resp_redirect(resp, to);
		free(to);
		return;
	}
	int status = res == DEC_NOT_FOUND ? 404 :
	             res == DEC_SELF_APPROVAL || res == DEC_NOT_ELIGIBLE ? 403 :
	             res == DEC_NOT_PENDING || res == DEC_ALREADY_VOTED ? 409 :
	             res == DEC_ERROR ? 500 : 400;
	message_page(a, resp, status, v, "Not recorded", dec_result_msg(res));
}

bool web_route(app *a, const http_req *q, http_resp *resp)
{
	const char *u = q->url;
	bool get = strcmp(q->method, "GET") == 0 || strcmp(q->method, "HEAD") == 0;
	bool post = strcmp(q->method, "POST") == 0;
	if (get && strcmp(u, "/static/app.js") == 0) {
		resp->status = 200;
		resp->content_type = "text/javascript; charset=utf-8";
		resp->body = xstrdup(asset_app_js);
		resp->body_len = strlen(resp->body);
		return true;
	}
	if (get && strcmp(u, "/static/style.css") == 0) {
		resp->status = 200;
		resp->content_type = "text/css; charset=utf-8";
		resp->body = xstrdup(asset_style_css);
		resp->body_len = strlen(resp->body);
		return true;
	}
	if (!get && !post) {
		resp_error(resp, 405, "method_not_allowed", "use GET or POST");
		resp->allow = "GET, POST";
		return true;
	}
	if (post && !origin_ok(q)) {
		message_page(a, resp, 403, NULL, "Refused", "cross-origin form post refused");
		return true;
	}
	if (strcmp(u, "/login") == 0) {
		if (post)
			do_login(a, q, resp);
		else
			login_page(a, resp, 200, NULL);
		return true;
	}
	viewer v;
	if (!session_get(a, q, &v)) {
		if (post)
			message_page(a, resp, 401, NULL, "Not signed in", "sign in first");
		else
			resp_redirect(resp, "/login");
		return true;
	}
	if (post && !csrf_ok(q, &v)) {
		message_page(a, resp, 403, &v, "Refused", "missing or wrong CSRF token; reload the page");
		return true;
	}
	if (post && strcmp(u, "/logout") == 0) {
		do_logout(a, q, resp);
		return true;
	}
	if (post && strncmp(u, "/requests/", 10) == 0) {
		const char *rest = u + 10, *slash = strchr(rest, '/');
		char id[IL_APPROVAL_ID_MAX + 1];
		size_t n = slash ? (size_t)(slash - rest) : 0;
		if (!slash || strcmp(slash, "/decide") != 0 || n == 0 || n > IL_APPROVAL_ID_MAX) {
			message_page(a, resp, 404, &v, "Not found", "no such page");
			return true;
		}
		memcpy(id, rest, n);
		id[n] = '\0';
		do_decide(a, q, resp, &v, id);
		return true;
	}
	if (!get) {
		message_page(a, resp, 404, &v, "Not found", "no such page");
		return true;
	}
	if (strcmp(u, "/") == 0)
		resp_redirect(resp, "/requests");
	else if (strcmp(u, "/requests") == 0)
		pending_page(a, q, resp, &v);
	else if (strcmp(u, "/requests/version") == 0) {
		pthread_mutex_lock(&a->lock);
		resp->body = xasprintf("%u", a->changes);
		pthread_mutex_unlock(&a->lock);
		resp->status = 200;
		resp->content_type = "text/plain; charset=utf-8";
		resp->body_len = strlen(resp->body);
	} else if (strcmp(u, "/history") == 0)
		history_page(a, resp, &v);
	else if (strcmp(u, "/metrics") == 0)
		metrics_page(a, resp, &v);
	else
		message_page(a, resp, 404, &v, "Not found", "no such page");
	return true;
}
