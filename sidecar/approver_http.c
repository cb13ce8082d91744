/*
 * approver_http.c — the external approval-service backend
 * (`--approver https://…`): the client side of docs/approval-protocol.md.
 *
 * For every submitted request: POST {base}/v1/requests, then long-poll
 * GET {base}/v1/requests/{id}/verdict?wait=N until a verdict that passes
 * il_verdict_accept() (signature, request id, expiry, replay) arrives, or
 * until the sidecar cancels the request (its deadline, the agent going
 * away, another decision). Everything runs on the sidecar's event loop
 * through http_client.h; nothing blocks.
 *
 * Fail closed: every error — refused connection, TLS failure, a slow or
 * hung server, 4xx, garbage or truncated JSON, a missing or wrong
 * signature, a verdict for another request, a replayed one, an approve
 * naming fewer distinct reviewers than the rule needs — is *no verdict*.
 * The backend then retries (with exponential backoff and jitter, honouring
 * Retry-After) or gives up, and the sidecar's deadline denies. No code path
 * here approves anything except a verified, sufficient approve verdict.
 *
 * Events (request timed out, request cancelled, break-glass) go to
 * POST {base}/v1/events from a bounded queue, one at a time, retried a few
 * times; they never delay or change a decision.
 */
#include "approval_proto.h"
#include "approver.h"
#include "http_client.h"
#include "sidecar.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define CREATE_TIMEOUT_MS 10000      /* one create attempt */
#define POLL_WAIT_S 30               /* long-poll wait asked of the service */
#define POLL_SLACK_MS 10000          /* transfer timeout beyond the wait */
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 10000
#define FAST_REPOLL_MS 100           /* minimum gap after an instant 202 */
#define EVENT_QUEUE_MAX 256
#define EVENT_ATTEMPTS 3
#define EVENT_TIMEOUT_MS 5000
#define EVENT_FLUSH_MS 500           /* budget for queued events at shutdown */
#define MAX_RESPONSE (IL_VERDICT_MAX_BODY + 1)
#define REPLAY_CAPACITY 8192

typedef enum { HS_CREATE, HS_POLL, HS_STOPPED } hstate;

typedef struct hreq {
	struct http_ap *ap;
	char id[IL_APPROVAL_ID_MAX + 1];
	const il_approval_request *req;   /* valid until cancel */
	char *body;                       /* the create body (re-sent on 404) */
	hstate state;
	il_http_xfer *x;
	uint64_t timer;
	unsigned failures;                /* consecutive, for the backoff */
	bool recreated;                   /* a 404 re-create was already made */
	bool in_cb;                       /* resolving from inside a callback */
	bool cancelled;                   /* cancel() arrived during in_cb */
	char last_err[200];               /* last logged problem (no repeats) */
	struct hreq *prev, *next;
} hreq;

typedef struct hevent {
	char *body;
	unsigned attempts;
	struct hevent *next;
} hevent;

typedef struct http_ap {
	il_approver *ap;
	il_http *http;
	char *base;                       /* without a trailing slash */
	char *auth;                       /* "Authorization: Bearer …" or NULL */
	unsigned char *key;
	size_t keylen;
	il_replay_cache *replay;
	hreq *reqs;
	hevent *evq, *evq_tail;
	size_t nev;
	il_http_xfer *ev_x;
	uint64_t ev_timer;
	bool ev_dropped_warned;
} http_ap;

static void poll_now(hreq *h);
static void create_now(hreq *h);

/* ---- helpers ---- */

static void note(hreq *h, const char *fmt, ...) IL_PRINTF(2, 3);

/* Log a problem with one request, once per distinct message in a row. */
static void note(hreq *h, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (strcmp(msg, h->last_err) == 0)
		return;
	snprintf(h->last_err, sizeof h->last_err, "%s", msg);
	il_warn("approval service: %s: %s", h->id, msg);
}

static const char *const *auth_headers(const http_ap *a, const char **slot)
{
	slot[0] = a->auth;
	slot[1] = NULL;
	return slot;
}

static void hreq_free(hreq *h)
{
	http_ap *a = h->ap;
	il_http_abort(a->http, h->x);
	il_loop_cancel_timer(a->ap->loop, h->timer);
	if (h->prev)
		h->prev->next = h->next;
	else if (a->reqs == h)
		a->reqs = h->next;
	if (h->next)
		h->next->prev = h->prev;
	free(h->body);
	free(h);
}

