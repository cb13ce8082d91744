/*
 * hook_tls.c — HTTP request gating on the plaintext of TLS sessions:
 * SSL_write and SSL_write_ex (OpenSSL, libssl.so) and gnutls_record_send
 * (GnuTLS), where the program calls them through the dynamic linker.
 *
 * The real functions are found lazily, on each call until found, with
 * dlsym(RTLD_NEXT) and — because a library such as Python's _ssl module
 * is dlopen'ed with RTLD_LOCAL, which keeps libssl out of the global scope
 * RTLD_NEXT searches — dlopen(soname, RTLD_NOLOAD) of the usual sonames.
 *
 * Each session (SSL*, gnutls_session_t) gets a connection slot (a small
 * table, least recently used evicted: an evicted session's next write is
 * a new head attempt, so a lost framing fails closed). The URL's scheme is
 * https; its host is the Host header, else the SNI the client sent
 * (SSL_get_servername / gnutls_server_name_get), else the connect-time
 * name of the transport socket. SSL_free and gnutls_deinit drop the slot.
 */
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "http_gate.h"
#include "shim.h"

#define IL_TLS_SLOTS 64
#define IL_SSL_ERROR_WANT_READ 2
#define IL_SSL_ERROR_WANT_WRITE 3
#define IL_GNUTLS_E_AGAIN (-28)
#define IL_GNUTLS_E_INTERRUPTED (-52)
#define IL_GNUTLS_E_PUSH_ERROR (-53)

int il_hs_is_busy(void);

/* The exported hooks (the libraries' own prototypes, with opaque handles). */
IL_EXPORT int SSL_write(void *ssl, const void *buf, int num);
IL_EXPORT int SSL_write_ex(void *ssl, const void *buf, size_t num, size_t *written);
IL_EXPORT void SSL_free(void *ssl);
IL_EXPORT ssize_t gnutls_record_send(void *session, const void *data, size_t n);
IL_EXPORT void gnutls_deinit(void *session);

typedef int (*il_ssl_write_fn)(void *, const void *, int);
typedef int (*il_ssl_write_ex_fn)(void *, const void *, size_t, size_t *);
typedef void (*il_free_fn)(void *);
typedef int (*il_ssl_int_fn)(void *);
typedef int (*il_ssl_err_fn)(const void *, int);
typedef const char *(*il_ssl_sni_fn)(const void *, int);
typedef ssize_t (*il_gnutls_send_fn)(void *, const void *, size_t);
typedef int (*il_gnutls_int_fn)(void *);
typedef int (*il_gnutls_sni_fn)(void *, void *, size_t *, unsigned *, unsigned);

static const char *const il_ssl_sonames[] = { "libssl.so.3", "libssl.so.1.1", "libssl.so", NULL };
static const char *const il_gnutls_sonames[] = { "libgnutls.so.30", "libgnutls.so", NULL };

/* Find `name` after the shim, or in an already loaded library named in
 * `sonames` (which may sit in a private dlopen scope). */
static void *il_tls_sym(const char *name, const char *const *sonames)
{
	void *p = dlsym(RTLD_NEXT, name);
	for (size_t i = 0; p == NULL && sonames[i]; i++) {
		void *h = dlopen(sonames[i], RTLD_LAZY | RTLD_NOLOAD);
		if (h) {
			p = dlsym(h, name);
			dlclose(h);
		}
	}
	return p;
}

/* A cached symbol: looked up until found, then kept. */
static void *il_tls_cached(_Atomic(void *) *slot, const char *name, const char *const *so)
{
	void *p = atomic_load_explicit(slot, memory_order_acquire);
	if (p == NULL) {
		p = il_tls_sym(name, so);
		if (p)
			atomic_store_explicit(slot, p, memory_order_release);
	}
	return p;
}

static _Atomic(void *) il_p_ssl_write, il_p_ssl_write_ex, il_p_ssl_free, il_p_ssl_get_fd,
	il_p_ssl_get_error, il_p_ssl_sni, il_p_gnutls_send, il_p_gnutls_deinit,
	il_p_gnutls_fd, il_p_gnutls_dir, il_p_gnutls_sni;

#define IL_SSL(var, name) il_tls_cached(&(var), (name), il_ssl_sonames)
#define IL_GNUTLS(var, name) il_tls_cached(&(var), (name), il_gnutls_sonames)

