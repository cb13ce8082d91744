/*
 * signal_nested.c — a gated call made from a signal handler while the same
 * thread is already inside the shim waiting for a verdict.
 *
 *   signal_nested OUTER INNER
 *
 * Arms a 300 ms SIGALRM (without SA_RESTART, so the shim's read sees
 * EINTR), then unlinks OUTER; the handler unlinks INNER. Prints
 * "outer=E inner=E" with each call's errno (0 on success). The shim must
 * gate the nested call like any other and then resume waiting.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static const char *inner;
static volatile int inner_err = -1;

static void on_alarm(int sig)
{
	(void)sig;
	int saved = errno;
	inner_err = unlink(inner) == 0 ? 0 : errno;
	errno = saved;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: signal_nested OUTER INNER\n");
		return 2;
	}
	inner = argv[2];
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 0 }, { 0, 300000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	int outer_err = unlink(argv[1]) == 0 ? 0 : errno;
	printf("outer=%d inner=%d\n", outer_err, inner_err);
	return 0;
}
