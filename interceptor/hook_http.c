/*
 * hook_http.c — HTTP request gating on plaintext TCP sockets: the table of
 * connected sockets (fd -> connection state) and the hooks on the calls
 * that write to them (write, writev, send, sendto, sendmsg) or end them
 * (close, dup2, dup3).
 *
 * Cost for everything else: a write on a descriptor that is not a tracked
 * TCP connection costs one relaxed load from a 64 Ki-entry map indexed by
 * fd (no fstat, no lock). A connection enters the map when connect()
 * (hook_net.c) opens it, leaves it on close/dup2/dup3 over it or a new
 * connect on the same fd.
 *
 * Each connection slot has a mutex held while one write runs through the
 * gate (and while the sidecar decides a request on it); other threads
 * writing to the same socket wait, as the order of their bytes requires.
 * close() never waits for that lock: it unmaps the fd at once, and whoever
 * holds the slot frees it. The slot locks and the allocation lock are
 * re-initialised in a forked child (pthread_atfork), where a lock held by
 * another parent thread would otherwise never be released.
 */
#include <errno.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_gate.h"
#include "shim.h"

#define IL_HC_FDMAX 65536
#define IL_HC_SLOTS 256
#define IL_IOV_LOCAL 64

int il_hs_is_busy(void);

typedef struct {
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	int (*close)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
} il_io_real;

static il_io_real il_io;
static pthread_once_t il_io_once = PTHREAD_ONCE_INIT;
static _Atomic uint16_t il_fdmap[IL_HC_FDMAX];
static il_hconn il_slots[IL_HC_SLOTS];
static pthread_mutex_t il_alloc_lock = PTHREAD_MUTEX_INITIALIZER;
/* One past the highest slot ever handed out: slots above it were never
 * touched. Their zero-filled static mutexes are valid (glibc's
 * PTHREAD_MUTEX_INITIALIZER is all zeros), so nothing initialises them —
 * touching 130 KiB of table at start-up and again after every fork cost a
 * copy-on-write fault per page in every process (~100 us per fork+exec). */
static size_t il_slots_used_max;

static void il_hc_atfork_child(void)
{
	/* a lock another thread held at fork() stays held in the child */
	pthread_mutex_init(&il_alloc_lock, NULL);
	for (size_t i = 0; i < il_slots_used_max; i++)
		pthread_mutex_init(&il_slots[i].lock, NULL);
}

static void il_io_resolve(void)
{
	il_io.write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	il_io.writev = (ssize_t (*)(int, const struct iovec *, int))dlsym(RTLD_NEXT, "writev");
	il_io.send = (ssize_t (*)(int, const void *, size_t, int))dlsym(RTLD_NEXT, "send");
	il_io.sendto = (ssize_t (*)(int, const void *, size_t, int, const struct sockaddr *,
				    socklen_t))dlsym(RTLD_NEXT, "sendto");
	il_io.sendmsg = (ssize_t (*)(int, const struct msghdr *, int))dlsym(RTLD_NEXT, "sendmsg");
	il_io.close = (int (*)(int))dlsym(RTLD_NEXT, "close");
	il_io.dup2 = (int (*)(int, int))dlsym(RTLD_NEXT, "dup2");
	il_io.dup3 = (int (*)(int, int, int))dlsym(RTLD_NEXT, "dup3");
	pthread_atfork(NULL, NULL, il_hc_atfork_child);
}

static inline void il_io_init(void)
{
	pthread_once(&il_io_once, il_io_resolve);
}

/* ---- the table ---------------------------------------------------------- */

/* Free a slot (its lock held by the caller). */
static void il_hc_free(il_hconn *c)
{
	pthread_mutex_lock(&il_alloc_lock);
	c->used = 0;
	c->fd = -1;
	pthread_mutex_unlock(&il_alloc_lock);
}

