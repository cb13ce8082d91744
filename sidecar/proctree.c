/*
 * proctree.c — process ancestry from /proc (see proctree.h).
 */
#include "proctree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Read /proc/<pid>/stat; fills state and ppid. 0 or -1. The comm field may
 * hold spaces and parentheses, so parse after the last ')'. */
static int read_stat(pid_t pid, char *state, pid_t *ppid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	char *rp = strrchr(buf, ')');
	if (!rp)
		return -1;
	char st;
	int pp;
	if (sscanf(rp + 1, " %c %d", &st, &pp) != 2)
		return -1;
	*state = st;
	*ppid = (pid_t)pp;
	return 0;
}

pid_t il_proc_ppid(pid_t pid)
{
	char st;
	pid_t pp;
	return read_stat(pid, &st, &pp) < 0 ? -1 : pp;
}

bool il_proc_alive(pid_t pid)
{
	char st;
	pid_t pp;
	if (pid <= 0 || read_stat(pid, &st, &pp) < 0)
		return false;
	return st != 'Z' && st != 'X' && st != 'x';
}

bool il_proc_in_trees(pid_t pid, const pid_t *roots, size_t nroots)
{
	pid_t cur = pid;
	for (int depth = 0; depth < 4096; depth++) {
		for (size_t i = 0; i < nroots; i++)
			if (roots[i] > 0 && cur == roots[i])
				return true;
		if (cur <= 1)
			return false;
		char st;
		pid_t pp;
		if (read_stat(cur, &st, &pp) < 0) {
			/* The caller itself vanished: it cannot act any more. Any
			 * other unreadable link is suspicious: fail closed. */
			return cur != pid || errno != ENOENT ? true : false;
		}
		cur = pp;
	}
	return true;
}
