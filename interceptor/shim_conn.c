/*
 * shim_conn.c — the per-thread persistent connection to the sidecar.
 *
 * Dialling the sidecar for every request (socket, connect, close here;
 * accept, SO_PEERCRED, epoll registration there) costs more than the
 * request itself, and `rm -rf` makes one request per file. So each thread
 * keeps the connection of its last request and reuses it for the next one,
 * under rules that keep it safe inside someone else's process:
 *
 *  - never on the exec path: exec hooks run in vfork children, which share
 *    their parent's memory (and so this thread-local state) but not its
 *    descriptor table; they always dial a fresh connection;
 *  - only in the process that created it: il_conn_pid is this process's pid,
 *    refreshed by a pthread_atfork child handler. A vfork child (no atfork
 *    handlers run) or a raw clone() sees a different getpid() and neither
 *    uses nor touches the cache; a fork child closes its inherited copy;
 *  - only while the descriptor is still ours: the host may close it
 *    (close_range, closefrom) and reuse the number, so before every reuse
 *    fstat() must show the same socket (st_dev, st_ino) we connected;
 *  - one request at a time: a signal handler that gates a call while the
 *    thread's connection is in use dials its own;
 *  - a thread's connection is closed when the thread exits (pthread key
 *    destructor), so thread pools do not leak sockets.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim.h"

#define IL_TLS __attribute__((tls_model("initial-exec")))

static __thread int il_conn_fd IL_TLS = -1;
static __thread int il_conn_busy IL_TLS;
static __thread pid_t il_conn_owner IL_TLS;   /* pid that dialled il_conn_fd */
static __thread dev_t il_conn_dev IL_TLS;
static __thread ino_t il_conn_ino IL_TLS;

static pid_t il_conn_pid;                    /* this process (atfork-refreshed) */
static pthread_key_t il_conn_key;
static int il_conn_key_ok;

/* Is `fd` still the socket we saved? One fstat, no allocation. */
static int il_conn_same(int fd, dev_t dev, ino_t ino)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == dev &&
	       st.st_ino == ino;
}

static void il_conn_atfork_child(void)
{
	il_conn_pid = getpid();
	/* The child inherited the parent's connection of this thread: it is
	 * shared with the parent, so close our copy and start afresh. */
	if (il_conn_fd >= 0 && il_conn_same(il_conn_fd, il_conn_dev, il_conn_ino))
		close(il_conn_fd);
	il_conn_fd = -1;
	il_conn_busy = 0;
}

static void il_conn_thread_exit(void *v)
{
	(void)v;
	if (il_conn_fd >= 0 && il_conn_owner == getpid() &&
	    il_conn_same(il_conn_fd, il_conn_dev, il_conn_ino))
		close(il_conn_fd);
	il_conn_fd = -1;
}

void il_conn_init(void)
{
	il_conn_pid = getpid();
	pthread_atfork(NULL, NULL, il_conn_atfork_child);
	il_conn_key_ok = pthread_key_create(&il_conn_key, il_conn_thread_exit) == 0;
}

int il_conn_take(pid_t pid)
{
	if (pid != il_conn_pid || il_conn_busy || il_conn_fd < 0 || il_conn_owner != pid)
		return -1;
	if (!il_conn_same(il_conn_fd, il_conn_dev, il_conn_ino)) {
		/* not ours any more: the host closed it; never touch the number */
		il_conn_fd = -1;
		return -1;
	}
	il_conn_busy = 1;
	return il_conn_fd;
}

int il_conn_cacheable(pid_t pid)
{
	return pid == il_conn_pid && !il_conn_busy;
}

void il_conn_mark_busy(pid_t pid)
{
	if (pid == il_conn_pid)
		il_conn_busy = 1;
}

void il_conn_release(pid_t pid, int fd, int keep)
{
	if (pid != il_conn_pid) {
		close(fd);
		return;
	}
	il_conn_busy = 0;
	if (!keep) {
		if (fd == il_conn_fd)
			il_conn_fd = -1;
		close(fd);
		return;
	}
	/* re-read the identity even for the cached fd: a RESUME after a
	 * sidecar restart reconnects on the same descriptor number */
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) {
		if (fd == il_conn_fd)
			il_conn_fd = -1;
		close(fd);
		return;
	}
	if (il_conn_fd >= 0 && il_conn_fd != fd && il_conn_owner == pid &&
	    il_conn_same(il_conn_fd, il_conn_dev, il_conn_ino))
		close(il_conn_fd);
	il_conn_fd = fd;
	il_conn_owner = pid;
	il_conn_dev = st.st_dev;
	il_conn_ino = st.st_ino;
	if (il_conn_key_ok)
		pthread_setspecific(il_conn_key, (void *)(uintptr_t)1);
}
