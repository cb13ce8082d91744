/*
 * hook_net.c — connect() for AF_INET/AF_INET6 stream and datagram sockets,
 * and the name table that lets a connect carry the host name the process
 * resolved the address from.
 *
 * getaddrinfo() and gethostbyname() results are recorded in a fixed ring
 * of IL_HOSTS entries keyed by address. Each entry is a seqlock: a writer
 * claims it by moving its sequence number from even to odd with a CAS
 * (never waiting: a busy entry is skipped), writes, then makes it even
 * again; a reader copies an entry and keeps the copy only when the
 * sequence was even and unchanged. Nothing blocks, so a child forked while
 * another thread was writing merely loses that one entry.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

#define IL_HOSTS 256
#define IL_HOST_NAME_MAX 256

typedef struct {
	_Atomic unsigned seq;   /* 0: never written; odd: being written */
	int family;
	unsigned char addr[16];
	char name[IL_HOST_NAME_MAX];
} il_host_ent;

static il_host_ent il_hosts[IL_HOSTS];
static _Atomic unsigned il_host_next;

/* Copy one entry consistently; 1 when the copy is valid. */
static int il_host_read(il_host_ent *e, int *family, unsigned char addr[16], char *name,
			size_t n)
{
	unsigned s1 = atomic_load_explicit(&e->seq, memory_order_acquire);
	if (s1 == 0 || (s1 & 1))
		return 0;
	*family = e->family;
	memcpy(addr, e->addr, 16);
	size_t i = 0;
	for (; i + 1 < n && i < IL_HOST_NAME_MAX && e->name[i]; i++)
		name[i] = e->name[i];
	name[i] = '\0';
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&e->seq, memory_order_relaxed) == s1;
}

int il_host_lookup(int family, const void *addr, size_t alen, char *out, size_t n)
{
	if (alen > 16 || n == 0)
		return -1;
	unsigned next = atomic_load_explicit(&il_host_next, memory_order_relaxed);
	for (unsigned i = 0; i < IL_HOSTS; i++) {
		il_host_ent *e = &il_hosts[(next - 1 - i) % IL_HOSTS];
		int fam;
		unsigned char a[16];
		if (!il_host_read(e, &fam, a, out, n))
			continue;
		if (fam == family && memcmp(a, addr, alen) == 0)
			return 0;
	}
	out[0] = '\0';
	return -1;
}

/* Record that `name` resolved to addr (family, alen bytes). */
static void il_host_record(int family, const void *addr, size_t alen, const char *name)
{
	size_t nl = strlen(name);
	if (alen > 16 || nl == 0 || nl >= IL_HOST_NAME_MAX)
		return;
	char have[IL_HOST_NAME_MAX];
	if (il_host_lookup(family, addr, alen, have, sizeof have) == 0 && strcmp(have, name) == 0)
		return;
	unsigned slot = atomic_fetch_add_explicit(&il_host_next, 1, memory_order_relaxed) % IL_HOSTS;
	il_host_ent *e = &il_hosts[slot];
	unsigned s = atomic_load_explicit(&e->seq, memory_order_relaxed);
	if ((s & 1) || !atomic_compare_exchange_strong(&e->seq, &s, s + 1))
		return;
	atomic_thread_fence(memory_order_release);
	e->family = family;
	memset(e->addr, 0, sizeof e->addr);
	memcpy(e->addr, addr, alen);
	memcpy(e->name, name, nl + 1);
	atomic_store_explicit(&e->seq, s + 2, memory_order_release);
}

/* A name that is itself a numeric address teaches nothing. */
static int il_is_numeric(const char *node)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, node, buf) == 1 || inet_pton(AF_INET6, node, buf) == 1;
}

