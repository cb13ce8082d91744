/*
 * seccomp_filter.h — the non-bypassable layer's filter: what `interlock run`
 * installs in the agent's process just before exec, and how the listener
 * descriptor travels to the supervisor.
 *
 * The filter (libseccomp, native architecture only) sends execve, execveat,
 * unlink, unlinkat, rmdir, rename, renameat, renameat2 and connect to the
 * user-notification listener; fails io_uring_setup/enter/register with
 * EPERM; fails seccomp(SECCOMP_SET_MODE_FILTER) with
 * SECCOMP_FILTER_FLAG_NEW_LISTENER (a newer filter's listener would take
 * precedence over ours); and kills the process on a foreign architecture
 * (i386 via int 0x80) or an x32 system call (__X32_SYSCALL_BIT). The filter
 * sets PR_SET_NO_NEW_PRIVS, is inherited by every descendant and cannot be
 * removed.
 *
 * The listener fd goes from the launcher's child to the supervisor with
 * SCM_RIGHTS (il_seccomp_send_fd / il_seccomp_recv_fd). The child closes
 * its own copy before exec, so when the supervisor goes away the last
 * reference dies and every intercepted call fails with ENOSYS.
 */
#ifndef INTERLOCK_SECCOMP_FILTER_H
#define INTERLOCK_SECCOMP_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* --enforce */
typedef enum {
	IL_ENFORCE_AUTO = 0,
	IL_ENFORCE_PRELOAD,
	IL_ENFORCE_SECCOMP,
	IL_ENFORCE_BOTH,
} il_enforce;

/* "auto" | "preload" | "seccomp" | "both". 0, or -1 when unknown. */
int il_enforce_parse(const char *s, il_enforce *out);
const char *il_enforce_name(il_enforce e);

/* Does this kernel support seccomp user notification with
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE (Linux 5.5+) and pidfd_getfd (5.6+)?
 * false with the reason in why. */
bool il_seccomp_available(char *why, size_t n);

/* Resolve a requested mode against the kernel: which layers run.
 * auto: both when available, else preload alone (*warning set).
 * seccomp/both without kernel support: -1 with the reason in err.
 * *warning is a static string or NULL. */
int il_enforce_resolve(il_enforce want, bool *use_preload, bool *use_seccomp,
                       const char **warning, char *err, size_t n);

/* Install the filter in the calling process (sets NO_NEW_PRIVS).
 * Returns the listener fd (close-on-exec), or -1 with the reason in err. */
int il_seccomp_install(char *err, size_t n);

/* Send fd plus `len` bytes of data over a Unix socket (SCM_RIGHTS).
 * 0, or -1 with errno. */
int il_seccomp_send_fd(int sock, int fd, const void *data, size_t len);
/* Receive up to `cap` bytes and at most one descriptor (close-on-exec).
 * Returns the byte count (*fd = -1 when none came), or -1 with errno.
 * Extra descriptors are closed. */
ssize_t il_seccomp_recv_fd(int sock, void *buf, size_t cap, int *fd);

/* The launcher child's part, between fork and exec: install the filter,
 * send the listener to the parent over `sock` (with our pid), wait for
 * the parent's one-byte go-ahead ('1'), then close the listener and the
 * socket. 0, or -1 with the reason in err (the child must then not exec). */
int il_seccomp_child_setup(int sock, char *err, size_t n);

/* The launcher parent's part: receive the listener from the child.
 * fd >= 0, or -1 with the reason in err. */
int il_seccomp_parent_receive(int sock, char *err, size_t n);
/* Tell the child to go on (after the supervisor holds the listener). */
int il_seccomp_parent_go(int sock);

#endif
