/*
 * seccomp_args.h — what the seccomp supervisor needs to know about a
 * stopped system call's caller: its memory (process_vm_readv), its working
 * directory and descriptors (/proc/TID/cwd, /proc/TID/fd/N), its identity
 * and threads (/proc/TID/status, kcmp), and the lexical path and socket
 * address forms the rules see (the same forms the shim sends).
 *
 * Everything read from the target is untrusted: every length is bounded,
 * every read can fail (the target may exit or unmap the memory at any
 * time), and a failure is reported, never guessed around.
 */
#ifndef INTERLOCK_SECCOMP_ARGS_H
#define INTERLOCK_SECCOMP_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define IL_SC_PATH_MAX 4096          /* a path argument, like the kernel's PATH_MAX */
#define IL_SC_ARGV_MAX 4096          /* argv strings we read; more is refused */
#define IL_SC_ARGV_BYTES (1u << 20)  /* total argv bytes we read; more is refused */

/* Copy len bytes at addr in process pid into buf. 0, or -1 with errno
 * (EFAULT for a partial or failed read, ESRCH when the process is gone). */
int il_tgt_read(pid_t pid, uint64_t addr, void *buf, size_t len);

/* Read a NUL-terminated string at addr into buf (cap bytes including the
 * NUL). Returns its length, or -1 with errno (EFAULT, ENAMETOOLONG). */
ssize_t il_tgt_read_str(pid_t pid, uint64_t addr, char *buf, size_t cap);

/* Read a NULL-terminated char *[] at addr (argv of execve). On success
 * *out is one allocation holding the pointer array (NULL-terminated) and
 * the strings; free(*out) releases everything. -1 with errno (EFAULT,
 * E2BIG beyond IL_SC_ARGV_MAX strings or IL_SC_ARGV_BYTES, ENOMEM). A NULL
 * argv pointer gives an empty vector. */
int il_tgt_read_argv(pid_t pid, uint64_t addr, char ***out, size_t *argc);

/* Open the directory a *at() call resolves relative paths against:
 * /proc/TID/cwd for AT_FDCWD, else /proc/TID/fd/N (must be a directory).
 * O_PATH|O_DIRECTORY|O_CLOEXEC fd, or -1 with errno. */
int il_tgt_open_dir(pid_t tid, int dirfd);

/* The caller's working directory as a path (readlink /proc/TID/cwd; a
 * removed directory's name, or one too long, takes il_tgt_open_dir and
 * il_fd_path). 0, or -1 (gone, removed, too long). */
int il_tgt_cwd_path(pid_t tid, char *out, size_t n);

/* The same for a descriptor when the caller's pidfd is at hand: a
 * duplicate of the caller's own descriptor N (pidfd_getfd, ~1 µs instead
 * of a /proc lookup), falling back to il_tgt_open_dir when the kernel
 * refuses. AT_FDCWD always goes through /proc/TID/cwd. -1 with errno
 * (EBADF for a descriptor the caller does not have). */
int il_tgt_dup_dir(pid_t tid, int pidfd, int dirfd);

/* Absolute path of one of our own descriptors (readlink /proc/self/fd/N).
 * 0, or -1 (unreachable, deleted or too long). */
int il_fd_path(int fd, char *out, size_t n);

/* The same through procfd, an O_PATH descriptor of our /proc/self/fd
 * opened once (readlinkat skips the walk through /proc/self). procfd < 0
 * is il_fd_path. */
int il_fd_path_at(int procfd, int fd, char *out, size_t n);

/* Lexical normalisation of an absolute path: collapse "//", drop ".",
 * apply ".." (never above "/"), no trailing slash except for "/".
 * 0, or -1 when the input is not absolute or does not fit. */
int il_path_normalize(const char *in, char *out, size_t n);

/* base (absolute directory) joined with p (p absolute: p alone), then
 * normalised. 0, or -1. */
int il_path_join(const char *base, const char *p, char *out, size_t n);

/* Facts about a caller: from /proc/TID/status, or from its pidfd. */
typedef struct {
	pid_t tgid, ppid;
	int threads;                 /* 0: not read (il_tgt_identify) */
	uid_t uid, fsuid;
	gid_t gid, fsgid;
} il_tgt_status;

/* 0, or -1 (gone or unreadable). */
int il_tgt_read_status(pid_t tid, il_tgt_status *st);

/* The caller's ids and credentials from a pidfd of its thread
 * (PIDFD_GET_INFO, Linux 6.13+): one ioctl instead of formatting and
 * parsing /proc/TID/status (~10 µs here). st->threads is left 0
 * (unknown): il_tgt_shares_memory reads it when it needs it. 0, or -1
 * with errno: ESRCH (the thread is gone, or the pidfd is not tid's),
 * ENOTTY/EINVAL (the kernel lacks it). */
int il_tgt_pidfd_info(int pidfd, pid_t tid, il_tgt_status *st);

/* Could another running thread rewrite tid's memory between our read and
 * the kernel's? True when tid's thread group has more than one thread,
 * or when tid shares its address space (vfork, CLONE_VM) with its parent
 * and the parent has more than one thread. Unknown answers true. */
bool il_tgt_shares_memory(pid_t tid, const il_tgt_status *st);

/* A socket address as the rules see it: numeric address ("10.0.0.1",
 * "2001:db8::1"; IPv4-mapped IPv6 is shown as IPv4) and port.
 * Returns the family (AF_INET / AF_INET6), 0 for other families (not
 * gated), or -1 for a malformed address (too short for its family). */
int il_sockaddr_describe(const void *sa, size_t len, char *addr, size_t n, unsigned *port);

#endif