static int64_t remaining_ms(const hreq *h)
{
	return h->req->deadline_mono_ms - il_now_mono_ms();
}

/* Exponential backoff with jitter in [d/2, d]; Retry-After wins when longer. */
static int64_t backoff_ms(hreq *h, int64_t retry_after_ms)
{
	int64_t d = BACKOFF_MIN_MS;
	for (unsigned i = 0; i < h->failures && d < BACKOFF_MAX_MS; i++)
		d *= 2;
	if (d > BACKOFF_MAX_MS)
		d = BACKOFF_MAX_MS;
	char hex[8];
	unsigned long r = 255;
	if (il_approval_random_hex(hex, sizeof hex, 1) == 0)
		r = strtoul(hex, NULL, 16) & 0xff;
	d = d / 2 + (d / 2) * (int64_t)r / 255;
	if (retry_after_ms > d)
		d = retry_after_ms;
	h->failures++;
	return d;
}

static void on_retry_timer(il_loop *l, void *arg)
{
	(void)l;
	hreq *h = arg;
	h->timer = 0;
	if (h->state == HS_CREATE)
		create_now(h);
	else if (h->state == HS_POLL)
		poll_now(h);
}

/* Try again after `delay_ms`, unless that is past the deadline (then just
 * wait for the sidecar's deadline to deny). */
static void retry_after(hreq *h, int64_t delay_ms)
{
	if (delay_ms >= remaining_ms(h))
		return;
	h->timer = il_loop_add_timer(h->ap->ap->loop, il_now_mono_ms() + delay_ms, on_retry_timer, h);
}

/* ---- verdicts ---- */

/* Apply a verified verdict m. Called with h->in_cb set: resolving finishes
 * the request, and the sidecar then calls cancel() for it. */
static void apply_verdict(hreq *h, const il_verdict_msg *m)
{
	http_ap *a = h->ap;
	il_sidecar *sc = a->ap->sc;
	char msg[512];
	if (m->decision == IL_VERDICT_DENY) {
		const char *who = m->nreviewers ? m->reviewers[0] : "approval service";
		il_sidecar_resolve(sc, h->id, IL_DENY, who, "approval service",
		                   m->reason && *m->reason ? m->reason : "denied by the approval service",
		                   msg, sizeof msg);
		return;
	}
	if (m->decision != IL_VERDICT_APPROVE)
		return;   /* unreachable: the parser knows only these two */
	/* Distinct reviewers only, never the requester (the service should
	 * refuse self-approval; we do not count it either), and enough of them. */
	char requester[128];
	il_user_name(h->req->action->uid, requester, sizeof requester);
	size_t distinct = 0;
	const char *names[IL_VERDICT_MAX_REVIEWERS];
	for (size_t i = 0; i < m->nreviewers && i < IL_VERDICT_MAX_REVIEWERS; i++) {
		bool dup = strcmp(m->reviewers[i], requester) == 0;
		for (size_t j = 0; j < distinct; j++)
			if (strcmp(names[j], m->reviewers[i]) == 0)
				dup = true;
		if (!dup && m->reviewers[i][0])
			names[distinct++] = m->reviewers[i];
	}
	if (distinct < h->req->approvals_needed) {
		note(h, "approve verdict names %zu distinct reviewer(s), %u needed: not counted",
		     distinct, h->req->approvals_needed);
		return;
	}
	/* Record each reviewer; the last one that completes the count decides.
	 * The reason is attached to every call (it ends in the audit record). */
	for (size_t i = 0; i < distinct && !h->cancelled; i++) {
		int rc = il_sidecar_resolve(sc, h->id, IL_APPROVE, names[i], "approval service",
		                            m->reason, msg, sizeof msg);
		if (rc < 0) {
			note(h, "sidecar refused the approval of %s: %s", names[i], msg);
			return;
		}
		if (rc == 1)
			return;
	}
}

