/*
 * http_gate.h — the per-connection HTTP request gate shared by the
 * plaintext socket hooks (hook_http.c) and the TLS library hooks
 * (hook_tls.c). Internal to the shim (hidden).
 *
 * A connection (il_hconn) is a byte stream of HTTP/1.x requests: either a
 * connected TCP socket (keyed by fd) or a TLS session's plaintext (keyed by
 * the SSL* / gnutls_session_t). il_hs_write() runs one intercepted write
 * through the stream's state machine: it finds each request head, asks the
 * sidecar before the first byte of that request leaves, and follows the
 * body framing to find the next head. See docs/coverage.md.
 */
#ifndef INTERLOCK_HTTP_GATE_H
#define INTERLOCK_HTTP_GATE_H

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "http_parse.h"

typedef enum {
	IL_HC_HEAD = 0,   /* the next byte starts a request head */
	IL_HC_BODY,       /* inside an allowed request (head remainder + body) */
	IL_HC_PASS,       /* decided for the rest of the connection (tunnel, opaque) */
	IL_HC_CIPHER,     /* fd carries TLS records; plaintext is gated by hook_tls.c */
	IL_HC_DENIED,     /* a request was denied: every later write fails */
} il_hc_mode;

#define IL_HC_HOST_MAX 256
#define IL_HC_SCRATCH (48u * 1024u)
#define IL_HC_MEM (IL_HTTP_HEAD_MAX + IL_HC_SCRATCH)

typedef struct il_hconn {
	pthread_mutex_t lock;
	int used;
	_Atomic int dead;         /* fd closed while the slot was locked */
	int fd;                   /* socket, or the TLS session's transport fd (-1 unknown) */
	const void *key;          /* TLS slots: the session object */
	dev_t dev;                /* fd slots: identity of the socket */
	ino_t ino;
	int tls;                  /* plaintext of a TLS session: scheme https */
	il_hc_mode mode;
	int fresh;                /* nothing written yet on this connection */
	int seen_http;            /* an HTTP request was seen on it */
	int tunnel_after;         /* the current request opens a tunnel (CONNECT, Upgrade) */
	size_t held;              /* head bytes held back (reported written) */
	uint64_t pass_left;       /* head bytes of the current request still to send */
	il_http_scan scan;
	il_http_body body;
	unsigned port;
	char addr[INET6_ADDRSTRLEN];
	char host[IL_HC_HOST_MAX];      /* connect-time host name or SNI; "" unknown */
	char *mem;                /* IL_HC_MEM bytes (mmap, kept for reuse): head + scratch */
	unsigned long stamp;      /* TLS slots: last use, for eviction */
} il_hconn;

/* One intercepted write as the state machine sees it. */
typedef struct il_hs_io {
	const struct iovec *iov;
	int iovcnt;
	size_t total;
	/* The real call on bytes [off, off+n) of the caller's data: returns
	 * the call's raw result and sets *sent to the bytes it sent. */
	long (*pass)(struct il_hs_io *io, size_t off, size_t n, size_t *sent);
	/* Send p[0..n) completely (held bytes), blocking as needed: 0, or -1. */
	int (*flush)(struct il_hs_io *io, const char *p, size_t n);
	void *ctx;
} il_hs_io;

/* How il_hs_write's result is to be returned to the caller. */
typedef enum {
	IL_HS_RAW = 0,    /* the value is the real call's raw result */
	IL_HS_COUNT,      /* the value is a count of bytes consumed (success) */
	IL_HS_DENY,       /* denied: fail the call (errno EACCES) */
	IL_HS_ERROR,      /* failed: fail the call with errno */
} il_hs_how;

/* Run one write through connection c (locked by the caller). */
long il_hs_write(il_hconn *c, il_hs_io *io, il_hs_how *how);

/* Reset c for a new connection (keeps lock and mem). */
void il_hc_reset(il_hconn *c);

/* Ask the sidecar about an opaque request on c (URL not visible): 1 allow, 0 deny. */
int il_hs_ask_opaque(il_hconn *c, const char *why_hook);

/* Look up the fd slot of a tracked socket and lock it; NULL when fd is
 * not a tracked TCP connection. il_hc_put() unlocks (and frees a slot
 * whose fd was closed meanwhile). */
il_hconn *il_hc_get(int fd);
void il_hc_put(il_hconn *c);

/* Mark the shim's own sidecar traffic on this thread (hooks pass it). */
void il_hs_busy_enter(int *saved);
void il_hs_busy_leave(int saved);

/* hook_tls.c: whether a TLS library whose writes the shim hooks
 * (libssl, libgnutls) is loaded in this process. */
int il_tls_hooks_loaded(void);

#endif
