/*
 * spawn_versions.c — run a command through one exact symbol version of
 * posix_spawn / posix_spawnp, to prove the preload shim intercepts programs
 * bound to either version (x86_64 glibc: @GLIBC_2.2.5 and @@GLIBC_2.15).
 *
 *   spawn_versions old|new spawn|spawnp inherit|empty PROGRAM [ARG]...
 *
 * "empty" passes an empty envp (the shim must re-insert itself). Prints
 * "rc=N status=S" (rc: posix_spawn's return value, status: the child's
 * exit status or -1) and exits 0 when the spawn itself succeeded.
 */
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

typedef int spawn_fn(pid_t *, const char *, const posix_spawn_file_actions_t *,
		     const posix_spawnattr_t *, char *const[], char *const[]);

spawn_fn old_posix_spawn, old_posix_spawnp;
__asm__(".symver old_posix_spawn, posix_spawn@GLIBC_2.2.5");
__asm__(".symver old_posix_spawnp, posix_spawnp@GLIBC_2.2.5");

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: spawn_versions old|new spawn|spawnp inherit|empty PROG [ARG]...\n");
		return 2;
	}
	int old = strcmp(argv[1], "old") == 0;
	int search = strcmp(argv[2], "spawnp") == 0;
	char *empty[] = { NULL };
	char **envp = strcmp(argv[3], "empty") == 0 ? empty : environ;
	spawn_fn *fn = old ? (search ? old_posix_spawnp : old_posix_spawn)
			   : (search ? posix_spawnp : posix_spawn);
	pid_t pid;
	int rc = fn(&pid, argv[4], NULL, NULL, argv + 4, envp);
	int status = -1;
	if (rc == 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		status = WEXITSTATUS(status);
	printf("rc=%d status=%d\n", rc, status);
	return rc == 0 ? 0 : 1;
}