static void on_poll_done(void *arg, const il_http_response *r)
{
	hreq *h = arg;
	h->x = NULL;
	if (r->status == 200) {
		il_verdict_msg m;
		char err[256];
		if (r->too_large || il_verdict_accept(r->body, r->body_len, h->id, h->ap->key,
		                                      h->ap->keylen, il_now_wall_ms(), h->ap->replay,
		                                      &m, err, sizeof err) < 0) {
			note(h, "verdict rejected: %s", r->too_large ? "body too large" : err);
			retry_after(h, backoff_ms(h, -1));
			return;
		}
		h->in_cb = true;
		apply_verdict(h, &m);
		il_verdict_msg_free(&m);
		h->in_cb = false;
		if (h->cancelled) {
			hreq_free(h);
			return;
		}
		/* Not decided (too few reviewers, refused): ask again later. */
		retry_after(h, backoff_ms(h, -1));
		return;
	}
	if (r->status == 202 || r->status == 204) {
		h->failures = 0;
		h->last_err[0] = '\0';
		if (r->elapsed_ms < FAST_REPOLL_MS)
			retry_after(h, FAST_REPOLL_MS);
		else
			poll_now(h);
		return;
	}
	if (r->status == 404 && !h->recreated) {
		note(h, "the service does not know the request (404): creating it again");
		h->recreated = true;
		h->state = HS_CREATE;
		create_now(h);
		return;
	}
	if (r->status == 410) {
		note(h, "the service cancelled the request (410): no verdict");
		h->state = HS_STOPPED;
		return;
	}
	if (r->status == 0)
		note(h, "verdict poll failed: %s", r->error ? r->error : "transport error");
	else if (r->status == 401)
		note(h, "approval service rejected the token (401)");
	else
		note(h, "verdict poll answered HTTP %ld", r->status);
	retry_after(h, backoff_ms(h, r->status == 429 || r->status == 503 ? r->retry_after_ms : -1));
}

/* Start one long-poll for h's verdict. */
static void poll_now(hreq *h)
{
	int64_t rem = remaining_ms(h);
	if (rem <= 0)
		return;
	int64_t wait = rem / 1000;
	if (wait > POLL_WAIT_S)
		wait = POLL_WAIT_S;
	char *url = NULL;
	if (asprintf(&url, "%s/v1/requests/%s/verdict?wait=%lld", h->ap->base, h->id,
	             (long long)wait) < 0) {
		retry_after(h, backoff_ms(h, -1));
		return;
	}
	const char *slot[2];
	h->x = il_http_request(h->ap->http, "GET", url, auth_headers(h->ap, slot), NULL,
	                       wait * 1000 + POLL_SLACK_MS, MAX_RESPONSE, on_poll_done, h);
	free(url);
	if (!h->x)
		retry_after(h, backoff_ms(h, -1));
}

static void on_create_done(void *arg, const il_http_response *r)
{
	hreq *h = arg;
	h->x = NULL;
	if (r->status == 201 || r->status == 200) {
		h->failures = 0;
		h->last_err[0] = '\0';
		h->state = HS_POLL;
		poll_now(h);
		return;
	}
	if (r->status == 429 || r->status >= 500 || r->status == 0) {
		if (r->status == 0)
			note(h, "create failed: %s", r->error ? r->error : "transport error");
		else
			note(h, "create answered HTTP %ld; retrying", r->status);
		retry_after(h, backoff_ms(h, r->retry_after_ms));
		return;
	}
	/* 4xx (and anything unexpected): the body will not get better. */
	if (r->status == 401)
		note(h, "approval service rejected the token (401); no verdict");
	else
		note(h, "create answered HTTP %ld; no verdict (the deadline denies)", r->status);
	h->state = HS_STOPPED;
}

static void create_now(hreq *h)
{
	int64_t rem = remaining_ms(h);
	if (rem <= 0)
		return;
	char *url = NULL;
	if (asprintf(&url, "%s/v1/requests", h->ap->base) < 0) {
		retry_after(h, backoff_ms(h, -1));
		return;
	}
	const char *slot[2];
	h->x = il_http_request(h->ap->http, "POST", url, auth_headers(h->ap, slot), h->body,
	                       rem < CREATE_TIMEOUT_MS ? rem : CREATE_TIMEOUT_MS, MAX_RESPONSE,
	                       on_create_done, h);
	free(url);
	if (!h->x)
		retry_after(h, backoff_ms(h, -1));
}

/* ---- events ---- */

static void event_pump(http_ap *a);

static void on_event_timer(il_loop *l, void *arg)
{
	(void)l;
	http_ap *a = arg;
	a->ev_timer = 0;
	event_pump(a);
}

static void on_event_done(void *arg, const il_http_response *r)
{
	http_ap *a = arg;
	a->ev_x = NULL;
	hevent *e = a->evq;
	if (!e)
		return;
	bool ok = r->status == 200 || r->status == 202 || r->status == 204;
	bool retry = !ok && (r->status == 0 || r->status == 429 || r->status >= 500) &&
	             e->attempts < EVENT_ATTEMPTS;
	if (!ok && !retry)
		il_warn("approval service: event not delivered (%s%ld)",
		        r->status ? "HTTP " : "", r->status ? r->status : 0L);
	if (!retry) {
		a->evq = e->next;
		if (!a->evq)
			a->evq_tail = NULL;
		a->nev--;
		free(e->body);
		free(e);
		event_pump(a);
		return;
	}
	a->ev_timer = il_loop_add_timer(a->ap->loop, il_now_mono_ms() + 1000LL * e->attempts,
	                                on_event_timer, a);
}

