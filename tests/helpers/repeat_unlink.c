/*
 * repeat_unlink.c — delete the same path several times, re-creating it in
 * between, from one thread, one call site and one path buffer.
 *
 *   repeat_unlink PATH N
 *
 * N times: create PATH (with one byte), then unlink(PATH); prints
 * "unlink I: ok" or "unlink I: <strerror>" per round, then
 * "removed=N failed=N". Each round destroys a different file, so each is
 * its own action: a gate must decide every one of them (and audit it),
 * even though the system calls look identical (same thread, same
 * arguments, same buffer address).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[4096];

/* One round's delete: 0 or the errno. */
static int delete_once(void)
{
	return unlink(path) == 0 ? 0 : errno;
}

int main(int argc, char **argv)
{
	if (argc != 3 || strlen(argv[1]) >= sizeof path) {
		fprintf(stderr, "usage: repeat_unlink PATH N\n");
		return 2;
	}
	memcpy(path, argv[1], strlen(argv[1]) + 1);
	int n = atoi(argv[2]);
	if (n < 1 || n > 1000)
		return 2;
	int removed = 0, failed = 0;
	for (int i = 0; i < n; i++) {
		int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
		if (fd >= 0) {
			if (write(fd, "x", 1) != 1)
				failed++;
			close(fd);
		}
		int e = delete_once();
		if (e == 0) {
			removed++;
			printf("unlink %d: ok\n", i);
		} else {
			failed++;
			printf("unlink %d: %s\n", i, strerror(e));
		}
		fflush(stdout);
	}
	printf("removed=%d failed=%d\n", removed, failed);
	return 0;
}
