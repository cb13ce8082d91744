/*
 * proctree.c — process ancestry from /proc (see proctree.h).
 */
#include "proctree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Read /proc/<pid>/stat into buf and return its last ')', which ends the
 * comm field (itself free to hold spaces and parentheses): fields 3 and
 * on follow it. NULL when unreadable. */
static char *stat_fields(pid_t pid, char *buf, size_t n)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ssize_t r = read(fd, buf, n - 1);
	close(fd);
	if (r <= 0)
		return NULL;
	buf[r] = '\0';
	char *rp = strrchr(buf, ')');
	return rp;
}

/* Fields 3 and 4 of /proc/<pid>/stat: state and ppid. 0 or -1. */
static int read_stat(pid_t pid, char *state, pid_t *ppid)
{
	char buf[1024];
	char *rp = stat_fields(pid, buf, sizeof buf);
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

int il_proc_start_time(pid_t pid, uint64_t *out)
{
	char buf[1024];
	char *p = stat_fields(pid, buf, sizeof buf);
	if (!p)
		return -1;
	p++;   /* at the space before field 3; field 22 is 19 spaces further */
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -1;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(p + 1, &end, 10);
	if (errno || end == p + 1)
		return -1;
	*out = v;
	return 0;
}