/* Send the event at the head of the queue, if none is in flight. */
static void event_pump(http_ap *a)
{
	if (a->ev_x || a->ev_timer || !a->evq)
		return;
	hevent *e = a->evq;
	e->attempts++;
	char *url = NULL;
	if (asprintf(&url, "%s/v1/events", a->base) < 0)
		return;
	const char *slot[2];
	a->ev_x = il_http_request(a->http, "POST", url, auth_headers(a, slot), e->body,
	                          EVENT_TIMEOUT_MS, MAX_RESPONSE, on_event_done, a);
	free(url);
	if (!a->ev_x)
		a->ev_timer = il_loop_add_timer(a->ap->loop, il_now_mono_ms() + 1000, on_event_timer, a);
}

/* Queue a JSON event (takes ownership of the cJSON object). Bounded: when
 * full, the event is dropped with one warning. */
static void event_queue(http_ap *a, cJSON *o)
{
	il_sidecar *sc = a->ap->sc;
	(void)sc;
	char *body = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (!body)
		return;
	if (a->nev >= EVENT_QUEUE_MAX) {
		if (!a->ev_dropped_warned)
			il_warn("approval service: event queue full; dropping events");
		a->ev_dropped_warned = true;
		free(body);
		return;
	}
	hevent *e = calloc(1, sizeof *e);
	if (!e) {
		free(body);
		return;
	}
	e->body = body;
	if (a->evq_tail)
		a->evq_tail->next = e;
	else
		a->evq = e;
	a->evq_tail = e;
	a->nev++;
	event_pump(a);
}

/* The fields every event carries. */
static cJSON *event_new(const char *type, const char *session, const char *agent_id,
                        const char *host)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "version", IL_APPROVAL_PROTO_VERSION);
	cJSON_AddStringToObject(o, "type", type);
	cJSON_AddNumberToObject(o, "at", (double)il_now_wall_ms());
	cJSON_AddStringToObject(o, "session", session ? session : "");
	cJSON_AddStringToObject(o, "agent_id", agent_id ? agent_id : "");
	cJSON_AddStringToObject(o, "host", host ? host : "");
	return o;
}

/* ---- the backend ---- */

static int http_submit(il_approver *ap, const il_approval_request *req)
{
	http_ap *a = ap->priv;
	if (!il_approval_id_valid(req->id))
		return -1;
	hreq *h = calloc(1, sizeof *h);
	if (!h)
		return -1;
	h->ap = a;
	h->req = req;
	snprintf(h->id, sizeof h->id, "%s", req->id);
	char user[128];
	il_approval_ctx ctx = {
		.request_id = req->id, .session = req->session, .agent_id = req->agent_id,
		.hostname = req->hostname, .requester = il_user_name(req->action->uid, user, sizeof user),
		.policy_version = req->policy_version, .created_wall_ms = req->created_wall_ms,
		.deadline_wall_ms = req->deadline_wall_ms,
	};
	h->body = il_approval_request_json(req->action, req->verdict, &ctx);
	if (!h->body) {
		free(h);
		return -1;
	}
	h->next = a->reqs;
	if (a->reqs)
		a->reqs->prev = h;
	a->reqs = h;
	/* A request restored after a restart may already be at the service:
	 * ask for its verdict first (a 404 creates it again). */
	if (req->restored) {
		h->state = HS_POLL;
		poll_now(h);
	} else {
		h->state = HS_CREATE;
		create_now(h);
	}
	return 0;
}

static void http_cancel(il_approver *ap, const char *id, const char *why)
{
	http_ap *a = ap->priv;
	hreq *h = a->reqs;
	while (h && strcmp(h->id, id) != 0)
		h = h->next;
	if (!h)
		return;
	const il_approval_request *req = h->req;
	cJSON *ev = NULL;
	if (why && strcmp(why, "timed out") == 0) {
		ev = event_new("request_timed_out", req->session, req->agent_id, req->hostname);
	} else if (why && strncmp(why, "agent ", 6) == 0) {
		ev = event_new("request_cancelled", req->session, req->agent_id, req->hostname);
		if (ev)
			cJSON_AddStringToObject(ev, "reason", why);
	}
	if (ev)
		cJSON_AddStringToObject(ev, "request_id", id);
	if (h->in_cb) {
		/* Resolved from our own callback: free when it returns. */
		h->cancelled = true;
		h->req = NULL;
	} else {
		hreq_free(h);
	}
	if (ev)
		event_queue(a, ev);
}

