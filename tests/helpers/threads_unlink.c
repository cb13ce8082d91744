/*
 * threads_unlink.c — delete files from several threads at once.
 *
 *   threads_unlink DIR NTHREADS NFILES
 *
 * Each thread t unlinks DIR/t-0 .. DIR/t-(NFILES-1) (they must exist).
 * Prints "removed=N denied=N other=N" and exits 0. Used to check that the
 * preload shim is thread-safe and gates every call from every thread.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *dir;
static int nfiles;
static atomic_int removed, denied, other;

static void *worker(void *arg)
{
	long t = (long)arg;
	char path[4096];
	for (int i = 0; i < nfiles; i++) {
		snprintf(path, sizeof path, "%s/%ld-%d", dir, t, i);
		errno = 0;
		if (unlink(path) == 0)
			atomic_fetch_add(&removed, 1);
		else if (errno == EACCES)
			atomic_fetch_add(&denied, 1);
		else
			atomic_fetch_add(&other, 1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: threads_unlink DIR NTHREADS NFILES\n");
		return 2;
	}
	dir = argv[1];
	int n = atoi(argv[2]);
	nfiles = atoi(argv[3]);
	if (n < 1 || n > 64 || nfiles < 0)
		return 2;
	pthread_t th[64];
	for (long t = 0; t < n; t++)
		if (pthread_create(&th[t], NULL, worker, (void *)t) != 0)
			return 1;
	for (int t = 0; t < n; t++)
		pthread_join(th[t], NULL);
	printf("removed=%d denied=%d other=%d\n", atomic_load(&removed), atomic_load(&denied),
	       atomic_load(&other));
	return 0;
}
