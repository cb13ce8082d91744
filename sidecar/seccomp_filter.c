/*
 * seccomp_filter.c — build and install the agent's seccomp filter and pass
 * its listener descriptor around (seccomp_filter.h).
 */
#include "seccomp_filter.h"

#include <errno.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

int il_enforce_parse(const char *s, il_enforce *out)
{
	static const char *const names[] = { "auto", "preload", "seccomp", "both" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (s && strcmp(s, names[i]) == 0) {
			*out = (il_enforce)i;
			return 0;
		}
	return -1;
}

const char *il_enforce_name(il_enforce e)
{
	switch (e) {
	case IL_ENFORCE_AUTO: return "auto";
	case IL_ENFORCE_PRELOAD: return "preload";
	case IL_ENFORCE_SECCOMP: return "seccomp";
	case IL_ENFORCE_BOTH: return "both";
	}
	return "?";
}

/* Kernel release "X.Y..." at least maj.min? Unparseable counts as no. */
static bool kernel_at_least(int maj, int min)
{
	struct utsname u;
	if (uname(&u) < 0)
		return false;
	int a = 0, b = 0;
	if (sscanf(u.release, "%d.%d", &a, &b) != 2)
		return false;
	return a > maj || (a == maj && b >= min);
}

bool il_seccomp_available(char *why, size_t n)
{
	if (seccomp_api_get() < 5) {
		snprintf(why, n, "libseccomp or the kernel lacks seccomp user notification (API level %u < 5)",
		         seccomp_api_get());
		return false;
	}
	uint32_t act = SECCOMP_RET_USER_NOTIF;
	if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &act) < 0) {
		snprintf(why, n, "the kernel does not offer seccomp user notification (Linux 5.0+): %s",
		         strerror(errno));
		return false;
	}
	if (!kernel_at_least(5, 6)) {
		snprintf(why, n, "the kernel is older than 5.6 (no SECCOMP_USER_NOTIF_FLAG_CONTINUE "
		         "or pidfd_getfd)");
		return false;
	}
	return true;
}

int il_enforce_resolve(il_enforce want, bool *use_preload, bool *use_seccomp,
                       const char **warning, char *err, size_t n)
{
	char why[256];
	*warning = NULL;
	*use_preload = want != IL_ENFORCE_SECCOMP;
	*use_seccomp = want == IL_ENFORCE_SECCOMP || want == IL_ENFORCE_BOTH;
	if (want == IL_ENFORCE_PRELOAD)
		return 0;
	bool ok = il_seccomp_available(why, sizeof why);
	if (want == IL_ENFORCE_AUTO) {
		*use_seccomp = ok;
		if (!ok)
			*warning = "seccomp user notification is unavailable; enforcing with the "
			           "LD_PRELOAD shim alone (static binaries and raw system calls are NOT gated)";
		return 0;
	}
	if (!ok) {
		snprintf(err, n, "--enforce %s: %s", il_enforce_name(want), why);
		return -1;
	}
	return 0;
}

/* The system calls the supervisor decides. */
static const char *const notify_calls[] = {
	"execve", "execveat", "unlink", "unlinkat", "rmdir",
	"rename", "renameat", "renameat2", "connect",
};
/* Calls that change a thread's uids or gids: the supervisor is told (and
 * lets them run), so that until one happens it may take every caller's
 * file-system identity to be the agent's (seccomp_sup.c). */
static const char *const creds_calls[] = {
	"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid",
	"setfsuid", "setfsgid",
};
static const char *const uring_calls[] = {
	"io_uring_setup", "io_uring_enter", "io_uring_register",
};

