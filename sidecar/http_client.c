/*
 * http_client.c — libcurl multi driven by the il_loop (http_client.h).
 *
 * libcurl tells us which sockets to watch (socket callback) and when to
 * call it back (timer callback); we forward epoll readiness and timer
 * expiry with curl_multi_socket_action() and then collect finished
 * transfers with curl_multi_info_read(). Completion callbacks run only from
 * those loop callbacks, so a caller can start or abort transfers from a
 * callback without re-entering libcurl.
 */
#include "http_client.h"
#include "util.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>

struct il_http {
	il_loop *loop;
	CURLM *multi;
	uint64_t timer;
	char *ca_file;
	size_t active;
	il_http_xfer *xfers;       /* every transfer attached to the multi */
	bool in_check;             /* collecting finished transfers */
};

struct il_http_xfer {
	il_http *h;
	CURL *easy;
	struct curl_slist *hdrs;
	char *buf;                 /* response body */
	size_t len, cap, max;
	bool too_large;
	int64_t retry_after_ms;
	int64_t started_ms;
	il_http_cb cb;
	void *arg;
	il_http_xfer *prev, *next;
	char errbuf[CURL_ERROR_SIZE];
};

/* Detach x from the multi handle and the client's list. */
static void xfer_detach(il_http *h, il_http_xfer *x)
{
	curl_multi_remove_handle(h->multi, x->easy);
	if (x->prev)
		x->prev->next = x->next;
	else if (h->xfers == x)
		h->xfers = x->next;
	if (x->next)
		x->next->prev = x->prev;
	x->prev = x->next = NULL;
	h->active--;
}

static void xfer_free(il_http_xfer *x)
{
	if (!x)
		return;
	if (x->easy)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->hdrs);
	free(x->buf);
	free(x);
}

/* Collect every finished transfer and run its callback. */
static void check_done(il_http *h)
{
	if (h->in_check)
		return;
	h->in_check = true;
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(h->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		CURL *e = m->easy_handle;
		CURLcode rc = m->data.result;
		il_http_xfer *x = NULL;
		curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
		if (!x) {
			curl_multi_remove_handle(h->multi, e);
			continue;
		}
		xfer_detach(h, x);
		il_http_response r = { .retry_after_ms = x->retry_after_ms };
		long status = 0;
		if (rc == CURLE_OK) {
			curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
			r.status = status;
		} else if (x->too_large) {
			r.error = "response body too large";
		} else {
			r.error = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
		}
		r.too_large = x->too_large;
		r.body = x->buf ? x->buf : "";
		r.body_len = x->len;
		r.elapsed_ms = il_now_mono_ms() - x->started_ms;
		x->cb(x->arg, &r);
		xfer_free(x);
	}
	h->in_check = false;
}

static void on_timer(il_loop *l, void *arg)
{
	(void)l;
	il_http *h = arg;
	h->timer = 0;
	int running;
	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(h);
}

/* CURLMOPT_TIMERFUNCTION: (re)arm our single loop timer. */
static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	(void)multi;
	il_http *h = userp;
	il_loop_cancel_timer(h->loop, h->timer);
	h->timer = 0;
	if (timeout_ms >= 0) {
		h->timer = il_loop_add_timer(h->loop, il_now_mono_ms() + timeout_ms, on_timer, h);
		if (!h->timer)
			return -1;
	}
	return 0;
}

static void on_sock(il_loop *l, int fd, uint32_t events, void *arg)
{
	(void)l;
	il_http *h = arg;
	int flags = 0;
	if (events & EPOLLIN)
		flags |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (events & (EPOLLERR | EPOLLHUP))
		flags |= CURL_CSELECT_ERR;
	int running;
	curl_multi_socket_action(h->multi, fd, flags, &running);
	check_done(h);
}

/* CURLMOPT_SOCKETFUNCTION: mirror libcurl's interest in the il_loop.
 * A socket we registered carries the client pointer as its socketp. */
static int sock_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
	(void)e;
	il_http *h = userp;
	if (what == CURL_POLL_REMOVE) {
		if (socketp) {
			il_loop_del_fd(h->loop, s);
			curl_multi_assign(h->multi, s, NULL);
		}
		return 0;
	}
	uint32_t ev = 0;
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		ev |= EPOLLIN;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		ev |= EPOLLOUT;
	if (socketp) {
		if (il_loop_mod_fd(h->loop, s, ev) < 0)
			return -1;
	} else {
		if (il_loop_add_fd(h->loop, s, ev, on_sock, h) < 0)
			return -1;
		curl_multi_assign(h->multi, s, h);
	}
	return 0;
}

static size_t write_cb(char *p, size_t sz, size_t nm, void *arg)
{
	il_http_xfer *x = arg;
	size_t n = sz * nm;
	if (n > x->max - x->len) {
		x->too_large = true;
		return 0;   /* aborts the transfer */
	}
	if (x->len + n + 1 > x->cap) {
		size_t cap = x->cap ? x->cap : 1024;
		while (cap < x->len + n + 1)
			cap *= 2;
		char *b = realloc(x->buf, cap);
		if (!b)
			return 0;
		x->buf = b;
		x->cap = cap;
	}
	memcpy(x->buf + x->len, p, n);
	x->len += n;
	x->buf[x->len] = '\0';
	return n;
}

/* Retry-After: delta-seconds only (an HTTP-date is ignored: our own backoff
 * applies). Capped at one hour. */