IL_EXPORT int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
			  struct addrinfo **res)
{
	il_init();
	if (il_real.getaddrinfo == NULL)
		return EAI_SYSTEM;
	int rc = il_real.getaddrinfo(node, service, hints, res);
	if (rc != 0 || !il_cfg.active || node == NULL || res == NULL || il_is_numeric(node))
		return rc;
	int saved = errno;
	for (const struct addrinfo *ai = *res; ai; ai = ai->ai_next) {
		if (ai->ai_addr == NULL)
			continue;
		if (ai->ai_family == AF_INET && ai->ai_addrlen >= sizeof(struct sockaddr_in)) {
			const struct sockaddr_in *s = (const void *)ai->ai_addr;
			il_host_record(AF_INET, &s->sin_addr, 4, node);
		} else if (ai->ai_family == AF_INET6 &&
			   ai->ai_addrlen >= sizeof(struct sockaddr_in6)) {
			const struct sockaddr_in6 *s = (const void *)ai->ai_addr;
			il_host_record(AF_INET6, &s->sin6_addr, 16, node);
		}
	}
	errno = saved;
	return rc;
}

IL_EXPORT struct hostent *gethostbyname(const char *name)
{
	il_init();
	if (il_real.gethostbyname == NULL) {
		h_errno = NO_RECOVERY;
		return NULL;
	}
	struct hostent *h = il_real.gethostbyname(name);
	if (h == NULL || !il_cfg.active || name == NULL || il_is_numeric(name))
		return h;
	int saved = errno;
	if ((h->h_addrtype == AF_INET && h->h_length == 4) ||
	    (h->h_addrtype == AF_INET6 && h->h_length == 16))
		for (char **a = h->h_addr_list; a && *a; a++)
			il_host_record(h->h_addrtype, *a, (size_t)h->h_length, name);
	errno = saved;
	return h;
}

/*
 * Gate a connect. Returns 1, 0 (errno ECONNREFUSED) or IL_GATE_PASS
 * (inactive, nested, not an INET stream/datagram socket).
 */
static int il_gate_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	il_init();
	if (!il_cfg.active || sa == NULL || len < (socklen_t)sizeof(sa_family_t))
		return IL_GATE_PASS;
	int family = sa->sa_family;
	const void *bin;
	size_t blen;
	unsigned port;
	if (family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s = (const void *)sa;
		bin = &s->sin_addr;
		blen = 4;
		port = ntohs(s->sin_port);
	} else if (family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s = (const void *)sa;
		bin = &s->sin6_addr;
		blen = 16;
		port = ntohs(s->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&s->sin6_addr)) {
			/* report ::ffff:a.b.c.d as the IPv4 address it is */
			family = AF_INET;
			bin = (const unsigned char *)&s->sin6_addr + 12;
			blen = 4;
		}
	} else {
		return IL_GATE_PASS;
	}
	int type = 0;
	socklen_t tl = sizeof type;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 ||
	    (type != SOCK_STREAM && type != SOCK_DGRAM))
		return IL_GATE_PASS;
	pid_t tid = (pid_t)syscall(SYS_gettid);
	il_guard guard;
	int depth = il_guard_enter(tid, &guard);
	char addr[INET6_ADDRSTRLEN];
	char host[IL_HOST_NAME_MAX];
	char cwdbuf[IL_CWD_MAX];
	if (inet_ntop(family, bin, addr, sizeof addr) == NULL)
		addr[0] = '\0';
	il_req r = {
		.kind = IL_KIND_CONNECT,
		.hook = "connect",
		.host = il_host_lookup(family, bin, blen, host, sizeof host) == 0 ? host : NULL,
		.addr = addr,
		.port = port,
		.udp = type == SOCK_DGRAM,
		.cwd = il_getcwd(cwdbuf, sizeof cwdbuf),
		.tid = tid,
	};
	int rc = il_ask_guarded(&r, depth);
	if (!rc)
		errno = ECONNREFUSED;
	int e = errno;
	il_guard_leave(&guard);
	errno = e;
	return rc;
}

IL_EXPORT int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	int saved = errno;
	il_init();
	if (il_real.connect == NULL) {
		errno = ENOSYS;
		return -1;
	}
	int g = il_gate_connect(fd, sa, len);
	if (g == 0)
		return -1;
	errno = saved;
	int rc = il_real.connect(fd, sa, len);
	if (g == 1)
		il_http_on_connect(fd, sa, len, rc);
	return rc;
}