static void http_event(il_approver *ap, const il_approver_event *e)
{
	http_ap *a = ap->priv;
	il_sidecar *sc = ap->sc;
	(void)sc;
	cJSON *o = event_new(e->type, e->action ? e->action->session : NULL,
	                     e->action ? e->action->agent_id : NULL, NULL);
	if (!o)
		return;
	char host[256] = "";
	if (gethostname(host, sizeof host - 1) == 0)
		cJSON_ReplaceItemInObject(o, "host", cJSON_CreateString(host));
	if (e->request_id)
		cJSON_AddStringToObject(o, "request_id", e->request_id);
	if (e->by)
		cJSON_AddStringToObject(o, "by", e->by);
	if (e->reason)
		cJSON_AddStringToObject(o, "reason", e->reason);
	if (e->expires_at_wall_ms > 0)
		cJSON_AddNumberToObject(o, "expires_at", (double)e->expires_at_wall_ms);
	if (e->action) {
		cJSON *act = cJSON_AddObjectToObject(o, "action");
		if (act) {
			cJSON_AddStringToObject(act, "kind", il_kind_name(e->action->kind));
			if (e->action->program)
				cJSON_AddStringToObject(act, "program", e->action->program);
			if (e->action->path)
				cJSON_AddStringToObject(act, "path", e->action->path);
			if (e->action->url)
				cJSON_AddStringToObject(act, "url", e->action->url);
			cJSON_AddNumberToObject(act, "pid", (double)e->action->pid);
		}
	}
	cJSON *rules = cJSON_AddArrayToObject(o, "rules");
	for (size_t i = 0; rules && i < e->nrules; i++)
		cJSON_AddItemToArray(rules, cJSON_CreateString(e->rules[i]));
	event_queue(a, o);
}

static void http_free(il_approver *ap)
{
	http_ap *a = ap->priv;
	if (!a)
		return;
	while (a->reqs)
		hreq_free(a->reqs);
	/* Shutting down (e.g. `interlock run` whose agent just exited): give
	 * the queued events one blocking attempt within a small budget. */
	il_http_abort(a->http, a->ev_x);
	a->ev_x = NULL;
	int64_t stop = il_now_mono_ms() + EVENT_FLUSH_MS;
	char *url = NULL;
	if (a->http && a->evq && asprintf(&url, "%s/v1/events", a->base) < 0)
		url = NULL;
	while (a->evq) {
		hevent *e = a->evq;
		a->evq = e->next;
		int64_t left = stop - il_now_mono_ms();
		if (url && left > 0) {
			const char *slot[2];
			il_http_request_sync(a->http, "POST", url, auth_headers(a, slot), e->body, left);
		}
		free(e->body);
		free(e);
	}
	free(url);
	il_loop_cancel_timer(ap->loop, a->ev_timer);
	il_http_free(a->http);   /* aborts the event transfer too */
	il_replay_cache_free(a->replay);
	if (a->key) {
		memset(a->key, 0, a->keylen);
		free(a->key);
	}
	if (a->auth) {
		memset(a->auth, 0, strlen(a->auth));
		free(a->auth);
	}
	free(a->base);
	free(a);
	ap->priv = NULL;
}

static const il_approver_ops http_ops = {
	.name = "http",
	.local_decisions = false,
	.submit = http_submit,
	.cancel = http_cancel,
	.free = http_free,
	.event = http_event,
};

/* ---- configuration ---- */

/* Read a secret file: not readable or writable by group/others, at most
 * 4 KiB; one trailing newline (or CRLF) is removed. */
static char *read_secret(const char *what, const char *path, size_t *len, char *err, size_t n)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		snprintf(err, n, "%s %s: %s", what, path, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, n, "%s %s: not a regular file", what, path);
		return NULL;
	}
	if (st.st_mode & 077) {
		snprintf(err, n, "%s %s: permissions %03o are too open (chmod 600)", what, path,
		         (unsigned)(st.st_mode & 0777));
		return NULL;
	}
	char *s = il_read_file(path, 4096, len);
	if (!s) {
		snprintf(err, n, "%s %s: cannot read it (or larger than 4 KiB)", what, path);
		return NULL;
	}
	if (*len && s[*len - 1] == '\n')
		s[--*len] = '\0';
	if (*len && s[*len - 1] == '\r')
		s[--*len] = '\0';
	return s;
}

