/*
 * engine.c — the approval service's decision rules: who may decide a
 * request (routing to approver groups, never the requester approving its
 * own action), the two-person rule, required deny reasons; and the ticker
 * that expires requests at their deadline, escalates them to the next
 * group after each step's delay, and delivers notifications to the
 * optional webhook.
 */
#include "service.h"
#include "approval_proto.h"
#include "util.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *dec_result_msg(dec_result r)
{
	switch (r) {
	case DEC_OK: return "recorded";
	case DEC_NOT_FOUND: return "no such request";
	case DEC_NOT_PENDING: return "this request is no longer pending";
	case DEC_SELF_APPROVAL: return "you requested this action: another reviewer must approve it";
	case DEC_NOT_ELIGIBLE: return "you are not in the approver groups of this request";
	case DEC_ALREADY_VOTED: return "you already voted on this request; a second reviewer is needed";
	case DEC_REASON_REQUIRED: return "a deny needs a reason";
	case DEC_BAD_REASON: return "the reason must be at most 1000 bytes of UTF-8 text";
	case DEC_ERROR: break;
	}
	return "internal error";
}

bool engine_eligible(const app *a, const req_row *r, const reviewer_cfg *rv, char *why, size_t whylen)
{
	(void)a;
	cJSON *arr = cJSON_Parse(r->approvers);
	bool ok = false;
	if (!cJSON_IsArray(arr)) {
		snprintf(why, whylen, "request has no valid approver list");
	} else if (cJSON_GetArraySize(arr) == 0) {
		ok = true;   /* no approvers named: any reviewer */
	} else {
		const cJSON *it;
		cJSON_ArrayForEach(it, arr) {
			if (!cJSON_IsString(it))
				continue;
			if (strcmp(it->valuestring, rv->name) == 0)
				ok = true;
			for (size_t g = 0; g < rv->ngroups; g++)
				if (strcmp(it->valuestring, rv->groups[g]) == 0)
					ok = true;
		}
		if (!ok)
			snprintf(why, whylen, "%s", dec_result_msg(DEC_NOT_ELIGIBLE));
	}
	cJSON_Delete(arr);
	return ok;
}

static int exec_bind(app *a, const char *sql, const char *const *s, size_t ns, const int64_t *i,
                     size_t ni)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(store_db(a), sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "interlock-approver: sqlite: %s\n", sqlite3_errmsg(store_db(a)));
		return -1;
	}
	for (size_t k = 0; k < ns; k++)
		sqlite3_bind_text(st, (int)k + 1, s[k], -1, SQLITE_TRANSIENT);
	for (size_t k = 0; k < ni; k++)
		sqlite3_bind_int64(st, (int)(ns + k) + 1, i[k]);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static bool reason_ok(const char *s)
{
	return s && strlen(s) <= 1000 && il_utf8_valid(s, strlen(s));
}

static bool blank(const char *s)
{
	for (; s && *s; s++)
		if (!strchr(" \t\r\n", *s))
			return false;
	return true;
}