int il_tls_hooks_loaded(void)
{
	return IL_SSL(il_p_ssl_write, "SSL_write") != NULL ||
	       IL_GNUTLS(il_p_gnutls_send, "gnutls_record_send") != NULL;
}

/* ---- session table ------------------------------------------------------ */

static il_hconn il_tslots[IL_TLS_SLOTS];
static pthread_mutex_t il_tls_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long il_tls_clock;
static pthread_once_t il_tls_once = PTHREAD_ONCE_INIT;

static void il_tls_atfork_child(void)
{
	pthread_mutex_init(&il_tls_lock, NULL);
	for (size_t i = 0; i < IL_TLS_SLOTS; i++)
		pthread_mutex_init(&il_tslots[i].lock, NULL);
}

static void il_tls_setup(void)
{
	for (size_t i = 0; i < IL_TLS_SLOTS; i++) {
		pthread_mutex_init(&il_tslots[i].lock, NULL);
		il_tslots[i].fd = -1;
	}
	pthread_atfork(NULL, NULL, il_tls_atfork_child);
}

/* Context of a new session from its transport socket and SNI. */
static void il_tls_fill(il_hconn *c, int fd, const char *sni)
{
	c->fd = fd;
	c->tls = 1;
	c->port = 0;
	c->addr[0] = '\0';
	c->host[0] = '\0';
	il_hconn *f = fd >= 0 ? il_hc_get(fd) : NULL;
	if (f) {
		c->port = f->port;
		memcpy(c->addr, f->addr, sizeof c->addr);
		memcpy(c->host, f->host, sizeof c->host);
		f->mode = f->mode == IL_HC_DENIED ? IL_HC_DENIED : IL_HC_CIPHER;
		f->fresh = 0;
		il_hc_put(f);
	}
	if (sni && *sni && strlen(sni) < sizeof c->host)
		memcpy(c->host, sni, strlen(sni) + 1);
}

/* The locked slot of session `key` (created when new, evicting the least
 * recently used), or NULL when no memory is to be had. `created` says
 * whether it is new (the caller then fills its context). */
