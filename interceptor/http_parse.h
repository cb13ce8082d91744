/*
 * http_parse.h — a bounded, incremental parser for HTTP/1.x request heads
 * and request-body framing, plus a TLS ClientHello SNI reader.
 *
 * Pure code: no allocation, no I/O, no globals, no locale. It compiles in
 * the preload shim (hidden visibility) and, through
 * sidecar/http_parse_core.c, in the core library (fuzz and unit tests).
 *
 * Use:
 *   1. il_http_scan_feed() over a growing buffer that holds the bytes of a
 *      stream from the start of a request: it resumes where it stopped and
 *      says whether the head is complete (and how long it is), still
 *      incomplete, or cannot be an HTTP request head.
 *   2. il_http_parse_head() over the complete head: request line, headers
 *      (as spans into the buffer) and the body framing they announce.
 *   3. il_http_body_feed() over the bytes that follow the head: how many of
 *      them still belong to this request, so the next head can be found
 *      (keep-alive and pipelining).
 */
#ifndef INTERLOCK_HTTP_PARSE_H
#define INTERLOCK_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define IL_HTTP_HEAD_MAX 16384u   /* largest request head the shim buffers */
#define IL_HTTP_METHOD_MAX 32u    /* a longer first token is not a method */
#define IL_HTTP_MAX_HDRS 96u      /* headers reported; more set `truncated` */

/* ---- head scanner ------------------------------------------------------ */

typedef enum {
	IL_HTTP_MORE = 0,   /* consistent with a request head so far; feed more */
	IL_HTTP_DONE = 1,   /* s->end bytes form a complete head */
	IL_HTTP_BAD = 2,    /* cannot be an HTTP/1.x (or 0.9) request head */
} il_http_scan_rc;

typedef struct {
	unsigned state;     /* internal */
	size_t pos;         /* bytes of the buffer already scanned */
	size_t tok;         /* length of the current request-line token */
	size_t end;         /* IL_HTTP_DONE: length of the head */
	int http09;         /* the request line had no version (HTTP/0.9) */
} il_http_scan;

/* Reset `s` for a new request. */
void il_http_scan_init(il_http_scan *s);

/* Continue scanning buf[0..len), which must start with the bytes already
 * scanned (the caller appends; the scanner resumes at s->pos). Leading
 * empty lines (CR/LF) before the request line are skipped as servers do.
 * Lines may end in CRLF or bare LF. Returns an il_http_scan_rc. */
int il_http_scan_feed(il_http_scan *s, const char *buf, size_t len);

/* ---- head parser ------------------------------------------------------- */

typedef struct {
	size_t off, len;    /* span inside the head buffer */
} il_http_span;

typedef enum {
	IL_HTTP_BODY_NONE = 0,    /* no body (no Content-Length, no Transfer-Encoding) */
	IL_HTTP_BODY_LENGTH,      /* Content-Length bytes */
	IL_HTTP_BODY_CHUNKED,     /* chunked transfer coding */
	IL_HTTP_BODY_UNKNOWN,     /* framing that cannot be followed */
} il_http_body_kind;

typedef struct {
	il_http_span method, target, host;  /* host: Host header value (trimmed), len 0 if absent */
	int version;                        /* 9 (0.9), 10, 11, 20 (PRI preface), other major*10+minor */
	il_http_span hdr_name[IL_HTTP_MAX_HDRS];
	il_http_span hdr_value[IL_HTTP_MAX_HDRS];  /* trimmed; folded lines included raw */
	unsigned nhdrs;
	int truncated;                      /* more headers than IL_HTTP_MAX_HDRS */
	il_http_body_kind body;
	uint64_t content_length;            /* IL_HTTP_BODY_LENGTH */
	int upgrade;                        /* Upgrade header or CONNECT: a tunnel follows */
} il_http_req;

/* Parse the complete head buf[0..len) (as found by the scanner; leading
 * empty lines allowed). Returns 0, or -1 when it is not a request head.
 * Conflicting framing (both Content-Length and Transfer-Encoding, differing
 * or malformed Content-Length values, a coding other than chunked last,
 * Content-Length in a folded line) gives IL_HTTP_BODY_UNKNOWN. */
int il_http_parse_head(const char *buf, size_t len, il_http_req *r);

/* Case-insensitive comparison of a span with a NUL-terminated string. */
int il_http_span_eq(const char *buf, il_http_span s, const char *lit);

/* ---- body framing ------------------------------------------------------ */

typedef struct {
	il_http_body_kind kind;
	uint64_t left;      /* LENGTH: bytes left; CHUNKED: bytes left of chunk data */
	unsigned cstate;    /* chunked: internal state */
	unsigned digits;    /* chunked: hex digits of the size seen */
	int done;           /* the message is complete */
	int broken;         /* chunked framing violated: boundaries unknown */
} il_http_body;

/* Start tracking the body that request `r` announced. */
void il_http_body_init(il_http_body *b, const il_http_req *r);

/* Consume bytes that belong to the message: returns how many of p[0..n)
 * do (stopping where the message ends, with b->done set). A broken
 * chunked body sets b->broken and consumes nothing more. UNKNOWN framing
 * consumes everything (the message never ends). */
size_t il_http_body_feed(il_http_body *b, const char *p, size_t n);

/* ---- TLS ---------------------------------------------------------------- */

/* Do the first bytes look like a TLS handshake record (ClientHello)? */
int il_tls_is_hello(const char *p, size_t n);

/* Copy the server_name (SNI) of the ClientHello in the first TLS record of
 * p[0..n) into out[outsz] (NUL-terminated). 0, or -1 when there is none or
 * it does not fit. */
int il_tls_sni(const char *p, size_t n, char *out, size_t outsz);

#endif
