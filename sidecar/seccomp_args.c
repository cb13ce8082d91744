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
#include <linux/types.h>
#include <sys/ioctl.h>
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
	/* Most strings (file names, arguments) are short: the first read
	 * takes 256 bytes, the following ones the rest of their page. */
	size_t want = 256;
	while (got < cap) {
		/* Never cross a page boundary in one read: the next page may be
		 * unmapped although the string ends before it. */
		uint64_t a = addr + got;
		size_t chunk = 4096 - (size_t)(a & 4095);
		if (chunk > want)
			chunk = want;
		if (chunk > cap - got)
			chunk = cap - got;
		if (il_tgt_read(pid, a, buf + got, chunk) < 0)
			return -1;
		char *nul = memchr(buf + got, '\0', chunk);
		if (nul)
			return nul - buf;
		got += chunk;
		want = 4096;
	}
	errno = ENAMETOOLONG;
	return -1;
}

/* Grow *buf (holding *cap bytes) to at least need bytes, doubling, never
 * beyond max. 0, or -1 (errno E2BIG or ENOMEM). */
static int grow(void **buf, size_t *cap, size_t need, size_t max)
{
	if (need <= *cap)
		return 0;
	if (need > max) {
		errno = E2BIG;
		return -1;
	}
	size_t n = *cap ? *cap : 64;
	while (n < need)
		n = n > max / 2 ? max : n * 2;
	void *p = realloc(*buf, n);
	if (!p) {
		errno = ENOMEM;
		return -1;
	}
	*buf = p;
	*cap = n;
	return 0;
}

