/*
 * api.c — the sidecar-facing half of the approval service: the /v1/ HTTP +
 * JSON protocol of docs/approval-protocol.md. Bearer-authenticated; every
 * body is validated before anything is stored; verdicts are signed fresh
 * (new nonce, short lifetime) each time they are served.
 */
#include "service.h"
#include "approval_proto.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_APPROVERS 32
#define MAX_ESCALATION 8

static bool authorized(app *a, const http_req *q)
{
	const char *h = http_header(q, "Authorization");
	if (!h || strncmp(h, "Bearer ", 7) != 0)
		return false;
	return secret_equal(h + 7, a->cfg.token);
}

static bool is_json(const http_req *q)
{
	const char *ct = http_header(q, "Content-Type");
	if (!ct || strncasecmp(ct, "application/json", 16) != 0)
		return false;
	return ct[16] == '\0' || ct[16] == ';' || ct[16] == ' ';
}

static bool json_i64(const cJSON *o, const char *k, int64_t *out)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble > 9007199254740991.0 ||
	    it->valuedouble != (double)(int64_t)it->valuedouble)
		return false;
	*out = (int64_t)it->valuedouble;
	return true;
}

/* Optional string field: absent/null -> def; present but not a string -> NULL + bad. */
static const char *json_str(const cJSON *o, const char *k, const char *def, bool *bad)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!it || cJSON_IsNull(it))
		return def;
	if (!cJSON_IsString(it) || strlen(it->valuestring) > 16384) {
		*bad = true;
		return NULL;
	}
	return it->valuestring;
}

static bool name_list_ok(const cJSON *arr, size_t max)
{
	if (!cJSON_IsArray(arr) || (size_t)cJSON_GetArraySize(arr) > max)
		return false;
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
		if (!cJSON_IsString(it) || !it->valuestring[0] || strlen(it->valuestring) > REVIEWER_NAME_MAX)
			return false;
	return true;
}

/*
 * Validate a create-request body into *r (borrowing strings from root).
 * Returns 0, or the HTTP status (400/422) with a message in err.
 */
