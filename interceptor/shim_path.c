/*
 * shim_path.c — turning the paths a program passes to exec and delete
 * calls into the absolute, lexically normalised paths the sidecar's rules
 * match, and searching $PATH the way glibc's execvp does.
 *
 * All of it works in caller-provided buffers with plain system calls
 * (getcwd, readlink, stat, faccessat): no allocation, usable in a vfork
 * child.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim.h"

/*
 * Lexical normalisation of an absolute path. Works in place (in == out is
 * allowed): the write position never passes the read position because every
 * component is copied at most once and separators only shrink.
 */
int il_normalize(const char *in, char *out, size_t outsz)
{
	if (in == NULL || in[0] != '/') {
		errno = EINVAL;
		return -1;
	}
	if (outsz < 2) {
		errno = ENAMETOOLONG;
		return -1;
	}
	size_t o = 0;
	const char *p = in;
	while (*p) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		const char *q = p;
		while (*q && *q != '/')
			q++;
		size_t n = (size_t)(q - p);
		if (n == 1 && p[0] == '.') {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else {
			if (o + 1 + n + 1 > outsz) {
				errno = ENAMETOOLONG;
				return -1;
			}
			out[o++] = '/';
			memmove(out + o, p, n);
			o += n;
		}
		p = q;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return 0;
}

/*
 * The directory of the last *at() call in this thread, and its path.
 * `rm -rf` deletes every file of a directory relative to one descriptor,
 * and readlink(/proc/self/fd/N) costs twice as much as the two checks
 * that make a remembered answer as good as a fresh one: fstat(N) still
 * shows the same directory (device, inode), and lstat(path) still finds
 * that directory at that path (a rename of it or of any parent, by
 * anyone, makes the path name something else or nothing). Per thread; a
 * signal handler that runs while the entry is in use does without it.
 */
#define IL_DIRCACHE_PATH 4096
static __thread struct {
	int fd;
	int busy;
	dev_t dev;
	ino_t ino;
	size_t len;                      /* 0: empty */
	char path[IL_DIRCACHE_PATH];
} il_dc __attribute__((tls_model("initial-exec")));

/* The remembered path of directory descriptor fd into buf, if it still
 * holds: 0, else -1. */
static int il_dc_get(int fd, char *buf, size_t n)
{
	struct stat a, b;
	if (il_dc.len == 0 || il_dc.fd != fd || il_dc.len >= n)
		return -1;
	if (fstat(fd, &a) != 0 || a.st_dev != il_dc.dev || a.st_ino != il_dc.ino ||
	    lstat(il_dc.path, &b) != 0 || b.st_dev != a.st_dev || b.st_ino != a.st_ino ||
	    !S_ISDIR(b.st_mode)) {
		il_dc.len = 0;
		return -1;
	}
	memcpy(buf, il_dc.path, il_dc.len + 1);
	return 0;
}

/* Remember that directory descriptor fd has path p (just read). */
static void il_dc_put(int fd, const char *p)
{
	struct stat a;
	size_t l = strlen(p);
	il_dc.len = 0;
	if (l >= IL_DIRCACHE_PATH || fstat(fd, &a) != 0 || !S_ISDIR(a.st_mode))
		return;
	il_dc.fd = fd;
	il_dc.dev = a.st_dev;
	il_dc.ino = a.st_ino;
	memcpy(il_dc.path, p, l + 1);
	il_dc.len = l;
}

/* readlink /proc/self/fd/N into buf (NUL-terminated); 0 or -1 with errno.
 * A directory's answer may come from il_dc (checked). */
static int il_fd_path(int fd, char *buf, size_t n)
{
	int cached = !il_dc.busy;
	if (cached) {
		il_dc.busy = 1;
		int hit = il_dc_get(fd, buf, n) == 0;
		il_dc.busy = 0;
		if (hit)
			return 0;
	}
	char link[40];
	il_sb sb = { link, sizeof link, 0 };
	il_sb_put(&sb, "/proc/self/fd/");
	il_sb_putu(&sb, (unsigned long)fd);
	ssize_t r = readlink(link, buf, n - 1);
	if (r < 0) {
		/* a closed fd shows as ENOENT under /proc: report what the real
		 * call would say */
		if (errno == ENOENT && fcntl(fd, F_GETFD) < 0)
			errno = EBADF;
		return -1;
	}
	if ((size_t)r >= n - 1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	buf[r] = '\0';
	if (buf[0] != '/') {
		/* a pipe, socket or anonymous inode: no path to name */
		errno = ENOTDIR;
		return -1;
	}
	if (cached && !il_dc.busy) {
		il_dc.busy = 1;
		il_dc_put(fd, buf);
		il_dc.busy = 0;
	}
	return 0;
}

int il_resolve_at(int dirfd, const char *path, int empty_ok, const char *cwd,
		  char *out, size_t outsz)
{
	if (path == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (path[0] == '/')
		return il_normalize(path, out, outsz);
	if (path[0] == '\0' && !empty_ok) {
		errno = ENOENT;
		return -1;
	}
	size_t bl;
	if (dirfd == AT_FDCWD) {
		if (cwd == NULL || cwd[0] != '/') {
			errno = ENOENT;
			return -1;
		}
		bl = strlen(cwd);
		if (bl + 1 >= outsz) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(out, cwd, bl + 1);
	} else {
		if (dirfd < 0) {
			errno = EBADF;
			return -1;
		}
		if (il_fd_path(dirfd, out, outsz) < 0)
			return -1;
		bl = strlen(out);
	}
	if (path[0] != '\0') {
		size_t pl = strlen(path);
		if (bl + 1 + pl + 1 > outsz) {
			errno = ENAMETOOLONG;
			return -1;
		}
		out[bl] = '/';
		memcpy(out + bl + 1, path, pl + 1);
	}
	return il_normalize(out, out, outsz);
}

const char *il_getcwd(char *buf, size_t n)
{
	return getcwd(buf, n);
}

/*
 * glibc's execvpe: try every $PATH entry in order; EACCES is remembered and
 * the search goes on; ENOENT-like errors go on; any other error stops the
 * search. Instead of executing each candidate we check what execve would
 * check: the file exists, is a regular file, and is executable for the
 * effective ids.
 */
int il_path_search(const char *file, char *out, size_t outsz)
{
	if (file == NULL || file[0] == '\0')
		return ENOENT;
	size_t fl = strlen(file);
	if (fl > NAME_MAX)
		return ENAMETOOLONG;
	const char *path = getenv("PATH");
	if (path == NULL)
		path = "/bin:/usr/bin";
	int got_eacces = 0;
	const char *p = path;
	for (;;) {
		const char *e = strchr(p, ':');
		size_t dl = e ? (size_t)(e - p) : strlen(p);
		if (dl + 1 + fl + 1 <= outsz) {
			memcpy(out, p, dl);
			size_t o = dl;
			if (dl != 0)
				out[o++] = '/';
			memcpy(out + o, file, fl + 1);
			struct stat st;
			if (stat(out, &st) == 0) {
				if (!S_ISREG(st.st_mode) ||
				    faccessat(AT_FDCWD, out, X_OK, AT_EACCESS) != 0)
					got_eacces = 1;
				else
					return 0;
			} else {
				switch (errno) {
				case EACCES:
					got_eacces = 1;
					break;
				case ENOENT:
				case ENOTDIR:
				case ESTALE:
				case ENODEV:
				case ETIMEDOUT:
					break;
				default:
					return errno;
				}
			}
		}
		if (e == NULL)
			break;
		p = e + 1;
	}
	return got_eacces ? EACCES : ENOENT;
}