int il_tgt_read_argv(pid_t pid, uint64_t addr, char ***out, size_t *argc)
{
	*out = NULL;
	*argc = 0;
	uint64_t *ptrs = NULL;
	size_t n = 0, pcap = 0;
	const size_t pmax = (IL_SC_ARGV_MAX + 1) * sizeof *ptrs;
	if (addr != 0) {
		/* Read the pointer array in page-sized batches up to the NULL. */
		for (;;) {
			uint64_t a = addr + n * sizeof(uint64_t);
			size_t room = (4096 - (size_t)(a & 4095)) / sizeof(uint64_t);
			if (room == 0)
				room = 1;
			if (room > IL_SC_ARGV_MAX + 1 - n)
				room = IL_SC_ARGV_MAX + 1 - n;
			if (room == 0 || grow((void **)&ptrs, &pcap, (n + room) * sizeof *ptrs, pmax) < 0 ||
			    il_tgt_read(pid, a, ptrs + n, room * sizeof(uint64_t)) < 0) {
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
	/* One block: the pointer array, then the strings, read straight in.
	 * A string longer than the room left is read again after the block
	 * doubles; IL_SC_ARGV_BYTES of strings at most. */
	size_t head = (n + 1) * sizeof(char *);
	const size_t limit = head + IL_SC_ARGV_BYTES;
	size_t used = head, cap = 0;
	char *block = NULL;
	if (grow((void **)&block, &cap, used + 4096 < limit ? used + 4096 : limit, limit) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		ssize_t l;
		while ((l = il_tgt_read_str(pid, ptrs[i], block + used, cap - used)) < 0) {
			if (errno != ENAMETOOLONG)
				goto fail;
			if (cap >= limit) {
				errno = E2BIG;
				goto fail;
			}
			if (grow((void **)&block, &cap, cap * 2 < limit ? cap * 2 : limit, limit) < 0)
				goto fail;
		}
		ptrs[i] = used - head;   /* an offset until the block stops moving */
		used += (size_t)l + 1;
	}
	char **bv = (char **)(void *)block;
	for (size_t i = 0; i < n; i++)
		bv[i] = block + head + ptrs[i];
	bv[n] = NULL;
	free(ptrs);
	*out = bv;
	*argc = n;
	return 0;
fail:;
	int e = errno;
	free(ptrs);
	free(block);
	errno = e;
	return -1;
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

/* Does the link text s (l bytes) end the way /proc marks a removed
 * file's name? (A live name may end so too: callers check.) */
static bool deleted_suffix(const char *s, size_t l)
{
	static const char del[] = " (deleted)";
	return l >= sizeof del - 1 && memcmp(s + l - (sizeof del - 1), del, sizeof del - 1) == 0;
}

int il_tgt_cwd_path(pid_t tid, char *out, size_t n)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/%d/cwd", (int)tid);
	ssize_t l = readlink(p, out, n - 1);
	if (l > 0 && (size_t)l < n - 1 && out[0] == '/' && !deleted_suffix(out, (size_t)l)) {
		out[l] = '\0';
		return 0;
	}
	/* too long, or a name that may be a removed directory's: the long way */
	int fd = il_tgt_open_dir(tid, AT_FDCWD);
	if (fd < 0)
		return -1;
	int rc = il_fd_path(fd, out, n);
	close(fd);
	return rc;
}

int il_tgt_dup_dir(pid_t tid, int pidfd, int dirfd)
{
	if (dirfd == AT_FDCWD || pidfd < 0)
		return il_tgt_open_dir(tid, dirfd);
	if (dirfd < 0) {
		errno = EBADF;
		return -1;
	}
	int fd = (int)syscall(SYS_pidfd_getfd, pidfd, dirfd, 0);
	if (fd >= 0 || errno == EBADF)
		return fd;
	/* EPERM (a ptrace policy), ENOSYS...: the /proc route may still work */
	return il_tgt_open_dir(tid, dirfd);
}

int il_fd_path(int fd, char *out, size_t n)
{
	return il_fd_path_at(-1, fd, out, n);
}

int il_fd_path_at(int procfd, int fd, char *out, size_t n)
{
	char p[64];
	ssize_t l;
	if (procfd >= 0) {
		snprintf(p, sizeof p, "%d", fd);
		l = readlinkat(procfd, p, out, n - 1);
	} else {
		snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
		l = readlink(p, out, n - 1);
	}
	if (l <= 0 || (size_t)l >= n - 1)
		return -1;
	out[l] = '\0';
	if (out[0] != '/')
		return -1;
	/* a removed directory reads "/path (deleted)": no usable name */
	if (deleted_suffix(out, (size_t)l)) {
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

/* PIDFD_GET_INFO's answer (include/uapi/linux/pidfd.h, its first
 * version: 64 bytes); Debian 12's headers predate it. */
struct il_pidfd_info {
	__u64 mask;
	__u64 cgroupid;
	__u32 pid, tgid, ppid;
	__u32 ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
	__u32 spare0[1];
};
#define IL_PIDFD_GET_INFO _IOWR(0xFF, 11, struct il_pidfd_info)
#define IL_PIDFD_INFO_PID (1ULL << 0)
#define IL_PIDFD_INFO_CREDS (1ULL << 1)

int il_tgt_pidfd_info(int pidfd, pid_t tid, il_tgt_status *st)
{
	struct il_pidfd_info info;
	memset(&info, 0, sizeof info);
	info.mask = IL_PIDFD_INFO_PID | IL_PIDFD_INFO_CREDS;
	if (ioctl(pidfd, IL_PIDFD_GET_INFO, &info) < 0)
		return -1;
	if ((info.mask & (IL_PIDFD_INFO_PID | IL_PIDFD_INFO_CREDS)) !=
	    (IL_PIDFD_INFO_PID | IL_PIDFD_INFO_CREDS) || info.tgid == 0) {
		errno = ENOTTY;   /* a kernel that answers less than we need */
		return -1;
	}
	if (info.pid != (__u32)tid) {
		errno = ESRCH;    /* this pidfd is somebody else's */
		return -1;
	}
	memset(st, 0, sizeof *st);
	st->tgid = (pid_t)info.tgid;
	st->ppid = (pid_t)info.ppid;
	st->uid = (uid_t)info.ruid;
	st->fsuid = (uid_t)info.fsuid;
	st->gid = (gid_t)info.rgid;
	st->fsgid = (gid_t)info.fsgid;
	return 0;
}

bool il_tgt_shares_memory(pid_t tid, const il_tgt_status *st)
{
	if (st->threads == 0) {
		il_tgt_status full;
		if (il_tgt_read_status(tid, &full) < 0)
			return true;
		return il_tgt_shares_memory(tid, &full);
	}
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
