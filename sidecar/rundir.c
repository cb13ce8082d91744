/*
 * rundir.c — the per-user runtime directory (see rundir.h).
 */
#include "rundir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * Random bytes come from a pool refilled with one getrandom() per 4 KiB,
 * so that naming a request does not cost a system call each time (the
 * sidecar names every request it answers). The pool is locked for the
 * multi-threaded approval service and emptied in a fork child, so a
 * parent and its child never hand out the same bytes.
 */
static unsigned char rnd_pool[4096];
static size_t rnd_left;
static pthread_mutex_t rnd_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t rnd_once = PTHREAD_ONCE_INIT;

static void rnd_forget_in_child(void)
{
	rnd_left = 0;
	pthread_mutex_init(&rnd_lock, NULL);
}

static void rnd_init(void)
{
	pthread_atfork(NULL, NULL, rnd_forget_in_child);
}

static int rnd_fill(void)
{
	size_t got = 0;
	while (got < sizeof rnd_pool) {
		ssize_t r = getrandom(rnd_pool + got, sizeof rnd_pool - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	rnd_left = sizeof rnd_pool;
	return 0;
}

int il_random_hex(char *buf, size_t nbytes)
{
	unsigned char raw[64];
	if (nbytes > sizeof raw)
		return -1;
	pthread_once(&rnd_once, rnd_init);
	pthread_mutex_lock(&rnd_lock);
	if (rnd_left < nbytes && rnd_fill() < 0) {
		pthread_mutex_unlock(&rnd_lock);
		return -1;
	}
	unsigned char *src = rnd_pool + sizeof rnd_pool - rnd_left;
	memcpy(raw, src, nbytes);
	explicit_bzero(src, nbytes);   /* never handed out twice */
	rnd_left -= nbytes;
	pthread_mutex_unlock(&rnd_lock);
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < nbytes; i++) {
		buf[2 * i] = hex[raw[i] >> 4];
		buf[2 * i + 1] = hex[raw[i] & 15];
	}
	buf[2 * nbytes] = '\0';
	return 0;
}

int il_rundir_base(char *buf, size_t n)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int r;
	if (xdg && xdg[0] == '/')
		r = snprintf(buf, n, "%s/interlock", xdg);
	else
		r = snprintf(buf, n, "/tmp/interlock-%u", (unsigned)getuid());
	return (r < 0 || (size_t)r >= n) ? -1 : 0;
}

int il_rundir_check_private(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	if (lstat(dir, &st) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory (or a symlink); refusing to use it", dir);
		return -1;
	}
	if (st.st_uid != getuid()) {
		snprintf(err, errlen, "%s: owned by uid %u, not by you (uid %u); refusing to use it",
		         dir, (unsigned)st.st_uid, (unsigned)getuid());
		return -1;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "%s: accessible by group or others (mode %04o); refusing to use it",
		         dir, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

int il_rundir_ensure_base(char *buf, size_t n, char *err, size_t errlen)
{
	if (il_rundir_base(buf, n) < 0) {
		snprintf(err, errlen, "runtime directory path too long");
		return -1;
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", buf, strerror(errno));
		return -1;
	}
	return il_rundir_check_private(buf, err, errlen);
}

int il_rundir_new_session_id(char *buf, size_t n)
{
	if (n < 19)
		return -1;
	buf[0] = 's';
	buf[1] = '-';
	return il_random_hex(buf + 2, 8);
}

int il_rundir_make_session(const char *session, char *dir, size_t n, char *err, size_t errlen)
{
	char base[4096];
	if (il_rundir_ensure_base(base, sizeof base, err, errlen) < 0)
		return -1;
	int r = snprintf(dir, n, "%s/%s", base, session);
	/* sun_path holds 108 bytes; leave room for "/agent.sock". */
	if (r < 0 || (size_t)r >= n || (size_t)r + 12 > 107) {
		snprintf(err, errlen, "runtime directory %s is too long for a socket path", base);
		return -1;
	}
	if (mkdir(dir, 0700) < 0) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	/* held until this process exits: listers see the session is alive
	 * even before its sockets listen (see il_rundir_session_abandoned) */
	/* Created and locked under another name, then renamed into place, so
	 * that "lock" never exists unlocked: a lister that finds it and can
	 * take it knows the owner is gone. */
	char lock[4200], tmp[4200];
	snprintf(lock, sizeof lock, "%s/%s", dir, IL_RUNDIR_LOCK);
	snprintf(tmp, sizeof tmp, "%s/.%s", dir, IL_RUNDIR_LOCK);
	int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0 || rename(tmp, lock) < 0) {
		snprintf(err, errlen, "cannot lock %s: %s", lock, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		il_rundir_remove_session(dir);
		return -1;
	}
	return 0;   /* fd stays open on purpose: it is the session's liveness */
}

bool il_rundir_session_abandoned(const char *dir)
{
	char lock[4200];
	snprintf(lock, sizeof lock, "%s/%s", dir, IL_RUNDIR_LOCK);
	int fd = open(lock, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		struct stat st;
		return errno == ENOENT && stat(dir, &st) == 0 && st.st_mtime + 60 < time(NULL);
	}
	bool dead = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);
	return dead;
}

void il_rundir_remove_session(const char *dir)
{
	char p[4200];
	snprintf(p, sizeof p, "%s/%s", dir, IL_RUNDIR_AGENT_SOCK);
	unlink(p);
	snprintf(p, sizeof p, "%s/%s", dir, IL_RUNDIR_CTL_SOCK);
	unlink(p);
	snprintf(p, sizeof p, "%s/%s", dir, IL_RUNDIR_LOCK);
	unlink(p);
	snprintf(p, sizeof p, "%s/.%s", dir, IL_RUNDIR_LOCK);
	unlink(p);   /* an owner that died between creating and renaming it */
	rmdir(dir);
}