int il_seccomp_install(char *err, size_t n)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(err, n, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
		return -1;
	}
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		snprintf(err, n, "seccomp_init failed");
		return -1;
	}
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	const char *what = "SCMP_FLTATR_ACT_BADARCH";
	for (size_t i = 0; rc == 0 && i < sizeof notify_calls / sizeof notify_calls[0]; i++) {
		what = notify_calls[i];
		int nr = seccomp_syscall_resolve_name(notify_calls[i]);
		rc = nr == __NR_SCMP_ERROR ? -ENOENT : seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0);
	}
	for (size_t i = 0; rc == 0 && i < sizeof creds_calls / sizeof creds_calls[0]; i++) {
		what = creds_calls[i];
		int nr = seccomp_syscall_resolve_name(creds_calls[i]);
		rc = nr == __NR_SCMP_ERROR ? -ENOENT : seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0);
	}
	for (size_t i = 0; rc == 0 && i < sizeof uring_calls / sizeof uring_calls[0]; i++) {
		what = uring_calls[i];
		int nr = seccomp_syscall_resolve_name(uring_calls[i]);
		rc = nr == __NR_SCMP_ERROR ? -ENOENT : seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
	}
	if (rc == 0) {
		/* A newer filter with its own listener would win over ours. */
		what = "seccomp";
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(seccomp), 2,
		                      SCMP_A0(SCMP_CMP_EQ, SECCOMP_SET_MODE_FILTER),
		                      SCMP_A1(SCMP_CMP_MASKED_EQ, SECCOMP_FILTER_FLAG_NEW_LISTENER,
		                              SECCOMP_FILTER_FLAG_NEW_LISTENER));
	}
	if (rc == 0) {
		/* TIOCSTI fakes terminal input: an agent could type "y" into the
		 * tty approver's prompt. The tty layer reads the request as a
		 * 32-bit int, so compare the low 32 bits only (upper bits set
		 * would otherwise slip past an exact match). */
		what = "ioctl(TIOCSTI)";
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
		                      SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI));
	}
	if (rc != 0) {
		snprintf(err, n, "seccomp rule for %s: %s", what, strerror(-rc));
		seccomp_release(ctx);
		return -1;
	}
	rc = seccomp_load(ctx);
	if (rc != 0) {
		snprintf(err, n, "seccomp_load: %s", strerror(-rc));
		seccomp_release(ctx);
		return -1;
	}
	int fd = seccomp_notify_fd(ctx);
	seccomp_release(ctx);   /* does not close the listener */
	if (fd < 0) {
		snprintf(err, n, "seccomp_notify_fd: %s", strerror(fd < 0 ? -fd : EINVAL));
		return -1;
	}
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		snprintf(err, n, "fcntl(listener): %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int il_seccomp_send_fd(int sock, int fd, const void *data, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof u);
	char dummy = 0;
	struct iovec iov = { .iov_base = len ? (void *)data : &dummy, .iov_len = len ? len : 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
	                    .msg_control = u.buf, .msg_controllen = sizeof u.buf };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	for (;;) {
		ssize_t w = sendmsg(sock, &m, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if ((size_t)w != iov.iov_len) {
			errno = EMSGSIZE;
			return -1;
		}
		return 0;
	}
}

ssize_t il_seccomp_recv_fd(int sock, void *buf, size_t cap, int *fd)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof u);
	*fd = -1;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
	                    .msg_control = u.buf, .msg_controllen = sizeof u.buf };
	ssize_t r;
	do
		r = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfd; i++) {
			int f;
			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof f);
			if (*fd < 0)
				*fd = f;
			else
				close(f);
		}
	}
	if (m.msg_flags & MSG_CTRUNC) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		errno = EPROTO;
		return -1;
	}
	return r;
}

int il_seccomp_child_setup(int sock, char *err, size_t n)
{
	int lfd = il_seccomp_install(err, n);
	if (lfd < 0)
		return -1;
	pid_t me = getpid();
	if (il_seccomp_send_fd(sock, lfd, &me, sizeof me) < 0) {
		snprintf(err, n, "sending the seccomp listener: %s", strerror(errno));
		close(lfd);
		return -1;
	}
	close(lfd);   /* the supervisor must hold the only reference */
	char go = 0;
	ssize_t r;
	do
		r = read(sock, &go, 1);
	while (r < 0 && errno == EINTR);
	close(sock);
	if (r != 1 || go != '1') {
		snprintf(err, n, "the supervisor did not take the seccomp listener");
		return -1;
	}
	return 0;
}

int il_seccomp_parent_receive(int sock, char *err, size_t n)
{
	pid_t child = 0;
	int fd = -1;
	struct pollfd p = { .fd = sock, .events = POLLIN };
	int pr;
	do
		pr = poll(&p, 1, 10000);
	while (pr < 0 && errno == EINTR);
	if (pr <= 0) {
		snprintf(err, n, "no seccomp listener from the agent's launcher (%s)",
		         pr == 0 ? "timed out" : strerror(errno));
		return -1;
	}
	ssize_t r = il_seccomp_recv_fd(sock, &child, sizeof child, &fd);
	if (r != (ssize_t)sizeof child || fd < 0) {
		if (fd >= 0)
			close(fd);
		snprintf(err, n, "no seccomp listener from the agent's launcher%s%s",
		         r < 0 ? ": " : "", r < 0 ? strerror(errno) : "");
		return -1;
	}
	return fd;
}

int il_seccomp_parent_go(int sock)
{
	char go = '1';
	ssize_t w;
	do
		w = write(sock, &go, 1);
	while (w < 0 && errno == EINTR);
	return w == 1 ? 0 : -1;
}
