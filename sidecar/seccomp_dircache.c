/*
 * seccomp_dircache.c — the supervisor's handles on its callers' directory
 * descriptors (seccomp_dircache.h).
 */
#include "seccomp_dircache.h"
#include "util.h"

#include <fcntl.h>
#include <linux/kcmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DIRCACHE_SLOTS 16
#define DIRCACHE_PATH 4096

typedef struct {
	pid_t tid;                  /* 0: empty */
	int tfd;                    /* the caller's descriptor number */
	int fd;                     /* our handle on the same open file */
	dev_t dev;
	ino_t ino;
	int64_t checked;            /* when lstat last confirmed path (monotonic ms) */
	char path[DIRCACHE_PATH];
} entry;

struct il_dircache {
	pid_t self;
	int recheck_ms;
	entry v[DIRCACHE_SLOTS];
};

il_dircache *il_dircache_new(pid_t self, int recheck_ms)
{
	il_dircache *c = calloc(1, sizeof *c);
	if (c) {
		c->self = self;
		c->recheck_ms = recheck_ms > 0 ? recheck_ms : 0;
	}
	return c;
}

static void drop(entry *e)
{
	if (e->tid)
		close(e->fd);
	e->tid = 0;
}

void il_dircache_flush(il_dircache *c)
{
	for (size_t i = 0; i < DIRCACHE_SLOTS; i++)
		drop(&c->v[i]);
}

void il_dircache_free(il_dircache *c)
{
	if (!c)
		return;
	il_dircache_flush(c);
	free(c);
}

static entry *slot(il_dircache *c, pid_t tid, int tfd)
{
	unsigned h = (unsigned)tid * 2654435761u ^ (unsigned)tfd * 40503u;
	return &c->v[h % DIRCACHE_SLOTS];
}

int il_dircache_get(il_dircache *c, pid_t tid, int tfd, const char **path)
{
	entry *e = slot(c, tid, tfd);
	if (e->tid != tid || e->tfd != tfd)
		return -1;
	if (syscall(SYS_kcmp, tid, c->self, KCMP_FILE, tfd, e->fd) != 0) {
		drop(e);
		return -1;
	}
	int64_t now = c->recheck_ms ? il_now_mono_ms() : 0;
	if (!c->recheck_ms || now - e->checked >= c->recheck_ms) {
		struct stat st;
		if (lstat(e->path, &st) != 0 || st.st_dev != e->dev || st.st_ino != e->ino ||
		    !S_ISDIR(st.st_mode)) {
			drop(e);
			return -1;
		}
		e->checked = now;
	}
	*path = e->path;
	return e->fd;
}

int il_dircache_put(il_dircache *c, pid_t tid, int tfd, int fd, const char *path)
{
	size_t l = strlen(path);
	struct stat st;
	if (tid <= 0 || tfd < 0 || l >= DIRCACHE_PATH || fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode))
		return -1;
	entry *e = slot(c, tid, tfd);
	drop(e);
	e->tid = tid;
	e->tfd = tfd;
	e->fd = fd;
	e->dev = st.st_dev;
	e->ino = st.st_ino;
	e->checked = c->recheck_ms ? il_now_mono_ms() : 0;   /* the path was just read */
	memcpy(e->path, path, l + 1);
	return fd;
}