il_hconn *il_hc_get(int fd)
{
	if ((unsigned)fd >= IL_HC_FDMAX)
		return NULL;
	unsigned v = atomic_load_explicit(&il_fdmap[fd], memory_order_acquire);
	if (v == 0)
		return NULL;
	il_hconn *c = &il_slots[v - 1];
	pthread_mutex_lock(&c->lock);
	if (!c->used || c->fd != fd || atomic_load(&c->dead)) {
		if (c->used && atomic_load(&c->dead))
			il_hc_free(c);
		pthread_mutex_unlock(&c->lock);
		return NULL;
	}
	return c;
}

void il_hc_put(il_hconn *c)
{
	if (atomic_load(&c->dead))
		il_hc_free(c);
	pthread_mutex_unlock(&c->lock);
}

/* Forget fd (closed, or replaced by dup2/dup3). */
static void il_hc_drop(int fd)
{
	if ((unsigned)fd >= IL_HC_FDMAX)
		return;
	unsigned v = atomic_exchange(&il_fdmap[fd], 0);
	if (v == 0)
		return;
	il_hconn *c = &il_slots[v - 1];
	atomic_store(&c->dead, 1);
	if (pthread_mutex_trylock(&c->lock) == 0) {
		if (c->used && c->fd == fd)
			il_hc_free(c);
		pthread_mutex_unlock(&c->lock);
	}
}

/* Is fd still the socket the slot was opened for? (A descriptor closed
 * behind the shim's back — close_range, fclose — may now be another file.) */
static int il_hc_same(const il_hconn *c)
{
	struct stat st;
	return fstat(c->fd, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == c->dev &&
	       st.st_ino == c->ino;
}

void il_http_on_connect(int fd, const struct sockaddr *sa, socklen_t len, int rc)
{
	int saved = errno;
	il_io_init();
	if (!il_cfg.active || (rc < 0 && saved != EINPROGRESS) || sa == NULL) {
		errno = saved;
		return;
	}
	il_hc_drop(fd);
	unsigned port;
	const void *bin;
	int family = sa->sa_family;
	if (family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s = (const void *)sa;
		bin = &s->sin_addr;
		port = ntohs(s->sin_port);
	} else if (family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s = (const void *)sa;
		bin = &s->sin6_addr;
		port = ntohs(s->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&s->sin6_addr)) {
			family = AF_INET;
			bin = (const unsigned char *)&s->sin6_addr + 12;
		}
	} else {
		errno = saved;
		return;
	}
	int type = 0;
	socklen_t tl = sizeof type;
	struct stat st;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type != SOCK_STREAM ||
	    fstat(fd, &st) < 0) {
		errno = saved;
		return;
	}
	il_hconn tmp;
	il_hconn *c = NULL;
	if ((unsigned)fd < IL_HC_FDMAX) {
		pthread_mutex_lock(&il_alloc_lock);
		for (size_t i = 0; i < IL_HC_SLOTS; i++) {
			if (!il_slots[i].used) {
				c = &il_slots[i];
				c->used = 1;
				c->fd = fd;
				if (i + 1 > il_slots_used_max)
					il_slots_used_max = i + 1;
				break;
			}
		}
		pthread_mutex_unlock(&il_alloc_lock);
	}
	il_hconn *w = c ? c : &tmp;
	if (c)
		pthread_mutex_lock(&c->lock);
	else
		memset(&tmp, 0, sizeof tmp);
	atomic_store(&w->dead, 0);
	w->fd = fd;
	w->key = NULL;
	w->dev = st.st_dev;
	w->ino = st.st_ino;
	w->tls = 0;
	w->port = port;
	if (inet_ntop(family, bin, w->addr, sizeof w->addr) == NULL)
		w->addr[0] = '\0';
	if (il_host_lookup(family, bin, family == AF_INET ? 4 : 16, w->host, sizeof w->host) < 0)
		w->host[0] = '\0';
	il_hc_reset(w);
	if (c && c->mem == NULL) {
		void *m = mmap(NULL, IL_HC_MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
		c->mem = m == MAP_FAILED ? NULL : m;
	}
	if (c && c->mem) {
		atomic_store_explicit(&il_fdmap[fd], (uint16_t)(c - il_slots + 1),
				      memory_order_release);
		pthread_mutex_unlock(&c->lock);
	} else {
		/* cannot follow this connection (table full, fd beyond the map):
		 * decide it now as an opaque HTTP connection, by host */
		if (c) {
			il_hc_free(c);
			pthread_mutex_unlock(&c->lock);
		}
		if (!il_hs_ask_opaque(w, "connect"))
			shutdown(fd, SHUT_RDWR);
	}
	errno = saved;
}

