/*
 * callbench.c — time N intercepted calls of one kind, for bench/bench_gate.sh.
 *
 *   callbench unlink N DIR     create N files in DIR (untimed), then time unlinking them
 *   callbench exec N           time N posix_spawn+wait of /bin/true
 *   callbench connect N PORT   time N TCP connects to 127.0.0.1:PORT (a listener
 *                              this program runs itself on a second thread)
 *
 * Prints "ns_per_call=X" on stdout. Run natively and under `interlock run`
 * in the same benchmark run; the difference is interlock's cost per call.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int bench_unlink(long n, const char *dir)
{
	char path[4096];
	for (long i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/f%ld", dir, i);
		int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
		if (fd < 0) {
			perror(path);
			return 1;
		}
		close(fd);
	}
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/f%ld", dir, i);
		if (unlink(path) != 0) {
			perror(path);
			return 1;
		}
	}
	printf("ns_per_call=%.0f\n", (now_ns() - t0) / (double)n);
	return 0;
}

static int bench_exec(long n)
{
	char *argv[] = { "true", NULL };
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		pid_t pid;
		int rc = posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ);
		if (rc != 0) {
			fprintf(stderr, "posix_spawn: %s\n", strerror(rc));
			return 1;
		}
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	printf("ns_per_call=%.0f\n", (now_ns() - t0) / (double)n);
	return 0;
}

static void *accept_loop(void *arg)
{
	int lfd = *(int *)arg;
	for (;;) {
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c >= 0)
			close(c);
	}
	return NULL;
}

static int bench_connect(long n)
{
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sa;
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) || listen(lfd, 512) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl)) {
		perror("listen");
		return 1;
	}
	pthread_t th;
	pthread_create(&th, NULL, accept_loop, &lfd);
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
			perror("connect");
			return 1;
		}
		close(fd);
	}
	printf("ns_per_call=%.0f\n", (now_ns() - t0) / (double)n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: callbench unlink N DIR | exec N | connect N\n");
		return 2;
	}
	long n = strtol(argv[2], NULL, 10);
	if (n <= 0)
		return 2;
	if (strcmp(argv[1], "unlink") == 0 && argc >= 4)
		return bench_unlink(n, argv[3]);
	if (strcmp(argv[1], "exec") == 0)
		return bench_exec(n);
	if (strcmp(argv[1], "connect") == 0)
		return bench_connect(n);
	fprintf(stderr, "callbench: unknown mode %s\n", argv[1]);
	return 2;
}