static il_hconn *il_tls_get(const void *key, int *created)
{
	pthread_once(&il_tls_once, il_tls_setup);
	pthread_mutex_lock(&il_tls_lock);
	il_hconn *c = NULL, *victim = NULL;
	for (size_t i = 0; i < IL_TLS_SLOTS && c == NULL; i++)
		if (il_tslots[i].used && il_tslots[i].key == key)
			c = &il_tslots[i];
	for (size_t i = 0; i < IL_TLS_SLOTS && c == NULL; i++) {
		il_hconn *s = &il_tslots[i];
		if (!s->used) {
			victim = s;
			break;
		}
		if (victim == NULL || s->stamp < victim->stamp)
			victim = s;
	}
	*created = 0;
	if (c == NULL) {
		c = victim;
		c->used = 1;
		c->key = key;
		*created = 1;
	}
	c->stamp = ++il_tls_clock;
	pthread_mutex_unlock(&il_tls_lock);
	pthread_mutex_lock(&c->lock);
	if (c->key != key) {
		/* evicted and reused between the table lock and ours */
		pthread_mutex_unlock(&c->lock);
		return il_tls_get(key, created);
	}
	if (*created)
		il_hc_reset(c);
	if (c->mem == NULL) {
		void *m = mmap(NULL, IL_HC_MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
		if (m == MAP_FAILED) {
			pthread_mutex_unlock(&c->lock);
			return NULL;
		}
		c->mem = m;
	}
	return c;
}

/* Forget session `key` (freed by the library). */
static void il_tls_drop(const void *key)
{
	pthread_once(&il_tls_once, il_tls_setup);
	pthread_mutex_lock(&il_tls_lock);
	for (size_t i = 0; i < IL_TLS_SLOTS; i++)
		if (il_tslots[i].used && il_tslots[i].key == key) {
			il_tslots[i].used = 0;
			il_tslots[i].key = NULL;
		}
	pthread_mutex_unlock(&il_tls_lock);
}

/* ---- OpenSSL ------------------------------------------------------------ */

typedef struct {
	void *ssl;
	const char *buf;
	int ex;
	int last_rc;
	size_t last_written;
} il_sslcall;

static long il_ssl_pass(il_hs_io *io, size_t off, size_t n, size_t *sent)
{
	il_sslcall *sc = io->ctx;
	*sent = 0;
	if (sc->ex) {
		il_ssl_write_ex_fn f = atomic_load(&il_p_ssl_write_ex);
		size_t w = 0;
		int rc = f(sc->ssl, sc->buf + off, n, &w);
		sc->last_rc = rc;
		sc->last_written = rc == 1 ? w : 0;
		*sent = sc->last_written;
		return rc;
	}
	il_ssl_write_fn f = atomic_load(&il_p_ssl_write);
	int rc = f(sc->ssl, sc->buf + off, n > (size_t)0x7fffffff ? 0x7fffffff : (int)n);
	*sent = rc > 0 ? (size_t)rc : 0;
	return rc;
}

/* Wait for the socket under a TLS session that asked to be retried. */
static int il_tls_wait(int fd, short ev)
{
	if (fd < 0)
		return -1;
	struct pollfd pf = { fd, ev, 0 };
	int r;
	do {
		r = poll(&pf, 1, -1);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -1 : 0;
}

static int il_ssl_flush(il_hs_io *io, const char *p, size_t n)
{
	il_sslcall *sc = io->ctx;
	il_ssl_write_fn f = atomic_load(&il_p_ssl_write);
	il_ssl_err_fn ge = IL_SSL(il_p_ssl_get_error, "SSL_get_error");
	il_ssl_int_fn gf = IL_SSL(il_p_ssl_get_fd, "SSL_get_fd");
	while (n > 0) {
		int rc = f(sc->ssl, p, n > 0x40000000 ? 0x40000000 : (int)n);
		if (rc > 0) {
			p += rc;
			n -= (size_t)rc;
			continue;
		}
		int e = ge ? ge(sc->ssl, rc) : 0;
		int fd = gf ? gf(sc->ssl) : -1;
		if (e == IL_SSL_ERROR_WANT_WRITE && il_tls_wait(fd, POLLOUT) == 0)
			continue;
		if (e == IL_SSL_ERROR_WANT_READ && il_tls_wait(fd, POLLIN) == 0)
			continue;
		errno = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

/* Gate one SSL_write / SSL_write_ex. */
static long il_ssl_gate(void *ssl, const void *buf, size_t num, int ex, il_sslcall *sc,
			il_hs_how *how)
{
	int created;
	il_hconn *c = il_tls_get(ssl, &created);
	if (c == NULL) {
		*how = IL_HS_ERROR;
		errno = ENOMEM;
		return -1;
	}
	if (created) {
		il_ssl_int_fn gf = IL_SSL(il_p_ssl_get_fd, "SSL_get_fd");
		il_ssl_sni_fn gs = IL_SSL(il_p_ssl_sni, "SSL_get_servername");
		il_tls_fill(c, gf ? gf(ssl) : -1, gs ? gs(ssl, 0) : NULL);
	}
	sc->ssl = ssl;
	sc->buf = buf;
	sc->ex = ex;
	struct iovec v = { (void *)buf, num };
	il_hs_io io = { &v, 1, num, il_ssl_pass, il_ssl_flush, sc };
	long r = il_hs_write(c, &io, how);
	int e = errno;
	pthread_mutex_unlock(&c->lock);
	errno = e;
	return r;
}

IL_EXPORT int SSL_write(void *ssl, const void *buf, int num)
{
	il_init();
	il_ssl_write_fn f = IL_SSL(il_p_ssl_write, "SSL_write");
	if (f == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (!il_cfg.active || num <= 0 || il_hs_is_busy())
		return f(ssl, buf, num);
	il_sslcall sc;
	il_hs_how how;
	long r = il_ssl_gate(ssl, buf, (size_t)num, 0, &sc, &how);
	if (how == IL_HS_DENY || how == IL_HS_ERROR)
		return -1;
	return (int)r;
}

IL_EXPORT int SSL_write_ex(void *ssl, const void *buf, size_t num, size_t *written)
{
	il_init();
	il_ssl_write_ex_fn f = IL_SSL(il_p_ssl_write_ex, "SSL_write_ex");
	if (f == NULL || IL_SSL(il_p_ssl_write, "SSL_write") == NULL) {
		errno = ENOSYS;
		return 0;
	}
	if (!il_cfg.active || num == 0 || il_hs_is_busy())
		return f(ssl, buf, num, written);
	il_sslcall sc = { 0 };
	il_hs_how how;
	long r = il_ssl_gate(ssl, buf, num, 1, &sc, &how);
	if (how == IL_HS_DENY || how == IL_HS_ERROR) {
		if (written)
			*written = 0;
		return 0;
	}
	if (how == IL_HS_RAW) {
		if (written)
			*written = sc.last_written;
		return sc.last_rc;
	}
	if (written)
		*written = (size_t)r;
	return 1;
}

IL_EXPORT void SSL_free(void *ssl)
{
	il_free_fn f = IL_SSL(il_p_ssl_free, "SSL_free");
	if (ssl)
		il_tls_drop(ssl);
	if (f)
		f(ssl);
}

/* ---- GnuTLS ------------------------------------------------------------- */

typedef struct {
	void *session;
	const char *buf;
} il_gtcall;

static long il_gnutls_pass(il_hs_io *io, size_t off, size_t n, size_t *sent)
{
	il_gtcall *gc = io->ctx;
	il_gnutls_send_fn f = atomic_load(&il_p_gnutls_send);
	ssize_t r = f(gc->session, gc->buf + off, n);
	*sent = r > 0 ? (size_t)r : 0;
	return (long)r;
}

static int il_gnutls_flush(il_hs_io *io, const char *p, size_t n)
{
	il_gtcall *gc = io->ctx;
	il_gnutls_send_fn f = atomic_load(&il_p_gnutls_send);
	il_gnutls_int_fn gf = IL_GNUTLS(il_p_gnutls_fd, "gnutls_transport_get_int");
	il_gnutls_int_fn gd = IL_GNUTLS(il_p_gnutls_dir, "gnutls_record_get_direction");
	while (n > 0) {
		ssize_t r = f(gc->session, p, n);
		if (r > 0) {
			p += r;
			n -= (size_t)r;
			continue;
		}
		if (r == IL_GNUTLS_E_INTERRUPTED)
			continue;
		if (r == IL_GNUTLS_E_AGAIN) {
			short ev = (gd && gd(gc->session) == 0) ? POLLIN : POLLOUT;
			if (il_tls_wait(gf ? gf(gc->session) : -1, ev) == 0)
				continue;
		}
		errno = EIO;
		return -1;
	}
	return 0;
}

IL_EXPORT ssize_t gnutls_record_send(void *session, const void *data, size_t n)
{
	il_init();
	il_gnutls_send_fn f = IL_GNUTLS(il_p_gnutls_send, "gnutls_record_send");
	if (f == NULL) {
		errno = ENOSYS;
		return IL_GNUTLS_E_PUSH_ERROR;
	}
	if (!il_cfg.active || n == 0 || data == NULL || il_hs_is_busy())
		return f(session, data, n);
	int created;
	il_hconn *c = il_tls_get(session, &created);
	if (c == NULL) {
		errno = ENOMEM;
		return IL_GNUTLS_E_PUSH_ERROR;
	}
	if (created) {
		il_gnutls_int_fn gf = IL_GNUTLS(il_p_gnutls_fd, "gnutls_transport_get_int");
		il_gnutls_sni_fn gs = IL_GNUTLS(il_p_gnutls_sni, "gnutls_server_name_get");
		char sni[IL_HC_HOST_MAX];
		size_t sl = sizeof sni - 1;
		unsigned type = 0;
		sni[0] = '\0';
		if (gs == NULL || gs(session, sni, &sl, &type, 0) != 0 || type != 1)
			sni[0] = '\0';
		sni[sizeof sni - 1] = '\0';
		il_tls_fill(c, gf ? gf(session) : -1, sni);
	}
	il_gtcall gc = { session, data };
	struct iovec v = { (void *)data, n };
	il_hs_io io = { &v, 1, n, il_gnutls_pass, il_gnutls_flush, &gc };
	il_hs_how how;
	long r = il_hs_write(c, &io, &how);
	int e = errno;
	pthread_mutex_unlock(&c->lock);
	errno = e;
	if (how == IL_HS_DENY || how == IL_HS_ERROR)
		return IL_GNUTLS_E_PUSH_ERROR;
	return (ssize_t)r;
}

IL_EXPORT void gnutls_deinit(void *session)
{
	il_free_fn f = IL_GNUTLS(il_p_gnutls_deinit, "gnutls_deinit");
	if (session)
		il_tls_drop(session);
	if (f)
		f(session);
}
