/*
 * seccomp_args.c — reading a stopped caller's arguments and context
 * (seccomp_args.h).
 */
#include "seccomp_args.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

int il_tgt_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (addr == 0) {
		errno = EFAULT;
		return -1;
	}
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	ssize_t r = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (r < 0)
		return -1;
	if ((size_t)r != len) {
		errno = EFAULT;
		return -1;
	}
	return 0;
}

ssize_t il_tgt_read_str(pid_t pid, uint64_t addr, char *buf, size_t cap)
{
	if (addr == 0) {
		errno = EFAULT;
		return -1;
	}
	size_t got = 0;
	while (got < cap) {
		/* Never cross a page boundary in one read: the next page may be
		 * unmapped although the string ends before it. */
		uint64_t a = addr + got;
		size_t chunk = 4096 - (size_t)(a & 4095);
		if (chunk > cap - got)
			chunk = cap - got;
		if (il_tgt_read(pid, a, buf + got, chunk) < 0)
			return -1;
		char *nul = memchr(buf + got, '\0', chunk);
		if (nul)
			return nul - buf;
		got += chunk;
	}
	errno = ENAMETOOLONG;
	return -1;
}

int il_tgt_read_argv(pid_t pid, uint64_t addr, char ***out, size_t *argc)
{
	*out = NULL;
	*argc = 0;
	uint64_t *ptrs = NULL;
	size_t n = 0;
	if (addr != 0) {
		ptrs = malloc((IL_SC_ARGV_MAX + 1) * sizeof *ptrs);
		if (!ptrs)
			return -1;
		/* Read the pointer array in page-sized batches up to the NULL. */
		for (;;) {
			uint64_t a = addr + n * sizeof(uint64_t);
			size_t room = (4096 - (size_t)(a & 4095)) / sizeof(uint64_t);
			if (room == 0)
				room = 1;
			if (room > IL_SC_ARGV_MAX + 1 - n)
				room = IL_SC_ARGV_MAX + 1 - n;
			if (room == 0 || il_tgt_read(pid, a, ptrs + n, room * sizeof(uint64_t)) < 0) {
				int e = room == 0 ? E2BIG : errno;
				free(ptrs);
				errno = e;
				return -1;
			}
			size_t i = 0;
			while (i < room && ptrs[n + i] != 0)
				i++;
			n += i;
			if (i < room)
				break;
			if (n > IL_SC_ARGV_MAX) {
				free(ptrs);
				errno = E2BIG;
				return -1;
			}
		}
	}
	char *strs = malloc(IL_SC_ARGV_BYTES);
	size_t used = 0;
	size_t *offs = malloc((n + 1) * sizeof *offs);
	if (!strs || !offs) {
		free(strs);
		free(offs);
		free(ptrs);
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		ssize_t l = il_tgt_read_str(pid, ptrs[i], strs + used, IL_SC_ARGV_BYTES - used);
		if (l < 0) {
			int e = errno == ENAMETOOLONG ? E2BIG : errno;
			free(strs);
				free(offs);
			free(ptrs);
			errno = e;
			return -1;
		}
		offs[i] = used;
		used += (size_t)l + 1;
	}
	free(ptrs);
	/* One block: pointer array, then the strings. */
	size_t head = (n + 1) * sizeof(char *);
	char *block = malloc(head + used + 1);
	if (!block) {
		free(strs);
		free(offs);
		errno = ENOMEM;
		return -1;
	}
	char **bv = (char **)(void *)block;
	memcpy(block + head, strs, used);
	for (size_t i = 0; i < n; i++)
		bv[i] = block + head + offs[i];
	bv[n] = NULL;
	free(strs);
	free(offs);
	*out = bv;
	*argc = n;
	return 0;
}

int il_tgt_open_dir(pid_t tid, int dirfd)
{
	char p[64];
	if (dirfd == AT_FDCWD)
		snprintf(p, sizeof p, "/proc/%d/cwd", (int)tid);
	else if (dirfd >= 0)
		snprintf(p, sizeof p, "/proc/%d/fd/%d", (int)tid, dirfd);
	else {
		errno = EBADF;
		return -1;
	}
	int fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && dirfd != AT_FDCWD)
		errno = EBADF;
	return fd;
}

int il_fd_path(int fd, char *out, size_t n)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	ssize_t l = readlink(p, out, n - 1);
	if (l <= 0 || (size_t)l >= n - 1)
		return -1;
	out[l] = '\0';
	if (out[0] != '/')
		return -1;
	/* a removed directory reads "/path (deleted)": no usable name */
	static const char del[] = " (deleted)";
	if ((size_t)l >= sizeof del - 1 && strcmp(out + l - (sizeof del - 1), del) == 0) {
		struct stat st;
		if (fstat(fd, &st) == 0 && st.st_nlink == 0)
			return -1;
	}
	return 0;
}

