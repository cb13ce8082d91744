/*
 * http_client.h — asynchronous HTTP(S) requests driven by the sidecar's
 * event loop (loop.h): libcurl's multi interface, with its sockets and its
 * timer registered in the il_loop (CURLMOPT_SOCKETFUNCTION /
 * CURLMOPT_TIMERFUNCTION). One sidecar can therefore hold thousands of
 * outstanding requests (e.g. long-polls for verdicts) without a thread each.
 *
 * Completion callbacks run from the loop, never from inside
 * il_http_request() itself, and at most once per transfer. A transfer that
 * is aborted gets no callback. Response bodies are bounded: a body larger
 * than the caller's limit ends the transfer with `too_large` set (callers
 * treat that as garbage).
 *
 * TLS: peer and host name verification are always on (CURLOPT_SSL_VERIFY*
 * are never relaxed); a CA file may replace the system store. Redirects are
 * not followed and only the http and https protocols are allowed.
 */
#ifndef INTERLOCK_HTTP_CLIENT_H
#define INTERLOCK_HTTP_CLIENT_H

#include "loop.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct il_http il_http;
typedef struct il_http_xfer il_http_xfer;

/* The outcome of one transfer. Valid only during the callback. */
typedef struct {
	long status;               /* HTTP status; 0 when no response arrived */
	const char *error;         /* transport error text when status == 0 */
	const char *body;          /* response body, NUL-terminated (may hold NULs) */
	size_t body_len;
	bool too_large;            /* the body exceeded the caller's limit */
	int64_t retry_after_ms;    /* Retry-After (delta seconds) in ms; -1 absent */
	int64_t elapsed_ms;        /* from il_http_request() to completion */
} il_http_response;

typedef void (*il_http_cb)(void *arg, const il_http_response *resp);

typedef struct {
	const char *ca_file;       /* PEM bundle replacing the system CAs; NULL: system */
} il_http_opts;

/* A client bound to `loop`. NULL + err. */
il_http *il_http_new(il_loop *loop, const il_http_opts *o, char *err, size_t n);
/* Abort every transfer (no callbacks) and release everything. */
void il_http_free(il_http *h);

/*
 * Start `method` (GET / POST) on `url` with optional extra header lines
 * ("Name: value", NULL-terminated array, may be NULL) and optional body
 * (sent as application/json). The whole transfer may take at most
 * timeout_ms (> 0); the response body at most max_body bytes. The callback
 * runs once from the loop. NULL on allocation / setup failure (then no
 * callback ever runs).
 */
il_http_xfer *il_http_request(il_http *h, const char *method, const char *url,
                              const char *const *headers, const char *body,
                              int64_t timeout_ms, size_t max_body, il_http_cb cb, void *arg);

/* Abort a transfer whose callback has not run yet. NULL is ignored. */
void il_http_abort(il_http *h, il_http_xfer *x);

/* A blocking request with the same settings, for shutdown only (e.g. to
 * flush queued events). Returns the HTTP status, or 0 on a transport error. */
long il_http_request_sync(il_http *h, const char *method, const char *url,
                          const char *const *headers, const char *body, int64_t timeout_ms);

/* Transfers started and not yet completed or aborted. */
size_t il_http_active(const il_http *h);

#endif
