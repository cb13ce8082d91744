/*
 * shim_str.c — string helpers safe for the exec path: a bounded appender,
 * an errno-preserving write loop, and untranslated errno descriptions
 * (strerror may consult the locale and allocate; strerrordesc_np does not).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "shim.h"

/* Append n bytes of s, silently truncating at capacity (keeps a NUL). */
void il_sb_putn(il_sb *b, const char *s, size_t n)
{
	if (b->cap == 0 || b->len >= b->cap - 1)
		return;
	size_t room = b->cap - 1 - b->len;
	if (n > room)
		n = room;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

void il_sb_put(il_sb *b, const char *s)
{
	il_sb_putn(b, s, strlen(s));
}

void il_sb_putu(il_sb *b, unsigned long v)
{
	char tmp[24];
	size_t i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i > 0);
	il_sb_putn(b, tmp + i, sizeof tmp - i);
}

/* Write everything, retrying EINTR and short writes; errno is restored. */
void il_write_fd(int fd, const char *buf, size_t n)
{
	int saved = errno;
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		buf += w;
		n -= (size_t)w;
	}
	errno = saved;
}

const char *il_errstr(int e)
{
	const char *d = strerrordesc_np(e);
	return d ? d : "unknown error";
}