int il_path_normalize(const char *in, char *out, size_t n)
{
	if (!in || in[0] != '/' || n < 2)
		return -1;
	size_t len = 0;
	out[len++] = '/';
	const char *p = in;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = p;
		while (*e && *e != '/')
			e++;
		size_t cl = (size_t)(e - p);
		if (cl == 1 && p[0] == '.') {
			/* skip */
		} else if (cl == 2 && p[0] == '.' && p[1] == '.') {
			if (len > 1) {
				len--;                       /* the slash after the last component */
				while (len > 1 && out[len - 1] != '/')
					len--;
			}
		} else {
			if (len + cl + 1 >= n)
				return -1;
			memcpy(out + len, p, cl);
			len += cl;
			out[len++] = '/';
		}
		p = e;
	}
	if (len > 1)
		len--;                                   /* drop the trailing slash */
	out[len] = '\0';
	return 0;
}

int il_path_join(const char *base, const char *p, char *out, size_t n)
{
	if (p[0] == '/')
		return il_path_normalize(p, out, n);
	size_t bl = strlen(base), pl = strlen(p);
	char *tmp = malloc(bl + pl + 2);
	if (!tmp)
		return -1;
	memcpy(tmp, base, bl);
	tmp[bl] = '/';
	memcpy(tmp + bl + 1, p, pl + 1);
	int rc = il_path_normalize(tmp, out, n);
	free(tmp);
	return rc;
}

/* Up to `max` unsigned decimal numbers after `prefix` at the start of
 * line; returns how many were read. */
static int line_nums(const char *line, const char *prefix, unsigned long *v, int max)
{
	size_t pl = strlen(prefix);
	if (strncmp(line, prefix, pl) != 0)
		return 0;
	const char *p = line + pl;
	int n = 0;
	while (n < max) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p < '0' || *p > '9')
			break;
		char *e;
		errno = 0;
		unsigned long x = strtoul(p, &e, 10);
		if (errno)
			break;
		v[n++] = x;
		p = e;
	}
	return n;
}

int il_tgt_read_status(pid_t tid, il_tgt_status *st)
{
	char p[64], buf[4096];
	snprintf(p, sizeof p, "/proc/%d/status", (int)tid);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t l = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (l <= 0)
		return -1;
	buf[l] = '\0';
	memset(st, 0, sizeof *st);
	int have = 0;
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		unsigned long v[4];
		if (line_nums(line, "Tgid:", v, 1) == 1) {
			st->tgid = (pid_t)v[0];
			have |= 1;
		} else if (line_nums(line, "PPid:", v, 1) == 1) {
			st->ppid = (pid_t)v[0];
			have |= 2;
		} else if (line_nums(line, "Threads:", v, 1) == 1) {
			st->threads = (int)v[0];
			have |= 4;
		} else if (line_nums(line, "Uid:", v, 4) == 4) {
			st->uid = (uid_t)v[0];
			st->fsuid = (uid_t)v[3];
			have |= 8;
		} else if (line_nums(line, "Gid:", v, 4) == 4) {
			st->gid = (gid_t)v[0];
			st->fsgid = (gid_t)v[3];
			have |= 16;
		}
		if (have == 31 && (have & 4))
			break;
		line = nl ? nl + 1 : NULL;
	}
	return have == 31 ? 0 : -1;
}

bool il_tgt_shares_memory(pid_t tid, const il_tgt_status *st)
{
	if (st->threads != 1)
		return true;
	if (st->ppid <= 0)
		return false;
	long r = syscall(SYS_kcmp, (pid_t)st->tgid, st->ppid, KCMP_VM, 0, 0);
	if (r < 0)
		return true;            /* cannot tell: assume the worst */
	if (r != 0)
		return false;           /* own address space, one thread */
	il_tgt_status pst;
	if (il_tgt_read_status(st->ppid, &pst) < 0)
		return true;
	(void)tid;
	return pst.threads != 1;
}

int il_sockaddr_describe(const void *sa, size_t len, char *addr, size_t n, unsigned *port)
{
	sa_family_t fam;
	if (len < sizeof fam)
		return -1;
	memcpy(&fam, sa, sizeof fam);
	if (fam == AF_INET) {
		struct sockaddr_in s;
		if (len < sizeof s)
			return -1;
		memcpy(&s, sa, sizeof s);
		if (!inet_ntop(AF_INET, &s.sin_addr, addr, (socklen_t)n))
			return -1;
		*port = ntohs(s.sin_port);
		return AF_INET;
	}
	if (fam == AF_INET6) {
		struct sockaddr_in6 s;
		if (len < sizeof s)
			return -1;
		memcpy(&s, sa, sizeof s);
		*port = ntohs(s.sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&s.sin6_addr)) {
			if (!inet_ntop(AF_INET, (const unsigned char *)&s.sin6_addr + 12, addr, (socklen_t)n))
				return -1;
			return AF_INET;
		}
		if (!inet_ntop(AF_INET6, &s.sin6_addr, addr, (socklen_t)n))
			return -1;
		return AF_INET6;
	}
	return 0;
}