static int validate_request(const cJSON *root, req_row *r, char *err, size_t errlen)
{
	int64_t version;
	bool bad = false;
	if (!cJSON_IsObject(root))
		return snprintf(err, errlen, "body must be a JSON object"), 400;
	if (!json_i64(root, "version", &version) || version != IL_APPROVAL_PROTO_VERSION)
		return snprintf(err, errlen, "field 'version' must be 1"), 400;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "request_id");
	if (!cJSON_IsString(id) || !il_approval_id_valid(id->valuestring))
		return snprintf(err, errlen, "field 'request_id' must be 1..128 of [A-Za-z0-9_-]"), 400;
	r->id = id->valuestring;
	if (!json_i64(root, "created_at", &r->created_at) || !json_i64(root, "deadline", &r->deadline))
		return snprintf(err, errlen, "fields 'created_at' and 'deadline' must be Unix milliseconds"), 400;
	if (r->deadline <= r->created_at)
		return snprintf(err, errlen, "field 'deadline' must be after 'created_at'"), 422;
	if (r->deadline <= now_ms())
		return snprintf(err, errlen, "the deadline has already passed"), 422;
	const cJSON *act = cJSON_GetObjectItemCaseSensitive(root, "action");
	if (!cJSON_IsObject(act))
		return snprintf(err, errlen, "field 'action' must be an object"), 400;
	const char *kind = json_str(act, "kind", NULL, &bad);
	if (!kind || il_kind_from_name(kind) == IL_KIND_NONE)
		return snprintf(err, errlen, "field 'action.kind' must be exec, delete, connect or http"), 400;
	r->kind = (char *)kind;
	r->summary = (char *)json_str(act, "summary", kind, &bad);
	const char *risk = json_str(root, "risk", "none", &bad);
	static const char *const risks[] = { "none", "low", "medium", "high", "critical" };
	bool risk_ok = false;
	for (size_t i = 0; risk && i < IL_ARRAY_LEN(risks); i++)
		risk_ok |= strcmp(risk, risks[i]) == 0;
	if (!risk_ok)
		return snprintf(err, errlen, "field 'risk' must be none, low, medium, high or critical"), 400;
	r->risk = (char *)risk;
	r->requester = (char *)json_str(root, "requester", "", &bad);
	r->agent_id = (char *)json_str(root, "agent_id", "", &bad);
	r->host = (char *)json_str(root, "host", "", &bad);
	r->session = (char *)json_str(root, "session", "", &bad);
	(void)json_str(root, "policy_version", "", &bad);
	(void)json_str(act, "cwd", "", &bad);
	if (bad)
		return snprintf(err, errlen, "a context field (summary, requester, agent_id, host, session,"
		                " policy_version, cwd) is not a string"), 400;
	const cJSON *apv = cJSON_GetObjectItemCaseSensitive(root, "approvers");
	if (apv && !name_list_ok(apv, MAX_APPROVERS))
		return snprintf(err, errlen, "field 'approvers' must be an array of at most %d names",
		                MAX_APPROVERS), 400;
	int64_t need = 1;
	if (cJSON_GetObjectItemCaseSensitive(root, "approvals_required") &&
	    (!json_i64(root, "approvals_required", &need) || need < 1 || need > IL_VERDICT_MAX_REVIEWERS))
		return snprintf(err, errlen, "field 'approvals_required' must be 1..16"), 400;
	r->approvals_required = (int)need;
	const cJSON *esc = cJSON_GetObjectItemCaseSensitive(root, "escalation");
	if (esc) {
		if (!cJSON_IsArray(esc) || cJSON_GetArraySize(esc) > MAX_ESCALATION)
			return snprintf(err, errlen, "field 'escalation' must be an array of at most %d steps",
			                MAX_ESCALATION), 400;
		const cJSON *st;
		cJSON_ArrayForEach(st, esc) {
			int64_t after;
			const cJSON *to = cJSON_GetObjectItemCaseSensitive(st, "to");
			if (!cJSON_IsObject(st) || !json_i64(st, "after_ms", &after) || !cJSON_IsString(to) ||
			    !to->valuestring[0] || strlen(to->valuestring) > REVIEWER_NAME_MAX)
				return snprintf(err, errlen, "each escalation step needs after_ms (integer) and to (name)"), 400;
		}
	}
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(root, "rules");
	r->primary_rule = "(defaults)";
	if (rules) {
		if (!cJSON_IsArray(rules))
			return snprintf(err, errlen, "field 'rules' must be an array"), 400;
		const cJSON *first = cJSON_GetArrayItem(rules, 0);
		const cJSON *rid = first ? cJSON_GetObjectItemCaseSensitive(first, "id") : NULL;
		if (first && !cJSON_IsString(rid))
			return snprintf(err, errlen, "each rule needs an 'id' string"), 400;
		if (rid)
			r->primary_rule = rid->valuestring;
	}
	return 0;
}

static cJSON *status_json(app *a, const req_row *r)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "request_id", r->id);
	cJSON_AddStringToObject(o, "status", r->status);
	size_t nv;
	vote_row *v = store_votes(a, r->id, &nv);
	int napp = 0;
	cJSON *votes = cJSON_AddArrayToObject(o, "votes");
	for (size_t i = 0; i < nv; i++) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "reviewer", v[i].reviewer);
		cJSON_AddStringToObject(e, "vote", v[i].vote);
		cJSON_AddStringToObject(e, "reason", v[i].reason);
		cJSON_AddNumberToObject(e, "at", (double)v[i].at);
		cJSON_AddItemToArray(votes, e);
		napp += strcmp(v[i].vote, "approve") == 0;
	}
	vote_rows_free(v, nv);
	cJSON_AddNumberToObject(o, "approvals", napp);
	cJSON_AddNumberToObject(o, "approvals_required", r->approvals_required);
	cJSON *apv = cJSON_Parse(r->approvers);
	cJSON_AddItemToObject(o, "approvers", apv ? apv : cJSON_CreateArray());
	cJSON_AddNumberToObject(o, "escalation_level", r->escalation_level);
	cJSON_AddNumberToObject(o, "deadline", (double)r->deadline);
	if (strcmp(r->status, ST_PENDING) != 0) {
		cJSON_AddNumberToObject(o, "decided_at", (double)r->decided_at);
		cJSON_AddStringToObject(o, "reason", r->reason);
	}
	return o;
}