dec_result engine_decide(app *a, const char *id, const reviewer_cfg *rv, bool approve,
                         const char *reason)
{
	if (!reason)
		reason = "";
	if (!reason_ok(reason))
		return DEC_BAD_REASON;
	if (!approve && blank(reason))
		return DEC_REASON_REQUIRED;
	req_row r;
	int g = store_get(a, id, &r);
	if (g <= 0)
		return g == 0 ? DEC_NOT_FOUND : DEC_ERROR;
	dec_result res = DEC_ERROR;
	char why[160];
	size_t nv = 0;
	vote_row *votes = NULL;
	if (strcmp(r.status, ST_PENDING) != 0) {
		res = DEC_NOT_PENDING;
		goto out;
	}
	if (approve && strcmp(r.requester, rv->name) == 0) {
		res = DEC_SELF_APPROVAL;
		goto out;
	}
	if (!engine_eligible(a, &r, rv, why, sizeof why)) {
		res = DEC_NOT_ELIGIBLE;
		goto out;
	}
	votes = store_votes(a, id, &nv);
	for (size_t i = 0; i < nv; i++)
		if (strcmp(votes[i].reviewer, rv->name) == 0) {
			res = DEC_ALREADY_VOTED;
			goto out;
		}
	int64_t now = now_ms();
	const char *vs[] = { id, rv->name, approve ? "approve" : "deny", reason };
	if (store_exec(a, "BEGIN IMMEDIATE") != 0)
		goto out;
	if (exec_bind(a, "INSERT INTO votes(request_id, reviewer, vote, reason, at) VALUES(?,?,?,?,?)",
	              vs, 4, &now, 1) != 0) {
		store_exec(a, "ROLLBACK");
		goto out;
	}
	/* who approved so far, including this vote */
	cJSON *who = cJSON_CreateArray();
	sbuf why_all = { 0 };
	int napprove = 0;
	for (size_t i = 0; i < nv; i++)
		if (strcmp(votes[i].vote, "approve") == 0) {
			napprove++;
			cJSON_AddItemToArray(who, cJSON_CreateString(votes[i].reviewer));
			if (votes[i].reason[0] && why_all.len + strlen(votes[i].reason) + 70 < 1000)
				sb_printf(&why_all, "%s%s: %s", why_all.len ? "; " : "", votes[i].reviewer,
				          votes[i].reason);
		}
	int rc = 0;
	if (!approve) {
		cJSON_Delete(who);
		who = cJSON_CreateArray();
		cJSON_AddItemToArray(who, cJSON_CreateString(rv->name));
		char *by = cJSON_PrintUnformatted(who);
		const char *s[] = { ST_DENIED, reason, by, id };
		rc = exec_bind(a, "UPDATE requests SET status=?, reason=?, decided_by=?, decided_at=?5"
		               " WHERE id=?4", s, 4, &now, 1);
		free(by);
	} else {
		napprove++;
		cJSON_AddItemToArray(who, cJSON_CreateString(rv->name));
		if (reason[0] && why_all.len + strlen(reason) + 70 < 1000)
			sb_printf(&why_all, "%s%s: %s", why_all.len ? "; " : "", rv->name, reason);
		if (napprove >= r.approvals_required) {
			char *by = cJSON_PrintUnformatted(who);
			const char *s[] = { ST_APPROVED, why_all.p ? why_all.p : "", by, id };
			rc = exec_bind(a, "UPDATE requests SET status=?, reason=?, decided_by=?, decided_at=?5"
			               " WHERE id=?4", s, 4, &now, 1);
			free(by);
		}
	}
	cJSON_Delete(who);
	sb_free(&why_all);
	if (rc != 0 || store_exec(a, "COMMIT") != 0) {
		store_exec(a, "ROLLBACK");
		goto out;
	}
	char msg[300];
	snprintf(msg, sizeof msg, "%s voted %s", rv->name, approve ? "approve" : "deny");
	store_notify(a, id, "vote", rv->name, msg);
	app_changed(a);
	res = DEC_OK;
out:
	vote_rows_free(votes, nv);
	req_row_free(&r);
	return res;
}

/* Escalate one pending request if its next step is due. */
static void escalate_one(app *a, const char *id, const char *esc_json, int level, int64_t created,
                         int64_t now)
{
	cJSON *esc = cJSON_Parse(esc_json);
	cJSON *step = cJSON_IsArray(esc) ? cJSON_GetArrayItem(esc, level) : NULL;
	cJSON *after = step ? cJSON_GetObjectItem(step, "after_ms") : NULL;
	cJSON *to = step ? cJSON_GetObjectItem(step, "to") : NULL;
	if (cJSON_IsNumber(after) && cJSON_IsString(to) && created + (int64_t)after->valuedouble <= now) {
		cJSON *arr = cJSON_CreateArray();
		cJSON_AddItemToArray(arr, cJSON_CreateString(to->valuestring));
		char *groups = cJSON_PrintUnformatted(arr);
		cJSON_Delete(arr);
		const char *s[] = { groups, id };
		int64_t lv = level + 1;
		if (exec_bind(a, "UPDATE requests SET approvers=?, escalation_level=?3 WHERE id=?2"
		              " AND status='pending'", s, 2, &lv, 1) == 0) {
			char msg[300];
			snprintf(msg, sizeof msg, "escalated to %s (step %d) after %lld ms pending",
			         to->valuestring, level + 1, (long long)after->valuedouble);
			store_notify(a, id, "escalated", to->valuestring, msg);
			app_changed(a);
		}
		free(groups);
	}
	cJSON_Delete(esc);
}

