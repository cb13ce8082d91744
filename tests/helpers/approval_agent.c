/*
 * approval_agent.c — the agent side of bench/bench_approval.sh (a helper).
 *
 *   approval_agent DIR PROCS THREADS COUNT LINGER_MS
 *
 * Forks PROCS processes of THREADS threads each; every thread creates and
 * then unlinks COUNT files DIR/f-P-T-I one after the other (under
 * interlock the unlink is a gated delete that waits for the approval
 * service). For every unlink it prints one line
 *   PATH T0_NS T1_NS ERRNO
 * (wall clock before and after the call; ERRNO 0 on success). The parent
 * waits for all children, sleeps LINGER_MS (so the benchmark can sample
 * the sidecar's memory) and exits 0 when every unlink succeeded.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct {
	const char *dir;
	int proc, thread, count;
	int failures;
} worker;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *work(void *arg)
{
	worker *w = arg;
	for (int i = 0; i < w->count; i++) {
		char path[4096], line[4300];
		snprintf(path, sizeof path, "%s/f-%d-%d-%d", w->dir, w->proc, w->thread, i);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
		int64_t t0 = now_ns();
		int rc = unlink(path);
		int e = rc < 0 ? errno : 0;
		int64_t t1 = now_ns();
		if (e)
			w->failures++;
		int n = snprintf(line, sizeof line, "%s %lld %lld %d\n", path, (long long)t0,
		                 (long long)t1, e);
		if (n > 0 && write(1, line, (size_t)n) < 0)
			w->failures++;
	}
	return NULL;
}

static int run_proc(const char *dir, int proc, int threads, int count)
{
	pthread_t *t = calloc((size_t)threads, sizeof *t);
	worker *w = calloc((size_t)threads, sizeof *w);
	if (!t || !w)
		return 1;
	for (int i = 0; i < threads; i++) {
		w[i] = (worker){ .dir = dir, .proc = proc, .thread = i, .count = count };
		if (pthread_create(&t[i], NULL, work, &w[i]) != 0)
			return 1;
	}
	int fails = 0;
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		fails += w[i].failures;
	}
	free(t);
	free(w);
	return fails ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: %s DIR PROCS THREADS COUNT LINGER_MS\n", argv[0]);
		return 2;
	}
	int procs = atoi(argv[2]), threads = atoi(argv[3]), count = atoi(argv[4]);
	int linger = atoi(argv[5]);
	if (procs < 1 || threads < 1 || count < 1 || procs > 10000 || threads > 1000) {
		fprintf(stderr, "bad numbers\n");
		return 2;
	}
	for (int p = 0; p < procs; p++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0)
			_exit(run_proc(argv[1], p, threads, count));
	}
	int bad = 0, st;
	while (wait(&st) > 0)
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad++;
	if (linger > 0)
		usleep((useconds_t)linger * 1000);
	return bad ? 1 : 0;
}
