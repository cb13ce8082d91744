/*
 * seccomp_dlexec.c — exec a program through libc's own execve, found with
 * dlsym(dlopen("libc.so.6")), which an LD_PRELOAD shim's interposition
 * does not see. Used by tests/integration/seccomp_gate.sh: under
 * `--enforce seccomp|both` the exec must still be gated.
 *
 *   seccomp_dlexec PROG [ARG]...
 *
 * On failure prints "rc=-1 errno=NAME" and exits 1.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	void *h = dlopen("libc.so.6", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return 3;
	int (*ex)(const char *, char *const[], char *const[]);
	*(void **)&ex = dlsym(h, "execve");
	if (!ex)
		return 3;
	ex(argv[1], argv + 1, environ);
	printf("rc=-1 errno=%s\n", strerrorname_np(errno));
	return 1;
}