/* ---- plumbing for one call ---------------------------------------------- */

typedef struct {
	int fd;
	int flags;
	int kind;                   /* 0 write/writev, 1 send/sendto, 2 sendmsg */
	const struct msghdr *msg;
} il_fdcall;

/* Real call on bytes [off, off+n) of the caller's iovecs. */
static long il_fd_pass(il_hs_io *io, size_t off, size_t n, size_t *sent)
{
	il_fdcall *fc = io->ctx;
	struct iovec v[IL_IOV_LOCAL];
	int nv = 0;
	size_t want = n;
	for (int i = 0; i < io->iovcnt && want > 0 && nv < IL_IOV_LOCAL; i++) {
		size_t l = io->iov[i].iov_len;
		if (off >= l) {
			off -= l;
			continue;
		}
		size_t k = l - off < want ? l - off : want;
		v[nv].iov_base = (char *)io->iov[i].iov_base + off;
		v[nv].iov_len = k;
		nv++;
		want -= k;
		off = 0;
	}
	ssize_t r;
	if (fc->kind == 2) {
		struct msghdr mh = *fc->msg;
		mh.msg_iov = v;
		mh.msg_iovlen = (size_t)nv;
		r = il_io.sendmsg(fc->fd, &mh, fc->flags);
	} else if (fc->kind == 1) {
		struct msghdr mh;
		memset(&mh, 0, sizeof mh);
		mh.msg_iov = v;
		mh.msg_iovlen = (size_t)nv;
		r = il_io.sendmsg(fc->fd, &mh, fc->flags);
	} else if (nv == 1) {
		r = il_io.write(fc->fd, v[0].iov_base, v[0].iov_len);
	} else {
		r = il_io.writev(fc->fd, v, nv);
	}
	*sent = r > 0 ? (size_t)r : 0;
	return (long)r;
}

/* Send held bytes completely, waiting for a non-blocking socket. */
static int il_fd_flush(il_hs_io *io, const char *p, size_t n)
{
	il_fdcall *fc = io->ctx;
	while (n > 0) {
		ssize_t r = il_io.send(fc->fd, p, n, MSG_NOSIGNAL);
		if (r < 0 && errno == ENOTSOCK)
			r = il_io.write(fc->fd, p, n);
		if (r > 0) {
			p += r;
			n -= (size_t)r;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pf = { fc->fd, POLLOUT, 0 };
			(void)poll(&pf, 1, -1);
		} else {
			return -1;
		}
	}
	return 0;
}

/* Run a write on fd through the gate. Returns -2 when fd is not tracked
 * (the caller then makes the real call), else the call's result. */
static ssize_t il_fd_gate(int fd, const struct iovec *iov, int cnt, int kind, int flags,
			  const struct msghdr *msg)
{
	if ((unsigned)fd >= IL_HC_FDMAX ||
	    atomic_load_explicit(&il_fdmap[fd], memory_order_relaxed) == 0 || il_hs_is_busy())
		return -2;
	il_hconn *c = il_hc_get(fd);
	if (c == NULL)
		return -2;
	if ((c->mode == IL_HC_HEAD || c->mode == IL_HC_DENIED) && !il_hc_same(c)) {
		atomic_exchange(&il_fdmap[fd], 0);
		il_hc_free(c);
		pthread_mutex_unlock(&c->lock);
		return -2;
	}
	size_t total = 0;
	for (int i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	il_fdcall fc = { fd, flags, kind, msg };
	il_hs_io io = { iov, cnt, total, il_fd_pass, il_fd_flush, &fc };
	il_hs_how how;
	long r = il_hs_write(c, &io, &how);
	int e = errno;
	il_hc_put(c);
	errno = e;
	if (how == IL_HS_DENY || how == IL_HS_ERROR)
		return -1;
	return (ssize_t)r;
}

/* ---- hooks --------------------------------------------------------------- */

IL_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	il_io_init();
	if ((unsigned)fd < IL_HC_FDMAX &&
	    atomic_load_explicit(&il_fdmap[fd], memory_order_relaxed) != 0) {
		struct iovec v = { (void *)buf, n };
		ssize_t r = il_fd_gate(fd, &v, 1, 0, 0, NULL);
		if (r != -2)
			return r;
	}
	return il_io.write(fd, buf, n);
}