static size_t header_cb(char *p, size_t sz, size_t nm, void *arg)
{
	il_http_xfer *x = arg;
	size_t n = sz * nm;
	static const char name[] = "retry-after:";
	if (n > sizeof name - 1 && strncasecmp(p, name, sizeof name - 1) == 0) {
		size_t i = sizeof name - 1;
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		int64_t v = 0;
		size_t digits = 0;
		while (i < n && p[i] >= '0' && p[i] <= '9' && digits < 7) {
			v = v * 10 + (p[i] - '0');
			i++;
			digits++;
		}
		if (digits > 0) {
			if (v > 3600)
				v = 3600;
			x->retry_after_ms = v * 1000;
		}
	}
	return n;
}

il_http *il_http_new(il_loop *loop, const il_http_opts *o, char *err, size_t n)
{
	static bool global_done;
	if (!global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			snprintf(err, n, "libcurl initialisation failed");
			return NULL;
		}
		global_done = true;
	}
	il_http *h = calloc(1, sizeof *h);
	if (!h) {
		snprintf(err, n, "out of memory");
		return NULL;
	}
	h->loop = loop;
	if (o && o->ca_file && !(h->ca_file = strdup(o->ca_file))) {
		free(h);
		snprintf(err, n, "out of memory");
		return NULL;
	}
	h->multi = curl_multi_init();
	if (!h->multi) {
		free(h->ca_file);
		free(h);
		snprintf(err, n, "libcurl: cannot create a multi handle");
		return NULL;
	}
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	/* Keep finished connections for reuse: one per outstanding long-poll. */
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, 64L);
	return h;
}

void il_http_free(il_http *h)
{
	if (!h)
		return;
	while (h->xfers) {
		il_http_xfer *x = h->xfers;
		xfer_detach(h, x);
		xfer_free(x);
	}
	curl_multi_cleanup(h->multi);
	il_loop_cancel_timer(h->loop, h->timer);
	free(h->ca_file);
	free(h);
}

/* Create x's easy handle with every option set. 0 or -1. */
static int xfer_setup(il_http *h, il_http_xfer *x, const char *method, const char *url,
                      const char *const *headers, const char *body, int64_t timeout_ms)
{
	x->easy = curl_easy_init();
	if (!x->easy)
		return -1;
	for (size_t i = 0; headers && headers[i]; i++) {
		struct curl_slist *l = curl_slist_append(x->hdrs, headers[i]);
		if (!l)
			return -1;
		x->hdrs = l;
	}
	if (body) {
		struct curl_slist *l = curl_slist_append(x->hdrs, "Content-Type: application/json");
		if (!l)
			return -1;
		x->hdrs = l;
	}
	/* No "Expect: 100-continue" round trip for larger bodies. */
	struct curl_slist *l = curl_slist_append(x->hdrs, "Expect:");
	if (!l)
		return -1;
	x->hdrs = l;
	if (timeout_ms <= 0)
		timeout_ms = 1;
	CURL *e = x->easy;
	int bad = 0;
	bad |= curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
	if (h->ca_file)
		bad |= curl_easy_setopt(e, CURLOPT_CAINFO, h->ca_file) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout_ms) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	                        (long)(timeout_ms < 10000 ? timeout_ms : 10000)) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, x) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_HEADERDATA, x) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)x) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_USERAGENT, "interlock-sidecar/1") != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L) != CURLE_OK;
	if (body) {
		bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body)) != CURLE_OK;
		bad |= curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, body) != CURLE_OK;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
		bad |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method) != CURLE_OK;
	else if (strcmp(method, "POST") == 0 && !body)
		bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, "") != CURLE_OK;
	return bad ? -1 : 0;
}

il_http_xfer *il_http_request(il_http *h, const char *method, const char *url,
                              const char *const *headers, const char *body,
                              int64_t timeout_ms, size_t max_body, il_http_cb cb, void *arg)
{
	il_http_xfer *x = calloc(1, sizeof *x);
	if (!x)
		return NULL;
	x->h = h;
	x->cb = cb;
	x->arg = arg;
	x->max = max_body;
	x->retry_after_ms = -1;
	x->started_ms = il_now_mono_ms();
	if (xfer_setup(h, x, method, url, headers, body, timeout_ms) < 0)
		goto fail;
	if (curl_multi_add_handle(h->multi, x->easy) != CURLM_OK)
		goto fail;
	h->active++;
	x->next = h->xfers;
	if (h->xfers)
		h->xfers->prev = x;
	h->xfers = x;
	return x;
fail:
	xfer_free(x);
	return NULL;
}

long il_http_request_sync(il_http *h, const char *method, const char *url,
                          const char *const *headers, const char *body, int64_t timeout_ms)
{
	il_http_xfer *x = calloc(1, sizeof *x);
	if (!x)
		return 0;
	x->h = h;
	x->max = 64 * 1024;
	x->retry_after_ms = -1;
	long status = 0;
	if (xfer_setup(h, x, method, url, headers, body, timeout_ms) == 0 &&
	    curl_easy_perform(x->easy) == CURLE_OK)
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	xfer_free(x);
	return status;
}

void il_http_abort(il_http *h, il_http_xfer *x)
{
	if (!x)
		return;
	xfer_detach(h, x);
	xfer_free(x);
}

size_t il_http_active(const il_http *h)
{
	return h->active;
}