/* Is the URL's host loopback (127.0.0.1, ::1, localhost)? -1 when the URL
 * does not parse; *scheme_http set for plain http. */
static int url_check(const char *url, bool *plain, bool *loopback)
{
	CURLU *u = curl_url();
	if (!u)
		return -1;
	char *scheme = NULL, *host = NULL, *query = NULL, *frag = NULL;
	int rc = -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_OK)
		goto out;   /* the base URL takes paths appended: no query or fragment */
	*plain = strcmp(scheme, "http") == 0;
	*loopback = strcmp(host, "127.0.0.1") == 0 || strcmp(host, "[::1]") == 0 ||
	            strcmp(host, "::1") == 0 || strcmp(host, "localhost") == 0;
	rc = (*plain || strcmp(scheme, "https") == 0) ? 0 : -1;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(query);
	curl_free(frag);
	curl_url_cleanup(u);
	return rc;
}

/* Every pending request holds one socket to the service besides the shim's
 * connection: lift the soft descriptor limit to the hard one. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

il_approver *il_approver_http_new(const char *base_url, const il_approver_http_cfg *cfg,
                                  il_sidecar *sc, il_loop *loop, char *err, size_t n)
{
	bool plain = false, loopback = false;
	if (url_check(base_url, &plain, &loopback) < 0) {
		snprintf(err, n, "approver '%s': not a valid http(s) base URL (no query or fragment)",
		         base_url);
		return NULL;
	}
	if (plain && !loopback && !cfg->insecure_http) {
		snprintf(err, n, "approver '%s': plain http is allowed only for 127.0.0.1, ::1 and "
		         "localhost (use https, or opt in with --approver-insecure-http)", base_url);
		return NULL;
	}
	if (!cfg->key_file) {
		snprintf(err, n, "approver '%s' needs the verdict key (--approver-key-file FILE)",
		         base_url);
		return NULL;
	}
	http_ap *a = calloc(1, sizeof *a);
	il_approver *ap = calloc(1, sizeof *ap);
	if (!a || !ap) {
		free(a);
		free(ap);
		snprintf(err, n, "out of memory");
		return NULL;
	}
	ap->ops = &http_ops;
	ap->sc = sc;
	ap->loop = loop;
	ap->priv = a;
	a->ap = ap;
	a->base = strdup(base_url);
	if (!a->base)
		goto oom;
	size_t bl = strlen(a->base);
	while (bl > 0 && a->base[bl - 1] == '/')
		a->base[--bl] = '\0';
	size_t klen = 0;
	char *key = read_secret("verdict key file", cfg->key_file, &klen, err, n);
	if (!key)
		goto fail;
	if (klen < 32) {
		memset(key, 0, klen);
		free(key);
		snprintf(err, n, "verdict key file %s: the key must be at least 32 bytes", cfg->key_file);
		goto fail;
	}
	a->key = (unsigned char *)key;
	a->keylen = klen;
	if (cfg->token_file) {
		size_t tlen = 0;
		char *tok = read_secret("token file", cfg->token_file, &tlen, err, n);
		if (!tok)
			goto fail;
		bool ok = tlen > 0;
		for (size_t i = 0; i < tlen; i++)
			if ((unsigned char)tok[i] <= 0x20 || (unsigned char)tok[i] >= 0x7f)
				ok = false;
		if (!ok || asprintf(&a->auth, "Authorization: Bearer %s", tok) < 0) {
			if (ok)
				a->auth = NULL;
			memset(tok, 0, tlen);
			free(tok);
			snprintf(err, n, "token file %s: the token must be one line of printable ASCII "
			         "without spaces", cfg->token_file);
			goto fail;
		}
		memset(tok, 0, tlen);
		free(tok);
	}
	a->replay = il_replay_cache_new(REPLAY_CAPACITY);
	if (!a->replay)
		goto oom;
	il_http_opts ho = { .ca_file = cfg->ca_file };
	a->http = il_http_new(loop, &ho, err, n);
	if (!a->http)
		goto fail;
	raise_fd_limit();
	return ap;
oom:
	snprintf(err, n, "out of memory");
fail:
	http_free(ap);
	free(ap);
	return NULL;
}
