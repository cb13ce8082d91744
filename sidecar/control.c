/*
 * control.c — client side of the control protocol (see control.h):
 * one JSON line out, one JSON line back, with a deadline.
 */
#include "control.h"
#include "rundir.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Connect a stream socket to path; fd or -1 with errno. */
static int connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int il_control_call(const char *ctl_path, const cJSON *req, cJSON **resp,
                    char *err, size_t n)
{
	*resp = NULL;
	cleanup_fd int fd = connect_unix(ctl_path);
	if (fd < 0) {
		snprintf(err, n, "%s: %s", ctl_path, strerror(errno));
		return -1;
	}
	cleanup_free char *line = cJSON_PrintUnformatted(req);
	if (!line) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	size_t len = strlen(line);
	line[len] = '\0';
	if (il_write_all(fd, line, len) < 0 || il_write_all(fd, "\n", 1) < 0) {
		snprintf(err, n, "%s: write: %s", ctl_path, strerror(errno));
		return -1;
	}
	size_t cap = 4096, got = 0;
	cleanup_free char *buf = malloc(cap);
	if (!buf) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	int64_t deadline = il_now_mono_ms() + IL_CONTROL_TIMEOUT_MS;
	for (;;) {
		char *nl = got ? memchr(buf, '\n', got) : NULL;
		if (nl) {
			*nl = '\0';
			break;
		}
		if (got == cap) {
			if (cap >= IL_CONTROL_MAX_RESPONSE) {
				snprintf(err, n, "%s: response too long", ctl_path);
				return -1;
			}
			cap *= 2;
			char *b = realloc(buf, cap);
			if (!b) {
				snprintf(err, n, "out of memory");
				return -1;
			}
			buf = b;
		}
		int64_t left = deadline - il_now_mono_ms();
		if (left <= 0) {
			snprintf(err, n, "%s: no answer within %d s", ctl_path, IL_CONTROL_TIMEOUT_MS / 1000);
			return -1;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int pr = poll(&p, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue;
		ssize_t r = read(fd, buf + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, n, "%s: connection closed without an answer", ctl_path);
			return -1;
		}
		got += (size_t)r;
	}
	cJSON *j = cJSON_Parse(buf);
	if (!j || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		snprintf(err, n, "%s: malformed response", ctl_path);
		return -1;
	}
	*resp = j;
	return 0;
}

size_t il_control_list(char ***ctl_paths)
{
	*ctl_paths = NULL;
	char base[4096], err[512];
	if (il_rundir_base(base, sizeof base) < 0 || il_rundir_check_private(base, err, sizeof err) < 0)
		return 0;
	DIR *d = opendir(base);
	if (!d)
		return 0;
	char **out = NULL;
	size_t cnt = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char dir[4400], ctl[4500];
		snprintf(dir, sizeof dir, "%s/%s", base, e->d_name);
		if (il_rundir_check_private(dir, err, sizeof err) < 0)
			continue;
		snprintf(ctl, sizeof ctl, "%s/%s", dir, IL_RUNDIR_CTL_SOCK);
		int fd = connect_unix(ctl);
		if (fd < 0) {
			/* A sidecar that died without cleaning up: its socket
			 * refuses (or is gone). Remove the stale directory. */
			if ((errno == ECONNREFUSED || errno == ENOENT) &&
			    il_rundir_session_abandoned(dir))
				il_rundir_remove_session(dir);
			continue;
		}
		close(fd);
		char **o = realloc(out, (cnt + 1) * sizeof *o);
		char *p = strdup(ctl);
		if (!o || !p) {
			free(p);
			if (o)
				out = o;
			break;
		}
		out = o;
		out[cnt++] = p;
	}
	closedir(d);
	*ctl_paths = out;
	return cnt;
}

void il_control_list_free(char **ctl_paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ctl_paths[i]);
	free(ctl_paths);
}
