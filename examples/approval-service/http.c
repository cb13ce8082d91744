/*
 * http.c — libmicrohttpd glue for the approval service: one thread per
 * connection (a long-poll blocks only its own thread; the connection count
 * is capped), bounded request bodies, response construction with security
 * headers, and the small parsers the handlers share (query, cookies,
 * urlencoded forms).
 */
#include "service.h"
#include "util.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_BODY (1024u * 1024u)

typedef struct {
	char *body;
	size_t len, cap;
	bool too_large;
} conn_ctx;

int64_t now_ms(void)
{
	return il_now_wall_ms();
}

void fmt_time(int64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%SZ", &tm);
}

void app_changed(app *a)
{
	a->changes++;
	pthread_cond_broadcast(&a->changed);
}

const char *http_header(const http_req *q, const char *name)
{
	return MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, name);
}

const char *http_query(const http_req *q, const char *name)
{
	return MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_cookie(const http_req *q, const char *name)
{
	return MHD_lookup_connection_value(q->conn, MHD_COOKIE_KIND, name);
}

/* Decode one urlencoded component ('+' is a space); NULL on a bad escape or NUL. */
static char *url_decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%') {
			int h = i + 2 < n ? il_hex_value(s[i + 1]) : -1;
			int l = i + 2 < n ? il_hex_value(s[i + 2]) : -1;
			if (h < 0 || l < 0 || (h == 0 && l == 0)) {
				free(out);
				return NULL;
			}
			out[o++] = (char)(h << 4 | l);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

char *form_value(const char *body, size_t len, const char *name)
{
	size_t nl = strlen(name);
	const char *p = body, *end = body + len;
	while (p && p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		if (eq && (size_t)(eq - p) == nl && memcmp(p, name, nl) == 0)
			return url_decode(eq + 1, (size_t)(stop - eq - 1));
		p = amp ? amp + 1 : NULL;
	}
	return NULL;
}

void resp_json(http_resp *r, int status, cJSON *obj)
{
	r->status = status;
	r->content_type = "application/json";
	r->body = cJSON_PrintUnformatted(obj);
	r->body_len = r->body ? strlen(r->body) : 0;
	cJSON_Delete(obj);
}

void resp_error(http_resp *r, int status, const char *code, const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", code);
	cJSON_AddStringToObject(o, "message", msg);
	resp_json(r, status, o);
}

void resp_html(http_resp *r, int status, sbuf *page)
{
	r->status = status;
	r->content_type = "text/html; charset=utf-8";
	r->body = sb_take(page, &r->body_len);
	r->html = true;
}

void resp_redirect(http_resp *r, const char *to)
{
	r->status = 303;
	r->content_type = "text/plain; charset=utf-8";
	r->body = xstrdup("see other\n");
	r->body_len = strlen(r->body);
	r->location = xstrdup(to);
}

static enum MHD_Result send_resp(struct MHD_Connection *c, http_resp *r)
{
	if (!r->body) {
		r->body = xstrdup("");
		r->body_len = 0;
	}
	struct MHD_Response *m = MHD_create_response_from_buffer(r->body_len, r->body, MHD_RESPMEM_MUST_FREE);
	if (!m) {
		free(r->body);
		r->body = NULL;   /* the caller frees r->body too */
		return MHD_NO;
	}
	r->body = NULL;
	MHD_add_response_header(m, "Content-Type", r->content_type ? r->content_type : "text/plain");
	MHD_add_response_header(m, "Cache-Control", "no-store");
	MHD_add_response_header(m, "X-Content-Type-Options", "nosniff");
	/* same-origin: browsers then send a real Origin on our own form posts
	 * (no-referrer makes it "null", which origin_ok refuses). */
	MHD_add_response_header(m, "Referrer-Policy", "same-origin");
	if (r->html) {
		MHD_add_response_header(m, "Content-Security-Policy",
		                        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
		                        " connect-src 'self'; form-action 'self'; frame-ancestors 'none';"
		                        " base-uri 'none'");
		MHD_add_response_header(m, "X-Frame-Options", "DENY");
	}
	if (r->location)
		MHD_add_response_header(m, "Location", r->location);
	if (r->set_cookie)
		MHD_add_response_header(m, "Set-Cookie", r->set_cookie);
	if (r->allow)
		MHD_add_response_header(m, "Allow", r->allow);
	if (r->www_auth)
		MHD_add_response_header(m, "WWW-Authenticate", "Bearer realm=\"interlock\"");
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, m);
	MHD_destroy_response(m);
	return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
	(void)version;
	app *a = cls;
	conn_ctx *cc = *con_cls;
	if (!cc) {
		*con_cls = xcalloc(1, sizeof *cc);
		return MHD_YES;
	}
	if (*upload_size) {
		if (cc->len + *upload_size > MAX_BODY) {
			cc->too_large = true;
		} else {
			if (cc->len + *upload_size + 1 > cc->cap) {
				cc->cap = (cc->len + *upload_size + 1) * 2;
				cc->body = xrealloc(cc->body, cc->cap);
			}
			memcpy(cc->body + cc->len, upload, *upload_size);
			cc->len += *upload_size;
			cc->body[cc->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	http_req q = { c, method, url, cc->body ? cc->body : "", cc->len, cc->too_large };
	http_resp r;
	memset(&r, 0, sizeof r);
	if (!api_route(a, &q, &r) && !web_route(a, &q, &r))
		resp_error(&r, 404, "not_found", "not found");
	enum MHD_Result ret = send_resp(c, &r);
	free(r.body);
	free(r.location);
	free(r.set_cookie);
	return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	conn_ctx *cc = *con_cls;
	if (cc) {
		free(cc->body);
		free(cc);
	}
	*con_cls = NULL;
}

struct MHD_Daemon *http_start(app *a, const struct sockaddr *sa, bool v6, unsigned *port)
{
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
		(v6 ? MHD_USE_IPv6 : 0),
		0, NULL, NULL, handler, a,
		MHD_OPTION_SOCK_ADDR, sa,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)128,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
		MHD_OPTION_NOTIFY_COMPLETED, completed, a,
		MHD_OPTION_END);
	if (d) {
		const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
		*port = info ? info->port : 0;
	}
	return d;
}