static void create_request(app *a, const http_req *q, http_resp *resp)
{
	if (q->too_large)
		return resp_error(resp, 413, "too_large", "request body larger than 1 MiB");
	if (!is_json(q))
		return resp_error(resp, 415, "unsupported_media_type", "Content-Type must be application/json");
	if (!il_utf8_valid(q->body, q->body_len))
		return resp_error(resp, 400, "bad_request", "body is not valid UTF-8");
	cJSON *root = cJSON_ParseWithLength(q->body, q->body_len);
	if (!root)
		return resp_error(resp, 400, "bad_request", "body is not valid JSON");
	req_row r;
	memset(&r, 0, sizeof r);
	char err[256];
	int st = validate_request(root, &r, err, sizeof err);
	if (st) {
		cJSON_Delete(root);
		return resp_error(resp, st, st == 422 ? "unprocessable" : "bad_request", err);
	}
	cJSON *apv = cJSON_GetObjectItemCaseSensitive(root, "approvers");
	cJSON *esc = cJSON_GetObjectItemCaseSensitive(root, "escalation");
	char *apv_s = apv ? cJSON_PrintUnformatted(apv) : xstrdup("[]");
	char *esc_s = esc ? cJSON_PrintUnformatted(esc) : xstrdup("[]");
	char *body = xstrndup(q->body, q->body_len);
	r.approvers = apv_s;
	r.escalation = esc_s;
	r.body = body;
	r.received_at = now_ms();

	pthread_mutex_lock(&a->lock);
	req_row old;
	int g = store_get(a, r.id, &old);
	if (g == 1) {
		/* idempotent retry: the same body answers with the current state */
		if (strcmp(old.body, body) == 0)
			resp_json(resp, 200, status_json(a, &old));
		else
			resp_error(resp, 409, "conflict", "a different request with this id exists");
		req_row_free(&old);
	} else if (g < 0 || store_insert(a, &r) != 0) {
		resp_error(resp, 500, "internal", "cannot store the request");
	} else {
		char msg[512];
		snprintf(msg, sizeof msg, "new %s request from %s@%s: %.300s", r.risk,
		         r.agent_id[0] ? r.agent_id : "agent", r.host, r.summary);
		store_notify(a, r.id, "created", apv_s, msg);
		app_changed(a);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "request_id", r.id);
		cJSON_AddStringToObject(o, "status", ST_PENDING);
		char *vu = xasprintf("/v1/requests/%s/verdict", r.id);
		char *ru = xasprintf("/requests#%s", r.id);
		cJSON_AddStringToObject(o, "verdict_url", vu);
		cJSON_AddStringToObject(o, "review_url", ru);
		free(vu);
		free(ru);
		resp_json(resp, 201, o);
	}
	pthread_mutex_unlock(&a->lock);
	free(apv_s);
	free(esc_s);
	free(body);
	cJSON_Delete(root);
}