IL_EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	il_io_init();
	if ((unsigned)fd < IL_HC_FDMAX && cnt > 0 &&
	    atomic_load_explicit(&il_fdmap[fd], memory_order_relaxed) != 0) {
		ssize_t r = il_fd_gate(fd, iov, cnt, 0, 0, NULL);
		if (r != -2)
			return r;
	}
	return il_io.writev(fd, iov, cnt);
}

IL_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	il_io_init();
	if ((unsigned)fd < IL_HC_FDMAX &&
	    atomic_load_explicit(&il_fdmap[fd], memory_order_relaxed) != 0) {
		struct iovec v = { (void *)buf, n };
		ssize_t r = il_fd_gate(fd, &v, 1, 1, flags, NULL);
		if (r != -2)
			return r;
	}
	return il_io.send(fd, buf, n, flags);
}

IL_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags,
			 const struct sockaddr *to, socklen_t tolen)
{
	il_io_init();
	if ((unsigned)fd < IL_HC_FDMAX &&
	    atomic_load_explicit(&il_fdmap[fd], memory_order_relaxed) != 0) {
		struct iovec v = { (void *)buf, n };
		ssize_t r = il_fd_gate(fd, &v, 1, 1, flags & ~MSG_FASTOPEN, NULL);
		if (r != -2)
			return r;
	}
	if ((flags & MSG_FASTOPEN) && il_cfg.active && !il_hs_is_busy()) {
		/* TCP Fast Open connects without connect(): no gate would see
		 * the connection, so it is refused; clients fall back to connect */
		errno = EOPNOTSUPP;
		return -1;
	}
	return il_io.sendto(fd, buf, n, flags, to, tolen);
}

IL_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	il_io_init();
	if ((unsigned)fd < IL_HC_FDMAX && msg != NULL && msg->msg_iovlen > 0 &&
	    msg->msg_iovlen <= 1024 &&
	    atomic_load_explicit(&il_fdmap[fd], memory_order_relaxed) != 0) {
		ssize_t r = il_fd_gate(fd, msg->msg_iov, (int)msg->msg_iovlen, 2,
				       flags & ~MSG_FASTOPEN, msg);
		if (r != -2)
			return r;
	}
	if ((flags & MSG_FASTOPEN) && il_cfg.active && !il_hs_is_busy()) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return il_io.sendmsg(fd, msg, flags);
}

IL_EXPORT int close(int fd)
{
	il_io_init();
	if ((unsigned)fd < IL_HC_FDMAX &&
	    atomic_load_explicit(&il_fdmap[fd], memory_order_relaxed) != 0)
		il_hc_drop(fd);
	return il_io.close(fd);
}

IL_EXPORT int dup2(int oldfd, int newfd)
{
	il_io_init();
	if (oldfd != newfd && (unsigned)newfd < IL_HC_FDMAX &&
	    atomic_load_explicit(&il_fdmap[newfd], memory_order_relaxed) != 0)
		il_hc_drop(newfd);
	return il_io.dup2(oldfd, newfd);
}

IL_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	il_io_init();
	if (il_io.dup3 == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (oldfd != newfd && (unsigned)newfd < IL_HC_FDMAX &&
	    atomic_load_explicit(&il_fdmap[newfd], memory_order_relaxed) != 0)
		il_hc_drop(newfd);
	return il_io.dup3(oldfd, newfd, flags);
}
