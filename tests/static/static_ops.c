/*
 * static_ops.c — a statically linked program (built by the seccomp
 * integration tests with `gcc -static`) that performs gated operations
 * through raw syscall(), so that no LD_PRELOAD shim can see them.
 *
 *   static_ops unlink PATH | rmdir PATH | unlinkat PATH | rename FROM TO
 *   static_ops exec PROG [ARG]...          raw execve (environment kept)
 *   static_ops connect IPV4 PORT           raw socket + connect (TCP)
 *   static_ops uring                       raw io_uring_setup
 *   static_ops x32unlink PATH              unlink through the x32 ABI
 *   static_ops after SECS OP [ARG]...      sleep, then do OP
 *   static_ops sigunlink PATH              unlink with a SA_RESTART SIGUSR1
 *                                          handler installed (signals restart it)
 *   static_ops unlinkloop N PATH           N raw unlinks of PATH (benchmarks:
 *                                          a missing PATH costs one round trip each)
 *   static_ops threxec PROG [ARG]...       raw execve while a second thread runs
 *   static_ops race ALLOWED DENIED SECS    one thread unlinks a path buffer
 *                                          while another swaps its contents
 *                                          between ALLOWED and DENIED
 *   static_ops dirunlink DIR NAME [OP ARG]... unlinkat(dirfd, NAME) relative to
 *                                          one descriptor of DIR, then the
 *                                          steps after it, each reported:
 *                                          "unlink NAME" (again), "move TO"
 *                                          (raw rename of DIR to TO), "sleep
 *                                          SECS", "reopen PATH" (the same
 *                                          descriptor number, another directory)
 *   static_ops setuid UID                  raw setresuid(UID, UID, UID), then
 *                                          reports getuid()'s answer
 *   static_ops fdunlink PATH NAME          unlinkat(fd, NAME) with fd an open
 *                                          PATH of any type (not a directory:
 *                                          ENOTDIR)
 *
 * Prints "rc=R errno=NAME" for the operation (not for exec on success)
 * and exits 0 when the call succeeded, 1 when it failed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int report(long rc)
{
	int e = errno;
	printf("rc=%ld errno=%s\n", rc, rc < 0 ? strerrorname_np(e) : "0");
	fflush(stdout);
	return rc < 0 ? 1 : 0;
}

static atomic_int signals_seen;

static void on_usr1(int sig)
{
	(void)sig;
	atomic_fetch_add(&signals_seen, 1);
}

static void *idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static char race_buf[4096];
static atomic_int race_stop;
static const char *race_a, *race_b;

static void *swapper(void *arg)
{
	(void)arg;
	size_t la = strlen(race_a) + 1, lb = strlen(race_b) + 1;
	while (!atomic_load(&race_stop)) {
		memcpy(race_buf, race_b, lb);
		memcpy(race_buf, race_a, la);
	}
	return NULL;
}

static int race(const char *allowed, const char *denied, int secs)
{
	race_a = allowed;
	race_b = denied;
	memcpy(race_buf, allowed, strlen(allowed) + 1);
	pthread_t t;
	if (pthread_create(&t, NULL, swapper, NULL) != 0)
		return 2;
	time_t end = time(NULL) + secs;
	long attempts = 0, ok = 0;
	while (time(NULL) < end) {
		int fd = open(allowed, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
		if (syscall(SYS_unlink, race_buf) == 0)
			ok++;
		attempts++;
	}
	atomic_store(&race_stop, 1);
	pthread_join(t, NULL);
	printf("attempts=%ld unlinked=%ld\n", attempts, ok);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "after") && argc >= 4) {
		sleep((unsigned)atoi(argv[2]));
		argv += 2;
		argc -= 2;
	}
	const char *op = argv[1];
	if (!strcmp(op, "unlink") && argc == 3)
		return report(syscall(SYS_unlink, argv[2]));
	if (!strcmp(op, "rmdir") && argc == 3)
		return report(syscall(SYS_rmdir, argv[2]));
	if (!strcmp(op, "unlinkat") && argc == 3)
		return report(syscall(SYS_unlinkat, AT_FDCWD, argv[2], 0));
	if (!strcmp(op, "rename") && argc == 4)
		return report(syscall(SYS_rename, argv[2], argv[3]));
	if (!strcmp(op, "exec") && argc >= 3)
		return report(syscall(SYS_execve, argv[2], argv + 2, environ));
	if (!strcmp(op, "connect") && argc == 4) {
		long s = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
		if (s < 0)
			return report(s);
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[3])) };
		inet_pton(AF_INET, argv[2], &sa.sin_addr);
		return report(syscall(SYS_connect, s, &sa, sizeof sa));
	}
	if (!strcmp(op, "uring")) {
		char params[120];
		memset(params, 0, sizeof params);
		return report(syscall(425 /* io_uring_setup */, 8, params));
	}
	if (!strcmp(op, "x32unlink") && argc == 3)
		return report(syscall(0x40000000 | 87 /* x32 unlink */, argv[2]));
	if (!strcmp(op, "sigunlink") && argc == 3) {
		struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
		sigaction(SIGUSR1, &sa, NULL);
		long rc = syscall(SYS_unlink, argv[2]);
		printf("signals=%d\n", atomic_load(&signals_seen));
		return report(rc);
	}
	if (!strcmp(op, "unlinkloop") && argc == 4) {
		long n = atol(argv[2]), rc = 0;
		for (long i = 0; i < n; i++)
			rc = syscall(SYS_unlink, argv[3]);
		return report(rc);
	}
	if (!strcmp(op, "threxec") && argc >= 3) {
		pthread_t t;
		if (pthread_create(&t, NULL, idle_thread, NULL) != 0)
			return 2;
		return report(syscall(SYS_execve, argv[2], argv + 2, environ));
	}
	if (!strcmp(op, "dirunlink") && argc >= 4) {
		const char *dir = argv[2];
		int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return report(-1);
		int rc = report(syscall(SYS_unlinkat, fd, argv[3], 0));
		for (int i = 4; i + 1 < argc; i += 2) {
			const char *step = argv[i], *arg = argv[i + 1];
			if (!strcmp(step, "unlink")) {
				rc = report(syscall(SYS_unlinkat, fd, arg, 0));
			} else if (!strcmp(step, "move")) {
				rc = report(syscall(SYS_rename, dir, arg));
				dir = arg;
			} else if (!strcmp(step, "sleep")) {
				sleep((unsigned)atoi(arg));
			} else if (!strcmp(step, "reopen")) {
				int nfd = open(arg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
				if (nfd < 0 || dup2(nfd, fd) < 0)
					return report(-1);
				close(nfd);
			} else {
				return 2;
			}
		}
		return rc;
	}
	if (!strcmp(op, "setuid") && argc == 3) {
		long u = atol(argv[2]);
		long rc = syscall(SYS_setresuid, u, u, u);
		int e = errno;
		printf("uid=%ld\n", (long)syscall(SYS_getuid));
		errno = e;
		return report(rc);
	}
	if (!strcmp(op, "fdunlink") && argc == 4) {
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return report(-1);
		return report(syscall(SYS_unlinkat, fd, argv[3], 0));
	}
	if (!strcmp(op, "race") && argc == 5)
		return race(argv[2], argv[3], atoi(argv[4]));
	fprintf(stderr, "static_ops: bad arguments\n");
	return 2;
}