/* Under lock: the signed verdict for a decided request into resp. */
static void send_verdict(app *a, const req_row *r, http_resp *resp)
{
	il_verdict_msg m;
	memset(&m, 0, sizeof m);
	m.request_id = r->id;
	m.decision = strcmp(r->status, ST_APPROVED) == 0 ? IL_VERDICT_APPROVE : IL_VERDICT_DENY;
	cJSON *by = cJSON_Parse(r->decided_by);
	const cJSON *it;
	cJSON_ArrayForEach(it, by)
		if (cJSON_IsString(it) && m.nreviewers < IL_VERDICT_MAX_REVIEWERS)
			m.reviewers[m.nreviewers++] = it->valuestring;
	m.reason = r->reason;
	int64_t now = now_ms();
	m.issued_at_ms = now;
	m.expires_at_ms = now + a->cfg.verdict_ttl_ms;
	char err[256];
	char *json = NULL;
	if (il_approval_random_hex(m.nonce, sizeof m.nonce, 16) == 0)
		json = il_verdict_sign_json(&m, a->cfg.key, a->cfg.keylen, err, sizeof err);
	cJSON_Delete(by);
	if (!json)
		return resp_error(resp, 500, "internal", "cannot sign the verdict");
	resp->status = 200;
	resp->content_type = "application/json";
	resp->body = json;
	resp->body_len = strlen(json);
}

static void get_verdict(app *a, const http_req *q, const char *id, http_resp *resp)
{
	int64_t wait_ms = 0;
	const char *w = http_query(q, "wait");
	if (w) {
		int64_t s;
		if (il_parse_i64(w, 0, 3600, &s) != 0)
			return resp_error(resp, 400, "bad_request", "wait must be an integer number of seconds");
		wait_ms = s * 1000 > a->cfg.max_wait_ms ? a->cfg.max_wait_ms : s * 1000;
	}
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += wait_ms / 1000;
	end.tv_nsec += (wait_ms % 1000) * 1000000;
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&a->lock);
	for (;;) {
		req_row r;
		int g = store_get(a, id, &r);
		if (g <= 0) {
			resp_error(resp, g == 0 ? 404 : 500, g == 0 ? "not_found" : "internal",
			           g == 0 ? "no such request" : "database error");
			break;
		}
		if (strcmp(r.status, ST_PENDING) != 0) {
			if (strcmp(r.status, ST_CANCELLED) == 0)
				resp_error(resp, 410, "gone", "the request was cancelled");
			else
				send_verdict(a, &r, resp);
			req_row_free(&r);
			break;
		}
		if (a->stopping || pthread_cond_timedwait(&a->changed, &a->lock, &end) == ETIMEDOUT) {
			resp_json(resp, 202, status_json(a, &r));
			req_row_free(&r);
			break;
		}
		req_row_free(&r);
	}
	pthread_mutex_unlock(&a->lock);
}

