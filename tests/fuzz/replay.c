/*
 * replay.c — a main() for libFuzzer targets, so that each tests/fuzz/fuzz_*.c
 * can be built with the ordinary compiler and flags (gcc, ASan under
 * `make asan`) and replayed over its seed corpus and regression inputs by
 * `make check`, without libFuzzer.
 *
 *   fuzz_NAME [--quiet] PATH...
 *
 * Each PATH is a file or a directory (its regular files, in name order, not
 * recursive; a missing PATH is skipped so an empty regressions/ dir is
 * fine). Every input runs in its own child process with a 20 s alarm, read
 * into a buffer of exactly its size (so a sanitizer sees one byte past the
 * end). An input passes when the child exits 0; a crash, abort, sanitizer
 * report or timeout fails it. Ends with "fuzz-replay NAME: N passed,
 * N failed" and exits 1 if any failed or no input was found.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs larger than this are refused (libFuzzer's -max_len in `make fuzz`
 * is 64 KiB; regression inputs are small). */
#define REPLAY_MAX_INPUT (16u << 20)
#define REPLAY_ALARM_S 20

static unsigned npassed, nfailed;
static int quiet;

/* Read the whole file at path into a malloc'd buffer of exactly its size
 * (a 1-byte buffer for an empty file, with *len 0). 0 or -1 with errno. */
static int read_input(const char *path, uint8_t **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
	    (uint64_t)st.st_size > REPLAY_MAX_INPUT) {
		close(fd);
		errno = EFBIG;
		return -1;
	}
	size_t n = (size_t)st.st_size;
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf) {
		close(fd);
		return -1;
	}
	size_t off = 0;
	while (off < n) {
		ssize_t r = read(fd, buf + off, n - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(buf);
			close(fd);
			errno = r < 0 ? errno : EIO;
			return -1;
		}
		off += (size_t)r;
	}
	close(fd);
	*out = buf;
	*len = n;
	return 0;
}

/* Run one input in a child and count the outcome. */
static void run_one(const char *path)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "FAIL %s: fork: %s\n", path, strerror(errno));
		nfailed++;
		return;
	}
	if (pid == 0) {
		uint8_t *data;
		size_t len;
		if (read_input(path, &data, &len) < 0) {
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
			_exit(3);
		}
		alarm(REPLAY_ALARM_S);
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		exit(0);   /* exit, not _exit: LeakSanitizer runs at exit */
	}
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "FAIL %s: waitpid: %s\n", path, strerror(errno));
			nfailed++;
			return;
		}
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		npassed++;
		if (!quiet)
			printf("ok   %s\n", path);
	} else {
		nfailed++;
		if (WIFSIGNALED(st))
			printf("FAIL %s: killed by signal %d%s\n", path, WTERMSIG(st),
			       WTERMSIG(st) == SIGALRM ? " (timeout)" : "");
		else
			printf("FAIL %s: exit status %d\n", path, WEXITSTATUS(st));
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run every regular file directly in dir, in name order. */
static void run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "FAIL %s: %s\n", dir, strerror(errno));
		nfailed++;
		return;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *p = NULL;
		if (asprintf(&p, "%s/%s", dir, e->d_name) < 0)
			continue;
		struct stat st;
		if (stat(p, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(p);
			continue;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			char **nn = realloc(names, nc * sizeof *nn);
			if (!nn) {
				free(p);
				break;
			}
			names = nn;
			cap = nc;
		}
		names[n++] = p;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; i < n; i++) {
		run_one(names[i]);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/');
	name = name ? name + 1 : argv[0];
	if (strncmp(name, "fuzz_", 5) == 0)
		name += 5;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quiet") == 0) {
			quiet = 1;
			continue;
		}
		struct stat st;
		if (stat(argv[i], &st) < 0)
			continue;   /* e.g. no regressions/<name>/ yet */
		if (S_ISDIR(st.st_mode))
			run_dir(argv[i]);
		else
			run_one(argv[i]);
	}
	if (npassed + nfailed == 0) {
		printf("fuzz-replay %s: no input found\n", name);
		nfailed = 1;
	}
	printf("fuzz-replay %s: %u passed, %u failed\n", name, npassed, nfailed);
	return nfailed ? 1 : 0;
}