void engine_tick(app *a, int64_t now)
{
	pthread_mutex_lock(&a->lock);
	sqlite3_stmt *st;
	/* expiry */
	if (sqlite3_prepare_v2(store_db(a), "SELECT id FROM requests WHERE status='pending' AND deadline<=?",
	                       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, now);
		char *ids[64];
		size_t n = 0;
		while (n < 64 && sqlite3_step(st) == SQLITE_ROW)
			ids[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		for (size_t i = 0; i < n; i++) {
			const char *s[] = { ids[i] };
			if (exec_bind(a, "UPDATE requests SET status='expired', decided_at=?2, decided_by='[]',"
			              " reason='expired: no verdict before the deadline' WHERE id=?1"
			              " AND status='pending'", s, 1, &now, 1) == 0) {
				store_notify(a, ids[i], "expired", "all", "deadline passed without a verdict; denied");
				app_changed(a);
			}
			free(ids[i]);
		}
	}
	/* escalation */
	if (sqlite3_prepare_v2(store_db(a), "SELECT id, escalation, escalation_level, created_at FROM requests"
	                       " WHERE status='pending' AND escalation <> '[]'", -1, &st, NULL) == SQLITE_OK) {
		typedef struct { char *id, *esc; int level; int64_t created; } due;
		due d[64];
		size_t n = 0;
		while (n < 64 && sqlite3_step(st) == SQLITE_ROW) {
			d[n].id = xstrdup((const char *)sqlite3_column_text(st, 0));
			d[n].esc = xstrdup((const char *)sqlite3_column_text(st, 1));
			d[n].level = sqlite3_column_int(st, 2);
			d[n].created = sqlite3_column_int64(st, 3);
			n++;
		}
		sqlite3_finalize(st);
		for (size_t i = 0; i < n; i++) {
			escalate_one(a, d[i].id, d[i].esc, d[i].level, d[i].created, now);
			free(d[i].id);
			free(d[i].esc);
		}
	}
	const char *none[] = { NULL };
	exec_bind(a, "DELETE FROM sessions WHERE expires_at <= ?", none, 0, &now, 1);
	pthread_mutex_unlock(&a->lock);
}

static size_t discard_body(char *p, size_t sz, size_t nm, void *u)
{
	(void)p;
	(void)u;
	return sz * nm;
}

/* POST undelivered notifications to the webhook, outside the lock. */
static void deliver(app *a)
{
	if (!a->cfg.webhook)
		return;
	typedef struct { int64_t id; char *json; } note;
	note ns[16];
	size_t n = 0;
	pthread_mutex_lock(&a->lock);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(store_db(a), "SELECT id, request_id, at, kind, target, message FROM notifications"
	                       " WHERE delivered = 0 ORDER BY id LIMIT 16", -1, &st, NULL) == SQLITE_OK) {
		while (n < 16 && sqlite3_step(st) == SQLITE_ROW) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "request_id", (const char *)sqlite3_column_text(st, 1) ?: "");
			cJSON_AddNumberToObject(o, "at", (double)sqlite3_column_int64(st, 2));
			cJSON_AddStringToObject(o, "kind", (const char *)sqlite3_column_text(st, 3));
			cJSON_AddStringToObject(o, "target", (const char *)sqlite3_column_text(st, 4));
			cJSON_AddStringToObject(o, "message", (const char *)sqlite3_column_text(st, 5));
			ns[n].id = sqlite3_column_int64(st, 0);
			ns[n].json = cJSON_PrintUnformatted(o);
			cJSON_Delete(o);
			n++;
		}
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&a->lock);
	for (size_t i = 0; i < n; i++) {
		CURL *c = curl_easy_init();
		long code = 0;
		if (c) {
			struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
			curl_easy_setopt(c, CURLOPT_URL, a->cfg.webhook);
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, ns[i].json);
			curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
			curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 3000L);
			curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
			curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_body);
			if (curl_easy_perform(c) == CURLE_OK)
				curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
			curl_slist_free_all(h);
			curl_easy_cleanup(c);
		}
		pthread_mutex_lock(&a->lock);
		const char *none[] = { NULL };
		int64_t args[2] = { code >= 200 && code < 300 ? 1 : -1, ns[i].id };
		exec_bind(a, "UPDATE notifications SET delivered=?1 WHERE id=?2", none, 0, args, 2);
		pthread_mutex_unlock(&a->lock);
		free(ns[i].json);
	}
}

static void *ticker_main(void *arg)
{
	app *a = arg;
	for (;;) {
		pthread_mutex_lock(&a->lock);
		bool stop = a->stopping;
		pthread_mutex_unlock(&a->lock);
		if (stop)
			break;
		engine_tick(a, now_ms());
		deliver(a);
		struct timespec ts = { 0, 200 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int engine_start(app *a)
{
	if (pthread_create(&a->ticker, NULL, ticker_main, a) != 0)
		return -1;
	a->ticker_running = true;
	return 0;
}

void engine_stop(app *a)
{
	pthread_mutex_lock(&a->lock);
	a->stopping = true;
	pthread_cond_broadcast(&a->changed);
	pthread_mutex_unlock(&a->lock);
	if (a->ticker_running)
		pthread_join(a->ticker, NULL);
	a->ticker_running = false;
}