static void post_event(app *a, const http_req *q, http_resp *resp)
{
	if (q->too_large)
		return resp_error(resp, 413, "too_large", "request body larger than 1 MiB");
	if (!is_json(q))
		return resp_error(resp, 415, "unsupported_media_type", "Content-Type must be application/json");
	if (!il_utf8_valid(q->body, q->body_len))
		return resp_error(resp, 400, "bad_request", "body is not valid UTF-8");
	cJSON *root = cJSON_ParseWithLength(q->body, q->body_len);
	int64_t version;
	bool bad = false;
	const char *type = root ? json_str(root, "type", NULL, &bad) : NULL;
	const char *rid = root ? json_str(root, "request_id", NULL, &bad) : NULL;
	const char *session = root ? json_str(root, "session", "", &bad) : NULL;
	const char *agent = root ? json_str(root, "agent_id", "", &bad) : NULL;
	if (!cJSON_IsObject(root) || !json_i64(root, "version", &version) || version != 1 || bad ||
	    !type || !type[0] || strlen(type) > 64 || (rid && !il_approval_id_valid(rid))) {
		cJSON_Delete(root);
		return resp_error(resp, 400, "bad_request",
		                  "an event needs version 1, a type string and, optionally, a valid request_id");
	}
	pthread_mutex_lock(&a->lock);
	sqlite3_stmt *st;
	int64_t now = now_ms();
	if (sqlite3_prepare_v2(store_db(a), "INSERT INTO events(at, type, request_id, session, agent_id, body)"
	                       " VALUES(?,?,?,?,?,?)", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_text(st, 2, type, -1, SQLITE_TRANSIENT);
		if (rid)
			sqlite3_bind_text(st, 3, rid, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, session, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, agent, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 6, q->body, (int)q->body_len, SQLITE_TRANSIENT);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	/* the sidecar gave up on a request: stop offering it to reviewers */
	bool timed_out = strcmp(type, "request_timed_out") == 0;
	if (rid && (timed_out || strcmp(type, "request_cancelled") == 0) &&
	    sqlite3_prepare_v2(store_db(a), "UPDATE requests SET status=?1, decided_at=?2, decided_by='[]',"
	                       " reason=?3 WHERE id=?4 AND status='pending'", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, timed_out ? ST_EXPIRED : ST_CANCELLED, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, now);
		sqlite3_bind_text(st, 3, timed_out ? "expired: the sidecar's deadline passed"
		                                   : "cancelled: the agent went away", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, rid, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
		sqlite3_finalize(st);
		app_changed(a);
	}
	if (strncmp(type, "break_glass", 11) == 0) {
		const char *reason = json_str(root, "reason", "", &bad);
		char msg[512];
		snprintf(msg, sizeof msg, "%s by %s on session %s: %.300s", type,
		         agent[0] ? agent : "agent", session, reason ? reason : "");
		store_notify(a, rid, type, "all", msg);
	}
	pthread_mutex_unlock(&a->lock);
	cJSON_Delete(root);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", "accepted");
	resp_json(resp, 202, o);
}

/* A 405 answer naming the one allowed method (also in the Allow header).
 * Returns true (the request was answered). */
static bool method_not_allowed(http_resp *resp, const char *method)
{
	char msg[32];
	snprintf(msg, sizeof msg, "use %s", method);
	resp_error(resp, 405, "method_not_allowed", msg);
	resp->allow = method;
	return true;
}

bool api_route(app *a, const http_req *q, http_resp *resp)
{
	const char *u = q->url;
	if (strncmp(u, "/v1/", 4) != 0)
		return false;
	bool get = strcmp(q->method, "GET") == 0, post = strcmp(q->method, "POST") == 0;
	if (strcmp(u, "/v1/health") == 0) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "status", "ok");
		cJSON_AddNumberToObject(o, "version", IL_APPROVAL_PROTO_VERSION);
		resp_json(resp, 200, o);
		return true;
	}
	if (!authorized(a, q)) {
		resp_error(resp, 401, "unauthorized", "missing or wrong bearer token");
		resp->www_auth = true;
		return true;
	}
	if (strcmp(u, "/v1/requests") == 0) {
		if (!post)
			return method_not_allowed(resp, "POST");
		create_request(a, q, resp);
		return true;
	}
	if (strcmp(u, "/v1/events") == 0) {
		if (!post)
			return method_not_allowed(resp, "POST");
		post_event(a, q, resp);
		return true;
	}
	if (strncmp(u, "/v1/requests/", 13) == 0) {
		char id[IL_APPROVAL_ID_MAX + 1];
		const char *rest = u + 13, *slash = strchr(rest, '/');
		size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
		if (n == 0 || n > IL_APPROVAL_ID_MAX) {
			resp_error(resp, 404, "not_found", "no such request");
			return true;
		}
		memcpy(id, rest, n);
		id[n] = '\0';
		bool verdict = slash && strcmp(slash, "/verdict") == 0;
		if (!il_approval_id_valid(id) || (slash && !verdict)) {
			resp_error(resp, 404, "not_found", "no such request");
			return true;
		}
		if (!get)
			return method_not_allowed(resp, "GET");
		if (verdict) {
			get_verdict(a, q, id, resp);
		} else {
			pthread_mutex_lock(&a->lock);
			req_row r;
			int g = store_get(a, id, &r);
			if (g == 1)
				resp_json(resp, 200, status_json(a, &r));
			else
				resp_error(resp, g == 0 ? 404 : 500, g == 0 ? "not_found" : "internal",
				           g == 0 ? "no such request" : "database error");
			req_row_free(&r);
			pthread_mutex_unlock(&a->lock);
		}
		return true;
	}
	resp_error(resp, 404, "not_found", "unknown endpoint");
	return true;
}
