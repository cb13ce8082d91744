/*
 * exec_variants.c — run `/bin/sh -c CMD` through one chosen entry point, to
 * exercise each hook of the preload shim from a real program.
 *
 *   exec_variants MODE CMD
 *
 * MODE: execl execle execlp execv execvp execvpe execve-empty fexecve
 *       execveat execveat-empty vfork system popen
 *       scrub-system scrub-popen scrub-execvp (clearenv() first: the shim
 *       must restore itself from its cached values)
 * The *-empty modes, execle and execvpe pass an empty envp.
 * When an exec returns, prints "errno=N" and exits 111. system/popen print
 * "rc=N errno=N" (popen: the command's output first).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int failed(void)
{
	printf("errno=%d\n", errno);
	fflush(stdout);
	return 111;
}

static int run_popen(const char *cmd)
{
	errno = 0;
	FILE *f = popen(cmd, "r");
	if (f == NULL) {
		printf("rc=-1 errno=%d\n", errno);
		return 1;
	}
	char buf[512];
	while (fgets(buf, sizeof buf, f))
		fputs(buf, stdout);
	int st = pclose(f);
	printf("rc=%d errno=0\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}

static int run_system(const char *cmd)
{
	errno = 0;
	int st = system(cmd);
	int e = errno;
	printf("rc=%d errno=%d\n", st == -1 ? -1 : (WIFEXITED(st) ? WEXITSTATUS(st) : -2),
	       st == -1 ? e : 0);
	return st == -1 ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: exec_variants MODE CMD\n");
		return 2;
	}
	const char *mode = argv[1];
	char *cmd = argv[2];
	char *sargv[] = { (char *)"sh", (char *)"-c", cmd, NULL };
	char *empty[] = { NULL };
	fflush(stdout);
	errno = 0;
	if (strcmp(mode, "execl") == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	} else if (strcmp(mode, "execle") == 0) {
		execle("/bin/sh", "sh", "-c", cmd, (char *)NULL, empty);
	} else if (strcmp(mode, "execlp") == 0) {
		execlp("sh", "sh", "-c", cmd, (char *)NULL);
	} else if (strcmp(mode, "execv") == 0) {
		execv("/bin/sh", sargv);
	} else if (strcmp(mode, "execvp") == 0) {
		execvp("sh", sargv);
	} else if (strcmp(mode, "execvpe") == 0) {
		execvpe("sh", sargv, empty);
	} else if (strcmp(mode, "execve-empty") == 0) {
		execve("/bin/sh", sargv, empty);
	} else if (strcmp(mode, "fexecve") == 0) {
		int fd = open("/bin/sh", O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			fexecve(fd, sargv, environ);
	} else if (strcmp(mode, "execveat") == 0) {
		int dfd = open("/bin", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0)
			execveat(dfd, "sh", sargv, environ, 0);
	} else if (strcmp(mode, "execveat-empty") == 0) {
		int fd = open("/bin/sh", O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			execveat(fd, "", sargv, environ, AT_EMPTY_PATH);
	} else if (strcmp(mode, "vfork") == 0) {
		volatile int err = 0;
		pid_t pid = vfork();
		if (pid == 0) {
			execve("/bin/sh", sargv, environ);
			err = errno; /* shared memory: the parent reads it */
			_exit(111);
		}
		int st = 0;
		if (pid < 0 || waitpid(pid, &st, 0) != pid)
			return 1;
		printf("status=%d errno=%d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1, err);
		return 0;
	} else if (strcmp(mode, "system") == 0) {
		return run_system(cmd);
	} else if (strcmp(mode, "popen") == 0) {
		return run_popen(cmd);
	} else if (strncmp(mode, "scrub-", 6) == 0) {
		clearenv();
		setenv("PATH", "/usr/bin:/bin", 1);
		setenv("INTERLOCK_SOCKET", "/nonexistent/evil.sock", 1);
		if (strcmp(mode + 6, "system") == 0)
			return run_system(cmd);
		if (strcmp(mode + 6, "popen") == 0)
			return run_popen(cmd);
		if (strcmp(mode + 6, "execvp") == 0)
			execvp("sh", sargv);
		else
			return 2;
	} else {
		fprintf(stderr, "exec_variants: unknown mode %s\n", mode);
		return 2;
	}
	return failed();
}
